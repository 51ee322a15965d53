import type Stripe from 'stripe';
import type { Plan, Purchase } from '../../db/models';
import { callStripe, idOf } from './stripe-client';

/**
 * Why a paid Checkout Session must not be fulfilled, or null when it may be.
 * What was paid must be what we sell: one line, quantity one, the price the
 * API created the session with (or, for a session made elsewhere with our
 * metadata, the named plan's current price), and that price's amount and
 * currency. Anything else (a cheaper price, a price of someone else's account,
 * a discount we never offer) is refused rather than trusted.
 */
export async function paymentMismatch(stripe: Stripe, session: Stripe.Checkout.Session, purchase: Purchase, plan: Plan): Promise<string | null> {
  const expectedPrice = purchase.stripe_price_id ?? plan.stripe_price_id;
  const expectedAmount = purchase.stripe_price_id ? purchase.amount : plan.amount;
  const expectedCurrency = (purchase.stripe_price_id ? purchase.currency : plan.currency).toLowerCase();
  const items = await callStripe(() => stripe.checkout.sessions.listLineItems(session.id, { limit: 10 }));
  if (items.data.length !== 1 || items.has_more) return `expected one line item, got ${items.data.length}`;
  const item = items.data[0]!;
  const paidPrice = idOf(item.price);
  if (paidPrice !== expectedPrice) return `price ${paidPrice} is not the plan's ${expectedPrice}`;
  if (item.quantity !== 1) return `quantity ${item.quantity}, expected 1`;
  if (session.amount_total !== expectedAmount || session.currency?.toLowerCase() !== expectedCurrency) {
    return `paid ${session.amount_total} ${session.currency}, expected ${expectedAmount} ${expectedCurrency}`;
  }
  return null;
}
