import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded';
import { createLogger } from '../src/lib/logger';
import { GOOD_PASSWORD, uniqueEmail } from './helpers/api';
import { freePort, startApiProcess, type ApiProcess } from './helpers/process';

/**
 * The database goes away under load and comes back: a PostgreSQL of this
 * test's own (never the machine's) is stopped while requests run. Meanwhile
 * /readyz says 503, requests fail with 503 in the error shape (never 500),
 * and once PostgreSQL is back the same API process serves again by itself.
 */
const logger = createLogger({ logLevel: 'warn', logPretty: false });
let dataDir: string;
let pgPort: number;
let pg: EmbeddedDatabase | undefined;
let api: ApiProcess | undefined;

const startPostgres = () => startEmbeddedPostgres({ dataDir, port: pgPort, logger });

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-pg-restart-'));
  // PostgreSQL runs as its own OS user when we are root: it must be able to enter the folder.
  await chmod(dataDir, 0o755);
  pgPort = await freePort();
  pg = await startPostgres();
  await ensureDatabase(pg.adminUrl, 'ngn');
  api = await startApiProcess({ DATABASE_URL: pg.databaseUrl('ngn'), DATA_DIR: path.join(dataDir, 'api') });
});
after(async () => {
  await api?.stop('SIGKILL');
  await pg?.stop().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  error?: string;
  at: number;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    return { status: res.status, error: body.error, at: Date.now() };
  } catch {
    return { status: 0, at: Date.now() };
  }
}

it('answers 503 (never 500) while PostgreSQL is down, /readyz follows, and recovers without a restart', async () => {
  const base = api!.url;
  const email = uniqueEmail('pgdown');
  const json = { 'content-type': 'application/json' };
  assert.equal((await call(`${base}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: GOOD_PASSWORD, first_name: 'Pg', last_name: 'Down' }) })).status, 201);
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: GOOD_PASSWORD }) });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${token}` };

  // Steady traffic of reads and writes, each with the error shape checked, until told to stop.
  const answers: Answer[] = [];
  let running = true;
  const worker = async (i: number) => {
    while (running) {
      answers.push(
        i % 2
          ? await call(`${base}/api/v1/user/profile`, { headers: auth })
          : await call(`${base}/api/v1/support/ticket`, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify({ subject: 'While the database restarts', message: 'Load during a restart.', category: 'other' }) }),
      );
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  await new Promise((r) => setTimeout(r, 500));

  const stoppedAt = Date.now();
  await pg!.stop();
  pg = undefined;
  const ready = await call(`${base}/readyz`);
  assert.equal(ready.status, 503, '/readyz reports the database down');
  const during = await call(`${base}/api/v1/user/profile`, { headers: auth });
  assert.equal(during.status, 503);
  assert.equal(during.error, 'service_unavailable');
  await new Promise((r) => setTimeout(r, 1_000));

  const restartedAt = Date.now();
  pg = await startPostgres();
  const deadline = Date.now() + 30_000;
  while ((await call(`${base}/readyz`)).status !== 200) {
    assert.ok(Date.now() < deadline, '/readyz did not recover within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  const recoveredAt = Date.now();
  await new Promise((r) => setTimeout(r, 1_000));
  running = false;
  await Promise.all(workers);

  const outage = answers.filter((a) => a.at >= stoppedAt && a.at < restartedAt);
  const after = answers.filter((a) => a.at > recoveredAt + 500);
  const bad = answers.filter((a) => a.status >= 500 && (a.status !== 503 || a.error !== 'service_unavailable'));
  assert.deepEqual(bad, [], 'failures while the database was away are 503 service_unavailable, never 500');
  assert.ok(outage.length > 0 && outage.every((a) => a.status === 503), `during the outage: ${JSON.stringify(outage.slice(0, 5))}`);
  assert.ok(after.length > 0 && after.every((a) => a.status === 200 || a.status === 201), `after recovery: ${JSON.stringify(after.filter((a) => a.status >= 300).slice(0, 5))}`);
  assert.equal(api!.child.exitCode, null, 'the API process stayed up');
});
