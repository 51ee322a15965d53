import type { Context } from 'koa';
import type { ZodType } from 'zod';
import type { Access, Role } from '@ngn/shared';

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

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec<B extends ZodType, Q extends ZodType, P extends ZodType, R extends ZodType> {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  body?: B;
  query?: Q;
  params?: P;
  /** Schema of the 2xx body; omitted for routes that stream or redirect. */
  response?: R;
  status?: number;
  /** Extra error statuses worth documenting, e.g. { 409: 'email taken' }. */
  errors?: Record<number, string>;
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
