import { failCharge, newPaymentIntent, succeedCharge } from './payments';
import { invalidState } from './errors';
import { addInterval, list, newId, nowSeconds, type CheckoutSession, type Invoice, type InvoicePayment, type Subscription } from './objects';
import type { SessionExtras, StripeState } from './state';

/**
 * Subscriptions bill one period at a time through invoices, each paid by its own
 * PaymentIntent. Real Stripe moves on its own clock; here a tester (or a test)
 * says when the next renewal happens and whether its charge succeeds.
 */
export function startSubscription(s: StripeState, session: CheckoutSession, extras: SessionExtras) {
  const { price, quantity } = extras.lines[0]!;
  const start = nowSeconds();
  const id = newId('sub');
  const subscription: Subscription = {
    id,
    object: 'subscription',
    billing_cycle_anchor: start,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
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
          created: start,
          current_period_start: start,
          current_period_end: addInterval(start, price.recurring!.interval, price.recurring!.interval_count),
          metadata: {},
          price,
          quantity,
          subscription: id,
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
          invoice: id,
          metadata: {},
          parent: {
            type: 'subscription_item_details',
            subscription_item_details: { subscription: subscription.id, subscription_item: item.id, proration: false, invoice_item: null },
          },
          period: { start: item.current_period_start, end: item.current_period_end },
          pricing: { type: 'price_details', price_details: { price: item.price.id, product: item.price.product }, unit_amount_decimal: item.price.unit_amount_decimal },
          quantity: item.quantity,
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
    status_transitions: { finalized_at: now, paid_at: null },
    subtotal: amount,
    total: amount,
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
  subscription.items.data[0]!.price = price;
  s.emit('customer.subscription.updated', subscription, previous);
  return subscription;
}
