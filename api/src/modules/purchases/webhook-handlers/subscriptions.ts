import { subscriptionOfInvoice } from '../ledger';
import type { EventHandlers } from './types';

const latestEnd = (lines: Array<{ period: { end: number } }>) => Math.max(...lines.map((l) => l.period.end)) * 1000;
const earliestStart = (lines: Array<{ period: { start: number } }>) => Math.min(...lines.map((l) => l.period.start)) * 1000;

/**
 * Subscriptions bill through invoices. A paid invoice extends the license to
 * the end of the period it paid for; a failed renewal leaves a grace period
 * while Stripe retries; a deleted subscription lets the license run to the
 * end of what was paid, and no further.
 */
export const subscriptionHandlers: EventHandlers = {
  'invoice.paid': async (event, { ledger, transaction }) => {
    const invoice = event.data.object;
    const sub = subscriptionOfInvoice(invoice);
    if (!sub.id || !invoice.lines.data.length) return;
    const checkout = await ledger.forSubscription(sub.id, sub.purchaseId, transaction);
    if (!checkout) return;
    const periodEnd = new Date(latestEnd(invoice.lines.data));
    if (invoice.billing_reason === 'subscription_create' || invoice.id === checkout.stripe_invoice_id) {
      await checkout.update(
        { stripe_invoice_id: checkout.stripe_invoice_id ?? invoice.id, receipt_url: checkout.receipt_url ?? invoice.hosted_invoice_url ?? null },
        { transaction },
      );
    } else {
      await ledger.recordRenewal(checkout, invoice, transaction);
    }
    const advanced = !checkout.paid_through || periodEnd > checkout.paid_through;
    if (!advanced) return; // an older invoice arriving late changes nothing
    await checkout.update({ paid_through: periodEnd, subscription_status: checkout.subscription_status === 'canceled' ? 'canceled' : 'active' }, { transaction });
    await ledger.syncSubscriptionExpiry(checkout, transaction);
  },

  'invoice.payment_failed': async (event, { ledger, transaction }) => {
    const invoice = event.data.object;
    const sub = subscriptionOfInvoice(invoice);
    // A first payment that fails happens inside the checkout form, where the buyer sees it.
    if (!sub.id || invoice.billing_reason === 'subscription_create' || !invoice.lines.data.length) return;
    const checkout = await ledger.forSubscription(sub.id, sub.purchaseId, transaction);
    if (!checkout || checkout.subscription_status === 'canceled') return;
    const unpaidFrom = new Date(earliestStart(invoice.lines.data));
    const paidThrough = checkout.paid_through && checkout.paid_through < unpaidFrom ? checkout.paid_through : unpaidFrom;
    const firstFailure = checkout.subscription_status !== 'past_due';
    await checkout.update({ paid_through: paidThrough, subscription_status: 'past_due' }, { transaction });
    const graceUntil = await ledger.syncSubscriptionExpiry(checkout, transaction);
    if (firstFailure && graceUntil && checkout.license_id) await ledger.mailRenewalFailed(checkout, graceUntil, transaction);
  },

  'customer.subscription.updated': async (event, { ledger, transaction }) => {
    const subscription = event.data.object;
    const priceId = subscription.items.data[0]?.price.id;
    if (subscription.status === 'canceled') return;
    const checkout = await ledger.forSubscription(subscription.id, subscription.metadata?.purchase_id, transaction);
    if (!checkout) return;
    await ledger.followCancellation(checkout, subscription.id, transaction);
    if (priceId) await ledger.followPlanChange(checkout, priceId, event.id, transaction);
  },

  'customer.subscription.deleted': async (event, { ledger, transaction }) => {
    const subscription = event.data.object;
    const checkout = await ledger.forSubscription(subscription.id, subscription.metadata?.purchase_id, transaction);
    if (!checkout) return;
    // No revocation: the license runs to the end of the last period paid for (already cut short by a failed renewal).
    const endedAt = new Date((subscription.ended_at ?? Math.floor(Date.now() / 1000)) * 1000);
    await checkout.update({ subscription_status: 'canceled', paid_through: checkout.paid_through ?? endedAt }, { transaction });
    await ledger.syncSubscriptionExpiry(checkout, transaction);
  },
};
