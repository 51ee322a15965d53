import { QueryTypes, type Sequelize } from 'sequelize';
import type { DashboardPeriod, DashboardResponse } from '@ngn/shared';
import type { TelemetryRollups } from './rollups';

const PERIOD_DAYS: Record<DashboardPeriod, number> = { '7d': 7, '30d': 30, '90d': 90 };
/** Long tails (hundreds of DAW names, one-off crash messages) are cut to the top entries. */
const TOP = 50;

type Range = { from: string; to: string };

/**
 * The admin dashboard. Telemetry figures come from the daily rollups (a few
 * rows per day, whatever the event volume), which already hold every
 * committed event (they are rolled up on insert); days left dirty by deleted
 * events are recomputed first. The rest are aggregates over indexed tables. Every
 * figure is one SQL aggregation: nothing loops over rows in JavaScript.
 */
export class DashboardService {
  constructor(private readonly deps: { sequelize: Sequelize; rollups: TelemetryRollups }) {}

  async dashboard(period: DashboardPeriod): Promise<DashboardResponse> {
    await this.deps.rollups.refreshDirtyDays();
    const range = await this.range(PERIOD_DAYS[period]);
    const [totals, revenue, dau, sessions, features, activations, breakdowns, crashes] = await Promise.all([
      this.one<{ total_users: number; active_licenses: number }>(
        `SELECT (SELECT count(*)::int FROM users WHERE status <> 'deleted') AS total_users,
                (SELECT count(*)::int FROM licenses
                  WHERE status = 'active' AND (expires_at IS NULL OR expires_at > now())) AS active_licenses`,
        {},
      ),
      this.rows<{ currency: string; amount: string }>(
        // Money kept from payments made in the period: refunds netted out, disputed payments left out until won.
        `SELECT currency, sum(amount - amount_refunded)::text AS amount FROM purchases
          WHERE status IN ('completed', 'refunded') AND completed_at >= (:from::date::timestamp AT TIME ZONE 'UTC')
          GROUP BY currency ORDER BY currency`,
        range,
      ),
      this.series(`SELECT day, sum(active_users) AS n FROM telemetry_daily WHERE day BETWEEN :from AND :to GROUP BY day`, range),
      this.one<{ average: number }>(
        `SELECT COALESCE(round(sum(session_seconds)::numeric / NULLIF(sum(timed_events), 0)), 0)::int AS average
           FROM telemetry_daily WHERE day BETWEEN :from AND :to`,
        range,
      ),
      this.counts(`dimension = 'feature'`, range),
      this.series(
        `SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM activations
          WHERE created_at >= (:from::date::timestamp AT TIME ZONE 'UTC') GROUP BY 1`,
        range,
      ),
      Promise.all([this.counts(`dimension = 'daw'`, range), this.counts(`dimension = 'os'`, range)]),
      this.rows<{ os: string | null; version: string | null; error: string; count: number }>(
        `SELECT os, version, error, sum(count)::int AS count FROM telemetry_daily_crashes
          WHERE day BETWEEN :from AND :to
          GROUP BY os, version, error ORDER BY count DESC, error, os NULLS LAST, version NULLS LAST LIMIT ${TOP}`,
        range,
      ),
    ]);
    const revenueByCurrency = Object.fromEntries(revenue.map((r) => [r.currency, Number(r.amount)]));
    return {
      period,
      from: range.from,
      to: range.to,
      metrics: {
        total_users: totals.total_users,
        active_licenses: totals.active_licenses,
        total_revenue: Object.values(revenueByCurrency).reduce((a, b) => a + b, 0),
        revenue_by_currency: revenueByCurrency,
        daily_active_users: dau.length ? Math.round(dau.reduce((sum, d) => sum + d.count, 0) / dau.length) : 0,
        daily_active_users_series: dau,
        average_session_duration: sessions.average,
        most_used_features: features,
        activations_per_day: activations,
        daw_breakdown: breakdowns[0],
        os_breakdown: breakdowns[1],
      },
      crashes,
    };
  }

  /** The last `days` UTC days, today included, by the database's clock. */
  private range(days: number): Promise<Range> {
    return this.one<Range>(
      `SELECT ((now() AT TIME ZONE 'UTC')::date - :back)::text AS "from", (now() AT TIME ZONE 'UTC')::date::text AS "to"`,
      { back: days - 1 },
    );
  }

  /** One {date, count} per day of the range, zero where the query has no row. `sql` yields (day, n). */
  private series(sql: string, range: Range) {
    return this.rows<{ date: string; count: number }>(
      `SELECT g.day::date::text AS date, COALESCE(s.n, 0)::int AS count
         FROM generate_series(:from::date, :to::date, interval '1 day') AS g(day)
         LEFT JOIN (${sql}) s ON s.day = g.day::date
        ORDER BY g.day`,
      range,
    );
  }

  /** key → summed count of one rollup dimension over the range, largest first. */
  private async counts(where: string, range: Range): Promise<Record<string, number>> {
    const rows = await this.rows<{ key: string; count: number }>(
      `SELECT key, sum(count)::int AS count FROM telemetry_daily_counts
        WHERE ${where} AND day BETWEEN :from AND :to
        GROUP BY key ORDER BY count DESC, key LIMIT ${TOP}`,
      range,
    );
    return Object.fromEntries(rows.map((r) => [r.key, r.count]));
  }

  private rows<T extends object>(sql: string, replacements: Record<string, unknown>): Promise<T[]> {
    return this.deps.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  }

  private async one<T extends object>(sql: string, replacements: Record<string, unknown>): Promise<T> {
    return (await this.rows<T>(sql, replacements))[0]!;
  }
}
