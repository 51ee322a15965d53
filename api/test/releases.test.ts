import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { activeReleaseKeys, releaseSignaturePayload, verifyReleaseKeyset, verifyReleaseSignature } from '@ngn/shared';
import { QueryTypes } from 'sequelize';
import { setRole, signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { delegate, initRoot, revoke, signRelease } from '../../scripts/lib/release-keys';
import { artifact, publish, sha256, sha512b64, signedBy, uploadRelease } from './helpers/releases';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_MB = 2;

let t: TestApi;
let admin: { id: string; email: string; access: string };

before(async () => {
  t = await startTestApi({ RELEASE_MAX_UPLOAD_MB: String(MAX_MB) });
  admin = await signUpAs(t, 'admin');
});
after(() => t.close());

const countReleases = async () =>
  (await t.api.deps.sequelize.query<{ n: number }>('SELECT count(*)::int AS n FROM releases', { type: QueryTypes.SELECT, plain: true }))!.n;

/** Every file under the storage folder, so a test can prove a failed upload left nothing behind. */
async function storedFiles(): Promise<string[]> {
  const root = path.join(t.dataDir, 'storage');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

let versionCounter = 0;
const nextVersion = () => `3.0.${(versionCounter += 1)}`;

function run(script: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, script), ...args],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('POST /admin/releases (upload)', () => {
  it('streams the file to storage, computes sha256 and sha512 and signs the release', async () => {
    const file = artifact(MAX_MB * 1024 * 1024 - 1000);
    const blockmap = artifact(3000);
    const res = await uploadRelease(
      t,
      admin.access,
      { product: 'mixing_mentor', version: '1.0.0', platform: 'windows', release_notes: 'Initial release', min_os_version: '10.0.19041', staging_percentage: 25 },
      file,
      { fileName: 'MixingMentor-1.0.0-windows.exe', blockmap },
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const r = res.body;
    assert.equal(r.product, 'mixing_mentor');
    assert.equal(r.channel, 'stable');
    assert.equal(r.file_name, 'MixingMentor-1.0.0-windows.exe');
    assert.equal(r.file_size, file.length);
    assert.equal(r.checksum_sha256, sha256(file));
    assert.equal(r.checksum_sha512, sha512b64(file));
    assert.equal(r.blockmap_size, blockmap.length);
    assert.equal(r.source, 'upload');
    assert.equal(r.min_os_version, '10.0.19041');
    assert.equal(r.staging_percentage, 25);
    assert.equal(r.created_by, admin.id);

    // The bytes in storage are the bytes sent.
    const stored: Buffer[] = [];
    for await (const chunk of await t.api.deps.storage.read(`releases/${r.id}/${r.file_name}`)) stored.push(chunk as Buffer);
    assert.equal(sha256(Buffer.concat(stored)), sha256(file));

    // The publisher's signature verifies offline with the root-signed keyset: with the shared verifier and with plain Node crypto.
    const served = await t.get('/releases/keys');
    assert.equal(served.status, 200);
    const verdict = await verifyReleaseKeyset(served.body, [t.releaseRoot], 1);
    assert.ok(verdict.ok, JSON.stringify(verdict));
    const keys = activeReleaseKeys(verdict.keyset, new Date());
    const fields = { sha256: r.checksum_sha256, product: r.product, version: r.version, platform: r.platform };
    assert.equal(await verifyReleaseSignature(fields, { kid: r.signature_kid, value: r.signature }, keys), true);
    const jwk = keys.keys.find((k: any) => k.kid === r.signature_kid)!;
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
    assert.equal(verify(null, releaseSignaturePayload(fields), publicKey, Buffer.from(r.signature, 'base64url')), true);
    // ...and binds every signed field: another platform or version does not verify.
    assert.equal(await verifyReleaseSignature({ ...fields, platform: 'macos' }, { kid: r.signature_kid, value: r.signature }, keys), false);
    assert.equal(await verifyReleaseSignature({ ...fields, version: '1.0.1' }, { kid: r.signature_kid, value: r.signature }, keys), false);

    const [entry] = await t.api.deps.sequelize.query<{ actor_user_id: string }>(
      `SELECT actor_user_id FROM audit_logs WHERE action = 'release.published' AND target_id = :id`,
      { replacements: { id: r.id }, type: QueryTypes.SELECT },
    );
    assert.equal(entry?.actor_user_id, admin.id);
  });

  it('serves the installed keyset byte for byte', async () => {
    const res = await fetch(`${t.url}/api/v1/releases/keys`);
    assert.equal(await res.text(), await readFile(path.join(t.releaseRootDir, 'keyset.json'), 'utf8'));
  });

  it('refuses (400 invalid_release_signature) a signature by a key the root never delegated, or over other bytes, and stores nothing', async () => {
    const otherRootDir = await mkdtemp(path.join(tmpdir(), 'ngn-other-root-'));
    try {
      await initRoot(otherRootDir, 'other');
      const { key: foreign } = await delegate(otherRootDir);
      const [releasesBefore, filesBefore] = [await countReleases(), (await storedFiles()).length];
      const file = artifact(5000);
      const fields = { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' };
      const undelegated = await uploadRelease(t, admin.access, fields, file, { signingKey: foreign });
      assert.equal(undelegated.status, 400, JSON.stringify(undelegated.body));
      assert.equal(undelegated.body.error, 'invalid_release_signature');
      // A delegated key's signature over another file (one byte changed) does not cover the bytes sent.
      const tampered = Buffer.from(file);
      tampered[0] = tampered[0]! ^ 1;
      const otherBytes = await uploadRelease(t, admin.access, { ...fields, ...signedBy(t.releaseKey, fields, file) }, tampered);
      assert.equal(otherBytes.body.error, 'invalid_release_signature');
      // ...or over another version.
      const otherVersion = await uploadRelease(t, admin.access, { ...fields, ...signedBy(t.releaseKey, { ...fields, version: '99.0.0' }, file) }, file);
      assert.equal(otherVersion.body.error, 'invalid_release_signature');
      assert.equal(await countReleases(), releasesBefore);
      assert.equal((await storedFiles()).length, filesBefore);
    } finally {
      await rm(otherRootDir, { recursive: true, force: true });
    }
  });

  it('refuses a key once the root revoked it (a new keyset version installed without it)', async () => {
    const { key: second } = await delegate(t.releaseRootDir);
    await copyFile(path.join(t.releaseRootDir, 'keyset.json'), t.config.releaseKeysetFile);
    await publish(t, admin.access, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(100), { signingKey: second });
    await revoke(t.releaseRootDir, second.kid);
    await copyFile(path.join(t.releaseRootDir, 'keyset.json'), t.config.releaseKeysetFile);
    const res = await uploadRelease(t, admin.access, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(100), { signingKey: second });
    assert.equal(res.body.error, 'invalid_release_signature');
    const served = await verifyReleaseKeyset((await t.get('/releases/keys')).body, [t.releaseRoot], 3);
    assert.ok(served.ok && !served.keyset.keys.some((k) => k.kid === second.kid));
  });

  it('refuses a version that is already published (409) and keeps nothing of the second upload', async () => {
    const fields = { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' };
    await publish(t, admin.access, fields, artifact(1000));
    const [releasesBefore, filesBefore] = [await countReleases(), (await storedFiles()).length];
    const again = await uploadRelease(t, admin.access, fields, artifact(1000));
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'release_exists');
    assert.equal(await countReleases(), releasesBefore);
    assert.equal((await storedFiles()).length, filesBefore);
  });

  it('refuses a file over the size limit with 413 and removes what was written', async () => {
    const [releasesBefore, filesBefore] = [await countReleases(), (await storedFiles()).length];
    const res = await uploadRelease(t, admin.access, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(MAX_MB * 1024 * 1024 + 1));
    assert.equal(res.status, 413);
    assert.equal(res.body.error, 'payload_too_large');
    assert.equal(await countReleases(), releasesBefore);
    assert.deepEqual((await storedFiles()).length, filesBefore);
  });

  it('validates the fields before storing the file', async () => {
    const before = await countReleases();
    const cases: Array<[Record<string, string>, string]> = [
      [{ product: 'mixing_mentor', version: 'v1', platform: 'linux' }, 'body.version'],
      [{ product: 'mixing_mentor', version: '1.0.0', platform: 'amiga' }, 'body.platform'],
      [{ product: 'photoshop', version: '1.0.0', platform: 'linux' }, 'body.product'],
      [{ product: 'mixing_mentor', version: '1.0.0', platform: 'linux', staging_percentage: '150' }, 'body.staging_percentage'],
      [{ product: 'mixing_mentor', version: '1.0.0', platform: 'linux', surprise: 'x' }, 'body'],
    ];
    for (const [fields, where] of cases) {
      const res = await uploadRelease(t, admin.access, fields as any, artifact(100));
      assert.equal(res.status, 400, JSON.stringify(fields));
      assert.equal(res.body.error, 'validation_failed');
      assert.ok(res.body.details.some((d: any) => d.path.startsWith(where)), JSON.stringify(res.body.details));
    }
    // Fields must come before the file, so they are known before any byte is stored.
    const late = await uploadRelease(t, admin.access, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(100), { fieldsAfterFile: true });
    assert.equal(late.status, 400);
    const badName = await uploadRelease(t, admin.access, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(100), { fileName: '.hidden' });
    assert.equal(badName.status, 400);
    const empty = await uploadRelease(t, admin.access, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, new Uint8Array(0));
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error, 'invalid_upload');
    const notMultipart = await t.request('POST', '/admin/releases', { raw: 'hello', token: admin.access, headers: { 'content-type': 'text/plain' } });
    assert.equal(notMultipart.status, 415);
    const noBoundary = await t.request('POST', '/admin/releases', { raw: 'x', token: admin.access, headers: { 'content-type': 'multipart/form-data' } });
    assert.equal(noBoundary.status, 400);
    assert.equal(await countReleases(), before);
  });

  it('is for admins only', async () => {
    const user = await signUp(t);
    const support = await signUpAs(t, 'support');
    for (const token of [user.access, support.access]) {
      const res = await uploadRelease(t, token, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(100));
      assert.equal(res.status, 403);
      assert.equal((await t.get('/admin/releases', token)).status, 403);
    }
    const anonymous = await fetch(`${t.url}/api/v1/admin/releases`, { method: 'POST' });
    assert.equal(anonymous.status, 401);
  });
});

describe('POST /admin/releases (external URL)', () => {
  it('registers a file hosted elsewhere with the checksum the publisher signed', async () => {
    const signature = signRelease(t.releaseKey, { sha256: 'ab'.repeat(32), product: 'mixing_mentor', version: '2.0.0', platform: 'macos' });
    const body = { product: 'mixing_mentor', version: '2.0.0', platform: 'macos', external_url: 'https://cdn.example.test/vst/2.0.0/MixingMentor-2.0.0-macos.pkg', file_size: 52428800, checksum_sha256: 'AB'.repeat(32) };
    const unsigned = await t.post('/admin/releases', { ...body, signature: signature.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), signature_kid: signature.signature_kid }, admin.access);
    assert.equal(unsigned.body.error, 'invalid_release_signature');
    const res = await t.post('/admin/releases', { ...body, ...signature }, admin.access);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.source, 'external');
    assert.equal(res.body.file_name, 'MixingMentor-2.0.0-macos.pkg');
    assert.equal(res.body.checksum_sha256, 'ab'.repeat(32));
    assert.equal(res.body.signature, signature.signature);
  });

  it('requires a sha512 for the companion, whose update feed carries it', async () => {
    const res = await t.post(
      '/admin/releases',
      {
        product: 'companion',
        version: '2.0.0',
        platform: 'macos',
        external_url: 'https://cdn.example.test/c.zip',
        file_size: 10,
        checksum_sha256: 'ab'.repeat(32),
        ...signRelease(t.releaseKey, { sha256: 'ab'.repeat(32), product: 'companion', version: '2.0.0', platform: 'macos' }),
      },
      admin.access,
    );
    assert.equal(res.status, 422);
    assert.equal(res.body.error, 'sha512_required');
  });
});

describe('admin release management', () => {
  it('lists with filters and pages, edits notes and rollout, yanks and restores, all audited', async () => {
    const r = await publish(t, admin.access, { product: 'companion', version: '9.9.9', platform: 'linux' }, artifact(500));
    const list = await t.get('/admin/releases?product=companion&limit=1', admin.access);
    assert.equal(list.status, 200);
    assert.equal(list.body.releases[0].id, r.id);

    const edited = await t.request('PATCH', `/admin/releases/${r.id}`, { token: admin.access, body: { release_notes: 'Now with dark mode', staging_percentage: 10 } });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.release_notes, 'Now with dark mode');
    assert.equal(edited.body.staging_percentage, 10);
    assert.equal(edited.body.checksum_sha256, r.checksum_sha256);
    const emptyPatch = await t.request('PATCH', `/admin/releases/${r.id}`, { token: admin.access, body: {} });
    assert.equal(emptyPatch.status, 400);
    const signedFieldPatch = await t.request('PATCH', `/admin/releases/${r.id}`, { token: admin.access, body: { version: '10.0.0' } });
    assert.equal(signedFieldPatch.status, 400);

    const yanked = await t.post(`/admin/releases/${r.id}/yank`, { reason: 'bad build' }, admin.access);
    assert.equal(yanked.status, 200);
    assert.ok(yanked.body.yanked_at);
    assert.equal(yanked.body.yank_reason, 'bad build');
    const hidden = await t.get('/admin/releases?product=companion', admin.access);
    assert.ok(!hidden.body.releases.some((x: any) => x.id === r.id));
    const shown = await t.get('/admin/releases?product=companion&include_yanked=true', admin.access);
    assert.ok(shown.body.releases.some((x: any) => x.id === r.id));
    const restored = await t.post(`/admin/releases/${r.id}/unyank`, undefined, admin.access);
    assert.equal(restored.body.yanked_at, null);

    const actions = await t.api.deps.sequelize.query<{ action: string }>(
      `SELECT action FROM audit_logs WHERE target_id = :id ORDER BY id`,
      { replacements: { id: r.id }, type: QueryTypes.SELECT },
    );
    assert.deepEqual(actions.map((a) => a.action), ['release.published', 'release.updated', 'release.yanked', 'release.unyanked']);
    assert.equal((await t.post(`/admin/releases/00000000-0000-4000-8000-000000000000/yank`, {}, admin.access)).status, 404);
  });
});

describe('admin API keys', () => {
  it('creates a key shown once, stored hashed, listed by prefix', async () => {
    const created = await t.post('/admin/api-keys', { name: 'release pipeline', scopes: ['releases:write'] }, admin.access);
    assert.equal(created.status, 201);
    assert.match(created.body.key, /^ngk_[A-Za-z0-9_-]{43}$/);
    assert.ok(created.body.key.startsWith(created.body.prefix));
    const [row] = await t.api.deps.sequelize.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = :id', {
      replacements: { id: created.body.id },
      type: QueryTypes.SELECT,
    });
    assert.notEqual(row!.key_hash, created.body.key);
    assert.ok(!JSON.stringify(row).includes(created.body.key));
    const list = await t.get('/admin/api-keys', admin.access);
    const listed = list.body.api_keys.find((k: any) => k.id === created.body.id);
    assert.equal(listed.name, 'release pipeline');
    assert.equal(listed.key, undefined);
    assert.equal(listed.last_used_at, null);
  });

  it('authenticates uploads with a releases:write key, records who and when, and refuses it elsewhere', async () => {
    const { body: key } = await t.post('/admin/api-keys', { name: 'ci', scopes: ['releases:write'] }, admin.access);
    const r = await publish(t, key.key, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(2000));
    assert.equal(r.created_by, admin.id);
    const [row] = await t.api.deps.sequelize.query<{ created_by_api_key_id: string }>('SELECT created_by_api_key_id FROM releases WHERE id = :id', {
      replacements: { id: r.id },
      type: QueryTypes.SELECT,
    });
    assert.equal(row!.created_by_api_key_id, key.id);
    const listed = (await t.get('/admin/api-keys', admin.access)).body.api_keys.find((k: any) => k.id === key.id);
    assert.ok(listed.last_used_at);
    assert.equal((await t.get('/admin/releases', key.key)).status, 200);

    // A key cannot act beyond its scope, even though its owner is an admin.
    for (const p of ['/admin/api-keys', '/user/profile']) {
      const res = await t.get(p, key.key);
      assert.equal(res.status, 403, p);
      assert.equal(res.body.error, 'insufficient_scope');
    }
    const mint = await t.post('/admin/api-keys', { name: 'escalate', scopes: ['releases:write'] }, key.key);
    assert.equal(mint.status, 403);
  });

  it('refuses a key without the route’s scope', async () => {
    const { body: key } = await t.post('/admin/api-keys', { name: 'narrow', scopes: ['releases:write'] }, admin.access);
    // A key whose scopes (set directly, as a future scope would be) do not include releases:write.
    await t.api.deps.sequelize.query(`UPDATE api_keys SET scopes = '{audit:read}' WHERE id = :id`, { replacements: { id: key.id } });
    const res = await uploadRelease(t, key.key, { product: 'mixing_mentor', version: nextVersion(), platform: 'linux' }, artifact(100));
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'insufficient_scope');
  });

  it('stops working when revoked, expired, or when its owner is no longer an admin', async () => {
    const use = (k: string) => t.get('/admin/releases', k);
    const { body: revoked } = await t.post('/admin/api-keys', { name: 'old', scopes: ['releases:write'] }, admin.access);
    assert.equal((await use(revoked.key)).status, 200);
    const del = await t.del(`/admin/api-keys/${revoked.id}`, undefined, admin.access);
    assert.equal(del.status, 200);
    assert.ok(del.body.revoked_at);
    const after = await use(revoked.key);
    assert.equal(after.status, 401);
    assert.equal(after.body.error, 'token_revoked');
    assert.equal((await t.get('/admin/api-keys', admin.access)).body.api_keys.some((k: any) => k.id === revoked.id), false);
    assert.equal((await t.get('/admin/api-keys?include_revoked=true', admin.access)).body.api_keys.some((k: any) => k.id === revoked.id), true);

    const unknown = await use('ngk_' + 'A'.repeat(43));
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'token_invalid');

    const { body: expiring } = await t.post('/admin/api-keys', { name: 'short', scopes: ['releases:write'] }, admin.access);
    await t.api.deps.sequelize.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = :id`, { replacements: { id: expiring.id } });
    assert.equal((await use(expiring.key)).body.error, 'token_expired');
    const past = await t.post('/admin/api-keys', { name: 'x', scopes: ['releases:write'], expires_at: '2001-01-01T00:00:00Z' }, admin.access);
    assert.equal(past.status, 400);

    const other = await signUpAs(t, 'admin');
    const { body: orphan } = await t.post('/admin/api-keys', { name: 'theirs', scopes: ['releases:write'] }, other.access);
    assert.equal((await use(orphan.key)).status, 200);
    await setRole(t, other.id, 'user');
    assert.equal((await use(orphan.key)).status, 401);
  });

  it('validates creation and is for admins with a session only', async () => {
    assert.equal((await t.post('/admin/api-keys', { name: 'x', scopes: ['everything'] }, admin.access)).status, 400);
    assert.equal((await t.post('/admin/api-keys', { name: '', scopes: ['releases:write'] }, admin.access)).status, 400);
    assert.equal((await t.post('/admin/api-keys', { name: 'x', scopes: [] }, admin.access)).status, 400);
    const user = await signUp(t);
    assert.equal((await t.post('/admin/api-keys', { name: 'x', scopes: ['releases:write'] }, user.access)).status, 403);
    assert.equal((await t.get('/admin/api-keys', user.access)).status, 403);
    assert.equal((await t.del('/admin/api-keys/00000000-0000-4000-8000-000000000000', undefined, admin.access)).status, 404);
  });
});

describe('release pipeline: admin CLI key + scripts/publish-release', () => {
  it('bootstraps a key with the CLI and publishes with publish-release as a separate process', async () => {
    const env = { DATABASE_URL: t.databaseUrl, DATA_DIR: t.dataDir, NGN_RELEASE_KEY: JSON.stringify(t.releaseKey) };
    const cli = await run('scripts/admin.ts', ['create-api-key', '--name', 'pipeline', '--scopes', 'releases:write', '--owner', admin.email], env);
    assert.equal(cli.code, 0, cli.stderr);
    const key = cli.stdout.trim().split('\n').pop()!;
    assert.match(key, /^ngk_/);

    const file = artifact(1024 * 1024 + 17);
    const filePath = path.join(t.dataDir, 'MixingMentor-4.0.0-linux.tar.gz');
    await writeFile(filePath, file);
    const published = await run(
      'scripts/publish-release.ts',
      ['--file', filePath, '--product', 'mixing_mentor', '--version', '4.0.0', '--platform', 'linux', '--channel', 'beta', '--notes', 'From CI', '--api', t.url],
      { NGN_API_KEY: key, NGN_RELEASE_KEY: env.NGN_RELEASE_KEY },
    );
    assert.equal(published.code, 0, published.stderr);
    const release = JSON.parse(published.stdout);
    assert.equal(release.version, '4.0.0');
    assert.equal(release.channel, 'beta');
    assert.equal(release.release_notes, 'From CI');
    assert.equal(release.checksum_sha256, sha256(file));
    assert.equal(release.file_name, 'MixingMentor-4.0.0-linux.tar.gz');

    const again = await run('scripts/publish-release.ts', ['--file', filePath, '--product', 'mixing_mentor', '--version', '4.0.0', '--platform', 'linux', '--channel', 'beta', '--api', t.url, '--key', key], { NGN_RELEASE_KEY: env.NGN_RELEASE_KEY });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /409.*release_exists/);
    const badKey = await run('scripts/publish-release.ts', ['--file', filePath, '--product', 'mixing_mentor', '--version', '4.0.1', '--platform', 'linux', '--api', t.url, '--key', 'ngk_nope'], { NGN_RELEASE_KEY: env.NGN_RELEASE_KEY });
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /401/);
    const badArgs = await run('scripts/publish-release.ts', ['--file', filePath, '--product', 'mixing_mentor', '--version', 'latest', '--platform', 'linux', '--key', key]);
    assert.equal(badArgs.code, 64);
    assert.match(badArgs.stderr, /--version/);
  });
});
