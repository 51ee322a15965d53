import type { Migration } from '../migrate';

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    -- What can be bought: a plan (standard, pro) as a one-time purchase or a
    -- subscription, its Stripe price and the licensing policy it grants. With
    -- real Stripe, set stripe_price_id (and amount) to the account's prices.
    CREATE TABLE plans (
      id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,62}$'),
      plan text NOT NULL,
      license_type text NOT NULL CHECK (license_type IN ('perpetual', 'subscription')),
      product text NOT NULL REFERENCES products(id),
      policy text NOT NULL,
      name text NOT NULL,
      stripe_price_id text NOT NULL UNIQUE,
      amount integer NOT NULL CHECK (amount >= 0),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      billing_interval text CHECK (billing_interval IN ('month', 'year')),
      active boolean NOT NULL DEFAULT true,
      sort_order integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (product, plan, license_type),
      FOREIGN KEY (product, policy) REFERENCES policies (product_id, name),
      CHECK ((license_type = 'subscription') = (billing_interval IS NOT NULL))
    );

    -- One row per payment: the checkout that bought a license, and each
    -- renewal of a subscription. Amounts in minor units, currency ISO upper-case.
    CREATE TABLE purchases (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      license_id uuid REFERENCES licenses(id) ON DELETE SET NULL,
      kind text NOT NULL DEFAULT 'checkout' CHECK (kind IN ('checkout', 'renewal')),
      plan_id text REFERENCES plans(id),
      plan text NOT NULL,
      license_type text NOT NULL,
      product text NOT NULL,
      amount integer NOT NULL CHECK (amount >= 0),
      amount_refunded integer NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed', 'refunded', 'disputed')),
      -- Why a payment failed: card_declined, checkout_expired, async_payment_failed...
      failure_reason text,
      checkout_status text CHECK (checkout_status IN ('open', 'complete', 'expired')),
      stripe_checkout_session_id text UNIQUE,
      stripe_payment_intent_id text,
      stripe_customer_id text,
      stripe_subscription_id text,
      stripe_invoice_id text UNIQUE,
      -- Subscriptions: Stripe's state and the end of the last period paid for.
      subscription_status text CHECK (subscription_status IN ('active', 'past_due', 'canceled')),
      paid_through timestamptz,
      completed_at timestamptz,
      refunded_at timestamptz,
      disputed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (kind = 'renewal' OR stripe_checkout_session_id IS NOT NULL)
    );
    CREATE UNIQUE INDEX purchases_payment_intent_key ON purchases (stripe_payment_intent_id) WHERE stripe_payment_intent_id IS NOT NULL;
    -- The checkout that started a subscription; renewals point at the same subscription.
    CREATE UNIQUE INDEX purchases_subscription_key ON purchases (stripe_subscription_id) WHERE kind = 'checkout' AND stripe_subscription_id IS NOT NULL;
    CREATE INDEX purchases_subscription_idx ON purchases (stripe_subscription_id) WHERE stripe_subscription_id IS NOT NULL;
    CREATE INDEX purchases_user_idx ON purchases (user_id, created_at DESC, id DESC);
    CREATE INDEX purchases_created_idx ON purchases (created_at DESC, id DESC);
    CREATE INDEX purchases_completed_idx ON purchases (completed_at) WHERE completed_at IS NOT NULL;
    CREATE INDEX purchases_license_idx ON purchases (license_id) WHERE license_id IS NOT NULL;

    -- Every verified Stripe event, recorded before any work: its id makes a
    -- delivery count once however often Stripe sends it.
    CREATE TABLE stripe_events (
      id text PRIMARY KEY,
      type text NOT NULL,
      api_version text,
      livemode boolean NOT NULL DEFAULT false,
      payload jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      processed_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      last_error text
    );
    CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL;
    CREATE INDEX stripe_events_type_idx ON stripe_events (type, received_at DESC);

    -- One "your trial ends soon" mail per trial license.
    CREATE TABLE trial_reminders (
      license_id uuid PRIMARY KEY REFERENCES licenses(id) ON DELETE CASCADE,
      sent_at timestamptz NOT NULL DEFAULT now()
    );

    INSERT INTO plans (id, plan, license_type, product, policy, name, stripe_price_id, amount, currency, billing_interval, sort_order) VALUES
      ('standard_perpetual', 'standard', 'perpetual', 'mixing_mentor', 'standard', 'Mixing Mentor Standard', 'price_ngn_standard_perpetual', 2999, 'USD', NULL, 1),
      ('pro_perpetual', 'pro', 'perpetual', 'mixing_mentor', 'pro', 'Mixing Mentor Pro', 'price_ngn_pro_perpetual', 5999, 'USD', NULL, 2),
      ('standard_subscription', 'standard', 'subscription', 'mixing_mentor', 'standard_subscription', 'Mixing Mentor Standard (monthly)', 'price_ngn_standard_subscription', 499, 'USD', 'month', 3),
      ('pro_subscription', 'pro', 'subscription', 'mixing_mentor', 'pro_subscription', 'Mixing Mentor Pro (monthly)', 'price_ngn_pro_subscription', 999, 'USD', 'month', 4);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`DROP TABLE IF EXISTS trial_reminders, stripe_events, purchases, plans CASCADE;`);
};
