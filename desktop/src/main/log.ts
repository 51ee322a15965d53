import log from 'electron-log/main';
import { rotateLogFile } from '../core/log-rotation';
import type { Logger } from '../core/logger';

const MAX_LOG_BYTES = 5 * 1024 * 1024;
const KEPT_ARCHIVES = 3;

/**
 * electron-log to a rotating file in the OS log folder (main.log, then
 * main.1.log ... main.3.log), plus the console in development. Returns the
 * core's Logger interface on top of it.
 */
export function setupLogging(): Logger {
  // No preload: electron-log would register its preload on every session, the
  // checkout window's included, which must run no code of ours. Nothing in our
  // renderer logs through it.
  log.initialize({ preload: false });
  log.transports.file.level = 'info';
  log.transports.file.maxSize = MAX_LOG_BYTES;
  log.transports.file.archiveLogFn = (file) => rotateLogFile(file.path, KEPT_ARCHIVES);
  log.transports.console.level = process.env.NODE_ENV === 'development' ? 'debug' : false;
  log.errorHandler.startCatching({ showDialog: false });

  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (obj: object, msg?: string) => log[level](msg ?? '', obj);
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export { log };
