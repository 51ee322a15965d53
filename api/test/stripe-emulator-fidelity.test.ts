import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import Stripe from 'stripe';
import { startStripeEmulator, type StripeEmulator } from '../../scripts/stripe-emulator';
import { ACCEPTED_PARAMS_FILE } from '../../scripts/stripe-emulator/schema/accepted-params';
import { stripeShapes } from '../../scripts/stripe-emulator/schema/from-stripe-types';
import { acceptedParamsJson } from '../../scripts/stripe-emulator/schema/generate-params';

/**
 * The emulator against the pinned `stripe` package's own types: every object
 * it answers with and every event it sends is validated against JSON Schemas
 * generated from those types (each key Stripe always sends present, nothing it
 * never sends, values of the declared types), and parameters Stripe refuses
 * are refused.
 */

/** The `object` value of each object the emulator sends, and the stripe type that describes it. */
const OBJECT_TYPES: Record<string, string> = {
  customer: 'Stripe.Customer',
  deleted_customer: 'Stripe.DeletedCustomer',
  price: 'Stripe.Price',
  'checkout.session': 'Stripe.Checkout.Session',
  item: 'Stripe.LineItem',
  payment_intent: 'Stripe.PaymentIntent',
  charge: 'Stripe.Charge',
  refund: 'Stripe.Refund',
  dispute: 'Stripe.Dispute',
  subscription: 'Stripe.Subscription',
  subscription_item: 'Stripe.SubscriptionItem',
  invoice: 'Stripe.Invoice',
  line_item: 'Stripe.InvoiceLineItem',
  invoice_payment: 'Stripe.InvoicePayment',
  'billing_portal.configuration': 'Stripe.BillingPortal.Configuration',
  'billing_portal.session': 'Stripe.BillingPortal.Session',
};

/** Every event type the emulator sends. */
const EVENT_TYPES = [
  'charge.dispute.closed',
  'charge.dispute.created',
  'charge.failed',
  'charge.refunded',
  'charge.succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.completed',
  'checkout.session.expired',
  'customer.created',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.deleted',
  'customer.subscription.updated',
  'customer.updated',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.payment_succeeded',
  'payment_intent.payment_failed',
  'payment_intent.succeeded',
  'price.created',
  'price.updated',
  'refund.created',
];

let emulator: StripeEmulator;
let stripe: Stripe;
const validators = new Map<string, ValidateFunction>();
/** Every JSON body the emulator answered an API call with. */
const answers: Array<{ call: string; body: unknown }> = [];

before(async () => {
  const shapes = stripeShapes(
    { ...OBJECT_TYPES, ...Object.fromEntries(EVENT_TYPES.map((t) => [`event:${t}`, `Extract<Stripe.Event, { type: '${t}' }>`])) },
    {},
  );
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema({ $id: 'stripe', definitions: shapes.objects.definitions });
  for (const [name, root] of Object.entries(shapes.objects.roots)) {
    validators.set(name, ajv.compile({ ...root, definitions: shapes.objects.definitions }));
  }

  emulator = await startStripeEmulator({ port: 0, delivery: { retryDelaysMs: [] } });
  const url = new URL(emulator.url);
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.ok) answers.push({ call: `${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`, body: await res.clone().json() });
    return res;
  };
  stripe = new Stripe('sk_test_fidelity', {
    host: url.hostname,
    port: url.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    httpClient: Stripe.createFetchHttpClient(recordingFetch),
  });
});
after(() => emulator.close());

async function control(path: string, body: Record<string, unknown> = {}) {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${path}: ${JSON.stringify(json)}`);
  return json as any;
}

async function paidSession(mode: 'payment' | 'subscription', price: string, customer?: string) {
  const session = await stripe.checkout.sessions.create({
    mode,
    ui_mode: 'embedded_page',
    line_items: [{ price, quantity: 1 }],
    return_url: 'http://localhost:3001/checkout/success?session_id={CHECKOUT_SESSION_ID}',
    ...(customer ? { customer } : { customer_email: 'fidelity@example.test' }),
    metadata: { purchase_id: 'p1' },
  });
  await control(`checkout/sessions/${session.id}/pay`, { client_secret: session.client_secret, card_number: '4242424242424242' });
  return stripe.checkout.sessions.retrieve(session.id);
}

/** An open embedded session for the Standard license, with nothing else set. */
function openPaymentSession() {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    ui_mode: 'embedded_page',
    line_items: [{ price: 'price_ngn_standard_perpetual', quantity: 1 }],
    return_url: 'http://localhost:3001/done',
  });
}

/** Validates one object by its `object` field, and each item of a list. */
function check(where: string, value: any, problems: string[]) {
  if (value?.object === 'list') {
    for (const item of value.data) check(where, item, problems);
    return;
  }
  const name = value?.object === 'event' ? `event:${value.type}` : value?.deleted ? 'deleted_customer' : value?.object;
  const validate = validators.get(name);
  if (!validate) {
    problems.push(`${where}: no schema for ${name}`);
    return;
  }
  if (!validate(value)) {
    for (const e of validate.errors!.slice(0, 5)) problems.push(`${where} (${name}) ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}

describe('the emulator speaks the pinned stripe types', () => {
  it('accepted-params.json is what the installed stripe package accepts (npm run stripe-emulator:params)', () => {
    assert.equal(readFileSync(ACCEPTED_PARAMS_FILE, 'utf8'), acceptedParamsJson());
  });

  it("refuses unknown and removed parameters with Stripe's 400, at any depth", async () => {
    const base = {
      mode: 'payment' as const,
      ui_mode: 'embedded_page' as const,
      return_url: 'http://localhost:3001/done',
      line_items: [{ price: 'price_ngn_standard_perpetual', quantity: 1 }],
    };
    // Removed from Checkout Sessions in this API version: real Stripe refuses it, so must we.
    await assert.rejects(stripe.checkout.sessions.create({ ...base, payment_method_types: ['card'] } as never), (err: any) => {
      assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
      assert.equal(err.statusCode, 400);
      assert.equal(err.code, 'parameter_unknown');
      assert.equal(err.param, 'payment_method_types');
      assert.equal(err.message, 'Received unknown parameter: payment_method_types');
      return true;
    });
    await assert.rejects(
      stripe.checkout.sessions.create({ ...base, line_items: [{ price: 'price_ngn_standard_perpetual', quantity: 1, colour: 'red' }] } as never),
      (err: any) => err.code === 'parameter_unknown' && err.param === 'line_items[0][colour]',
    );
    await assert.rejects(stripe.prices.update('price_ngn_pro_perpetual', { unit_amount: 1 } as never), (err: any) => err.param === 'unit_amount');
    // Query strings too, and nothing is created by a refused call.
    const before = emulator.state.sessions.size;
    const res = await fetch(`${emulator.url}/v1/checkout/sessions?limit=3&sort=asc`, { headers: { authorization: 'Bearer sk_test_fidelity' } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as any;
    assert.deepEqual(
      { type: body.error.type, code: body.error.code, param: body.error.param },
      { type: 'invalid_request_error', code: 'parameter_unknown', param: 'sort' },
    );
    assert.equal(emulator.state.sessions.size, before);
    // Metadata takes any key, expand any path: those are maps, not names.
    const customer = await stripe.customers.create({ email: 'm@example.test', metadata: { anything_at_all: 'x' } }, { idempotencyKey: 'fidelity-meta' });
    assert.equal(customer.metadata.anything_at_all, 'x');
  });

  it('every object it answers with and every event it sends matches the schemas generated from the stripe types', async () => {
    // Every endpoint and every control, so that every object and event type is produced at least once.
    const customer = await stripe.customers.create({ email: 'fidelity@example.test', name: 'Fidelity', metadata: { user_id: 'u1' } });
    await stripe.customers.update(customer.id, { name: 'Fidelity Two' });
    await stripe.customers.retrieve(customer.id);
    const price = await stripe.prices.create({ currency: 'usd', unit_amount: 1234, product_data: { name: 'Fidelity' }, recurring: { interval: 'month' } });
    await stripe.prices.update(price.id, { active: false });
    await stripe.prices.retrieve(price.id);
    await stripe.prices.list({ limit: 3 });

    const perpetual = await paidSession('payment', 'price_ngn_standard_perpetual', customer.id);
    await stripe.checkout.sessions.listLineItems(perpetual.id);
    await stripe.checkout.sessions.list({ customer: customer.id });
    await stripe.checkout.sessions.retrieve(perpetual.id, { expand: ['payment_intent.latest_charge', 'customer'] });
    const pi = await stripe.paymentIntents.retrieve(perpetual.payment_intent as string);
    await stripe.charges.retrieve(pi.latest_charge as string);
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500, reason: 'requested_by_customer' });
    await stripe.refunds.retrieve(refund.id);

    const disputed = await paidSession('payment', 'price_ngn_pro_perpetual', customer.id);
    const disputedPi = await stripe.paymentIntents.retrieve(disputed.payment_intent as string);
    await control(`charges/${disputedPi.latest_charge}/dispute`, { outcome: 'lost' });

    const declined = await openPaymentSession();
    await control(`checkout/sessions/${declined.id}/pay`, { client_secret: declined.client_secret, card_number: '4000000000000002' });
    await control(`checkout/sessions/${declined.id}/pay`, { client_secret: declined.client_secret, outcome: 'delayed' });
    await control(`checkout/sessions/${declined.id}/settle`, { succeed: true });
    const delayedFail = await openPaymentSession();
    await control(`checkout/sessions/${delayedFail.id}/pay`, { client_secret: delayedFail.client_secret, outcome: 'delayed' });
    await control(`checkout/sessions/${delayedFail.id}/settle`, { succeed: false });
    const abandoned = await openPaymentSession();
    await stripe.checkout.sessions.expire(abandoned.id);

    const monthly = await paidSession('subscription', 'price_ngn_standard_subscription', customer.id);
    const subId = monthly.subscription as string;
    await control(`subscriptions/${subId}/renew`);
    await control(`subscriptions/${subId}/fail_renewal`);
    await control(`subscriptions/${subId}/renew`);
    await control(`subscriptions/${subId}/change_price`, { price: 'price_ngn_pro_subscription' });
    const configuration = await stripe.billingPortal.configurations.create({
      business_profile: { headline: 'Fidelity' },
      features: { invoice_history: { enabled: true }, subscription_cancel: { enabled: true, mode: 'at_period_end' } },
    });
    await stripe.billingPortal.configurations.list({ active: true });
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: configuration.id, return_url: 'http://localhost:3001/account' });
    await control(`subscriptions/${subId}/cancel_at_period_end`, { portal_session: portal.id, cancel: true });
    const sub = await stripe.subscriptions.retrieve(subId, { expand: ['latest_invoice'] });
    await stripe.subscriptions.list({ customer: customer.id, status: 'all' });
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice && typeof sub.latest_invoice === 'object' ? sub.latest_invoice.id! : '');
    await stripe.invoicePayments.list({ invoice: invoice.id! });
    await stripe.subscriptions.cancel(subId);
    await stripe.events.list({ limit: 100 });
    await stripe.events.retrieve(emulator.state.events[0]!.id);
    await stripe.customers.del(customer.id);

    const problems: string[] = [];
    for (const { call, body } of answers) check(call, body, problems);
    const sent = emulator.state.events.map((e) => JSON.parse(JSON.stringify(e)));
    for (const event of sent) check(`event ${event.type}`, event, problems);
    assert.deepEqual(problems, []);

    // The run did produce what it claims to check: each object type (at any depth), each event type.
    const seen = new Set<string>();
    const collect = (v: any): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        if (typeof v.object === 'string') seen.add(v.deleted ? 'deleted_customer' : v.object);
        Object.values(v).forEach(collect);
      }
    };
    collect([answers.map((a) => a.body), sent]);
    for (const object of Object.keys(OBJECT_TYPES)) assert.ok(seen.has(object), `no ${object} produced`);
    assert.deepEqual([...new Set(sent.map((e) => e.type))].sort(), [...EVENT_TYPES].sort());
  });
});
