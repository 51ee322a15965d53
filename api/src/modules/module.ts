import type Router from '@koa/router';
import type { z, ZodType } from 'zod';
import type { AppDeps } from '../context';
import type { Handler, RouteSpec } from '../lib/http/route-spec';
import type { OpenApiBook } from '../lib/http/openapi';
import type { AuthService } from './auth/service';
import type { LicensesService } from './licenses/service';
import type { PurchasesService } from './purchases/service';
import type { ReleasesService } from './releases/service';
import type { MetricsService } from './metrics/service';
import type { NewsletterService } from './newsletter/service';
import type { TelemetryService } from './telemetry/service';

/**
 * Services that other modules call. A module sets its entry when it registers;
 * modules registered later may use those registered before them.
 */
export interface ServiceRegistry {
  auth: AuthService;
  licenses: LicensesService;
  purchases: PurchasesService;
  releases: ReleasesService;
  metrics: MetricsService;
  telemetry: TelemetryService;
  newsletter: NewsletterService;
}

/** What a module gets to register its routes, jobs and services. */
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
  services: ServiceRegistry;
}

export type Module = (m: ModuleContext) => void;
