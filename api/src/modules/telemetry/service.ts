import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { TelemetryRequest, TelemetryResponse } from '@ngn/shared';
import { ROLLUP_LOCK_ID } from './rollups';

type ParsedEvent = TelemetryRequest['events'][number];

/**
 * Stores telemetry. A batch is one INSERT … SELECT over the batch sent as one
 * JSON parameter: one round trip and one statement whatever its size, atomic,
 * and `ON CONFLICT DO NOTHING` on the client's event_id makes retries free
 * (an event sent without one gets a fresh id here, as the seed's clients send).
 * The same statement marks the days it touched as dirty for the rollups,
 * holding the rollup lock shared until it commits (see ROLLUP_LOCK_ID).
 */
export class TelemetryService {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  async record(userId: string, events: ParsedEvent[]): Promise<TelemetryResponse> {
    const rows = events.map((e) => ({
      event_id: e.event_id ?? randomUUID(),
      event_type: e.event_type,
      daw_type: e.daw_type ?? null,
      os: e.os ?? null,
      plugin_version: e.plugin_version ?? null,
      app_version: e.app_version ?? null,
      session_duration_secs: e.session_duration_secs ?? null,
      features_used: e.features_used,
      crash_report: e.crash_report ?? null,
      custom_data: e.custom_data ?? {},
      occurred_at: e.occurred_at ?? null,
    }));
    const [result] = await this.deps.sequelize.query<{ accepted: number }>(
      `WITH incoming AS (
         SELECT e.* FROM (SELECT pg_advisory_xact_lock_shared(${ROLLUP_LOCK_ID})) AS rollups_wait, jsonb_to_recordset($1::jsonb) AS e(
           event_id uuid, event_type text, daw_type text, os text, plugin_version text, app_version text,
           session_duration_secs integer, features_used text[], crash_report text, custom_data jsonb,
           occurred_at timestamptz)
       ), inserted AS (
         INSERT INTO telemetry_events (event_id, user_id, event_type, daw_type, os, plugin_version, app_version,
                                       session_duration_secs, features_used, crash_report, custom_data, occurred_at)
         -- A client clock ahead of ours would put events in days that have not
         -- happened yet: such events count as happening now.
         SELECT event_id, $2::uuid, event_type, daw_type, os, plugin_version, app_version,
                session_duration_secs, features_used, crash_report, custom_data,
                LEAST(COALESCE(occurred_at, now()), now())
           FROM incoming
          ORDER BY event_id -- a fixed lock order, so overlapping retries wait instead of deadlocking
         ON CONFLICT (event_id) DO NOTHING
         RETURNING occurred_at
       ), dirty AS (
         INSERT INTO telemetry_dirty_days (day)
         SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM inserted ORDER BY 1
         ON CONFLICT DO NOTHING
       )
       SELECT count(*)::int AS accepted FROM inserted`,
      { bind: [JSON.stringify(rows), userId], type: QueryTypes.SELECT },
    );
    const accepted = result?.accepted ?? 0;
    return { status: 'recorded', accepted, duplicates: events.length - accepted };
  }

  /** Erases a user's events (account deletion); the days they were in are recomputed without them. */
  async forgetUser(userId: string, transaction: Transaction): Promise<void> {
    await this.deps.sequelize.query(
      `WITH gone AS (
         DELETE FROM telemetry_events
          WHERE user_id = :userId AND EXISTS (SELECT pg_advisory_xact_lock_shared(${ROLLUP_LOCK_ID}))
         RETURNING occurred_at)
       INSERT INTO telemetry_dirty_days (day)
       SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM gone ORDER BY 1
       ON CONFLICT DO NOTHING`,
      { replacements: { userId }, transaction },
    );
  }
}
