import type { Context } from 'koa';
import type { ZodType } from 'zod';
import type { Endpoint, Role } from '@ngn/shared';

/**
 * What a route declares (method, path, who may call it, schemas) and who the
 * caller turned out to be: the types route.ts, auth.ts and openapi.ts share,
 * kept apart so that none of them imports another to learn them.
 */

/** The caller of an authenticated request. */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  /** The sign-in (refresh-token family) this request belongs to; null for API keys. */
  sessionId: string | null;
  /** Set when the caller used an admin API key rather than a user session. */
  apiKeyId?: string;
  scopes?: string[];
}

/**
 * An endpoint of the shared table (shared/src/endpoints.ts), with the types of
 * its schemas kept, so that each handler is typed by them.
 */
export interface RouteSpec<B extends ZodType, Q extends ZodType, P extends ZodType, R extends ZodType>
  extends Omit<Endpoint, 'body' | 'query' | 'params' | 'response'> {
  body?: B;
  query?: Q;
  params?: P;
  response?: R;
}

export interface HandlerInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Present whenever access is not 'public'. */
  user: AuthUser;
  ctx: Context;
}

export type Handler<B, Q, P, R> = (input: HandlerInput<B, Q, P>) => Promise<R | void> | R | void;
