import type Stripe from 'stripe';
import { QueryTypes, type InferAttributes, type Transaction } from 'sequelize';
import { Uuid } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Plan, Purchase } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import type { MailMessage } from '../../lib/mail';
import type { LicensesService } from '../licenses/service';
import type { NewsletterService } from '../newsletter/service';
import { licenseKeyMail, licenseRevokedMail, paymentFailedMail, paymentReceiptMail, renewalFailedMail } from './mails';
import { paymentMismatch } from './paid-check';
import { pendingPurchase } from './pending-purchase';
import { callStripe, idOf } from './stripe-client';

/** Stripe charges a renewal up to about an hour after the period ends: the license outlives the period by a day. */
const RENEWAL_SLACK_MS = 86_400_000;
/** After a failed renewal the license keeps working this long while Stripe retries the card. */
export const PAST_DUE_GRACE_MS = 7 * 86_400_000;
const WEBHOOK_META: RequestMeta = { ip: null, userAgent: 'stripe-webhook' };

/** Stripe says the purchase happened but something it depends on is not recorded yet: fail, so Stripe retries later. */
export class NotYetRecorded extends Error {}

/** When a subscription's license should end, from what has been paid and Stripe's state of the subscription. */
export function subscriptionLicenseExpiry(p: Pick<Purchase, 'paid_through' | 'subscription_status'>): Date | undefined {
  if (!p.paid_through) return undefined;
  const paid = p.paid_through.getTime();
  if (p.subscription_status === 'canceled') return new Date(paid);
  if (p.subscription_status === 'past_due') return new Date(paid + PAST_DUE_GRACE_MS);
  return new Date(paid + RENEWAL_SLACK_MS);
}

export function subscriptionOfInvoice(invoice: Stripe.Invoice): { id: string | null; purchaseId: string | undefined } {
  const details = invoice.parent?.subscription_details;
  return { id: idOf(details?.subscription), purchaseId: details?.metadata?.purchase_id };
}

/**
 * The purchase side of Stripe's events: finds (and row-locks) the purchase an
 * event is about, and moves it through pending → completed → refunded/disputed.
 * Every method runs inside the caller's transaction; the event is processed
 * exactly once because that transaction also marks the event done.
 */
export class PurchaseLedger {
  constructor(
    private readonly deps: AppDeps,
    private readonly stripe: Stripe,
    private readonly licenses: LicensesService,
    private readonly newsletter: Pick<NewsletterService, 'requestSync'>,
  ) {}

  /** The purchase a Checkout Session pays for; recorded from its metadata if the API never saw it created. */
  async forSession(session: Stripe.Checkout.Session, transaction: Transaction): Promise<Purchase | null> {
    const found = await this.lockWhere({ stripe_checkout_session_id: session.id }, transaction);
    if (found) return found;
    const meta = session.metadata ?? {};
    const plan = meta.plan_id ? await Plan.findByPk(meta.plan_id, { transaction }) : null;
    const userId = meta.user_id ?? session.client_reference_id;
    if (!plan || !userId || !Uuid.safeParse(userId).success) {
      this.deps.logger.warn({ session: session.id }, 'checkout session without our metadata: ignored');
      return null;
    }
    const row = pendingPurchase(plan, session, {
      id: meta.purchase_id && Uuid.safeParse(meta.purchase_id).success ? meta.purchase_id : null,
      userId,
      customer: idOf(session.customer),
    });
    await this.deps.sequelize.query(
      `INSERT INTO purchases (id, user_id, plan_id, plan, license_type, product, amount, currency, status, checkout_status,
                              stripe_checkout_session_id, stripe_customer_id)
       VALUES (COALESCE(:id::uuid, gen_random_uuid()), (SELECT id FROM users WHERE id = :user_id), :plan_id, :plan, :license_type, :product,
               :amount, :currency, :status, :checkout_status, :stripe_checkout_session_id, :stripe_customer_id)
       ON CONFLICT DO NOTHING`,
      { replacements: row, transaction },
    );
    return this.lockWhere({ stripe_checkout_session_id: session.id }, transaction);
  }

  /** The checkout that started a subscription, by its id or (before Stripe's ids are linked) the metadata we set. */
  async forSubscription(subscriptionId: string, purchaseIdHint: string | undefined, transaction: Transaction): Promise<Purchase | null> {
    const found = await this.lockWhere({ kind: 'checkout', stripe_subscription_id: subscriptionId }, transaction);
    if (found || !purchaseIdHint || !Uuid.safeParse(purchaseIdHint).success) return found;
    const hinted = await this.lockWhere({ id: purchaseIdHint, kind: 'checkout' }, transaction);
    if (hinted && !hinted.stripe_subscription_id) await hinted.update({ stripe_subscription_id: subscriptionId }, { transaction });
    return hinted;
  }

  /**
   * The purchase a payment (PaymentIntent) belongs to, for refunds and
   * disputes, whichever event arrived first: a one-time checkout through its
   * session, a subscription payment through its invoice.
   */
  async forPayment(paymentIntentId: string, transaction: Transaction): Promise<Purchase | null> {
    const found = await this.lockWhere({ stripe_payment_intent_id: paymentIntentId }, transaction);
    if (found) return found;

    const sessions = await callStripe(() => this.stripe.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 }));
    const session = sessions.data[0];
    if (session) {
      const purchase = await this.forSession(session, transaction);
      if (purchase && !purchase.stripe_payment_intent_id) await purchase.update({ stripe_payment_intent_id: paymentIntentId }, { transaction });
      return purchase;
    }

    const payments = await callStripe(() =>
      this.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 1 }),
    );
    const invoiceId = idOf(payments.data[0]?.invoice);
    if (!invoiceId) return null; // not a payment of ours
    const byInvoice = await this.lockWhere({ stripe_invoice_id: invoiceId }, transaction);
    if (byInvoice) return byInvoice;
    const invoice = await callStripe(() => this.stripe.invoices.retrieve(invoiceId));
    const sub = subscriptionOfInvoice(invoice);
    if (invoice.billing_reason === 'subscription_create' && sub.id) {
      const checkout = await this.forSubscription(sub.id, sub.purchaseId, transaction);
      if (checkout && !checkout.stripe_invoice_id) await checkout.update({ stripe_invoice_id: invoiceId }, { transaction });
      if (checkout) return checkout;
    }
    if (!sub.id) return null;
    throw new NotYetRecorded(`payment ${paymentIntentId} is for invoice ${invoiceId}, whose invoice.paid is not processed yet`);
  }

  /** A one-time checkout's purchase, named by the metadata we put on its PaymentIntent. */
  forPaymentMetadata(purchaseId: string, transaction: Transaction): Promise<Purchase | null> {
    return this.lockWhere({ id: purchaseId, kind: 'checkout' }, transaction);
  }

  /** A paid renewal is a payment of its own (revenue, refunds), on the same license. Once per invoice. */
  /**
   * Stripe's receipt for a completed checkout: the charge's receipt page for a
   * one-time payment, the first invoice's hosted page for a subscription. A
   * receipt Stripe cannot give now is left for later events, never a failed webhook.
   */
  async receiptOf(session: Stripe.Checkout.Session): Promise<string | null> {
    const paymentIntent = idOf(session.payment_intent);
    const invoice = idOf(session.invoice);
    try {
      if (paymentIntent) {
        const pi = await this.stripe.paymentIntents.retrieve(paymentIntent, { expand: ['latest_charge'] });
        return typeof pi.latest_charge === 'object' ? (pi.latest_charge?.receipt_url ?? null) : null;
      }
      if (invoice) return (await this.stripe.invoices.retrieve(invoice)).hosted_invoice_url ?? null;
    } catch (err) {
      this.deps.logger.warn({ err, session: session.id }, 'receipt link not available yet');
    }
    return null;
  }

  /** Whether the customer set the subscription to end with the period, as Stripe has it now (events may come out of order). */
  async followCancellation(checkout: Purchase, subscriptionId: string, transaction: Transaction): Promise<void> {
    const sub = await callStripe(() => this.stripe.subscriptions.retrieve(subscriptionId));
    if (sub.cancel_at_period_end !== checkout.cancel_at_period_end) await checkout.update({ cancel_at_period_end: sub.cancel_at_period_end }, { transaction });
  }

  async recordRenewal(checkout: Purchase, invoice: Stripe.Invoice, transaction: Transaction): Promise<void> {
    const inserted = await this.deps.sequelize.query<Pick<Purchase, 'user_id' | 'amount' | 'currency' | 'receipt_url' | 'completed_at'>>(
      `INSERT INTO purchases (kind, user_id, license_id, plan_id, plan, license_type, product, amount, currency, status,
                              stripe_customer_id, stripe_subscription_id, stripe_invoice_id, receipt_url, completed_at)
       VALUES ('renewal', :user, :license, :plan_id, :plan, :license_type, :product, :amount, :currency, 'completed',
               :customer, :subscription, :invoice, :receipt, now())
       ON CONFLICT (stripe_invoice_id) DO NOTHING
       RETURNING user_id, amount, currency, receipt_url, completed_at`,
      {
        replacements: {
          user: checkout.user_id,
          license: checkout.license_id,
          plan_id: checkout.plan_id,
          plan: checkout.plan,
          license_type: checkout.license_type,
          product: checkout.product,
          amount: invoice.amount_paid,
          currency: invoice.currency.toUpperCase(),
          customer: checkout.stripe_customer_id,
          subscription: checkout.stripe_subscription_id,
          invoice: invoice.id,
          receipt: invoice.hosted_invoice_url ?? null,
        },
        type: QueryTypes.SELECT,
        transaction,
      },
    );
    // A renewal seen before (a webhook delivered twice) inserts nothing and mails nothing.
    for (const renewal of inserted) await this.mailReceipt(renewal, (await this.planOf(checkout, transaction)).name, true, transaction);
  }

  async mailRenewalFailed(checkout: Purchase, graceUntil: Date, transaction: Transaction): Promise<void> {
    if (!checkout.user_id) return;
    const plan = await this.planOf(checkout, transaction);
    await this.mailOwner(checkout.user_id, (u) => renewalFailedMail(u.email, u.first_name, plan.name, graceUntil), transaction);
  }

  /**
   * Paid: issue the license (once), mail its key, mark the purchase completed.
   * If the money already went back (a refund or chargeback whose event came
   * first), the license is then revoked at once: whatever the order of events,
   * a paid session ends with one license, one key mail and, if reversed, one
   * revocation mail.
   */
  async fulfil(purchase: Purchase, transaction: Transaction, eventId: string): Promise<void> {
    const reversal = purchase.status === 'refunded' || purchase.status === 'disputed' ? purchase.status : null;
    const changes: Partial<InferAttributes<Purchase>> = { completed_at: purchase.completed_at ?? new Date() };
    if (!reversal) Object.assign(changes, { status: 'completed', failure_reason: null });
    if (purchase.license_id || !purchase.user_id) {
      if (!purchase.user_id) this.deps.logger.warn({ purchase: purchase.id }, 'paid purchase of a deleted account: no license issued');
      await purchase.update(changes, { transaction });
      return;
    }
    const plan = await this.planOf(purchase, transaction);
    if (purchase.license_type === 'subscription' && !purchase.paid_through && purchase.stripe_subscription_id) {
      const subscriptionId = purchase.stripe_subscription_id;
      const sub = await callStripe(() => this.stripe.subscriptions.retrieve(subscriptionId));
      const ends = sub.items.data.map((i) => i.current_period_end);
      if (ends.length) changes.paid_through = new Date(Math.max(...ends) * 1000);
      changes.subscription_status = purchase.subscription_status ?? 'active';
    }
    const expiresAt = purchase.license_type === 'subscription' ? subscriptionLicenseExpiry({ ...purchase.get(), ...changes }) : undefined;
    const license = await this.licenses.issue({
      userId: purchase.user_id,
      product: purchase.product,
      policy: plan.policy,
      source: { type: 'purchase', id: purchase.id },
      ...(expiresAt ? { expiresAt } : {}),
      reason: 'stripe_checkout',
      transaction,
    });
    changes.license_id = license.id;
    await purchase.update(changes, { transaction });
    // A buyer on the newsletter is tagged a customer (or subscriber) at once, not at the next sweep.
    await this.newsletter.requestSync(purchase.user_id, transaction);
    await audit(
      { action: 'purchase.completed', subjectUserId: purchase.user_id, targetType: 'purchase', targetId: purchase.id, metadata: { license_id: license.id, event: eventId } },
      WEBHOOK_META,
      transaction,
    );
    await this.mailOwner(
      purchase.user_id,
      (u) =>
        licenseKeyMail({
          to: u.email,
          firstName: u.first_name,
          planName: plan.name,
          licenseKey: license.license_key,
          expiresAt: license.expires_at ? new Date(license.expires_at) : null,
        }),
      transaction,
    );
    if (reversal) await this.revokeLicenseOf(purchase, license.id, reversal, transaction);
    else await this.mailReceipt(purchase, plan.name, false, transaction);
  }

  private async mailReceipt(purchase: Pick<Purchase, 'user_id' | 'amount' | 'currency' | 'receipt_url' | 'completed_at'>, planName: string, renewal: boolean, transaction: Transaction): Promise<void> {
    if (!purchase.user_id) return;
    await this.mailOwner(
      purchase.user_id,
      (u) =>
        paymentReceiptMail({
          to: u.email,
          firstName: u.first_name,
          planName,
          amount: purchase.amount,
          currency: purchase.currency,
          paidAt: purchase.completed_at ?? new Date(),
          renewal,
          receiptUrl: purchase.receipt_url,
        }),
      transaction,
    );
  }

  /** Compares what a paid session charged with what the purchase's plan sells (see paid-check.ts). */
  async paymentMismatch(session: Stripe.Checkout.Session, purchase: Purchase, transaction: Transaction): Promise<string | null> {
    return paymentMismatch(this.stripe, session, purchase, await this.planOf(purchase, transaction));
  }

  /** Paid, but not what we sell: no license. Recorded on the purchase and raised loudly for an operator. */
  async refuseMismatch(purchase: Purchase, reason: string, eventId: string, transaction: Transaction): Promise<void> {
    await purchase.update({ status: 'failed', failure_reason: `payment_mismatch: ${reason}`.slice(0, 500) }, { transaction });
    this.deps.logger.error({ purchase: purchase.id, event: eventId, reason }, 'ALERT: paid checkout does not match its plan; no license issued');
    await audit(
      { action: 'purchase.payment_mismatch', subjectUserId: purchase.user_id, targetType: 'purchase', targetId: purchase.id, metadata: { reason, event: eventId } },
      WEBHOOK_META,
      transaction,
    );
  }

  /** A payment attempt failed; the buyer is told once per purchase, however many declines or events say so. */
  async recordFailure(purchase: Purchase, reason: string, transaction: Transaction): Promise<void> {
    if (purchase.status !== 'pending' && purchase.status !== 'failed') return;
    const firstFailure = purchase.failure_reason === null;
    await purchase.update({ status: 'failed', failure_reason: reason }, { transaction });
    if (!firstFailure || !purchase.user_id || reason === 'checkout_expired') return;
    const plan = await this.planOf(purchase, transaction);
    await this.mailOwner(purchase.user_id, (u) => paymentFailedMail(u.email, u.first_name, plan.name, reason.replace(/_/g, ' ')), transaction);
  }

  /** The money went back (full refund, lost chargeback): revoke the license and tell the owner, once. */
  async reverse(purchase: Purchase, status: 'refunded' | 'disputed', transaction: Transaction, eventId: string): Promise<void> {
    if (purchase.status === 'refunded' || purchase.status === 'disputed') return;
    const now = new Date();
    await purchase.update({ status, ...(status === 'refunded' ? { refunded_at: now } : { disputed_at: now }) }, { transaction });
    await audit(
      { action: `purchase.${status}`, subjectUserId: purchase.user_id, targetType: 'purchase', targetId: purchase.id, metadata: { license_id: purchase.license_id, event: eventId } },
      WEBHOOK_META,
      transaction,
    );
    // Not fulfilled yet: fulfil() revokes the license right after issuing it.
    if (purchase.license_id) await this.revokeLicenseOf(purchase, purchase.license_id, status, transaction);
  }

  private async revokeLicenseOf(purchase: Purchase, licenseId: string, why: 'refunded' | 'disputed', transaction: Transaction): Promise<void> {
    const [license] = await this.deps.sequelize.query<{ license_key: string; status: string }>(
      'SELECT license_key, status FROM licenses WHERE id = :id',
      { replacements: { id: licenseId }, type: QueryTypes.SELECT, transaction },
    );
    // A subscription's renewals share one license: it is revoked (and the owner told) once.
    if (!license || license.status === 'revoked') return;
    await this.licenses.revoke(licenseId, { reason: `payment_${why}`, transaction });
    if (!purchase.user_id) return;
    const plan = await this.planOf(purchase, transaction);
    await this.mailOwner(purchase.user_id, (u) => licenseRevokedMail(u.email, u.first_name, plan.name, license.license_key, why), transaction);
  }

  /**
   * The subscription now bills another price (a plan change in the billing
   * portal): the purchase and its license follow that price's plan. A price
   * that is none of our subscription plans changes nothing and raises an alert.
   */
  async followPlanChange(checkout: Purchase, priceId: string, eventId: string, transaction: Transaction): Promise<void> {
    if (priceId === checkout.stripe_price_id) return;
    const plan = await Plan.findOne({ where: { stripe_price_id: priceId, product: checkout.product, license_type: 'subscription' }, transaction });
    if (!plan && checkout.stripe_price_id === null) {
      // A purchase from before prices were recorded, still on the price it was sold at (since archived): the baseline.
      await checkout.update({ stripe_price_id: priceId }, { transaction });
      return;
    }
    if (!plan) {
      this.deps.logger.error({ purchase: checkout.id, price: priceId, event: eventId }, 'ALERT: subscription moved to a price of no plan; license unchanged');
      return;
    }
    if (plan.id === checkout.plan_id) {
      await checkout.update({ stripe_price_id: priceId }, { transaction }); // same plan at a newer price
      return;
    }
    const from = checkout.plan_id;
    await checkout.update({ plan_id: plan.id, plan: plan.plan, stripe_price_id: priceId }, { transaction });
    if (checkout.license_id) await this.licenses.changePolicy(checkout.license_id, plan.policy, { reason: 'subscription_plan_changed', transaction });
    await audit(
      { action: 'purchase.plan_changed', subjectUserId: checkout.user_id, targetType: 'purchase', targetId: checkout.id, metadata: { from, to: plan.id, event: eventId } },
      WEBHOOK_META,
      transaction,
    );
  }

  /** Moves a subscription license's end date to what has been paid (and Stripe's state of the subscription). */
  async syncSubscriptionExpiry(checkout: Purchase, transaction: Transaction): Promise<Date | undefined> {
    const expiresAt = subscriptionLicenseExpiry(checkout);
    if (checkout.license_id && expiresAt) await this.licenses.setExpiry(checkout.license_id, expiresAt, { reason: 'subscription_billing', transaction });
    return expiresAt;
  }

  async planOf(purchase: Purchase, transaction?: Transaction): Promise<Plan> {
    const plan = purchase.plan_id
      ? await Plan.findByPk(purchase.plan_id, { transaction })
      : await Plan.findOne({ where: { product: purchase.product, plan: purchase.plan, license_type: purchase.license_type }, transaction });
    if (!plan) throw new Error(`purchase ${purchase.id} names no known plan`);
    return plan;
  }

  async mailOwner(userId: string, build: (u: { email: string; first_name: string }) => MailMessage, transaction: Transaction): Promise<void> {
    const [user] = await this.deps.sequelize.query<{ email: string; first_name: string }>(
      `SELECT email, first_name FROM users WHERE id = :id AND status <> 'deleted'`,
      { replacements: { id: userId }, type: QueryTypes.SELECT, transaction },
    );
    if (user) await this.deps.mailer.enqueue(build(user), { transaction });
  }

  private lockWhere(where: Record<string, unknown>, transaction: Transaction): Promise<Purchase | null> {
    return Purchase.findOne({ where, transaction, lock: transaction.LOCK.UPDATE });
  }
}
