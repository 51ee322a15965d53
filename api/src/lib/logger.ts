import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config';

export type { Logger };

/** What an error line keeps of an error: enough to act on, nothing a library hung on it. */
const ERROR_FIELDS = ['type', 'message', 'stack', 'code', 'status', 'statusCode', 'detail', 'constraint', 'severity', 'aggregateErrors'];
/** Wrapped errors (Error.cause, Sequelize's parent) are followed this deep. */
const MAX_ERROR_DEPTH = 3;

/**
 * pino's error serializer copies every enumerable property, and node-postgres
 * hangs its whole client (connection state, type tables, queues) on the errors
 * it emits: one line of several kilobytes that nobody can read. Keeps the
 * fields above, and the same of the error it wraps.
 */
function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const full = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const field of ERROR_FIELDS) if (full[field] !== undefined) kept[field] = full[field];
  const wrapped = (err as { cause?: unknown; parent?: unknown }).cause ?? (err as { parent?: unknown }).parent;
  if (wrapped instanceof Error && depth < MAX_ERROR_DEPTH) kept.cause = serializeError(wrapped, depth + 1);
  return kept;
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logPretty'>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'ngn-api' },
    serializers: { err: serializeError },
    // Never let credentials reach the log, wherever they appear.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["stripe-signature"]',
        '*.password',
        '*.new_password',
        '*.current_password',
        '*.refresh_token',
        '*.token',
      ],
      censor: '[redacted]',
    },
    transport: config.logPretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
  };
  return destination ? pino(options, destination) : pino(options);
}
