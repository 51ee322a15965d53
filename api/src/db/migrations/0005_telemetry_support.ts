import type { Migration } from '../migrate';

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    -- One row per client event. The client makes event_id and keeps it across
    -- retries, so the primary key is what turns a retried batch into no-ops.
    CREATE TABLE telemetry_events (
      event_id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      event_type text NOT NULL,
      daw_type text,
      os text,
      plugin_version text,
      app_version text,
      session_duration_secs integer CHECK (session_duration_secs >= 0),
      features_used text[] NOT NULL DEFAULT '{}',
      crash_report text,
      -- The first line of a crash report: what crashes are grouped by.
      crash_error text GENERATED ALWAYS AS (
        NULLIF(left(btrim(split_part(btrim(crash_report, E' \\r\\n\\t'), E'\\n', 1), E' \\r\\t'), 200), '')
      ) STORED,
      custom_data jsonb NOT NULL DEFAULT '{}'::jsonb,
      occurred_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX telemetry_events_occurred_idx ON telemetry_events (occurred_at);
    CREATE INDEX telemetry_events_user_idx ON telemetry_events (user_id, occurred_at);

    -- Daily rollups the dashboard reads instead of scanning events. A day is
    -- recomputed whole from telemetry_events whenever it is marked dirty.
    CREATE TABLE telemetry_daily (
      day date PRIMARY KEY,
      events bigint NOT NULL,
      active_users integer NOT NULL,
      timed_events bigint NOT NULL,
      session_seconds bigint NOT NULL
    );
    CREATE TABLE telemetry_daily_counts (
      day date NOT NULL,
      dimension text NOT NULL CHECK (dimension IN ('feature', 'daw', 'os')),
      key text NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (day, dimension, key)
    );
    CREATE TABLE telemetry_daily_crashes (
      day date NOT NULL,
      os text,
      version text,
      error text NOT NULL,
      count bigint NOT NULL
    );
    CREATE INDEX telemetry_daily_crashes_day_idx ON telemetry_daily_crashes (day);
    -- Days whose events changed since their rollup was computed.
    CREATE TABLE telemetry_dirty_days (day date PRIMARY KEY);

    CREATE TABLE support_tickets (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      subject text NOT NULL,
      category text NOT NULL CHECK (category IN ('bug', 'billing', 'activation', 'feature_request', 'other')),
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
      assignee_id uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX support_tickets_user_idx ON support_tickets (user_id, created_at DESC);
    CREATE INDEX support_tickets_created_idx ON support_tickets (created_at DESC);
    CREATE INDEX support_tickets_status_idx ON support_tickets (status, created_at DESC);
    CREATE INDEX support_tickets_assignee_idx ON support_tickets (assignee_id, created_at DESC) WHERE assignee_id IS NOT NULL;

    CREATE TABLE support_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      ticket_id uuid NOT NULL REFERENCES support_tickets(id) ON DELETE CASCADE,
      author_id uuid REFERENCES users(id) ON DELETE SET NULL,
      author_role text NOT NULL CHECK (author_role IN ('user', 'staff')),
      body text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX support_messages_ticket_idx ON support_messages (ticket_id, created_at);

    -- Admin user search: substring match on email and names without a full scan.
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX users_search_idx ON users
      USING gin ((lower(email || ' ' || first_name || ' ' || last_name)) gin_trgm_ops);
    CREATE INDEX users_created_idx ON users (created_at DESC);
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP INDEX IF EXISTS users_search_idx, users_created_idx;
    DROP TABLE IF EXISTS support_messages, support_tickets, telemetry_dirty_days, telemetry_daily_crashes,
      telemetry_daily_counts, telemetry_daily, telemetry_events CASCADE;
  `);
};
