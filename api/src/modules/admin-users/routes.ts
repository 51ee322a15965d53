import {
  AdminUserDetail,
  AdminUserListQuery,
  AdminUserListResponse,
  AdminUserParams,
  AuditLogListResponse,
  AuditLogQuery,
  ChangeRoleRequest,
  SuspendUserRequest,
} from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

export const adminUsersModule: Module = (m) => {
  const { adminUsers: users, auditLogs } = m.services;
  const admin = { roles: ['admin' as const] };
  const tags = ['admin'];
  const changeErrors = { 404: 'No such user', 422: 'Own account, or a deleted one' };

  m.route(
    { method: 'get', path: '/admin/users', summary: 'Search and page through accounts', tags, access: admin, query: AdminUserListQuery, response: AdminUserListResponse },
    ({ query }) => users.list(query),
  );
  m.route(
    { method: 'get', path: '/admin/users/:id', summary: 'One account with its licenses and purchases', tags, access: admin, params: AdminUserParams, response: AdminUserDetail, errors: { 404: 'No such user' } },
    ({ params }) => users.get(params.id),
  );
  m.route(
    { method: 'post', path: '/admin/users/:id/suspend', summary: 'Suspend an account and sign it out everywhere', tags, access: admin, params: AdminUserParams, body: SuspendUserRequest, response: AdminUserDetail, errors: changeErrors },
    ({ user, params, body, ctx }) => users.suspend(user.id, params.id, body?.reason, requestMeta(ctx)),
  );
  m.route(
    { method: 'post', path: '/admin/users/:id/reactivate', summary: 'Lift a suspension', tags, access: admin, params: AdminUserParams, response: AdminUserDetail, errors: changeErrors },
    ({ user, params, ctx }) => users.reactivate(user.id, params.id, requestMeta(ctx)),
  );
  m.route(
    { method: 'put', path: '/admin/users/:id/role', summary: "Change an account's role", tags, access: admin, params: AdminUserParams, body: ChangeRoleRequest, response: AdminUserDetail, errors: changeErrors },
    ({ user, params, body, ctx }) => users.changeRole(user.id, params.id, body.role, requestMeta(ctx)),
  );
  m.route(
    { method: 'get', path: '/admin/audit-logs', summary: 'The audit trail, filtered by user, action and time', tags, access: admin, query: AuditLogQuery, response: AuditLogListResponse },
    ({ query }) => auditLogs.list(query),
  );
};
