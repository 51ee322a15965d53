import type { Context, Next } from 'koa';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { QueryTypes, type Sequelize } from 'sequelize';
import { Redis } from 'ioredis';
import { tooManyRequests } from './errors';
import { LocalFirstLimiter, type AddMany } from './local-first-limiter';

export interface LimiterSpec {
  /** Distinguishes counters of different limits in the shared store. */
  prefix: string;
  points: number;
  durationSeconds: number;
  /** How long the key stays blocked once it runs out; defaults to the rest of the window. */
  blockSeconds?: number;
}

/** What the middleware needs of a limit: spend points, or reject with a RateLimiterRes. */
export interface Limiter {
  consume(key: string, points?: number): Promise<unknown>;
}

/**
 * Limits are counted in PostgreSQL, or Redis when REDIS_URL is set: several
 * API processes behind a load balancer share one count. The busiest limits
 * (`localFirst`) count in process memory first and add to the shared count in
 * batches (LocalFirstLimiter); the others ask the shared count every time.
 */
export class RateLimits {
  private readonly redis: Redis | undefined;
  private readonly localFirst: LocalFirstLimiter[] = [];

  constructor(private readonly deps: { sequelize: Sequelize; redisUrl?: string }) {
    this.redis = deps.redisUrl ? new Redis(deps.redisUrl, { enableOfflineQueue: false, lazyConnect: false }) : undefined;
  }

  create(spec: LimiterSpec): RateLimiterAbstract {
    const common = {
      keyPrefix: spec.prefix,
      points: spec.points,
      duration: spec.durationSeconds,
      blockDuration: spec.blockSeconds ?? 0,
    };
    if (this.redis) return new RateLimiterRedis({ ...common, storeClient: this.redis });
    return new RateLimiterPostgres({
      ...common,
      storeClient: this.deps.sequelize,
      storeType: 'sequelize',
      tableName: 'rate_limits',
      tableCreated: true,
    });
  }

  /**
   * For limits met on the hot paths (validation, heartbeat, telemetry): an
   * address under its limit costs no round trip. Exact limits that guard
   * secrets (sign-in, passwords) keep `create`.
   */
  createLocalFirst(spec: LimiterSpec): LocalFirstLimiter {
    // Redis answers each key in microseconds; PostgreSQL's flush is one statement for all keys.
    const addMany = this.redis ? undefined : addManyInPostgres(this.deps.sequelize, spec);
    const limiter = new LocalFirstLimiter(this.create(spec), spec.points, addMany);
    this.localFirst.push(limiter);
    return limiter;
  }

  async close(): Promise<void> {
    for (const limiter of this.localFirst) limiter.close();
    await Promise.all(this.localFirst.map((limiter) => limiter.flush()));
    this.redis?.disconnect();
  }
}

/**
 * Adds points to many keys of `rate_limits` in one statement, with the rule
 * rate-limiter-flexible's PostgreSQL store applies to one key: a window that
 * has ended starts again from the points added. Keys go in sorted so that two
 * processes flushing at once lock rows in the same order.
 */
function addManyInPostgres(sequelize: Sequelize, spec: LimiterSpec): AddMany {
  return async (adds) => {
    const sorted = adds.map((a) => ({ key: `${spec.prefix}:${a.key}`, points: a.points })).sort((a, b) => (a.key < b.key ? -1 : 1));
    const now = Date.now();
    const rows = await sequelize.query<{ key: string; points: number; expire: string | null }>(
      `INSERT INTO rate_limits (key, points, expire)
       SELECT k, p, $3::bigint FROM unnest($1::text[], $2::int[]) AS t(k, p)
       ON CONFLICT (key) DO UPDATE SET
         points = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.points ELSE rate_limits.points + EXCLUDED.points END,
         expire = CASE WHEN rate_limits.expire <= $4 THEN EXCLUDED.expire ELSE rate_limits.expire END
       RETURNING key, points, expire`,
      { bind: [sorted.map((a) => a.key), sorted.map((a) => a.points), now + spec.durationSeconds * 1000, now], type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({
      key: r.key.slice(spec.prefix.length + 1),
      consumed: r.points,
      msBeforeNext: r.expire === null ? 0 : Math.max(Number(r.expire) - Date.now(), 0),
    }));
  };
}

/** Consumes one point for the request's key or throws 429 with Retry-After. */
export async function consumeOrThrow(limiter: Limiter, key: string, points = 1): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      throw tooManyRequests(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    }
    throw rejection;
  }
}

/** Koa middleware: one point per request, keyed by client IP. */
export function limitByIp(limiter: Limiter) {
  return async (ctx: Context, next: Next) => {
    await consumeOrThrow(limiter, ctx.ip);
    await next();
  };
}
