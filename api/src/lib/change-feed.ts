import type { Sequelize } from 'sequelize';
import type { Logger } from './logger';
import { PgListener } from './pg-listener';

export interface ChangeFeedOptions {
  sequelize: Sequelize;
  databaseUrl: string;
  logger: Logger;
  /** The channel the database triggers announce committed changes on. */
  channel: string;
  /** A statement that may change what the cache holds (the triggers say exactly what; this only says "maybe"). */
  writesWatchedTables: RegExp;
  /** Each notification's payload, in the order PostgreSQL delivered them. */
  onChange(payload: string): void;
  /** The feed was lost or started anew: everything cached may be stale. */
  onReset(): void;
}

/**
 * What keeps an in-process cache coherent with the database: a LISTEN feed
 * of the changes other processes commit, and a wait for the ones this
 * process commits itself. After this process commits a write to a watched
 * table, `usable` first waits until the listener has caught up with the
 * notifications (one round trip on the listening connection, shared by the
 * callers waiting), so the very next read here sees the change. While the
 * listening connection is down, `usable` is false and the cache must be
 * neither read nor filled.
 */
export class ChangeFeed {
  private readonly listener: PgListener;
  /** Writes this process committed to watched tables, and how many of them the listener has caught up with. */
  private localWrites = 0;
  private caughtUpWith = 0;
  private catchingUp: Promise<void> | undefined;
  private started = false;

  constructor(opts: ChangeFeedOptions) {
    this.listener = new PgListener({
      databaseUrl: opts.databaseUrl,
      channel: opts.channel,
      logger: opts.logger,
      onNotify: opts.onChange,
      onReset: opts.onReset,
    });
    opts.sequelize.addHook('afterQuery', (options, query) => {
      const sql = (query as unknown as { sql?: string }).sql;
      if (!sql || !opts.writesWatchedTables.test(sql)) return;
      if (options.transaction) options.transaction.afterCommit(() => void (this.localWrites += 1));
      else this.localWrites += 1;
    });
  }

  /** Whether the listener is up now (a cache filled while it was down may be stale). */
  get live(): boolean {
    return this.listener.live;
  }

  /** The listening connection's server process id, while it is up. */
  get listenerPid(): number | undefined {
    return this.listener.backendPid;
  }

  /**
   * Whether the cache may answer now, once this process's own committed
   * writes have been heard. The feed starts listening on its first use, so a
   * process that never reads the cache (the admin CLI) opens no connection.
   */
  async usable(): Promise<boolean> {
    if (!this.started) {
      this.started = true;
      void this.listener.start();
    }
    if (!this.listener.live) return false;
    while (this.caughtUpWith < this.localWrites) await this.catchUp();
    return this.listener.live;
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  private catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      const target = this.localWrites;
      await this.listener.caughtUp();
      this.caughtUpWith = Math.max(this.caughtUpWith, target);
    })().finally(() => (this.catchingUp = undefined));
    return this.catchingUp;
  }
}
