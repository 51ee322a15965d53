import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
// Sequelize's own replacement formatter, the one `sequelize.query` applies (not re-exported at the top level;
// a CommonJS module whose names Node cannot list for a named import).
import sqlUtils from 'sequelize/lib/utils/sql';
import { queryBatch } from './sql-batch';

const { injectReplacements } = sqlUtils;

type Replacements = Record<string, unknown>;
type PgClient = { query(sql: string): Promise<{ rows: object[] } | Array<{ rows: object[] }>> };

/**
 * The statements of one transaction, sent in batches (see queryBatch): `read`
 * as often as needed, then `finish` once with the writes. On its own
 * connection the BEGIN travels with the first read and the COMMIT with the
 * finishing writes, so a transaction that reads once and writes once costs
 * two round trips instead of four.
 */
export interface TransactionTrips {
  read(statements: string[], replacements: Replacements): Promise<object[][]>;
  finish(statements: string[], replacements: Replacements): Promise<object[][]>;
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
    const batch = (statements: string[], replacements: Replacements) => queryBatch(sequelize, statements, replacements, outer);
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
  const sent: string[] = [];
  let broken = false;
  let open = false;
  let committed = false;
  const send = async (statements: string[], replacements: Replacements, begin: boolean, commit: boolean) => {
    const sql = [...(begin ? ['BEGIN'] : []), ...statements.map((s) => injectReplacements(s, internals.dialect, replacements)), ...(commit ? ['COMMIT'] : [])];
    if (begin) open = true;
    sent.push(...sql);
    const results = await connection.query(sql.join(';\n'));
    if (commit) committed = true;
    const list = Array.isArray(results) ? results : [results];
    return list.slice(begin ? 1 : 0, commit ? -1 : undefined).map((r) => r.rows);
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
