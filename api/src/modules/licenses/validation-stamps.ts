import type { Sequelize } from 'sequelize';
import type { Logger } from '../../lib/logger';

/** How long a validation's stamp may wait in memory before it is written. */
export const STAMP_FLUSH_INTERVAL_MS = 5_000;

/**
 * `last_validated_at` off the validation request path. A plugin validates on
 * every load, and a synchronous write per validation is a commit that waits
 * for the WAL to reach the disk; here validations only note the activation
 * ids, and one `UPDATE … WHERE id = ANY(…)` per interval stamps them all
 * (and clears their stale flag). The stamp is the flush time, at most one
 * interval late, which is finer than the once-a-minute stamp it replaces.
 *
 * Closing (on SIGTERM, after in-flight requests drained) flushes what is
 * left; a failed flush keeps its ids for the next one. Only a crash loses
 * the stamps of the last interval. A machine the stale sweep could free is
 * never left to this batch: validation stamps it in its own statement.
 */
export class ValidationStamps {
  private pending = new Set<string>();
  /** Flushes run one after another, so a close waits for the timer's flush in flight. */
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: { sequelize: Sequelize; logger: Logger },
    intervalMs = STAMP_FLUSH_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  add(activationId: string): void {
    this.pending.add(activationId);
  }

  /** Writes every stamp noted so far; resolves once they are written (or kept for the next try). */
  flush(): Promise<void> {
    const run = this.queue.then(() => this.writePending());
    this.queue = run;
    return run;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async writePending(): Promise<void> {
    if (!this.pending.size) return;
    const ids = [...this.pending];
    this.pending = new Set();
    try {
      await this.deps.sequelize.query(
        `UPDATE activations SET last_validated_at = now(), stale_at = NULL
          WHERE id = ANY($1::uuid[]) AND deactivated_at IS NULL`,
        { bind: [ids] },
      );
    } catch (err) {
      for (const id of ids) this.pending.add(id);
      this.deps.logger.warn({ err, pending: this.pending.size }, 'could not stamp validations; will retry');
    }
  }
}
