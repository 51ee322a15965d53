/**
 * The companion core on its own: the real keychain (a private Secret Service,
 * see scripts/test.ts), and the downloader against a real HTTP server that
 * serves byte ranges, counts the body bytes it sends, and can cut a transfer
 * halfway or hold it after some bytes (plus a raw server that ignores a client's
 * half-close).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CredentialStore } from '../src/core/credential-store';
import { Downloader } from '../src/core/downloader';
import { CompanionError } from '../src/contract/errors';

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
  /** Range headers received, body bytes written, and whether the next response is cut halfway or held after some bytes. */
  const ranges: Array<string | undefined> = [];
  let sent = 0;
  let cutNext = false;
  let holdNextAfter: number | undefined;
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
        const half = slice.subarray(0, Math.floor(slice.length / 2));
        sent += half.length;
        res.write(half, () => setTimeout(() => res.destroy(), 50));
      } else if (holdNextAfter !== undefined) {
        // The rest never comes: the client has to stop this response itself.
        sent += holdNextAfter;
        res.write(slice.subarray(0, holdNextAfter));
        holdNextAfter = undefined;
      } else {
        sent += slice.length;
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
    sent = 0;
    body = file;
    cutNext = true;
    const dest = path.join(dir, 'resume.bin');
    const first = await (await open()).start({ id: 'resume', url: `${base}/a`, dest, total: file.length, sha256 });
    assert.equal(first.status, 'failed');
    const partial = (await stat(`${dest}.part`)).size;
    assert.equal(partial, Math.floor(file.length / 2), 'every byte that arrived before the cut is kept');
    assert.equal(first.bytes, partial);

    const restarted = await open(); // a new process: state comes from disk
    assert.equal(restarted.get('resume')?.status, 'failed');
    const done = await restarted.resume('resume');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.deepEqual(ranges, [undefined, `bytes=${partial}-`]);
    assert.equal(sent, file.length, 'no byte was sent twice');
    assert.equal(createHash('sha256').update(await readFile(dest)).digest('hex'), sha256);
    assert.equal(existsSync(`${dest}.part`), false);
  });

  it('a pause keeps every byte the server sent, even those still on their way: the resume asks for exactly the rest', async () => {
    ranges.length = 0;
    sent = 0;
    body = file;
    const held = 2 * 1024 * 1024 + 7;
    holdNextAfter = held;
    const dest = path.join(dir, 'paused.bin');
    // Every write is reported (interval 0): the pause comes at the first one, with most of the held bytes
    // still in socket buffers or in this process, not yet on disk.
    const downloader = await Downloader.open({ stateDir: path.join(dir, 'state'), retries: 0, progressIntervalMs: 0 });
    let pausedAt = 0;
    const off = downloader.events.on('progress', (s) => {
      if (s.id !== 'paused' || s.status !== 'downloading' || s.bytes === 0 || pausedAt) return;
      pausedAt = performance.now();
      void downloader.pause('paused');
    });
    const paused = await downloader.start({ id: 'paused', url: `${base}/d`, dest, total: file.length, sha256 });
    off();
    // The server was asked to end the response and did: the pause did not need its 1 s grace for stragglers.
    assert.ok(performance.now() - pausedAt < 1_000, `the pause took ${performance.now() - pausedAt} ms`);
    assert.equal(paused.status, 'paused');
    assert.equal(paused.bytes, held);
    assert.equal((await stat(`${dest}.part`)).size, held);

    const restarted = await open(); // a resume after a restart too: the hash comes from the disk
    assert.equal(restarted.get('paused')?.bytes, held);
    const done = await restarted.resume('paused');
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.resumed_from, held);
    assert.equal(done.transferred, file.length - held);
    assert.deepEqual(ranges, [undefined, `bytes=${held}-`]);
    assert.equal(sent, file.length, 'the server sent each byte once');
    assert.equal(createHash('sha256').update(await readFile(dest)).digest('hex'), sha256);
  });

  it('a pause against a server that ignores the request to end the response still stops, keeping what arrived', async () => {
    // A raw server that keeps its side open after the client's half-close and never sends more.
    const held = 1024 * 1024 + 3;
    const sockets = new Set<Socket>();
    const stubborn = createNetServer({ allowHalfOpen: true }, (socket) => {
      sockets.add(socket);
      socket.once('data', () => {
        socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${file.length}\r\n\r\n`);
        socket.write(file.subarray(0, held));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => stubborn.listen(0, '127.0.0.1', resolve));
    try {
      const downloader = await Downloader.open({ stateDir: path.join(dir, 'state'), retries: 0, progressIntervalMs: 0 });
      const off = downloader.events.on('progress', (s) => {
        if (s.id === 'stubborn' && s.status === 'downloading' && s.bytes >= held) void downloader.pause('stubborn');
      });
      const url = `http://127.0.0.1:${(stubborn.address() as AddressInfo).port}/e`;
      const dest = path.join(dir, 'stubborn.bin');
      const paused = await downloader.start({ id: 'stubborn', url, dest, total: file.length, sha256 });
      off();
      assert.equal(paused.status, 'paused');
      assert.equal(paused.bytes, held);
      assert.equal((await stat(`${dest}.part`)).size, held);
      await downloader.cancel('stubborn');
    } finally {
      // Half-open on this side for good: only destroying them lets the server close.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => stubborn.close(() => resolve()));
    }
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
