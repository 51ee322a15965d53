import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Downloader } from '../../../desktop/src/core/downloader';
import type { Benchmark } from '../benchmark';
import { startCountingProxy } from '../counting-proxy';
import { figure } from '../report';
import { registerUsers, seedLicenses } from '../seed';
import { signRelease } from '../../lib/release-keys';

const MIB = 1024 * 1024;
const SIZE = 256 * MIB;
const RUNS = 3;

/** A 256 MiB artifact of random bytes, written once per run into a temp folder. */
async function makeArtifact(file: string): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let written = 0; written < SIZE; written += MIB) {
    const chunk = randomBytes(MIB);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest('hex');
}

/** Seconds `download` takes to write the whole release to `dest`, checked by its size. */
async function timedDownload(client: string, dest: string, download: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await download();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if ((await stat(dest)).size !== SIZE) throw new Error(`${client} downloaded the wrong size`);
  return seconds;
}

function curl(url: string, dest: string): Promise<number> {
  return timedDownload('curl', dest, () => new Promise<void>((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--fail', '-o', dest, url], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}: ${err}`))));
  }));
}

/**
 * Node's own HTTP client piping the same link to a file, with no hash and no fsync:
 * the most any downloader built on it could reach, printed beside the figure.
 */
function nodeHttpPipe(url: string, dest: string): Promise<number> {
  return timedDownload('node http.get', dest, () => new Promise<void>((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`node http.get answered ${res.statusCode}`));
        pipeline(res, createWriteStream(dest)).then(resolve, reject);
      })
      .on('error', reject);
  }));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Benchmark 5: the companion's downloader (streamed SHA-256, resumable, fsync
 * before the final rename) fetching a 256 MiB release through the API's signed
 * link, against curl on the same link; printed beside them, Node's bare
 * http.get piped to a file, the ceiling of Node's HTTP client. Then the bytes
 * sent twice when a download is paused and resumed, and when its connection
 * is cut midway, counted by a proxy between the two.
 */
export const downloadBenchmark: Benchmark = {
  name: 'download',
  title: 'Download of a 256 MiB release: companion downloader (sha256) vs curl, and bytes re-sent on resume',
  requires: { routes: ['POST /admin/releases', 'GET /downloads/latest'], files: ['desktop/src/core/downloader.ts'] },
  async run(ctx) {
    const stack = await ctx.stack();
    const dir = await mkdtemp(path.join(tmpdir(), 'ngn-bench-download-'));
    try {
      const source = path.join(dir, 'artifact.bin');
      const sha256 = await makeArtifact(source);
      const [admin] = await registerUsers(stack.api.url, 1, 'admin', stack.db);
      const [user] = await registerUsers(stack.api.url, 1, 'user', stack.db);
      await seedLicenses(stack.db, { userIds: [user!.id], count: 1 });
      const version = `1.${Date.now() % 100_000}.0`;
      const form = new FormData();
      const signature = signRelease(stack.releaseKey, { sha256, product: 'mixing_mentor', version, platform: 'linux' });
      for (const [k, v] of Object.entries({ product: 'mixing_mentor', version, platform: 'linux', release_notes: 'Benchmark artifact', ...signature })) form.append(k, v);
      form.append('file', await openAsBlob(source), `MixingMentor-${version}-linux.bin`);
      const upload = await fetch(`${stack.api.url}/api/v1/admin/releases`, { method: 'POST', headers: { authorization: `Bearer ${admin!.token}` }, body: form });
      if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${await upload.text()}`);
      await rm(source);
      const latest = await fetch(`${stack.api.url}/api/v1/downloads/latest?platform=linux`, { headers: { authorization: `Bearer ${user!.token}` } });
      const info = (await latest.json()) as { download_url: string; checksum_sha256: string; file_size: number };
      if (latest.status !== 200 || info.checksum_sha256 !== sha256) throw new Error(`downloads/latest answered ${latest.status}: ${JSON.stringify(info)}`);

      const downloader = await Downloader.open({ stateDir: path.join(dir, 'state'), retries: 3, backoffMs: 200 });
      const companion = async (id: string, url: string): Promise<number> => {
        const dest = path.join(dir, `${id}.bin`);
        const started = process.hrtime.bigint();
        const state = await downloader.start({ id, url, dest, sha256, total: SIZE });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (state.status !== 'completed') throw new Error(`download ${id} ended ${state.status}: ${JSON.stringify(state.error)}`);
        await rm(dest);
        return seconds;
      };

      // Alternating runs, so both see the same page cache and machine load.
      const curlSeconds: number[] = [];
      const companionSeconds: number[] = [];
      const nodeSeconds: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        const dest = path.join(dir, `plain-${i}.bin`);
        curlSeconds.push(await curl(info.download_url, dest));
        await rm(dest);
        companionSeconds.push(await companion(`run-${i}`, info.download_url));
        nodeSeconds.push(await nodeHttpPipe(info.download_url, dest));
        await rm(dest);
      }
      ctx.note('seconds', { curl: curlSeconds, companion: companionSeconds, node_http_pipe: nodeSeconds });
      const mbps = (seconds: number) => SIZE / MIB / seconds;

      // Resume: pause at ~40%, resume; then a connection cut at ~40%, which the downloader retries by itself.
      const proxy = await startCountingProxy(stack.api.url);
      const u = new URL(info.download_url);
      const viaProxy = `${proxy.url}${u.pathname}${u.search}`;
      let resentAfterPause: number;
      let resentAfterCut: number;
      try {
        const stop = downloader.events.on('progress', (s) => {
          if (s.id === 'paused' && s.status === 'downloading' && s.bytes >= SIZE * 0.4) void downloader.pause('paused');
        });
        const paused = await downloader.start({ id: 'paused', url: viaProxy, dest: path.join(dir, 'paused.bin'), sha256, total: SIZE });
        stop();
        if (paused.status !== 'paused') throw new Error(`expected a pause, got ${paused.status}`);
        const resumed = await downloader.resume('paused');
        if (resumed.status !== 'completed') throw new Error(`resume ended ${resumed.status}`);
        resentAfterPause = proxy.bodyBytes() - SIZE;

        proxy.reset();
        proxy.cutNextAfter(Math.floor(SIZE * 0.4));
        const cut = await downloader.start({ id: 'cut', url: viaProxy, dest: path.join(dir, 'cut.bin'), sha256, total: SIZE });
        if (cut.status !== 'completed') throw new Error(`download after a cut ended ${cut.status}: ${JSON.stringify(cut.error)}`);
        resentAfterCut = proxy.bodyBytes() - SIZE;
      } finally {
        await proxy.close();
      }
      const speeds = (runs: number[]) => runs.map((s) => mbps(s).toFixed(0)).join('/');
      ctx.log(`curl ${speeds(curlSeconds)} MiB/s, companion ${speeds(companionSeconds)} MiB/s, Node's http.get piped to a file (no hash, no fsync) ${speeds(nodeSeconds)} MiB/s`);
      return [
        figure({ benchmark: 'download', name: 'MiB/s (sha256 verified)', unit: 'MiB/s', value: mbps(median(companionSeconds)), baseline: mbps(median(curlSeconds)), target: { kind: 'ratio_min', value: 0.8 } }),
        figure({ benchmark: 'download', name: 'bytes re-sent after pause+resume', unit: 'B', value: resentAfterPause, target: { kind: 'max', value: 0 } }),
        figure({ benchmark: 'download', name: 'bytes re-sent after a cut', unit: 'B', value: resentAfterCut, target: { kind: 'max', value: 0 } }),
      ];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
