import { randomBytes } from 'node:crypto';
import { adminQuery, ident, withDatabase } from '../../../scripts/lib/test-database';

/** A fresh copy of the migrated template database, private to the calling test file. */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const adminUrl = process.env.NGN_TEST_ADMIN_URL;
  const template = process.env.NGN_TEST_TEMPLATE;
  const run = process.env.NGN_TEST_RUN;
  if (!adminUrl || !template || !run) throw new Error('Run tests with `npm test` (it prepares the database).');
  const name = `${run}_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`);
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: async () => {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    },
  };
}
