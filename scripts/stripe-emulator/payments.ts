import { invalidParam, invalidState, missingParam } from './errors';
import type { FormObject } from './form-encoding';
import { newId, nowSeconds, type Charge, type Dispute, type PaymentError, type PaymentIntent, type Refund } from './objects';
import { metadataParam, stringParam, type StripeState } from './state';

/** What Stripe sends on every PaymentIntent for what this project leaves off (Connect, manual capture, saved methods...). */
const INTENT_FEATURES_LEFT_OFF = {
  allowed_payment_method_types: null,
  amount_capturable: 0,
  application: null,
  application_fee_amount: null,
  automatic_payment_methods: null,
  canceled_at: null,
  cancellation_reason: null,
  capture_method: 'automatic_async',
  confirmation_method: 'automatic',
  customer_account: null,
  excluded_payment_method_types: null,
  managed_payments: null,
  next_action: null,
  on_behalf_of: null,
  payment_method_configuration_details: null,
  payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
  payment_record: null,
  processing: null,
  receipt_email: null,
  review: null,
  setup_future_usage: null,
  shipping: null,
  source: null,
  statement_descriptor: null,
  statement_descriptor_suffix: null,
  transfer_group: null,
} satisfies Partial<PaymentIntent>;

/** The same for charges. */
const CHARGE_FEATURES_LEFT_OFF = {
  application: null,
  application_fee: null,
  application_fee_amount: null,
  balance_transaction: null,
  description: null,
  failure_balance_transaction: null,
  fraud_details: {},
  on_behalf_of: null,
  receipt_email: null,
  receipt_number: null,
  review: null,
  shipping: null,
  source: null,
  source_transfer: null,
  statement_descriptor: null,
  statement_descriptor_suffix: null,
  transfer_data: null,
  transfer_group: null,
} satisfies Partial<Charge>;

/** A test card as Stripe describes it on a charge. */
function testCard(last4: string): Charge['payment_method_details']['card'] {
  return {
    amount_authorized: null,
    authorization_code: null,
    brand: 'visa',
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
    country: 'US',
    electronic_commerce_indicator: null,
    exp_month: 12,
    exp_year: new Date().getUTCFullYear() + 3,
    funding: 'credit',
    installments: null,
    last4,
    mandate: null,
    network: 'visa',
    network_transaction_id: null,
    regulated_status: 'unregulated',
    three_d_secure: null,
    transaction_link_id: null,
    wallet: null,
  };
}

/** PaymentIntents and their charges, refunds and disputes: where the money moves. */
export function newPaymentIntent(s: StripeState, amount: number, currency: string, customer: string | null, metadata: Record<string, string>): PaymentIntent {
  const id = newId('pi');
  const pi: PaymentIntent = {
    ...INTENT_FEATURES_LEFT_OFF,
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
    payment_method: null,
    payment_method_types: ['card'],
    status: 'requires_payment_method',
  };
  s.paymentIntents.set(id, pi);
  return pi;
}

function newCharge(s: StripeState, pi: PaymentIntent, ok: boolean, error?: PaymentError): Charge {
  const customer = pi.customer ? s.customers.get(pi.customer) : undefined;
  const charge: Charge = {
    ...CHARGE_FEATURES_LEFT_OFF,
    id: newId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: ok ? pi.amount : 0,
    amount_refunded: 0,
    billing_details: { address: null, email: customer?.email ?? null, name: customer?.name ?? null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'NEXTGEN NOISE',
    captured: ok,
    created: nowSeconds(),
    currency: pi.currency,
    customer: pi.customer,
    disputed: false,
    failure_code: error?.code ?? null,
    failure_message: error?.message ?? null,
    livemode: false,
    metadata: pi.metadata,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: ok ? 'approved_by_network' : 'declined_by_network',
      reason: error?.decline_code ?? null,
      risk_level: 'normal',
      seller_message: ok ? 'Payment complete.' : 'The bank did not return any further details with this decline.',
      type: ok ? 'authorized' : 'issuer_declined',
    },
    paid: ok,
    payment_intent: pi.id,
    payment_method: `pm_${pi.id.slice(3)}`,
    payment_method_details: { type: 'card', card: testCard(ok ? '4242' : '0002') },
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
  pi.last_payment_error = { ...error, doc_url: `https://stripe.com/docs/error-codes/${error.code.replace(/_/g, '-')}` };
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
    balance_transaction: null,
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    metadata: metadataParam(p),
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: reason as Refund['reason'],
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  s.refunds.set(refund.id, refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  s.emit('charge.refunded', charge, previous);
  s.emit('refund.created', refund);
  return refund;
}

/** A new dispute's evidence: every field Stripe lists, none given yet. */
const NO_EVIDENCE: Dispute['evidence'] = {
  access_activity_log: null,
  billing_address: null,
  cancellation_policy: null,
  cancellation_policy_disclosure: null,
  cancellation_rebuttal: null,
  customer_communication: null,
  customer_email_address: null,
  customer_name: null,
  customer_purchase_ip: null,
  customer_signature: null,
  duplicate_charge_documentation: null,
  duplicate_charge_explanation: null,
  duplicate_charge_id: null,
  enhanced_evidence: {},
  product_description: null,
  receipt: null,
  refund_policy: null,
  refund_policy_disclosure: null,
  refund_refusal_explanation: null,
  service_date: null,
  service_documentation: null,
  shipping_address: null,
  shipping_carrier: null,
  shipping_date: null,
  shipping_documentation: null,
  shipping_tracking_number: null,
  uncategorized_file: null,
  uncategorized_text: null,
};

/** A chargeback: opened, then closed as `lost` (the money goes back) or `won`. */
export function disputeCharge(s: StripeState, chargeId: string, outcome: 'lost' | 'won'): Dispute {
  const charge = s.find(s.charges, chargeId, 'charge', 'charge');
  if (charge.status !== 'succeeded' || charge.disputed) throw invalidState(`Charge ${charge.id} cannot be disputed.`);
  const dispute: Dispute = {
    id: newId('dp'),
    object: 'dispute',
    amount: charge.amount - charge.amount_refunded,
    balance_transactions: [],
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: NO_EVIDENCE,
    evidence_details: {
      due_by: nowSeconds() + 7 * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
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
