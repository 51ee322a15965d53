import { QueryTypes, type Sequelize } from 'sequelize';
import { ACCOUNT_EXPORT_FORMAT } from '@ngn/shared';
import { notFound } from '../../lib/errors';

/** Telemetry is the one section that can be large: it is read and written in pages. */
const TELEMETRY_PAGE = 2_000;

/**
 * Each section of the export and the query that reads it for `:userId`.
 * Secrets (password and token hashes, API key hashes) never leave; other
 * people (staff who answered, admins who acted) appear by role, not by id.
 */
const SECTIONS: Array<[name: string, sql: string]> = [
  [
    'sessions',
    `SELECT id, ip, user_agent, created_at, expires_at, revoked_at, revoked_reason
       FROM auth_sessions WHERE user_id = :userId ORDER BY created_at, id`,
  ],
  [
    'email_tokens',
    `SELECT id, purpose, created_at, expires_at, used_at FROM user_tokens WHERE user_id = :userId ORDER BY created_at, id`,
  ],
  [
    'licenses',
    `SELECT l.id, l.license_key, l.product_id, p.name AS policy, p.license_type, l.status, l.status_reason,
            l.expires_at, l.source_type, l.revoked_at, l.created_at, l.updated_at
       FROM licenses l JOIN policies p ON p.id = l.policy_id
      WHERE l.user_id = :userId ORDER BY l.created_at, l.id`,
  ],
  [
    'activations',
    `SELECT a.id, a.license_id, a.fingerprint, a.components, a.machine_name, a.os, a.app_version, a.plugin_version,
            a.activated_at, a.last_validated_at, a.last_heartbeat_at, a.deactivated_at, a.deactivation_reason, a.created_at
       FROM activations a JOIN licenses l ON l.id = a.license_id
      WHERE l.user_id = :userId ORDER BY a.created_at, a.id`,
  ],
  ['trials', `SELECT id, product_id, fingerprint, license_id, created_at FROM trials WHERE user_id = :userId ORDER BY created_at, id`],
  ['new_version_mails', `SELECT product, version, created_at FROM release_announcements WHERE user_id = :userId ORDER BY created_at, product, version`],
  ['purchases', `SELECT * FROM purchases WHERE user_id = :userId ORDER BY created_at, id`],
  [
    'api_keys',
    `SELECT id, name, prefix, scopes, last_used_at, expires_at, revoked_at, created_at
       FROM api_keys WHERE created_by = :userId ORDER BY created_at, id`,
  ],
  [
    'support_tickets',
    `SELECT t.id, t.subject, t.category, t.status, t.created_at, t.updated_at,
            COALESCE(
              (SELECT json_agg(json_build_object('id', m.id, 'author', m.author_role, 'body', m.body, 'created_at', m.created_at)
                                ORDER BY m.created_at, m.id)
                 FROM support_messages m WHERE m.ticket_id = t.id),
              '[]'::json) AS messages
       FROM support_tickets t WHERE t.user_id = :userId ORDER BY t.created_at, t.id`,
  ],
  [
    'audit_log',
    // Where, from what and with which notes is exported only for what this person did:
    // rows written by staff, the system or another user about them (a refund note,
    // a suspension reason, a stranger's failed sign-in and its address) keep only
    // the action and the time.
    `SELECT id::text, action,
            CASE WHEN actor_user_id = :userId THEN 'you' WHEN actor_user_id IS NULL THEN 'system' ELSE 'staff' END AS actor,
            target_type, target_id,
            CASE WHEN actor_user_id = :userId THEN ip END AS ip,
            CASE WHEN actor_user_id = :userId THEN user_agent END AS user_agent,
            CASE WHEN actor_user_id = :userId THEN metadata END AS metadata,
            created_at
       FROM audit_logs WHERE actor_user_id = :userId OR subject_user_id = :userId ORDER BY created_at, id`,
  ],
];

/**
 * Everything the API holds about one person, as one JSON document streamed
 * section by section, so a user with years of telemetry does not make the
 * server hold it all in memory at once.
 */
export class AccountExport {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  /** Resolves once the account is known to exist (so a 404 can still be answered), then streams. */
  async open(userId: string): Promise<AsyncGenerator<string>> {
    const [profile] = await this.rows(
      `SELECT id, email, first_name, last_name, role, status, email_verified_at, stripe_customer_id,
              newsletter, newsletter_consent_at, newsletter_consent_source, update_mails, mailchimp_email, created_at, updated_at
         FROM users WHERE id = :userId`,
      { userId },
    );
    if (!profile) throw notFound('User');
    return this.chunks(userId, profile);
  }

  private async *chunks(userId: string, profile: object): AsyncGenerator<string> {
    const head = { format: ACCOUNT_EXPORT_FORMAT, exported_at: new Date().toISOString(), profile };
    yield JSON.stringify(head).slice(0, -1);
    for (const [name, sql] of SECTIONS) {
      yield `,${JSON.stringify(name)}:${JSON.stringify(await this.rows(sql, { userId }))}`;
    }
    yield ',"telemetry_events":[';
    // Keyset over (occurred_at, event_id); the cursor keeps the database's microseconds, which a JS Date would cut.
    let after: { t: string; id: string } | undefined;
    let first = true;
    for (;;) {
      const page = await this.rows<{ cursor_t: string; event_id: string }>(
        `SELECT e.*, e.occurred_at::text AS cursor_t FROM telemetry_events e
          WHERE e.user_id = :userId ${after ? 'AND (e.occurred_at, e.event_id) > (:t::timestamptz, :id::uuid)' : ''}
          ORDER BY e.occurred_at, e.event_id LIMIT :take`,
        { userId, take: TELEMETRY_PAGE, ...(after ?? {}) },
      );
      for (const { cursor_t: _cursor, ...event } of page) {
        yield `${first ? '' : ','}${JSON.stringify(event)}`;
        first = false;
      }
      if (page.length < TELEMETRY_PAGE) break;
      const last = page[page.length - 1]!;
      after = { t: last.cursor_t, id: last.event_id };
    }
    yield ']}';
  }

  private rows<T extends object = Record<string, unknown>>(sql: string, replacements: Record<string, unknown>): Promise<T[]> {
    return this.deps.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  }
}
