import type { Migration } from '../migrate';

/**
 * The Stripe price a checkout was created with: fulfilment compares what was
 * paid with it (a plan's price may change while a session is open).
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE purchases ADD COLUMN stripe_price_id text');
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE purchases DROP COLUMN stripe_price_id');
};
