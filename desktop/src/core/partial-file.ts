import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CompanionError } from '../contract/errors';

/** Bytes waiting for the disk before the response is paused (the disk is the slower side). */
const QUEUE_LIMIT = 4 << 20;
/**
 * Written bytes after which the disk is asked to flush them in the background
 * while the transfer goes on, so the one fsync before the rename finds little
 * left to write instead of the whole file.
 */
const FLUSH_EVERY = 32 << 20;

/**
 * A download's `.part` file together with the SHA-256 of exactly the bytes it
 * holds. Chunks are hashed as they arrive and appended in batches (one
 * `writev` per batch, while the next batch gathers), so hashing and disk writes
 * overlap and no stream stage sits between the socket and the disk.
 *
 * Stopping is graceful: the response is read until the server has ended it
 * (or a grace period passed), what reached this process is written, and only
 * then does `receive` settle, so nothing that arrived has to travel again. The
 * same holds when the connection breaks.
 */
export class PartialFile {
  private constructor(
    readonly path: string,
    private hash: Hash,
    private size: number,
  ) {}

  /** The file as it is on disk (missing = empty), hashed once: after a restart or a pause the disk is the truth. */
  static async open(file: string): Promise<PartialFile> {
    const size = await fileSize(file);
    const hash = createHash('sha256');
    if (size > 0) {
      for await (const chunk of createReadStream(file, { start: 0, end: size - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    }
    return new PartialFile(file, hash, size);
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.size;
  }

  /** Empties the file, to start the download over. */
  async reset(): Promise<void> {
    await truncate(this.path, 0).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.hash = createHash('sha256');
    this.size = 0;
  }

  /** Hex SHA-256 of the bytes on disk; the running hash stays usable. */
  sha256(): string {
    return this.hash.copy().digest('hex');
  }

  /** fsync: a paused or finished file must survive a power cut as it was reported. */
  async sync(): Promise<void> {
    const handle = await open(this.path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /**
   * Appends `body` to the file. Resolves `ended` once the whole body is on disk.
   * After `stop` fires the body is still read until it ends or breaks (the caller
   * asks the server to end it), at most `graceMs`, then `stopped` resolves once
   * everything that reached this process is on disk. A broken connection rejects
   * with `offline`, after what arrived was written. `onWritten` hears of each
   * batch that reached the disk. The caller closes `body`. A disk error rejects
   * with `download_failed` and leaves this object out of step with the file:
   * open the file again before going on.
   */
  receive(body: Readable, opts: { stop: AbortSignal; graceMs: number; onWritten: (bytes: number) => void }): Promise<'ended' | 'stopped'> {
    const { stop, onWritten } = opts;
    return new Promise((resolve, reject) => {
      const handle = open(this.path, 'a');
      let queue: Buffer[] = [];
      let queued = 0;
      let writing = false;
      let outcome: { kind: 'ended' | 'stopped' } | { kind: 'broken'; cause: unknown } | undefined;
      let diskError: unknown;
      let stopping = false;
      let grace: NodeJS.Timeout | undefined;
      let unflushed = 0;
      let flushing: Promise<void> | undefined;

      const onData = (chunk: Buffer) => {
        this.hash.update(chunk);
        queue.push(chunk);
        queued += chunk.length;
        if (queued >= QUEUE_LIMIT) body.pause();
        if (!writing) void drain();
      };
      const settleWith = (next: NonNullable<typeof outcome>) => {
        if (outcome) return;
        outcome = next;
        body.off('data', onData);
        if (!writing) void drain();
      };
      const onStop = () => {
        stopping = true;
        grace = setTimeout(stopNow, opts.graceMs);
      };
      const stopNow = () => {
        body.pause();
        // What the response already buffered in this process has arrived: `read` hands it to onData.
        while (body.read() !== null);
        settleWith({ kind: 'stopped' });
      };
      // Once stopping, however the body ends is the stop the caller asked for.
      const onEnd = () => settleWith({ kind: stopping ? 'stopped' : 'ended' });
      const onError = (cause: unknown) => settleWith(stopping ? { kind: 'stopped' } : { kind: 'broken', cause });
      const onClose = () => settleWith(stopping ? { kind: 'stopped' } : { kind: 'broken', cause: new Error('The connection closed before the end of the body.') });

      const drain = async () => {
        writing = true;
        try {
          const file = await handle;
          while (queue.length > 0) {
            const batch = queue;
            const bytes = queued;
            queue = [];
            queued = 0;
            if (!outcome && body.isPaused()) body.resume();
            await file.writev(batch);
            this.size += bytes;
            onWritten(bytes);
            unflushed += bytes;
            if (unflushed >= FLUSH_EVERY && !flushing) {
              unflushed = 0;
              // A failed early flush changes nothing: the fsync before the rename still decides.
              flushing = file.datasync().catch(() => undefined).finally(() => (flushing = undefined));
            }
          }
        } catch (err) {
          diskError = new CompanionError('download_failed', `The download could not be written to disk (${(err as NodeJS.ErrnoException).code ?? 'error'}).`, { cause: err });
          settleWith({ kind: 'broken', cause: err });
        }
        writing = false;
        if (outcome) void finish(outcome);
      };
      const finish = async (result: NonNullable<typeof outcome>) => {
        stop.removeEventListener('abort', onStop);
        clearTimeout(grace);
        body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
        // A stream that errors after this point has nobody listening: keep it from crashing the process.
        body.on('error', () => undefined);
        try {
          await flushing;
          await (await handle).close();
        } catch (err) {
          diskError ??= new CompanionError('download_failed', 'The download could not be written to disk.', { cause: err });
        }
        if (diskError) return reject(diskError);
        if (result.kind === 'broken') return reject(new CompanionError('offline', 'The download was interrupted.', { cause: result.cause }));
        resolve(result.kind);
      };

      body.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
      if (stop.aborted) onStop();
      else stop.addEventListener('abort', onStop, { once: true });
    });
  }
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
