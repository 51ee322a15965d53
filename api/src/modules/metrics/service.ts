import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Sequelize } from 'sequelize';
import type { AppDeps } from '../../context';

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

/** The process's metrics: Node's defaults, the database pool and the job queues' depth. */
export function createMetricsService(m: Pick<AppDeps, 'sequelize' | 'jobs' | 'logger'>): MetricsService {
  // A registry per app, not prom-client's global one, so several apps in one process do not collide.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

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

  return { registry };
}
