import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ErrorBody } from '@ngn/shared';
import type { ZodType } from 'zod';
import type { RouteSpec } from './route-spec';

const BASE = '/api/v1';

/** Collects every route as it is defined and renders the OpenAPI 3.1 document on demand. */
export class OpenApiBook {
  private readonly registry = new OpenAPIRegistry();
  private cached: object | undefined;

  constructor(private readonly info: { title: string; version: string; serverUrl: string }) {
    this.registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  }

  addRoute(spec: RouteSpec<ZodType, ZodType, ZodType, ZodType>): void {
    this.cached = undefined;
    const errorStatuses: Record<number, string> = { 400: 'Invalid input' };
    if (spec.access !== 'public') errorStatuses[401] = 'Missing or invalid credentials';
    if (typeof spec.access === 'object') errorStatuses[403] = 'Role not allowed';
    Object.assign(errorStatuses, spec.errors);
    const responses: Record<string, object> = {
      [String(spec.status ?? 200)]: {
        description: 'Success',
        ...(spec.response ? { content: { 'application/json': { schema: spec.response } } } : {}),
      },
    };
    for (const [status, description] of Object.entries(errorStatuses)) {
      responses[status] = { description, content: { 'application/json': { schema: ErrorBody } } };
    }
    this.registry.registerPath({
      method: spec.method,
      path: BASE + spec.path.replace(/:([a-zA-Z_]+)/g, '{$1}'),
      summary: spec.summary,
      tags: spec.tags,
      security: spec.access === 'public' ? [] : [{ bearer: [] }],
      request: {
        ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.params ? { params: spec.params as never } : {}),
      },
      responses: responses as never,
    });
  }

  document(): object {
    this.cached ??= new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: { title: this.info.title, version: this.info.version },
      servers: [{ url: this.info.serverUrl + BASE }],
    });
    return this.cached;
  }
}
