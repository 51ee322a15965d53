import { z } from 'zod';
import { IsoDateTime, NextCursor, PageQuery } from './common';
import { PolicyName, ProductId } from './licenses';
import { PurchaseLicenseType } from './purchases';

const PlanKey = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'A plan name is lowercase letters, digits and _.');
const Currency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'A currency is an ISO 4217 code such as USD.')
  .transform((c) => c.toUpperCase());
/** Minor units (cents): 2999 is $29.99. */
const Amount = z.number().int().min(0).max(99_999_999);

/** A plan as operators see it: the price it sells at in Stripe and whether it is for sale. */
export const AdminPlan = z.object({
  id: z.string(),
  plan: z.string(),
  license_type: PurchaseLicenseType,
  product: z.string(),
  policy: z.string(),
  name: z.string(),
  stripe_price_id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  interval: z.enum(['month', 'year']).nullable(),
  active: z.boolean(),
  sort_order: z.number().int(),
  updated_at: IsoDateTime,
});
export type AdminPlan = z.infer<typeof AdminPlan>;

export const AdminPlanList = z.object({ plans: z.array(AdminPlan) });
export type AdminPlanList = z.infer<typeof AdminPlanList>;
export const AdminPlanParams = z.strictObject({ id: z.string().regex(/^[a-z][a-z0-9_]{1,62}$/) });

export const CreatePlanRequest = z
  .strictObject({
    plan: PlanKey,
    license_type: PurchaseLicenseType,
    product: ProductId.default('mixing_mentor'),
    /** The licensing policy a purchase grants; it must exist for the product. */
    policy: PolicyName,
    name: z.string().trim().min(1).max(100),
    amount: Amount,
    currency: Currency.default('USD'),
    interval: z.enum(['month', 'year']).optional(),
    sort_order: z.number().int().min(0).max(1000).default(0),
  })
  .refine((p) => (p.license_type === 'subscription') === (p.interval !== undefined), {
    message: 'A subscription plan needs an interval (month or year); a perpetual plan has none.',
    path: ['interval'],
  });
export type CreatePlanRequest = z.output<typeof CreatePlanRequest>;

/** A new price: Stripe prices never change, so this creates one and archives the old. */
export const ChangePlanPriceRequest = z.strictObject({ amount: Amount, currency: Currency.optional() });
export type ChangePlanPriceRequest = z.output<typeof ChangePlanPriceRequest>;

export const WebhookEventStatus = z.enum(['processed', 'failed', 'pending']);
export const AdminWebhookQuery = PageQuery.extend({ status: WebhookEventStatus.optional(), type: z.string().max(100).optional() });
export type AdminWebhookQuery = z.infer<typeof AdminWebhookQuery>;

/** A Stripe event as received: `failed` has an error and no processing yet; `pending` was recorded but never finished. */
export const AdminWebhookEvent = z.object({
  id: z.string(),
  type: z.string(),
  status: WebhookEventStatus,
  received_at: IsoDateTime,
  processed_at: IsoDateTime.nullable(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
});
export type AdminWebhookEvent = z.infer<typeof AdminWebhookEvent>;

export const AdminWebhookList = z.object({ events: z.array(AdminWebhookEvent), next_cursor: NextCursor });
export type AdminWebhookList = z.infer<typeof AdminWebhookList>;
export const AdminWebhookParams = z.strictObject({ id: z.string().regex(/^evt_[A-Za-z0-9]{1,250}$/) });

export const ReplayWebhookResponse = z.object({
  event: AdminWebhookEvent,
  /** False when the event had already been processed: a replay never does the work twice. */
  replayed: z.boolean(),
});
export type ReplayWebhookResponse = z.infer<typeof ReplayWebhookResponse>;
