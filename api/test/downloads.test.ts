import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UrlSigner } from '../src/lib/signed-urls';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { grantLicense } from './helpers/licenses';
import { artifact, fetchBytes, onTestServer, parseByteRanges, publish, sha256 } from './helpers/releases';

const MiB = 1024 * 1024;

let t: TestApi;
let admin: string;
let licensed: { id: string; access: string };
let unlicensed: { id: string; access: string };
const v100 = artifact(MiB + 123);
const v110 = artifact(3 * MiB + 7);

before(async () => {
  t = await startTestApi();
  admin = (await signUpAs(t, 'admin')).access;
  await publish(t, admin, { product: 'mixing_mentor', version: '1.0.0', platform: 'linux', release_notes: 'First' }, v100);
  await publish(t, admin, { product: 'mixing_mentor', version: '1.1.0', platform: 'linux', release_notes: 'Faster meters' }, v110);
  licensed = await signUp(t);
  await grantLicense(t, licensed.id);
  unlicensed = await signUp(t);
});
after(() => t.close());

const latest = (token: string, query = 'platform=linux') => t.get(`/downloads/latest?${query}`, token);

async function latestUrl(token = licensed.access): Promise<string> {
  const res = await latest(token);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return onTestServer(t, res.body.download_url);
}

describe('who may download', () => {
  it('answers 403 license_required to a user without a license, for latest and versions', async () => {
    const res = await latest(unlicensed.access);
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'license_required');
    const versions = await t.get('/downloads/versions?product=mixing_mentor', unlicensed.access);
    assert.equal(versions.status, 403);
    assert.equal(versions.body.error, 'license_required');
  });

  it('answers 401 without a token', async () => {
    const res = await t.get('/downloads/latest?platform=linux');
    assert.equal(res.status, 401);
  });

  it('counts a trial, but not an expired license or somebody else’s', async () => {
    const trial = await signUp(t);
    await grantLicense(t, trial.id, 'trial');
    assert.equal((await latest(trial.access)).status, 200);

    const lapsed = await signUp(t);
    await grantLicense(t, lapsed.id, 'standard', { expiresAt: new Date(Date.now() - 60_000) });
    assert.equal((await latest(lapsed.access)).body.error, 'license_required');

    // `licensed` holds a license; another user asking gets nothing from it.
    const other = await signUp(t);
    assert.equal((await latest(other.access)).status, 403);
  });

  it('lets any signed-in user download the companion, which is free', async () => {
    await publish(t, admin, { product: 'companion', version: '2.0.0', platform: 'linux' }, artifact(2048));
    const res = await latest(unlicensed.access, 'platform=linux&product=companion');
    assert.equal(res.status, 200);
    assert.equal(res.body.version, '2.0.0');
    const file = await fetchBytes(onTestServer(t, res.body.download_url));
    assert.equal(file.status, 200);
  });

  it('validates the query', async () => {
    const res = await latest(licensed.access, 'platform=amiga');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'validation_failed');
  });
});

describe('GET /downloads/latest and /downloads/versions', () => {
  it('returns the newest version with the seed fields, checksums, signature and a short-lived link', async () => {
    const res = await latest(licensed.access);
    assert.equal(res.status, 200);
    const b = res.body;
    assert.equal(b.version, '1.1.0');
    assert.equal(b.platform, 'linux');
    assert.equal(b.file_size, v110.length);
    assert.equal(b.checksum_sha256, sha256(v110));
    assert.equal(b.release_notes, 'Faster meters');
    assert.match(b.signature, /^[A-Za-z0-9_-]{86}$/);
    assert.ok(b.signature_kid);
    const expiresIn = Date.parse(b.download_url_expires_at) - Date.now();
    assert.ok(expiresIn > 0 && expiresIn <= t.config.downloadUrlTtlSeconds * 1000, `${expiresIn}`);
    assert.match(b.download_url, /\/files\/[0-9a-f-]{36}\/Artifact-1\.1\.0-linux\.bin\?expires=\d+&sig=/);
  });

  it('lists live versions newest first, page by page', async () => {
    const first = await t.get('/downloads/versions?platform=linux&limit=1', licensed.access);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.versions.map((v: any) => v.version), ['1.1.0']);
    assert.ok(first.body.next_cursor);
    const second = await t.get(`/downloads/versions?platform=linux&limit=1&cursor=${first.body.next_cursor}`, licensed.access);
    assert.deepEqual(second.body.versions.map((v: any) => v.version), ['1.0.0']);
    assert.equal(second.body.next_cursor, null);
    const file = await fetchBytes(onTestServer(t, second.body.versions[0].linux_url));
    assert.equal(sha256(file.bytes), sha256(v100));
    assert.equal(second.body.versions[0].artifacts[0].checksum_sha256, sha256(v100));
  });

  it('lists each version once, as the seed does, with a link per platform and every artifact', async () => {
    const mac = artifact(4096);
    await publish(t, admin, { product: 'mixing_mentor', version: '1.0.0', platform: 'macos', release_notes: 'First' }, mac, { fileName: 'Artifact-1.0.0-macos.pkg' });
    // 1.0.0 gained its macOS build after 1.1.0 came out: it is now the newest upload, so it comes first.
    const page1 = await t.get('/downloads/versions?limit=1', licensed.access);
    const v1 = page1.body.versions[0];
    assert.equal(v1.version, '1.0.0');
    assert.deepEqual(v1.artifacts.map((a: any) => a.platform), ['linux', 'macos']);
    assert.match(v1.macos_url, /\/Artifact-1\.0\.0-macos\.pkg\?expires=/);
    assert.match(v1.linux_url, /\/Artifact-1\.0\.0-linux\.bin\?expires=/);
    assert.equal(v1.windows_url, null);
    assert.equal(sha256((await fetchBytes(onTestServer(t, v1.macos_url))).bytes), sha256(mac));

    const page2 = await t.get(`/downloads/versions?limit=1&cursor=${page1.body.next_cursor}`, licensed.access);
    assert.deepEqual(page2.body.versions.map((v: any) => [v.version, v.artifacts.length, v.macos_url]), [['1.1.0', 1, null]]);
    assert.equal(page2.body.next_cursor, null);
    // A platform filter keeps that platform's artifacts only (and orders by their uploads).
    const linuxOnly = await t.get('/downloads/versions?platform=linux', licensed.access);
    assert.deepEqual(linuxOnly.body.versions.map((v: any) => [v.version, v.artifacts.length, v.macos_url]), [['1.1.0', 1, null], ['1.0.0', 1, null]]);
  });

  it('answers 404 when nothing is released for the platform', async () => {
    const res = await latest(licensed.access, 'platform=windows');
    assert.equal(res.status, 404);
  });
});

describe('the signed file link', () => {
  it('serves the whole file with validators', async () => {
    const url = await latestUrl();
    const res = await fetchBytes(url);
    assert.equal(res.status, 200);
    assert.equal(sha256(res.bytes), sha256(v110));
    assert.equal(res.headers.get('content-length'), String(v110.length));
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('etag'), `"${sha256(v110)}"`);
    assert.ok(res.headers.get('last-modified'));
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="Artifact-1\.1\.0-linux\.bin"/);
  });

  it('resumes an interrupted download byte-exactly, even with a fresh link after the first expired', async () => {
    const url = await latestUrl();
    const first = await fetchBytes(url, { range: 'bytes=0-1048575' });
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), `bytes 0-1048575/${v110.length}`);
    assert.equal(first.bytes.length, MiB);
    const etag = first.headers.get('etag')!;

    const second = await fetchBytes(await latestUrl(), { range: `bytes=${MiB}-${2 * MiB - 1}`, 'if-range': etag });
    assert.equal(second.status, 206);
    const rest = await fetchBytes(url, { range: `bytes=${2 * MiB}-`, 'if-range': etag });
    assert.equal(rest.status, 206);
    assert.equal(rest.headers.get('content-length'), String(v110.length - 2 * MiB));
    assert.equal(sha256(Buffer.concat([first.bytes, second.bytes, rest.bytes])), sha256(v110));
  });

  it('answers several ranges as multipart/byteranges', async () => {
    const url = await latestUrl();
    const res = await fetchBytes(url, { range: 'bytes=0-99, 2000000-2000999, -500' });
    assert.equal(res.status, 206);
    const type = res.headers.get('content-type')!;
    assert.match(type, /^multipart\/byteranges; boundary=/);
    assert.equal(Number(res.headers.get('content-length')), res.bytes.length);
    const parts = parseByteRanges(res.bytes, type);
    assert.deepEqual(
      parts.map((p) => [p.start, p.end, p.size]),
      [
        [0, 99, v110.length],
        [2_000_000, 2_000_999, v110.length],
        [v110.length - 500, v110.length - 1, v110.length],
      ],
    );
    for (const p of parts) assert.ok(p.data.equals(v110.subarray(p.start, p.end + 1)));
    // Reassembled from ranges alone, the whole file is exact too.
    const all = await fetchBytes(url, { range: `bytes=0-${MiB - 1},${MiB}-${v110.length - 1}` });
    assert.equal(sha256(Buffer.concat(parseByteRanges(all.bytes, all.headers.get('content-type')!).map((p) => p.data))), sha256(v110));
  });

  it('answers 416 for a range past the end, and the whole file when If-Range no longer matches', async () => {
    const url = await latestUrl();
    const past = await fetchBytes(url, { range: `bytes=${v110.length}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${v110.length}`);
    assert.equal(JSON.parse(past.bytes.toString()).error, 'range_not_satisfiable');

    const stale = await fetchBytes(url, { range: 'bytes=0-9', 'if-range': '"someotherfile"' });
    assert.equal(stale.status, 200);
    assert.equal(stale.bytes.length, v110.length);

    const garbage = await fetchBytes(url, { range: 'bytes=abc' });
    assert.equal(garbage.status, 200);
  });

  it('answers HEAD with the length and no body, and 304 for a matching If-None-Match', async () => {
    const url = await latestUrl();
    const head = await fetchBytes(url, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(v110.length));
    assert.equal(head.bytes.length, 0);
    const cached = await fetchBytes(url, { 'if-none-match': `"${sha256(v110)}"` });
    assert.equal(cached.status, 304);
  });

  it('refuses an expired link with 403 download_link_expired', async () => {
    const url = new URL(await latestUrl());
    const signer = new UrlSigner(t.config.urlSigningSecret);
    const old = signer.sign(url.pathname, 60, Date.now() - 3600_000);
    const res = await fetchBytes(`${t.url}${url.pathname}?expires=${old.expires}&sig=${old.sig}`);
    assert.equal(res.status, 403);
    assert.equal(JSON.parse(res.bytes.toString()).error, 'download_link_expired');
  });

  it('refuses a tampered link with 403 download_link_invalid', async () => {
    const url = new URL(await latestUrl());
    const sig = url.searchParams.get('sig')!;
    const expires = Number(url.searchParams.get('expires'));
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
    const variants = [
      `${url.pathname}?expires=${expires}&sig=${flipped}`,
      `${url.pathname}?expires=${expires + 3600}&sig=${sig}`,
      `${url.pathname.replace('Artifact-1.1.0', 'Artifact-1.0.0')}?expires=${expires}&sig=${sig}`,
      `${url.pathname}`,
      `${url.pathname}?expires=soon&sig=${sig}`,
    ];
    for (const v of variants) {
      const res = await fetchBytes(`${t.url}${v}`);
      assert.equal(res.status, 403, v);
      assert.equal(JSON.parse(res.bytes.toString()).error, 'download_link_invalid', v);
    }
  });
});

describe('yank, channels and staged rollout', () => {
  it('hides a yanked version from latest, versions and its links', async () => {
    const url = await latestUrl();
    const { body: list } = await t.get('/admin/releases?product=mixing_mentor&platform=linux', admin);
    const v11 = list.releases.find((r: any) => r.version === '1.1.0');
    assert.equal((await t.post(`/admin/releases/${v11.id}/yank`, { reason: 'crash on load' }, admin)).status, 200);

    assert.equal((await latest(licensed.access)).body.version, '1.0.0');
    const versions = await t.get('/downloads/versions?platform=linux', licensed.access);
    assert.deepEqual(versions.body.versions.map((v: any) => v.version), ['1.0.0']);
    assert.equal((await fetchBytes(url)).status, 404);

    assert.equal((await t.post(`/admin/releases/${v11.id}/unyank`, undefined, admin)).status, 200);
    assert.equal((await latest(licensed.access)).body.version, '1.1.0');
  });

  it('gives beta subscribers the newest of beta and stable, and stable subscribers stable only', async () => {
    await publish(t, admin, { product: 'mixing_mentor', version: '1.2.0-beta.1', platform: 'linux', channel: 'beta' }, artifact(1000));
    assert.equal((await latest(licensed.access, 'platform=linux&channel=beta')).body.version, '1.2.0-beta.1');
    assert.equal((await latest(licensed.access, 'platform=linux')).body.version, '1.1.0');
    await publish(t, admin, { product: 'mixing_mentor', version: '1.2.0', platform: 'linux' }, artifact(1000));
    assert.equal((await latest(licensed.access, 'platform=linux&channel=beta')).body.version, '1.2.0');
  });

  it('holds a release back from users outside its rollout percentage', async () => {
    const staged = await publish(
      t,
      admin,
      { product: 'mixing_mentor', version: '1.3.0', platform: 'linux', staging_percentage: 0 },
      artifact(1000),
    );
    assert.equal((await latest(licensed.access)).body.version, '1.2.0');
    const widened = await t.request('PATCH', `/admin/releases/${staged.id}`, { body: { staging_percentage: 100 }, token: admin });
    assert.equal(widened.status, 200);
    assert.equal((await latest(licensed.access)).body.version, '1.3.0');
  });
});
