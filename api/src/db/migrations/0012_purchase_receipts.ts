import type { Migration } from '../migrate';

/**
 * What a customer sees of a payment in the Companion: the receipt Stripe keeps
 * for it (a charge's receipt_url, a subscription invoice's hosted page), and
 * whether the subscription is set to end at the period's end.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE purchases ADD COLUMN receipt_url text;
    ALTER TABLE purchases ADD COLUMN cancel_at_period_end boolean NOT NULL DEFAULT false;
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE purchases DROP COLUMN IF EXISTS receipt_url, DROP COLUMN IF EXISTS cancel_at_period_end');
};
