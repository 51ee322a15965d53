/**
 * The release key ceremony as an operator runs it (`npm run release-keys`), and
 * the demo's development root: seeded releases verify against it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { activeReleaseKeys, verifyReleaseKeyset, verifyReleaseSignature } from '@ngn/shared';
import { QueryTypes } from 'sequelize';
import { devReleaseRootDir, devReleaseRootFile } from '../../scripts/lib/dev-release-root';
import { readRootPublic } from '../../scripts/lib/release-keys';
import { seedDemo } from '../../scripts/lib/seed-demo';
import { startTestApi, type TestApi } from './helpers/api';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function releaseKeys(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/release-keys.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let work: string;
before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ngn-ceremony-'));
});
after(() => rm(work, { recursive: true, force: true }));

describe('npm run release-keys', () => {
  it('init, delegate, rotate, revoke: each keyset is root-signed with a higher version', async () => {
    const dir = path.join(work, 'root');
    assert.equal((await releaseKeys(['init', '--dir', dir])).code, 0);
    assert.equal((await stat(path.join(dir, 'root.key.pem'))).mode & 0o777, 0o600);
    assert.notEqual((await releaseKeys(['init', '--dir', dir])).code, 0, 'an existing root is never overwritten');
    const root = await readRootPublic(dir);
    const keyset = () => JSON.parse(readFileSync(path.join(dir, 'keyset.json'), 'utf8'));

    assert.equal((await releaseKeys(['delegate', '--dir', dir, '--days', '30'])).code, 0);
    const v1 = await verifyReleaseKeyset(keyset(), [root], 1);
    assert.ok(v1.ok && v1.keyset.version === 1 && v1.keyset.keys.length === 1);
    const first = v1.keyset.keys[0]!.kid;

    assert.equal((await releaseKeys(['rotate', '--dir', dir, '--overlap-days', '7'])).code, 0);
    const v3 = await verifyReleaseKeyset(keyset(), [root], 2);
    assert.ok(v3.ok && v3.keyset.version === 3 && v3.keyset.keys.length === 2);
    const old = v3.keyset.keys.find((k) => k.kid === first)!;
    assert.ok(Date.parse(old.not_after) <= Date.now() + 7 * 86_400_000 + 60_000, 'the rotated-out key may sign for the overlap only');

    assert.equal((await releaseKeys(['revoke', '--dir', dir, '--kid', first])).code, 0);
    const v4 = await verifyReleaseKeyset(keyset(), [root], 4);
    assert.ok(v4.ok && !v4.keyset.keys.some((k) => k.kid === first));
    assert.equal((await verifyReleaseKeyset(keyset(), [root], 5)).ok, false, 'older than the last seen');
    assert.deepEqual((await readdir(path.join(dir, 'release-keys'))).length, 2);
  });

  it('refuses a root folder inside DATA_DIR', async () => {
    const res = await releaseKeys(['init', '--dir', path.join(work, 'data', 'root')], { DATA_DIR: path.join(work, 'data') });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /inside DATA_DIR/);
  });
});

describe('the demo data', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
    await rm(t.config.releaseKeysetFile); // a fresh demo system has none
  });
  after(async () => {
    await rm(devReleaseRootDir(t.dataDir), { recursive: true, force: true });
    await t.close();
  });

  it('creates a development root outside DATA_DIR and signs the seeded releases with a key it delegated', async () => {
    await seedDemo(t.api);
    const rootFile = devReleaseRootFile(t.dataDir)!;
    assert.ok(!path.relative(t.dataDir, rootFile).startsWith('release'), rootFile);
    assert.ok(path.relative(t.dataDir, rootFile).startsWith('..'));
    const root = JSON.parse(readFileSync(rootFile, 'utf8'));
    assert.match(root.kid, /^dev-root-/);
    const verdict = await verifyReleaseKeyset((await t.get('/releases/keys')).body, [root], 1);
    assert.ok(verdict.ok);
    const rows = await t.api.deps.sequelize.query<{ sha256: string; product: string; version: string; platform: string; signature: string; signature_kid: string }>('SELECT * FROM releases', {
      type: QueryTypes.SELECT,
    });
    assert.equal(rows.length, 3);
    for (const r of rows) {
      assert.ok(await verifyReleaseSignature(r, { kid: r.signature_kid, value: r.signature }, activeReleaseKeys(verdict.keyset, new Date())), r.platform);
    }
  });
});
