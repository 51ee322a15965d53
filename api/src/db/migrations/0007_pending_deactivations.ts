import type { Migration } from '../migrate';

/**
 * A machine deactivated from elsewhere keeps a token that verifies offline
 * until it expires. Until that machine acknowledges (its next heartbeat is
 * told) or the token expires, it is pending: `pending_until` is when its
 * last token expires, NULL once it let go.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE activations ADD COLUMN pending_until timestamptz;
    CREATE INDEX activations_pending_idx ON activations (license_id, pending_until) WHERE pending_until IS NOT NULL;
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('DROP INDEX activations_pending_idx; ALTER TABLE activations DROP COLUMN pending_until;');
};
