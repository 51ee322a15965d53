import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueryTypes, Sequelize } from 'sequelize';
import { inTwoTrips, PreparedStatement } from '../src/lib/two-trip-transaction';
import { createTestDatabase } from './helpers/database';

/**
 * Transactions in two trips with statements PostgreSQL plans once per
 * connection. A pool of one connection makes every call land on the same
 * connection, so what one call prepared is what the next one finds.
 */
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sequelize: Sequelize;
before(async () => {
  db = await createTestDatabase();
  sequelize = new Sequelize(db.url, { logging: false, pool: { max: 1, min: 0 } });
  await sequelize.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, meta jsonb NOT NULL)');
});
after(async () => {
  await sequelize.close();
  await db.drop();
});

const preparedHere = async (name: string) =>
  (await sequelize.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = :name', { replacements: { name }, type: QueryTypes.SELECT, plain: true }))!.n;

describe('inTwoTrips with prepared statements', () => {
  // Written as the activation's insert is, a WITH around the INSERT: Sequelize (the path inside a caller's
  // transaction) hands back a bare INSERT's row count instead of its rows.
  const insert = new PreparedStatement(`WITH created AS (INSERT INTO notes (body, meta) VALUES (:body, :meta::jsonb) RETURNING id, body, meta)
    SELECT * FROM created`);
  const byBody = new PreparedStatement(`SELECT count(*)::int AS n FROM notes WHERE body = :body`);

  it('prepares a statement once per connection and answers each call with its own values, quotes included', async () => {
    const bodies = ["it's", 'a "quoted" \\ note', 'plain'];
    for (const body of bodies) {
      const [[count], [row]] = (await inTwoTrips(sequelize, undefined, async (trips) => {
        const counted = await trips.read([byBody], { body });
        const written = await trips.finish([insert], { body, meta: JSON.stringify({ body }) });
        return [counted[0], written[0]];
      })) as [Array<{ n: number }>, Array<{ id: number; body: string; meta: unknown }>];
      assert.equal(count!.n, 0);
      assert.equal(row!.body, body);
      assert.deepEqual(row!.meta, { body });
    }
    // A second PREPARE of the same name would have failed: each was sent once, and both remain on the connection.
    assert.equal(await preparedHere(insert.name), 1);
    assert.equal(await preparedHere(byBody.name), 1);
  });

  it('returns the rows of plain and prepared statements in the order they were given', async () => {
    const rows = await inTwoTrips(sequelize, undefined, (trips) =>
      trips.finish([`SELECT 'first' AS s`, byBody, `SELECT 'third' AS s`], { body: 'plain' }),
    );
    assert.deepEqual(rows, [[{ s: 'first' }], [{ n: 1 }], [{ s: 'third' }]]);
  });

  it('after a failure in a batch that prepared, leaves no doubt about what the connection holds', async () => {
    const fresh = new PreparedStatement(`SELECT :x::int + 1 AS y`);
    await assert.rejects(
      inTwoTrips(sequelize, undefined, (trips) => trips.finish([fresh, 'SELECT 1/0'], { x: 1 })),
      /division by zero/,
    );
    // Its PREPARE had run before the failure: on a connection kept in the pool, the next PREPARE would fail, and
    // on one believed to hold it the EXECUTE would. The connection left the pool, so the next call starts clean.
    const [[row]] = (await inTwoTrips(sequelize, undefined, (trips) => trips.finish([fresh], { x: 41 }))) as [Array<{ y: number }>];
    assert.equal(row!.y, 42);
    assert.equal(await preparedHere(fresh.name), 1);
  });

  it('rolls back what the transaction wrote when the work throws between the trips', async () => {
    await assert.rejects(
      inTwoTrips(sequelize, undefined, async (trips) => {
        await trips.read([insert], { body: 'never kept', meta: '{}' });
        throw new Error('refused after the first trip');
      }),
      /refused after the first trip/,
    );
    const [[count]] = (await inTwoTrips(sequelize, undefined, (trips) => trips.finish([byBody], { body: 'never kept' }))) as [Array<{ n: number }>];
    assert.equal(count!.n, 0);
  });

  it('inside a transaction of its own caller, runs the same statements as plain SQL', async () => {
    const rows = await sequelize.transaction((outer) =>
      inTwoTrips(sequelize, outer, (trips) => trips.finish([insert], { body: 'outer', meta: '{"a":1}' })),
    );
    assert.equal((rows[0] as Array<{ body: string }>)[0]!.body, 'outer');
  });
});
