import Stripe from 'stripe';
import { UniqueConstraintError } from 'sequelize';
import type { AdminPlan, AdminPlanList, ChangePlanPriceRequest, CreatePlanRequest } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Plan, Policy, Product } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { conflict, notFound, unprocessable } from '../../lib/errors';
import { callStripe, idOf } from './stripe-client';

function toAdminPlan(p: Plan): AdminPlan {
  return {
    id: p.id,
    plan: p.plan,
    license_type: p.license_type,
    product: p.product,
    policy: p.policy,
    name: p.name,
    stripe_price_id: p.stripe_price_id,
    amount: p.amount,
    currency: p.currency,
    interval: p.billing_interval,
    active: p.active,
    sort_order: p.sort_order,
    updated_at: p.updated_at.toISOString(),
  };
}

/**
 * Plans and their prices, changed by operators instead of SQL. Stripe prices
 * are immutable: a new amount is a new Price, and the old one is archived so
 * nothing new can be bought with it (subscriptions already on it keep it, as
 * Stripe does). Checkouts always read the plan's current price.
 */
export class PlansAdminService {
  constructor(
    private readonly deps: AppDeps,
    private readonly stripe: Stripe,
  ) {}

  async list(): Promise<AdminPlanList> {
    const plans = await Plan.findAll({ order: [['sort_order', 'ASC'], ['id', 'ASC']] });
    return { plans: plans.map(toAdminPlan) };
  }

  async create(adminId: string | null, input: CreatePlanRequest, meta: RequestMeta): Promise<AdminPlan> {
    const id = `${input.plan}_${input.license_type}`;
    const product = await Product.findByPk(input.product);
    if (!product) throw unprocessable('unknown_product', `There is no product ${input.product}.`);
    if (!(await Policy.findOne({ where: { product_id: input.product, name: input.policy } }))) {
      throw unprocessable('unknown_policy', `${input.product} has no policy ${input.policy}: a purchase of this plan could not be fulfilled.`);
    }
    if (await Plan.findOne({ where: { product: input.product, plan: input.plan, license_type: input.license_type } })) {
      throw conflict('plan_exists', `${input.product} already has a ${input.plan} plan sold as ${input.license_type}; change its price instead.`);
    }
    const stripeProduct = await this.stripeProductOf(input.product, product.name);
    const price = await this.createPrice(
      { amount: input.amount, currency: input.currency, interval: input.interval ?? null, name: input.name, planId: id, stripeProduct },
      `plan-create-${id}-${input.amount}-${input.currency}`,
    );
    try {
      const plan = await this.deps.sequelize.transaction(async (transaction) => {
        const created = await Plan.create(
          {
            id,
            plan: input.plan,
            license_type: input.license_type,
            product: input.product,
            policy: input.policy,
            name: input.name,
            stripe_price_id: price.id,
            amount: input.amount,
            currency: input.currency,
            billing_interval: input.interval ?? null,
            sort_order: input.sort_order,
          },
          { transaction },
        );
        await audit({ action: 'plan.created', actorUserId: adminId, targetType: 'plan', targetId: id, metadata: { price: price.id, amount: input.amount, currency: input.currency } }, meta, transaction);
        return created;
      });
      return toAdminPlan(plan);
    } catch (err) {
      if (err instanceof UniqueConstraintError) throw conflict('plan_exists', `A plan ${id} was created at the same time.`);
      throw err;
    }
  }

  /** A new Stripe Price for the plan, the old one archived, in that order so the plan never points at an archived price. */
  async changePrice(adminId: string | null, planId: string, input: ChangePlanPriceRequest, meta: RequestMeta): Promise<AdminPlan> {
    return this.deps.sequelize.transaction(async (transaction) => {
      // The row lock makes two price changes of one plan take turns.
      const plan = await Plan.findByPk(planId, { transaction, lock: transaction.LOCK.UPDATE });
      if (!plan) throw notFound('Plan', 'plan_not_found');
      const currency = input.currency ?? plan.currency;
      if (plan.amount === input.amount && plan.currency === currency) return toAdminPlan(plan);
      const old = await callStripe(() => this.stripe.prices.retrieve(plan.stripe_price_id));
      const price = await this.createPrice(
        { amount: input.amount, currency, interval: plan.billing_interval, name: plan.name, planId: plan.id, stripeProduct: idOf(old.product)! },
        // A retried request (a double click, a timeout) makes the same price once.
        `plan-price-${plan.id}-${old.id}-${input.amount}-${currency}`,
      );
      await callStripe(() => this.stripe.prices.update(old.id, { active: false }));
      const before = { price: plan.stripe_price_id, amount: plan.amount, currency: plan.currency };
      await plan.update({ stripe_price_id: price.id, amount: input.amount, currency }, { transaction });
      await audit(
        { action: 'plan.price_changed', actorUserId: adminId, targetType: 'plan', targetId: plan.id, metadata: { before, after: { price: price.id, amount: input.amount, currency } } },
        meta,
        transaction,
      );
      this.deps.logger.info({ plan: plan.id, old_price: old.id, new_price: price.id }, 'plan price changed');
      return toAdminPlan(plan);
    });
  }

  /** Off sale (or back on): the plan leaves /purchase/plans and its price stops taking new checkouts. */
  async setActive(adminId: string | null, planId: string, active: boolean, meta: RequestMeta): Promise<AdminPlan> {
    return this.deps.sequelize.transaction(async (transaction) => {
      const plan = await Plan.findByPk(planId, { transaction, lock: transaction.LOCK.UPDATE });
      if (!plan) throw notFound('Plan', 'plan_not_found');
      if (plan.active === active) return toAdminPlan(plan);
      await callStripe(() => this.stripe.prices.update(plan.stripe_price_id, { active }));
      await plan.update({ active }, { transaction });
      await audit({ action: active ? 'plan.activated' : 'plan.deactivated', actorUserId: adminId, targetType: 'plan', targetId: plan.id }, meta, transaction);
      return toAdminPlan(plan);
    });
  }

  /** The Stripe product our plans of this product already sell under, so every price of a product stays together. */
  private async stripeProductOf(product: string, productName: string): Promise<string | { name: string }> {
    const sibling = await Plan.findOne({ where: { product }, order: [['created_at', 'ASC']] });
    if (!sibling) return { name: productName };
    const price = await callStripe(() => this.stripe.prices.retrieve(sibling.stripe_price_id));
    return idOf(price.product)!;
  }

  private createPrice(
    p: { amount: number; currency: string; interval: 'month' | 'year' | null; name: string; planId: string; stripeProduct: string | { name: string } },
    idempotencyKey: string,
  ): Promise<Stripe.Price> {
    return callStripe(() =>
      this.stripe.prices.create(
        {
          currency: p.currency.toLowerCase(),
          unit_amount: p.amount,
          nickname: p.name,
          metadata: { plan_id: p.planId },
          ...(typeof p.stripeProduct === 'string' ? { product: p.stripeProduct } : { product_data: p.stripeProduct }),
          ...(p.interval ? { recurring: { interval: p.interval } } : {}),
        },
        { idempotencyKey },
      ),
    );
  }
}
