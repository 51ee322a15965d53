import { createHash, timingSafeEqual } from 'node:crypto';
import { notFound, unauthorized } from '../../lib/errors';
import type { Module } from '../module';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics` in Prometheus text format, outside /api/v1. It is off unless
 * METRICS_TOKEN is set, and then asks for `Authorization: Bearer <METRICS_TOKEN>`:
 * one listener is simpler to run behind a load balancer than a second port,
 * and the scraper's token is compared in constant time.
 */
export const metricsModule: Module = (m) => {
  const { registry } = m.services.metrics;

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
