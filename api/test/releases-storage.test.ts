import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config';
import { createStorage } from '../src/lib/storage';
import { LocalStorage } from '../src/lib/storage/local';
import { S3Storage } from '../src/lib/storage/s3';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ngn-storage-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('local storage', () => {
  it('writes atomically, reads ranges, stats and deletes', async () => {
    const s = new LocalStorage(dir);
    await s.put('releases/a/file.bin', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    assert.deepEqual(await s.stat('releases/a/file.bin'), { size: 11 });
    assert.equal(await text(await s.read('releases/a/file.bin', { start: 6, end: 10 })), 'world');
    assert.equal(await s.presignedUrl(), undefined);
    await s.delete('releases/a/file.bin');
    assert.equal(await s.stat('releases/a/file.bin'), undefined);
    await assert.rejects(s.read('releases/a/file.bin'), { code: 'ENOENT' });
  });

  it('leaves no partial file when the source fails, and refuses keys outside its folder', async () => {
    const s = new LocalStorage(dir);
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(s.put('releases/b/file.bin', failing), /client went away/);
    assert.deepEqual(await readdir(path.join(dir, 'releases/b')), []);
    await assert.rejects(s.put('../escape.bin', Readable.from([Buffer.from('x')])), /escapes/);
  });
});

describe('S3-compatible storage', () => {
  it('is chosen when STORAGE_S3_BUCKET is set, and presigns a short-lived GET with the download name (offline)', async () => {
    const config = loadConfig({
      DATA_DIR: dir,
      STORAGE_S3_BUCKET: 'releases',
      STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9',
      STORAGE_S3_FORCE_PATH_STYLE: 'true',
      STORAGE_S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      STORAGE_S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    });
    const s = createStorage(config.storage);
    assert.ok(s instanceof S3Storage);
    const url = new URL((await s.presignedUrl('releases/x/My Setup 1.0.0.exe', { expiresInSeconds: 120, fileName: 'My Setup 1.0.0.exe' }))!);
    assert.equal(url.origin, 'http://127.0.0.1:9');
    assert.equal(decodeURIComponent(url.pathname), '/releases/releases/x/My Setup 1.0.0.exe');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '120');
    assert.ok(url.searchParams.get('X-Amz-Signature'));
    assert.match(url.searchParams.get('response-content-disposition') ?? '', /attachment; filename="My Setup 1\.0\.0\.exe"/);
    assert.ok(createStorage(loadConfig({ DATA_DIR: dir }).storage) instanceof LocalStorage);
  });
});
