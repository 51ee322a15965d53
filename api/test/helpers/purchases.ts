import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startStripeEmulator, type DeliveryOptions, type StripeEmulator } from '../../../scripts/stripe-emulator';
import { startTestApi, type TestApi } from './api';

export interface PurchaseStack {
  t: TestApi;
  emulator: StripeEmulator;
  webhookSecret: string;
  close(): Promise<void>;
}

/**
 * A test API talking to its own Stripe emulator: the emulator starts first (the
 * API needs its URL), and learns the API's webhook URL once the API listens.
 * Retries come quickly so a failed delivery is retried within the test.
 */
export async function startPurchaseStack(delivery: DeliveryOptions = {}, env: Record<string, string> = {}): Promise<PurchaseStack> {
  const webhookSecret = `whsec_test_${randomBytes(12).toString('hex')}`;
  const emulator = await startStripeEmulator({
    port: 0,
    webhookSecret,
    delivery: { retryDelaysMs: [100, 200, 400, 800, 1600, 3200], ...delivery },
    log: process.env.TEST_LOG_LEVEL === 'debug' ? (line) => console.log(`[emulator] ${line}`) : undefined,
  });
  const t = await startTestApi({ STRIPE_API_BASE: emulator.url, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_SECRET_KEY: 'sk_test_purchases_suite', ...env });
  emulator.setWebhook(`${t.url}/api/v1/purchase/webhook`);
  return {
    t,
    emulator,
    webhookSecret,
    async close() {
      await emulator.close();
      await t.close();
    },
  };
}

export interface Checkout {
  session_id: string;
  client_secret: string;
  checkout_url: string;
  purchase_id: string;
}

export async function createCheckout(t: TestApi, token: string, plan = 'standard', licenseType = 'perpetual'): Promise<Checkout> {
  const res = await t.post('/purchase/create-checkout', { plan, license_type: licenseType }, token);
  if (res.status !== 200) throw new Error(`create-checkout failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Checkout;
}

/** What the emulator's payment form does when the buyer presses a button. */
export async function payInForm(
  emulator: StripeEmulator,
  checkout: Pick<Checkout, 'session_id' | 'client_secret'>,
  body: Record<string, unknown> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${emulator.url}/_emulator/checkout/sessions/${checkout.session_id}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_secret: checkout.client_secret, card_number: '4242 4242 4242 4242', ...body }),
  });
  return { status: res.status, body: await res.json() };
}

/** Calls one of the emulator's test controls (renew, fail_renewal, cancel, dispute, settle...). */
export async function control(emulator: StripeEmulator, pathname: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${emulator.url}/_emulator/${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`emulator ${pathname}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How many mails tagged `tag` were written for `to` (mail is delivered by the job queue, so wait for it first). */
export async function countMails(t: TestApi, to: string, tag: string): Promise<number> {
  const needle = to.replace(/[^a-zA-Z0-9@._-]/g, '_');
  const files = await readdir(path.join(t.dataDir, 'mail')).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.eml') && f.includes(`-${tag}-`) && f.includes(needle)).length;
}

export async function query<T = Record<string, unknown>>(t: TestApi, sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> {
  const [rows] = await t.api.deps.sequelize.query(sql, { replacements });
  return rows as T[];
}

/** Mails queued (durably, whether delivered yet or not) for `to` with this tag: the exactly-once count. */
export async function countQueuedMails(t: TestApi, to: string, tag: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    t,
    `SELECT count(*)::int AS n FROM (
       SELECT data FROM pgboss.job WHERE name = 'mail.send'
       UNION ALL SELECT data FROM pgboss.archive WHERE name = 'mail.send') j
      WHERE j.data->>'tag' = :tag AND j.data->>'to' = :to`,
    { tag, to },
  );
  return row!.n;
}
