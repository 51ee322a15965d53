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
