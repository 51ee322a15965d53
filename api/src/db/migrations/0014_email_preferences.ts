import type { Migration } from '../migrate';

/**
 * What a user agreed to be mailed beyond their account's own business: the
 * newsletter (with when and where they said so, as consent law asks) and mails
 * about new plugin versions. The Mailchimp member is remembered by the email
 * and tags it was last synced with, so a change of address or license moves it.
 * Each version of a product is announced once per user, whatever its platforms.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    ALTER TABLE users
      ADD COLUMN newsletter boolean NOT NULL DEFAULT false,
      ADD COLUMN newsletter_consent_at timestamptz,
      ADD COLUMN newsletter_consent_source text,
      ADD COLUMN update_mails boolean NOT NULL DEFAULT false,
      ADD COLUMN mailchimp_email text,
      ADD COLUMN mailchimp_tags text[];
    CREATE INDEX users_newsletter_members ON users (id) WHERE newsletter OR mailchimp_email IS NOT NULL;
    CREATE TABLE release_announcements (
      product text NOT NULL,
      version text NOT NULL,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (product, version, user_id)
    );
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TABLE IF EXISTS release_announcements;
    ALTER TABLE users DROP COLUMN IF EXISTS newsletter, DROP COLUMN IF EXISTS newsletter_consent_at, DROP COLUMN IF EXISTS newsletter_consent_source,
      DROP COLUMN IF EXISTS update_mails, DROP COLUMN IF EXISTS mailchimp_email, DROP COLUMN IF EXISTS mailchimp_tags;
  `);
};
