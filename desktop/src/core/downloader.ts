import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { CompanionError, serializeError, type SerializedError } from '../shared/errors';
import type { DownloadState, DownloadStatus } from '../shared/models';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { Emitter } from './emitter';

/** What is persisted per download, so a restart can pick it up where it stopped. */
const PersistedDownload = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+$/),
  url: z.string(),
  dest: z.string(),
  total: z.number().int().min(0).nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  status: z.enum(['queued', 'downloading', 'paused', 'verifying', 'completed', 'failed']),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Opaque to the downloader: the caller's data for verification and URL renewal. */
  meta: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
type PersistedDownload = z.infer<typeof PersistedDownload>;

export interface DownloadRequest {
  /** Stable id made of safe characters, e.g. `mixing_mentor-1.2.0-linux-x64`. */
  id: string;
  url: string;
  /** Final file; the partial one is `<dest>.part` beside it. */
  dest: string;
  total?: number | null;
  /** Lowercase hex SHA-256 the finished file must have. */
  sha256: string;
  meta?: Record<string, unknown>;
}

export interface DownloaderOptions {
  /** Where the per-download state files live. */
  stateDir: string;
  /**
   * Runs after the size and SHA-256 matched and before the file gets its final name,
   * e.g. to check a release signature. Throwing a CompanionError rejects the file.
   */
  verify?: (download: { dest: string; partPath: string; sha256: string; total: number; meta: Record<string, unknown> }) => Promise<void>;
  /** Signed URLs expire: asked for a fresh one when the server refuses the old one. */
  renewUrl?: (download: { id: string; url: string; meta: Record<string, unknown> }) => Promise<string>;
  /** Least time between two progress events of one download. */
  progressIntervalMs?: number;
  /** Attempts after a network failure mid-transfer before the download fails. */
  retries?: number;
  backoffMs?: number;
  timeoutMs?: number;
  userAgent?: string;
}

interface Running {
  controller: AbortController;
  done: Promise<DownloadState>;
}

/** Rolling speed over the last few seconds, so one slow moment does not swing the ETA. */
class SpeedMeter {
  private samples: Array<{ at: number; total: number }> = [];

  /** Records the cumulative byte count (called at progress time, not per chunk). */
  sample(total: number, at = Date.now()): void {
    this.samples.push({ at, total });
    while (this.samples.length > 2 && at - this.samples[0]!.at > 3_000) this.samples.shift();
  }

  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at === first.at) return 0;
    return Math.round(((last.total - first.total) * 1000) / (last.at - first.at));
  }
}

const PAUSED = Symbol('paused');
const CANCELLED = Symbol('cancelled');

/**
 * Resumable, verified downloads: HTTP Range requests continue a partial file
 * after a pause, a network failure or an app restart (the state lives in a JSON
 * file next to the others). The SHA-256 is computed while bytes stream to disk
 * (after a restart, the bytes already on disk are hashed once first); nothing is
 * buffered whole and nothing blocks the event loop per chunk. A file whose size,
 * SHA-256 or signature does not match is deleted and the download reports why.
 */
export class Downloader {
  readonly events = new Emitter<{ progress: DownloadState }>();
  private readonly states = new Map<string, DownloadState>();
  private readonly persisted = new Map<string, PersistedDownload>();
  private readonly running = new Map<string, Running>();
  private readonly progressIntervalMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  private constructor(private readonly opts: DownloaderOptions) {
    this.progressIntervalMs = opts.progressIntervalMs ?? 250;
    this.retries = opts.retries ?? 5;
    this.backoffMs = opts.backoffMs ?? 1_000;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Loads the downloads a previous run left; interrupted ones come back as paused. */
  static async open(opts: DownloaderOptions): Promise<Downloader> {
    const downloader = new Downloader(opts);
    await mkdir(opts.stateDir, { recursive: true });
    for (const name of await readdir(opts.stateDir)) {
      if (!name.endsWith('.json')) continue;
      const parsed = PersistedDownload.safeParse(await readJsonFile(path.join(opts.stateDir, name)));
      if (!parsed.success) continue;
      const p = parsed.data;
      if (p.status === 'downloading' || p.status === 'verifying' || p.status === 'queued') p.status = 'paused';
      downloader.persisted.set(p.id, p);
      downloader.states.set(p.id, await downloader.snapshot(p));
    }
    return downloader;
  }

  list(): DownloadState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  get(id: string): DownloadState | undefined {
    const s = this.states.get(id);
    return s && { ...s };
  }

  /**
   * Starts (or, for a known id, resumes) a download and resolves when it stops:
   * completed, failed, paused or cancelled. Progress arrives as events.
   */
  start(request: DownloadRequest): Promise<DownloadState> {
    const existing = this.persisted.get(request.id);
    if (existing && existing.status === 'completed' && existing.sha256 === request.sha256.toLowerCase()) {
      return Promise.resolve(this.get(request.id)!);
    }
    const running = this.running.get(request.id);
    if (running) return running.done;
    const keepPartial = existing?.sha256 === request.sha256.toLowerCase() && existing.dest === request.dest;
    const p: PersistedDownload = PersistedDownload.parse({
      id: request.id,
      url: request.url,
      dest: request.dest,
      total: request.total ?? null,
      sha256: request.sha256.toLowerCase(),
      status: 'queued',
      error: null,
      meta: request.meta ?? {},
      created_at: existing?.created_at ?? new Date().toISOString(),
    });
    return this.launch(p, keepPartial);
  }

  /** Continues a paused or failed download with what it already has on disk. */
  resume(id: string): Promise<DownloadState> {
    const running = this.running.get(id);
    if (running) return running.done;
    const p = this.persisted.get(id);
    if (!p) return Promise.reject(notFound(id));
    if (p.status === 'completed') return Promise.resolve(this.get(id)!);
    return this.launch({ ...p, status: 'queued', error: null }, true);
  }

  /** Stops the transfer and keeps the partial file for a later resume. */
  async pause(id: string): Promise<DownloadState> {
    const running = this.running.get(id);
    if (!running) {
      const state = this.get(id);
      if (!state) throw notFound(id);
      return state;
    }
    running.controller.abort(PAUSED);
    return running.done;
  }

  /** Stops the transfer and removes the partial file, the finished file it made and its state. */
  async cancel(id: string): Promise<void> {
    const running = this.running.get(id);
    if (running) {
      running.controller.abort(CANCELLED);
      await running.done.catch(() => undefined);
    }
    const p = this.persisted.get(id);
    if (!p) throw notFound(id);
    await rm(partPath(p), { force: true });
    if (p.status === 'completed') await rm(p.dest, { force: true });
    await rm(this.statePath(id), { force: true });
    this.persisted.delete(id);
    this.states.delete(id);
  }

  /** Resolves when the download stops running (at once if it is not running). */
  async settled(id: string): Promise<DownloadState> {
    const running = this.running.get(id);
    if (running) return running.done;
    const state = this.get(id);
    if (!state) throw notFound(id);
    return state;
  }

  /** The SHA-256 a finished file was verified against. */
  persistedSha256(id: string): string {
    const p = this.persisted.get(id);
    if (!p) throw notFound(id);
    return p.sha256;
  }

  /** Pauses every running transfer (app quit): each keeps its partial file. */
  async pauseAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.pause(id).catch(() => undefined)));
  }

  private statePath(id: string): string {
    return path.join(this.opts.stateDir, `${id}.json`);
  }

  private async save(p: PersistedDownload): Promise<void> {
    this.persisted.set(p.id, p);
    await writeFileAtomic(this.statePath(p.id), JSON.stringify(p, null, 2), { mode: 0o600 });
  }

  private async snapshot(p: PersistedDownload): Promise<DownloadState> {
    const bytes = p.status === 'completed' ? (p.total ?? (await fileSize(p.dest))) : await fileSize(partPath(p));
    return {
      id: p.id,
      status: p.status,
      bytes,
      total: p.total,
      speed_bps: 0,
      eta_seconds: null,
      transferred: 0,
      resumed_from: 0,
      path: p.dest,
      error: p.error,
      meta: p.meta,
    };
  }

  private publish(state: DownloadState): void {
    this.states.set(state.id, state);
    this.events.emit('progress', { ...state });
  }

  private launch(p: PersistedDownload, keepPartial: boolean): Promise<DownloadState> {
    // Known at once, so a caller can answer with the download's state before the first byte.
    const previous = this.states.get(p.id);
    this.states.set(p.id, {
      id: p.id,
      status: 'queued',
      bytes: keepPartial ? (previous?.bytes ?? 0) : 0,
      total: p.total,
      speed_bps: 0,
      eta_seconds: null,
      transferred: 0,
      resumed_from: 0,
      path: p.dest,
      error: null,
      meta: p.meta,
    });
    const controller = new AbortController();
    const done = this.run(p, keepPartial, controller.signal).finally(() => this.running.delete(p.id));
    this.running.set(p.id, { controller, done });
    return done;
  }

  private async run(p: PersistedDownload, keepPartial: boolean, signal: AbortSignal): Promise<DownloadState> {
    const part = partPath(p);
    await mkdir(path.dirname(p.dest), { recursive: true });
    if (!keepPartial) await rm(part, { force: true });
    const resumedFrom = await fileSize(part);
    const state: DownloadState = { ...(await this.snapshot(p)), status: 'downloading', resumed_from: resumedFrom, error: null };
    await this.save({ ...p, status: 'downloading', error: null });
    this.publish(state);

    let hashed: { hash: Hash; bytes: number } | null = null;
    let renewed = false;
    let failures = 0;
    try {
      for (;;) {
        const onDisk = await fileSize(part);
        // The bytes already on disk are hashed once; after a clean stop the running hash is kept.
        if (!hashed || hashed.bytes !== onDisk) hashed = await hashPrefix(part, onDisk);
        state.bytes = onDisk;
        try {
          const outcome = await this.transfer(p, part, hashed, state, signal);
          if (outcome === 'restart') {
            // The server ignored the Range or the file changed under the same URL: start over.
            await truncate(part, 0);
            hashed = null;
            continue;
          }
          if (outcome === 'renew') {
            if (renewed || !this.opts.renewUrl) throw new CompanionError('download_failed', 'The download link was refused and could not be renewed.');
            p = { ...p, url: await this.opts.renewUrl({ id: p.id, url: p.url, meta: p.meta }) };
            await this.save(p);
            renewed = true;
            continue;
          }
          break;
        } catch (err) {
          if (signal.aborted) throw err;
          if (!(err instanceof CompanionError) || !['offline', 'timeout'].includes(err.code) || failures >= this.retries) throw err;
          failures += 1;
          hashed = null; // the write stream may have dropped buffered bytes: hash what is really on disk
          await sleep(this.backoffMs * 2 ** (failures - 1), signal);
        }
      }
      return await this.finish(p, part, hashed, state);
    } catch (err) {
      if (signal.aborted && signal.reason === PAUSED) {
        state.bytes = await fileSize(part);
        return this.settle(p, state, 'paused', null);
      }
      if (signal.aborted && signal.reason === CANCELLED) {
        return { ...state, status: 'failed', error: { code: 'cancelled', message: 'The download was cancelled.' } };
      }
      const error = serializeError(err);
      return this.settle(p, state, 'failed', error);
    }
  }

  private async settle(p: PersistedDownload, state: DownloadState, status: DownloadStatus, error: SerializedError | null): Promise<DownloadState> {
    const final: DownloadState = { ...state, status, speed_bps: 0, eta_seconds: null, error: error && { code: error.code, message: error.message } };
    if (this.persisted.has(p.id)) await this.save({ ...p, status, error: final.error, total: state.total });
    this.publish(final);
    return final;
  }

  private async finish(p: PersistedDownload, part: string, hashed: { hash: Hash; bytes: number }, state: DownloadState): Promise<DownloadState> {
    const size = await fileSize(part);
    this.publish({ ...state, status: 'verifying', bytes: size, speed_bps: 0, eta_seconds: 0 });
    const reject = async (code: string, message: string) => {
      // A file that failed verification must never be run: it goes, and so does its state.
      await rm(part, { force: true });
      await rm(this.statePath(p.id), { force: true });
      this.persisted.delete(p.id);
      return this.settle(p, { ...state, bytes: 0 }, 'failed', { code, message });
    };
    if (p.total !== null && size !== p.total) return reject('size_mismatch', `The download has ${size} bytes instead of ${p.total}; it was deleted.`);
    const digest = (hashed.bytes === size ? hashed.hash : (await hashPrefix(part, size)).hash).digest('hex');
    if (digest !== p.sha256) return reject('checksum_mismatch', 'The downloaded file does not match its published SHA-256; it was deleted.');
    try {
      await this.opts.verify?.({ dest: p.dest, partPath: part, sha256: digest, total: size, meta: p.meta });
    } catch (err) {
      const e = serializeError(err);
      // Keys that could not be fetched say nothing about the file: keep it and let a resume verify again.
      if (e.code === 'offline' || e.code === 'timeout') return this.settle(p, { ...state, bytes: size }, 'failed', e);
      return reject(e.code === 'internal_error' ? 'signature_invalid' : e.code, e.message);
    }
    await syncFile(part);
    await rename(part, p.dest);
    return this.settle({ ...p, total: size }, { ...state, bytes: size, total: size }, 'completed', null);
  }

  /**
   * One HTTP exchange from the current offset to the end (or an interruption).
   * Redirects are followed; the Range is re-sent to the redirect target.
   */
  private async transfer(
    p: PersistedDownload,
    part: string,
    hashed: { hash: Hash; bytes: number },
    state: DownloadState,
    signal: AbortSignal,
  ): Promise<'done' | 'restart' | 'renew'> {
    const offset = hashed.bytes;
    const res = await this.httpGet(p.url, offset, signal);
    const status = res.statusCode ?? 0;
    if (status === 401 || status === 403 || status === 404 || status === 410) {
      res.resume();
      return 'renew';
    }
    if (status === 416) {
      res.resume();
      // Nothing left to send: the partial file may already be whole (the size check decides).
      if (offset > 0 && (p.total === null || offset >= p.total)) return 'done';
      return 'restart';
    }
    if (status === 200 && offset > 0) {
      res.resume();
      return 'restart';
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw new CompanionError(status >= 500 ? 'offline' : 'download_failed', `The download server answered ${status}.`, { status });
    }
    if (status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
      if (!range || Number(range[1]) !== offset) {
        res.resume();
        return 'restart';
      }
      if (range[3] !== '*') state.total = Number(range[3]);
    } else {
      const length = Number(res.headers['content-length']);
      if (Number.isFinite(length) && length > 0) state.total = length;
    }
    if (p.total !== null && state.total !== null && state.total !== p.total) {
      res.resume();
      throw new CompanionError('size_mismatch', `The server offers ${state.total} bytes but the release has ${p.total}.`);
    }

    const meter = new SpeedMeter();
    meter.sample(state.transferred);
    let lastEmit = Date.now();
    const emit = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastEmit < this.progressIntervalMs) return;
      lastEmit = now;
      meter.sample(state.transferred, now);
      const speed = meter.bytesPerSecond();
      state.speed_bps = speed;
      state.eta_seconds = state.total !== null && speed > 0 ? Math.max(0, Math.ceil((state.total - state.bytes) / speed)) : null;
      this.publish({ ...state });
    };
    const hash = hashed.hash;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        hash.update(chunk);
        hashed.bytes += chunk.length;
        state.bytes += chunk.length;
        state.transferred += chunk.length;
        emit(false);
        callback(null, chunk);
      },
    });
    const out = createWriteStream(part, { flags: 'a', highWaterMark: 1 << 20 });
    try {
      await pipeline(res, tap, out, { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new CompanionError('offline', 'The download was interrupted.', { cause: err });
    }
    emit(true);
    return 'done';
  }

  private httpGet(url: string, offset: number, signal: AbortSignal, redirects = 0): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
      if (!client) return reject(new CompanionError('download_failed', `Unsupported download URL scheme ${target.protocol}`));
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      if (this.opts.userAgent) headers['user-agent'] = this.opts.userAgent;
      const req = client.get(target, { headers, signal, timeout: this.timeoutMs }, (res) => {
        const status = res.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
          res.resume();
          if (redirects >= 5) return reject(new CompanionError('download_failed', 'Too many redirects.'));
          const next = new URL(res.headers.location, target).toString();
          return resolve(this.httpGet(next, offset, signal, redirects + 1));
        }
        // The idle timeout also covers a transfer that stalls midway.
        res.setTimeout?.(this.timeoutMs, () => res.destroy(new Error('stalled')));
        resolve(res);
      });
      req.on('timeout', () => req.destroy(new CompanionError('timeout', 'The download server did not answer in time.')));
      req.on('error', (err) => {
        if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : err);
        reject(err instanceof CompanionError ? err : new CompanionError('offline', 'The download server cannot be reached.', { cause: err }));
      });
    });
  }
}

function partPath(p: { dest: string }): string {
  return `${p.dest}.part`;
}

function notFound(id: string): CompanionError {
  return new CompanionError('download_not_found', `There is no download ${id}.`);
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** SHA-256 of the first `bytes` bytes of a file, streamed. */
async function hashPrefix(file: string, bytes: number): Promise<{ hash: Hash; bytes: number }> {
  const hash = createHash('sha256');
  if (bytes > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  }
  return { hash, bytes };
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
