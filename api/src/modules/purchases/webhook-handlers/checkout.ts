import type Stripe from 'stripe';
import { idOf } from '../stripe-client';
import type { EventHandlers, HandlerContext } from './types';

/**
 * Checkout Sessions: completed (paid now, or later for delayed methods such as
 * bank debits), paid later, failed later, or abandoned.
 */
async function completed(session: Stripe.Checkout.Session, eventId: string, { ledger, transaction }: HandlerContext) {
  const purchase = await ledger.forSession(session, transaction);
  if (!purchase) return;
  const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
  const mismatch = paid ? await ledger.paymentMismatch(session, purchase, transaction) : null;
  const receipt = paid && !purchase.receipt_url ? await ledger.receiptOf(session) : null;
  await purchase.update(
    {
      checkout_status: 'complete',
      stripe_customer_id: idOf(session.customer) ?? purchase.stripe_customer_id,
      stripe_payment_intent_id: idOf(session.payment_intent) ?? purchase.stripe_payment_intent_id,
      stripe_subscription_id: idOf(session.subscription) ?? purchase.stripe_subscription_id,
      stripe_invoice_id: idOf(session.invoice) ?? purchase.stripe_invoice_id,
      receipt_url: receipt ?? purchase.receipt_url,
      // What the plan costs stays recorded when something else was paid.
      ...(mismatch ? {} : { amount: session.amount_total ?? purchase.amount, currency: (session.currency ?? purchase.currency).toUpperCase() }),
    },
    { transaction },
  );
  if (mismatch) await ledger.refuseMismatch(purchase, mismatch, eventId, transaction);
  else if (paid) await ledger.fulfil(purchase, transaction, eventId);
}

export const checkoutHandlers: EventHandlers = {
  'checkout.session.completed': (event, ctx) => completed(event.data.object, event.id, ctx),
  'checkout.session.async_payment_succeeded': (event, ctx) => completed(event.data.object, event.id, ctx),
  'checkout.session.async_payment_failed': async (event, { ledger, transaction }) => {
    const purchase = await ledger.forSession(event.data.object, transaction);
    if (purchase) await ledger.recordFailure(purchase, 'async_payment_failed', transaction);
  },
  'checkout.session.expired': async (event, { ledger, transaction }) => {
    const purchase = await ledger.forSession(event.data.object, transaction);
    if (!purchase) return;
    await purchase.update({ checkout_status: 'expired' }, { transaction });
    await ledger.recordFailure(purchase, 'checkout_expired', transaction);
  },
};
