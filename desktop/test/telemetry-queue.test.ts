/**
 * The telemetry queue against the real API: a crash after the server stored a
 * batch but before the queue recorded the acknowledgement loses nothing and
 * counts nothing twice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { TelemetryQueue, type QueuedEvent } from '../src/core/telemetry-queue';

let api: TestApi;
let dir: string;
before(async () => {
  api = await startTestApi();
  dir = await mkdtemp(path.join(tmpdir(), 'ngn-telemetry-'));
});
after(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

class Crash extends Error {}

it('survives a crash mid-flush: every event reaches the server exactly once', async () => {
  const user = await signUp(api);
  const post = async (events: QueuedEvent[]) => {
    const res = await api.post('/analytics/telemetry', { events }, user.access);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { accepted: res.body.accepted as number, duplicates: res.body.duplicates as number };
  };
  const options = { dir, enabled: () => true, batchSize: 10, backoff: { initialMs: 1, maxMs: 1 } };

  // First run: 25 events; the second batch is stored by the server, then the process "dies".
  let batches = 0;
  const first = await TelemetryQueue.open({
    ...options,
    send: async (events) => {
      const result = await post(events);
      if (++batches === 2) throw new Crash('killed before the acknowledgement was written');
      return result;
    },
  });
  for (let i = 0; i < 25; i++) await first.track({ event_type: 'feature_used', features_used: [`feature_${i}`] });
  await first.flush().catch(() => undefined);
  await first.close();

  // Next start: the queue comes back from disk and delivers what was not acknowledged.
  const duplicates: number[] = [];
  const second = await TelemetryQueue.open({
    ...options,
    send: async (events) => {
      const result = await post(events);
      duplicates.push(result.duplicates);
      return result;
    },
  });
  await second.flush();
  assert.equal(second.stats().pending, 0);
  await second.close();

  const [row] = await api.api.deps.sequelize.query<{ n: number; d: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM telemetry_events WHERE user_id = :id',
    { replacements: { id: user.id }, type: QueryTypes.SELECT },
  );
  assert.deepEqual(row, { n: 25, d: 25 });
  assert.equal(duplicates.reduce((a, b) => a + b, 0), 10, 'the batch stored before the crash is sent again and counted once');
});
