import type { TestApi } from './api';

/**
 * Ends, from the server side, every other process's listening connection on
 * `channel` (as a network cut or a PostgreSQL restart would), sparing the one
 * of the in-test process A (`ownPid`). Returns how many it ended.
 */
export async function endOtherListeners(t: TestApi, channel: string, ownPid: number | undefined): Promise<number> {
  const [rows] = await t.api.deps.sequelize.query(
    `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
      WHERE application_name = :name AND datname = current_database() AND pid <> :own`,
    { replacements: { name: `ngn-api-listener:${channel}`, own: ownPid ?? 0 } },
  );
  return (rows as unknown[]).length;
}

/**
 * Keeps a cache's listening connection busy for `ms`: PostgreSQL holds the
 * notifications of a backend that is running a query, so for that long the
 * cache hears of no change, as with a lagging feed. Reaches into the cache's
 * ChangeFeed (private there: nothing else should touch the connection).
 */
export function stallListener(cache: object, ms: number): Promise<unknown> {
  const { client } = (cache as { feed: { listener: { client?: { query(sql: string): Promise<unknown> } } } }).feed.listener;
  if (!client) throw new Error('the cache is not listening');
  return client.query(`SELECT pg_sleep(${ms / 1000})`);
}
