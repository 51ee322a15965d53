import type { Migration } from '../migrate';

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE TABLE products (
      id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,62}$'),
      name text NOT NULL,
      -- The companion itself is a product whose releases need no license.
      requires_license boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- A plan of a product: what a license of it allows.
    CREATE TABLE policies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      product_id text NOT NULL REFERENCES products(id),
      name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
      license_type text NOT NULL CHECK (license_type IN ('perpetual', 'subscription', 'trial', 'nfr')),
      max_activations integer NOT NULL CHECK (max_activations > 0),
      -- NULL: the license never expires.
      duration_days integer CHECK (duration_days > 0),
      -- Lifetime of an activation token: how long a machine may stay offline.
      offline_grace_days integer NOT NULL DEFAULT 30 CHECK (offline_grace_days > 0),
      -- Self-service deactivations allowed per window (NULL: unlimited), so seats
      -- cannot be rotated between many machines.
      max_deactivations integer CHECK (max_deactivations >= 0),
      deactivation_window_days integer NOT NULL DEFAULT 30 CHECK (deactivation_window_days > 0),
      entitlements jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(entitlements) = 'array'),
      -- Whether a machine silent past its grace gives its seat back by itself.
      stale_frees_seat boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (product_id, name)
    );

    CREATE TABLE licenses (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      -- Validation finds a license by its key: one unique-index lookup.
      license_key text NOT NULL UNIQUE CHECK (license_key ~ '^NG-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$'),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      product_id text NOT NULL REFERENCES products(id),
      policy_id uuid NOT NULL REFERENCES policies(id),
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked', 'expired')),
      status_reason text,
      expires_at timestamptz,
      -- An admin's seat count for this license only; NULL uses the policy's.
      max_activations_override integer CHECK (max_activations_override > 0),
      source_type text NOT NULL CHECK (source_type IN ('purchase', 'admin', 'trial')),
      source_id text,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX licenses_user_idx ON licenses (user_id, created_at DESC, id DESC);
    CREATE INDEX licenses_created_idx ON licenses (created_at DESC, id DESC);
    CREATE INDEX licenses_expiring_idx ON licenses (expires_at) WHERE status = 'active' AND expires_at IS NOT NULL;

    CREATE TABLE activations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      license_id uuid NOT NULL REFERENCES licenses(id) ON DELETE CASCADE,
      fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
      -- Hashes of hardware parts, to recognise the same machine after a reinstall.
      components jsonb NOT NULL DEFAULT '{}'::jsonb,
      machine_name text NOT NULL,
      os text NOT NULL,
      app_version text,
      plugin_version text,
      activated_at timestamptz NOT NULL DEFAULT now(),
      last_validated_at timestamptz,
      last_heartbeat_at timestamptz,
      -- exp of the newest token issued to this machine.
      token_expires_at timestamptz,
      stale_at timestamptz,
      deactivated_at timestamptz,
      deactivation_reason text,
      deactivated_by uuid REFERENCES users(id) ON DELETE SET NULL,
      -- The activation whose seat this one took over after a reinstall.
      rebound_from uuid REFERENCES activations(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((deactivated_at IS NULL) = (deactivation_reason IS NULL))
    );
    -- One live seat per machine and license, whatever the concurrency.
    CREATE UNIQUE INDEX activations_live_fingerprint_key ON activations (license_id, fingerprint) WHERE deactivated_at IS NULL;
    -- Counting deactivations against the budget, and listing a license's history.
    CREATE INDEX activations_license_idx ON activations (license_id, deactivated_at);
    -- The stale-machine job scans live activations by token expiry.
    CREATE INDEX activations_token_expiry_idx ON activations (token_expires_at) WHERE deactivated_at IS NULL AND stale_at IS NULL;
    CREATE INDEX activations_created_idx ON activations (created_at DESC, id DESC);

    INSERT INTO products (id, name, requires_license) VALUES
      ('mixing_mentor', 'Mixing Mentor', true),
      ('companion', 'NextGen Noise Companion', false);

    INSERT INTO policies
      (product_id, name, license_type, max_activations, duration_days, offline_grace_days, max_deactivations, entitlements, stale_frees_seat)
    VALUES
      ('mixing_mentor', 'standard', 'perpetual', 2, NULL, 30, 5, '["mixing_mentor.core"]', true),
      ('mixing_mentor', 'pro', 'perpetual', 3, NULL, 30, 5, '["mixing_mentor.core", "mixing_mentor.pro"]', true),
      -- Billing moves expires_at to each paid period's end; the duration is the first period.
      ('mixing_mentor', 'standard_subscription', 'subscription', 2, 30, 30, 5, '["mixing_mentor.core"]', true),
      ('mixing_mentor', 'pro_subscription', 'subscription', 3, 30, 30, 5, '["mixing_mentor.core", "mixing_mentor.pro"]', true),
      ('mixing_mentor', 'trial', 'trial', 1, 14, 14, 2, '["mixing_mentor.core", "mixing_mentor.pro"]', true),
      -- Not for resale (press, partners): managed by admins, seats never freed by themselves.
      ('mixing_mentor', 'nfr', 'nfr', 2, NULL, 30, NULL, '["mixing_mentor.core", "mixing_mentor.pro"]', false);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`DROP TABLE IF EXISTS activations, licenses, policies, products CASCADE;`);
};
