import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { Plan } from '../../db/models';
import { callStripe, idOf } from './stripe-client';

/**
 * The billing portal runs on a configuration we create, not on whatever the
 * Stripe account's default happens to allow: cancel at the period's end, card
 * and invoices, and plan changes only between our subscription plans' current
 * prices (so a customer cannot switch to a price we never sell). One
 * configuration per set of prices, found again by its metadata; a price change
 * makes a new one.
 */
export class PortalConfigurations {
  private readonly known = new Map<string, Promise<string>>();

  constructor(private readonly stripe: Stripe) {}

  async current(): Promise<string> {
    const plans = await Plan.findAll({ where: { active: true, license_type: 'subscription' }, order: [['stripe_price_id', 'ASC']] });
    const key = createHash('sha256').update(plans.map((p) => p.stripe_price_id).join(',')).digest('hex').slice(0, 32);
    let id = this.known.get(key);
    if (!id) {
      id = this.findOrCreate(key, plans.map((p) => p.stripe_price_id));
      id.catch(() => this.known.delete(key));
      this.known.set(key, id);
    }
    return id;
  }

  private async findOrCreate(key: string, priceIds: string[]): Promise<string> {
    const existing = await callStripe(() => this.stripe.billingPortal.configurations.list({ active: true, limit: 100 }));
    const found = existing.data.find((c) => c.metadata?.ngn_prices === key);
    if (found) return found.id;
    const byProduct = new Map<string, string[]>();
    for (const priceId of priceIds) {
      const price = await callStripe(() => this.stripe.prices.retrieve(priceId));
      const product = idOf(price.product)!;
      byProduct.set(product, [...(byProduct.get(product) ?? []), priceId]);
    }
    const created = await callStripe(() =>
      this.stripe.billingPortal.configurations.create(
        {
          business_profile: { headline: 'NextGen Noise: your subscription' },
          features: {
            invoice_history: { enabled: true },
            payment_method_update: { enabled: true },
            subscription_cancel: { enabled: true, mode: 'at_period_end' },
            subscription_update: {
              enabled: byProduct.size > 0,
              default_allowed_updates: ['price'],
              proration_behavior: 'create_prorations',
              products: [...byProduct].map(([product, prices]) => ({ product, prices })),
            },
          },
          metadata: { ngn_prices: key },
        },
        { idempotencyKey: `portal-configuration-${key}` },
      ),
    );
    return created.id;
  }
}
