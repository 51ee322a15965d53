import type { Migration } from '../migrate';

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    -- Long-lived credentials for scripts (a release pipeline), owned by an admin.
    -- Only the SHA-256 of the key is stored; the key is shown once at creation.
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      key_hash text NOT NULL UNIQUE,
      prefix text NOT NULL,
      scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
      created_by uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX api_keys_listing_idx ON api_keys (created_at DESC, id DESC);

    -- One artifact of one version of a product for one platform and channel.
    -- The file is either in our storage (storage_key) or elsewhere (external_url).
    -- signature: Ed25519 (release key ring, signature_kid) over the framing in
    -- shared/src/release-signature.ts, base64url.
    CREATE TABLE releases (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      product text NOT NULL CHECK (product ~ '^[a-z][a-z0-9_]*$'),
      version text NOT NULL CHECK (length(version) BETWEEN 5 AND 64),
      platform text NOT NULL CHECK (platform IN ('windows', 'macos', 'linux')),
      channel text NOT NULL CHECK (channel IN ('stable', 'beta')),
      file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200 AND file_name !~ '[/\\\\]'),
      file_size bigint NOT NULL CHECK (file_size > 0),
      sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      sha512 text CHECK (sha512 ~ '^[A-Za-z0-9+/]{86}==$'),
      signature text NOT NULL,
      signature_kid text NOT NULL,
      storage_key text,
      external_url text,
      blockmap_key text,
      blockmap_size bigint,
      blockmap_sha256 text,
      release_notes text NOT NULL DEFAULT '',
      release_date timestamptz NOT NULL DEFAULT now(),
      min_os_version text,
      staging_percentage smallint NOT NULL DEFAULT 100 CHECK (staging_percentage BETWEEN 0 AND 100),
      yanked_at timestamptz,
      yank_reason text,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_by_api_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((storage_key IS NULL) <> (external_url IS NULL)),
      CHECK ((blockmap_key IS NULL) = (blockmap_size IS NULL) AND (blockmap_key IS NULL) = (blockmap_sha256 IS NULL))
    );
    -- A version is published once per product, platform and channel; a yanked one is not reused.
    CREATE UNIQUE INDEX releases_identity_key ON releases (product, platform, channel, version);
    -- Downloads and the update feed read the live releases of one product and channel, newest first.
    CREATE INDEX releases_live_idx ON releases (product, channel, platform, created_at DESC, id DESC) WHERE yanked_at IS NULL;
    CREATE INDEX releases_listing_idx ON releases (created_at DESC, id DESC);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`DROP TABLE IF EXISTS releases, api_keys CASCADE;`);
};
