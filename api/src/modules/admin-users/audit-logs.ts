import { QueryTypes, type Sequelize } from 'sequelize';
import type { AuditLogEntry, AuditLogQuery } from '@ngn/shared';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';

interface AuditRow {
  id: string;
  action: string;
  actor_user_id: string | null;
  subject_user_id: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
}

const toEntry = (r: AuditRow): AuditLogEntry => ({ ...r, id: String(r.id), created_at: r.created_at.toISOString() });

/** The audit trail for admins: newest first, filtered by user, action and time. */
export class AuditLogQueries {
  constructor(private readonly deps: { sequelize: Sequelize }) {}

  async list(q: AuditLogQuery) {
    const where = keysetWhere(decodeCursor(q.cursor));
    const filters = [where.sql];
    if (q.user_id) filters.push('(actor_user_id = :user_id OR subject_user_id = :user_id)');
    // `auth.` means every action of that family; anything else is one exact action.
    if (q.action?.endsWith('.')) filters.push('starts_with(action, :action)');
    else if (q.action) filters.push('action = :action');
    if (q.from) filters.push('created_at >= :from');
    if (q.to) filters.push('created_at < :to');
    const rows = await this.deps.sequelize.query<AuditRow>(
      // The id breaks ties as text, the way the keyset cursor compares it.
      `SELECT * FROM audit_logs WHERE ${filters.join(' AND ')}
        ORDER BY created_at DESC, id::text DESC LIMIT :take`,
      {
        replacements: { ...where.replacements, user_id: q.user_id, action: q.action, from: q.from, to: q.to, take: q.limit + 1 },
        type: QueryTypes.SELECT,
      },
    );
    const { items, next_cursor } = page(rows, q.limit);
    return { entries: items.map(toEntry), next_cursor };
  }
}
