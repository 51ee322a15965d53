import type { PriceDefinition } from './catalog';
import { noSuch } from './errors';
import type { FormObject, FormValue } from './form-encoding';
import {
  newId,
  nowSeconds,
  type ApiList,
  type Charge,
  type CheckoutSession,
  type Customer,
  type Dispute,
  type Invoice,
  type InvoicePayment,
  type Metadata,
  type PaymentIntent,
  type PortalConfiguration,
  type PortalSession,
  type Price,
  type Refund,
  type StripeEvent,
  type Subscription,
} from './objects';

/** What a Checkout Session was created with, beyond its public fields. */
export interface SessionExtras {
  lines: Array<{ price: Price; quantity: number }>;
  paymentIntentMetadata: Metadata;
  subscriptionMetadata: Metadata;
}

/** The request being served, so events can say which request caused them (as Stripe's do). */
export interface RequestStamp {
  id: string | null;
  idempotencyKey: string | null;
}

/**
 * The emulator's whole account: in memory, one per emulator. Every change that
 * Stripe would announce goes through `emit`, which snapshots the object into an
 * event and queues it for webhook delivery.
 */
export class StripeState {
  readonly customers = new Map<string, Customer>();
  /** Customers deleted through the API: Stripe keeps answering for them as `{ id, object, deleted: true }`. */
  readonly deletedCustomers = new Map<string, { id: string; object: 'customer'; deleted: true }>();
  readonly prices = new Map<string, Price>();
  readonly sessions = new Map<string, CheckoutSession>();
  readonly sessionExtras = new Map<string, SessionExtras>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  readonly disputes = new Map<string, Dispute>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly invoices = new Map<string, Invoice>();
  readonly invoicePayments = new Map<string, InvoicePayment>();
  readonly portalSessions = new Map<string, PortalSession>();
  readonly portalConfigurations = new Map<string, PortalConfiguration>();
  readonly events: StripeEvent[] = [];
  request: RequestStamp = { id: null, idempotencyKey: null };
  private outbox: StripeEvent[] = [];
  private invoiceCounter = 0;

  constructor(
    readonly apiVersion: string,
    readonly baseUrl: () => string,
    prices: PriceDefinition[],
  ) {
    for (const p of prices) this.addPrice(p);
  }

  addPrice(def: PriceDefinition): Price {
    const price: Price = {
      id: def.id,
      object: 'price',
      active: true,
      billing_scheme: 'per_unit',
      created: nowSeconds(),
      currency: def.currency.toLowerCase(),
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: def.nickname,
      product: def.product,
      recurring: def.recurring
        ? { interval: def.recurring.interval, interval_count: def.recurring.interval_count ?? 1, meter: null, trial_period_days: null, usage_type: 'licensed' }
        : null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: def.recurring ? 'recurring' : 'one_time',
      unit_amount: def.unit_amount,
      unit_amount_decimal: String(def.unit_amount),
    };
    this.prices.set(price.id, price);
    return price;
  }

  /** Records an event with a snapshot of `object` as it is now. */
  emit(type: string, object: unknown, previousAttributes?: Record<string, unknown>): StripeEvent {
    const event: StripeEvent = {
      id: newId('evt'),
      object: 'event',
      api_version: this.apiVersion,
      created: nowSeconds(),
      data: { object: structuredClone(object), ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: this.request.id, idempotency_key: this.request.idempotencyKey },
      type,
    };
    this.events.push(event);
    this.outbox.push(event);
    return event;
  }

  /** Events emitted since the last call, in order. */
  takeOutbox(): StripeEvent[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  find<T>(map: Map<string, T>, id: string, objectName: string, param = 'id'): T {
    const found = map.get(id);
    if (!found) throw noSuch(objectName, id, param);
    return found;
  }

  createCustomer(params: { email?: string | null; name?: string | null; description?: string | null; metadata?: Metadata }): Customer {
    const customer: Customer = {
      id: newId('cus', 14),
      object: 'customer',
      created: nowSeconds(),
      email: params.email ?? null,
      name: params.name ?? null,
      description: params.description ?? null,
      metadata: params.metadata ?? {},
      livemode: false,
      balance: 0,
      shipping: null,
      currency: null,
      default_source: null,
      delinquent: false,
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    };
    this.customers.set(customer.id, customer);
    this.emit('customer.created', customer);
    return customer;
  }

  nextInvoiceNumber(): string {
    this.invoiceCounter += 1;
    return `NGNEMU-${String(this.invoiceCounter).padStart(4, '0')}`;
  }
}

/** Newest first, with Stripe's `limit` (default 10, max 100) and `has_more`. */
export function listNewestFirst<T extends { created: number }>(items: Iterable<T>, limitParam: FormValue | undefined, url: string): ApiList<T> {
  const limit = Math.min(Math.max(Number(typeof limitParam === 'string' ? limitParam : 10) || 10, 1), 100);
  const all = [...items].reverse().sort((a, b) => b.created - a.created);
  return { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url };
}

export function stringParam(p: FormObject, key: string): string | undefined {
  const v = p[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function metadataParam(p: FormObject, key = 'metadata'): Metadata {
  const v = p[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Metadata = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string' && val !== '') out[k] = val;
  return out;
}
