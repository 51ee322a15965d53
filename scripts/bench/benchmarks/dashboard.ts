import type { Benchmark } from '../benchmark';
import { figure } from '../report';
import { registerUsers } from '../seed';
import type { BenchStack } from '../stack';

const ROWS = 1_000_000;
const USERS = 2_000;
const CALLS = 15;

/**
 * A million telemetry events over the last 30 days from 2,000 users, made by
 * SQL (generate_series) rather than through the API; the table's trigger rolls
 * them up as it rolls up every insert.
 */
async function seedTelemetry(stack: BenchStack): Promise<void> {
  await stack.db.query(
    `TRUNCATE telemetry_events, telemetry_daily, telemetry_daily_counts, telemetry_daily_crashes, telemetry_daily_users, telemetry_dirty_days`,
  );
  await stack.db.query(
    `INSERT INTO users (email, password_hash, first_name, last_name, email_verified_at)
     SELECT 'telemetry.' || g || '.' || md5(random()::text) || '@example.test', 'x', 'Bench', 'Telemetry', now() FROM generate_series(1, $1) g`,
    [USERS],
  );
  await stack.db.query(
    `WITH u AS (SELECT array_agg(id) AS ids FROM users WHERE email LIKE 'telemetry.%')
     INSERT INTO telemetry_events (event_id, user_id, event_type, daw_type, os, plugin_version, app_version,
                                   session_duration_secs, features_used, crash_report, custom_data, occurred_at)
     SELECT gen_random_uuid(),
            u.ids[1 + (g % array_length(u.ids, 1))],
            CASE WHEN g % 100 = 0 THEN 'crash' WHEN g % 3 = 0 THEN 'session_end' ELSE 'feature_used' END,
            (ARRAY['Studio One Pro', 'Ableton Live', 'Logic Pro', 'Reaper', 'Cubase'])[1 + g % 5],
            (ARRAY['Windows 11', 'macOS 14', 'Ubuntu 24.04'])[1 + g % 3],
            (ARRAY['1.0.0', '1.1.0', '1.2.0'])[1 + g % 3],
            '0.4.1',
            CASE WHEN g % 3 = 0 THEN 60 + g % 7200 END,
            ARRAY[(ARRAY['ghost_needle', 'target_curve', 'text_feed', 'loudness_match'])[1 + g % 4]],
            CASE WHEN g % 100 = 0 THEN 'NullPointerException in AnalysisEngine' || chr(10) || 'at frame ' || (g % 7) END,
            '{}'::jsonb,
            now() - (g % (30 * 86400)) * interval '1 second'
       FROM generate_series(1, $1) g, u`,
    [ROWS],
  );
  await stack.db.query('ANALYZE telemetry_events');
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Benchmark 6: `GET /analytics/dashboard?period=30d` over a million events.
 * Three situations: the first call after the million arrived (rolled up by
 * their insert, so nothing is left to do), calls while batches of today's
 * events keep arriving (each appends rollup rows the read sums), and calls
 * with nothing new. The baseline is the same period
 * aggregated straight from the events (daily active users and average
 * session), which is what the rollups spare the dashboard.
 */
export const dashboardBenchmark: Benchmark = {
  name: 'dashboard',
  title: `Dashboard (period=30d) over ${ROWS.toLocaleString('en')} telemetry events`,
  requires: { routes: ['GET /analytics/dashboard'] },
  async run(ctx) {
    const stack = await ctx.stack();
    const [admin] = await registerUsers(stack.api.url, 1, 'admin', stack.db);
    const seedMs = await timed(() => seedTelemetry(stack));
    ctx.log(`${ROWS.toLocaleString('en')} events made in ${(seedMs / 1000).toFixed(1)} s`);
    const call = async () => {
      const res = await fetch(`${stack.api.url}/api/v1/analytics/dashboard?period=30d`, { headers: { authorization: `Bearer ${admin!.token}` } });
      const body = (await res.json()) as { metrics?: { daily_active_users_series?: unknown[] } };
      if (res.status !== 200 || body.metrics?.daily_active_users_series?.length !== 30) throw new Error(`dashboard answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    };
    const coldMs = await timed(call);

    const live: number[] = [];
    const current: number[] = [];
    for (let i = 0; i < CALLS; i += 1) {
      // What ingestion does all day: a batch of today's events arrives between two reads.
      await stack.db.query(
        `INSERT INTO telemetry_events (event_id, user_id, event_type, daw_type, os, features_used, occurred_at)
         SELECT gen_random_uuid(), id, 'feature_used', 'Reaper', 'macOS 14', ARRAY['ghost_needle'], now()
           FROM users WHERE email LIKE 'telemetry.%' LIMIT 100`,
      );
      live.push(await timed(call));
      current.push(await timed(call));
    }
    const scan: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      scan.push(
        await timed(async () => {
          await stack.db.query(
            `SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, count(DISTINCT user_id), avg(session_duration_secs)
               FROM telemetry_events WHERE occurred_at >= now() - interval '30 days' GROUP BY 1`,
          );
        }),
      );
    }
    ctx.note('ms', { seed: seedMs, first_call: coldMs, with_today_dirty: live, rollups_current: current, raw_scan: scan });
    ctx.log(`first call after the load: ${coldMs.toFixed(0)} ms`);
    const baseline = median(scan);
    return [
      figure({ benchmark: 'dashboard', name: 'ms, today still arriving', unit: 'ms', value: median(live), baseline, target: { kind: 'max', value: 300 } }),
      figure({ benchmark: 'dashboard', name: 'ms, rollups current', unit: 'ms', value: median(current), baseline, target: { kind: 'max', value: 300 } }),
      figure({ benchmark: 'dashboard', name: 'ms, first call after 1M rows', unit: 'ms', value: coldMs, baseline, target: { kind: 'max', value: 300 } }),
    ];
  },
};
