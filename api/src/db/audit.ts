import type { Transaction } from 'sequelize';
import type { RequestMeta } from '../lib/http/request-meta';
import { AuditLog } from './models';

export interface AuditEntry {
  action: string;
  actorUserId?: string | null;
  subjectUserId?: string | null;
  targetType?: string;
  targetId?: string;
  metadata?: Record<string, unknown>;
}

/** The columns of an audit row, the target's id aside (it may be an SQL expression). */
function auditColumns(entry: Omit<AuditEntry, 'targetId'>, meta: RequestMeta) {
  return {
    action: entry.action,
    actor_user_id: entry.actorUserId ?? null,
    subject_user_id: entry.subjectUserId ?? entry.actorUserId ?? null,
    target_type: entry.targetType ?? null,
    ip: meta.ip,
    user_agent: meta.userAgent?.slice(0, 500) ?? null,
    metadata: entry.metadata ?? {},
  };
}

/** Security events (sign-ins, password changes, role changes, admin actions) land here. */
export async function audit(entry: AuditEntry, meta: RequestMeta, transaction?: Transaction): Promise<void> {
  await AuditLog.create({ ...auditColumns(entry, meta), target_id: entry.targetId ?? null }, { transaction });
}

/**
 * The same row as an `INSERT … SELECT`, for a CTE: the change and its audit
 * entry are then written by one statement. `target.from` is what the statement
 * selects from (e.g. the CTE that inserted the row) and `target.id` an SQL
 * expression over it giving the target's id.
 */
export function auditInsertSql(
  entry: Omit<AuditEntry, 'targetId'>,
  meta: RequestMeta,
  target: { from: string; id: string },
): { sql: string; replacements: Record<string, unknown> } {
  const row = auditColumns(entry, meta);
  return {
    sql: `INSERT INTO audit_logs (action, actor_user_id, subject_user_id, target_type, target_id, ip, user_agent, metadata)
          SELECT :audit_action, :audit_actor, :audit_subject, :audit_target_type, (${target.id})::text, :audit_ip, :audit_user_agent,
                 :audit_metadata::jsonb
            FROM ${target.from}`,
    replacements: {
      audit_action: row.action,
      audit_actor: row.actor_user_id,
      audit_subject: row.subject_user_id,
      audit_target_type: row.target_type,
      audit_ip: row.ip,
      audit_user_agent: row.user_agent,
      audit_metadata: JSON.stringify(row.metadata),
    },
  };
}
