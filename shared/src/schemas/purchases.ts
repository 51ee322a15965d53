import { z } from 'zod';
import { IsoDateTime, NextCursor, PageQuery, Uuid } from './common';

/** One-time purchase or recurring billing: what a plan is sold as. */
export const PurchaseLicenseType = z.enum(['perpetual', 'subscription']);
export type PurchaseLicenseType = z.infer<typeof PurchaseLicenseType>;

export const PurchaseStatus = z.enum(['pending', 'completed', 'failed', 'refunded', 'disputed']);
export type PurchaseStatus = z.infer<typeof PurchaseStatus>;

/** Stripe's Checkout Session status. */
export const CheckoutStatus = z.enum(['open', 'complete', 'expired']);
export type CheckoutStatus = z.infer<typeof CheckoutStatus>;

const Currency = z.string().regex(/^[A-Z]{3}$/);
const Money = z.number().int().min(0);

export const Plan = z.object({
  id: z.string(),
  plan: z.string(),
  license_type: PurchaseLicenseType,
  product: z.string(),
  name: z.string(),
  /** The licensing policy a purchase grants (standard, pro_subscription, ...). */
  policy: z.string(),
  /** Machines one license of this plan activates at once (from its policy). */
  max_activations: z.number().int().positive(),
  /** Days the plugin keeps working without reaching the API (from its policy). */
  offline_grace_days: z.number().int().min(0),
  amount: Money,
  currency: Currency,
  /** Billing period of a subscription; null for one-time purchases. */
  interval: z.enum(['month', 'year']).nullable(),
});
export type Plan = z.infer<typeof Plan>;

export const PlanList = z.object({ plans: z.array(Plan) });
export type PlanList = z.infer<typeof PlanList>;

/**
 * Plain strings, not enums: an unknown plan is a business answer
 * (`invalid_plan`), not a malformed request.
 */
export const CreateCheckoutRequest = z.strictObject({
  plan: z.string().trim().min(1).max(40),
  license_type: z.string().trim().min(1).max(40).default('perpetual'),
});
export type CreateCheckoutRequest = z.output<typeof CreateCheckoutRequest>;

export const CreateCheckoutResponse = z.object({
  session_id: z.string(),
  /** For Stripe.js `initEmbeddedCheckout`. */
  client_secret: z.string().nullable(),
  /** The API's own checkout page, which mounts the embedded form: open it in a window. */
  checkout_url: z.url(),
  purchase_id: Uuid,
  publishable_key: z.string(),
});
export type CreateCheckoutResponse = z.infer<typeof CreateCheckoutResponse>;

export const CheckoutSessionId = z.string().regex(/^cs_[A-Za-z0-9_]{1,250}$/, 'A Checkout Session id starts with cs_.');
export const CheckoutSessionParams = z.strictObject({ id: CheckoutSessionId });

/** What the buyer's own session looks like now; the license appears once the webhook has issued it. */
export const CheckoutSessionState = z.object({
  session_id: z.string(),
  status: CheckoutStatus,
  purchase_id: Uuid,
  purchase_status: PurchaseStatus,
  plan: z.string(),
  license_type: PurchaseLicenseType,
  product: z.string(),
  amount: Money,
  currency: Currency,
  license_id: Uuid.nullable(),
  license_key: z.string().nullable(),
  license_expires_at: IsoDateTime.nullable(),
});
export type CheckoutSessionState = z.infer<typeof CheckoutSessionState>;

export const CheckoutOutcomeQuery = z.strictObject({ session_id: CheckoutSessionId });

/**
 * What the checkout pages (opened without a sign-in) may learn from a session
 * id alone. The key is shown only for a day after the payment, so an old
 * link in a browser history reveals nothing.
 */
export const CheckoutOutcome = z.object({
  session_id: z.string(),
  status: CheckoutStatus,
  purchase_status: PurchaseStatus,
  plan_name: z.string(),
  license_key: z.string().nullable(),
});
export type CheckoutOutcome = z.infer<typeof CheckoutOutcome>;

export const PurchaseKind = z.enum(['checkout', 'renewal']);

export const PurchaseHistoryItem = z.object({
  id: Uuid,
  kind: PurchaseKind,
  amount: Money,
  amount_refunded: Money,
  currency: Currency,
  status: PurchaseStatus,
  plan: z.string(),
  license_type: PurchaseLicenseType,
  product: z.string(),
  created_at: IsoDateTime,
  license_key: z.string().nullable(),
  /** Stripe's receipt (a charge's receipt page, or a subscription invoice's hosted page); null until Stripe has one. */
  receipt_url: z.string().nullable(),
  /** For a subscription's checkout: where it stands, as the last webhook told. */
  subscription: z
    .object({
      status: z.string().nullable(),
      paid_through: IsoDateTime.nullable(),
      /** Cancelled in the billing portal: the license ends at paid_through unless resumed. */
      cancel_at_period_end: z.boolean(),
    })
    .nullable(),
});
export type PurchaseHistoryItem = z.infer<typeof PurchaseHistoryItem>;

export const PurchaseHistory = z.object({ purchases: z.array(PurchaseHistoryItem), next_cursor: NextCursor });
export type PurchaseHistory = z.infer<typeof PurchaseHistory>;

export const PortalResponse = z.object({ url: z.url() });
export type PortalResponse = z.infer<typeof PortalResponse>;

export const WebhookAck = z.object({ received: z.literal(true), duplicate: z.boolean().optional() });
export type WebhookAck = z.infer<typeof WebhookAck>;

// ---- admin ----

export const AdminPurchaseQuery = PageQuery.extend({
  status: PurchaseStatus.optional(),
  user_id: Uuid.optional(),
});
export type AdminPurchaseQuery = z.infer<typeof AdminPurchaseQuery>;

export const AdminPurchase = PurchaseHistoryItem.extend({
  user_id: Uuid.nullable(),
  user_email: z.string().nullable(),
  license_id: Uuid.nullable(),
  failure_reason: z.string().nullable(),
  subscription_status: z.string().nullable(),
  paid_through: IsoDateTime.nullable(),
  stripe_checkout_session_id: z.string().nullable(),
  stripe_payment_intent_id: z.string().nullable(),
  stripe_customer_id: z.string().nullable(),
  stripe_subscription_id: z.string().nullable(),
  stripe_invoice_id: z.string().nullable(),
  completed_at: IsoDateTime.nullable(),
  refunded_at: IsoDateTime.nullable(),
  updated_at: IsoDateTime,
});
export type AdminPurchase = z.infer<typeof AdminPurchase>;

export const AdminPurchaseList = z.object({ purchases: z.array(AdminPurchase), next_cursor: NextCursor });
export type AdminPurchaseList = z.infer<typeof AdminPurchaseList>;

export const PurchaseParams = z.strictObject({ id: Uuid });

export const RefundRequest = z.strictObject({
  reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).default('requested_by_customer'),
  /** Minor units; the whole remaining amount when omitted. Only a full refund revokes the license. */
  amount: z.number().int().positive().optional(),
  note: z.string().trim().max(500).optional(),
});
export type RefundRequest = z.output<typeof RefundRequest>;

export const RefundResponse = z.object({
  purchase_id: Uuid,
  refund_id: z.string(),
  amount: Money,
  currency: Currency,
  /** The license is revoked when Stripe's charge.refunded webhook arrives, not by this call. */
  status: z.literal('refund_requested'),
  subscription_canceled: z.boolean(),
});
export type RefundResponse = z.infer<typeof RefundResponse>;

const Day = z.iso.date();

export const RevenueQuery = z
  .strictObject({ from: Day, to: Day })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to.', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { message: 'Ask for at most 366 days.', path: ['to'] });
export type RevenueQuery = z.infer<typeof RevenueQuery>;

export const RevenueDay = z.object({
  /** UTC day the payments were made. */
  day: Day,
  product: z.string(),
  currency: Currency,
  payments: z.number().int().min(0),
  gross: Money,
  /** Refunded or lost to chargebacks, of that day's payments. */
  reversed: Money,
  net: z.number().int(),
});
export type RevenueDay = z.infer<typeof RevenueDay>;

export const RevenueReport = z.object({ from: Day, to: Day, days: z.array(RevenueDay) });
export type RevenueReport = z.infer<typeof RevenueReport>;
