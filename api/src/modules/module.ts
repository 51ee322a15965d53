import type Router from '@koa/router';
import type { z, ZodType } from 'zod';
import type { AppDeps } from '../context';
import type { Handler, RouteSpec } from '../lib/http/route-spec';
import type { OpenApiBook } from '../lib/http/openapi';
import type { Services } from '../services';

/** What a module gets to register its routes and jobs. */
export interface ModuleContext extends AppDeps {
  route<B extends ZodType, Q extends ZodType, P extends ZodType, R extends ZodType>(
    spec: RouteSpec<B, Q, P, R>,
    handler: Handler<z.output<B>, z.output<Q>, z.output<P>, z.input<R>>,
  ): void;
  /** The /api/v1 router, for middleware scoped to a path prefix. */
  router: Router;
  /** A router outside /api/v1 (health, metrics, pages, file downloads). */
  rootRouter: Router;
  openapi: OpenApiBook;
  /** Every service, built by the composition root (api/src/services.ts). */
  services: Services;
}

export type Module = (m: ModuleContext) => void;
