import type Stripe from 'stripe';
import type { Plan } from '../../db/models';

/**
 * The row a checkout starts as, pending and open, priced as Stripe's session
 * says (the plan's price while the session does not say). Built here only:
 * by the checkout the API creates, and by the webhook for a session it never
 * saw created.
 */
export function pendingPurchase<Id extends string | null>(
  plan: Plan,
  session: Pick<Stripe.Checkout.Session, 'id' | 'amount_total' | 'currency'>,
  owner: { id: Id; userId: string; customer: string | null },
) {
  return {
    id: owner.id,
    user_id: owner.userId,
    plan_id: plan.id,
    plan: plan.plan,
    license_type: plan.license_type,
    product: plan.product,
    amount: session.amount_total ?? plan.amount,
    currency: (session.currency ?? plan.currency).toUpperCase(),
    status: 'pending' as const,
    checkout_status: 'open' as const,
    stripe_checkout_session_id: session.id,
    stripe_customer_id: owner.customer,
  };
}
