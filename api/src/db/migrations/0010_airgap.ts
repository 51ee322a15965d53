import type { Migration } from '../migrate';

/**
 * Activation by file for computers that never go online: the machine's public
 * key (its deactivation receipts are checked against it), and the longer
 * offline grace a policy may give a file-activated machine, which cannot
 * heartbeat. Perpetual and NFR plans get 90 days; subscriptions and trials
 * are bounded by their own end anyway.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE policies ADD COLUMN airgap_grace_days integer CHECK (airgap_grace_days > 0);
    UPDATE policies SET airgap_grace_days = 90 WHERE license_type IN ('perpetual', 'nfr');
    ALTER TABLE activations ADD COLUMN machine_key text;
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE activations DROP COLUMN IF EXISTS machine_key;
    ALTER TABLE policies DROP COLUMN IF EXISTS airgap_grace_days;
  `);
};
