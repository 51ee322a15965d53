/**
 * `npm run mailchimp-emulator`: the emulator on its own, for manual testing.
 * Point the API at it with MAILCHIMP_API_BASE=<printed url>.
 */
import { parseArgs } from 'node:util';
import { startMailchimpEmulator } from './index';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.MAILCHIMP_EMULATOR_PORT ?? '12112' },
    host: { type: 'string', default: '127.0.0.1' },
    'webhook-url': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('Usage: npm run mailchimp-emulator -- [--port 12112] [--host 127.0.0.1] [--webhook-url URL]');
  process.exit(0);
}

const emulator = await startMailchimpEmulator({
  port: Number(values.port),
  host: values.host,
  ...(values['webhook-url'] ? { webhookUrl: values['webhook-url'] } : {}),
  log: (line) => console.log(`[mailchimp-emulator] ${line}`),
});
console.log(`Mailchimp emulator on ${emulator.url}; run the API with MAILCHIMP_API_BASE=${emulator.url}`);

const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
