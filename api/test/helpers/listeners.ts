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
