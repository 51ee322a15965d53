import type { Context } from 'koa';
import type { RequestMeta } from '../audit';

export function requestMeta(ctx: Context): RequestMeta {
  return { ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null };
}
