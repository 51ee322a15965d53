/**
 * `npm start`: the whole system on embedded defaults: PostgreSQL (embedded unless
 * DATABASE_URL is set), migrations, demo data, the local Stripe emulator (unless
 * STRIPE_SECRET_KEY is set), the local Mailchimp emulator (unless
 * MAILCHIMP_API_KEY is set), the API, and the Companion.
 */
import { loadConfig } from '../api/src/config';
import { resolveDatabase } from '../api/src/db/resolve';
import { createLogger } from '../api/src/lib/logger';
import { startApi } from '../api/src/runtime';
import { DEMO_ADMIN, DEMO_USER, seedDemo } from './lib/seed-demo';
import { startCompanion } from './lib/start-companion';
import { startMailchimpEmulator, type MailchimpEmulator } from './mailchimp-emulator';
import { DEFAULT_WEBHOOK_SECRET, startStripeEmulator, type StripeEmulator } from './stripe-emulator';

const EMULATOR_PORT = Number(process.env.STRIPE_EMULATOR_PORT ?? 12111);
const MAILCHIMP_EMULATOR_PORT = Number(process.env.MAILCHIMP_EMULATOR_PORT ?? 12112);

async function main() {
  let emulator: StripeEmulator | undefined;
  if (!process.env.STRIPE_SECRET_KEY) {
    emulator = await startStripeEmulator({ port: EMULATOR_PORT, webhookSecret: DEFAULT_WEBHOOK_SECRET });
    // The API's config reads this; only this process's environment changes.
    process.env.STRIPE_API_BASE = emulator.url;
  }
  let mailchimp: MailchimpEmulator | undefined;
  if (!process.env.MAILCHIMP_API_KEY) {
    mailchimp = await startMailchimpEmulator({ port: MAILCHIMP_EMULATOR_PORT });
    process.env.MAILCHIMP_API_BASE = mailchimp.url;
  }
  const config = loadConfig();
  const logger = createLogger(config);
  const db = await resolveDatabase(config, logger);
  const api = await startApi(config, { databaseUrl: db.url, logger });
  emulator?.setWebhook(`${api.url}/api/v1/purchase/webhook`);
  if (config.mailchimp) mailchimp?.setWebhook(`${api.url}/api/v1/newsletter/mailchimp-webhook/${config.mailchimp.webhookSecret}`);
  await seedDemo(api);
  const companion = await startCompanion({ apiUrl: api.url, dataDir: config.dataDir, logger });

  console.log(`
  NextGen Noise is running
    API        ${api.url}/api/v1   (OpenAPI: ${api.url}/api/v1/openapi.json)
    Database   ${db.embedded ? `embedded PostgreSQL, data in ${config.dataDir}` : 'DATABASE_URL'}
    Payments   ${emulator ? `local Stripe emulator at ${emulator.url}` : 'Stripe (STRIPE_SECRET_KEY)'}
    Newsletter ${mailchimp ? `local Mailchimp emulator at ${mailchimp.url}` : 'Mailchimp (MAILCHIMP_API_KEY)'}
    Mail       ${config.smtpUrl ? 'SMTP_URL' : `files in ${config.mailDir}`}
    Companion  ${companion.description}
    Demo       ${DEMO_USER.email} / ${DEMO_USER.password}   admin: ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}
  Ctrl-C stops everything.
`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await companion.close();
    await api.close();
    await emulator?.close();
    await mailchimp?.close();
    await db.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
