import type { Sequelize } from 'sequelize';
import type { Config } from './config';
import { createSequelize } from './db/sequelize';
import { initModels } from './db/models';
import { AccessTokens } from './lib/access-tokens';
import { KeyRing } from './lib/signing-keys';
import type { BearerResolver } from './lib/http/auth';
import { Jobs } from './lib/jobs';
import type { Logger } from './lib/logger';
import { Mailer } from './lib/mail';
import { RateLimits } from './lib/rate-limit';
import { createStorage, type ObjectStorage } from './lib/storage';

/**
 * Everything a module needs, built once per process from the config and handed
 * down explicitly: no module reaches for globals, so tests build their own.
 */
export interface AppDeps {
  config: Config;
  logger: Logger;
  /** The database's URL, for connections of their own outside the pool (LISTEN). */
  databaseUrl: string;
  sequelize: Sequelize;
  jobs: Jobs;
  mailer: Mailer;
  rateLimits: RateLimits;
  accessTokens: AccessTokens;
  /** Other ways to authenticate a bearer token (e.g. admin API keys), tried before JWTs. */
  bearerResolvers: BearerResolver[];
  /** Ed25519 keys: `activation` signs activation tokens. Release keys live offline with publishers, never here. */
  keyRings: { activation: KeyRing };
  /** Release artifacts (local folder or S3-compatible bucket). */
  storage: ObjectStorage;
  /**
   * Work a module must finish while the pool is still open (e.g. writes it
   * batches in memory); run on close, after in-flight requests have drained.
   */
  beforeClose: Array<() => Promise<void>>;
}

async function loadKeyRing(name: string, pems: string[], dataDir: string): Promise<KeyRing> {
  return pems.length ? KeyRing.fromPem(name, pems) : KeyRing.fromDirectory(name, dataDir);
}

export async function createDeps(config: Config, logger: Logger, databaseUrl: string): Promise<AppDeps> {
  const sequelize = createSequelize({ url: databaseUrl, poolMax: config.databasePoolMax, logger });
  initModels(sequelize);
  const jobs = new Jobs({ databaseUrl, sequelize, logger });
  return {
    config,
    logger,
    databaseUrl,
    sequelize,
    jobs,
    mailer: new Mailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, mailDir: config.mailDir, logger, jobs }),
    rateLimits: new RateLimits({ sequelize, redisUrl: config.redisUrl }),
    accessTokens: new AccessTokens(config.jwtSecret, config.accessTokenTtlSeconds),
    bearerResolvers: [],
    storage: createStorage(config.storage),
    beforeClose: [],
    keyRings: {
      activation: await loadKeyRing('activation', config.signingKeys.activation, config.dataDir),
    },
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  for (const finish of deps.beforeClose) await finish();
  await deps.jobs.stop();
  await deps.rateLimits.close();
  await deps.sequelize.close();
}
