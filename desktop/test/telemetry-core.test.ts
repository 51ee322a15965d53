/**
 * The telemetry queue's other promises: bounded (the oldest go first, and are
 * counted), a half-written last line after a crash is cut rather than sent,
 * compaction keeps every unsent event, the opt-out is honoured; and through
 * the companion core, events reach the real API with the app's version and OS.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { TelemetryQueue, type QueuedEvent } from '../src/core/telemetry-queue';
import { companionPlace, openCompanion, removePlace } from './helpers/companion';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ngn-telemetry-core-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A queue whose sends are recorded instead of posted. */
async function recordingQueue(name: string, opts: { maxEvents?: number; enabled?: () => boolean } = {}) {
  const sent: QueuedEvent[] = [];
  const queue = await TelemetryQueue.open({
    dir: path.join(dir, name),
    enabled: opts.enabled ?? (() => true),
    maxEvents: opts.maxEvents,
    batchSize: 7,
    send: async (events) => {
      sent.push(...events);
      return { accepted: events.length, duplicates: 0 };
    },
  });
  return { queue, sent };
}

describe('telemetry queue', () => {
  it('keeps at most maxEvents: the oldest are dropped and counted, across a restart', async () => {
    const { queue } = await recordingQueue('bounded', { maxEvents: 10 });
    for (let i = 0; i < 25; i++) await queue.track({ event_type: 'feature_used', custom_data: { i } });
    assert.deepEqual({ pending: queue.stats().pending, dropped: queue.stats().dropped }, { pending: 10, dropped: 15 });
    await queue.close();

    const again = await recordingQueue('bounded', { maxEvents: 10 });
    assert.equal(again.queue.stats().dropped, 15);
    await again.queue.flush();
    assert.deepEqual(again.sent.map((e) => (e.custom_data as { i: number }).i), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    await again.queue.close();
  });

  it('cuts a half-written last line left by a crash instead of sending it', async () => {
    const { queue } = await recordingQueue('torn');
    for (let i = 0; i < 3; i++) await queue.track({ event_type: 'feature_used', custom_data: { i } });
    await queue.close();
    const segment = (await readdir(path.join(dir, 'torn'))).find((f) => f.endsWith('.jsonl'))!;
    await appendFile(path.join(dir, 'torn', segment), '{"event_type":"crash","event_id":"half-wri');

    const again = await recordingQueue('torn');
    assert.equal(again.queue.stats().pending, 3);
    await again.queue.track({ event_type: 'session_end' });
    await again.queue.flush();
    assert.deepEqual(again.sent.map((e) => e.event_type), ['feature_used', 'feature_used', 'feature_used', 'session_end']);
    assert.equal(new Set(again.sent.map((e) => e.event_id)).size, 4);
    await again.queue.close();
  });

  it('compacts its file as events are sent, losing none of the unsent ones', async () => {
    const { queue, sent } = await recordingQueue('compact', { maxEvents: 10_000 });
    const padding = 'x'.repeat(2000);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 60; i++) await queue.track({ event_type: 'feature_used', custom_data: { round, i, padding } });
      await queue.flush();
    }
    assert.equal(sent.length, 180);
    assert.equal(new Set(sent.map((e) => e.event_id)).size, 180);
    assert.ok((await queue.diskSize()) < 256 * 1024, 'the sent head was compacted away');
    const files = await readdir(path.join(dir, 'compact'));
    assert.equal(files.filter((f) => f.endsWith('.jsonl')).length, 1);
    await queue.close();
  });

  it('records nothing while telemetry is off, and forgets what was pending when it is turned off', async () => {
    let enabled = false;
    const { queue, sent } = await recordingQueue('optout', { enabled: () => enabled });
    assert.equal(await queue.track({ event_type: 'app_start' }), null);
    assert.equal(queue.stats().pending, 0);
    enabled = true;
    await queue.track({ event_type: 'app_start' });
    await queue.clear();
    await queue.flush();
    assert.deepEqual(sent, []);
    await queue.close();
  });
});

describe('telemetry through the companion', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
  });
  after(() => t.close());

  it('sends what the UI tracks, with the app version and OS, once the user opted in', async () => {
    const place = await companionPlace();
    const core = await openCompanion(place, t.url);
    try {
      const user = await signUp(t);
      await core.handlers['auth:login']({ email: user.email, password: user.password });
      await core.handlers['telemetry:track']({ event_type: 'feature_used', features_used: ['ghost_needle'] });
      assert.equal((await core.handlers['telemetry:status']()).pending, 0, 'off by default: nothing kept');

      await core.handlers['settings:update']({ telemetry_enabled: true });
      await core.handlers['telemetry:track']({ event_type: 'feature_used', features_used: ['ghost_needle', 'target_curve'] });
      await core.reportCrash(new Error('NullPointerException in AnalysisEngine'));
      assert.equal((await core.handlers['telemetry:status']()).pending, 2);
      await core.telemetry.flush();
      assert.equal((await core.handlers['telemetry:status']()).sent, 2);

      const rows = await t.api.deps.sequelize.query<{ event_type: string; app_version: string; os: string }>(
        'SELECT event_type, app_version, os FROM telemetry_events WHERE user_id = :id ORDER BY event_type',
        { replacements: { id: user.id }, type: QueryTypes.SELECT },
      );
      assert.deepEqual(rows.map((r) => r.event_type), ['crash', 'feature_used']);
      assert.ok(rows.every((r) => r.app_version === '0.1.0' && r.os === core.info().os));
    } finally {
      await core.close();
      await removePlace(place);
    }
  });
});
