import type { AppDeps } from '../../context';
import { ChangeFeed } from '../../lib/change-feed';
import type { SessionRow } from '../../lib/http/auth';

/** Sessions kept per process at most; the least recently used go first. */
const MAX_SESSIONS = 100_000;
/** The channel the triggers of migration 0017 announce changes on. */
export const SESSION_CHANGES_CHANNEL = 'session_changes';
/** A statement that may sign a session out or change its user (the triggers say exactly what). */
const WRITES_WATCHED_TABLES = /\b(?:UPDATE|DELETE\s+FROM)\s+"?(?:auth_sessions|users)"?\b/i;

/**
 * The session rows every authenticated request checks, in process memory,
 * loaded on a miss and kept coherent by the database the way the validation
 * cache is (ChangeFeed): a sign-out, password change, suspension or role
 * change committed anywhere drops the session here once PostgreSQL delivers
 * the notification, and a change committed through this process is seen by
 * its very next request. While the listening connection is down every
 * request reads the database, as it did without a cache. Sessions that do not
 * exist are not kept, so forged session ids cannot fill memory.
 */
export class SessionCache {
  private readonly byId = new Map<string, SessionRow>();
  private readonly feed: ChangeFeed;
  /** Moves on every notification and reset: a read that started under another epoch is not kept. */
  private epoch = 0;

  constructor(deps: AppDeps) {
    this.feed = new ChangeFeed({
      sequelize: deps.sequelize,
      databaseUrl: deps.databaseUrl,
      logger: deps.logger,
      channel: SESSION_CHANGES_CHANNEL,
      writesWatchedTables: WRITES_WATCHED_TABLES,
      onChange: (payload) => this.changed(payload),
      onReset: () => this.clear(),
    });
  }

  /** The listening connection's server process id, while it is up. */
  get listenerPid(): number | undefined {
    return this.feed.listenerPid;
  }

  /** The session `sessionId` of `userId`, from memory when the cache can be trusted, else from `read`. */
  async lookup(sessionId: string, userId: string, read: () => Promise<SessionRow | undefined>): Promise<SessionRow | undefined> {
    if (!(await this.feed.usable())) return read();
    const cached = this.byId.get(sessionId);
    if (cached) {
      // Most recently used last: eviction takes the oldest.
      this.byId.delete(sessionId);
      this.byId.set(sessionId, cached);
      return cached.user_id === userId ? cached : undefined;
    }
    const epoch = this.epoch;
    const row = await read();
    if (row && this.feed.live && epoch === this.epoch) this.keep(sessionId, row);
    return row;
  }

  close(): Promise<void> {
    return this.feed.close();
  }

  private keep(sessionId: string, row: SessionRow): void {
    this.byId.set(sessionId, row);
    if (this.byId.size > MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
  }

  private changed(payload: string): void {
    this.epoch += 1;
    const [kind, id] = payload.split(':') as [string, string];
    if (kind === 's') {
      this.byId.delete(id);
      return;
    }
    // Users change rarely: a scan is cheaper than an index by user.
    for (const [sessionId, row] of this.byId) if (row.user_id === id) this.byId.delete(sessionId);
  }

  private clear(): void {
    this.epoch += 1;
    this.byId.clear();
  }
}
