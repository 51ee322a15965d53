import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
// Sequelize's own replacement formatter, the one `sequelize.query` applies (not re-exported at the top level;
// a CommonJS module whose names Node cannot list for a named import).
import sqlUtils from 'sequelize/lib/utils/sql';
import { queryBatch } from './sql-batch';

const { injectReplacements } = sqlUtils;

type Replacements = Record<string, unknown>;
type PgClient = { query(sql: string): Promise<{ rows: object[] } | Array<{ rows: object[] }>> };

/**
 * A statement PostgreSQL plans once per connection instead of on every call.
 * Several statements in one message go by the simple protocol, which never
 * caches a plan; so the first use on a connection sends `PREPARE` ahead of
 * the statement, and every use sends `EXECUTE name(values)`. Its `:name`
 * replacements become `$1…$n`, their types inferred by PostgreSQL from where
 * they stand (write `:x::jsonb` where nothing else says). Values must be
 * scalars: Sequelize would spread an array into a list.
 */
export class PreparedStatement {
  private static readonly made = new Map<string, PreparedStatement>();

  /**
   * The statement for a text assembled at run time, made once: naming it
   * hashes the whole text. The text must come from code, never carry values,
   * or this map would grow with them.
   */
  static of(sql: string): PreparedStatement {
    let statement = PreparedStatement.made.get(sql);
    if (!statement) PreparedStatement.made.set(sql, (statement = new PreparedStatement(sql)));
    return statement;
  }

  readonly name: string;
  private readonly text: string;
  private readonly params: string[] = [];

  constructor(readonly sql: string) {
    // A `:name` not preceded by a colon or a word character: `::jsonb` casts stay as they are.
    this.text = sql.replace(/(?<![:\w]):([a-z_]\w*)/gi, (_match, param: string) => {
      if (!this.params.includes(param)) this.params.push(param);
      return `$${this.params.indexOf(param) + 1}`;
    });
    this.name = `ngn_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
  }

  prepare(): string {
    return `PREPARE ${this.name} AS ${this.text}`;
  }

  /** The EXECUTE, its values written by `format` (Sequelize's escaping). */
  execute(format: (sql: string) => string): string {
    return this.params.length ? format(`EXECUTE ${this.name}(${this.params.map((p) => `:${p}`).join(', ')})`) : `EXECUTE ${this.name}`;
  }
}

export type Statement = string | PreparedStatement;

/** A statement's SQL as written, `:name` replacements and all. */
const sqlOf = (statement: Statement) => (typeof statement === 'string' ? statement : statement.sql);

/** The names each pool connection has prepared; a connection that leaves the pool takes its entry with it. */
const preparedOn = new WeakMap<PgClient, Set<string>>();

/**
 * The statements of one transaction, sent in batches (see queryBatch): `read`
 * as often as needed, then `finish` once with the writes. On its own
 * connection the BEGIN travels with the first read and the COMMIT with the
 * finishing writes, so a transaction that reads once and writes once costs
 * two round trips instead of four.
 */
export interface TransactionTrips {
  read(statements: Statement[], replacements: Replacements): Promise<object[][]>;
  finish(statements: Statement[], replacements: Replacements): Promise<object[][]>;
}

/**
 * Runs `work` as one transaction: inside `outer` when given (its owner
 * commits), otherwise on a pool connection of its own, rolled back if `work`
 * throws or never finishes. After the commit the statements are reported to
 * Sequelize's `afterQuery` hooks, so whatever watches writes (the validation
 * cache's read-your-writes fence) sees them as it sees any other query.
 */
export async function inTwoTrips<T>(sequelize: Sequelize, outer: Transaction | undefined, work: (trips: TransactionTrips) => Promise<T>): Promise<T> {
  if (outer) {
    // Inside a transaction of Sequelize's own, on a connection this does not track: plain statements.
    const batch = (statements: Statement[], replacements: Replacements) =>
      queryBatch(sequelize, statements.map(sqlOf), replacements, outer);
    return work({ read: batch, finish: batch });
  }
  // The parts of Sequelize this needs that its typings leave out: the dialect the formatter takes, and hooks run by name.
  const internals = sequelize as unknown as { dialect: Parameters<typeof injectReplacements>[1]; runHooks(name: string, ...args: unknown[]): Promise<void> };
  const manager = sequelize.connectionManager as unknown as {
    getConnection(options: { type: 'write' }): Promise<PgClient>;
    releaseConnection(connection: PgClient): void;
    destroyConnection(connection: PgClient): Promise<void>;
  };
  const connection = await manager.getConnection({ type: 'write' });
  let prepared = preparedOn.get(connection);
  if (!prepared) preparedOn.set(connection, (prepared = new Set<string>()));
  const sent: string[] = [];
  let broken = false;
  let open = false;
  let committed = false;
  const send = async (statements: Statement[], replacements: Replacements, begin: boolean, commit: boolean) => {
    const format = (sql: string) => injectReplacements(sql, internals.dialect, replacements);
    // Every statement sent, and whether its rows go back to the caller (BEGIN, PREPARE and COMMIT's do not).
    const batch: Array<{ sql: string; rows: boolean }> = begin ? [{ sql: 'BEGIN', rows: false }] : [];
    const preparing: string[] = [];
    for (const statement of statements) {
      if (typeof statement === 'string') {
        batch.push({ sql: format(statement), rows: true });
        continue;
      }
      if (!prepared.has(statement.name) && !preparing.includes(statement.name)) {
        batch.push({ sql: statement.prepare(), rows: false });
        preparing.push(statement.name);
      }
      batch.push({ sql: statement.execute(format), rows: true });
    }
    if (commit) batch.push({ sql: 'COMMIT', rows: false });
    if (begin) open = true;
    // The hooks below see the statements as written, not as EXECUTEs of a name.
    sent.push(...statements.map(sqlOf));
    let results;
    try {
      results = await connection.query(batch.map((b) => b.sql).join(';\n'));
    } catch (error) {
      // Whether a PREPARE before the failing statement ran is unknown now: this connection's list can no longer be trusted.
      if (preparing.length) broken = true;
      throw error;
    }
    for (const name of preparing) prepared.add(name);
    if (commit) committed = true;
    const list = Array.isArray(results) ? results : [results];
    return list.filter((_, i) => batch[i]!.rows).map((r) => r.rows);
  };
  try {
    const result = await work({
      read: (statements, replacements) => send(statements, replacements, !open, false),
      finish: (statements, replacements) => send(statements, replacements, !open, true),
    });
    if (!committed) throw new Error('inTwoTrips: the work returned without finishing its transaction');
    await internals.runHooks('afterQuery', { type: QueryTypes.RAW }, { sql: sent.join(';\n') });
    return result;
  } catch (error) {
    if (open && !committed) {
      try {
        await connection.query('ROLLBACK');
      } catch {
        // A connection that cannot even roll back is broken: it leaves the pool.
        broken = true;
      }
    }
    throw error;
  } finally {
    if (broken) await manager.destroyConnection(connection).catch(() => undefined);
    else manager.releaseConnection(connection);
  }
}
