import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { activate, grantLicense, newFingerprint } from './helpers/licenses';
import { waitFor } from './helpers/purchases';

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(() => t.close());

const DAY = 86_400_000;
const exec = (sql: string, replacements: Record<string, unknown> = {}) => t.api.deps.sequelize.query(sql, { replacements });
const query = <T extends object>(sql: string) => t.api.deps.sequelize.query<T>(sql, { type: QueryTypes.SELECT });

/** A small seeded generator, so a failure can be replayed with the same data. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event {
  user: string;
  event_id: string;
  event_type: string;
  daw_type: string | null;
  os: string | null;
  plugin_version: string | null;
  app_version: string | null;
  session_duration_secs: number | null;
  features_used: string[];
  crash_report: string | null;
  occurred_at: string;
}

function generateEvents(users: string[], count: number, seed: number): Event[] {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const features = ['ghost_needle', 'target_curve', 'text_feed', 'ai_mentor', 'spectrum'];
  return Array.from({ length: count }, () => {
    const type = pick(['session_start', 'session_end', 'feature_used', 'crash', 'app_start']);
    const fromPlugin = rnd() < 0.8;
    return {
      user: pick(users),
      event_id: randomUUID(),
      event_type: type,
      daw_type: fromPlugin ? pick(['Ableton Live', 'Studio One Pro', 'Logic Pro', 'Reaper']) : null,
      os: rnd() < 0.95 ? pick(['Windows 11', 'macOS 14', 'Ubuntu 22.04']) : null,
      plugin_version: fromPlugin ? pick(['1.0.0', '1.0.1']) : null,
      app_version: fromPlugin ? null : pick(['0.9.0', '1.0.0']),
      session_duration_secs: type === 'session_end' ? Math.floor(rnd() * 7200) : null,
      features_used: features.filter(() => rnd() < 0.3),
      crash_report:
        type !== 'crash' || rnd() < 0.1
          ? null
          : pick(['NullPointerException in AnalysisEngine\n  at Engine.run', '\n  Segfault in FFT  \n  at fft.c:42', 'OOM in Renderer']),
      occurred_at: new Date(Date.now() - Math.floor(rnd() * 100 * DAY)).toISOString(),
    };
  });
}

async function send(events: Event[], tokens: Map<string, string>) {
  for (const [user, token] of tokens) {
    const mine = events.filter((e) => e.user === user).map(({ user: _u, ...e }) => e);
    for (let i = 0; i < mine.length; i += 500) {
      const res = await t.post('/analytics/telemetry', { events: mine.slice(i, i + 500) }, token);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  }
}

// ---- the figures, computed in JavaScript from what was generated ----

const dayOf = (iso: string | Date) => new Date(iso).toISOString().slice(0, 10);
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += DAY) out.push(dayOf(new Date(d)));
  return out;
}
function countBy<T>(xs: T[], key: (x: T) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) {
    const k = key(x);
    if (k !== null) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
/** Users per day with the value, summed over the days: "user-days". */
function userDays(events: Event[], value: (e: Event) => string | null): Record<string, number> {
  const seen = new Set<string>();
  for (const e of events) {
    const v = value(e);
    if (v !== null) seen.add(JSON.stringify([dayOf(e.occurred_at), v, e.user]));
  }
  return countBy([...seen], (s) => JSON.parse(s)[1]);
}
function crashError(report: string | null): string {
  if (report === null) return 'unknown error';
  const line = report.replace(/^[ \r\n\t]+|[ \r\n\t]+$/g, '').split('\n')[0]!.replace(/^[ \r\t]+|[ \r\t]+$/g, '').slice(0, 200);
  return line || 'unknown error';
}
const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

interface Purchase {
  amount: number;
  refunded: number;
  currency: string;
  status: string;
  completedDaysAgo: number | null;
}

function expectedFigures(
  range: { from: string; to: string },
  all: Event[],
  facts: { users: number; activeLicenses: number; purchases: Purchase[]; activationDays: string[] },
) {
  const days = daysBetween(range.from, range.to);
  const events = all.filter((e) => dayOf(e.occurred_at) >= range.from && dayOf(e.occurred_at) <= range.to);
  const dailyActive = days.map((date) => ({ date, count: new Set(events.filter((e) => dayOf(e.occurred_at) === date).map((e) => e.user)).size }));
  const timed = events.filter((e) => e.session_duration_secs !== null);
  const fromMs = Date.parse(`${range.from}T00:00:00Z`);
  const revenue: Record<string, number> = {};
  for (const p of facts.purchases) {
    if (!['completed', 'refunded'].includes(p.status) || p.completedDaysAgo === null) continue;
    if (Date.now() - p.completedDaysAgo * DAY < fromMs) continue;
    revenue[p.currency] = (revenue[p.currency] ?? 0) + p.amount - p.refunded;
  }
  const crashes = countBy(
    events.filter((e) => e.event_type === 'crash'),
    (e) => JSON.stringify([e.os, e.plugin_version ?? e.app_version, crashError(e.crash_report)]),
  );
  return {
    metrics: {
      total_users: facts.users,
      active_licenses: facts.activeLicenses,
      total_revenue: Object.values(revenue).reduce((a, b) => a + b, 0),
      revenue_by_currency: sorted(revenue),
      daily_active_users: Math.round(dailyActive.reduce((sum, d) => sum + d.count, 0) / days.length),
      daily_active_users_series: dailyActive,
      average_session_duration: timed.length ? Math.round(timed.reduce((a, e) => a + e.session_duration_secs!, 0) / timed.length) : 0,
      most_used_features: sorted(countBy(events.flatMap((e) => e.features_used), (f) => f)),
      activations_per_day: days.map((date) => ({ date, count: facts.activationDays.filter((d) => d === date).length })),
      daw_breakdown: sorted(userDays(events, (e) => e.daw_type)),
      os_breakdown: sorted(userDays(events, (e) => e.os)),
    },
    crashes: Object.entries(crashes)
      .map(([k, count]) => {
        const [os, version, error] = JSON.parse(k);
        return { os, version, error, count };
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

function actualFigures(body: any) {
  const m = body.metrics;
  return {
    metrics: {
      ...m,
      revenue_by_currency: sorted(m.revenue_by_currency),
      most_used_features: sorted(m.most_used_features),
      daw_breakdown: sorted(m.daw_breakdown),
      os_breakdown: sorted(m.os_breakdown),
    },
    crashes: [...body.crashes].sort((a: any, b: any) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

describe('GET /analytics/dashboard', () => {
  it('equals figures computed independently from generated data, for every period', async () => {
    const admin = await signUpAs(t, 'admin');
    const people = await Promise.all([signUp(t), signUp(t), signUp(t), signUp(t)]);
    const tokens = new Map(people.map((p) => [p.id, p.access]));
    const events = generateEvents([...tokens.keys()], 1500, 20240205);
    await send(events, tokens);
    await send(events.slice(0, 300), tokens); // a retried upload must not count twice

    // Licenses: two live, one expired, one revoked, one suspended.
    const live = await grantLicense(t, people[0]!.id, 'pro');
    await grantLicense(t, people[1]!.id, 'standard');
    await grantLicense(t, people[2]!.id, 'standard', { expiresAt: new Date(Date.now() - DAY) });
    const revoked = await grantLicense(t, people[3]!.id, 'standard');
    await t.api.built.services.licenses.revoke(revoked.id, { reason: 'refund' });
    const suspended = await grantLicense(t, people[3]!.id, 'pro');
    await t.api.built.services.licenses.setStatus(suspended.id, 'suspended');

    // Activations on three different days.
    const activationDays: string[] = [];
    for (const daysAgo of [0, 3, 40]) {
      const res = await activate(t, people[0]!.access, live.license_key, newFingerprint());
      assert.equal(res.status, 200);
      await exec(`UPDATE activations SET created_at = now() - make_interval(days => :daysAgo) WHERE id = :id`, { daysAgo, id: res.body.activation_id });
      activationDays.push(dayOf(new Date(Date.now() - daysAgo * DAY)));
    }

    const purchases: Purchase[] = [
      { amount: 5999, refunded: 0, currency: 'USD', status: 'completed', completedDaysAgo: 1 },
      { amount: 2999, refunded: 1000, currency: 'USD', status: 'completed', completedDaysAgo: 12 },
      { amount: 2999, refunded: 2999, currency: 'USD', status: 'refunded', completedDaysAgo: 2 },
      { amount: 4999, refunded: 0, currency: 'EUR', status: 'completed', completedDaysAgo: 50 },
      { amount: 4999, refunded: 0, currency: 'EUR', status: 'disputed', completedDaysAgo: 3 },
      { amount: 5999, refunded: 0, currency: 'USD', status: 'pending', completedDaysAgo: null },
      { amount: 5999, refunded: 0, currency: 'USD', status: 'failed', completedDaysAgo: null },
      { amount: 9999, refunded: 0, currency: 'USD', status: 'completed', completedDaysAgo: 120 },
    ];
    for (const p of purchases) {
      await exec(
        `INSERT INTO purchases (user_id, plan, license_type, product, amount, amount_refunded, currency, status, completed_at, stripe_checkout_session_id)
         VALUES (:user, 'pro', 'perpetual', 'mixing_mentor', :amount, :refunded, :currency, :status,
                 CASE WHEN CAST(:daysAgo AS int) IS NULL THEN NULL ELSE now() - make_interval(days => CAST(:daysAgo AS int)) END, :session)`,
        { user: people[0]!.id, ...p, daysAgo: p.completedDaysAgo, session: `cs_${randomUUID()}` },
      );
    }

    const facts = { users: 1 + people.length, activeLicenses: 2, purchases, activationDays };
    for (const period of ['7d', '30d', '90d']) {
      const res = await t.get(`/analytics/dashboard?period=${period}`, admin.access);
      assert.equal(res.status, 200);
      assert.equal(res.body.period, period);
      assert.equal(daysBetween(res.body.from, res.body.to).length, Number(period.slice(0, -1)));
      assert.deepEqual(actualFigures(res.body), expectedFigures(res.body, events, facts), period);
    }

    // New events show at once: the dashboard brings its rollups up to date before answering.
    const late = await signUp(t);
    const more = generateEvents([late.id], 200, 7);
    await send(more, new Map([[late.id, late.access]]));
    const res = await t.get('/analytics/dashboard?period=90d', admin.access);
    assert.deepEqual(actualFigures(res.body), expectedFigures(res.body, [...events, ...more], { ...facts, users: facts.users + 1 }));
  });

  it('stays exact when dashboards and the rollup job refresh the same dirty days at once', async () => {
    await exec('TRUNCATE telemetry_events, telemetry_daily, telemetry_daily_counts, telemetry_daily_crashes, telemetry_dirty_days');
    const admin = await signUpAs(t, 'admin');
    const people = await Promise.all([signUp(t), signUp(t), signUp(t)]);
    const events = generateEvents(people.map((p) => p.id), 1200, 31337); // ~90 dirty days: many chunks to interleave
    await send(events, new Map(people.map((p) => [p.id, p.access])));
    // What erasing an account leaves: every day with events dirty, to be recomputed from them.
    await exec(`INSERT INTO telemetry_dirty_days (day) SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date FROM telemetry_events`);

    await t.api.deps.jobs.send('telemetry.rollup', {});
    const answers = await Promise.all([1, 2, 3].map(() => t.get('/analytics/dashboard?period=90d', admin.access)));
    const telemetryFigures = (f: ReturnType<typeof actualFigures>) => {
      const { daily_active_users, daily_active_users_series, average_session_duration, most_used_features, daw_breakdown, os_breakdown } = f.metrics;
      return { daily_active_users, daily_active_users_series, average_session_duration, most_used_features, daw_breakdown, os_breakdown, crashes: f.crashes };
    };
    for (const res of answers) {
      assert.equal(res.status, 200);
      const facts = { users: 0, activeLicenses: 0, purchases: [], activationDays: [] };
      assert.deepEqual(telemetryFigures(actualFigures(res.body)), telemetryFigures(expectedFigures(res.body, events, facts)));
    }
  });

  it('rolls batches up as they arrive, and folding their rows into one per day changes no figure', async () => {
    await exec('TRUNCATE telemetry_events, telemetry_daily, telemetry_daily_counts, telemetry_daily_crashes, telemetry_daily_users, telemetry_dirty_days');
    const admin = await signUpAs(t, 'admin');
    const people = await Promise.all([signUp(t), signUp(t)]);
    const events = generateEvents(people.map((p) => p.id), 600, 4242);
    await send(events, new Map(people.map((p) => [p.id, p.access])));
    const [dirty] = await query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_dirty_days');
    assert.equal(dirty!.n, 0, 'nothing is left for the first read to roll up');
    const [appended] = await query<{ n: number }>('SELECT (count(*) - count(DISTINCT day))::int AS n FROM telemetry_daily');
    assert.ok(appended!.n > 0, 'batches appended rows of their own');

    const facts = { users: 0, activeLicenses: 0, purchases: [], activationDays: [] };
    const figures = async () => {
      const res = await t.get('/analytics/dashboard?period=90d', admin.access);
      assert.equal(res.status, 200);
      const actual = actualFigures(res.body);
      const expected = expectedFigures(res.body, events, facts);
      const telemetryOnly = ({ metrics: m, crashes }: typeof actual) => ({
        dau: [m.daily_active_users, m.daily_active_users_series],
        sessions: m.average_session_duration,
        breakdowns: [m.most_used_features, m.daw_breakdown, m.os_breakdown],
        crashes,
      });
      assert.deepEqual(telemetryOnly(actual), telemetryOnly(expected));
      return telemetryOnly(actual);
    };
    const before = await figures();

    await t.api.deps.jobs.send('telemetry.rollup', {});
    await waitFor('the rollup job folds the appended rows', async () => (await query<{ n: number }>('SELECT (count(*) - count(DISTINCT day))::int AS n FROM telemetry_daily'))[0]!.n === 0);
    for (const table of ['telemetry_daily_counts', 'telemetry_daily_crashes']) {
      const keys = table === 'telemetry_daily_counts' ? 'day, dimension, key' : 'day, os, version, error';
      const [twice] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT ${keys} FROM ${table} GROUP BY ${keys} HAVING count(*) > 1) x`);
      assert.equal(twice!.n, 0, `${table} has one row per key`);
    }
    assert.deepEqual(await figures(), before);
  });

  it('defaults to 30 days, refuses other periods, and is for admins only', async () => {
    const admin = await signUpAs(t, 'admin');
    const res = await t.get('/analytics/dashboard', admin.access);
    assert.equal(res.status, 200);
    assert.equal(res.body.period, '30d');
    assert.equal(res.body.metrics.daily_active_users_series.length, 30);
    assert.equal(typeof res.body.metrics.daily_active_users, 'number');
    assert.equal((await t.get('/analytics/dashboard?period=1y', admin.access)).status, 400);
    for (const role of ['user', 'support'] as const) {
      const u = await signUpAs(t, role);
      assert.equal((await t.get('/analytics/dashboard', u.access)).status, 403);
    }
    assert.equal((await t.get('/analytics/dashboard')).status, 401);
  });
});
