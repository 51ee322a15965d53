import PgBoss from 'pg-boss';
import type { Sequelize, Transaction } from 'sequelize';
import type { Logger } from './logger';
import { isDatabaseDown } from './http/middleware';

export type JobHandler<T> = (data: T, job: { id: string; name: string }) => Promise<void>;

interface JobDefinition {
  handler: JobHandler<never>;
  options: PgBoss.Queue;
}

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists if and only if the transaction commits. */
  transaction?: Transaction;
  singletonKey?: string;
  startAfter?: Date | number;
}

/**
 * A durable job queue in PostgreSQL (pg-boss): a job survives a crash of the
 * process that queued it, and is retried with backoff until it succeeds or
 * runs out of tries. Areas register their jobs before `start()`.
 */
export class Jobs {
  readonly boss: PgBoss;
  private readonly definitions = new Map<string, JobDefinition>();
  private readonly schedules: Array<{ name: string; cron: string }> = [];
  private readonly workerIds = new Map<string, string>();
  private started = false;

  constructor(
    private readonly deps: { databaseUrl: string; sequelize: Sequelize; logger: Logger },
  ) {
    this.boss = new PgBoss({
      connectionString: deps.databaseUrl,
      schema: 'pgboss',
      max: 4,
      application_name: 'ngn-jobs',
    });
    // The database going away (a restart, or npm start's Ctrl-C reaching PostgreSQL first) is
    // expected and pg-boss reconnects: a warning, as server.ts logs other background work's.
    this.boss.on('error', (err) =>
      isDatabaseDown(err) ? deps.logger.warn({ err }, 'job queue lost its database connection') : deps.logger.error({ err }, 'job queue error'),
    );
  }

  define<T>(name: string, handler: JobHandler<T>, options: Omit<PgBoss.Queue, 'name'> = {}): void {
    this.definitions.set(name, {
      handler: handler as JobHandler<never>,
      options: { retryLimit: 8, retryDelay: 5, retryBackoff: true, expireInSeconds: 300, ...options, name },
    });
  }

  /** Runs `name` on a cron schedule; pg-boss makes sure one process fires it, not every one. */
  schedule(name: string, cron: string): void {
    this.schedules.push({ name, cron });
  }

  /** Creates the queues; with `work`, this process also runs the handlers. */
  async start({ work }: { work: boolean }): Promise<void> {
    await this.boss.start();
    for (const [name, def] of this.definitions) {
      await this.boss.createQueue(name, def.options);
      if (work) {
        const workerId = await this.boss.work<never>(name, { pollingIntervalSeconds: 2 }, async (jobs) => {
          for (const job of jobs) {
            await def.handler(job.data, { id: job.id, name: job.name });
          }
        });
        this.workerIds.set(name, workerId);
      }
    }
    if (work) for (const s of this.schedules) await this.boss.schedule(s.name, s.cron);
    this.started = true;
  }

  async send(name: string, data: object, options: SendOptions = {}): Promise<string | null> {
    if (!this.definitions.has(name)) throw new Error(`Unknown job ${name}`);
    const { transaction, ...rest } = options;
    const db = transaction ? this.transactionDb(transaction) : undefined;
    const id = await this.boss.send(name, data, { ...rest, ...(db ? { db } : {}) });
    // Wake this process's worker now instead of at its next poll; a job sent in a
    // transaction is only visible once it commits.
    const wake = () => {
      const workerId = this.workerIds.get(name);
      if (workerId) this.boss.notifyWorker(workerId);
    };
    if (transaction) transaction.afterCommit(wake);
    else wake();
    return id;
  }

  /** Jobs waiting or retrying, per queue: for /metrics and operators. */
  async depth(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const name of this.definitions.keys()) out[name] = await this.boss.getQueueSize(name);
    return out;
  }

  /**
   * Deletes queued and archived jobs of `name` whose data contains `match`
   * (e.g. mails to an address whose account is being erased), so personal data
   * does not wait in the queue for its retention to expire.
   */
  async forget(name: string, match: Record<string, string>, transaction?: Transaction): Promise<void> {
    for (const table of ['job', 'archive']) {
      await this.deps.sequelize.query(`DELETE FROM pgboss.${table} WHERE name = :name AND data @> :match::jsonb`, {
        replacements: { name, match: JSON.stringify(match) },
        transaction,
      });
    }
  }

  async stop(): Promise<void> {
    if (this.started) await this.boss.stop({ graceful: true, timeout: 10_000, wait: true });
    this.started = false;
  }

  /**
   * pg-boss writes through the transaction's own pg connection, with its own
   * positional parameters: Sequelize's query formatter would rewrite them.
   */
  private transactionDb(transaction: Transaction): PgBoss.Db {
    const connection = (transaction as unknown as { connection: { query(text: string, values: unknown[]): Promise<{ rows: unknown[] }> } }).connection;
    return { executeSql: (text, values) => connection.query(text, values) };
  }
}
