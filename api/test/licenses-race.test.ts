import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, it } from 'node:test';
import { signUp, startTestApi, type TestApi } from './helpers/api';
import { grantLicense, liveActivations, newFingerprint } from './helpers/licenses';

/**
 * The seat limit across processes: a second API process, started like
 * production starts it, shares the database (and the signing keys) with the
 * first one; 100 activations of 100 machines race across both.
 */
let t: TestApi;
let second: ChildProcess;
let secondUrl: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`second API exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('second API did not become ready');
}

before(async () => {
  t = await startTestApi();
  const port = await freePort();
  secondUrl = `http://127.0.0.1:${port}`;
  second = spawn(process.execPath, ['--import', 'tsx', 'api/src/server.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: t.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      DATA_DIR: t.dataDir,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitReady(secondUrl, second, 30_000);
});

after(async () => {
  if (second.exitCode === null) {
    const exited = new Promise((resolve) => second.once('exit', resolve));
    second.kill('SIGTERM');
    await exited;
  }
  await t.close();
});

it('holds the seat limit for 100 parallel activations across two API processes', async () => {
  const u = await signUp(t);
  const lic = await grantLicense(t, u.id); // 2 seats
  const attempts = Array.from({ length: 100 }, (_, i) =>
    fetch(`${i % 2 ? secondUrl : t.url}/api/v1/license/activate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${u.access}` },
      body: JSON.stringify({ license_key: lic.license_key, hardware_id: newFingerprint(), machine_name: `Machine ${i}`, os: 'Linux' }),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: string; activations?: unknown[] } })),
  );
  const results = await Promise.all(attempts);
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 400 && r.body.error === 'max_activations_reached');
  assert.equal(ok.length, 2);
  assert.equal(refused.length, 98);
  assert.ok(refused.every((r) => r.body.activations?.length === 2));
  assert.equal(await liveActivations(t, lic.id), 2);

  // The second process signs with the same keys: its JWKS is the first one's.
  const [a, b] = await Promise.all([fetch(`${t.url}/api/v1/keys`), fetch(`${secondUrl}/api/v1/keys`)]);
  assert.deepEqual(await a.json(), await b.json());
});
