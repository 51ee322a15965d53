import type { Context, Next } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Request count and latency per route for Prometheus. The route label is the
 * router's pattern (`/api/v1/support/tickets/:id`), never the raw path, so ids
 * in URLs cannot grow the number of series without bound; requests no route
 * matched share one `unmatched` label. Mounted outside the error handler, so
 * it records the status the client actually got.
 */
export function requestMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = matched === undefined ? 'unmatched' : String(matched);
      const method = METHODS.has(ctx.method) ? ctx.method : 'OTHER';
      requests.inc({ method, route, status: String(ctx.status) });
      latency.observe({ method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}
