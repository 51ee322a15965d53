import { invalidParam, invalidState, missingParam } from './errors';
import type { FormObject } from './form-encoding';
import { newId, nowSeconds, type Charge, type Dispute, type PaymentError, type PaymentIntent, type Refund } from './objects';
import { metadataParam, stringParam, type StripeState } from './state';

/** PaymentIntents and their charges, refunds and disputes: where the money moves. */
export function newPaymentIntent(s: StripeState, amount: number, currency: string, customer: string | null, metadata: Record<string, string>): PaymentIntent {
  const id = newId('pi');
  const pi: PaymentIntent = {
    id,
    object: 'payment_intent',
    amount,
    amount_received: 0,
    client_secret: `${id}_secret_${newId('x', 24).slice(2)}`,
    created: nowSeconds(),
    currency,
    customer,
    description: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata,
    payment_method_types: ['card'],
    status: 'requires_payment_method',
  };
  s.paymentIntents.set(id, pi);
  return pi;
}

function newCharge(s: StripeState, pi: PaymentIntent, ok: boolean, error?: PaymentError): Charge {
  const customer = pi.customer ? s.customers.get(pi.customer) : undefined;
  const charge: Charge = {
    id: newId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: ok ? pi.amount : 0,
    amount_refunded: 0,
    billing_details: { email: customer?.email ?? null, name: customer?.name ?? null },
    captured: ok,
    created: nowSeconds(),
    currency: pi.currency,
    customer: pi.customer,
    disputed: false,
    failure_code: error?.code ?? null,
    failure_message: error?.message ?? null,
    livemode: false,
    metadata: pi.metadata,
    paid: ok,
    payment_intent: pi.id,
    payment_method_details: { type: 'card', card: { brand: 'visa', last4: ok ? '4242' : '0002' } },
    receipt_url: null,
    refunded: false,
    status: ok ? 'succeeded' : 'failed',
  };
  if (ok) charge.receipt_url = `${s.baseUrl()}/receipts/${charge.id}`;
  s.charges.set(charge.id, charge);
  pi.latest_charge = charge.id;
  return charge;
}

export function succeedCharge(s: StripeState, pi: PaymentIntent): Charge {
  const charge = newCharge(s, pi, true);
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  pi.last_payment_error = null;
  s.emit('charge.succeeded', charge);
  s.emit('payment_intent.succeeded', pi);
  return charge;
}

export function failCharge(s: StripeState, pi: PaymentIntent, error: PaymentError): Charge {
  const charge = newCharge(s, pi, false, error);
  pi.status = 'requires_payment_method';
  pi.last_payment_error = error;
  s.emit('charge.failed', charge);
  s.emit('payment_intent.payment_failed', pi);
  return charge;
}

const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'];

export function createRefund(s: StripeState, p: FormObject): Refund {
  const piId = stringParam(p, 'payment_intent');
  const chargeId = stringParam(p, 'charge');
  if (!piId && !chargeId) throw missingParam('payment_intent');
  let charge: Charge | undefined;
  if (chargeId) charge = s.find(s.charges, chargeId, 'charge', 'charge');
  else {
    const pi = s.find(s.paymentIntents, piId!, 'payment_intent', 'payment_intent');
    charge = pi.latest_charge ? s.charges.get(pi.latest_charge) : undefined;
    if (!charge || charge.status !== 'succeeded') {
      throw invalidState(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'charge_not_refundable', 'payment_intent');
    }
  }
  if (charge.status !== 'succeeded') throw invalidState(`Charge ${charge.id} did not succeed and cannot be refunded.`, 'charge_not_refundable', 'charge');
  if (charge.disputed) throw invalidState(`Charge ${charge.id} has been charged back; cannot issue a refund.`, 'charge_disputed', 'charge');
  if (charge.refunded) throw invalidState(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded', 'charge');
  const remaining = charge.amount - charge.amount_refunded;
  const amountParam = stringParam(p, 'amount');
  const amount = amountParam === undefined ? remaining : Number(amountParam);
  if (!Number.isInteger(amount) || amount < 1) throw invalidParam('amount', 'Invalid positive integer', 'parameter_invalid_integer');
  if (amount > remaining) {
    throw invalidState(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount_too_large', 'amount');
  }
  const reason = stringParam(p, 'reason') ?? null;
  if (reason && !REFUND_REASONS.includes(reason)) {
    throw invalidParam('reason', `Invalid reason: must be one of ${REFUND_REASONS.join(', ')}`, 'parameter_invalid_enum');
  }
  const refund: Refund = {
    id: newId('re'),
    object: 'refund',
    amount,
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    metadata: metadataParam(p),
    payment_intent: charge.payment_intent,
    reason,
    status: 'succeeded',
  };
  s.refunds.set(refund.id, refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  s.emit('charge.refunded', charge, previous);
  s.emit('refund.created', refund);
  return refund;
}

/** A chargeback: opened, then closed as `lost` (the money goes back) or `won`. */
export function disputeCharge(s: StripeState, chargeId: string, outcome: 'lost' | 'won'): Dispute {
  const charge = s.find(s.charges, chargeId, 'charge', 'charge');
  if (charge.status !== 'succeeded' || charge.disputed) throw invalidState(`Charge ${charge.id} cannot be disputed.`);
  const dispute: Dispute = {
    id: newId('dp'),
    object: 'dispute',
    amount: charge.amount - charge.amount_refunded,
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    reason: 'fraudulent',
    status: 'needs_response',
  };
  s.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  s.emit('charge.dispute.created', dispute);
  dispute.status = outcome;
  s.emit('charge.dispute.closed', dispute, { status: 'needs_response' });
  return dispute;
}
