import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { QueryTypes, type Sequelize } from 'sequelize';
import type {
  CheckoutOutcome,
  CheckoutSessionState,
  CheckoutStatus,
  CreateCheckoutRequest,
  CreateCheckoutResponse,
  PageQuery,
  Plan as PlanDto,
  PlanList,
  PurchaseHistory,
  PurchaseHistoryItem,
  RevenueDay,
} from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Plan, Policy, Purchase, User } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { badRequest, conflict, notFound, unprocessable } from '../../lib/errors';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { pendingPurchase } from './pending-purchase';
import { PortalConfigurations } from './portal-configuration';
import { callStripe } from './stripe-client';

/** What the account module queues when a customer's Stripe data must go. */
export { CUSTOMER_ERASURE_JOB } from './customer-erasure';

/** The checkout pages show a key to whoever holds the session id only this long after the payment. */
const OUTCOME_KEY_WINDOW_MS = 24 * 3600_000;

/** Stripe may add statuses; anything we do not know counts as still open. */
function knownStatus(status: string | null, fallback: CheckoutStatus): CheckoutStatus {
  return status === 'open' || status === 'complete' || status === 'expired' ? status : fallback;
}

export function toPlanDto(p: Plan, policy: Pick<Policy, 'max_activations' | 'offline_grace_days'>): PlanDto {
  return {
    id: p.id,
    plan: p.plan,
    license_type: p.license_type,
    product: p.product,
    name: p.name,
    policy: p.policy,
    max_activations: policy.max_activations,
    offline_grace_days: policy.offline_grace_days,
    amount: p.amount,
    currency: p.currency,
    interval: p.billing_interval,
  };
}

interface HistoryRow {
  id: string;
  kind: 'checkout' | 'renewal';
  amount: number;
  amount_refunded: number;
  currency: string;
  status: PurchaseHistoryItem['status'];
  plan: string;
  license_type: PurchaseHistoryItem['license_type'];
  product: string;
  created_at: Date;
  license_key: string | null;
  receipt_url: string | null;
  subscription_status: string | null;
  paid_through: Date | null;
  cancel_at_period_end: boolean;
}

export const HISTORY_COLUMNS = `p.id, p.kind, p.amount, p.amount_refunded, p.currency, p.status, p.plan, p.license_type, p.product,
  p.created_at, l.license_key, p.receipt_url, p.subscription_status, p.paid_through, p.cancel_at_period_end`;

export function toHistoryItem(r: HistoryRow): PurchaseHistoryItem {
  return {
    id: r.id,
    kind: r.kind,
    amount: Number(r.amount),
    amount_refunded: Number(r.amount_refunded),
    currency: r.currency,
    status: r.status,
    plan: r.plan,
    license_type: r.license_type,
    product: r.product,
    created_at: r.created_at.toISOString(),
    license_key: r.license_key,
    receipt_url: r.receipt_url,
    subscription:
      r.kind === 'checkout' && r.license_type === 'subscription'
        ? { status: r.subscription_status, paid_through: r.paid_through?.toISOString() ?? null, cancel_at_period_end: r.cancel_at_period_end }
        : null,
  };
}

/** What the checkout page needs to mount the payment form. */
export interface CheckoutPageData {
  sessionId: string;
  status: CheckoutStatus;
  clientSecret: string | null;
  planName: string;
  amount: number;
  currency: string;
  interval: 'month' | 'year' | null;
}

/**
 * Buying: plans, embedded Checkout Sessions, what a buyer may see of them,
 * purchase history and the billing portal. Licenses are issued only by the
 * webhook (see webhook.ts and ledger.ts), never by anything the browser says.
 */
export class PurchasesService {
  private readonly sequelize: Sequelize;
  private readonly portalConfigurations: PortalConfigurations;

  constructor(
    private readonly deps: AppDeps,
    private readonly stripe: Stripe,
  ) {
    this.sequelize = deps.sequelize;
    this.portalConfigurations = new PortalConfigurations(stripe);
  }

  async listPlans(): Promise<PlanList> {
    const plans = await Plan.findAll({ where: { active: true }, order: [['sort_order', 'ASC'], ['id', 'ASC']] });
    const policies = await Policy.findAll({ where: { name: [...new Set(plans.map((p) => p.policy))] } });
    const policyOf = (p: Plan) => policies.find((x) => x.product_id === p.product && x.name === p.policy);
    // A plan whose policy is missing cannot be fulfilled (the webhook would fail): it is not offered.
    return {
      plans: plans.flatMap((p) => {
        const policy = policyOf(p);
        return policy ? [toPlanDto(p, policy)] : [];
      }),
    };
  }

  async createCheckout(userId: string, input: CreateCheckoutRequest, meta: RequestMeta): Promise<CreateCheckoutResponse> {
    const plan = await Plan.findOne({ where: { plan: input.plan, license_type: input.license_type, active: true } });
    if (!plan) {
      const known = (await Plan.findAll({ where: { active: true } })).map((p) => `${p.plan}/${p.license_type}`).sort();
      throw badRequest('invalid_plan', `There is no ${input.plan} plan sold as ${input.license_type}. Choose one of: ${known.join(', ')}.`);
    }
    const user = await User.findByPk(userId);
    if (!user) throw notFound('User', 'user_not_found');
    if (plan.license_type === 'subscription') await this.refuseSecondSubscription(userId, plan.product);

    const customer = await this.ensureCustomer(user);
    const purchaseId = randomUUID();
    const metadata = { purchase_id: purchaseId, user_id: user.id, plan_id: plan.id };
    const { publicUrl } = this.deps.config;
    const session = await callStripe(() =>
      this.stripe.checkout.sessions.create(
        {
          mode: plan.license_type === 'subscription' ? 'subscription' : 'payment',
          ui_mode: 'embedded_page',
          customer,
          client_reference_id: user.id,
          line_items: [{ price: plan.stripe_price_id, quantity: 1 }],
          metadata,
          ...(plan.license_type === 'subscription' ? { subscription_data: { metadata } } : { payment_intent_data: { metadata } }),
          // Stripe fills in the id; the page only shows the outcome the webhook recorded.
          return_url: `${publicUrl}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
        },
        { idempotencyKey: `checkout-${purchaseId}` },
      ),
    );
    await Purchase.create({
      ...pendingPurchase(plan, session, { id: purchaseId, userId: user.id, customer }),
      stripe_price_id: plan.stripe_price_id,
    });
    await audit(
      { action: 'purchase.checkout_created', actorUserId: user.id, targetType: 'purchase', targetId: purchaseId, metadata: { plan: plan.id, session: session.id } },
      meta,
    );
    return {
      session_id: session.id,
      client_secret: session.client_secret,
      checkout_url: `${publicUrl}/checkout?session_id=${encodeURIComponent(session.id)}`,
      purchase_id: purchaseId,
      publishable_key: this.deps.config.stripe.publishableKey,
    };
  }

  /** The buyer's own session: Stripe's status, and the license once the webhook has issued it. */
  async sessionState(userId: string, sessionId: string): Promise<CheckoutSessionState> {
    const [row] = await this.sequelize.query<HistoryRow & { license_id: string | null; checkout_status: CheckoutStatus | null; license_expires_at: Date | null }>(
      `SELECT ${HISTORY_COLUMNS}, p.license_id, p.checkout_status, l.expires_at AS license_expires_at
         FROM purchases p LEFT JOIN licenses l ON l.id = p.license_id
        WHERE p.stripe_checkout_session_id = :session AND p.user_id = :user`,
      { replacements: { session: sessionId, user: userId }, type: QueryTypes.SELECT },
    );
    if (!row) throw notFound('Checkout session');
    let status: CheckoutStatus = row.checkout_status ?? 'open';
    if (status === 'open') {
      // The webhook may not have arrived yet: ask Stripe, but never fail a poll because of it.
      status = await this.stripe.checkout.sessions
        .retrieve(sessionId)
        .then((s) => knownStatus(s.status, status))
        .catch(() => status);
    }
    return {
      session_id: sessionId,
      status,
      purchase_id: row.id,
      purchase_status: row.status,
      plan: row.plan,
      license_type: row.license_type,
      product: row.product,
      amount: Number(row.amount),
      currency: row.currency,
      license_id: row.license_id,
      license_key: row.license_key,
      license_expires_at: row.license_expires_at?.toISOString() ?? null,
    };
  }

  /** For the checkout pages, which hold only the session id: no account data, the key only shortly after paying. */
  async checkoutOutcome(sessionId: string): Promise<CheckoutOutcome> {
    const [row] = await this.sequelize.query<{
      status: CheckoutOutcome['purchase_status'];
      checkout_status: CheckoutStatus | null;
      completed_at: Date | null;
      license_key: string | null;
      license_status: string | null;
      plan_name: string | null;
      plan: string;
    }>(
      `SELECT p.status, p.checkout_status, p.completed_at, l.license_key, l.status AS license_status, pl.name AS plan_name, p.plan
         FROM purchases p LEFT JOIN licenses l ON l.id = p.license_id LEFT JOIN plans pl ON pl.id = p.plan_id
        WHERE p.stripe_checkout_session_id = :session AND p.kind = 'checkout'`,
      { replacements: { session: sessionId }, type: QueryTypes.SELECT },
    );
    if (!row) throw notFound('Checkout session');
    const fresh = row.completed_at !== null && Date.now() - row.completed_at.getTime() < OUTCOME_KEY_WINDOW_MS;
    return {
      session_id: sessionId,
      status: row.checkout_status ?? 'open',
      purchase_status: row.status,
      plan_name: row.plan_name ?? row.plan,
      license_key: fresh && row.license_status === 'active' ? row.license_key : null,
    };
  }

  /** What the checkout page mounts: read from Stripe, so a session created elsewhere still works. */
  async checkoutPage(sessionId: string): Promise<CheckoutPageData | null> {
    const purchase = await Purchase.findOne({ where: { stripe_checkout_session_id: sessionId } });
    if (!purchase) return null;
    const session = await callStripe(() => this.stripe.checkout.sessions.retrieve(sessionId));
    const plan = purchase.plan_id ? await Plan.findByPk(purchase.plan_id) : null;
    return {
      sessionId,
      status: knownStatus(session.status, 'open'),
      clientSecret: session.client_secret,
      planName: plan?.name ?? purchase.plan,
      amount: session.amount_total ?? purchase.amount,
      currency: (session.currency ?? purchase.currency).toUpperCase(),
      interval: plan?.billing_interval ?? null,
    };
  }

  async history(userId: string, query: PageQuery): Promise<PurchaseHistory> {
    const cursor = keysetWhere(decodeCursor(query.cursor), 'p');
    const rows = await this.sequelize.query<HistoryRow>(
      `SELECT ${HISTORY_COLUMNS}
         FROM purchases p LEFT JOIN licenses l ON l.id = p.license_id
        WHERE p.user_id = :user AND p.status <> 'pending' AND ${cursor.sql}
        ORDER BY p.created_at DESC, p.id DESC LIMIT :limit`,
      { replacements: { user: userId, limit: query.limit + 1, ...cursor.replacements }, type: QueryTypes.SELECT },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { purchases: items.map(toHistoryItem), next_cursor };
  }

  /** Stripe's billing portal (change card, cancel), for customers with a subscription. */
  async portal(userId: string): Promise<{ url: string }> {
    const user = await User.findByPk(userId);
    const subscribed = await Purchase.count({ where: { user_id: userId, kind: 'checkout', license_type: 'subscription', status: 'completed' } });
    if (!user?.stripe_customer_id || subscribed === 0) {
      throw unprocessable('no_subscription', 'You have no subscription to manage. One-time purchases need no billing settings.');
    }
    const customer = user.stripe_customer_id;
    const configuration = await this.portalConfigurations.current();
    const session = await callStripe(() =>
      this.stripe.billingPortal.sessions.create({
        customer,
        configuration,
        return_url: `${this.deps.config.publicUrl}/checkout/billing-done`,
      }),
    );
    return { url: session.url };
  }

  /**
   * Money taken per UTC day, product and currency, from payments completed that
   * day: gross, what went back (refunds, lost chargebacks) and net. For the
   * admin dashboard and reports.
   */
  async revenueByDay(from: string, to: string): Promise<RevenueDay[]> {
    const rows = await this.sequelize.query<{ day: string; product: string; currency: string; payments: number; gross: string; reversed: string }>(
      `SELECT to_char((completed_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, product, currency,
              count(*)::int AS payments, sum(amount)::bigint AS gross,
              sum(CASE WHEN status = 'disputed' THEN amount ELSE amount_refunded END)::bigint AS reversed
         FROM purchases
        WHERE completed_at >= (:from::date::timestamp AT TIME ZONE 'UTC')
          AND completed_at < ((:to::date + 1)::timestamp AT TIME ZONE 'UTC')
          AND status IN ('completed', 'refunded', 'disputed')
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      { replacements: { from, to }, type: QueryTypes.SELECT },
    );
    return rows.map((r) => ({
      day: r.day,
      product: r.product,
      currency: r.currency,
      payments: r.payments,
      gross: Number(r.gross),
      reversed: Number(r.reversed),
      net: Number(r.gross) - Number(r.reversed),
    }));
  }

  /** One Stripe customer per account, created on the first purchase; the idempotency key makes racing first purchases share it. */
  private async ensureCustomer(user: User): Promise<string> {
    if (user.stripe_customer_id) return user.stripe_customer_id;
    const customer = await callStripe(() =>
      this.stripe.customers.create(
        { email: user.email, name: `${user.first_name} ${user.last_name}`, metadata: { user_id: user.id } },
        { idempotencyKey: `customer-${user.id}` },
      ),
    );
    await this.sequelize.query(
      'UPDATE users SET stripe_customer_id = :customer, updated_at = now() WHERE id = :id AND stripe_customer_id IS NULL',
      { replacements: { customer: customer.id, id: user.id } },
    );
    await user.reload();
    return user.stripe_customer_id ?? customer.id;
  }

  private async refuseSecondSubscription(userId: string, product: string): Promise<void> {
    const [row] = await this.sequelize.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM purchases
        WHERE user_id = :user AND product = :product AND kind = 'checkout' AND license_type = 'subscription'
          AND status = 'completed' AND subscription_status IN ('active', 'past_due')`,
      { replacements: { user: userId, product }, type: QueryTypes.SELECT },
    );
    if (row && row.n > 0) {
      throw conflict('already_subscribed', 'You already have a subscription to this product. Manage it from the billing portal.');
    }
  }
}
