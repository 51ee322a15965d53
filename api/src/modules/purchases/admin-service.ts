import Stripe from 'stripe';
import { QueryTypes } from 'sequelize';
import type { AdminPurchase, AdminPurchaseList, AdminPurchaseQuery, RefundRequest, RefundResponse } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Purchase } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { notFound, unprocessable } from '../../lib/errors';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { HISTORY_COLUMNS, toHistoryItem } from './service';
import { callStripe, idOf } from './stripe-client';

type AdminRow = Parameters<typeof toHistoryItem>[0] & {
  user_id: string | null;
  user_email: string | null;
  license_id: string | null;
  failure_reason: string | null;
  stripe_checkout_session_id: string | null;
  stripe_payment_intent_id: string | null;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  stripe_invoice_id: string | null;
  completed_at: Date | null;
  refunded_at: Date | null;
  updated_at: Date;
};

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Operators' view of payments: every purchase, and refunds (which Stripe carries out; the webhook then revokes). */
export class PurchasesAdminService {
  constructor(
    private readonly deps: AppDeps,
    private readonly stripe: Stripe,
  ) {}

  async list(query: AdminPurchaseQuery): Promise<AdminPurchaseList> {
    const cursor = keysetWhere(decodeCursor(query.cursor), 'p');
    const rows = await this.deps.sequelize.query<AdminRow>(
      `SELECT ${HISTORY_COLUMNS}, p.user_id, u.email AS user_email, p.license_id, p.failure_reason,
              p.stripe_checkout_session_id, p.stripe_payment_intent_id, p.stripe_customer_id,
              p.stripe_subscription_id, p.stripe_invoice_id, p.completed_at, p.refunded_at, p.updated_at
         FROM purchases p LEFT JOIN licenses l ON l.id = p.license_id LEFT JOIN users u ON u.id = p.user_id
        WHERE (:status::text IS NULL OR p.status = :status) AND (:user::uuid IS NULL OR p.user_id = :user) AND ${cursor.sql}
        ORDER BY p.created_at DESC, p.id DESC LIMIT :limit`,
      {
        replacements: { status: query.status ?? null, user: query.user_id ?? null, limit: query.limit + 1, ...cursor.replacements },
        type: QueryTypes.SELECT,
      },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { purchases: items.map(toAdminPurchase), next_cursor };
  }

  /**
   * Asks Stripe to refund a payment. Nothing changes here: the license is
   * revoked by the charge.refunded webhook, so a refund made in Stripe's
   * Dashboard takes the same path. A full refund of a subscription payment
   * also cancels the subscription, so it does not bill again.
   */
  async refund(adminId: string, purchaseId: string, input: RefundRequest, meta: RequestMeta): Promise<RefundResponse> {
    const purchase = await Purchase.findByPk(purchaseId);
    if (!purchase) throw notFound('Purchase');
    if (purchase.status !== 'completed') {
      throw unprocessable('not_refundable', `Only completed purchases can be refunded; this one is ${purchase.status}.`);
    }
    const remaining = purchase.amount - purchase.amount_refunded;
    const amount = input.amount ?? remaining;
    if (amount > remaining || remaining <= 0) {
      throw unprocessable('not_refundable', `At most ${remaining} (minor units) of this purchase can still be refunded.`);
    }
    const paymentIntent = purchase.stripe_payment_intent_id ?? (await this.invoicePaymentIntent(purchase.stripe_invoice_id));
    if (!paymentIntent) throw unprocessable('not_refundable', 'Stripe has no payment recorded for this purchase.');

    let refund: Stripe.Refund;
    try {
      refund = await callStripe(() =>
        this.stripe.refunds.create(
          { payment_intent: paymentIntent, amount, reason: input.reason, metadata: { purchase_id: purchase.id, admin_user_id: adminId } },
          // A double click sends the same refund once.
          { idempotencyKey: `refund-${purchase.id}-${purchase.amount_refunded}-${amount}` },
        ),
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError) {
        throw unprocessable('not_refundable', `Stripe refused the refund: ${err.message}`);
      }
      throw err;
    }

    const subscriptionId = purchase.stripe_subscription_id;
    const cancel = purchase.license_type === 'subscription' && amount === remaining && subscriptionId !== null;
    let canceled = false;
    if (cancel) {
      const checkout = await Purchase.findOne({ where: { kind: 'checkout', stripe_subscription_id: subscriptionId } });
      if (checkout?.subscription_status !== 'canceled') {
        await callStripe(() => this.stripe.subscriptions.cancel(subscriptionId));
        canceled = true;
      }
    }
    await audit(
      {
        action: 'purchase.refund_requested',
        actorUserId: adminId,
        subjectUserId: purchase.user_id,
        targetType: 'purchase',
        targetId: purchase.id,
        metadata: { refund_id: refund.id, amount, reason: input.reason, note: input.note, subscription_canceled: canceled },
      },
      meta,
    );
    return {
      purchase_id: purchase.id,
      refund_id: refund.id,
      amount: refund.amount,
      currency: refund.currency.toUpperCase(),
      status: 'refund_requested',
      subscription_canceled: canceled,
    };
  }

  /** A subscription invoice is paid through a PaymentIntent that Stripe lists as the invoice's payment. */
  private async invoicePaymentIntent(invoiceId: string | null): Promise<string | null> {
    if (!invoiceId) return null;
    const payments = await callStripe(() => this.stripe.invoicePayments.list({ invoice: invoiceId, status: 'paid', limit: 1 }));
    return idOf(payments.data[0]?.payment.payment_intent ?? null);
  }
}

function toAdminPurchase(r: AdminRow): AdminPurchase {
  return {
    ...toHistoryItem(r),
    user_id: r.user_id,
    user_email: r.user_email,
    license_id: r.license_id,
    failure_reason: r.failure_reason,
    subscription_status: r.subscription_status,
    paid_through: iso(r.paid_through),
    stripe_checkout_session_id: r.stripe_checkout_session_id,
    stripe_payment_intent_id: r.stripe_payment_intent_id,
    stripe_customer_id: r.stripe_customer_id,
    stripe_subscription_id: r.stripe_subscription_id,
    stripe_invoice_id: r.stripe_invoice_id,
    completed_at: iso(r.completed_at),
    refunded_at: iso(r.refunded_at),
    updated_at: r.updated_at.toISOString(),
  };
}
