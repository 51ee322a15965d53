/**
 * `npm test`: one PostgreSQL for the run (DATABASE_URL's server, or an embedded
 * one), one migrated template database, and a fresh copy of it for every test
 * file, so files run in parallel without seeing each other's rows. Tests that
 * use the keychain get a private D-Bus session with an unlocked gnome-keyring.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../api/src/config';
import { createSequelize } from '../api/src/db/sequelize';
import { migrate } from '../api/src/db/migrate';
import { startEmbeddedPostgres } from '../api/src/db/embedded';
import { Jobs } from '../api/src/lib/jobs';
import { createLogger } from '../api/src/lib/logger';
import { adminQuery, dropDatabasesWithPrefix, ident, withDatabase } from './lib/test-database';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The plugin SDK's tests need its C build: `npm run plugin-sdk:test` makes it and runs them.
const TEST_DIRS = ['shared/test', 'api/test', 'desktop/test', ...(process.env.NGN_PLUGIN_SDK_BUILD ? ['plugin-sdk/test'] : [])];

function reexecUnderDbus(): boolean {
  if (process.env.DBUS_SESSION_BUS_ADDRESS || process.env.NGN_NO_DBUS) return false;
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  if (!has('dbus-run-session') || !has('gnome-keyring-daemon')) return false;
  const inner =
    // A throwaway keyring, unlocked with a throwaway password, for this run only.
    'export XDG_DATA_HOME="$(mktemp -d)"; echo -n ngn-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"';
  const child = spawn('dbus-run-session', ['--', 'sh', '-c', inner, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}

function findTests(filters: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const full = path.join(dir, name);
      if (name === 'node_modules') continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.test\.ts$/.test(name)) out.push(path.relative(ROOT, full));
    }
  };
  for (const d of TEST_DIRS) walk(path.join(ROOT, d));
  return filters.length ? out.filter((f) => filters.some((x) => f.includes(x))) : out.sort();
}

/**
 * The Companion's tests need the OS keychain through keytar, an optional native
 * dependency that does not build without libsecret's headers. Without it they
 * are left out, and the run says so and why; every other test still runs.
 */
async function withoutKeychainTests(files: string[]): Promise<string[]> {
  const usable = await import('keytar').then(
    () => true,
    () => false,
  );
  if (usable) return files;
  const { keychainBuildHint } = await import('../desktop/src/core/credential-store');
  const skipped = files.filter((f) => f.startsWith('desktop/'));
  if (skipped.length) console.log(`# skipped ${skipped.length} Companion test files: keytar is not installed. ${keychainBuildHint()}`);
  return files.filter((f) => !f.startsWith('desktop/'));
}

async function main() {
  if (reexecUnderDbus()) return;
  const filters = process.argv.slice(2);
  const files = await withoutKeychainTests(findTests(filters));
  if (!files.length) {
    console.error(`No test files match ${filters.join(' ')}`);
    process.exit(1);
  }
  const logger = createLogger({ logLevel: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'warn', logPretty: false });
  const runId = `ngn_t_${randomBytes(4).toString('hex')}`;
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const config = loadConfig({ DATA_DIR: path.join(ROOT, '.data-test') });
    const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, port: Number(process.env.TEST_PG_PORT ?? 54330), logger });
    adminUrl = pg.adminUrl;
    stopEmbedded = () => pg.stop();
    console.log('# tests use an embedded PostgreSQL');
  } else {
    console.log('# tests use the PostgreSQL at DATABASE_URL (a fresh database per test file)');
  }

  const template = `${runId}_tpl`;
  await adminQuery(adminUrl, `CREATE DATABASE ${ident(template)}`);
  const templateUrl = withDatabase(adminUrl, template);
  const sequelize = createSequelize({ url: templateUrl, poolMax: 2 });
  await migrate(sequelize);
  // pg-boss creates its own schema on first start: do it once in the template.
  const jobs = new Jobs({ databaseUrl: templateUrl, sequelize, logger });
  await jobs.start({ work: false });
  await jobs.stop();
  await sequelize.close();

  const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
  // A test that hangs fails after TEST_TIMEOUT_MS (default 15 minutes) instead of stalling the run,
  // and a file whose tests are over exits even if something it started (a child process, a socket)
  // still holds its event loop: the runner waits for every file, so one such file would stall it for good.
  const timeoutMs = Number(process.env.TEST_TIMEOUT_MS ?? 15 * 60_000);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, '--test-force-exit', '--test-reporter=spec', ...files],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, NGN_TEST_ADMIN_URL: adminUrl, NGN_TEST_TEMPLATE: template, NGN_TEST_RUN: runId },
    },
  );
  const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  try {
    await dropDatabasesWithPrefix(adminUrl, runId);
  } finally {
    await stopEmbedded?.();
  }
  process.exit(code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
