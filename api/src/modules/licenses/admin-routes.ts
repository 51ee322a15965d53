import {
  AdminActivationList,
  AdminActivationListQuery,
  AdminGrantLicenseRequest,
  AdminLicenseDetail,
  AdminLicenseList,
  AdminLicenseListQuery,
  AdminLicenseParams,
  AdminOptionalReasonRequest,
  AdminReasonRequest,
  AdminResetActivationsResponse,
  AdminUpdateLicenseRequest,
  DeactivateResponse,
} from '@ngn/shared';
import { requestMeta } from '../../lib/http/request-meta';
import type { Module } from '../module';

/** Admin license routes; every change is audited with the admin's id by LicensesService. */
export const licensesAdminModule: Module = (m) => {
  const { licenses, licenseAdmin: admin } = m.services;
  const tags = ['admin'];
  const write = { roles: ['admin' as const] };
  const read = { roles: ['admin' as const, 'support' as const] };
  const notFound = { 404: 'license_not_found' };

  m.route(
    { method: 'post', path: '/admin/licenses', summary: 'Grant a license to a user (any policy, e.g. nfr)', tags, access: write, body: AdminGrantLicenseRequest, response: AdminLicenseDetail, status: 201, errors: { 404: 'user_not_found, product_not_found, policy_not_found' } },
    ({ body, user, ctx }) => admin.grant(body, user.id, requestMeta(ctx)),
  );
  m.route(
    { method: 'get', path: '/admin/licenses', summary: 'Search licenses (q: key prefix or email part)', tags, access: read, query: AdminLicenseListQuery, response: AdminLicenseList },
    ({ query }) => admin.listLicenses(query),
  );
  m.route(
    { method: 'get', path: '/admin/licenses/:id', summary: 'A license with all its activations', tags, access: read, params: AdminLicenseParams, response: AdminLicenseDetail, errors: notFound },
    ({ params }) => admin.getLicense(params.id),
  );
  m.route(
    { method: 'patch', path: '/admin/licenses/:id', summary: 'Change the end date and/or the seat count', tags, access: write, params: AdminLicenseParams, body: AdminUpdateLicenseRequest, response: AdminLicenseDetail, errors: notFound },
    ({ params, body, user, ctx }) => admin.update(params.id, body, user.id, requestMeta(ctx)),
  );
  m.route(
    { method: 'post', path: '/admin/licenses/:id/suspend', summary: 'Suspend (reversible)', tags, access: write, params: AdminLicenseParams, body: AdminReasonRequest, response: AdminLicenseDetail, errors: notFound },
    async ({ params, body, user, ctx }) => {
      await licenses.setStatus(params.id, 'suspended', { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return admin.getLicense(params.id);
    },
  );
  m.route(
    { method: 'post', path: '/admin/licenses/:id/reinstate', summary: 'Make a suspended (or revoked) license active again', tags, access: write, params: AdminLicenseParams, body: AdminOptionalReasonRequest, response: AdminLicenseDetail, errors: notFound },
    async ({ params, body, user, ctx }) => {
      await licenses.setStatus(params.id, 'active', { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return admin.getLicense(params.id);
    },
  );
  m.route(
    { method: 'post', path: '/admin/licenses/:id/revoke', summary: 'Revoke: every machine loses its seat', tags, access: write, params: AdminLicenseParams, body: AdminReasonRequest, response: AdminLicenseDetail, errors: notFound },
    async ({ params, body, user, ctx }) => {
      await licenses.revoke(params.id, { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return admin.getLicense(params.id);
    },
  );
  m.route(
    { method: 'post', path: '/admin/licenses/:id/reset-activations', summary: 'Deactivate every machine of a license', tags, access: write, params: AdminLicenseParams, body: AdminOptionalReasonRequest, response: AdminResetActivationsResponse, errors: notFound },
    async ({ params, body, user, ctx }) => ({
      deactivated: await licenses.resetActivations(params.id, { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) }),
    }),
  );
  m.route(
    { method: 'get', path: '/admin/activations', summary: 'Search activations', tags, access: read, query: AdminActivationListQuery, response: AdminActivationList },
    ({ query }) => admin.listActivations(query),
  );
  m.route(
    { method: 'post', path: '/admin/activations/:id/deactivate', summary: 'Free one machine\'s seat', tags, access: write, params: AdminLicenseParams, body: AdminOptionalReasonRequest, response: DeactivateResponse, errors: { 404: 'activation_not_found' } },
    async ({ params, body, user, ctx }) => {
      const pendingUntil = await licenses.deactivateActivation(params.id, { reason: body.reason, actorUserId: user.id, meta: requestMeta(ctx) });
      return { status: 'deactivated', message: 'machine_deactivated', pending_until: pendingUntil?.toISOString() ?? null } as const;
    },
  );
};
