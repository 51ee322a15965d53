import pg from 'pg';
import type { Logger } from './logger';

const RETRY_MS = [100, 250, 500, 1_000, 2_000, 5_000];

export interface PgListenerOptions {
  databaseUrl: string;
  channel: string;
  logger: Logger;
  /** Each notification's payload, in the order PostgreSQL delivered them. */
  onNotify(payload: string): void;
  /**
   * The feed stopped being trustworthy (connection lost) or started again
   * (listening anew): whatever was learned from it before may be stale.
   */
  onReset(): void;
}

/**
 * LISTEN on one channel over a connection of its own (a pooled connection
 * would be handed to other queries). While the connection is down, `live` is
 * false and the caller must not rely on what it cached: notifications sent
 * meanwhile are lost. It reconnects by itself, with growing pauses.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private attempt = 0;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  #live = false;

  constructor(private readonly opts: PgListenerOptions) {}

  get live(): boolean {
    return this.#live;
  }

  async start(): Promise<void> {
    await this.connect().catch((err: Error) => this.failed(err));
  }

  /** The server-side process id of the listening connection (tests end it to prove the fallback). */
  get backendPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  /**
   * Resolves once every notification committed before this call has been
   * handled: PostgreSQL sends a listener what is queued for it before it
   * answers its next query. Nothing to wait for while not listening.
   */
  async caughtUp(): Promise<void> {
    const client = this.client;
    if (!client || !this.#live) return;
    await client.query('SELECT 1').catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.#live = false;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    // Named after its channel, so an operator (or a test) can tell the feeds apart in pg_stat_activity.
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, application_name: `ngn-api-listener:${this.opts.channel}` });
    this.client = client;
    client.on('notification', (msg) => {
      if (msg.channel === this.opts.channel && msg.payload) this.opts.onNotify(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${pg.escapeIdentifier(this.opts.channel)}`);
    if (this.closed || this.client !== client) return;
    this.attempt = 0;
    // Anything cached while nobody listened may be stale.
    this.opts.onReset();
    this.#live = true;
    this.opts.logger.info({ channel: this.opts.channel }, 'listening for changes');
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    const wasLive = this.#live;
    this.#live = false;
    this.opts.onReset();
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (wasLive) this.opts.logger.warn({ channel: this.opts.channel, err: err?.message }, 'change feed lost; cache bypassed until it is back');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)]!;
    this.attempt += 1;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect().catch((err: Error) => this.failed(err)), delay);
    this.retry.unref();
  }

  private failed(err: Error): void {
    if (this.client) this.lost(this.client, err);
    else this.scheduleReconnect();
  }
}
