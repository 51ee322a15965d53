import type { Context, Next } from 'koa';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Sequelize } from 'sequelize';
import { Redis } from 'ioredis';
import { tooManyRequests } from './errors';

export interface LimiterSpec {
  /** Distinguishes counters of different limits in the shared store. */
  prefix: string;
  points: number;
  durationSeconds: number;
  /** How long the key stays blocked once it runs out; defaults to the rest of the window. */
  blockSeconds?: number;
}

/**
 * Limits are counted in PostgreSQL, or Redis when REDIS_URL is set, never in
 * process memory: several API processes behind a load balancer share one count.
 */
export class RateLimits {
  private readonly redis: Redis | undefined;

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

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}

/** Consumes one point for the request's key or throws 429 with Retry-After. */
export async function consumeOrThrow(limiter: RateLimiterAbstract, key: string, points = 1): Promise<void> {
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
export function limitByIp(limiter: RateLimiterAbstract) {
  return async (ctx: Context, next: Next) => {
    await consumeOrThrow(limiter, ctx.ip);
    await next();
  };
}
