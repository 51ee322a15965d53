import type { Migration } from '../migrate';

/** The trial reminders' table now remembers the "ending soon" and "ended" mails of every license that ends. */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE trial_reminders RENAME TO license_reminders');
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE license_reminders RENAME TO trial_reminders');
};
