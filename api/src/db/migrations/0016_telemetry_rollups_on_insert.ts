import type { Migration } from '../migrate';

/** The rollup lock of modules/telemetry/rollups.ts (ROLLUP_LOCK_ID). */
const ROLLUP_LOCK_ID = 7_310_505;

/**
 * Telemetry is rolled up as it arrives instead of on the dashboard's first
 * read: a statement trigger on telemetry_events aggregates the rows each
 * statement inserted (its transition table) and appends the sums to the daily
 * rollups. Appending, not upserting: concurrent batches of one day would
 * otherwise all queue on that day's row. The rollups therefore hold several
 * rows per day that readers sum, and the rollup job folds them into one.
 *
 * Distinct users cannot be summed, so telemetry_daily_users keeps who was
 * seen each day (overall, per DAW, per OS); a batch counts only the users it
 * is the first to insert there, which makes those counts summable too.
 * A user already there (the usual case) is skipped by a plain read, so
 * batches of one user never wait on each other's uncommitted insert.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE telemetry_daily_users (
      day date NOT NULL,
      dimension text NOT NULL CHECK (dimension IN ('all', 'daw', 'os')),
      key text NOT NULL,
      user_id uuid NOT NULL,
      PRIMARY KEY (day, dimension, key, user_id)
    );
    INSERT INTO telemetry_daily_users (day, dimension, key, user_id)
    SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date, 'all', '', user_id FROM telemetry_events
    UNION SELECT (occurred_at AT TIME ZONE 'UTC')::date, 'daw', daw_type, user_id FROM telemetry_events WHERE daw_type IS NOT NULL
    UNION SELECT (occurred_at AT TIME ZONE 'UTC')::date, 'os', os, user_id FROM telemetry_events WHERE os IS NOT NULL;

    ALTER TABLE telemetry_daily DROP CONSTRAINT telemetry_daily_pkey;
    CREATE INDEX telemetry_daily_day_idx ON telemetry_daily (day);
    ALTER TABLE telemetry_daily_counts DROP CONSTRAINT telemetry_daily_counts_pkey;
    CREATE INDEX telemetry_daily_counts_day_idx ON telemetry_daily_counts (day, dimension);

    CREATE FUNCTION telemetry_roll_up_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Held until commit, so a refresh never recomputes a day under these rows (rollups.ts).
      PERFORM pg_advisory_xact_lock_shared(${ROLLUP_LOCK_ID});
      WITH grain AS MATERIALIZED (
        SELECT (e.occurred_at AT TIME ZONE 'UTC')::date AS day, e.user_id, e.daw_type, e.os, e.features_used,
               CASE WHEN e.event_type = 'crash' THEN COALESCE(e.plugin_version, e.app_version) END AS version,
               CASE WHEN e.event_type = 'crash' THEN COALESCE(e.crash_error, 'unknown error') END AS error,
               count(*) AS events, count(e.session_duration_secs) AS timed, sum(e.session_duration_secs) AS seconds
          FROM inserted_events e
         GROUP BY 1, 2, 3, 4, 5, 6, 7
      ), seen AS (
        SELECT day, 'all' AS dimension, '' AS key, user_id FROM grain
        UNION SELECT day, 'daw', daw_type, user_id FROM grain WHERE daw_type IS NOT NULL
        UNION SELECT day, 'os', os, user_id FROM grain WHERE os IS NOT NULL
      ), first_seen AS (
        INSERT INTO telemetry_daily_users (day, dimension, key, user_id)
        SELECT s.day, s.dimension, s.key, s.user_id FROM seen s
         WHERE NOT EXISTS (SELECT 1 FROM telemetry_daily_users u
                            WHERE u.day = s.day AND u.dimension = s.dimension AND u.key = s.key AND u.user_id = s.user_id)
         ORDER BY 1, 2, 3, 4
        ON CONFLICT DO NOTHING
        RETURNING day, dimension, key
      ), daily AS (
        INSERT INTO telemetry_daily (day, events, active_users, timed_events, session_seconds)
        SELECT g.day, sum(g.events), (SELECT count(*) FROM first_seen f WHERE f.day = g.day AND f.dimension = 'all'),
               sum(g.timed), COALESCE(sum(g.seconds), 0)
          FROM grain g GROUP BY g.day
      ), counts AS (
        INSERT INTO telemetry_daily_counts (day, dimension, key, count)
        SELECT day, 'feature', f.feature, sum(events)
          FROM grain CROSS JOIN LATERAL unnest(grain.features_used) AS f(feature)
         GROUP BY day, f.feature
        UNION ALL
        SELECT day, dimension, key, count(*) FROM first_seen WHERE dimension <> 'all' GROUP BY 1, 2, 3
      )
      INSERT INTO telemetry_daily_crashes (day, os, version, error, count)
      SELECT day, os, version, error, sum(events) FROM grain WHERE error IS NOT NULL GROUP BY 1, 2, 3, 4;
      RETURN NULL;
    END $$;
    CREATE TRIGGER telemetry_events_roll_up AFTER INSERT ON telemetry_events
      REFERENCING NEW TABLE AS inserted_events
      FOR EACH STATEMENT EXECUTE FUNCTION telemetry_roll_up_inserted();
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TRIGGER IF EXISTS telemetry_events_roll_up ON telemetry_events;
    DROP FUNCTION IF EXISTS telemetry_roll_up_inserted();
    DROP INDEX IF EXISTS telemetry_daily_day_idx, telemetry_daily_counts_day_idx;
    DROP TABLE IF EXISTS telemetry_daily_users;
    -- One row per key again, so the unique keys can come back.
    WITH gone AS (DELETE FROM telemetry_daily RETURNING *)
    INSERT INTO telemetry_daily (day, events, active_users, timed_events, session_seconds)
    SELECT day, sum(events), sum(active_users), sum(timed_events), sum(session_seconds) FROM gone GROUP BY day;
    WITH gone AS (DELETE FROM telemetry_daily_counts RETURNING *)
    INSERT INTO telemetry_daily_counts (day, dimension, key, count)
    SELECT day, dimension, key, sum(count) FROM gone GROUP BY day, dimension, key;
    ALTER TABLE telemetry_daily ADD PRIMARY KEY (day);
    ALTER TABLE telemetry_daily_counts ADD PRIMARY KEY (day, dimension, key);
  `);
};
