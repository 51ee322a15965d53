import Stripe from 'stripe';
import type { Logger } from '../../lib/logger';

export const CUSTOMER_ERASURE_JOB = 'stripe.erase-customer';
/** pg-boss retries with backoff (about two days in all): the job ends only when Stripe has answered. */
export const CUSTOMER_ERASURE_RETRIES = 40;

/** Subscription states that can still bill. */
const ENDED = new Set<Stripe.Subscription.Status>(['canceled', 'incomplete_expired']);

/**
 * What an account deletion asks of Stripe: every subscription of the customer
 * canceled at once (listed from Stripe, not from our rows, which may lag), then
 * the customer deleted, so nothing bills and Stripe keeps no name or email.
 * Safe to run again: canceled subscriptions are skipped and a customer already
 * deleted counts as done.
 */
export async function eraseStripeCustomer(stripe: Stripe, customerId: string, logger: Logger): Promise<void> {
  const existing = await stripe.customers.retrieve(customerId).catch((err: unknown) => {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
    throw err;
  });
  if (!existing || existing.deleted) {
    logger.info({ customer: customerId }, 'stripe customer already gone');
    return;
  }
  let canceled = 0;
  for await (const sub of stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 100 })) {
    if (ENDED.has(sub.status)) continue;
    await stripe.subscriptions.cancel(sub.id, {}, { idempotencyKey: `erase-${sub.id}` });
    canceled += 1;
  }
  await stripe.customers.del(customerId);
  logger.info({ customer: customerId, subscriptions_canceled: canceled }, 'stripe customer erased after account deletion');
}
