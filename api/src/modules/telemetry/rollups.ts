import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/**
 * Any fixed number. A refresh holds it exclusively, so only one process
 * recomputes rollups at a time; every statement that writes events holds it
 * shared until it commits, so a refresh never claims a day while events of
 * that day are still uncommitted (it would recompute without them and drop
 * the day's dirty marker).
 */
export const ROLLUP_LOCK_ID = 7_310_505;
/** Retention deletes in slices so it never holds long locks or builds one huge transaction. */
const RETENTION_SLICE = 10_000;
const RETENTION_MAX_SLICES = 1_000;
/** Rollups are recomputed a week at a time, so a large backlog never makes one long statement. */
const DAYS_PER_CHUNK = 7;
const MAX_CHUNKS = 1_000;

/** The events `e` of `[d.day, d.day + 1)` in UTC: a range on the occurred_at index. */
const DAY_RANGE = `e.occurred_at >= (d.day::timestamp AT TIME ZONE 'UTC') AND e.occurred_at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')`;

/**
 * Daily rollups of telemetry, which the dashboard reads instead of scanning
 * events. Inserted events are rolled up as they arrive, by a trigger in the
 * inserting statement (migration 0016), which appends partial sums: readers
 * sum a day's rows, and `fold` merges them from time to time. Deleting events
 * (an account erased) marks their days dirty instead; a refresh recomputes
 * each dirty day whole from the events, so the rollups are always exactly what
 * a full scan would say, and recomputing twice is harmless. Days older than
 * the retention window keep their last rollup after their events are deleted.
 */
export class TelemetryRollups {
  constructor(private readonly deps: { sequelize: Sequelize; retentionDays: number }) {}

  /** Recomputes every dirty day, a few days per transaction; returns how many days it recomputed. */
  async refreshDirtyDays(): Promise<number> {
    let recomputed = 0;
    for (let chunk = 0; chunk < MAX_CHUNKS; chunk += 1) {
      const { claimed, live } = await this.refreshChunk();
      recomputed += live;
      if (claimed < DAYS_PER_CHUNK) break;
    }
    return recomputed;
  }

  /**
   * One transaction: claims up to DAYS_PER_CHUNK dirty days (newest first, what
   * dashboards look at) and recomputes them. An ingest that commits after the
   * claim leaves its marker for the next refresh. Days at or past the retention
   * edge stay frozen: their events are (being) deleted, and their rollup is all
   * that is left of them.
   */
  private refreshChunk(): Promise<{ claimed: number; live: number }> {
    const { sequelize } = this.deps;
    return sequelize.transaction(async (transaction) => {
      await sequelize.query('SELECT pg_advisory_xact_lock(:id)', { replacements: { id: ROLLUP_LOCK_ID }, transaction });
      // The planner cannot size a day-list join and overestimates it a hundredfold;
      // JIT-compiling for that imagined size costs more than the real work.
      await sequelize.query('SET LOCAL jit = off', { transaction });
      const claimed = await sequelize.query<{ day: string; live: boolean }>(
        `WITH claimed AS (
           DELETE FROM telemetry_dirty_days
            WHERE day IN (SELECT day FROM telemetry_dirty_days ORDER BY day DESC LIMIT :take)
           RETURNING day)
         SELECT day::text, day > (now() AT TIME ZONE 'UTC')::date - :retention AS live FROM claimed`,
        { replacements: { take: DAYS_PER_CHUNK, retention: this.deps.retentionDays }, type: QueryTypes.SELECT, transaction },
      );
      const live = claimed.filter((r) => r.live).map((r) => r.day);
      if (live.length) await this.recompute(live, transaction);
      return { claimed: claimed.length, live: live.length };
    });
  }

  /**
   * Merges each day's appended rows into one per key, so the rollups stay a
   * few rows per day however many batches arrived. Sums are unchanged, so
   * readers never see a difference; the lock keeps refreshes and the trigger's
   * appends out while it runs.
   */
  async fold(): Promise<void> {
    const { sequelize } = this.deps;
    await sequelize.transaction(async (transaction) => {
      await sequelize.query('SELECT pg_advisory_xact_lock(:id)', { replacements: { id: ROLLUP_LOCK_ID }, transaction });
      await sequelize.query(
        `WITH daily AS (
           DELETE FROM telemetry_daily WHERE day IN (SELECT day FROM telemetry_daily GROUP BY day HAVING count(*) > 1) RETURNING *
         ), folded_daily AS (
           INSERT INTO telemetry_daily (day, events, active_users, timed_events, session_seconds)
           SELECT day, sum(events), sum(active_users), sum(timed_events), sum(session_seconds) FROM daily GROUP BY day
         ), counts AS (
           DELETE FROM telemetry_daily_counts
            WHERE (day, dimension, key) IN (SELECT day, dimension, key FROM telemetry_daily_counts GROUP BY 1, 2, 3 HAVING count(*) > 1)
           RETURNING *
         ), folded_counts AS (
           INSERT INTO telemetry_daily_counts (day, dimension, key, count) SELECT day, dimension, key, sum(count) FROM counts GROUP BY 1, 2, 3
         ), crashes AS (
           DELETE FROM telemetry_daily_crashes
            WHERE day IN (SELECT day FROM telemetry_daily_crashes GROUP BY day, os, version, error HAVING count(*) > 1)
           RETURNING *
         )
         INSERT INTO telemetry_daily_crashes (day, os, version, error, count)
         SELECT day, os, version, error, sum(count) FROM crashes GROUP BY 1, 2, 3, 4`,
        { transaction },
      );
    });
  }

  /** Deletes events past the retention window, in slices; returns how many went. */
  async deleteExpired(): Promise<number> {
    let total = 0;
    for (let slice = 0; slice < RETENTION_MAX_SLICES; slice += 1) {
      const [, meta] = await this.deps.sequelize.query(
        `DELETE FROM telemetry_events
          WHERE event_id IN (
            SELECT event_id FROM telemetry_events
             WHERE occurred_at < now() - make_interval(days => :retention)
             LIMIT :slice)`,
        { replacements: { retention: this.deps.retentionDays, slice: RETENTION_SLICE } },
      );
      const deleted = (meta as { rowCount?: number }).rowCount ?? 0;
      total += deleted;
      if (deleted < RETENTION_SLICE) break;
    }
    return total;
  }

  /**
   * Rebuilds the days' rollups from one pass over their events: each day's
   * events are aggregated once, by user and every value a rollup groups on,
   * and all the rollups are derived from those few thousand rows per day.
   * Distinct users per day, DAW and OS stay exact because the user is part of
   * the grain. Aggregating day by day (the lateral join) keeps each hash table
   * the size of one day, well inside work_mem.
   */
  private async recompute(days: string[], transaction: Transaction): Promise<void> {
    const { sequelize } = this.deps;
    const run = (sql: string) => sequelize.query(sql, { bind: [days], transaction });
    await run(`
      WITH daily AS (DELETE FROM telemetry_daily WHERE day = ANY($1::date[])),
           counts AS (DELETE FROM telemetry_daily_counts WHERE day = ANY($1::date[])),
           users AS (DELETE FROM telemetry_daily_users WHERE day = ANY($1::date[]))
      DELETE FROM telemetry_daily_crashes WHERE day = ANY($1::date[])`);
    await run(`
      WITH grain AS MATERIALIZED (
        SELECT d.day, g.*
          FROM unnest($1::date[]) AS d(day) CROSS JOIN LATERAL (
            SELECT e.user_id, e.daw_type, e.os, e.features_used,
                   -- Only crashes carry a version and an error, so other events keep the grain small.
                   CASE WHEN e.event_type = 'crash' THEN COALESCE(e.plugin_version, e.app_version) END AS version,
                   CASE WHEN e.event_type = 'crash' THEN COALESCE(e.crash_error, 'unknown error') END AS error,
                   count(*) AS events, count(e.session_duration_secs) AS timed, sum(e.session_duration_secs) AS seconds
              FROM telemetry_events e
             WHERE ${DAY_RANGE}
             GROUP BY 1, 2, 3, 4, 5, 6) g
      ), daily AS (
        INSERT INTO telemetry_daily (day, events, active_users, timed_events, session_seconds)
        SELECT day, sum(events), count(DISTINCT user_id), sum(timed), COALESCE(sum(seconds), 0)
          FROM grain GROUP BY day
      ), users AS (
        INSERT INTO telemetry_daily_users (day, dimension, key, user_id)
        SELECT day, 'all', '', user_id FROM grain
        UNION SELECT day, 'daw', daw_type, user_id FROM grain WHERE daw_type IS NOT NULL
        UNION SELECT day, 'os', os, user_id FROM grain WHERE os IS NOT NULL
      ), counts AS (
        INSERT INTO telemetry_daily_counts (day, dimension, key, count)
        SELECT day, 'feature', f.feature, sum(events)
          FROM grain CROSS JOIN LATERAL unnest(grain.features_used) AS f(feature)
         GROUP BY day, f.feature
        UNION ALL
        SELECT day, 'daw', daw_type, count(DISTINCT user_id) FROM grain WHERE daw_type IS NOT NULL GROUP BY day, daw_type
        UNION ALL
        SELECT day, 'os', os, count(DISTINCT user_id) FROM grain WHERE os IS NOT NULL GROUP BY day, os
      )
      INSERT INTO telemetry_daily_crashes (day, os, version, error, count)
      SELECT day, os, version, error, sum(events) FROM grain WHERE error IS NOT NULL GROUP BY 1, 2, 3, 4`);
  }
}
