import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeHttpExecutor } from 'builder-util/out/nodeHttpExecutor';
import { CancellationToken, type UpdateInfo } from 'builder-util-runtime';
import { GenericProvider } from 'electron-updater/out/providers/GenericProvider';
import { parse } from 'yaml';
import { signRelease } from '../../scripts/lib/release-keys';
import { companionUpdateFeed } from '../../desktop/src/core/update-feed';
import { signUpAs, startTestApi, type TestApi } from './helpers/api';
import { artifact, fetchBytes, parseByteRanges, publish, sha256, sha512b64 } from './helpers/releases';

let t: TestApi;
let admin: string;
const linux100 = artifact(1024 * 1024 + 5);
const linux100map = artifact(4096);
const linux110 = artifact(1024 * 512 + 3);
const linux110map = artifact(2048);
const win100 = artifact(70_000);
const mac100 = artifact(80_000);

before(async () => {
  t = await startTestApi();
  admin = (await signUpAs(t, 'admin')).access;
  await publish(t, admin, { product: 'companion', version: '1.0.0', platform: 'linux', release_notes: 'First', release_date: '2025-02-05T00:00:00.000Z' }, linux100, {
    fileName: 'NextGen-Noise-Companion-1.0.0.AppImage',
    blockmap: linux100map,
  });
  await publish(t, admin, { product: 'companion', version: '1.0.0', platform: 'windows' }, win100, { fileName: 'NextGen Noise Companion Setup 1.0.0.exe' });
  await publish(t, admin, { product: 'companion', version: '1.0.0', platform: 'macos', min_os_version: '23.1.0' }, mac100, { fileName: 'NextGen-Noise-Companion-1.0.0-mac.zip' });
  // A plugin release must never show up in the companion's feed.
  await publish(t, admin, { product: 'mixing_mentor', version: '7.0.0', platform: 'linux' }, artifact(100));
});
after(() => t.close());

/**
 * electron-updater's own generic provider, configured as the companion's main
 * process configures it from its settings, with Node's HTTP instead of Electron's.
 */
function provider(channel: 'stable' | 'beta', platform: 'linux' | 'win32' | 'darwin') {
  const updater = { channel: null, isAddNoCacheQuery: false };
  const feed = companionUpdateFeed({ api_url: `${t.url}/`, channel });
  return new GenericProvider({ provider: 'generic', url: feed.url }, updater as never, {
    isUseMultipleRangeRequest: true,
    platform,
    executor: new NodeHttpExecutor() as never,
  });
}

const executor = new NodeHttpExecutor();

/** Downloads with electron-updater's HTTP executor and checks the bytes against the feed's sha512, as the updater does. */
async function download(url: URL, sha512: string): Promise<Buffer> {
  const bytes = await executor.downloadToBuffer(url, { sha512, cancellationToken: new CancellationToken() });
  assert.equal(sha512b64(bytes), sha512, `sha512 of ${url.href}`);
  return bytes;
}

async function feedText(channel: string, file: string) {
  const res = await fetch(`${t.url}/api/v1/updates/companion/${channel}/${file}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('GET /updates/companion/:channel/latest*.yml', () => {
  it('serves latest-linux.yml in electron-builder’s format, field by field', async () => {
    const res = await feedText('stable', 'latest-linux.yml');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(res.headers.get('content-type') ?? '', /yaml/);
    const raw = parse(res.text);
    const url = 'linux/1.0.0/NextGen-Noise-Companion-1.0.0.AppImage';
    assert.deepEqual(raw, {
      version: '1.0.0',
      files: [{ url, sha512: sha512b64(linux100), size: linux100.length }],
      path: url,
      sha512: sha512b64(linux100),
      releaseDate: '2025-02-05T00:00:00.000Z',
      releaseNotes: 'First',
      signature: raw.signature,
      signature_kid: t.releaseKey.kid,
    });
    // The publisher's signature over this artifact, for the Companion to check before it installs the update.
    const release = { sha256: sha256(linux100), product: 'companion', version: '1.0.0', platform: 'linux' };
    assert.equal(raw.signature, signRelease(t.releaseKey, release).signature);
  });

  it('is read by electron-updater’s GenericProvider, whose resolved file downloads with the right sha512', async () => {
    process.env.TEST_UPDATER_ARCH = 'x64'; // electron-updater adds an arch suffix to the Linux channel file otherwise
    const p = provider('stable', 'linux');
    const info: UpdateInfo = await p.getLatestVersion();
    assert.equal(info.version, '1.0.0');
    const [file] = p.resolveFiles(info);
    assert.equal(file!.info.sha512, sha512b64(linux100));
    const bytes = await download(file!.url, file!.info.sha512);
    assert.equal(sha256(bytes), sha256(linux100));
  });

  it('serves latest.yml (Windows, URL-escaped file name) and latest-mac.yml (minimum OS)', async () => {
    const win = provider('stable', 'win32');
    const winInfo = await win.getLatestVersion();
    const [winFile] = win.resolveFiles(winInfo);
    assert.equal(winInfo.files[0]!.url, 'windows/1.0.0/NextGen%20Noise%20Companion%20Setup%201.0.0.exe');
    assert.equal(sha256(await download(winFile!.url, winFile!.info.sha512)), sha256(win100));

    const mac = provider('stable', 'darwin');
    const macInfo = await mac.getLatestVersion();
    assert.equal(macInfo.minimumSystemVersion, '23.1.0');
    const [macFile] = mac.resolveFiles(macInfo);
    assert.equal(sha256(await download(macFile!.url, macFile!.info.sha512)), sha256(mac100));
  });

  it('answers 404 for a channel with nothing on it, and 400 for an unknown feed or channel', async () => {
    assert.equal((await feedText('beta', 'latest-linux.yml')).status, 200); // beta falls back to stable
    await t.api.deps.sequelize.query(`UPDATE releases SET yanked_at = now() WHERE product = 'companion' AND platform = 'macos'`);
    assert.equal((await feedText('stable', 'latest-mac.yml')).status, 404);
    await t.api.deps.sequelize.query(`UPDATE releases SET yanked_at = NULL WHERE product = 'companion' AND platform = 'macos'`);
    assert.equal((await feedText('stable', 'beta.yml')).status, 400);
    assert.equal((await feedText('nightly', 'latest.yml')).status, 400);
  });
});

describe('artifacts and blockmaps under the feed', () => {
  it('serves the blockmaps electron-updater asks for in a differential update, old and new', async () => {
    await publish(t, admin, { product: 'companion', version: '1.1.0', platform: 'linux', staging_percentage: 40 }, linux110, {
      fileName: 'NextGen-Noise-Companion-1.1.0.AppImage',
      blockmap: linux110map,
    });
    const p = provider('stable', 'linux');
    const info = await p.getLatestVersion();
    assert.equal(info.version, '1.1.0');
    assert.equal(info.stagingPercentage, 40);
    assert.equal(info.releaseNotes, undefined);
    const [file] = p.resolveFiles(info);
    // The updater derives both blockmap URLs from the new file's URL by swapping versions.
    const [oldMap, newMap] = (await p.getBlockMapFiles(file!.url, '1.0.0', '1.1.0')) as URL[];
    const oldRes = await fetchBytes(oldMap!.href);
    const newRes = await fetchBytes(newMap!.href);
    assert.equal(oldRes.status, 200);
    assert.equal(newRes.status, 200);
    assert.ok(oldRes.bytes.equals(linux100map));
    assert.ok(newRes.bytes.equals(linux110map));
  });

  it('answers the multi-range requests of differential downloads', async () => {
    const url = `${t.url}/api/v1/updates/companion/stable/linux/1.1.0/NextGen-Noise-Companion-1.1.0.AppImage`;
    const res = await fetchBytes(url, { range: 'bytes=0-9,100-199,524288-' });
    assert.equal(res.status, 206);
    const parts = parseByteRanges(res.bytes, res.headers.get('content-type')!);
    assert.equal(parts.length, 3);
    for (const part of parts) assert.ok(part.data.equals(linux110.subarray(part.start, part.end + 1)));
    const single = await fetchBytes(url, { range: 'bytes=10-19' });
    assert.equal(single.status, 206);
    assert.ok(single.bytes.equals(linux110.subarray(10, 20)));
  });

  it('hides a yanked version from the feed and its files, falling back to the previous one', async () => {
    const { body } = await t.get('/admin/releases?product=companion&platform=linux', admin);
    const v110 = body.releases.find((r: any) => r.version === '1.1.0');
    await t.post(`/admin/releases/${v110.id}/yank`, {}, admin);
    const info = await provider('stable', 'linux').getLatestVersion();
    assert.equal(info.version, '1.0.0');
    const gone = await fetchBytes(`${t.url}/api/v1/updates/companion/stable/linux/1.1.0/NextGen-Noise-Companion-1.1.0.AppImage`);
    assert.equal(gone.status, 404);
    await t.post(`/admin/releases/${v110.id}/unyank`, undefined, admin);
  });

  it('gives the beta channel beta releases and newer stable ones, and 404s names that are not there', async () => {
    const beta = artifact(3000);
    await publish(t, admin, { product: 'companion', version: '1.2.0-beta.1', platform: 'linux', channel: 'beta' }, beta, { fileName: 'NextGen-Noise-Companion-1.2.0-beta.1.AppImage' });
    const betaInfo = await provider('beta', 'linux').getLatestVersion();
    assert.equal(betaInfo.version, '1.2.0-beta.1');
    assert.equal((await provider('stable', 'linux').getLatestVersion()).version, '1.1.0');
    const [file] = provider('beta', 'linux').resolveFiles(betaInfo);
    assert.equal(sha256(await download(file!.url, file!.info.sha512)), sha256(beta));
    // A beta artifact is not reachable through the stable base path.
    assert.equal((await fetchBytes(file!.url.href.replace('/beta/', '/stable/'))).status, 404);
    assert.equal((await fetchBytes(`${t.url}/api/v1/updates/companion/stable/linux/1.0.0/other.AppImage`)).status, 404);
    assert.equal((await fetchBytes(`${t.url}/api/v1/updates/companion/stable/linux/7.0.0/Artifact-7.0.0-linux.bin`)).status, 404);
  });
});
