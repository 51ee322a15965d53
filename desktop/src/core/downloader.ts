import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CompanionError, serializeError, type SerializedError } from '../contract/errors';
import type { DownloadState, DownloadStatus } from '../contract/models';
import { DownloadRecords, PersistedDownload } from './download-records';
import { TransferProgress } from './download-progress';
import { verifyDownload, type VerifyDownload } from './download-verification';
import { Emitter } from './emitter';
import { askToEnd, fetchRange } from './http-range';
import { fileSize, PartialFile } from './partial-file';

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
  verify?: VerifyDownload;
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

const PAUSED = Symbol('paused');
const CANCELLED = Symbol('cancelled');
/** How long a pause waits for the bytes already on their way before it closes the connection. */
const STOP_GRACE_MS = 1_000;
/** Errors a later attempt may not meet: the transfer goes on from what is on disk. */
const RETRYABLE = new Set(['offline', 'timeout']);

/**
 * Resumable, verified downloads: HTTP Range requests continue a partial file
 * after a pause, a network failure or an app restart (the state lives in a JSON
 * file next to the others). The SHA-256 is computed while bytes stream to disk
 * (after a restart or a pause, the bytes already on disk are hashed once first);
 * a pause or a broken connection first writes everything that already arrived,
 * so a resume asks only for bytes that never reached this process. A file whose
 * size, SHA-256 or signature does not match is deleted and the download reports why.
 */
export class Downloader {
  readonly events = new Emitter<{ progress: DownloadState }>();
  private readonly states = new Map<string, DownloadState>();
  private readonly persisted = new Map<string, PersistedDownload>();
  private readonly running = new Map<string, Running>();
  private readonly records: DownloadRecords;
  private readonly progressIntervalMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  private constructor(private readonly opts: DownloaderOptions) {
    this.records = new DownloadRecords(opts.stateDir);
    this.progressIntervalMs = opts.progressIntervalMs ?? 250;
    this.retries = opts.retries ?? 5;
    this.backoffMs = opts.backoffMs ?? 1_000;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Loads the downloads a previous run left; interrupted ones come back as paused. */
  static async open(opts: DownloaderOptions): Promise<Downloader> {
    const downloader = new Downloader(opts);
    for (const p of await downloader.records.loadAll()) {
      downloader.persisted.set(p.id, p);
      const bytes = p.status === 'completed' ? (p.total ?? (await fileSize(p.dest))) : await fileSize(partPath(p));
      downloader.states.set(p.id, idleState(p, bytes));
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

  /** Stops the transfer once what already arrived is on disk, and keeps the partial file for a later resume. */
  async pause(id: string): Promise<DownloadState> {
    const running = this.running.get(id);
    if (!running) return this.settled(id);
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
    await this.records.remove(id);
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

  private async save(p: PersistedDownload): Promise<void> {
    this.persisted.set(p.id, p);
    await this.records.save(p);
  }

  private publish(state: DownloadState): void {
    this.states.set(state.id, state);
    this.events.emit('progress', { ...state });
  }

  private launch(p: PersistedDownload, keepPartial: boolean): Promise<DownloadState> {
    // Known at once, so a caller can answer with the download's state before the first byte.
    const previous = this.states.get(p.id);
    this.states.set(p.id, { ...idleState(p, keepPartial ? (previous?.bytes ?? 0) : 0), status: 'queued', error: null });
    const controller = new AbortController();
    const done = this.run(p, keepPartial, controller.signal).finally(() => this.running.delete(p.id));
    this.running.set(p.id, { controller, done });
    return done;
  }

  private async run(p: PersistedDownload, keepPartial: boolean, signal: AbortSignal): Promise<DownloadState> {
    const state: DownloadState = { ...idleState(p, 0), status: 'downloading', error: null };
    try {
      const part = partPath(p);
      await mkdir(path.dirname(p.dest), { recursive: true });
      if (!keepPartial) await rm(part, { force: true });
      const file = await PartialFile.open(part);
      state.bytes = state.resumed_from = file.bytes;
      await this.save({ ...p, status: 'downloading', error: null });
      this.publish({ ...state });

      let renewed = false;
      let failures = 0;
      for (;;) {
        if (signal.aborted) return await this.stopped(p, file, state, signal.reason);
        let outcome: Awaited<ReturnType<Downloader['transfer']>>;
        try {
          outcome = await this.transfer(p, file, state, signal);
        } catch (err) {
          if (signal.aborted) continue;
          if (!(err instanceof CompanionError) || !RETRYABLE.has(err.code) || failures >= this.retries) throw err;
          failures += 1;
          // Everything that arrived before the failure is on disk: the next attempt starts after it.
          await delay(this.backoffMs * 2 ** (failures - 1), undefined, { signal }).catch(() => undefined);
          continue;
        }
        if (outcome === 'done') return await this.finish(p, file, state);
        if (outcome === 'restart') {
          // The server ignored the Range or the file changed under the same URL: start over.
          await file.reset();
        } else if (outcome === 'renew') {
          if (renewed || !this.opts.renewUrl) throw new CompanionError('download_failed', 'The download link was refused and could not be renewed.');
          p = { ...p, url: await this.opts.renewUrl({ id: p.id, url: p.url, meta: p.meta }) };
          await this.save(p);
          renewed = true;
        }
      }
    } catch (err) {
      return this.settle(p, state, 'failed', serializeError(err));
    }
  }

  /** After a pause the file is fsync'd before its state says paused; a cancel needs neither. */
  private async stopped(p: PersistedDownload, file: PartialFile, state: DownloadState, reason: unknown): Promise<DownloadState> {
    if (reason === CANCELLED) {
      return { ...state, status: 'failed', speed_bps: 0, eta_seconds: null, error: { code: 'cancelled', message: 'The download was cancelled.' } };
    }
    if (file.bytes > 0) await file.sync();
    return this.settle(p, { ...state, bytes: file.bytes }, 'paused', null);
  }

  private async settle(p: PersistedDownload, state: DownloadState, status: DownloadStatus, error: SerializedError | null): Promise<DownloadState> {
    const final: DownloadState = { ...state, status, speed_bps: 0, eta_seconds: null, error: error && { code: error.code, message: error.message } };
    if (this.persisted.has(p.id)) await this.save({ ...p, status, error: final.error, total: state.total });
    this.publish(final);
    return final;
  }

  private async finish(p: PersistedDownload, file: PartialFile, state: DownloadState): Promise<DownloadState> {
    // What gets the final name is what is on disk: if something else changed the file, hash that instead.
    if ((await fileSize(file.path)) !== file.bytes) file = await PartialFile.open(file.path);
    const size = file.bytes;
    this.publish({ ...state, status: 'verifying', bytes: size, speed_bps: 0, eta_seconds: 0 });
    const verdict = await verifyDownload(file, { total: p.total, sha256: p.sha256, dest: p.dest, meta: p.meta }, this.opts.verify);
    if (verdict.kind === 'undecided') return this.settle(p, { ...state, bytes: size }, 'failed', verdict.error);
    if (verdict.kind === 'rejected') {
      // A file that failed verification must never be run: it goes, and so does its state.
      await rm(file.path, { force: true });
      await this.records.remove(p.id);
      this.persisted.delete(p.id);
      return this.settle(p, { ...state, bytes: 0 }, 'failed', verdict);
    }
    await file.sync();
    await rename(file.path, p.dest);
    return this.settle({ ...p, total: size }, { ...state, bytes: size, total: size }, 'completed', null);
  }

  /**
   * One HTTP exchange from the end of the partial file to the end of the
   * download, or until it is stopped or the connection breaks.
   */
  private async transfer(p: PersistedDownload, file: PartialFile, state: DownloadState, signal: AbortSignal): Promise<'done' | 'stopped' | 'restart' | 'renew'> {
    const offset = file.bytes;
    state.bytes = offset;
    const answer = await fetchRange(p.url, offset, { signal, timeoutMs: this.timeoutMs, userAgent: this.opts.userAgent });
    if (answer.kind === 'restart' || answer.kind === 'renew') return answer.kind;
    // Nothing left to send: the partial file may already be whole (verification decides).
    if (answer.kind === 'nothing_left') return p.total === null || offset >= p.total ? 'done' : 'restart';
    const { body } = answer;
    try {
      if (answer.total !== null) state.total = answer.total;
      if (p.total !== null && state.total !== null && state.total !== p.total) {
        throw new CompanionError('size_mismatch', `The server offers ${state.total} bytes but the release has ${p.total}.`);
      }
      const progress = new TransferProgress(state, this.progressIntervalMs, (s) => this.publish(s));
      // A cancel deletes the file anyway: no need to wait for the bytes in flight.
      const onAbort = () => (signal.reason === CANCELLED ? body.destroy() : askToEnd(body));
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      try {
        const end = await file.receive(body, { stop: signal, graceMs: STOP_GRACE_MS, onWritten: (bytes) => progress.written(bytes) });
        progress.flush();
        return end === 'ended' ? 'done' : 'stopped';
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } finally {
      body.destroy();
    }
  }
}

function partPath(p: { dest: string }): string {
  return `${p.dest}.part`;
}

function notFound(id: string): CompanionError {
  return new CompanionError('download_not_found', `There is no download ${id}.`);
}

/** The state of a download that is not transferring. */
function idleState(p: PersistedDownload, bytes: number): DownloadState {
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
