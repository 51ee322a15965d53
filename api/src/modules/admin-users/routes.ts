import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

export const adminUsersModule: Module = (m) => {
  const { adminUsers: users, auditLogs } = m.services;

  m.route(
    endpoints.adminListUsers,
    ({ query }) => users.list(query),
  );
  m.route(
    endpoints.adminGetUser,
    ({ params }) => users.get(params.id),
  );
  m.route(
    endpoints.adminSuspendUser,
    ({ user, params, body, ctx }) => users.suspend(user.id, params.id, body?.reason, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminReactivateUser,
    ({ user, params, ctx }) => users.reactivate(user.id, params.id, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminSetUserRole,
    ({ user, params, body, ctx }) => users.changeRole(user.id, params.id, body.role, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminAuditLogs,
    ({ query }) => auditLogs.list(query),
  );
};
