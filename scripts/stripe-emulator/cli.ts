/**
 * `npm run stripe-emulator`: the emulator on its own, for manual testing.
 * Point the API at it with STRIPE_API_BASE=<printed url> and the same
 * STRIPE_WEBHOOK_SECRET.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_WEBHOOK_SECRET, startStripeEmulator } from './index';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.STRIPE_EMULATOR_PORT ?? '12111' },
    host: { type: 'string', default: '127.0.0.1' },
    'webhook-url': { type: 'string', default: process.env.STRIPE_WEBHOOK_URL ?? 'http://127.0.0.1:3001/api/v1/purchase/webhook' },
    'webhook-secret': { type: 'string', default: process.env.STRIPE_WEBHOOK_SECRET ?? DEFAULT_WEBHOOK_SECRET },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('Usage: npm run stripe-emulator -- [--port 12111] [--host 127.0.0.1] [--webhook-url URL] [--webhook-secret whsec_...]');
  process.exit(0);
}

const emulator = await startStripeEmulator({
  port: Number(values.port),
  host: values.host,
  webhookUrl: values['webhook-url'],
  webhookSecret: values['webhook-secret'],
  log: (line) => console.log(`[stripe-emulator] ${line}`),
});
console.log(`Stripe emulator on ${emulator.url}; webhooks go to ${values['webhook-url']}`);
console.log(`Run the API with STRIPE_API_BASE=${emulator.url} STRIPE_WEBHOOK_SECRET=${values['webhook-secret']}`);

const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
