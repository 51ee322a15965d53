/**
 * Plugin installers through the companion core against the real API: the
 * versions for this OS, a download killed halfway (a real SIGKILL of the
 * companion process) and resumed after a restart with only the missing bytes,
 * SHA-256 and Ed25519 release signature checked before anything runs, a
 * tampered release refused and deleted, installed versions and updates.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { signUp, signUpAs, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { grantLicense } from '../../api/test/helpers/licenses';
import { freePort } from '../../api/test/helpers/process';
import { artifact, publish, sha256 } from '../../api/test/helpers/releases';
import { delegate, initRoot, signRelease } from '../../scripts/lib/release-keys';
import type { CompanionCore } from '../src/core/companion-core';
import { releasePlatform } from '../src/core/fingerprint';
import { companionPlace, launched, openCompanion, removePlace, type CompanionPlace } from './helpers/companion';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;
const platform = releasePlatform()!;

let t: TestApi;
let admin: string;
let place: CompanionPlace;
let core: CompanionCore;
const v100 = artifact(8 * MiB + 321);

before(async () => {
  // Download links carry PUBLIC_URL: it must be this server's real address.
  const port = await freePort();
  t = await startTestApi({ HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
  admin = (await signUpAs(t, 'admin')).access;
  await publish(t, admin, { product: 'mixing_mentor', version: '1.0.0', platform, release_notes: 'First' }, v100, { fileName: `MixingMentor-1.0.0-${platform}.bin` });
  const user = await signUp(t);
  await grantLicense(t, user.id, 'standard');
  place = await companionPlace();
  core = await openCompanion(place, t.url, { releaseRoots: [t.releaseRoot] });
  await core.handlers['auth:login']({ email: user.email, password: user.password });
});
after(async () => {
  await core?.close();
  if (place) await removePlace(place);
  await t.close();
});

function downloadAndDie(version: string, killAt: number): Promise<{ signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'fixtures', 'download-and-die.ts')], {
      env: { ...process.env, NGN_PLACE: JSON.stringify(place), NGN_API_URL: t.url, NGN_VERSION: version, NGN_KILL_AT: String(killAt) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, stdout }));
  });
}

describe('plugin installers', () => {
  const id = `mixing_mentor-1.0.0-${platform}`;

  it('lists the versions for this OS', async () => {
    const versions = await core.handlers['plugins:versions']();
    assert.deepEqual(versions.map((v) => [v.version, v.platform, v.file_size]), [['1.0.0', platform, v100.length]]);
  });

  it('a download killed halfway resumes after a restart with only the missing bytes, then verifies', async () => {
    await core.close(); // the child process is the companion now
    const died = await downloadAndDie('1.0.0', 4 * MiB);
    assert.equal(died.signal, 'SIGKILL', died.stdout);
    const dest = path.join(place.installDir, `MixingMentor-1.0.0-${platform}.bin`);
    const partial = (await stat(`${dest}.part`)).size;
    assert.ok(partial >= 1 && partial < v100.length, `partial ${partial}`);

    core = await openCompanion(place, t.url, { releaseRoots: [t.releaseRoot] }); // the app starts again
    const found = core.installer.downloader.get(id);
    assert.equal(found?.status, 'paused');
    assert.equal(found?.bytes, partial);

    await core.handlers['plugins:resume']({ download_id: id });
    const done = await core.installer.downloader.settled(id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(done.resumed_from, partial);
    assert.equal(done.transferred, v100.length - partial, 'only the missing bytes travelled');
    assert.equal(sha256(await readFile(dest)), sha256(v100));
    assert.equal(existsSync(`${dest}.part`), false);
  });

  it('reports progress with bytes, total, speed and ETA', async () => {
    await core.handlers['plugins:cancel']({ download_id: id });
    const seen: Array<{ bytes: number; total: number | null; speed: number; eta: number | null; status: string }> = [];
    const off = core.events.on('download:progress', (s) => seen.push({ bytes: s.bytes, total: s.total, speed: s.speed_bps, eta: s.eta_seconds, status: s.status }));
    await core.handlers['plugins:download']({ version: '1.0.0' });
    const done = await core.installer.downloader.settled(id);
    off();
    assert.equal(done.status, 'completed');
    assert.ok(seen.length > 2);
    assert.ok(seen.every((s) => s.total === v100.length));
    assert.ok(seen.some((s) => s.status === 'downloading' && s.speed > 0 && s.eta !== null), JSON.stringify(seen.slice(0, 5)));
    assert.deepEqual(seen.slice(-2).map((s) => s.status), ['verifying', 'completed']);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.bytes >= seen[i - 1]!.bytes);
  });

  it('hands the verified installer to the OS and finds the update when a newer version comes out', async () => {
    const result = await core.handlers['plugins:install']({ download_id: id });
    assert.equal(launched.at(-1)?.file, result.path);
    // What runs is a private copy in a 0700 folder of the Companion's own, not the file in the shared install folder.
    assert.ok(result.path.startsWith(path.join(place.dataDir, 'run') + path.sep), result.path);
    if (process.platform !== 'win32') assert.equal((await stat(path.dirname(result.path))).mode & 0o777, 0o700);
    assert.equal(sha256(await readFile(result.path)), sha256(v100));
    // The private copy stays while the installer may run; a start a day later removes it.
    const runFolder = path.dirname(result.path);
    await core.close();
    core = await openCompanion(place, t.url, { releaseRoots: [t.releaseRoot] });
    assert.ok(existsSync(runFolder), 'kept right after the install');
    const dayAndMore = new Date(Date.now() - 25 * 3600_000);
    await utimes(runFolder, dayAndMore, dayAndMore);
    await core.close();
    core = await openCompanion(place, t.url, { releaseRoots: [t.releaseRoot] });
    assert.equal(existsSync(runFolder), false, 'removed at a start a day later');
    let state = await core.handlers['plugins:state']();
    assert.deepEqual(state.installed.map((i) => i.version), ['1.0.0']);
    await publish(t, admin, { product: 'mixing_mentor', version: '1.1.0', platform }, artifact(MiB), { fileName: `MixingMentor-1.1.0-${platform}.bin` });
    await core.installer.checkLatest();
    state = await core.handlers['plugins:state']();
    assert.equal(state.latest?.version, '1.1.0');
    assert.equal(state.update_available, true);
  });

  it('refuses to run an installer that changed on disk after its download', async () => {
    const dest = core.installer.downloader.get(id)!.path;
    await writeFile(dest, Buffer.from('not the installer'));
    await assert.rejects(core.handlers['plugins:install']({ download_id: id }), { code: 'checksum_mismatch' });
    assert.equal(existsSync(dest), false);
  });

  for (const [what, column, code] of [
    ['whose bytes do not match the published SHA-256', 'sha256', 'checksum_mismatch'],
    ['whose Ed25519 release signature does not verify', 'signature', 'signature_invalid'],
  ] as const) {
    it(`deletes a release ${what}, and never gives it its final name`, async () => {
      const version = column === 'signature' ? '1.2.1' : '1.2.0';
      const bytes = artifact(MiB + 5);
      await publish(t, admin, { product: 'mixing_mentor', version, platform }, bytes, { fileName: `MixingMentor-${version}-${platform}.bin` });
      // What a compromised mirror or database would serve: the metadata no longer matches the bytes.
      const replacement =
        column === 'sha256'
          ? createHash('sha256').update('something else').digest('hex')
          : // a genuine signature, of another release
            (await t.api.deps.sequelize.query<{ signature: string }>(`SELECT signature FROM releases WHERE version = '1.0.0'`, { plain: true, type: QueryTypes.SELECT }))!.signature;
      await t.api.deps.sequelize.query(`UPDATE releases SET ${column} = :v WHERE version = :version`, { replacements: { v: replacement, version } });

      const downloadId = `mixing_mentor-${version}-${platform}`;
      await core.handlers['plugins:download']({ version });
      const done = await core.installer.downloader.settled(downloadId);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, code);
      const dest = path.join(place.installDir, `MixingMentor-${version}-${platform}.bin`);
      assert.equal(existsSync(dest), false);
      assert.equal(existsSync(`${dest}.part`), false);
      await assert.rejects(core.handlers['plugins:install']({ download_id: downloadId }), { code: 'download_failed' });
    });
  }
});

describe('release trust (pinned root, root-signed keyset)', () => {
  /** Publishes `version`, downloads it and answers how the download settled, and whether anything is left on disk. */
  async function downloadOutcome(companion: CompanionCore, version: string, tamper?: () => Promise<void>) {
    const bytes = artifact(64 * 1024 + 3);
    await publish(t, admin, { product: 'mixing_mentor', version, platform }, bytes, { fileName: `MixingMentor-${version}-${platform}.bin` });
    await tamper?.();
    const downloadId = `mixing_mentor-${version}-${platform}`;
    await companion.handlers['plugins:download']({ version });
    const done = await companion.installer.downloader.settled(downloadId);
    const dest = path.join(place.installDir, `MixingMentor-${version}-${platform}.bin`);
    return { done, left: existsSync(dest) || existsSync(`${dest}.part`), downloadId, bytes };
  }

  it('deletes an installer signed by a key the root never delegated, and never runs it', async () => {
    const foreignDir = await mkdtemp(path.join(tmpdir(), 'ngn-foreign-root-'));
    try {
      await initRoot(foreignDir, 'foreign');
      const { key: foreign } = await delegate(foreignDir);
      const launches = launched.length;
      const { done, left, downloadId } = await downloadOutcome(core, '1.3.0', async () => {
        // What a compromised database would serve: a well-formed signature over the right bytes, by a key nobody delegated.
        const row = (await t.api.deps.sequelize.query<{ sha256: string }>(`SELECT sha256 FROM releases WHERE version = '1.3.0'`, { plain: true, type: QueryTypes.SELECT }))!;
        const forged = signRelease(foreign, { sha256: row.sha256, product: 'mixing_mentor', version: '1.3.0', platform });
        await t.api.deps.sequelize.query(`UPDATE releases SET signature = :signature, signature_kid = :signature_kid WHERE version = '1.3.0'`, { replacements: forged });
      });
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, 'signature_invalid');
      assert.equal(left, false);
      await assert.rejects(core.handlers['plugins:install']({ download_id: downloadId }), { code: 'download_failed' });
      assert.equal(launched.length, launches);
    } finally {
      await rm(foreignDir, { recursive: true, force: true });
    }
  });

  it('refuses a keyset signed by another root: nothing downloaded from that server is kept', async () => {
    const otherPlace = await companionPlace();
    const foreignDir = await mkdtemp(path.join(tmpdir(), 'ngn-foreign-root-'));
    const pinnedElsewhere = await openCompanion(otherPlace, t.url, { releaseRoots: [await initRoot(foreignDir, 'elsewhere')] });
    try {
      const user = await signUp(t);
      await grantLicense(t, user.id, 'standard');
      await pinnedElsewhere.handlers['auth:login']({ email: user.email, password: user.password });
      const version = '1.4.0';
      await publish(t, admin, { product: 'mixing_mentor', version, platform }, artifact(1000), { fileName: `MixingMentor-${version}-${platform}.bin` });
      await pinnedElsewhere.handlers['plugins:download']({ version });
      const done = await pinnedElsewhere.installer.downloader.settled(`mixing_mentor-${version}-${platform}`);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, 'keyset_invalid');
      assert.match(done.error!.message, /did not sign/);
      assert.equal(existsSync(path.join(otherPlace.installDir, `MixingMentor-${version}-${platform}.bin`)), false);
    } finally {
      await pinnedElsewhere.close();
      await removePlace(otherPlace);
      await rm(foreignDir, { recursive: true, force: true });
    }
  });

  it('refuses a keyset older than the last one it accepted (a rollback to a revoked key)', async () => {
    const oldKeyset = await readFile(t.config.releaseKeysetFile, 'utf8');
    await delegate(t.releaseRootDir); // version 2
    await copyFile(path.join(t.releaseRootDir, 'keyset.json'), t.config.releaseKeysetFile);
    const accepted = await downloadOutcome(core, '1.5.0');
    assert.equal(accepted.done.status, 'completed', JSON.stringify(accepted.done.error));
    // The server now serves version 1 again.
    await writeFile(t.config.releaseKeysetFile, oldKeyset);
    const refused = await downloadOutcome(core, '1.6.0');
    assert.equal(refused.done.status, 'failed');
    assert.equal(refused.done.error?.code, 'keyset_invalid');
    assert.equal(refused.left, false);
    // ...also after a restart: the version seen is kept on disk.
    await core.close();
    core = await openCompanion(place, t.url, { releaseRoots: [t.releaseRoot] });
    const afterRestart = await downloadOutcome(core, '1.7.0');
    assert.equal(afterRestart.done.error?.code, 'keyset_invalid');
    await copyFile(path.join(t.releaseRootDir, 'keyset.json'), t.config.releaseKeysetFile);
  });
});

describe('what the server names and where it lives', () => {
  it('refuses an installer whose file_name is not a plain name (../x), and writes nothing outside the install folder', async () => {
    const version = '1.8.0';
    await publish(t, admin, { product: 'mixing_mentor', version, platform }, artifact(1000), { fileName: `MixingMentor-${version}-${platform}.bin` });
    // A hostile server has no such rule: drop ours to serve what it would.
    await t.api.deps.sequelize.query('ALTER TABLE releases DROP CONSTRAINT releases_file_name_check');
    for (const name of ['../x', '..', 'sub/x', '/etc/x', 'x\\..\\y']) {
      await t.api.deps.sequelize.query(`UPDATE releases SET file_name = :name WHERE version = :version`, { replacements: { name, version } });
      await assert.rejects(core.handlers['plugins:download']({ version }), { code: 'invalid_response' }, name);
    }
    assert.equal(existsSync(path.join(path.dirname(place.installDir), 'x')), false);
  });

  it('accepts only https API origins, or http on loopback', async () => {
    await assert.rejects(core.handlers['settings:update']({ api_url: 'http://example.com' }), { code: 'validation_failed' });
    await assert.rejects(core.handlers['settings:update']({ api_url: 'http://10.0.0.1:3001' }), { code: 'validation_failed' });
    assert.equal((await core.handlers['settings:get']()).api_url, t.url);
    assert.equal((await core.handlers['auth:state']()).signed_in, true, 'a refused change changes nothing');
  });

  it('signs out of the old server when api_url changes and never sends it the old tokens', async () => {
    const seen: Array<{ url: string; authorization?: string; body: string }> = [];
    const other = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', authorization: req.headers.authorization, body });
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', message: 'Sign in.' }));
      });
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      // The cached access token is fresh: the old client would have sent it to the new origin at once.
      assert.equal((await core.handlers['auth:state']()).signed_in, true);
      const updated = await core.handlers['settings:update']({ api_url: otherUrl });
      assert.equal(updated.api_url, otherUrl);
      assert.equal((await core.handlers['auth:state']()).signed_in, false);
      await assert.rejects(core.handlers['plugins:versions'](), { code: 'not_signed_in' });
      assert.ok(seen.every((r) => !r.authorization && !r.body.includes('refresh_token')), JSON.stringify(seen));
    } finally {
      await core.handlers['settings:update']({ api_url: t.url });
      other.close();
    }
  });
});

describe('Companion self-update (what the updater asks the core before quitAndInstall)', () => {
  it('installs only an update whose file carries a delegated key’s signature; a tampered byte or a foreign key gets it deleted', async () => {
    const bytes = artifact(200_000);
    const release = await publish(t, admin, { product: 'companion', version: '9.0.0', platform }, bytes, { fileName: `Companion-9.0.0-${platform}.bin` });
    const info = { version: '9.0.0', signature: release.signature, signature_kid: release.signature_kid };
    const file = path.join(place.dir, 'update.bin');

    await writeFile(file, bytes);
    assert.deepEqual(await core.verifyCompanionUpdate(file, info), { ok: true });
    assert.equal(existsSync(file), true);

    const tampered = Buffer.from(bytes);
    tampered[1000] = tampered[1000]! ^ 0xff;
    await writeFile(file, tampered);
    const refusedBytes = await core.verifyCompanionUpdate(file, info);
    assert.equal(refusedBytes.ok, false);
    assert.equal(existsSync(file), false, 'a tampered update is deleted');

    const foreignDir = await mkdtemp(path.join(tmpdir(), 'ngn-foreign-root-'));
    try {
      await initRoot(foreignDir, 'foreign');
      const { key: foreign } = await delegate(foreignDir);
      await writeFile(file, bytes);
      const forged = signRelease(foreign, { sha256: sha256(bytes), product: 'companion', version: '9.0.0', platform });
      const refusedKey = await core.verifyCompanionUpdate(file, { version: '9.0.0', ...forged });
      assert.equal(refusedKey.ok, false);
      assert.match((refusedKey as { message: string }).message, /not signed by a NextGen Noise release key/);
      assert.equal(existsSync(file), false);
      // No signature at all (a feed from before, or a stripped one): refused too.
      await writeFile(file, bytes);
      assert.equal((await core.verifyCompanionUpdate(file, { version: '9.0.0' })).ok, false);
      assert.equal(existsSync(file), false);
    } finally {
      await rm(foreignDir, { recursive: true, force: true });
    }
  });
});
