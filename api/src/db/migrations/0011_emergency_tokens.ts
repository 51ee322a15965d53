import type { Migration } from '../migrate';

/**
 * Emergency tokens: a machine beyond the seats, for a week, when the user's
 * other machines cannot be reached (a dead laptop, a stolen one). The end is
 * the activation's own; at most one per license per 90 days.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE activations ADD COLUMN emergency_until timestamptz;
    CREATE INDEX activations_emergencies ON activations (license_id, activated_at) WHERE emergency_until IS NOT NULL;
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE activations DROP COLUMN IF EXISTS emergency_until');
};
