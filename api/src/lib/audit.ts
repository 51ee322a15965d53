import type { Transaction } from 'sequelize';
import { AuditLog } from '../db/models';

/** Who did it and from where: built from the request by the route, passed to services. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry {
  action: string;
  actorUserId?: string | null;
  subjectUserId?: string | null;
  targetType?: string;
  targetId?: string;
  metadata?: Record<string, unknown>;
}

/** Security events (sign-ins, password changes, role changes, admin actions) land here. */
export async function audit(entry: AuditEntry, meta: RequestMeta, transaction?: Transaction): Promise<void> {
  await AuditLog.create(
    {
      action: entry.action,
      actor_user_id: entry.actorUserId ?? null,
      subject_user_id: entry.subjectUserId ?? entry.actorUserId ?? null,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 500) ?? null,
      metadata: entry.metadata ?? {},
    },
    { transaction },
  );
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
  return {
    sql: `INSERT INTO audit_logs (action, actor_user_id, subject_user_id, target_type, target_id, ip, user_agent, metadata)
          SELECT :audit_action, :audit_actor, :audit_subject, :audit_target_type, (${target.id})::text, :audit_ip, :audit_user_agent,
                 :audit_metadata::jsonb
            FROM ${target.from}`,
    replacements: {
      audit_action: entry.action,
      audit_actor: entry.actorUserId ?? null,
      audit_subject: entry.subjectUserId ?? entry.actorUserId ?? null,
      audit_target_type: entry.targetType ?? null,
      audit_ip: meta.ip,
      audit_user_agent: meta.userAgent?.slice(0, 500) ?? null,
      audit_metadata: JSON.stringify(entry.metadata ?? {}),
    },
  };
}
