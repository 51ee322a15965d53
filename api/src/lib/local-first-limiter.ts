import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** How often the points counted in memory are added to the shared counter. */
const FLUSH_INTERVAL_MS = 100;
/**
 * Share of a key's limit this process may count in memory before it asks the
 * shared counter on every request: the rest of the window is exact.
 */
const LOCAL_SHARE = 0.5;
/** Keys remembered at most; the oldest are forgotten first (a forgotten key just costs one round trip). */
const MAX_KEYS = 100_000;

/** What the shared counter said of one key after points were added to it. */
export interface SharedCount {
  key: string;
  /** Points spent in the key's current window, these included. */
  consumed: number;
  msBeforeNext: number;
}

/**
 * Adds points to many keys of the shared counter in one round trip. Without
 * one, a flush asks the counter once per key: a fleet of addresses would cost
 * about one statement per request, which is what this tier is meant to save.
 */
export type AddMany = (adds: Array<{ key: string; points: number }>) => Promise<SharedCount[]>;

interface Entry {
  /** Points the shared counter had for this key at its last answer. */
  shared: number;
  /** Points on their way to the shared counter (asked, not answered yet). */
  inFlight: number;
  /** Points counted here and not yet sent to the shared counter. */
  pending: number;
  /** When the shared window ends (epoch ms); 0 until the shared counter answered. */
  resetAt: number;
  /** Refused from memory until then (epoch ms). */
  blockedUntil: number;
}

/**
 * A rate limit whose shared counter (PostgreSQL or Redis) stays the truth
 * across API processes, with a first tier in process memory in front of it:
 *
 * - the first request of a key in a window asks the shared counter (one round
 *   trip), which tells how many points are left and when the window ends;
 * - while the points known to be used (shared + counted here) stay under
 *   LOCAL_SHARE of the limit, requests are counted in memory and the counts
 *   are added to the shared counter in one batch every FLUSH_INTERVAL_MS;
 * - past that share every request asks the shared counter, adding what this
 *   process still owed it, so the end of the window is as exact as without
 *   the tier;
 * - a key the shared counter refused is refused from memory until its window
 *   or block ends.
 *
 * The bound: with N processes, a key can pass its limit by at most what the
 * other N − 1 processes counted in memory and had not flushed yet, i.e. at
 * most (N − 1) × LOCAL_SHARE × points, for at most one flush interval.
 */
export class LocalFirstLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly shared: RateLimiterAbstract,
    private readonly points: number,
    private readonly addMany?: AddMany,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Resolves when `points` may be spent now; rejects with a RateLimiterRes (like rate-limiter-flexible) when not. */
  async consume(key: string, points = 1): Promise<void> {
    const now = Date.now();
    let entry = this.entries.get(key);
    if (entry && entry.blockedUntil > now) throw refusal(entry.blockedUntil - now, entry.shared);
    if (entry && entry.resetAt <= now && entry.pending === 0 && entry.inFlight === 0) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (entry && entry.resetAt > now && entry.shared + entry.inFlight + entry.pending + points <= this.points * LOCAL_SHARE) {
      entry.pending += points;
      return;
    }
    // Past the local share the shared counter decides, with what this process still owed it.
    const owed = entry?.pending ?? 0;
    if (entry) entry.pending = 0;
    await this.ask(key, owed + points);
  }

  /** Sends every pending count to the shared counter; a key it refuses is then refused from memory. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const due = [...this.entries].filter(([, e]) => e.pending > 0);
      if (due.length === 0) return;
      if (this.addMany) return this.flushInOne(due);
      await Promise.all(
        due.map(async ([key, entry]) => {
          const points = entry.pending;
          entry.pending = 0;
          await this.ask(key, points).catch(() => undefined);
        }),
      );
    });
    return this.flushing;
  }

  /** The pending counts of every due key in one round trip; on failure they are owed again. */
  private async flushInOne(due: Array<[string, Entry]>): Promise<void> {
    const adds = due.map(([key, entry]) => {
      const points = entry.pending;
      entry.pending = 0;
      entry.inFlight += points;
      return { key, points };
    });
    let counts: SharedCount[];
    try {
      counts = await this.addMany!(adds);
    } catch {
      for (const { key, points } of adds) {
        const entry = this.entry(key);
        entry.inFlight -= points;
        entry.pending += points;
      }
      return;
    }
    const added = new Map(adds.map((a) => [a.key, a.points]));
    for (const { key, consumed, msBeforeNext } of counts) {
      const resetAt = Date.now() + msBeforeNext;
      this.answered(key, added.get(key) ?? 0, consumed, resetAt, consumed > this.points);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * One round trip: spends `points` on the shared counter and remembers what it
   * said. While it is on its way the points count as in flight, so that no
   * request passes in memory on a count that is about to grow.
   */
  private async ask(key: string, points: number): Promise<void> {
    const entry = this.entry(key);
    entry.inFlight += points;
    try {
      const res = await this.shared.consume(key, points);
      this.answered(key, points, res.consumedPoints, Date.now() + res.msBeforeNext, false);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        this.entry(key).inFlight -= points;
        throw rejection;
      }
      this.answered(key, points, rejection.consumedPoints, Date.now() + rejection.msBeforeNext, true);
      throw rejection;
    }
  }

  private answered(key: string, points: number, consumed: number, resetAt: number, refused: boolean): void {
    const entry = this.entry(key);
    entry.inFlight -= points;
    // Answers may come back out of order; within a window the shared count only grows.
    const sameWindow = entry.resetAt > Date.now();
    entry.shared = sameWindow ? Math.max(entry.shared, consumed) : consumed;
    entry.resetAt = Math.max(entry.resetAt, resetAt);
    if (refused) entry.blockedUntil = resetAt;
  }

  /** The key's entry, made if missing; the most recently used keys are kept. */
  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = { shared: 0, inFlight: 0, pending: 0, resetAt: 0, blockedUntil: 0 };
    }
    this.entries.set(key, entry);
    if (this.entries.size > MAX_KEYS) {
      const oldest = this.entries.keys().next().value!;
      const forgotten = this.entries.get(oldest)!;
      this.entries.delete(oldest);
      // Its pending points still reach the shared counter.
      if (forgotten.pending > 0) void this.shared.consume(oldest, forgotten.pending).catch(() => undefined);
    }
    return entry;
  }
}

function refusal(msBeforeNext: number, consumedPoints: number): RateLimiterRes {
  return new RateLimiterRes(0, msBeforeNext, consumedPoints, false);
}
