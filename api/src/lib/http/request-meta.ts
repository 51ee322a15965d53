import type { Context } from 'koa';

/** Who did it and from where: built from the request by the route, passed to services. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export function requestMeta(ctx: Context): RequestMeta {
  return { ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null };
}
