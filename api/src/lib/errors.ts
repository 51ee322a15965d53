import type { FieldIssue, KnownErrorCode } from '@ngn/shared';

/**
 * An error meant for the client: it carries the status, the stable snake_case
 * code and a human sentence. Anything else that escapes a handler is a bug and
 * answers 500 `internal_error` without details.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: KnownErrorCode | (string & {}),
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);
export const validationFailed = (issues: FieldIssue[]) =>
  new AppError(400, 'validation_failed', 'Some fields are missing or invalid.', issues);
export const unauthorized = (code: string = 'unauthorized', message = 'Sign in to continue.') =>
  new AppError(401, code, message);
export const forbidden = (message = 'You are not allowed to do that.', code = 'forbidden') =>
  new AppError(403, code, message);
export const notFound = (what = 'Resource', code = 'not_found') => new AppError(404, code, `${what} not found.`);
export const conflict = (code: string, message: string, details?: unknown) => new AppError(409, code, message, details);
export const unprocessable = (code: string, message: string, details?: unknown) =>
  new AppError(422, code, message, details);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', `Too many requests. Try again in ${retryAfterSeconds} s.`, undefined, {
    'Retry-After': String(retryAfterSeconds),
  });
export const serviceUnavailable = (message = 'A dependency is unavailable. Try again shortly.') =>
  new AppError(503, 'service_unavailable', message, undefined, { 'Retry-After': '5' });
