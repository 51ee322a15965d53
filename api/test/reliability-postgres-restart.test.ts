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
 * NGN_RELIABILITY=full stops and starts it three times.
 */
const CYCLES = process.env.NGN_RELIABILITY === 'full' ? 3 : 1;
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
  api = await startApiProcess({ DATABASE_URL: pg.databaseUrl('ngn'), DATA_DIR: path.join(dataDir, 'api'), RATE_LIMIT_AUTH_PER_MINUTE: '100000' });
});
after(async () => {
  await api?.stop('SIGKILL');
  await pg?.stop().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  path: string;
  status: number;
  error?: string;
  at: number;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const path = new URL(url).pathname;
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    return { path, status: res.status, error: body.error, at: Date.now() };
  } catch {
    return { path, status: 0, at: Date.now() };
  }
}

/** What the API logged about its unexpected errors: the evidence for a 500. */
function unhandledErrors(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"unhandled error"'))
    .map((line) => {
      const err = (JSON.parse(line) as { err?: { type?: string; message?: string; code?: string; stack?: string } }).err;
      return `${err?.type}: ${err?.message} (${err?.code ?? '-'}) ${err?.stack?.split('\n').slice(1, 4).join(' | ')}`;
    });
}

it('answers 503 (never 500) while PostgreSQL is down, /readyz follows, and recovers without a restart', async () => {
  const base = api!.url;
  const email = uniqueEmail('pgdown');
  const json = { 'content-type': 'application/json' };
  assert.equal((await call(`${base}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: GOOD_PASSWORD, first_name: 'Pg', last_name: 'Down' }) })).status, 201);
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: GOOD_PASSWORD }) });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${token}` };

  // Steady traffic until told to stop: reads, writes, and mails (so queued jobs are finishing when the database goes).
  const requests: Array<() => Promise<Answer>> = [
    () => call(`${base}/api/v1/user/profile`, { headers: auth }),
    () =>
      call(`${base}/api/v1/support/ticket`, {
        method: 'POST',
        headers: { ...json, ...auth },
        body: JSON.stringify({ subject: 'While the database restarts', message: 'Load during a restart.', category: 'other' }),
      }),
    () => call(`${base}/api/v1/auth/forgot-password`, { method: 'POST', headers: json, body: JSON.stringify({ email }) }),
  ];
  const answers: Answer[] = [];
  let running = true;
  const worker = async (request: () => Promise<Answer>) => {
    while (running) {
      answers.push(await request());
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = [...requests, ...requests].map(worker);
  const windows: Array<{ stopping: number; down: number; restarted: number; recovered: number }> = [];
  try {
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      await new Promise((r) => setTimeout(r, 500));
      const stopping = Date.now();
      await pg!.stop();
      pg = undefined;
      const down = Date.now();
      const ready = await call(`${base}/readyz`);
      assert.equal(ready.status, 503, `/readyz reports the database down; API output:\n${api!.output().split('\n').filter((l) => !l.startsWith('{')).join('\n').slice(-3000)}`);
      const during = await call(`${base}/api/v1/user/profile`, { headers: auth });
      assert.equal(during.status, 503);
      assert.equal(during.error, 'service_unavailable');
      await new Promise((r) => setTimeout(r, 1_000));

      const restarted = Date.now();
      pg = await startPostgres();
      const deadline = Date.now() + 30_000;
      while ((await call(`${base}/readyz`)).status !== 200) {
        assert.ok(Date.now() < deadline, '/readyz did not recover within 30 s');
        await new Promise((r) => setTimeout(r, 200));
      }
      windows.push({ stopping, down, restarted, recovered: Date.now() });
      await new Promise((r) => setTimeout(r, 1_000));
    }
  } finally {
    running = false;
    await Promise.all(workers);
  }

  const problems: string[] = [];
  const bad = answers.filter((a) => a.status >= 500 && (a.status !== 503 || a.error !== 'service_unavailable'));
  if (bad.length) {
    problems.push(`${bad.length} answers were not 503 service_unavailable: ${JSON.stringify(bad.slice(0, 5))}; the API logged:\n${unhandledErrors(api!.output()).join('\n')}`);
  }
  windows.forEach((w, i) => {
    const outage = answers.filter((a) => a.at >= w.down && a.at < w.restarted);
    const next = windows[i + 1]?.stopping ?? Infinity;
    const after = answers.filter((a) => a.at > w.recovered + 500 && a.at < next);
    if (!outage.length || outage.some((a) => a.status !== 503)) problems.push(`outage ${i + 1}: ${JSON.stringify(outage.filter((a) => a.status !== 503).slice(0, 5))}`);
    if (!after.length || after.some((a) => a.status !== 200 && a.status !== 201)) {
      problems.push(`after recovery ${i + 1}: ${JSON.stringify(after.filter((a) => a.status !== 200 && a.status !== 201).slice(0, 5))}`);
    }
  });
  if (api!.child.exitCode !== null) problems.push('the API process died');
  assert.deepEqual(problems, []);
});
