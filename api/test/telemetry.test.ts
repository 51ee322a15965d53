import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { CRASH_REPORT_MAX_BYTES, TELEMETRY_BATCH_MAX } from '@ngn/shared';
import { ROLLUP_LOCK_ID } from '../src/modules/telemetry/rollups';
import { signUp, startTestApi, type TestApi } from './helpers/api';

const RATE_LIMIT = 8;
let t: TestApi;
before(async () => {
  t = await startTestApi({ RATE_LIMIT_TELEMETRY_PER_MINUTE: String(RATE_LIMIT) });
});
after(() => t.close());

const query = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) =>
  t.api.deps.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
const countEvents = async (userId: string) =>
  (await query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_events WHERE user_id = :userId', { userId }))[0]!.n;

function event(overrides: Record<string, unknown> = {}) {
  return {
    event_id: randomUUID(),
    event_type: 'session_start',
    daw_type: 'Studio One Pro',
    os: 'Windows 11',
    plugin_version: '1.0.0',
    session_duration_secs: 3600,
    features_used: ['ghost_needle', 'target_curve', 'text_feed'],
    crash_report: null,
    custom_data: {},
    ...overrides,
  };
}

describe('POST /analytics/telemetry', () => {
  it('records the seed example as one event (201) under the caller', async () => {
    const u = await signUp(t);
    const e = event();
    const res = await t.post('/analytics/telemetry', e, u.access);
    assert.equal(res.status, 201);
    assert.deepEqual(res.body, { status: 'recorded', accepted: 1, duplicates: 0 });
    const [row] = await query<any>('SELECT * FROM telemetry_events WHERE event_id = :id', { id: e.event_id });
    assert.equal(row.user_id, u.id);
    assert.equal(row.daw_type, 'Studio One Pro');
    assert.deepEqual(row.features_used, ['ghost_needle', 'target_curve', 'text_feed']);
    assert.equal(row.session_duration_secs, 3600);
  });

  it('stores text and custom data exactly as sent (quotes, backslashes, emoji), and defaults what an event leaves out', async () => {
    const u = await signUp(t);
    const odd = 'He said "mix\\master" \u{1F3A7} {a,b}';
    const custom = { nested: { list: [1, 'two', null], quote: '"' }, 'key with space': true };
    const full = event({ daw_type: odd, crash_report: `${odd}\nsecond line`, custom_data: custom, features_used: ['a.b', 'c-d', 'a.b'] });
    const bare = { event_id: randomUUID(), event_type: 'app_start' };
    const res = await t.post('/analytics/telemetry', { events: [full, bare] }, u.access);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const [row] = await query<any>('SELECT * FROM telemetry_events WHERE event_id = :id', { id: full.event_id });
    assert.equal(row.daw_type, odd);
    assert.equal(row.crash_error, odd);
    assert.deepEqual(row.custom_data, custom);
    assert.deepEqual(row.features_used, ['a.b', 'c-d']);
    const [plain] = await query<any>('SELECT * FROM telemetry_events WHERE event_id = :id', { id: bare.event_id });
    assert.deepEqual([plain.features_used, plain.custom_data, plain.os, plain.session_duration_secs], [[], {}, null, null]);
  });

  it('gives an event sent without event_id (as the seed sends it) an id of its own', async () => {
    const u = await signUp(t);
    const { event_id: _none, ...seedBody } = event();
    const first = await t.post('/analytics/telemetry', seedBody, u.access);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const second = await t.post('/analytics/telemetry', { events: [seedBody, seedBody] }, u.access);
    assert.deepEqual(second.body, { status: 'recorded', accepted: 2, duplicates: 0 }, 'without an id nothing can be recognised as a retry');
    assert.equal(await countEvents(u.id), 3);
  });

  it('counts a batch with repeated ids once, and a retried batch not at all', async () => {
    const u = await signUp(t);
    const a = event();
    const b = event({ event_type: 'feature_used' });
    const c = event({ event_type: 'session_end' });
    const first = await t.post('/analytics/telemetry', { events: [a, b, a, c, b] }, u.access);
    assert.equal(first.status, 201);
    assert.deepEqual(first.body, { status: 'recorded', accepted: 3, duplicates: 2 });
    const retry = await t.post('/analytics/telemetry', { events: [a, b, c] }, u.access);
    assert.deepEqual(retry.body, { status: 'recorded', accepted: 0, duplicates: 3 });
    assert.equal(await countEvents(u.id), 3);
  });

  it('takes a full batch of 500 in one request', async () => {
    const u = await signUp(t);
    const events = Array.from({ length: TELEMETRY_BATCH_MAX }, (_, i) => event({ event_type: 'feature_used', features_used: [`f${i % 7}`] }));
    const res = await t.post('/analytics/telemetry', { events }, u.access);
    assert.equal(res.status, 201);
    assert.equal(res.body.accepted, TELEMETRY_BATCH_MAX);
    assert.equal(await countEvents(u.id), TELEMETRY_BATCH_MAX);
  });

  it('stores a crash report whole up to the cap, counted in UTF-8 bytes', async () => {
    const u = await signUp(t);
    const report = `NullPointerException in AnalysisEngine\n${'é'.repeat((CRASH_REPORT_MAX_BYTES - 39) / 2)}`;
    assert.equal(Buffer.byteLength(report), CRASH_REPORT_MAX_BYTES - 1);
    const e = event({ event_type: 'crash', crash_report: report });
    const res = await t.post('/analytics/telemetry', e, u.access);
    assert.equal(res.status, 201);
    const [row] = await query<any>('SELECT crash_report, crash_error FROM telemetry_events WHERE event_id = :id', { id: e.event_id });
    assert.equal(row.crash_report, report);
    assert.equal(row.crash_error, 'NullPointerException in AnalysisEngine');
  });

  it('refuses a batch with one oversize or malformed event (400) and stores none of it', async () => {
    const u = await signUp(t);
    const good = () => event();
    const bad: Array<[string, unknown]> = [
      ['crash report over the cap', { events: [good(), event({ event_type: 'crash', crash_report: 'x'.repeat(CRASH_REPORT_MAX_BYTES + 1) })] }],
      ['custom_data over the cap', { events: [good(), event({ custom_data: { blob: 'y'.repeat(5000) } })] }],
      ['unknown event type', { events: [good(), event({ event_type: 'keylogger' })] }],
      ['event_id not a uuid', { events: [good(), event({ event_id: '42' })] }],
      ['negative duration', { events: [good(), event({ session_duration_secs: -5 })] }],
      ['bad feature name', { events: [good(), event({ features_used: ['Ghost Needle!'] })] }],
      ['unknown field', { events: [good(), event({ user_id: randomUUID() })] }],
      ['bad timestamp', { events: [good(), event({ occurred_at: 'yesterday' })] }],
      ['empty batch', { events: [] }],
      ['batch over 500', { events: Array.from({ length: TELEMETRY_BATCH_MAX + 1 }, () => ({ event_id: randomUUID(), event_type: 'app_start' })) }],
      ['not an object', [good()]],
    ];
    for (const [why, body] of bad) {
      const res = await t.post('/analytics/telemetry', body, u.access);
      assert.equal(res.status, 400, why);
      assert.equal(res.body.error, 'validation_failed', why);
    }
    const raw = await t.request('POST', '/analytics/telemetry', { raw: '{"events": [', token: u.access });
    assert.equal(raw.status, 400);
    assert.equal(raw.body.error, 'invalid_json');
    assert.equal(await countEvents(u.id), 0);
  });

  it('uses the server clock for events without a time or from the future', async () => {
    const u = await signUp(t);
    const past = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const future = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const events = [event({ occurred_at: past }), event({ occurred_at: future }), event()];
    await t.post('/analytics/telemetry', { events }, u.access);
    const rows = await query<{ event_id: string; occurred_at: Date }>(
      'SELECT event_id, occurred_at FROM telemetry_events WHERE user_id = :id',
      { id: u.id },
    );
    const at = (e: { event_id: string }) => rows.find((r) => r.event_id === e.event_id)!.occurred_at.getTime();
    assert.equal(at(events[0]!), Date.parse(past));
    assert.ok(at(events[1]!) <= Date.now());
    assert.ok(Math.abs(at(events[2]!) - Date.now()) < 60_000);
    const [rolled] = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM telemetry_daily_users WHERE day = :day AND dimension = 'all' AND user_id = :id`,
      { day: past.slice(0, 10), id: u.id },
    );
    assert.equal(rolled!.n, 1, 'the past event is rolled up in its own day');
  });

  it('is documented in the OpenAPI book', async () => {
    const doc = await t.get('/openapi.json');
    assert.equal(doc.status, 200);
    assert.ok(doc.body.paths['/api/v1/analytics/telemetry'].post);
    assert.ok(doc.body.paths['/api/v1/analytics/dashboard'].get);
  });

  it('needs a signed-in user', async () => {
    const res = await t.post('/analytics/telemetry', event());
    assert.equal(res.status, 401);
  });

  it('limits each user to a number of requests per minute (429 with Retry-After), not its neighbours', async () => {
    const u = await signUp(t);
    for (let i = 0; i < RATE_LIMIT; i += 1) {
      assert.equal((await t.post('/analytics/telemetry', event(), u.access)).status, 201);
    }
    const limited = await t.post('/analytics/telemetry', event(), u.access);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const other = await signUp(t);
    assert.equal((await t.post('/analytics/telemetry', event(), other.access)).status, 201);
  });

  it('waits while a rollup refresh runs, so no refresh can recompute a day without events still being written', async () => {
    const u = await signUp(t);
    let answered = false;
    let pending: Promise<{ status: number }> | undefined;
    await t.api.deps.sequelize.transaction(async (transaction) => {
      // What a refresh holds while it claims and recomputes dirty days.
      await t.api.deps.sequelize.query('SELECT pg_advisory_xact_lock(:id)', { replacements: { id: ROLLUP_LOCK_ID }, transaction });
      pending = t.post('/analytics/telemetry', event(), u.access).then((res) => {
        answered = true;
        return res;
      });
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(answered, false, 'the batch was written during the refresh');
      assert.equal(await countEvents(u.id), 0);
    });
    assert.equal((await pending!).status, 201);
    assert.equal(await countEvents(u.id), 1);
    const [users] = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM telemetry_daily_users WHERE day = (now() AT TIME ZONE 'UTC')::date AND dimension = 'all' AND user_id = :id`,
      { id: u.id },
    );
    assert.equal(users!.n, 1, 'it is rolled up once the refresh let go');
  });

  it('is admin-only to read back as a dashboard', async () => {
    const u = await signUp(t);
    const res = await t.get('/analytics/dashboard', u.access);
    assert.equal(res.status, 403);
  });
});

describe('telemetry retention', () => {
  it('deletes events past the retention window and keeps the rest', async () => {
    const u = await signUp(t);
    const oldId = randomUUID();
    await t.api.deps.sequelize.query(
      `INSERT INTO telemetry_events (event_id, user_id, event_type, occurred_at)
       VALUES (:oldId, :user, 'app_start', now() - interval '500 days'), (gen_random_uuid(), :user, 'app_start', now())`,
      { replacements: { oldId, user: u.id } },
    );
    await t.api.deps.jobs.send('telemetry.retention', {});
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await query('SELECT 1 FROM telemetry_events WHERE event_id = :oldId', { oldId })).length) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await query('SELECT 1 FROM telemetry_events WHERE event_id = :oldId', { oldId })).length, 0);
    assert.equal(await countEvents(u.id), 1);
  });
});
