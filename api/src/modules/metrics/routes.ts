import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Sequelize } from 'sequelize';
import { notFound, unauthorized } from '../../lib/errors';
import type { Module } from '../module';

/** The one registry of this app: the request middleware and any module may add metrics to it. */
export interface MetricsService {
  registry: Registry;
}

interface PoolStats {
  size: number;
  available: number;
  using: number;
  waiting: number;
  maxSize: number;
}

/** sequelize-pool's counters; Sequelize does not expose the pool in its types. */
function poolStats(sequelize: Sequelize): PoolStats | undefined {
  return (sequelize.connectionManager as unknown as { pool?: PoolStats }).pool;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics` in Prometheus text format, outside /api/v1. It is off unless
 * METRICS_TOKEN is set, and then asks for `Authorization: Bearer <METRICS_TOKEN>`:
 * one listener is simpler to run behind a load balancer than a second port,
 * and the scraper's token is compared in constant time.
 */
export const metricsModule: Module = (m) => {
  // A registry per app, not prom-client's global one, so several apps in one process do not collide.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  m.services.metrics = { registry };

  new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections of this process by state (in use, idle, waiting requests, max).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = poolStats(m.sequelize);
      if (!pool) return;
      this.set({ state: 'using' }, pool.using);
      this.set({ state: 'idle' }, pool.available);
      this.set({ state: 'waiting' }, pool.waiting);
      this.set({ state: 'max' }, pool.maxSize);
    },
  });
  new Gauge({
    name: 'job_queue_depth',
    help: 'Jobs waiting or retrying, per queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      try {
        for (const [queue, depth] of Object.entries(await m.jobs.depth())) this.set({ queue }, depth);
      } catch (err) {
        // A scrape during a database outage still reports the process and request metrics.
        m.logger.warn({ err }, 'job queue depth unavailable');
      }
    },
  });

  const expected = m.config.metricsToken ? digest(m.config.metricsToken) : undefined;
  m.rootRouter.get('/metrics', async (ctx) => {
    if (!expected) throw notFound('Metrics', 'not_found');
    const match = /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'));
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) throw unauthorized('unauthorized', 'A valid metrics token is required.');
    ctx.set('Cache-Control', 'no-store');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
};
