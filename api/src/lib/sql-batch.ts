import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/**
 * Several statements in one round trip, with the rows of each. PostgreSQL runs
 * them one after another, and in READ COMMITTED each statement reads from its
 * own snapshot, taken when it starts: a statement after a `SELECT … FOR UPDATE`
 * sees everything committed by the transaction that held the lock before. One
 * statement that locks and reads at once would not: its snapshot is taken
 * before it waits for the lock.
 *
 * PostgreSQL accepts several statements in one message only without bind
 * parameters, so values go in as `replacements` (escaped by Sequelize).
 */
export async function queryBatch(
  sequelize: Sequelize,
  statements: string[],
  replacements: Record<string, unknown>,
  transaction?: Transaction,
): Promise<object[][]> {
  const [, results] = await sequelize.query(statements.join(';\n'), { replacements, type: QueryTypes.RAW, transaction });
  const list = (statements.length === 1 ? [results] : results) as Array<{ rows: object[] }>;
  return list.map((r) => r.rows);
}
