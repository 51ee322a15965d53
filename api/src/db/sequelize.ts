import { Sequelize } from 'sequelize';
import type { Logger } from '../lib/logger';

export interface DbOptions {
  url: string;
  poolMax: number;
  logger?: Logger;
}

export function createSequelize({ url, poolMax, logger }: DbOptions): Sequelize {
  return new Sequelize(url, {
    dialect: 'postgres',
    logging: logger ? (sql) => logger.trace({ sql }, 'sql') : false,
    pool: { max: poolMax, min: 0, idle: 10_000, acquire: 10_000 },
    define: { underscored: true, timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' },
    dialectOptions: {
      // Fail a request rather than hang it when the database stalls.
      statement_timeout: 15_000,
      application_name: 'ngn-api',
    },
  });
}
