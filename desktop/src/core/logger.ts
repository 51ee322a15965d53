/** The logging the core needs; pino-shaped so the Electron shell can pass electron-log or pino through. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LEVELS)[number] | 'silent';

/** One JSON line per entry on stderr, at or above `level`. */
export function consoleLogger(level: LogLevel = 'info', name = 'companion'): Logger {
  const min = level === 'silent' ? LEVELS.length : LEVELS.indexOf(level);
  const write = (lvl: (typeof LEVELS)[number]) => (obj: object, msg?: string) => {
    if (LEVELS.indexOf(lvl) < min) return;
    const entry = { time: new Date().toISOString(), level: lvl, name, msg, ...serializable(obj) };
    process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Errors serialize to {} by default: keep their name, code and message. */
function serializable(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v;
  }
  return out;
}

export const silentLogger: Logger = consoleLogger('silent');
