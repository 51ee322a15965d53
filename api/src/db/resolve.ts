import type { Config } from '../config';
import type { Logger } from '../lib/logger';
import { ensureDatabase, startEmbeddedPostgres } from './embedded';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export const EMBEDDED_DB_NAME = 'ngn';

/** DATABASE_URL when set; otherwise an embedded cluster under DATA_DIR. */
export async function resolveDatabase(config: Config, logger: Logger): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, logger });
  await ensureDatabase(pg.adminUrl, EMBEDDED_DB_NAME);
  return { url: pg.databaseUrl(EMBEDDED_DB_NAME), embedded: true, stop: () => pg.stop() };
}
