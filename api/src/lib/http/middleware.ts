import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { AppError } from '../errors';
import type { Logger } from '../logger';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Reuses a sane incoming X-Request-Id (from a load balancer) or makes one, and echoes it. */
export function requestId() {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('x-request-id');
    ctx.state.requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}

/** One log line per request with id, user, status and latency. */
export function requestLogger(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        req_id: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round(ms * 10) / 10,
        user_id: ctx.state.user?.id,
        ip: ctx.ip,
      };
      if (ctx.status >= 500) logger.error(line, 'request failed');
      else logger.info(line, 'request');
    }
  };
}

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
  message?: string;
}

/** Database errors that mean "the database is not there", not "the request is wrong". */
const DOWN_NAMES = new Set([
  'SequelizeConnectionError',
  'SequelizeConnectionRefusedError',
  'SequelizeConnectionAcquireTimeoutError',
  'SequelizeHostNotReachableError',
  'SequelizeConnectionTimedOutError',
]);
const DOWN_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
// node-postgres reports a dropped connection by message only, without a code.
const DOWN_MESSAGES = /Connection terminated|not queryable|Connection ended|the database system is (shutting down|starting up)/i;

export function isDatabaseDown(err: unknown): boolean {
  // Sequelize wraps the driver's error in `parent`/`original`; raw pg errors carry the code themselves.
  const chain = [err, (err as { parent?: unknown })?.parent, (err as { original?: unknown })?.original];
  return chain.some((e) => {
    if (!e || typeof e !== 'object') return false;
    const { name, code, message } = e as { name?: string; code?: string; message?: string };
    return DOWN_NAMES.has(name ?? '') || DOWN_CODES.has(code ?? '') || DOWN_MESSAGES.test(message ?? '');
  });
}

/**
 * Turns every failure into `{ error, message }`. Client mistakes keep their
 * status; anything unexpected is logged with its stack and answers 500 with no
 * detail, so nothing internal reaches the client.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (err) {
      const e = err as HttpishError;
      let appError: AppError;
      if (err instanceof AppError) appError = err;
      else if (e.type === 'entity.too.large' || e.status === 413)
        appError = new AppError(413, 'payload_too_large', 'The request body is too large.');
      else if (
        e.type === 'entity.parse.failed' ||
        (e.status === 400 && /json/i.test(e.message ?? '')) ||
        // The JSON parser refuses __proto__ keys (prototype pollution) with a bare SyntaxError.
        (err instanceof SyntaxError && /forbidden prototype property/.test(e.message ?? ''))
      )
        appError = new AppError(400, 'invalid_json', 'The request body is not valid JSON.');
      else if (e.status === 415) appError = new AppError(415, 'unsupported_media_type', 'Send JSON (application/json).');
      else if (e.status === 405) appError = new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed here.`);
      else if (e.expose && e.status && e.status < 500)
        appError = new AppError(e.status, 'bad_request', e.message ?? 'Bad request.');
      else if (isDatabaseDown(err)) {
        logger.warn({ req_id: ctx.state.requestId, err }, 'database unavailable');
        appError = new AppError(503, 'service_unavailable', 'The service is temporarily unavailable. Try again shortly.', undefined, { 'Retry-After': '5' });
      } else {
        logger.error({ req_id: ctx.state.requestId, err }, 'unhandled error');
        appError = new AppError(500, 'internal_error', 'Something went wrong on our side. Try again later.');
      }
      if (appError.status >= 500 && err instanceof AppError) logger.error({ req_id: ctx.state.requestId, err }, 'server error');
      ctx.status = appError.status;
      ctx.body = {
        error: appError.code,
        message: appError.message,
        ...(appError.details !== undefined && appError.status < 500 ? { details: appError.details } : {}),
      };
      for (const [k, v] of Object.entries(appError.headers ?? {})) ctx.set(k, v);
    }
  };
}
