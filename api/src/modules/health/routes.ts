import { HealthResponse, ReadyResponse } from '@ngn/shared';
import type { Module } from '../module';

export const healthModule: Module = (m) => {
  m.rootRouter.get('/healthz', (ctx) => {
    ctx.body = HealthResponse.parse({ status: 'ok' });
  });
  m.rootRouter.get('/readyz', async (ctx) => {
    let database: 'ok' | 'failed' = 'ok';
    try {
      await m.sequelize.query('SELECT 1');
    } catch {
      database = 'failed';
    }
    const ready = database === 'ok';
    ctx.status = ready ? 200 : 503;
    ctx.body = ReadyResponse.parse({ status: ready ? 'ready' : 'unavailable', checks: { database } });
  });
  m.router.get('/openapi.json', (ctx) => {
    ctx.body = m.openapi.document();
  });
};
