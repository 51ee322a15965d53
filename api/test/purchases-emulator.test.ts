import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { DEFAULT_PRICES, startStripeEmulator, type StripeEmulator } from '../../scripts/stripe-emulator';
import { startTestApi } from './helpers/api';

/** The emulator on its own, driven by the official stripe package, with a bare HTTP server as webhook endpoint. */
let emulator: StripeEmulator;
let stripe: Stripe;
let hook: Server;
const received: Array<{ body: string; signature: string }> = [];
let failNext = 0;
const SECRET = 'whsec_emulator_suite_secret';

before(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500).end();
        return;
      }
      received.push({ body, signature: String(req.headers['stripe-signature']) });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  emulator = await startStripeEmulator({
    port: 0,
    webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
    webhookSecret: SECRET,
    delivery: { retryDelaysMs: [50, 50, 50] },
  });
  const url = new URL(emulator.url);
  stripe = new Stripe('sk_test_emulator_suite', { host: url.hostname, port: url.port, protocol: 'http', maxNetworkRetries: 0 });
});
after(async () => {
  await emulator.close();
  hook.close();
});

const RETURN_URL = 'http://localhost:3001/checkout/success?session_id={CHECKOUT_SESSION_ID}';

describe('Stripe API emulation', () => {
  it("answers with Stripe's error shapes, through the stripe package's error classes", async () => {
    await assert.rejects(stripe.checkout.sessions.retrieve('cs_test_missing'), (err: any) => {
      assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'resource_missing');
      assert.equal(err.param, 'id');
      return true;
    });
    await assert.rejects(stripe.checkout.sessions.create({ mode: 'payment', ui_mode: 'embedded_page', return_url: RETURN_URL }), (err: any) => {
      assert.equal(err.code, 'parameter_missing');
      assert.equal(err.param, 'line_items');
      return true;
    });
    // The pinned API version renamed `embedded` to `embedded_page`.
    await assert.rejects(
      stripe.checkout.sessions.create({ mode: 'payment', ui_mode: 'embedded' as never, line_items: [{ price: DEFAULT_PRICES[0]!.id, quantity: 1 }], return_url: RETURN_URL }),
      (err: any) => err.code === 'parameter_invalid_enum' && err.param === 'ui_mode',
    );
    const badKey = new Stripe('sk_live_nope', { host: new URL(emulator.url).hostname, port: new URL(emulator.url).port, protocol: 'http', maxNetworkRetries: 0 });
    await assert.rejects(badKey.customers.create({}), (err: any) => err instanceof Stripe.errors.StripeAuthenticationError && err.statusCode === 401);
  });

  it('replays a request with the same Idempotency-Key and refuses the key with other parameters', async () => {
    const a = await stripe.customers.create({ email: 'idem@example.test' }, { idempotencyKey: 'idem-1' });
    const b = await stripe.customers.create({ email: 'idem@example.test' }, { idempotencyKey: 'idem-1' });
    assert.equal(a.id, b.id);
    assert.equal(b.lastResponse.headers['idempotent-replayed'], 'true');
    await assert.rejects(stripe.customers.create({ email: 'other@example.test' }, { idempotencyKey: 'idem-1' }), (err: any) => err instanceof Stripe.errors.StripeIdempotencyError);
  });

  it('an embedded session: client secret, no hosted url, return_url filled in on payment', async () => {
    const customer = await stripe.customers.create({ email: 'buyer@example.test' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      customer: customer.id,
      line_items: [{ price: 'price_ngn_standard_perpetual', quantity: 1 }],
      metadata: { purchase_id: 'p1' },
      payment_intent_data: { metadata: { purchase_id: 'p1' } },
      return_url: RETURN_URL,
    });
    assert.equal(session.url, null);
    assert.equal(session.amount_total, 2999);
    assert.equal(session.currency, 'usd');
    const res = await fetch(`${emulator.url}/_emulator/checkout/sessions/${session.id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_secret: 'wrong' }),
    });
    assert.equal(res.status, 401);
    const ok = await fetch(`${emulator.url}/_emulator/checkout/sessions/${session.id}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_secret: session.client_secret }),
    });
    const paid = (await ok.json()) as { return_url: string };
    assert.equal(paid.return_url, RETURN_URL.replace('{CHECKOUT_SESSION_ID}', session.id));
    const after = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(after.status, 'complete');
    assert.equal(after.payment_status, 'paid');
    const pi = await stripe.paymentIntents.retrieve(after.payment_intent as string);
    assert.equal(pi.metadata.purchase_id, 'p1');
    assert.equal((await stripe.checkout.sessions.list({ payment_intent: pi.id })).data[0]?.id, session.id);

    // expand[] replaces an id by its object, one level per dot, and refuses what cannot be expanded, as Stripe does.
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
    const charge = (expanded.payment_intent as Stripe.PaymentIntent).latest_charge as Stripe.Charge;
    assert.equal(charge.object, 'charge');
    assert.match(charge.receipt_url!, /\/receipts\/ch_/);
    assert.equal(charge.receipt_url, (await stripe.charges.retrieve(pi.latest_charge as string)).receipt_url);
    await assert.rejects(stripe.paymentIntents.retrieve(pi.id, { expand: ['amount'] }), (err: any) => err.type === 'StripeInvalidRequestError' && /cannot be expanded/.test(err.message));
  });
});

describe('webhooks', () => {
  it('signs every delivery so that the stripe package verifies it, and retries a failed delivery', async () => {
    await emulator.webhooks.idle();
    received.length = 0;
    failNext = 2;
    const customer = await stripe.customers.create({ email: 'signed@example.test' });
    await emulator.webhooks.idle();
    assert.equal(received.length, 1);
    const event = stripe.webhooks.constructEvent(received[0]!.body, received[0]!.signature, SECRET);
    assert.equal(event.type, 'customer.created');
    assert.equal((event.data.object as Stripe.Customer).id, customer.id);
    const attempts = emulator.webhooks.deliveries.filter((d) => d.event_id === event.id).map((d) => d.status);
    assert.deepEqual(attempts, [500, 500, 200]);
    assert.throws(() => stripe.webhooks.constructEvent(received[0]!.body, received[0]!.signature, 'whsec_other'));
  });

  it('delivers duplicates and holds events for out-of-order release', async () => {
    await emulator.webhooks.idle();
    received.length = 0;
    emulator.webhooks.hold();
    await stripe.customers.create({ email: 'one@example.test' });
    await stripe.customers.create({ email: 'two@example.test' });
    assert.equal(received.length, 0);
    emulator.webhooks.release({ order: 'reverse', duplicates: 3 });
    await emulator.webhooks.idle();
    const emails = received.map((r) => (JSON.parse(r.body) as { data: { object: { email: string } } }).data.object.email);
    assert.equal(emails.length, 6);
    assert.equal(emails.filter((e) => e === 'one@example.test').length, 3);
  });
});

describe('pages and catalog', () => {
  it('serves a payment form with stable labels and buttons', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      line_items: [{ price: 'price_ngn_pro_perpetual', quantity: 1 }],
      return_url: RETURN_URL,
    });
    const res = await fetch(`${emulator.url}/embedded/${session.id}?client_secret=${session.client_secret}`);
    assert.equal(res.status, 200);
    const html = await res.text();
    for (const text of ['aria-label="Emulated Stripe payment form"', '>Email</label>', '>Card number</label>', '>Pay</button>', '>Fail payment</button>', '>Cancel payment</button>', 'role="status"', 'role="alert"', '$59.99']) {
      assert.ok(html.includes(text), text);
    }
    const script = await fetch(`${emulator.url}/_emulator/assets/payment-form.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
  });

  it("prices match the API's seeded plans", async () => {
    const t = await startTestApi();
    try {
      const plans = (await t.get('/purchase/plans')).body.plans as Array<{ amount: number; currency: string; interval: string | null; id: string }>;
      const [rows] = await t.api.deps.sequelize.query('SELECT id, stripe_price_id FROM plans');
      const priceOf = new Map((rows as Array<{ id: string; stripe_price_id: string }>).map((r) => [r.id, r.stripe_price_id]));
      assert.equal(plans.length, DEFAULT_PRICES.length);
      for (const plan of plans) {
        const price = DEFAULT_PRICES.find((p) => p.id === priceOf.get(plan.id));
        assert.ok(price, plan.id);
        assert.equal(price.unit_amount, plan.amount);
        assert.equal(price.currency.toUpperCase(), plan.currency);
        assert.equal(price.recurring?.interval ?? null, plan.interval);
      }
    } finally {
      await t.close();
    }
  });
});
