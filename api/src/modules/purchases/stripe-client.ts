import Stripe from 'stripe';
import type { StripeConfig } from '../../config';
import { AppError } from '../../lib/errors';

/**
 * The official client, pinned to the API version its package was built for
 * (Stripe.API_VERSION). With STRIPE_API_BASE set, it talks to that server (the
 * local emulator) instead of api.stripe.com: same client, same wire format.
 */
export function createStripeClient(config: StripeConfig): Stripe {
  const base = config.apiBase;
  return new Stripe(config.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'NextGen Noise API' },
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }
      : {}),
  });
}

/** Stripe unreachable, failing or throttling us: the client should try again shortly (503). Anything else is rethrown. */
export async function callStripe<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (
      err instanceof Stripe.errors.StripeConnectionError ||
      err instanceof Stripe.errors.StripeAPIError ||
      err instanceof Stripe.errors.StripeRateLimitError
    ) {
      throw new AppError(503, 'payment_provider_error', 'The payment provider is not reachable right now. Try again in a minute.', undefined, {
        'Retry-After': '30',
      });
    }
    throw err;
  }
}

/** The id of an expandable field, whether Stripe sent the id or the object. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}
