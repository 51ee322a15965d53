import { z } from 'zod';
import { IsoDateTime, NextCursor, PageQuery, Role, Uuid } from './common';

export const UserStatus = z.enum(['active', 'suspended', 'deleted']);
export type UserStatus = z.infer<typeof UserStatus>;

export const AdminUserListQuery = PageQuery.extend({
  /** Part of the email, first or last name; case-insensitive. */
  q: z.string().trim().min(1).max(100).optional(),
  role: Role.optional(),
  status: UserStatus.optional(),
});
export type AdminUserListQuery = z.infer<typeof AdminUserListQuery>;

export const AdminUser = z.object({
  id: Uuid,
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  role: Role,
  status: UserStatus,
  email_verified: z.boolean(),
  created_at: IsoDateTime,
});
export type AdminUser = z.infer<typeof AdminUser>;

export const AdminUserListResponse = z.object({ users: z.array(AdminUser), next_cursor: NextCursor });

export const AdminUserLicense = z.object({
  id: Uuid,
  product_id: z.string(),
  license_key: z.string(),
  license_type: z.string().nullable(),
  status: z.string(),
  expires_at: IsoDateTime.nullable(),
  active_activations: z.number().int().min(0),
  created_at: IsoDateTime,
});

export const AdminUserPurchase = z.object({
  id: Uuid,
  product: z.string().nullable(),
  plan: z.string().nullable(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.string(),
  created_at: IsoDateTime,
});

export const AdminUserDetail = AdminUser.extend({
  stripe_customer_id: z.string().nullable(),
  licenses: z.array(AdminUserLicense),
  purchases: z.array(AdminUserPurchase),
});
export type AdminUserDetail = z.infer<typeof AdminUserDetail>;

export const AdminUserParams = z.strictObject({ id: Uuid });

export const SuspendUserRequest = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() }).optional();
export const ChangeRoleRequest = z.strictObject({ role: Role });

export const AuditLogQuery = PageQuery.extend({
  /** Entries where this user acted or was acted upon. */
  user_id: Uuid.optional(),
  /** An exact action (`auth.login_failed`) or a prefix ending in a dot (`auth.`). */
  action: z.string().regex(/^[a-z0-9_.]{1,100}$/).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;

export const AuditLogEntry = z.object({
  id: z.string(),
  action: z.string(),
  actor_user_id: Uuid.nullable(),
  subject_user_id: Uuid.nullable(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: IsoDateTime,
});
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;

export const AuditLogListResponse = z.object({ entries: z.array(AuditLogEntry), next_cursor: NextCursor });
