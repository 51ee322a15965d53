import { ConfigError, loadConfig } from './config';
import { resolveDatabase } from './db/resolve';
import { createLogger } from './lib/logger';
import { isDatabaseDown } from './lib/http/middleware';
import { startApi } from './runtime';

/** `npm run api`: the API alone, on DATABASE_URL or the embedded PostgreSQL. */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config);
  // pg-boss 10 does not await some of its own queries (fixed in 11, which needs
  // Node 22): when PostgreSQL drops, their rejections would end the process. A
  // lost database is survivable (requests answer 503, the pool reconnects);
  // anything else unhandled is a bug, so exit and let the supervisor restart.
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseDown(reason)) return logger.warn({ err: reason }, 'database unavailable (background work)');
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });
  const db = await resolveDatabase(config, logger);
  const api = await startApi(config, { databaseUrl: db.url, logger });
  logger.info({ url: api.url, embeddedDb: db.embedded }, `API listening on ${api.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    await api.close();
    await db.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
