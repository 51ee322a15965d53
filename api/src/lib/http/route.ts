import type Router from '@koa/router';
import type { Context } from 'koa';
import { z, type ZodType } from 'zod';
import { AppError, validationFailed } from '../errors';
import type { OpenApiBook } from './openapi';
import type { Access } from '@ngn/shared';
import type { AuthUser, Handler, RouteSpec } from './route-spec';

export interface RouteDeps {
  router: Router;
  openapi: OpenApiBook;
  authenticate: (ctx: Context, access: Access) => Promise<AuthUser | undefined>;
  validateResponses: boolean;
}

/**
 * Paths of strings PostgreSQL cannot store: NUL characters (text refuses them)
 * and lone UTF-16 surrogates (invalid Unicode, refused in jsonb). Every input
 * passes here, so no route can turn them into a 500.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorableStrings(value: unknown, where: string): string[] {
  const out: string[] = [];
  // One path stack, joined only when something is found: this runs over every
  // field of every request, and copying the path per field was most of its cost.
  const path = [where];
  const visit = (node: unknown, depth: number): void => {
    if (typeof node === 'string') {
      if (UNSTORABLE.test(node)) out.push(path.join('.'));
      return;
    }
    if (!node || typeof node !== 'object' || depth >= 32) return;
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (UNSTORABLE.test(key)) out.push([...path, '(key)'].join('.'));
      path.push(key);
      visit((node as Record<string, unknown>)[key], depth + 1);
      path.pop();
    }
  };
  visit(value, 0);
  return out;
}

export function parseOrThrow<T extends ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const bad = unstorableStrings(input, where);
  if (bad.length) {
    throw validationFailed(bad.map((path) => ({ path, message: 'Text must be valid Unicode without NUL characters.' })));
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationFailed(
    result.error.issues.map((i) => ({
      path: [where, ...i.path.map(String)].join('.'),
      message: i.message,
    })),
  );
}

/**
 * Registers one HTTP route: authenticates, parses body/query/params with their
 * zod schemas, calls the handler and documents the route in the OpenAPI book.
 * Keeping this in one place is what makes "every input is validated" true.
 */
export function defineRoute<
  B extends ZodType = ZodType<undefined>,
  Q extends ZodType = ZodType<undefined>,
  P extends ZodType = ZodType<undefined>,
  R extends ZodType = ZodType<unknown>,
>(
  deps: RouteDeps,
  spec: RouteSpec<B, Q, P, R>,
  handler: Handler<z.output<B>, z.output<Q>, z.output<P>, z.input<R>>,
): void {
  deps.openapi.addRoute(spec);
  deps.router[spec.method](spec.path, async (ctx) => {
    const user = await deps.authenticate(ctx, spec.access);
    const body = spec.body ? parseOrThrow(spec.body, ctx.request.body ?? {}, 'body') : undefined;
    const query = spec.query ? parseOrThrow(spec.query, ctx.query, 'query') : undefined;
    const params = spec.params ? parseOrThrow(spec.params, ctx.params, 'params') : undefined;
    const result = await handler({
      body: body as z.output<B>,
      query: query as z.output<Q>,
      params: params as z.output<P>,
      user: user as AuthUser,
      ctx,
    });
    if (result === undefined) return; // the handler wrote the response itself
    if (spec.response && deps.validateResponses) {
      const check = spec.response.safeParse(result);
      if (!check.success) {
        throw new AppError(500, 'internal_error', 'Response did not match its contract.', check.error.issues);
      }
    }
    ctx.status = spec.status ?? 200;
    ctx.body = result;
  });
}
