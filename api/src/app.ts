import Router from '@koa/router';
import cors from '@koa/cors';
import Koa from 'koa';
import { HttpMethodEnum, koaBody } from 'koa-body';
import helmet from 'koa-helmet';
import type { AppDeps } from './context';
import { createAuthenticator } from './lib/http/auth';
import { errorHandler, requestId, requestLogger } from './lib/http/middleware';
import { OpenApiBook } from './lib/http/openapi';
import { requestMetrics } from './lib/http/request-metrics';
import { defineRoute } from './lib/http/route';
import { MODULES } from './modules';
import type { ModuleContext } from './modules/module';
import { createServices, type Services } from './services';

export const API_PREFIX = '/api/v1';

/** A client that hangs up mid-body (a paused download) is routine, not an error worth stderr. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * Koa reports errors it meets after the response started (a body stream that
 * fails or a socket that closes) on the app's 'error' event; without a
 * listener it prints them with a stack to stderr.
 */
function logStreamError(logger: AppDeps['logger']) {
  return (err: NodeJS.ErrnoException) => {
    if (err.code && CLIENT_GONE.has(err.code)) logger.debug({ code: err.code }, 'client closed the connection mid-response');
    else logger.error({ err }, 'error after the response started');
  };
}

export interface BuiltApp {
  app: Koa;
  openapi: OpenApiBook;
  services: Services;
}

/** Builds the Koa app from its dependencies. It does not listen: server.ts and tests do. */
export function createApp(deps: AppDeps): BuiltApp {
  // Koa keeps the last maxIpsCount X-Forwarded-For entries and takes the first of
  // those: the entry written by our outermost proxy, never one the client wrote.
  const hops = deps.config.trustProxyHops;
  const app = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  const router = new Router({ prefix: API_PREFIX });
  const rootRouter = new Router();
  const openapi = new OpenApiBook({ title: 'NextGen Noise API', version: '1.0.0', serverUrl: deps.config.publicUrl });
  const services = createServices(deps);
  const authenticate = createAuthenticator({
    accessTokens: deps.accessTokens,
    extraResolvers: deps.bearerResolvers,
    sessionOf: (sessionId, userId) => services.auth.sessionOf(sessionId, userId),
  });
  const routeDeps = { router, openapi, authenticate, validateResponses: deps.config.validateResponses };
  const moduleContext: ModuleContext = {
    ...deps,
    router,
    rootRouter,
    openapi,
    services,
    route: (spec, handler) => defineRoute(routeDeps, spec, handler),
  };
  for (const register of MODULES) register(moduleContext);

  app.on('error', logStreamError(deps.logger));
  app.use(requestId());
  app.use(requestMetrics(services.metrics.registry));
  app.use(requestLogger(deps.logger));
  app.use(errorHandler(deps.logger));
  app.use(helmet());
  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get('origin');
        return deps.config.corsOrigins.includes(origin) ? origin : '';
      },
      exposeHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    }),
  );
  app.use(
    koaBody({
      json: true,
      urlencoded: false,
      text: false,
      multipart: false,
      jsonStrict: true,
      jsonLimit: `${deps.config.bodyLimitKb}kb`,
      // The webhook verifies Stripe's signature over the exact bytes received.
      includeUnparsed: true,
      parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
      onError: (err) => {
        throw err;
      },
    }),
  );
  app.use(rootRouter.routes());
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return { app, openapi, services };
}
