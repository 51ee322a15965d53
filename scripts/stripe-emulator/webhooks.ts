import { createHmac } from 'node:crypto';
import type { StripeEvent } from './objects';

/**
 * Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>`,
 * where v1 is HMAC-SHA256 over `${t}.${payload}` keyed with the endpoint's
 * secret (the whole `whsec_…` string). Each delivery attempt is signed afresh.
 */
export function signWebhookPayload(payload: string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

export interface DeliveryRecord {
  event_id: string;
  type: string;
  attempt: number;
  /** HTTP status, or 0 when the endpoint could not be reached. */
  status: number;
  at: number;
}

export type DeliveryOrder = 'emitted' | 'reverse' | 'shuffle';

export interface DeliveryOptions {
  /** Wait before each retry after a failed attempt (non-2xx or unreachable); its length is the number of retries. */
  retryDelaysMs?: number[];
  /** Deliver every event this many times at once (Stripe may deliver an event more than once). */
  duplicates?: number;
  /** Order of the events of one batch (one API call or payment). Stripe does not guarantee order. */
  order?: DeliveryOrder;
  /** Per-attempt timeout. */
  timeoutMs?: number;
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000];

/**
 * Sends events to one webhook endpoint with Stripe's habits: signed, retried on
 * failure with growing delays, and on request duplicated or reordered. Tests can
 * hold deliveries, then release them all at once in any order.
 */
export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  private url: string | undefined;
  private secret: string;
  private options: Required<DeliveryOptions>;
  private held: StripeEvent[] | null = null;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(endpoint: { url?: string; secret: string }, options: DeliveryOptions = {}, private readonly log: (line: string) => void = () => {}) {
    this.url = endpoint.url;
    this.secret = endpoint.secret;
    this.options = {
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      duplicates: options.duplicates ?? 1,
      order: options.order ?? 'emitted',
      timeoutMs: options.timeoutMs ?? 10_000,
    };
  }

  get endpoint() {
    return { url: this.url, secret: this.secret };
  }

  setEndpoint(url: string | undefined, secret?: string): void {
    this.url = url;
    if (secret) this.secret = secret;
  }

  configure(options: DeliveryOptions): void {
    this.options = { ...this.options, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  }

  /** Queues events for delivery (or keeps them while held). */
  dispatch(events: StripeEvent[]): void {
    if (!events.length) return;
    if (this.held) {
      this.held.push(...events);
      return;
    }
    this.sendBatch(events, this.options.order, this.options.duplicates);
  }

  /** From now on, keep events instead of sending them, until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /**
   * Sends held events, all at once, in the given order and with duplicates;
   * returns how many. With `only`, the other events stay held (and holding
   * goes on), so a test can deliver, say, a refund before the payment.
   */
  release(opts: { order?: DeliveryOrder; duplicates?: number; only?: (event: StripeEvent) => boolean } = {}): number {
    const held = this.held ?? [];
    const events = opts.only ? held.filter(opts.only) : held;
    this.held = opts.only ? held.filter((e) => !events.includes(e)) : null;
    this.sendBatch(events, opts.order ?? this.options.order, opts.duplicates ?? this.options.duplicates);
    return events.length;
  }

  /** Delivers one event again (as the Dashboard's "Resend" does). */
  resend(event: StripeEvent, times = 1): void {
    this.sendBatch([event], 'emitted', times);
  }

  /** Resolves when no delivery or retry is pending. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.inFlight = 0;
    this.settle();
  }

  private sendBatch(events: StripeEvent[], order: DeliveryOrder, duplicates: number): void {
    const ordered = order === 'reverse' ? [...events].reverse() : order === 'shuffle' ? shuffle(events) : events;
    for (const event of ordered) {
      for (let copy = 0; copy < Math.max(1, duplicates); copy++) this.attempt(event, 1);
    }
  }

  private attempt(event: StripeEvent, attempt: number): void {
    if (this.closed) return;
    this.inFlight += 1;
    void this.post(event)
      .then((status) => {
        this.deliveries.push({ event_id: event.id, type: event.type, attempt, status, at: Date.now() });
        const ok = status >= 200 && status < 300;
        const delay = this.options.retryDelaysMs[attempt - 1];
        if (!ok) this.log(`webhook ${event.type} ${event.id} attempt ${attempt} -> ${status || 'unreachable'}${delay === undefined ? ' (giving up)' : ''}`);
        if (!ok && delay !== undefined && !this.closed) {
          this.inFlight += 1;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.inFlight -= 1;
            this.attempt(event, attempt + 1);
          }, delay);
          this.timers.add(timer);
        }
      })
      .finally(() => {
        this.inFlight -= 1;
        this.settle();
      });
  }

  private async post(event: StripeEvent): Promise<number> {
    if (!this.url) return 0;
    // Stripe sends pretty-printed JSON; the signature covers these exact bytes.
    const payload = JSON.stringify(event, null, 2);
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signWebhookPayload(payload, this.secret),
        },
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  private settle(): void {
    if (this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
