import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueryInterface, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** Any fixed number: several API processes starting together take turns migrating. */
const MIGRATION_LOCK_ID = 7_310_421;

export type MigrationContext = { queryInterface: QueryInterface; sequelize: Sequelize };
export type Migration = (params: { context: MigrationContext }) => Promise<void>;

function createUmzug(sequelize: Sequelize) {
  return new Umzug<MigrationContext>({
    migrations: {
      glob: ['*.ts', { cwd: MIGRATIONS_DIR, ignore: ['*.d.ts'] }],
      resolve: ({ name, path: file, context }) => ({
        name: name.replace(/\.ts$/, ''),
        up: async () => (await import(file!)).up({ context }),
        down: async () => (await import(file!)).down({ context }),
      }),
    },
    context: { queryInterface: sequelize.getQueryInterface(), sequelize },
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
}

/** Applies pending migrations under an advisory lock; returns the names applied. */
export async function migrate(sequelize: Sequelize): Promise<string[]> {
  const umzug = createUmzug(sequelize);
  // The advisory lock lives on one connection, so hold that connection for the whole run.
  return sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(:id)', {
      replacements: { id: MIGRATION_LOCK_ID },
      transaction,
    });
    const applied = await umzug.up();
    return applied.map((m) => m.name);
  });
}

export async function rollbackLast(sequelize: Sequelize): Promise<string[]> {
  const reverted = await createUmzug(sequelize).down();
  return reverted.map((m) => m.name);
}
