import pino, { type Logger } from 'pino';
import type { Config } from '../config';

export type { Logger };

export function createLogger(config: Pick<Config, 'logLevel' | 'logPretty'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'ngn-api' },
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
  });
}
