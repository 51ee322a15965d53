import { endpoints } from '@ngn/shared';
import { HealthResponse, ReadyResponse } from '@ngn/shared';
import type { Module } from '../module';

const READY_TIMEOUT_MS = 2000;

export const healthModule: Module = (m) => {
  m.rootRouter.get('/healthz', (ctx) => {
    ctx.body = HealthResponse.parse({ status: 'ok' });
  });
  m.rootRouter.get('/readyz', async (ctx) => {
    let database: 'ok' | 'failed' = 'ok';
    try {
      // A load balancer wants an answer in time, not a pool stuck reconnecting.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('readiness check timed out')), READY_TIMEOUT_MS);
      });
      await Promise.race([m.sequelize.query('SELECT 1'), deadline]).finally(() => clearTimeout(timer));
    } catch {
      database = 'failed';
    }
    const ready = database === 'ok';
    ctx.status = ready ? 200 : 503;
    ctx.body = ReadyResponse.parse({ status: ready ? 'ready' : 'unavailable', checks: { database } });
  });
  // The Companion checks that a checkout page is the API's own from this answer, not from a guess at the origin.
  m.route(
    endpoints.clientConfig,
    async () => ({ public_url: m.config.publicUrl }),
  );
  m.router.get('/openapi.json', (ctx) => {
    ctx.body = m.openapi.document();
  });
};
