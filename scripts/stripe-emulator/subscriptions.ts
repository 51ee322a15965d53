import { failCharge, newPaymentIntent, succeedCharge } from './payments';
import { invalidState } from './errors';
import { addInterval, list, newId, nowSeconds, type CheckoutSession, type Invoice, type InvoicePayment, type Price, type Subscription, type SubscriptionItem } from './objects';
import type { SessionExtras, StripeState } from './state';

/**
 * Subscriptions bill one period at a time through invoices, each paid by its own
 * PaymentIntent. Real Stripe moves on its own clock; here a tester (or a test)
 * says when the next renewal happens and whether its charge succeeds.
 */
/** What Stripe sends on every subscription for what this project leaves off (trials, Connect, pauses, schedules...). */
const SUBSCRIPTION_FEATURES_LEFT_OFF = {
  application: null,
  application_fee_percent: null,
  automatic_tax: { disabled_reason: null, enabled: false, liability: null },
  billing_cycle_anchor_config: null,
  billing_mode: { flexible: null, type: 'classic' },
  billing_schedules: [],
  billing_thresholds: null,
  customer_account: null,
  days_until_due: null,
  default_payment_method: null,
  default_source: null,
  description: null,
  discounts: [],
  invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
  managed_payments: null,
  next_pending_invoice_item_invoice: null,
  on_behalf_of: null,
  pause_collection: null,
  payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
  pending_invoice_item_interval: null,
  pending_setup_intent: null,
  pending_update: null,
  schedule: null,
  test_clock: null,
  transfer_data: null,
  trial_end: null,
  trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
  trial_start: null,
} satisfies Partial<Subscription>;

/** The same for invoices (taxes, credit notes, shipping, Connect...). */
const INVOICE_FEATURES_LEFT_OFF = {
  account_country: 'US',
  account_name: 'NextGen Noise',
  account_tax_ids: null,
  amount_overpaid: 0,
  amount_shipping: 0,
  application: null,
  automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
  automatically_finalizes_at: null,
  custom_fields: null,
  customer_account: null,
  customer_address: null,
  customer_phone: null,
  customer_shipping: null,
  customer_tax_exempt: 'none',
  default_payment_method: null,
  default_source: null,
  default_tax_rates: [],
  description: null,
  discounts: [],
  due_date: null,
  ending_balance: 0,
  footer: null,
  from_invoice: null,
  issuer: { type: 'self' },
  last_finalization_error: null,
  latest_revision: null,
  on_behalf_of: null,
  payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
  post_payment_credit_notes_amount: 0,
  pre_payment_credit_notes_amount: 0,
  receipt_number: null,
  rendering: null,
  shipping_cost: null,
  shipping_details: null,
  starting_balance: 0,
  statement_descriptor: null,
  test_clock: null,
  total_discount_amounts: [],
  total_pretax_credit_amounts: [],
  total_taxes: [],
} satisfies Partial<Invoice>;

/** The legacy Plan Stripe still sends beside each subscription item's price. */
function planOf(price: Price, recurring: NonNullable<Price['recurring']>): SubscriptionItem['plan'] {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

export function startSubscription(s: StripeState, session: CheckoutSession, extras: SessionExtras) {
  const { price, quantity } = extras.lines[0]!;
  const recurring = price.recurring!;
  const start = nowSeconds();
  const id = newId('sub');
  const subscription: Subscription = {
    ...SUBSCRIPTION_FEATURES_LEFT_OFF,
    id,
    object: 'subscription',
    billing_cycle_anchor: start,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: start,
    currency: session.currency,
    customer: session.customer!,
    ended_at: null,
    items: list(
      [
        {
          id: newId('si', 14),
          object: 'subscription_item',
          billing_thresholds: null,
          created: start,
          current_period_start: start,
          current_period_end: addInterval(start, recurring.interval, recurring.interval_count),
          current_trial: null,
          discounts: [],
          metadata: {},
          plan: planOf(price, recurring),
          price: { ...price, recurring },
          quantity,
          subscription: id,
          tax_rates: [],
        },
      ],
      `/v1/subscription_items?subscription=${id}`,
    ),
    latest_invoice: null,
    livemode: false,
    metadata: extras.subscriptionMetadata,
    start_date: start,
    status: 'active',
  };
  s.subscriptions.set(id, subscription);
  s.emit('customer.subscription.created', subscription);
  const invoice = openInvoice(s, subscription, 'subscription_create');
  chargeInvoice(s, subscription, invoice, true);
  return { subscription, invoice };
}

/** The next renewal: at `at` (default: the current period's end), paid or declined. */
export function renewSubscription(s: StripeState, id: string, succeed: boolean, at?: number): Subscription {
  const subscription = s.find(s.subscriptions, id, 'subscription');
  if (subscription.status === 'canceled') throw invalidState('This subscription is canceled and cannot be renewed.', 'resource_missing');
  const previous = { status: subscription.status, latest_invoice: subscription.latest_invoice, items: structuredClone(subscription.items) };
  const latest = subscription.latest_invoice ? s.invoices.get(subscription.latest_invoice) : undefined;
  if (latest?.status === 'open') {
    // A retry of the invoice that failed: same period, another attempt.
    chargeInvoice(s, subscription, latest, succeed);
  } else if (subscription.cancel_at_period_end) {
    cancelSubscription(s, id);
    return subscription;
  } else {
    const item = subscription.items.data[0]!;
    const start = at ?? item.current_period_end;
    item.current_period_start = start;
    item.current_period_end = addInterval(start, item.price.recurring!.interval, item.price.recurring!.interval_count);
    chargeInvoice(s, subscription, openInvoice(s, subscription, 'subscription_cycle'), succeed);
  }
  s.emit('customer.subscription.updated', subscription, previous);
  return subscription;
}

export function cancelSubscription(s: StripeState, id: string): Subscription {
  const subscription = s.find(s.subscriptions, id, 'subscription');
  if (subscription.status === 'canceled') throw invalidState('This subscription is already canceled.');
  const now = nowSeconds();
  subscription.status = 'canceled';
  subscription.canceled_at = now;
  subscription.ended_at = now;
  subscription.cancel_at_period_end = false;
  s.emit('customer.subscription.deleted', subscription);
  return subscription;
}

/** What the billing portal's cancel button does: stop at the end of the paid period (or undo that). */
export function setCancelAtPeriodEnd(s: StripeState, id: string, cancel: boolean): Subscription {
  const subscription = s.find(s.subscriptions, id, 'subscription');
  if (subscription.status === 'canceled') throw invalidState('This subscription is already canceled.');
  const previous = { cancel_at_period_end: subscription.cancel_at_period_end, cancel_at: subscription.cancel_at };
  subscription.cancel_at_period_end = cancel;
  subscription.cancel_at = cancel ? subscription.items.data[0]!.current_period_end : null;
  s.emit('customer.subscription.updated', subscription, previous);
  return subscription;
}

function openInvoice(s: StripeState, subscription: Subscription, reason: Invoice['billing_reason']): Invoice {
  const item = subscription.items.data[0]!;
  const amount = item.price.unit_amount * item.quantity;
  const customer = s.customers.get(subscription.customer);
  const id = newId('in');
  const now = nowSeconds();
  const invoice: Invoice = {
    ...INVOICE_FEATURES_LEFT_OFF,
    id,
    object: 'invoice',
    amount_due: amount,
    amount_paid: 0,
    amount_remaining: amount,
    attempt_count: 0,
    attempted: false,
    billing_reason: reason,
    collection_method: 'charge_automatically',
    created: now,
    currency: subscription.currency,
    customer: subscription.customer,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    effective_at: now,
    hosted_invoice_url: `${s.baseUrl()}/i/${id}`,
    invoice_pdf: null,
    lines: list(
      [
        {
          id: newId('il'),
          object: 'line_item',
          amount,
          currency: subscription.currency,
          description: `${item.quantity} × ${item.price.nickname ?? item.price.id}`,
          discount_amounts: [],
          discountable: true,
          discounts: [],
          invoice: id,
          livemode: false,
          metadata: {},
          parent: {
            type: 'subscription_item_details',
            invoice_item_details: null,
            subscription_item_details: {
              invoice_item: null,
              proration: false,
              proration_details: { credited_items: null },
              subscription: subscription.id,
              subscription_item: item.id,
            },
          },
          period: { start: item.current_period_start, end: item.current_period_end },
          pretax_credit_amounts: [],
          pricing: { type: 'price_details', price_details: { price: item.price.id, product: item.price.product }, unit_amount_decimal: item.price.unit_amount_decimal },
          quantity: item.quantity,
          quantity_decimal: String(item.quantity),
          subscription: subscription.id,
          subtotal: amount,
          taxes: [],
        },
      ],
      `/v1/invoices/${id}/lines`,
    ),
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: s.nextInvoiceNumber(),
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: structuredClone(subscription.metadata), subscription: subscription.id },
    },
    // Stripe's invoice-level period is the one that was billed in arrears; the line says what it pays for.
    period_end: now,
    period_start: now,
    status: 'open',
    status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    total: amount,
    total_excluding_tax: amount,
    webhooks_delivered_at: now,
  };
  s.invoices.set(id, invoice);
  subscription.latest_invoice = id;
  return invoice;
}

function chargeInvoice(s: StripeState, subscription: Subscription, invoice: Invoice, succeed: boolean) {
  const pi = newPaymentIntent(s, invoice.amount_due, invoice.currency, invoice.customer, {});
  const payment: InvoicePayment = {
    id: newId('inpay'),
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: invoice.amount_due,
    created: nowSeconds(),
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: pi.id },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  };
  s.invoicePayments.set(payment.id, payment);
  invoice.attempt_count += 1;
  invoice.attempted = true;
  if (succeed) {
    succeedCharge(s, pi);
    const now = nowSeconds();
    payment.status = 'paid';
    payment.amount_paid = invoice.amount_due;
    payment.status_transitions.paid_at = now;
    invoice.status = 'paid';
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.next_payment_attempt = null;
    invoice.status_transitions.paid_at = now;
    subscription.status = 'active';
    s.emit('invoice.paid', invoice);
    s.emit('invoice.payment_succeeded', invoice);
  } else {
    failCharge(s, pi, { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' });
    invoice.next_payment_attempt = nowSeconds() + 3 * 86_400;
    subscription.status = 'past_due';
    s.emit('invoice.payment_failed', invoice);
  }
}

/** What a plan change in the billing portal does: the subscription bills another recurring price from now on. */
export function changeSubscriptionPrice(s: StripeState, id: string, priceId: string): Subscription {
  const subscription = s.find(s.subscriptions, id, 'subscription');
  if (subscription.status === 'canceled') throw invalidState('This subscription is already canceled.');
  const price = s.find(s.prices, priceId, 'price', 'price');
  if (!price.recurring || !price.active) throw invalidState('A subscription can only move to an active recurring price.');
  const previous = { items: structuredClone(subscription.items) };
  const item = subscription.items.data[0]!;
  item.price = { ...price, recurring: price.recurring };
  item.plan = planOf(price, price.recurring);
  s.emit('customer.subscription.updated', subscription, previous);
  return subscription;
}
