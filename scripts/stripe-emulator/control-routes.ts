import { getCheckoutSession, expireCheckoutSession, outcomeForCard, payCheckoutSession, settleDelayedPayment, type PaymentOutcome } from './checkout';
import { invalidParam, StripeApiError } from './errors';
import type { FormObject } from './form-encoding';
import { PAGE_CSP, PAYMENT_FORM_JS, PORTAL_JS, paymentFormPage, portalPage, receiptPage } from './pages';
import { disputeCharge } from './payments';
import { stringParam, type StripeState } from './state';
import { cancelSubscription, changeSubscriptionPrice, renewSubscription, setCancelAtPeriodEnd } from './subscriptions';
import type { DeliveryOrder, WebhookDispatcher } from './webhooks';

/** A response that is not Stripe JSON: a page or a script. */
export class RawResponse {
  constructor(
    readonly contentType: string,
    readonly body: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface ControlRoute {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(s: StripeState, input: { params: FormObject; ids: string[] }): unknown;
}

const ID = '([A-Za-z0-9_]+)';
const c = (method: ControlRoute['method'], path: string, handle: ControlRoute['handle']): ControlRoute => ({
  method,
  pattern: new RegExp(`^${path.replaceAll(':id', ID)}$`),
  handle,
});

const OUTCOMES: PaymentOutcome[] = ['succeed', 'decline', 'insufficient_funds', 'delayed'];

function optionalTimestamp(params: FormObject, key: string): number | undefined {
  const raw = params[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw invalidParam(key, `${key} must be a Unix timestamp in seconds.`);
  return n;
}

const html = (body: string) => new RawResponse('text/html; charset=utf-8', body, { 'content-security-policy': PAGE_CSP });
const js = (body: string) => new RawResponse('text/javascript; charset=utf-8', body);

/**
 * What a tester does in Stripe's UI or with its test clocks, as HTTP: pay,
 * decline or cancel a checkout, settle a delayed payment, renew or fail a
 * subscription period, cancel, dispute. Not part of Stripe's API.
 */
export function controlRoutes(webhooks: WebhookDispatcher): ControlRoute[] {
  return [
    c('GET', '/_emulator/health', () => ({ ok: true })),
    c('GET', '/_emulator/assets/payment-form.js', () => js(PAYMENT_FORM_JS)),
    c('GET', '/_emulator/assets/portal.js', () => js(PORTAL_JS)),

    // The payment form: embedded in an iframe by the API's checkout page, or opened on its own (hosted mode).
    c('GET', '/embedded/:id', (s, { ids }) => formPage(s, ids[0]!)),
    c('GET', '/c/pay/:id', (s, { ids }) => formPage(s, ids[0]!)),
    c('GET', '/receipts/:id', (s, { ids }) => {
      const charge = s.find(s.charges, ids[0]!, 'charge');
      const pi = s.paymentIntents.get(charge.payment_intent);
      return html(
        receiptPage({
          title: 'Receipt',
          number: `#${charge.id.slice(-8).toUpperCase()}`,
          email: charge.billing_details.email,
          amount: charge.amount,
          refunded: charge.amount_refunded,
          currency: charge.currency,
          paidAt: charge.paid ? charge.created : null,
          lines: [pi?.description ?? 'Payment'],
          card: `${charge.payment_method_details.card.brand} •••• ${charge.payment_method_details.card.last4}`,
        }),
      );
    }),
    c('GET', '/i/:id', (s, { ids }) => {
      const invoice = s.find(s.invoices, ids[0]!, 'invoice');
      return html(
        receiptPage({
          title: invoice.status === 'paid' ? 'Receipt' : 'Invoice',
          number: invoice.number,
          email: invoice.customer_email,
          amount: invoice.total,
          refunded: 0,
          currency: invoice.currency,
          paidAt: invoice.status_transitions.paid_at,
          lines: invoice.lines.data.map((l) => l.description ?? l.id),
          card: null,
        }),
      );
    }),
    c('GET', '/p/session/:id', (s, { ids }) => {
      const portal = s.find(s.portalSessions, ids[0]!, 'billing_portal.session');
      const customer = s.find(s.customers, portal.customer, 'customer');
      const subs = [...s.subscriptions.values()].filter((sub) => sub.customer === customer.id);
      return html(portalPage(portal, customer, subs));
    }),

    c('POST', '/_emulator/checkout/sessions/:id/pay', (s, { ids, params }) => {
      const requested = stringParam(params, 'outcome');
      if (requested && !OUTCOMES.includes(requested as PaymentOutcome)) {
        throw invalidParam('outcome', `outcome must be one of ${OUTCOMES.join(', ')}`);
      }
      const outcome = (requested as PaymentOutcome | undefined) ?? outcomeForCard(stringParam(params, 'card_number'));
      const email = stringParam(params, 'email');
      const session = getCheckoutSession(s, ids[0]!);
      if (email && !session.customer) session.customer_email = email;
      return payCheckoutSession(s, ids[0]!, stringParam(params, 'client_secret'), outcome);
    }),
    c('POST', '/_emulator/checkout/sessions/:id/cancel', (s, { ids, params }) => {
      const session = getCheckoutSession(s, ids[0]!);
      if (session.client_secret && stringParam(params, 'client_secret') !== session.client_secret) {
        throw new StripeApiError(401, 'invalid_request_error', 'The client_secret provided does not match this Checkout Session.', 'client_secret_invalid', 'client_secret');
      }
      return expireCheckoutSession(s, session.id);
    }),
    c('POST', '/_emulator/checkout/sessions/:id/settle', (s, { ids, params }) =>
      settleDelayedPayment(s, ids[0]!, String(params.succeed ?? 'true') !== 'false'),
    ),

    c('POST', '/_emulator/subscriptions/:id/renew', (s, { ids, params }) => renewSubscription(s, ids[0]!, true, optionalTimestamp(params, 'at'))),
    c('POST', '/_emulator/subscriptions/:id/fail_renewal', (s, { ids, params }) =>
      renewSubscription(s, ids[0]!, false, optionalTimestamp(params, 'at')),
    ),
    c('POST', '/_emulator/subscriptions/:id/cancel', (s, { ids }) => cancelSubscription(s, ids[0]!)),
    c('POST', '/_emulator/subscriptions/:id/change_price', (s, { ids, params }) => changeSubscriptionPrice(s, ids[0]!, String(params.price ?? ''))),
    c('POST', '/_emulator/subscriptions/:id/cancel_at_period_end', (s, { ids, params }) => {
      const portal = s.find(s.portalSessions, stringParam(params, 'portal_session') ?? '', 'billing_portal.session', 'portal_session');
      const sub = s.find(s.subscriptions, ids[0]!, 'subscription');
      if (sub.customer !== portal.customer) throw invalidParam('portal_session', 'This subscription belongs to another customer.');
      return setCancelAtPeriodEnd(s, sub.id, String(params.cancel ?? 'true') !== 'false');
    }),
    c('POST', '/_emulator/charges/:id/dispute', (s, { ids, params }) => {
      const outcome = stringParam(params, 'outcome') ?? 'lost';
      if (outcome !== 'lost' && outcome !== 'won') throw invalidParam('outcome', 'outcome must be lost or won');
      return disputeCharge(s, ids[0]!, outcome);
    }),

    // Webhook delivery knobs, for manual testing; tests use the JavaScript handle.
    c('POST', '/_emulator/webhooks/endpoint', (_s, { params }) => {
      webhooks.setEndpoint(stringParam(params, 'url'), stringParam(params, 'secret'));
      return { url: webhooks.endpoint.url ?? null };
    }),
    c('POST', '/_emulator/webhooks/hold', () => {
      webhooks.hold();
      return { held: true };
    }),
    c('POST', '/_emulator/webhooks/release', (_s, { params }) => {
      const order = (stringParam(params, 'order') ?? 'emitted') as DeliveryOrder;
      if (!['emitted', 'reverse', 'shuffle'].includes(order)) throw invalidParam('order', 'order must be emitted, reverse or shuffle');
      const duplicates = Number(stringParam(params, 'duplicates') ?? '1');
      return { released: webhooks.release({ order, duplicates }) };
    }),
    c('GET', '/_emulator/webhooks/deliveries', () => ({ object: 'list', data: webhooks.deliveries })),
  ];
}

function formPage(s: StripeState, id: string): RawResponse {
  const session = getCheckoutSession(s, id);
  const extras = s.sessionExtras.get(id);
  const customer = session.customer ? s.customers.get(session.customer) : undefined;
  return html(paymentFormPage(session, extras?.lines.map((l) => l.price) ?? [], customer));
}
