import { createHash } from 'node:crypto';
import { StripeApiError } from './errors';

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
  expiresAt: number;
}

export interface Replay {
  status: number;
  body: unknown;
}

/**
 * Stripe's idempotent requests: the first result of a POST with an
 * `Idempotency-Key` is kept for 24 hours and replayed for the same key; the same
 * key with other parameters (or another endpoint) is an `idempotency_error`.
 */
export class IdempotencyStore {
  private readonly results = new Map<string, Stored>();

  constructor(private readonly ttlMs = 24 * 3600_000) {}

  /** The stored answer for this key, or undefined when the request should run. Throws on a mismatch. */
  lookup(apiKey: string, key: string, method: string, path: string, rawBody: string): Replay | undefined {
    const stored = this.results.get(`${apiKey}\u0000${key}`);
    if (!stored || stored.expiresAt < Date.now()) return undefined;
    if (stored.fingerprint !== fingerprint(method, path, rawBody)) {
      throw new StripeApiError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return { status: stored.status, body: stored.body };
  }

  remember(apiKey: string, key: string, method: string, path: string, rawBody: string, status: number, body: unknown): void {
    // Like Stripe, a server-side failure is not saved: the retry runs again.
    if (status >= 500) return;
    this.results.set(`${apiKey}\u0000${key}`, { fingerprint: fingerprint(method, path, rawBody), status, body, expiresAt: Date.now() + this.ttlMs });
  }
}

function fingerprint(method: string, path: string, rawBody: string): string {
  // Parameter order is not meaningful: compare the sorted pairs.
  const pairs = [...new URLSearchParams(rawBody)].map(([k, v]) => `${k}=${v}`).sort();
  return createHash('sha256').update(`${method} ${path}\n${pairs.join('&')}`).digest('hex');
}
