import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { TelemetryRequest, TelemetryResponse } from '@ngn/shared';
import { ROLLUP_LOCK_ID } from './rollups';

type ParsedEvent = TelemetryRequest['events'][number];

/** A PostgreSQL array literal of strings, each quoted, for one row's features inside an unnest of literals. */
function textArrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/**
 * Stores telemetry. A batch is one INSERT … SELECT FROM unnest(…) over one
 * array per column: one round trip and one statement whatever its size,
 * atomic, and `ON CONFLICT DO NOTHING` on the client's event_id makes retries
 * free (an event sent without one gets a fresh id here, as the seed's clients
 * send). The table's trigger rolls the inserted rows up in the same statement
 * (migration 0016).
 */
export class TelemetryService {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  async record(userId: string, events: ParsedEvent[]): Promise<TelemetryResponse> {
    // In the order of the unnest below.
    const columns = {
      event_id: events.map((e) => e.event_id ?? randomUUID()),
      event_type: events.map((e) => e.event_type),
      daw_type: events.map((e) => e.daw_type ?? null),
      os: events.map((e) => e.os ?? null),
      plugin_version: events.map((e) => e.plugin_version ?? null),
      app_version: events.map((e) => e.app_version ?? null),
      session_duration_secs: events.map((e) => e.session_duration_secs ?? null),
      // unnest cannot take a ragged two-dimensional array: each row's features travel as one array literal.
      features_used: events.map((e) => textArrayLiteral(e.features_used)),
      crash_report: events.map((e) => e.crash_report ?? null),
      custom_data: events.map((e) => JSON.stringify(e.custom_data ?? {})),
      occurred_at: events.map((e) => e.occurred_at ?? null),
    };
    const [result] = await this.deps.sequelize.query<{ accepted: number }>(
      `WITH inserted AS (
         INSERT INTO telemetry_events (event_id, user_id, event_type, daw_type, os, plugin_version, app_version,
                                       session_duration_secs, features_used, crash_report, custom_data, occurred_at)
         -- A client clock ahead of ours would put events in days that have not
         -- happened yet: such events count as happening now.
         SELECT event_id, $12::uuid, event_type, daw_type, os, plugin_version, app_version,
                session_duration_secs, features_used::text[], crash_report, custom_data,
                LEAST(COALESCE(occurred_at, now()), now())
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[],
                       $9::text[], $10::jsonb[], $11::timestamptz[])
             AS e(event_id, event_type, daw_type, os, plugin_version, app_version, session_duration_secs, features_used,
                  crash_report, custom_data, occurred_at)
          ORDER BY event_id -- a fixed lock order, so overlapping retries wait instead of deadlocking
         ON CONFLICT (event_id) DO NOTHING
         RETURNING 1
       )
       SELECT count(*)::int AS accepted FROM inserted`,
      { bind: [...Object.values(columns), userId], type: QueryTypes.SELECT },
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
