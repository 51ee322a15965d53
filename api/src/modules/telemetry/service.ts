import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { TelemetryRequest, TelemetryResponse } from '@ngn/shared';
import { ROLLUP_LOCK_ID } from './rollups';

type ParsedEvent = TelemetryRequest['events'][number];

/**
 * Stores telemetry. A batch is one INSERT … SELECT FROM jsonb_to_recordset($1):
 * one round trip and one statement whatever its size, atomic, and `ON CONFLICT
 * DO NOTHING` on the client's event_id makes retries free (an event sent
 * without one gets a fresh id here, as the seed's clients send). The batch
 * travels as one JSON document, not an array per column: node-postgres writes
 * array parameters by escaping every element in JavaScript, which cost more of
 * the API's time than the insert's own work (docs/benchmarks.md). The table's
 * trigger rolls the inserted rows up in the same statement (migration 0016).
 */
export class TelemetryService {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  async record(userId: string, events: ParsedEvent[]): Promise<TelemetryResponse> {
    const [result] = await this.deps.sequelize.query<{ accepted: number }>(
      `WITH inserted AS (
         INSERT INTO telemetry_events (event_id, user_id, event_type, daw_type, os, plugin_version, app_version,
                                       session_duration_secs, features_used, crash_report, custom_data, occurred_at)
         -- A client clock ahead of ours would put events in days that have not
         -- happened yet: such events count as happening now.
         SELECT COALESCE(event_id, gen_random_uuid()) AS id, $2::uuid, event_type, daw_type, os, plugin_version, app_version,
                session_duration_secs, COALESCE(features_used, '{}'), crash_report, COALESCE(custom_data, '{}'),
                LEAST(COALESCE(occurred_at, now()), now())
           FROM jsonb_to_recordset($1::jsonb)
             AS e(event_id uuid, event_type text, daw_type text, os text, plugin_version text, app_version text,
                  session_duration_secs int, features_used text[], crash_report text, custom_data jsonb, occurred_at timestamptz)
          ORDER BY id -- a fixed lock order, so overlapping retries wait instead of deadlocking
         ON CONFLICT (event_id) DO NOTHING
         RETURNING 1
       )
       SELECT count(*)::int AS accepted FROM inserted`,
      { bind: [JSON.stringify(events), userId], type: QueryTypes.SELECT },
    );
    const accepted = result?.accepted ?? 0;
    return { status: 'recorded', accepted, duplicates: events.length - accepted };
  }

  /**
   * Erases a user's events (account deletion). Their days' rollups go too (a
   * crash line may quote them) and the days are marked dirty: the next refresh,
   * and every dashboard read before it, recomputes them from what is left.
   */
  async forgetUser(userId: string, transaction: Transaction): Promise<void> {
    await this.deps.sequelize.query(
      `WITH gone AS (
         DELETE FROM telemetry_events
          WHERE user_id = :userId AND EXISTS (SELECT pg_advisory_xact_lock_shared(${ROLLUP_LOCK_ID}))
         RETURNING occurred_at
       ), days AS (
         SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date AS day FROM gone
       ), seen AS (DELETE FROM telemetry_daily_users WHERE user_id = :userId),
          daily AS (DELETE FROM telemetry_daily WHERE day IN (SELECT day FROM days)),
          counts AS (DELETE FROM telemetry_daily_counts WHERE day IN (SELECT day FROM days)),
          crashes AS (DELETE FROM telemetry_daily_crashes WHERE day IN (SELECT day FROM days))
       INSERT INTO telemetry_dirty_days (day)
       SELECT day FROM days ORDER BY 1
       ON CONFLICT DO NOTHING`,
      { replacements: { userId }, transaction },
    );
  }
}
