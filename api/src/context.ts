import type { Sequelize } from 'sequelize';
import type { Config } from './config';
import { createSequelize } from './db/sequelize';
import { initModels } from './db/models';
import { AccessTokens } from './lib/access-tokens';
import type { BearerResolver } from './lib/http/auth';
import { Jobs } from './lib/jobs';
import type { Logger } from './lib/logger';
import { Mailer } from './lib/mail';
import { RateLimits } from './lib/rate-limit';

/**
 * Everything a module needs, built once per process from the config and handed
 * down explicitly: no module reaches for globals, so tests build their own.
 */
export interface AppDeps {
  config: Config;
  logger: Logger;
  sequelize: Sequelize;
  jobs: Jobs;
  mailer: Mailer;
  rateLimits: RateLimits;
  accessTokens: AccessTokens;
  /** Other ways to authenticate a bearer token (e.g. admin API keys), tried before JWTs. */
  bearerResolvers: BearerResolver[];
}

export function createDeps(config: Config, logger: Logger, databaseUrl: string): AppDeps {
  const sequelize = createSequelize({ url: databaseUrl, poolMax: config.databasePoolMax, logger });
  initModels(sequelize);
  const jobs = new Jobs({ databaseUrl, sequelize, logger });
  return {
    config,
    logger,
    sequelize,
    jobs,
    mailer: new Mailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, mailDir: config.mailDir, logger, jobs }),
    rateLimits: new RateLimits({ sequelize, redisUrl: config.redisUrl }),
    accessTokens: new AccessTokens(config.jwtSecret, config.accessTokenTtlSeconds),
    bearerResolvers: [],
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.jobs.stop();
  await deps.rateLimits.close();
  await deps.sequelize.close();
}
