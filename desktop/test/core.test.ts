/**
 * The companion core on its own: the real keychain (a private Secret Service,
 * see scripts/test.ts), and the downloader against a real HTTP server that
 * serves byte ranges and can cut a transfer halfway.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CredentialStore } from '../src/core/credential-store';
import { Downloader } from '../src/core/downloader';
import { CompanionError } from '../src/shared/errors';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('credential store (real keychain)', () => {
  const store = new CredentialStore(`NextGen Noise Companion test ${process.pid}`);
  after(() => store.wipe());

  it('keeps secrets in the keychain, lists and wipes them', async () => {
    await store.set('refresh_token', 'rt_secret-1');
    await store.set('activation:mixing_mentor', 'eyJ.token.sig');
    assert.equal(await store.get('refresh_token'), 'rt_secret-1');
    assert.deepEqual((await store.list('activation:')).map((e) => e.account), ['activation:mixing_mentor']);
    assert.equal(await store.wipe(), 2);
    assert.equal(await store.get('refresh_token'), null);
    assert.equal(await store.get('activation:mixing_mentor'), null);
  });

  it('says what to do when no keychain is reachable', () => {
    // A separate process, pointed at a D-Bus that does not exist.
    const script = `import { CredentialStore } from ${JSON.stringify(path.join(ROOT, 'desktop/src/core/credential-store.ts'))};
      new CredentialStore('x').get('y').then(() => console.log('no error'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const line = res.stdout.trim().split('\n').pop()!;
    const err = JSON.parse(line) as { code: string; message: string };
    assert.equal(err.code, 'keychain_unavailable');
    assert.match(err.message, /Secret Service/);
  });
});

describe('downloader', () => {
  const file = randomBytes(3 * 1024 * 1024 + 123);
  const sha256 = createHash('sha256').update(file).digest('hex');
  let server: Server;
  let base: string;
  let dir: string;
  /** Range headers received, and whether the next full response is cut halfway. */
  const ranges: Array<string | undefined> = [];
  let cutNext = false;
  let body = file;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ngn-downloader-'));
    server = createServer((req, res) => {
      ranges.push(req.headers.range);
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      const slice = body.subarray(start);
      res.writeHead(start ? 206 : 200, {
        'content-length': slice.length,
        'accept-ranges': 'bytes',
        ...(start ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
      });
      if (cutNext) {
        cutNext = false;
        res.write(slice.subarray(0, Math.floor(slice.length / 2)), () => setTimeout(() => res.destroy(), 50));
      } else {
        res.end(slice);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const open = (verify?: () => Promise<void>) => Downloader.open({ stateDir: path.join(dir, 'state'), retries: 0, backoffMs: 10, progressIntervalMs: 10, verify });

  it('after a cut transfer and an app restart, resumes with only the missing bytes and verifies', async () => {
    ranges.length = 0;
    body = file;
    cutNext = true;
    const dest = path.join(dir, 'resume.bin');
    const first = await (await open()).start({ id: 'resume', url: `${base}/a`, dest, total: file.length, sha256 });
    assert.equal(first.status, 'failed');
    const partial = (await stat(`${dest}.part`)).size;
    assert.ok(partial > 0 && partial < file.length, `partial ${partial}`);

    const restarted = await open(); // a new process: state comes from disk
    assert.equal(restarted.get('resume')?.status, 'failed');
    const done = await restarted.resume('resume');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.deepEqual(ranges, [undefined, `bytes=${partial}-`]);
    assert.equal(createHash('sha256').update(await readFile(dest)).digest('hex'), sha256);
    assert.equal(existsSync(`${dest}.part`), false);
  });

  it('deletes a download whose bytes do not match the published SHA-256', async () => {
    body = randomBytes(file.length);
    const dest = path.join(dir, 'corrupt.bin');
    const state = await (await open()).start({ id: 'corrupt', url: `${base}/b`, dest, total: file.length, sha256 });
    assert.equal(state.status, 'failed');
    assert.equal(state.error?.code, 'checksum_mismatch');
    assert.equal(existsSync(dest), false);
    assert.equal(existsSync(`${dest}.part`), false);
  });

  it('deletes a download whose release signature does not verify, and never names it final', async () => {
    body = file;
    const dest = path.join(dir, 'unsigned.bin');
    const downloader = await open(async () => {
      throw new CompanionError('signature_invalid', 'The release signature does not match.');
    });
    const state = await downloader.start({ id: 'unsigned', url: `${base}/c`, dest, total: file.length, sha256 });
    assert.equal(state.status, 'failed');
    assert.equal(state.error?.code, 'signature_invalid');
    assert.equal(existsSync(dest), false);
    assert.equal(existsSync(`${dest}.part`), false);
  });
});
