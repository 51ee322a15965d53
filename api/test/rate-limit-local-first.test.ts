import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { LocalFirstLimiter } from '../src/lib/local-first-limiter';
import { RateLimits } from '../src/lib/rate-limit';
import { startTestApi, type TestApi } from './helpers/api';

/**
 * The in-memory first tier of the busy limits, over the real shared counter
 * in PostgreSQL. Two RateLimits stand for two API processes: each has its own
 * memory and both count in the same table.
 */
let t: TestApi;
let processA: RateLimits;
let processB: RateLimits;
before(async () => {
  t = await startTestApi();
  processA = new RateLimits({ sequelize: t.api.deps.sequelize });
  processB = new RateLimits({ sequelize: t.api.deps.sequelize });
});
after(async () => {
  await processA.close();
  await processB.close();
  await t.close();
});

const sharedCount = async (key: string) =>
  ((await t.api.deps.sequelize.query(`SELECT coalesce(sum(points), 0)::int AS n FROM rate_limits WHERE key = :key`, { plain: true, replacements: { key } })) as {
    n: number;
  }).n;

/** A first tier over process A's shared counter that tells how often it asked that counter. */
function counted(prefix: string, points: number, roundTripMs = 0) {
  const shared = processA.create({ prefix, points, durationSeconds: 60 });
  let asked = 0;
  const limiter = new LocalFirstLimiter(
    {
      consume: async (key: string, p: number) => {
        asked += 1;
        await delay(roundTripMs);
        return shared.consume(key, p);
      },
    } as RateLimiterAbstract,
    points,
  );
  return { limiter, asked: () => asked };
}

async function attempt(limiter: { consume(key: string): Promise<unknown> }, key: string): Promise<'ok' | 'refused'> {
  try {
    await limiter.consume(key);
    return 'ok';
  } catch (err) {
    if (err instanceof RateLimiterRes) return 'refused';
    throw err;
  }
}

describe('rate limits counted in memory first', () => {
  it('under its limit a key costs one round trip per window, and every point still reaches the shared counter', async () => {
    const { limiter, asked } = counted('lf_quiet', 1000);
    for (let i = 0; i < 200; i++) assert.equal(await attempt(limiter, '10.0.0.1'), 'ok');
    assert.equal(asked(), 1, 'only the first request of the window asked the shared counter');
    await limiter.flush();
    limiter.close();
    assert.equal(await sharedCount('lf_quiet:10.0.0.1'), 200);
  });

  it('two processes together let through at most the limit plus the bound, refuse the rest, and lose no count', async () => {
    const LIMIT = 40;
    const a = processA.createLocalFirst({ prefix: 'lf_busy', points: LIMIT, durationSeconds: 60 });
    const b = processB.createLocalFirst({ prefix: 'lf_busy', points: LIMIT, durationSeconds: 60 });
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => attempt(i % 2 ? a : b, '10.0.0.2')));
    const passed = results.filter((r) => r === 'ok').length;
    // The documented bound for two processes: LIMIT + (2 - 1) × half the limit.
    assert.ok(passed >= LIMIT && passed <= LIMIT * 1.5, `${passed} passed`);
    await Promise.all([a.flush(), b.flush()]);
    assert.ok((await sharedCount('lf_busy:10.0.0.2')) >= passed, 'every request that passed was counted in the shared store');

    // Sequential requests past the share are exact: after the window is spent, each process refuses.
    assert.equal(await attempt(a, '10.0.0.2'), 'refused');
    assert.equal(await attempt(b, '10.0.0.2'), 'refused');
  });

  it('one process is exact even when a batch is on its way while requests arrive', async () => {
    const { limiter } = counted('lf_racing', 10, 20);
    const outcomes = [];
    for (let i = 0; i < 15; i++) {
      // A batch leaves for the (slow) shared counter just before each request, and is answered after it.
      const flushed = limiter.flush();
      await delay(5);
      outcomes.push(await attempt(limiter, '10.0.0.4'));
      await flushed;
    }
    assert.deepEqual(outcomes, [...Array(10).fill('ok'), ...Array(5).fill('refused')]);
    limiter.close();
  });

  it('a refused key is refused from memory, without asking the shared counter', async () => {
    const { limiter, asked } = counted('lf_blocked', 4);
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await attempt(limiter, '10.0.0.3'));
    assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'refused', 'refused']);
    const before = asked();
    for (let i = 0; i < 50; i++) assert.equal(await attempt(limiter, '10.0.0.3'), 'refused');
    assert.equal(asked(), before);
    limiter.close();
  });

  it('a flush of many keys is one statement, and what another process counted still refuses from memory', async () => {
    const LIMIT = 10;
    const a = processA.createLocalFirst({ prefix: 'lf_fleet', points: LIMIT, durationSeconds: 60 });
    const b = processB.createLocalFirst({ prefix: 'lf_fleet', points: LIMIT, durationSeconds: 60 });
    const keys = Array.from({ length: 50 }, (_, i) => `10.1.0.${i}`);
    // The first request of each key asks the counter; the next ones are counted in memory.
    for (const key of keys) for (let i = 0; i < 4; i++) assert.equal(await attempt(a, key), 'ok');
    let statements = 0;
    const count = (_options: unknown, query: { sql?: string }) => void (/rate_limits/.test(query.sql ?? '') && (statements += 1));
    t.api.deps.sequelize.addHook('afterQuery', 'count_flush', count as never);
    try {
      await a.flush();
    } finally {
      t.api.deps.sequelize.removeHook('afterQuery', 'count_flush');
    }
    assert.equal(statements, 1, 'fifty keys flushed in one statement');
    for (const key of keys.slice(0, 3)) assert.equal(await sharedCount(`lf_fleet:${key}`), 4);
    // Process B spends the rest of one key's window; A learns it at its next flush and refuses from memory.
    const spent = keys[0]!;
    for (let i = 0; i < 7; i++) await attempt(b, spent);
    await b.flush();
    assert.equal(await attempt(a, spent), 'ok', 'A still has room in memory before its flush');
    await a.flush();
    assert.equal(await attempt(a, spent), 'refused');
    assert.equal(await attempt(a, keys[1]!), 'ok', 'other keys are untouched');
    await Promise.all([a.flush(), b.flush()]);
  });
});
