import { endpoints } from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

/** Admin license routes; every change is audited with the admin's id by LicensesService. */
export const licensesAdminModule: Module = (m) => {
  const { licenses, licenseAdmin: admin } = m.services;

  m.route(
    endpoints.adminGrantLicense,
    ({ body, user, ctx }) => admin.grant(body, user.id, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminListLicenses,
    ({ query }) => admin.listLicenses(query),
  );
  m.route(
    endpoints.adminGetLicense,
    ({ params }) => admin.getLicense(params.id),
  );
  m.route(
    endpoints.adminUpdateLicense,
    ({ params, body, user, ctx }) => admin.update(params.id, body, user.id, requestMeta(ctx)),
  );
  m.route(
    endpoints.adminSuspendLicense,
    async ({ params, body, user, ctx }) => {
      await licenses.setStatus(params.id, 'suspended', { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return admin.getLicense(params.id);
    },
  );
  m.route(
    endpoints.adminReinstateLicense,
    async ({ params, body, user, ctx }) => {
      await licenses.setStatus(params.id, 'active', { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return admin.getLicense(params.id);
    },
  );
  m.route(
    endpoints.adminRevokeLicense,
    async ({ params, body, user, ctx }) => {
      await licenses.revoke(params.id, { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return admin.getLicense(params.id);
    },
  );
  m.route(
    endpoints.adminResetActivations,
    async ({ params, body, user, ctx }) => ({
      deactivated: await licenses.resetActivations(params.id, { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) }),
    }),
  );
  m.route(
    endpoints.adminListActivations,
    ({ query }) => admin.listActivations(query),
  );
  m.route(
    endpoints.adminDeactivateMachine,
    async ({ params, body, user, ctx }) => {
      const pendingUntil = await licenses.deactivateActivation(params.id, { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return { status: 'deactivated', message: 'machine_deactivated', pending_until: pendingUntil?.toISOString() ?? null } as const;
    },
  );
};
