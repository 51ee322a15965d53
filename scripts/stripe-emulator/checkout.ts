import { invalidParam, invalidState, missingParam, StripeApiError } from './errors';
import type { FormObject } from './form-encoding';
import { list, newId, nowSeconds, type CheckoutSession, type LineItem, type PaymentError, type PaymentIntent } from './objects';
import { failCharge, newPaymentIntent, succeedCharge } from './payments';
import { metadataParam, stringParam, type StripeState } from './state';
import { startSubscription } from './subscriptions';

/** Stripe renamed `embedded` to `embedded_page` (and `hosted` to `hosted_page`) in API version 2026-03-25. */
const UI_MODE_RENAME_VERSION = '2026-03-25';

function uiModes(apiVersion: string) {
  return apiVersion >= UI_MODE_RENAME_VERSION
    ? { hosted: 'hosted_page', embedded: 'embedded_page', valid: ['hosted_page', 'embedded_page', 'elements'] }
    : { hosted: 'hosted', embedded: 'embedded', valid: ['hosted', 'embedded', 'custom'] };
}

/** What Stripe sends on every session for the features this project leaves off. */
const FEATURES_LEFT_OFF = {
  adaptive_pricing: null,
  after_expiration: null,
  allow_promotion_codes: null,
  allowed_payment_method_types: null,
  automatic_tax: { enabled: false, liability: null, provider: null, status: null },
  billing_address_collection: null,
  collected_information: null,
  consent: null,
  consent_collection: null,
  currency_conversion: null,
  custom_fields: [],
  custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
  customer_account: null,
  discounts: [],
  integration_identifier: null,
  invoice_creation: null,
  locale: null,
  managed_payments: null,
  origin_context: null,
  payment_link: null,
  payment_method_configuration_details: null,
  payment_method_options: {},
  permissions: null,
  recovered_from: null,
  saved_payment_method_options: null,
  setup_intent: null,
  shipping_address_collection: null,
  shipping_cost: null,
  shipping_options: [],
  submit_type: null,
  wallet_options: null,
} satisfies Partial<CheckoutSession>;

export function createCheckoutSession(s: StripeState, p: FormObject, apiVersion: string): CheckoutSession {
  const modes = uiModes(apiVersion);
  const uiMode = stringParam(p, 'ui_mode') ?? modes.hosted;
  if (!modes.valid.includes(uiMode)) {
    throw invalidParam('ui_mode', `Invalid ui_mode: must be one of ${modes.valid.join(', ')}`, 'parameter_invalid_enum');
  }
  const mode = stringParam(p, 'mode');
  if (!mode) throw missingParam('mode');
  if (mode !== 'payment' && mode !== 'subscription') {
    throw invalidParam('mode', 'Invalid mode: must be one of payment, setup or subscription', 'parameter_invalid_enum');
  }
  const embedded = uiMode === modes.embedded;
  const returnUrl = stringParam(p, 'return_url');
  const redirect = (stringParam(p, 'redirect_on_completion') ?? (embedded ? 'always' : undefined)) as CheckoutSession['redirect_on_completion'];
  if (embedded && !returnUrl && redirect !== 'never') throw missingParam('return_url');
  if (embedded && (stringParam(p, 'success_url') || stringParam(p, 'cancel_url'))) {
    throw invalidParam('success_url', `success_url and cancel_url are not supported with ui_mode=${uiMode}. Use return_url.`);
  }

  const rawLines = p.line_items;
  if (!Array.isArray(rawLines) || !rawLines.length) throw missingParam('line_items');
  const lines = rawLines.map((raw, i) => {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw missingParam(`line_items[${i}][price]`);
    const priceId = stringParam(raw, 'price');
    if (!priceId) throw missingParam(`line_items[${i}][price]`);
    const price = s.find(s.prices, priceId, 'price', `line_items[${i}][price]`);
    if (!price.active) throw invalidParam(`line_items[${i}][price]`, `The price specified is inactive. This field only accepts active prices.`);
    const quantity = Number(stringParam(raw, 'quantity') ?? '1');
    if (!Number.isInteger(quantity) || quantity < 1) {
      throw invalidParam(`line_items[${i}][quantity]`, 'Invalid integer: quantity', 'parameter_invalid_integer');
    }
    if (mode === 'payment' && price.recurring) {
      throw invalidParam(`line_items[${i}][price]`, 'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.');
    }
    if (mode === 'subscription' && !price.recurring) {
      throw invalidParam(`line_items[${i}][price]`, '`subscription` mode needs at least one recurring price.');
    }
    return { price, quantity };
  });
  const currency = lines[0]!.price.currency;
  if (lines.some((l) => l.price.currency !== currency)) throw invalidParam('line_items', 'All prices must have the same currency.');

  const customerId = stringParam(p, 'customer') ?? null;
  if (customerId) s.find(s.customers, customerId, 'customer', 'customer');
  const created = nowSeconds();
  const expiresAtParam = stringParam(p, 'expires_at');
  const amount = lines.reduce((sum, l) => sum + l.price.unit_amount * l.quantity, 0);
  const id = newId('cs_test', 58);
  const session: CheckoutSession = {
    ...FEATURES_LEFT_OFF,
    id,
    object: 'checkout.session',
    amount_subtotal: amount,
    amount_total: amount,
    cancel_url: stringParam(p, 'cancel_url') ?? null,
    client_reference_id: stringParam(p, 'client_reference_id') ?? null,
    client_secret: embedded ? `${id}_secret_${newId('x', 24).slice(2)}` : null,
    created,
    currency,
    customer: customerId,
    customer_creation: mode === 'payment' ? 'if_required' : 'always',
    customer_details: null,
    customer_email: stringParam(p, 'customer_email') ?? null,
    expires_at: expiresAtParam ? Number(expiresAtParam) : created + 24 * 3600,
    invoice: null,
    livemode: false,
    metadata: metadataParam(p),
    mode,
    payment_intent: null,
    payment_method_collection: 'always',
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    // Stripe sends these two only on embedded sessions.
    ...(redirect ? { redirect_on_completion: redirect } : {}),
    ...(returnUrl ? { return_url: returnUrl } : {}),
    status: 'open',
    subscription: null,
    success_url: stringParam(p, 'success_url') ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: uiMode,
    url: embedded ? null : `${s.baseUrl()}/c/pay/${id}`,
  };
  const pid = p.payment_intent_data;
  const sid = p.subscription_data;
  s.sessions.set(id, session);
  s.sessionExtras.set(id, {
    lines,
    paymentIntentMetadata: pid && typeof pid === 'object' && !Array.isArray(pid) ? metadataParam(pid) : {},
    subscriptionMetadata: sid && typeof sid === 'object' && !Array.isArray(sid) ? metadataParam(sid) : {},
  });
  return session;
}

/** Reads a session, expiring it first if its time is up (Stripe does this on its own clock). */
export function getCheckoutSession(s: StripeState, id: string): CheckoutSession {
  const session = s.find(s.sessions, id, 'checkout.session');
  if (session.status === 'open' && session.expires_at <= nowSeconds()) expire(s, session);
  return session;
}

export function expireCheckoutSession(s: StripeState, id: string): CheckoutSession {
  const session = getCheckoutSession(s, id);
  if (session.status !== 'open') {
    throw invalidState(`Only Checkout Sessions with a status in ["open"] can be expired. This session has a status of "${session.status}".`);
  }
  expire(s, session);
  return session;
}

function expire(s: StripeState, session: CheckoutSession) {
  session.status = 'expired';
  s.emit('checkout.session.expired', session);
}

/** How the tester's payment goes: test card numbers pick it the way Stripe's do. */
export type PaymentOutcome = 'succeed' | 'decline' | 'insufficient_funds' | 'delayed';

export function outcomeForCard(cardNumber: string | undefined): PaymentOutcome {
  const digits = (cardNumber ?? '').replace(/\D/g, '');
  if (digits === '4000000000000002') return 'decline';
  if (digits === '4000000000009995') return 'insufficient_funds';
  return 'succeed';
}

export interface PayResult {
  session: CheckoutSession;
  error: PaymentError | null;
  /** Where the buyer goes next: the session's return_url with its id filled in, once complete. */
  return_url: string | null;
}

export function payCheckoutSession(s: StripeState, id: string, clientSecret: string | undefined, outcome: PaymentOutcome): PayResult {
  const session = getCheckoutSession(s, id);
  if (session.client_secret && clientSecret !== session.client_secret) {
    throw new StripeApiError(401, 'invalid_request_error', 'The client_secret provided does not match this Checkout Session.', 'client_secret_invalid', 'client_secret');
  }
  if (session.status !== 'open') {
    throw invalidState(`This Checkout Session is ${session.status} and can no longer be paid.`, 'checkout_session_not_open');
  }
  const extras = s.sessionExtras.get(id)!;
  if (!session.customer) {
    session.customer = s.createCustomer({ email: session.customer_email ?? 'buyer@example.test' }).id;
  }
  const customer = s.customers.get(session.customer)!;
  session.customer_details = {
    address: null,
    business_name: null,
    email: customer.email ?? session.customer_email,
    individual_name: null,
    name: customer.name,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };

  if (outcome === 'decline' || outcome === 'insufficient_funds') {
    const pi = sessionPaymentIntent(s, session, extras.paymentIntentMetadata);
    const error = declineError(outcome);
    failCharge(s, pi, error);
    return { session, error, return_url: null };
  }
  if (session.mode === 'subscription') {
    if (outcome === 'delayed') throw invalidState('Delayed payment methods are emulated for payment mode only.');
    const { subscription, invoice } = startSubscription(s, session, extras);
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    completeSession(s, session, 'paid');
    return { session, error: null, return_url: returnUrlFor(session) };
  }
  const pi = sessionPaymentIntent(s, session, extras.paymentIntentMetadata);
  if (outcome === 'delayed') {
    pi.status = 'processing';
    completeSession(s, session, 'unpaid');
  } else {
    succeedCharge(s, pi);
    completeSession(s, session, 'paid');
  }
  return { session, error: null, return_url: returnUrlFor(session) };
}

/** Ends a delayed (bank-debit-like) payment of a completed session one way or the other. */
export function settleDelayedPayment(s: StripeState, id: string, succeed: boolean): CheckoutSession {
  const session = getCheckoutSession(s, id);
  const pi = session.payment_intent ? s.paymentIntents.get(session.payment_intent) : undefined;
  if (session.status !== 'complete' || session.payment_status !== 'unpaid' || !pi || pi.status !== 'processing') {
    throw invalidState('Only a completed session whose payment is still processing can be settled.');
  }
  if (succeed) {
    succeedCharge(s, pi);
    session.payment_status = 'paid';
    s.emit('checkout.session.async_payment_succeeded', session);
  } else {
    failCharge(s, pi, { type: 'card_error', code: 'payment_method_provider_decline', message: 'The bank declined the debit.' });
    s.emit('checkout.session.async_payment_failed', session);
  }
  return session;
}

function completeSession(s: StripeState, session: CheckoutSession, paymentStatus: 'paid' | 'unpaid') {
  session.status = 'complete';
  session.payment_status = paymentStatus;
  s.emit('checkout.session.completed', session);
}

function returnUrlFor(session: CheckoutSession): string | null {
  const url = session.return_url ?? session.success_url;
  return url ? url.replaceAll('{CHECKOUT_SESSION_ID}', session.id) : null;
}

function declineError(outcome: 'decline' | 'insufficient_funds'): PaymentError {
  return outcome === 'decline'
    ? { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' }
    : { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' };
}

/** One PaymentIntent per payment-mode session, reused across attempts as Stripe does. */
function sessionPaymentIntent(s: StripeState, session: CheckoutSession, metadata: Record<string, string>): PaymentIntent {
  const existing = session.payment_intent ? s.paymentIntents.get(session.payment_intent) : undefined;
  if (existing) return existing;
  const pi = newPaymentIntent(s, session.amount_total, session.currency, session.customer, session.mode === 'payment' ? metadata : {});
  if (session.mode === 'payment') session.payment_intent = pi.id;
  return pi;
}

/** GET /v1/checkout/sessions/:id/line_items: what the buyer was charged for, as Stripe lists it. */
export function sessionLineItems(s: StripeState, id: string) {
  const session = getCheckoutSession(s, id);
  const extras = s.sessionExtras.get(id)!;
  const items = extras.lines.map(({ price, quantity }, i): LineItem => ({
    id: `li_${id.slice(-16)}${i}`,
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: price.unit_amount * quantity,
    amount_tax: 0,
    amount_total: price.unit_amount * quantity,
    currency: session.currency,
    description: price.nickname,
    metadata: {},
    price,
    quantity,
  }));
  return list(items, `/v1/checkout/sessions/${id}/line_items`);
}
