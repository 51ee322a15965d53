/** `npm run migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
import { loadConfig } from '../api/src/config';
import { migrate } from '../api/src/db/migrate';
import { resolveDatabase } from '../api/src/db/resolve';
import { createSequelize } from '../api/src/db/sequelize';
import { createLogger } from '../api/src/lib/logger';

const config = loadConfig();
const logger = createLogger(config);
const db = await resolveDatabase(config, logger);
const sequelize = createSequelize({ url: db.url, poolMax: 2 });
try {
  const applied = await migrate(sequelize);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply');
} finally {
  await sequelize.close();
  await db.stop();
}
