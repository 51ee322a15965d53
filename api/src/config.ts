import path from 'node:path';
import { z } from 'zod';

/**
 * The only reader of process.env. Every setting has a safe local default so
 * `npm start` works on a fresh machine; production refuses the defaults that
 * would be insecure there.
 */
const DEFAULT_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789';
/** Real-looking, so mails read right in development; a deployment must say which address it sends from. */
const DEFAULT_MAIL_FROM = 'NextGen Noise <noreply@nextgennoise.local>';
const DEFAULT_URL_SIGNING_SECRET = 'dev-only-url-signing-secret-change-me';
/** Test-mode values that only the local Stripe emulator accepts (its default webhook secret is the same). */
const DEFAULT_STRIPE_SECRET_KEY = 'sk_test_emulator';
const DEFAULT_MAILCHIMP_WEBHOOK_SECRET = 'mailchimp-dev-webhook-secret-change-me';
/** What the local Mailchimp emulator takes (scripts/mailchimp-emulator). */
const EMULATOR_MAILCHIMP = { apiKey: 'emulator0000000000000000000000-us0', serverPrefix: 'us0', audienceId: 'ngn-audience' };
const DEFAULT_STRIPE_WEBHOOK_SECRET = 'whsec_emulator_dev_secret_change_me';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default('./.data'),
  /** Folder of the operator's terms.md and privacy.md; the shipped defaults serve until they exist. */
  LEGAL_DIR: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  REDIS_URL: z.string().optional(),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default(DEFAULT_MAIL_FROM),
  JWT_SECRET: z.string().min(32).default(DEFAULT_JWT_SECRET),
  URL_SIGNING_SECRET: z.string().min(32).default(DEFAULT_URL_SIGNING_SECRET),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  CORS_ORIGINS: z.string().default('http://localhost:5173,http://127.0.0.1:5173'),
  BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10_240).default(256),
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_VALIDATE_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_TELEMETRY_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  TELEMETRY_RETENTION_DAYS: z.coerce.number().int().min(7).max(3650).default(395),
  METRICS_TOKEN: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.optional(),
  /**
   * How many proxies of ours stand in front of the API. The client address is
   * the X-Forwarded-For entry that many hops from the right: entries further
   * left are written by the client and prove nothing. 0 ignores the header.
   */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  SIGNING_KEYS: z.string().optional(),
  /** The root-signed release keyset the API serves and verifies publications against (default DATA_DIR/release-keyset.json). */
  RELEASE_KEYSET_FILE: z.string().optional(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret key (sk_test_… or sk_live_…)').default(DEFAULT_STRIPE_SECRET_KEY),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_').default(DEFAULT_STRIPE_WEBHOOK_SECRET),
  STRIPE_PUBLISHABLE_KEY: z.string().regex(/^pk_(test|live)_/, 'must be a Stripe publishable key').default('pk_test_emulator'),
  /** Base URL of a Stripe-compatible API (the local emulator); unset means api.stripe.com. */
  STRIPE_API_BASE: z.url().optional(),
  /** Mailchimp: the three select the real service; without them MAILCHIMP_API_BASE (the local emulator) or nothing. */
  MAILCHIMP_API_KEY: z.string().regex(/^[0-9a-z]+-[a-z]+[0-9]+$/, 'must be a Mailchimp API key (…-us21)').optional(),
  MAILCHIMP_SERVER_PREFIX: z.string().regex(/^[a-z]+[0-9]+$/, 'must be a Mailchimp data center such as us21').optional(),
  MAILCHIMP_AUDIENCE_ID: z.string().min(1).max(64).optional(),
  /** The secret path segment of the URL Mailchimp's webhooks are sent to. */
  MAILCHIMP_WEBHOOK_SECRET: z.string().min(16).default(DEFAULT_MAILCHIMP_WEBHOOK_SECRET),
  MAILCHIMP_API_BASE: z.url().optional(),
  RELEASE_MAX_UPLOAD_MB: z.coerce.number().int().min(1).max(20_480).default(2048),
  DOWNLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
  STORAGE_S3_BUCKET: z.string().optional(),
  STORAGE_S3_REGION: z.string().default('us-east-1'),
  STORAGE_S3_ENDPOINT: z.url().optional(),
  STORAGE_S3_ACCESS_KEY_ID: z.string().optional(),
  STORAGE_S3_SECRET_ACCESS_KEY: z.string().optional(),
  STORAGE_S3_FORCE_PATH_STYLE: bool.default(false),
});

/**
 * Without PUBLIC_URL, links name the address the API listens on, so they have
 * the origin clients reach it at (a wildcard address is reached on loopback).
 */
function defaultPublicUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

/** PEM private keys separated by blank lines or newlines between blocks; the first one signs. */
function splitPems(value: string | undefined): string[] {
  return (value ?? '').match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  embeddedPgPort: number;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  mailDir: string;
  /** The operator's terms.md and privacy.md (LEGAL_DIR, default DATA_DIR/legal). */
  legalDir: string;
  jwtSecret: string;
  urlSigningSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  corsOrigins: string[];
  bodyLimitKb: number;
  rateLimits: { authPerMinute: number; loginFailuresPerAccount: number; telemetryPerMinute: number; validatePerMinute: number };
  /** Telemetry events older than this are deleted; the daily rollups stay. */
  telemetryRetentionDays: number;
  /** Bearer token that /metrics requires; unset means /metrics is off. */
  metricsToken: string | undefined;
  logLevel: Env['LOG_LEVEL'];
  logPretty: boolean;
  /** Proxies in front of the API whose X-Forwarded-For entries are trusted (0: none). */
  trustProxyHops: number;
  /** Ed25519 private keys (PEM) from the environment; empty means generate/load under DATA_DIR/keys. */
  signingKeys: { activation: string[] };
  /** The release keyset document (written by `release-keys`, signed by the offline root); the API holds no release private key. */
  releaseKeysetFile: string;
  /** Release artifacts: a folder under DATA_DIR, or an S3-compatible bucket when STORAGE_S3_BUCKET is set. */
  storage: { localDir: string; s3: S3StorageConfig | undefined };
  releaseMaxUploadBytes: number;
  /** Lifetime of a signed download link: long enough to start a download, short enough that a leaked link dies. */
  downloadUrlTtlSeconds: number;
  stripe: StripeConfig;
  /** Unset: newsletter consent is recorded but nothing is synced (no Mailchimp, no emulator). */
  mailchimp: MailchimpConfig | undefined;
  /** Responses are checked against their schemas outside production, so contract drift fails tests. */
  validateResponses: boolean;
}

export interface S3StorageConfig {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  /** Unset means the SDK's default credential chain (environment, instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  forcePathStyle: boolean;
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  publishableKey: string;
  /** Set when the API talks to a local emulator instead of api.stripe.com. */
  apiBase: URL | undefined;
}

export interface MailchimpConfig {
  apiKey: string;
  serverPrefix: string;
  audienceId: string;
  webhookSecret: string;
  /** Set when the API talks to the local emulator instead of <prefix>.api.mailchimp.com. */
  apiBase: URL | undefined;
}

export class ConfigError extends Error {}

function mailchimpConfig(e: z.infer<typeof EnvSchema>): MailchimpConfig | undefined {
  const real = [e.MAILCHIMP_API_KEY, e.MAILCHIMP_SERVER_PREFIX, e.MAILCHIMP_AUDIENCE_ID];
  if (real.some(Boolean) && !real.every(Boolean)) {
    throw new ConfigError('MAILCHIMP_API_KEY, MAILCHIMP_SERVER_PREFIX and MAILCHIMP_AUDIENCE_ID go together: set all three, or none.');
  }
  if (e.MAILCHIMP_API_KEY) {
    return { apiKey: e.MAILCHIMP_API_KEY, serverPrefix: e.MAILCHIMP_SERVER_PREFIX!, audienceId: e.MAILCHIMP_AUDIENCE_ID!, webhookSecret: e.MAILCHIMP_WEBHOOK_SECRET, apiBase: undefined };
  }
  if (e.MAILCHIMP_API_BASE) return { ...EMULATOR_MAILCHIMP, webhookSecret: e.MAILCHIMP_WEBHOOK_SECRET, apiBase: new URL(e.MAILCHIMP_API_BASE) };
  return undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (env.TRUST_PROXY !== undefined) {
    throw new ConfigError('TRUST_PROXY was replaced by TRUST_PROXY_HOPS: set it to the number of proxies in front of the API (0 ignores X-Forwarded-For).');
  }
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    if (e.JWT_SECRET === DEFAULT_JWT_SECRET) throw new ConfigError('JWT_SECRET must be set in production.');
    if (e.URL_SIGNING_SECRET === DEFAULT_URL_SIGNING_SECRET)
      throw new ConfigError('URL_SIGNING_SECRET must be set in production.');
    if (!splitPems(e.SIGNING_KEYS).length) throw new ConfigError('SIGNING_KEYS (Ed25519 PEM private keys) must be set in production.');
    if (e.STRIPE_SECRET_KEY === DEFAULT_STRIPE_SECRET_KEY || e.STRIPE_WEBHOOK_SECRET === DEFAULT_STRIPE_WEBHOOK_SECRET)
      throw new ConfigError('STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set in production.');
    if (e.MAIL_FROM === DEFAULT_MAIL_FROM) throw new ConfigError('MAIL_FROM (the sender of every mail) must be set in production.');
    if (e.MAILCHIMP_API_KEY && e.MAILCHIMP_WEBHOOK_SECRET === DEFAULT_MAILCHIMP_WEBHOOK_SECRET)
      throw new ConfigError('MAILCHIMP_WEBHOOK_SECRET must be set in production when Mailchimp is.');
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? defaultPublicUrl(e.HOST, e.PORT)).replace(/\/$/, ''),
    dataDir,
    databaseUrl: e.DATABASE_URL || undefined,
    databasePoolMax: e.DATABASE_POOL_MAX,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    redisUrl: e.REDIS_URL || undefined,
    smtpUrl: e.SMTP_URL || undefined,
    mailFrom: e.MAIL_FROM,
    mailDir: path.join(dataDir, 'mail'),
    legalDir: path.resolve(e.LEGAL_DIR ?? path.join(dataDir, 'legal')),
    jwtSecret: e.JWT_SECRET,
    urlSigningSecret: e.URL_SIGNING_SECRET,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    corsOrigins: e.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    bodyLimitKb: e.BODY_LIMIT_KB,
    rateLimits: {
      authPerMinute: e.RATE_LIMIT_AUTH_PER_MINUTE,
      loginFailuresPerAccount: e.RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT,
      telemetryPerMinute: e.RATE_LIMIT_TELEMETRY_PER_MINUTE,
      validatePerMinute: e.RATE_LIMIT_VALIDATE_PER_MINUTE,
    },
    telemetryRetentionDays: e.TELEMETRY_RETENTION_DAYS,
    metricsToken: e.METRICS_TOKEN || undefined,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY ?? (e.NODE_ENV === 'development' && process.stdout.isTTY === true),
    trustProxyHops: e.TRUST_PROXY_HOPS,
    signingKeys: { activation: splitPems(e.SIGNING_KEYS) },
    releaseKeysetFile: path.resolve(e.RELEASE_KEYSET_FILE ?? path.join(dataDir, 'release-keyset.json')),
    storage: {
      localDir: path.join(dataDir, 'storage'),
      s3: e.STORAGE_S3_BUCKET
        ? {
            bucket: e.STORAGE_S3_BUCKET,
            region: e.STORAGE_S3_REGION,
            endpoint: e.STORAGE_S3_ENDPOINT,
            credentials:
              e.STORAGE_S3_ACCESS_KEY_ID && e.STORAGE_S3_SECRET_ACCESS_KEY
                ? { accessKeyId: e.STORAGE_S3_ACCESS_KEY_ID, secretAccessKey: e.STORAGE_S3_SECRET_ACCESS_KEY }
                : undefined,
            forcePathStyle: e.STORAGE_S3_FORCE_PATH_STYLE,
          }
        : undefined,
    },
    releaseMaxUploadBytes: e.RELEASE_MAX_UPLOAD_MB * 1024 * 1024,
    downloadUrlTtlSeconds: e.DOWNLOAD_URL_TTL_SECONDS,
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      publishableKey: e.STRIPE_PUBLISHABLE_KEY,
      apiBase: e.STRIPE_API_BASE ? new URL(e.STRIPE_API_BASE) : undefined,
    },
    mailchimp: mailchimpConfig(e),
    validateResponses: e.NODE_ENV !== 'production',
  };
}
