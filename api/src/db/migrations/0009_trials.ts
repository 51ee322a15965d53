import type { Migration } from '../migrate';

/**
 * Self-serve trials: one per account and product, one per machine and product,
 * whoever asks. The unique indexes make it race-free: of two concurrent starts,
 * the second waits for the first to commit and then finds its row. The account
 * is forgotten when it is deleted, the machine is not: deleting an account must
 * not buy a second trial on the same computer.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE trials (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      product_id text NOT NULL REFERENCES products(id),
      fingerprint char(64) NOT NULL,
      license_id uuid REFERENCES licenses(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX trials_one_per_account ON trials (user_id, product_id);
    CREATE UNIQUE INDEX trials_one_per_machine ON trials (fingerprint, product_id);

    -- The trial-ended mail, once per trial, beside the ending-soon reminder.
    ALTER TABLE trial_reminders ADD COLUMN ended_sent_at timestamptz;
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE IF EXISTS trials;
    ALTER TABLE trial_reminders DROP COLUMN IF EXISTS ended_sent_at;
  `);
};
