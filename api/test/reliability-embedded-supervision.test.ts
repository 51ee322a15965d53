import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ensureDatabase, firstClosedFolder, startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded';
import { createLogger } from '../src/lib/logger';
import { GOOD_PASSWORD, uniqueEmail } from './helpers/api';
import { freePort, startApiProcess, type ApiProcess } from './helpers/process';

/**
 * The embedded PostgreSQL that `npm start` runs is supervised: killed with
 * SIGKILL under load, it is started again by itself (crash recovery replays
 * the WAL), the same API process answers again without a restart, and no row
 * whose insert was acknowledged is lost.
 */
const logger = createLogger({ logLevel: 'silent', logPretty: false });
let work: string;
let db: EmbeddedDatabase | undefined;
let api: ApiProcess | undefined;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ngn-pg-supervise-'));
  await chmod(work, 0o755);
});
after(async () => {
  await api?.stop('SIGKILL');
  await db?.stop().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('embedded PostgreSQL supervision', () => {
  it('restarts a killed postmaster by itself; the API answers again and no committed row is lost', { timeout: 180_000 }, async () => {
    db = await startEmbeddedPostgres({ dataDir: path.join(work, 'data'), port: await freePort(), logger });
    await ensureDatabase(db.adminUrl, 'ngn');
    api = await startApiProcess({ DATABASE_URL: db.databaseUrl('ngn'), DATA_DIR: path.join(work, 'api'), RATE_LIMIT_AUTH_PER_MINUTE: '100000' });
    const committed: string[] = [];
    const statuses = new Set<number>();
    const register = async () => {
      const email = uniqueEmail('supervised');
      const res = await fetch(`${api!.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: GOOD_PASSWORD, first_name: 'Load', last_name: 'Test' }),
      }).catch(() => undefined);
      if (res) statuses.add(res.status);
      if (res?.status === 201) committed.push(email);
    };
    for (let i = 0; i < 10; i++) await register();
    const before = committed.length;
    const pid = db.pid();
    assert.ok(pid, 'the postmaster runs');
    process.kill(pid, 'SIGKILL');
    // Keep the load on until the API has served well after the crash (bounded).
    const deadline = Date.now() + 120_000;
    while (committed.length < before + 10 && Date.now() < deadline) {
      await register();
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(committed.length >= before + 10, `the API answered again by itself (statuses seen: ${[...statuses].join(', ')})`);
    assert.notEqual(db.pid(), pid, 'a new postmaster');
    assert.ok(![...statuses].some((s) => s >= 500 && s !== 503), `only 503 while the database was away: ${[...statuses].join(', ')}`);
    const client = new pg.Client({ connectionString: db.databaseUrl('ngn') });
    await client.connect();
    const { rows } = await client.query<{ email: string }>('SELECT email FROM users WHERE email = ANY($1)', [committed]);
    await client.end();
    assert.equal(rows.length, committed.length, 'every acknowledged registration survived the crash');
  });

  it('stops at once when its postmaster already died, instead of waiting for it', async () => {
    const second = await startEmbeddedPostgres({ dataDir: path.join(work, 'data2'), port: await freePort(), logger });
    process.kill(second.pid()!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await second.stop(); // would hang forever if it waited for the dead process
  });

  it('runs from a folder that only root may enter (0700), and names such a folder when the programs sit inside one', async (t) => {
    if (userInfo().uid !== 0) return t.skip('only root runs PostgreSQL as another user');
    const closed = path.join(work, 'root-only');
    await mkdir(path.join(closed, 'project'), { recursive: true });
    await chmod(closed, 0o700);
    assert.equal((await stat(closed)).mode & 0o777, 0o700);
    assert.equal(await firstClosedFolder(path.join(closed, 'project', 'node_modules', 'x', 'initdb')), closed);
    const inside = await startEmbeddedPostgres({ dataDir: path.join(closed, 'project', '.data'), port: await freePort(), logger });
    try {
      const client = new pg.Client({ connectionString: inside.adminUrl });
      await client.connect();
      assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
      await client.end();
    } finally {
      await inside.stop();
    }
  });
});
