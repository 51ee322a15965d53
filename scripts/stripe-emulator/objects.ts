import type Stripe from 'stripe';
import { randomBytes } from 'node:crypto';

/**
 * Stripe's JSON shapes, as the pinned `stripe` package types them: each
 * interface extends Stripe's own, so the compiler refuses an object that lacks
 * a key Stripe always sends. Where Stripe's type is wider than what the
 * emulator sends, it is narrowed: ids in expandable fields (the emulator
 * expands only on request, see expand.ts), decimals as the strings they are on
 * the wire, and the statuses the emulator reaches. Timestamps are Unix
 * seconds, amounts minor units, currencies lower-case.
 */
export type Metadata = Record<string, string>;

export interface ApiList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export interface Customer extends Omit<Stripe.Customer, 'default_source' | 'livemode'> {
  livemode: false;
  default_source: null;
  name: string | null;
}

export interface Price extends Omit<Stripe.Price, 'product' | 'unit_amount' | 'unit_amount_decimal' | 'recurring' | 'livemode' | 'type'> {
  livemode: false;
  product: string;
  recurring: (Omit<Stripe.Price.Recurring, 'interval'> & { interval: 'day' | 'week' | 'month' | 'year' }) | null;
  type: 'one_time' | 'recurring';
  unit_amount: number;
  unit_amount_decimal: string;
}

export type SessionStatus = 'open' | 'complete' | 'expired';

export interface CheckoutSession
  extends Omit<
    Stripe.Checkout.Session,
    'amount_subtotal' | 'amount_total' | 'currency' | 'customer' | 'invoice' | 'livemode' | 'metadata' | 'mode' | 'payment_intent' | 'payment_status' | 'status' | 'subscription' | 'ui_mode'
  > {
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  customer: string | null;
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  mode: 'payment' | 'subscription';
  payment_intent: string | null;
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  status: SessionStatus;
  subscription: string | null;
  ui_mode: string;
}

export interface LineItem extends Omit<Stripe.LineItem, 'price'> {
  price: Price;
}

export interface PaymentError {
  type: 'card_error';
  code: string;
  decline_code?: string;
  message: string;
}

export interface PaymentIntent extends Omit<Stripe.PaymentIntent, 'customer' | 'last_payment_error' | 'latest_charge' | 'livemode' | 'status'> {
  customer: string | null;
  /** Stripe's LastPaymentError with the fields a card decline carries. */
  last_payment_error: (PaymentError & { doc_url: string }) | null;
  latest_charge: string | null;
  livemode: false;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
}

export interface Charge extends Omit<Stripe.Charge, 'billing_details' | 'customer' | 'livemode' | 'payment_intent' | 'payment_method_details' | 'status'> {
  billing_details: Stripe.Charge.BillingDetails;
  customer: string | null;
  livemode: false;
  payment_intent: string;
  payment_method_details: Stripe.Charge.PaymentMethodDetails & { type: 'card'; card: Stripe.Charge.PaymentMethodDetails.Card };
  /** Stripe's page for the buyer's receipt (pay.stripe.com in production; the emulator's /receipts/:id here). */
  receipt_url: string | null;
  status: 'succeeded' | 'pending' | 'failed';
}

export interface Refund extends Omit<Stripe.Refund, 'charge' | 'metadata' | 'payment_intent' | 'status'> {
  charge: string;
  metadata: Metadata;
  payment_intent: string;
  status: 'succeeded';
}

export interface Dispute extends Omit<Stripe.Dispute, 'charge' | 'livemode' | 'payment_intent' | 'status'> {
  charge: string;
  livemode: false;
  payment_intent: string;
  status: 'needs_response' | 'under_review' | 'won' | 'lost';
}

export interface SubscriptionItem extends Omit<Stripe.SubscriptionItem, 'plan' | 'price' | 'quantity'> {
  plan: Omit<Stripe.Plan, 'amount_decimal' | 'livemode'> & { amount_decimal: string | null; livemode: false };
  price: Price & { recurring: NonNullable<Price['recurring']> };
  quantity: number;
}

export interface Subscription
  extends Omit<Stripe.Subscription, 'collection_method' | 'customer' | 'items' | 'latest_invoice' | 'livemode' | 'status'> {
  collection_method: 'charge_automatically';
  customer: string;
  items: ApiList<SubscriptionItem>;
  latest_invoice: string | null;
  livemode: false;
  status: 'active' | 'past_due' | 'canceled' | 'unpaid';
}

export interface InvoiceLine extends Omit<Stripe.InvoiceLineItem, 'invoice' | 'parent' | 'pricing' | 'quantity_decimal' | 'subscription'> {
  invoice: string;
  quantity_decimal: string;
  parent: {
    type: 'subscription_item_details';
    invoice_item_details: null;
    subscription_item_details: { invoice_item: null; proration: boolean; proration_details: { credited_items: null }; subscription: string; subscription_item: string };
  };
  pricing: { type: 'price_details'; price_details: { price: string; product: string }; unit_amount_decimal: string };
  subscription: string;
}

export interface Invoice
  extends Omit<Stripe.Invoice, 'billing_reason' | 'collection_method' | 'customer' | 'lines' | 'livemode' | 'metadata' | 'number' | 'parent' | 'status'> {
  billing_reason: 'subscription_create' | 'subscription_cycle';
  collection_method: 'charge_automatically';
  customer: string;
  /** The invoice's page for the customer, from when it is finalized. */
  hosted_invoice_url: string | null;
  lines: ApiList<InvoiceLine>;
  livemode: false;
  metadata: Metadata;
  number: string;
  parent: {
    type: 'subscription_details';
    quote_details: null;
    subscription_details: { metadata: Metadata; subscription: string };
  };
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
}

export interface InvoicePayment extends Omit<Stripe.InvoicePayment, 'invoice' | 'livemode' | 'payment' | 'status'> {
  invoice: string;
  livemode: false;
  payment: { type: 'payment_intent'; payment_intent: string };
  status: 'open' | 'paid' | 'canceled';
}

export interface PortalConfiguration extends Omit<Stripe.BillingPortal.Configuration, 'livemode' | 'metadata'> {
  livemode: false;
  metadata: Metadata;
}

export interface PortalSession extends Omit<Stripe.BillingPortal.Session, 'configuration' | 'livemode'> {
  configuration: string;
  livemode: false;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  account?: never;
  api_version: string;
  context?: never;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Stripe-looking ids: `cus_…`, `cs_test_…`, random base62. */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${out}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function list<T>(data: T[], url: string, hasMore = false): ApiList<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

/** Adds whole billing intervals in UTC, as Stripe's billing cycle does (31 Jan + 1 month = 28/29 Feb). */
export function addInterval(fromSeconds: number, interval: string, count = 1): number {
  const d = new Date(fromSeconds * 1000);
  if (interval === 'day') d.setUTCDate(d.getUTCDate() + count);
  else if (interval === 'week') d.setUTCDate(d.getUTCDate() + 7 * count);
  else if (interval === 'year') d.setUTCFullYear(d.getUTCFullYear() + count);
  else {
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + count);
    const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, lastDay));
  }
  return Math.floor(d.getTime() / 1000);
}
