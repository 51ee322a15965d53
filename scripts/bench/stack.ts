import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../api/src/db/embedded';
import { createLogger } from '../../api/src/lib/logger';
import { freePort, startApiProcess, type ApiProcess } from '../../api/test/helpers/process';
import { adminQuery, ident, withDatabase } from '../lib/test-database';
import { delegate, initRoot, type ReleaseKeyFile } from '../lib/release-keys';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EMBEDDED_PORT = Number(process.env.BENCH_PG_PORT ?? 54339);
const UNLIMITED = '1000000000';

/**
 * Everything the benchmarks run against: one PostgreSQL database made for this
 * run, the API as its own OS process in production mode, and the baseline app
 * as another process on the same database with the same pool size.
 */
export interface BenchStack {
  databaseUrl: string;
  postgresVersion: string;
  poolMax: number;
  /** A small pool for seeding and checks, outside both servers. */
  db: pg.Pool;
  api: ApiProcess;
  /** The API's environment, e.g. to start a second process on the same database. */
  apiEnv: Record<string, string>;
  baselineUrl: string;
  /** The baseline's process, to measure its CPU apart from the machine's. */
  baselinePid: number | undefined;
  /** A release key delegated by the stack's own (throwaway) root, for benchmarks that publish. */
  releaseKey: ReleaseKeyFile;
  /** The user the baseline's telemetry rows belong to (the baseline has no sign-in). */
  setBaselineUser(userId: string): Promise<void>;
  close(): Promise<void>;
}

export function ed25519Pem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited early:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`process not ready in time:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startBaseline(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; setUser(id: string): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/bench/baseline-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-10_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-10_000)));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, child, () => out);
  return {
    url,
    child,
    async setUser(id) {
      const res = await fetch(`${url}/user`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
      if (!res.ok) throw new Error(`baseline refused the user: ${res.status}`);
    },
  };
}

export async function startStack(opts: { poolMax: number; log: (line: string) => void; profileDir?: string; env?: Record<string, string> }): Promise<BenchStack> {
  const logger = createLogger({ logLevel: 'warn', logPretty: false });
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (adminUrl) {
    opts.log(`# PostgreSQL: the server at DATABASE_URL (a database made for this run)`);
  } else {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(ROOT, '.data-bench'), port: EMBEDDED_PORT, logger });
    adminUrl = embedded.adminUrl;
    stopEmbedded = () => embedded.stop();
    opts.log(`# PostgreSQL: embedded, port ${EMBEDDED_PORT}`);
  }
  const name = `ngn_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${ident(name)}`);
  const databaseUrl = withDatabase(adminUrl, name);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-bench-'));
  // A throwaway release root beside DATA_DIR, as an operator would keep one: its keyset installed, one key delegated.
  const releaseRootDir = await mkdtemp(path.join(tmpdir(), 'ngn-bench-root-'));
  await initRoot(releaseRootDir, 'bench-root');
  const { key: releaseKey } = await delegate(releaseRootDir);
  await copyFile(path.join(releaseRootDir, 'keyset.json'), path.join(dataDir, 'release-keyset.json'));
  const port = await freePort();
  const apiEnv: Record<string, string> = {
    // Production mode: no response validation and production defaults, as deployed.
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: String(opts.poolMax),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // Behind a load balancer, as deployed: lets a benchmark speak from many client addresses.
    TRUST_PROXY_HOPS: '1',
    JWT_SECRET: randomBytes(32).toString('hex'),
    URL_SIGNING_SECRET: randomBytes(32).toString('hex'),
    SIGNING_KEYS: ed25519Pem(),
    // Nothing in the benchmarks reaches Stripe; production mode only wants non-default values.
    STRIPE_SECRET_KEY: `sk_test_bench_${randomBytes(8).toString('hex')}`,
    STRIPE_WEBHOOK_SECRET: `whsec_bench_${randomBytes(16).toString('hex')}`,
    MAIL_FROM: 'NextGen Noise Bench <bench@nextgennoise.local>',
    // The benchmarks measure the work, not the limits (the abuse tests cover those).
    RATE_LIMIT_AUTH_PER_MINUTE: UNLIMITED,
    RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: UNLIMITED,
    RATE_LIMIT_VALIDATE_PER_MINUTE: UNLIMITED,
    RATE_LIMIT_TELEMETRY_PER_MINUTE: UNLIMITED,
    // V8 CPU profiles of the API, written when it exits, to find where a missed target goes.
    ...(opts.profileDir
      ? { NODE_OPTIONS: `--import=${path.join(ROOT, 'scripts/bench/cpu-profile-preload.mjs')}`, NGN_CPU_PROFILE_DIR: opts.profileDir }
      : {}),
    ...opts.env,
  };
  const cleanup = async () => {
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    await rm(releaseRootDir, { recursive: true, force: true });
    await stopEmbedded?.();
  };
  let api: ApiProcess | undefined;
  let baseline: Awaited<ReturnType<typeof startBaseline>>;
  try {
    api = await startApiProcess(apiEnv);
    baseline = await startBaseline({ DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: String(opts.poolMax), SIGNING_KEY: apiEnv.SIGNING_KEYS! });
  } catch (err) {
    await api?.stop();
    await cleanup();
    throw err;
  }
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const { rows } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);

  return {
    databaseUrl,
    postgresVersion: rows[0]!.v,
    poolMax: opts.poolMax,
    db,
    api,
    apiEnv,
    releaseKey,
    baselineUrl: baseline.url,
    baselinePid: baseline.child.pid,
    setBaselineUser: baseline.setUser,
    async close() {
      baseline.child.kill('SIGTERM');
      await api.stop();
      await db.end();
      await cleanup();
    },
  };
}
