import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CompanionError } from '../contract/errors';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { SerialQueue } from './serial';

/** What is stored and sent: the caller's fields plus a client-made id the server dedupes on. */
export type QueuedEvent = Record<string, unknown> & { event_id: string; occurred_at: string };

export interface SendResult {
  accepted: number;
  duplicates: number;
}

export interface TelemetryQueueOptions {
  dir: string;
  /** Delivers one batch; throws a CompanionError when it could not. */
  send: (events: QueuedEvent[]) => Promise<SendResult>;
  /** Read before every track and flush: the user's opt-in. */
  enabled: () => boolean;
  /** Oldest events are dropped (and counted) beyond this many pending. */
  maxEvents?: number;
  batchSize?: number;
  /** Largest accepted event, serialized. */
  maxEventBytes?: number;
  backoff?: { initialMs: number; maxMs: number };
  onError?: (err: unknown) => void;
}

export interface TelemetryStats {
  pending: number;
  dropped: number;
  sent: number;
  /** When the next automatic attempt may run, after failures. */
  next_attempt_at: string | null;
}

const Cursor = z.object({
  segment: z.number().int().min(0),
  offset: z.number().int().min(0),
  dropped: z.number().int().min(0),
});
type Cursor = z.infer<typeof Cursor>;

/** Beyond this many consumed bytes at the head of a segment, the rest is copied into a new one. */
const COMPACT_AFTER_BYTES = 256 * 1024;

/**
 * Telemetry that survives crashes without loss or duplicates.
 *
 * Events are appended as JSON lines to the current segment file and fsync'd
 * before `track` resolves (appends arriving together share one fsync). A small
 * cursor file, replaced atomically, says which segment is current, how many of
 * its bytes the server already has, and how many events were dropped. A batch
 * is acknowledged (the cursor moved) only after the server answered; if the
 * process dies in between, the same events go again with the same `event_id`s
 * and the server counts them as duplicates instead of storing them twice.
 * Compaction writes the unsent tail to a new segment and only then points the
 * cursor at it, so a crash at any step leaves one consistent segment.
 */
export class TelemetryQueue {
  private readonly serial = new SerialQueue();
  private cursor: Cursor = { segment: 0, offset: 0, dropped: 0 };
  /** Byte length (with newline) of each pending event, oldest first. */
  private pendingLengths: number[] = [];
  /** Events consumed (acked or dropped) since open: lets an ack after a concurrent drop advance correctly. */
  private consumed = 0;
  private handle: FileHandle | null = null;
  private appendBuffer: Array<{ line: string; resolve: () => void; reject: (err: unknown) => void }> = [];
  private appendScheduled = false;
  private sentCount = 0;
  private failures = 0;
  private nextAttemptAt = 0;
  private lastAttemptAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<number> | null = null;
  private readonly maxEvents: number;
  private readonly batchSize: number;
  private readonly maxEventBytes: number;
  private readonly backoff: { initialMs: number; maxMs: number };

  private constructor(private readonly opts: TelemetryQueueOptions) {
    this.maxEvents = opts.maxEvents ?? 5_000;
    this.batchSize = opts.batchSize ?? 100;
    this.maxEventBytes = opts.maxEventBytes ?? 32 * 1024;
    this.backoff = opts.backoff ?? { initialMs: 2_000, maxMs: 15 * 60_000 };
  }

  static async open(opts: TelemetryQueueOptions): Promise<TelemetryQueue> {
    const queue = new TelemetryQueue(opts);
    await queue.serial.run(() => queue.load());
    return queue;
  }

  private segmentPath(segment: number): string {
    return path.join(this.opts.dir, `queue-${segment}.jsonl`);
  }

  private get cursorPath(): string {
    return path.join(this.opts.dir, 'cursor.json');
  }

  private async load(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true });
    const stored = Cursor.safeParse(await readJsonFile(this.cursorPath));
    if (stored.success) this.cursor = stored.data;
    // Segments other than the current one are leftovers of an interrupted compaction or already sent.
    for (const name of await readdir(this.opts.dir)) {
      const m = /^queue-(\d+)\.jsonl$/.exec(name);
      if (m && Number(m[1]) !== this.cursor.segment) await rm(path.join(this.opts.dir, name), { force: true });
    }
    this.handle = await open(this.segmentPath(this.cursor.segment), 'a+', 0o600);
    const { size } = await this.handle.stat();
    if (this.cursor.offset > size) this.cursor.offset = size;
    const tail = Buffer.alloc(size - this.cursor.offset);
    if (tail.length) await this.handle.read(tail, 0, tail.length, this.cursor.offset);
    // A crash during an append can leave a last line without its newline: it was never acknowledged
    // to the caller, so it is cut off rather than sent half-written.
    const lastNewline = tail.lastIndexOf(0x0a);
    const complete = lastNewline + 1;
    if (complete < tail.length) {
      await this.handle.truncate(this.cursor.offset + complete);
      await this.handle.sync();
    }
    let start = 0;
    while (start < complete) {
      const end = tail.indexOf(0x0a, start) + 1;
      this.pendingLengths.push(end - start);
      start = end;
    }
    await this.enforceBound();
  }

  stats(): TelemetryStats {
    return {
      pending: this.pendingLengths.length,
      dropped: this.cursor.dropped,
      sent: this.sentCount,
      next_attempt_at: this.nextAttemptAt > Date.now() ? new Date(this.nextAttemptAt).toISOString() : null,
    };
  }

  /**
   * Queues one event and resolves when it is on disk. It gets its `event_id`
   * here, once, unless it comes with one (a plugin's spooled event keeps the id
   * it was recorded with, so reading the spool twice still counts once).
   * Does nothing while telemetry is off.
   */
  async track(fields: Record<string, unknown>, made?: { event_id: string; occurred_at: string }): Promise<QueuedEvent | null> {
    if (!this.opts.enabled()) return null;
    const event: QueuedEvent = { ...fields, event_id: made?.event_id ?? randomUUID(), occurred_at: made?.occurred_at ?? new Date().toISOString() };
    const line = `${JSON.stringify(event)}\n`;
    if (Buffer.byteLength(line) > this.maxEventBytes) {
      throw new CompanionError('invalid_request', `A telemetry event may not exceed ${this.maxEventBytes} bytes.`);
    }
    await new Promise<void>((resolve, reject) => {
      this.appendBuffer.push({ line, resolve, reject });
      if (!this.appendScheduled) {
        this.appendScheduled = true;
        void this.serial.run(() => this.drainAppends());
      }
    });
    return event;
  }

  /** Writes every buffered line with one write and one fsync (group commit). */
  private async drainAppends(): Promise<void> {
    this.appendScheduled = false;
    const batch = this.appendBuffer;
    this.appendBuffer = [];
    if (!batch.length) return;
    try {
      const handle = this.requireHandle();
      const data = Buffer.from(batch.map((b) => b.line).join(''));
      await handle.write(data, 0, data.length, null);
      await handle.datasync();
      for (const b of batch) this.pendingLengths.push(Buffer.byteLength(b.line));
      await this.enforceBound();
      for (const b of batch) b.resolve();
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  /** Drops the oldest pending events beyond the bound, counting them. */
  private async enforceBound(): Promise<void> {
    const excess = this.pendingLengths.length - this.maxEvents;
    if (excess <= 0) return;
    await this.advance(excess, true);
  }

  /** Moves the cursor past the `count` oldest pending events and persists it. */
  private async advance(count: number, dropped: boolean): Promise<void> {
    const removed = this.pendingLengths.splice(0, count);
    const bytes = removed.reduce((a, b) => a + b, 0);
    const next: Cursor = {
      ...this.cursor,
      offset: this.cursor.offset + bytes,
      dropped: this.cursor.dropped + (dropped ? removed.length : 0),
    };
    await writeFileAtomic(this.cursorPath, JSON.stringify(next), { mode: 0o600 });
    this.cursor = next;
    this.consumed += removed.length;
    if (this.cursor.offset >= COMPACT_AFTER_BYTES) await this.compact();
  }

  private async compact(): Promise<void> {
    const handle = this.requireHandle();
    const { size } = await handle.stat();
    const tail = Buffer.alloc(size - this.cursor.offset);
    if (tail.length) await handle.read(tail, 0, tail.length, this.cursor.offset);
    const segment = this.cursor.segment + 1;
    const file = this.segmentPath(segment);
    try {
      const fresh = await open(file, 'w', 0o600);
      try {
        await fresh.write(tail, 0, tail.length, 0);
        await fresh.sync();
      } finally {
        await fresh.close();
      }
      const next: Cursor = { segment, offset: 0, dropped: this.cursor.dropped };
      await writeFileAtomic(this.cursorPath, JSON.stringify(next), { mode: 0o600 });
      this.cursor = next;
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    await handle.close();
    // Appends always go to the end of the new segment.
    this.handle = await open(file, 'a+', 0o600);
    await rm(this.segmentPath(segment - 1), { force: true });
  }

  private requireHandle(): FileHandle {
    if (!this.handle) throw new CompanionError('internal_error', 'The telemetry queue is closed.');
    return this.handle;
  }

  /** The oldest pending events, at most one batch, as stored. */
  private async readBatch(): Promise<{ events: QueuedEvent[]; count: number; startConsumed: number }> {
    const count = Math.min(this.batchSize, this.pendingLengths.length);
    const bytes = this.pendingLengths.slice(0, count).reduce((a, b) => a + b, 0);
    const buf = Buffer.alloc(bytes);
    if (bytes) await this.requireHandle().read(buf, 0, bytes, this.cursor.offset);
    const events: QueuedEvent[] = [];
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as QueuedEvent);
      } catch {
        // A damaged line cannot be sent; it is acknowledged with its batch and so dropped.
      }
    }
    return { events, count, startConsumed: this.consumed };
  }

  /**
   * Sends pending events batch by batch until the queue is empty or a send fails.
   * Resolves with the number of events the server acknowledged in this call.
   */
  flush(): Promise<number> {
    this.flushing ??= this.doFlush().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async doFlush(): Promise<number> {
    this.lastAttemptAt = Date.now();
    let acknowledged = 0;
    while (this.opts.enabled()) {
      const batch = await this.serial.run(() => this.readBatch());
      if (!batch.count) break;
      let poisoned = false;
      try {
        if (batch.events.length) await this.opts.send(batch.events);
      } catch (err) {
        // The API refused the batch itself: sending it again would fail forever and block the queue.
        poisoned = err instanceof CompanionError && (err.status === 400 || err.status === 413 || err.status === 422);
        if (!poisoned) {
          this.failures += 1;
          const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (this.failures - 1));
          this.nextAttemptAt = Date.now() + delay / 2 + Math.random() * (delay / 2);
          this.opts.onError?.(err);
          break;
        }
        this.opts.onError?.(err);
      }
      await this.serial.run(async () => {
        // Events dropped for the bound while the batch was in flight are already past the cursor.
        const remaining = batch.startConsumed + batch.count - this.consumed;
        if (remaining > 0) await this.advance(remaining, poisoned);
      });
      if (!poisoned) {
        this.sentCount += batch.events.length;
        acknowledged += batch.events.length;
      }
      this.failures = 0;
      this.nextAttemptAt = 0;
    }
    return acknowledged;
  }

  /** Flushes now and then every `intervalMs` while events are pending, waiting out the backoff after failures. */
  start(intervalMs = 60_000): void {
    if (this.timer) return;
    const tick = () => {
      const now = Date.now();
      if (!this.pendingLengths.length || now < this.nextAttemptAt) return;
      if (this.failures === 0 && now - this.lastAttemptAt < intervalMs) return;
      void this.flush().catch((err) => this.opts.onError?.(err));
    };
    this.timer = setInterval(tick, Math.min(intervalMs, 5_000));
    this.timer.unref();
    this.lastAttemptAt = 0;
    tick();
  }

  /** Forgets every pending event (the user turned telemetry off). */
  async clear(): Promise<void> {
    await this.serial.run(async () => {
      const count = this.pendingLengths.length;
      if (!count) return;
      await this.advance(count, false);
    });
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushing?.catch(() => undefined);
    await this.serial.run(async () => {
      await this.handle?.close();
      this.handle = null;
    });
  }

  /** Bytes on disk, for tests and diagnostics. */
  async diskSize(): Promise<number> {
    return (await stat(this.segmentPath(this.cursor.segment))).size;
  }
}
