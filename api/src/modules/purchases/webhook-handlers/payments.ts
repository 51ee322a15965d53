import { Uuid } from '@ngn/shared';
import { idOf } from '../stripe-client';
import type { EventHandlers } from './types';

/** Payments that failed, came back (refunds) or were taken back (chargebacks). */
export const paymentHandlers: EventHandlers = {
  // Only one-time checkouts carry our metadata; subscription renewals are told by invoice.payment_failed.
  'payment_intent.payment_failed': async (event, { ledger, logger, transaction }) => {
    const pi = event.data.object;
    const purchaseId = pi.metadata?.purchase_id;
    logger.info({ payment_intent: pi.id, code: pi.last_payment_error?.code, purchase: purchaseId }, 'payment failed');
    if (!purchaseId || !Uuid.safeParse(purchaseId).success) return;
    const purchase = await ledger.forPaymentMetadata(purchaseId, transaction);
    if (purchase) await ledger.recordFailure(purchase, pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? 'payment_failed', transaction);
  },

  // A partial refund (a goodwill discount) keeps the license; a full one revokes it.
  'charge.refunded': async (event, { ledger, logger, transaction }) => {
    const charge = event.data.object;
    const pi = idOf(charge.payment_intent);
    if (!pi) return;
    const purchase = await ledger.forPayment(pi, transaction);
    if (!purchase) {
      logger.info({ charge: charge.id }, 'refund of a payment that is not a purchase: ignored');
      return;
    }
    if (charge.amount_refunded > purchase.amount_refunded) {
      await purchase.update({ amount_refunded: Math.min(charge.amount_refunded, purchase.amount) }, { transaction });
    }
    if (charge.refunded) await ledger.reverse(purchase, 'refunded', transaction, event.id);
  },

  'charge.dispute.closed': async (event, { ledger, logger, transaction }) => {
    const dispute = event.data.object;
    logger.info({ dispute: dispute.id, status: dispute.status }, 'dispute closed');
    if (dispute.status !== 'lost') return;
    const pi = idOf(dispute.payment_intent);
    const purchase = pi ? await ledger.forPayment(pi, transaction) : null;
    if (purchase) await ledger.reverse(purchase, 'disputed', transaction, event.id);
  },
};
