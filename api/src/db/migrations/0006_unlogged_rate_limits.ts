import type { Migration } from '../migrate';

/**
 * Rate-limit counters are written on hot paths (every validate call). Unlogged
 * tables skip the WAL flush; a crash only empties them, which resets the windows.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE rate_limits SET UNLOGGED');
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query('ALTER TABLE rate_limits SET LOGGED');
};
