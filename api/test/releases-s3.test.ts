/**
 * The S3-compatible storage against an S3 REST server on the loopback
 * (s3rver): the SDK's requests and the presigned URLs go over the wire, first
 * through S3Storage itself, then through the API.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config';
import { S3Storage } from '../src/lib/storage/s3';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { grantLicense } from './helpers/licenses';
import { artifact, fetchBytes, onTestServer, parseByteRanges, publish, sha256, signedBy, uploadRelease } from './helpers/releases';
import { startLocalS3, type BucketRequest, type LocalS3 } from './helpers/s3-server';

const MiB = 1024 * 1024;
/** Past S3Storage's 8 MiB part size, so the multipart upload path runs. */
const MULTIPART_SIZE = 8 * MiB + 4321;

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Feeds `data` in uneven chunks, as a request body arrives. */
function streamOf(data: Buffer): Readable {
  const cuts = [0, 7, 65_536, 3 * MiB + 1, data.length].filter((c) => c <= data.length);
  return Readable.from(cuts.slice(1).map((end, i) => data.subarray(cuts[i], end)));
}

/** Sends `data`, then fails as a client hanging up mid-upload would. */
function failingAfter(data: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(data);
      } else this.destroy(new Error('client went away'));
    },
  });
}

/** Requests `s3` received since `from`, as `METHOD /path?query-names` lines (without the SDK's `x-id` operation tag). */
function requestsSince(s3: LocalS3, from: number): string[] {
  return s3.requests.slice(from).map((r) => {
    const url = new URL(r.url, 'http://bucket');
    const names = [...url.searchParams.keys()].filter((k) => k !== 'x-id');
    return `${r.method} ${decodeURIComponent(url.pathname)}${names.length ? `?${names.join('&')}` : ''}`;
  });
}

const checksumHeaders = (r: BucketRequest) => Object.keys(r.headers).filter((h) => /^x-amz-(sdk-)?checksum/.test(h));

describe('S3Storage against an S3 HTTP server', () => {
  let s3: LocalS3;
  before(async () => {
    s3 = await startLocalS3();
  });
  after(() => s3.close());

  const storage = () => new S3Storage(loadConfig({ DATA_DIR: '.', ...s3.env }).storage.s3!);

  it('stores a small object in one PUT and a large one as a multipart upload, reads whole and by range, stats and deletes', async () => {
    const s = storage();
    for (const [size, expected] of [
      [11, ['PUT /releases/small/a.bin']],
      [
        MULTIPART_SIZE,
        [
          'POST /releases/large/a.bin?uploads',
          'PUT /releases/large/a.bin?partNumber&uploadId',
          'PUT /releases/large/a.bin?partNumber&uploadId',
          'POST /releases/large/a.bin?uploadId',
        ],
      ],
    ] as const) {
      const key = size === 11 ? 'small/a.bin' : 'large/a.bin';
      const data = randomBytes(size);
      const mark = s3.requests.length;
      await s.put(key, streamOf(data));
      assert.deepEqual(requestsSince(s3, mark), expected);
      assert.deepEqual(await s.stat(key), { size });
      assert.ok((await bytesOf(await s.read(key))).equals(data));
      assert.ok((await bytesOf(await s.read(key, { start: 3, end: 8 }))).equals(data.subarray(3, 9)));
      assert.ok((await bytesOf(await s.read(key, { start: size - 2, end: size - 1 }))).equals(data.subarray(size - 2)));
    }
    assert.deepEqual(await s3.keys(), ['large/a.bin', 'small/a.bin']);

    await s.delete('large/a.bin');
    await s.delete('small/a.bin');
    await s.delete('small/a.bin'); // deleting what is gone is not an error
    assert.equal(await s.stat('large/a.bin'), undefined);
    assert.equal(await s.stat('small/a.bin'), undefined);
    await assert.rejects(s.read('small/a.bin'), { name: 'NoSuchKey' });
    assert.deepEqual(await s3.keys(), []);
  });

  it('leaves no object behind when the source fails, before or after the first part went up', async () => {
    const s = storage();
    await assert.rejects(s.put('fail/small.bin', failingAfter(randomBytes(1000))), /client went away/);
    assert.equal(await s.stat('fail/small.bin'), undefined);

    // s3rver has no AbortMultipartUpload (405), as a bucket whose policy denies it: the error still names the cause.
    const mark = s3.requests.length;
    await assert.rejects(s.put('fail/large.bin', failingAfter(randomBytes(MULTIPART_SIZE))), /client went away/);
    assert.deepEqual(requestsSince(s3, mark), [
      'POST /releases/fail/large.bin?uploads',
      'PUT /releases/fail/large.bin?partNumber&uploadId',
      'DELETE /releases/fail/large.bin?uploadId',
    ]);
    assert.equal(await s.stat('fail/large.bin'), undefined);
    assert.deepEqual(await s3.keys('fail/'), []);
  });

  it('sends no flexible-checksum headers and presigns GETs without checksum mode, which S3-compatible servers may refuse', async () => {
    const s = storage();
    const mark = s3.requests.length;
    await s.put('plain/a.bin', streamOf(randomBytes(MULTIPART_SIZE)));
    await bytesOf(await s.read('plain/a.bin', { start: 0, end: 9 }));
    const sent = s3.requests.slice(mark);
    assert.deepEqual(sent.flatMap(checksumHeaders), []);
    assert.ok(sent.every((r) => r.headers['content-encoding'] !== 'aws-chunked'));
    const url = new URL((await s.presignedUrl('plain/a.bin', { expiresInSeconds: 60, fileName: 'a.bin' }))!);
    assert.equal(url.searchParams.get('x-amz-checksum-mode'), null);
    await s.delete('plain/a.bin');
  });
});

describe('releases through the API on S3 storage', () => {
  let s3: LocalS3;
  let t: TestApi;
  let admin: string;
  let licensed: string;
  let installerRelease: { id: string };
  const installer = artifact(MULTIPART_SIZE);

  before(async () => {
    s3 = await startLocalS3();
    t = await startTestApi(s3.env);
    admin = (await signUpAs(t, 'admin')).access;
    const user = await signUp(t);
    await grantLicense(t, user.id);
    licensed = user.access;
  });
  after(async () => {
    await t.close();
    await s3.close();
  });

  async function signedLink(): Promise<string> {
    const res = await t.get('/downloads/latest?platform=windows', licensed);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return onTestServer(t, res.body.download_url);
  }

  it('stores an upload in the bucket and redirects signed links to a presigned bucket URL serving the bytes and ranges', async () => {
    const release = await publish(
      t,
      admin,
      { product: 'mixing_mentor', version: '3.0.0', platform: 'windows' },
      installer,
      { fileName: 'Mixing Mentor Setup 3.0.0.exe' },
    );
    installerRelease = release;
    assert.equal(release.checksum_sha256, sha256(installer));
    assert.deepEqual(await s3.keys(), [`releases/${release.id}/Mixing Mentor Setup 3.0.0.exe`]);

    const latest = await t.get('/downloads/latest?platform=windows', licensed);
    assert.equal(latest.status, 200, JSON.stringify(latest.body));
    const res = await fetch(onTestServer(t, latest.body.download_url), { redirect: 'manual' });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.origin, s3.endpoint);
    assert.equal(decodeURIComponent(location.pathname), `/${s3.bucket}/releases/${release.id}/Mixing Mentor Setup 3.0.0.exe`);
    // The bucket URL dies with the signed link (give or take the minute a nearly expired link still gets).
    const signedAt = Date.parse(location.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const bucketExpiry = signedAt + Number(location.searchParams.get('X-Amz-Expires')) * 1000;
    assert.ok(bucketExpiry <= Date.parse(latest.body.download_url_expires_at) + 1000, `${new Date(bucketExpiry).toISOString()} outlives the link`);

    const whole = await fetchBytes(location.href);
    assert.equal(whole.status, 200);
    assert.equal(sha256(whole.bytes), release.checksum_sha256);
    assert.match(whole.headers.get('content-disposition') ?? '', /^attachment; filename="Mixing Mentor Setup 3\.0\.0\.exe"/);

    const tail = await fetchBytes(location.href, { range: `bytes=${8 * MiB - 10}-` });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get('content-range'), `bytes ${8 * MiB - 10}-${MULTIPART_SIZE - 1}/${MULTIPART_SIZE}`);
    assert.ok(tail.bytes.equals(installer.subarray(8 * MiB - 10)));
  });

  it('keeps a yanked release in the bucket, refuses its signed links, and serves them again once restored', async () => {
    const link = await signedLink();
    const release = installerRelease;
    const keysBefore = await s3.keys();

    assert.equal((await t.post(`/admin/releases/${release.id}/yank`, { reason: 'bad build' }, admin)).status, 200);
    const refused = await fetch(link, { redirect: 'manual' });
    assert.equal(refused.status, 404);
    assert.deepEqual(await s3.keys(), keysBefore);

    assert.equal((await t.post(`/admin/releases/${release.id}/unyank`, undefined, admin)).status, 200);
    const again = await fetch(link, { redirect: 'manual' });
    assert.equal(again.status, 302);
    assert.equal(sha256((await fetchBytes(again.headers.get('location')!)).bytes), sha256(installer));
  });

  it('streams companion feed files from the bucket with single and multiple ranges', async () => {
    const file = artifact(700_000);
    const blockmap = artifact(5000);
    await publish(t, admin, { product: 'companion', version: '1.4.0', platform: 'linux' }, file, {
      fileName: 'NextGen-Noise-Companion-1.4.0.AppImage',
      blockmap,
    });
    const url = `${t.url}/api/v1/updates/companion/stable/linux/1.4.0/NextGen-Noise-Companion-1.4.0.AppImage`;
    const whole = await fetchBytes(url);
    assert.equal(whole.status, 200);
    assert.ok(whole.bytes.equals(file));

    const multi = await fetchBytes(url, { range: 'bytes=0-9,100-199,524288-' });
    assert.equal(multi.status, 206);
    const parts = parseByteRanges(multi.bytes, multi.headers.get('content-type')!);
    assert.deepEqual(
      parts.map((p) => [p.start, p.end]),
      [
        [0, 9],
        [100, 199],
        [524288, file.length - 1],
      ],
    );
    for (const p of parts) assert.ok(p.data.equals(file.subarray(p.start, p.end + 1)));

    const map = await fetchBytes(`${url}.blockmap`, { range: 'bytes=10-19' });
    assert.equal(map.status, 206);
    assert.ok(map.bytes.equals(blockmap.subarray(10, 20)));
  });

  it('removes what an upload had stored when the upload fails after its file part', async () => {
    const before = await s3.keys();
    const mark = s3.requests.length;
    const form = new FormData();
    const file = artifact(300_000);
    const fields = { product: 'mixing_mentor', version: '3.1.0', platform: 'macos' };
    for (const [k, v] of Object.entries({ ...fields, ...signedBy(t.releaseKey, fields, file) })) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(file)]), 'Mixing Mentor 3.1.0.dmg');
    form.append('extra', new Blob([new Uint8Array(artifact(10))]), 'extra.bin');
    const res = await fetch(`${t.url}/api/v1/admin/releases`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_upload');
    const stored = requestsSince(s3, mark).filter((r) => r.endsWith('/Mixing Mentor 3.1.0.dmg'));
    assert.deepEqual(stored.map((r) => r.split(' ')[0]), ['PUT', 'DELETE'], 'the file was stored, then removed');
    assert.deepEqual(await s3.keys(), before);

    const taken = await uploadRelease(t, admin, { product: 'mixing_mentor', version: '3.0.0', platform: 'windows' }, artifact(1000));
    assert.equal(taken.status, 409);
    assert.deepEqual(await s3.keys(), before);
  });
});
