import {
  ActivateRequest,
  ActivationRequestFile,
  ActivationResponseFile,
  DeactivationReceiptFile,
  EmergencyResponse,
  OfflineDeactivateResponse,
  ActivateResponse,
  DeactivateRequest,
  DeactivateResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  Jwks,
  LicenseList,
  LicenseListQuery,
  LicenseStatusQuery,
  LicenseStatusResponse,
  TrialRequest,
  ValidateRequest,
  ValidateResponse,
} from '@ngn/shared';
import type { Context } from 'koa';
import { requestMeta } from '../../lib/http/request-meta';
import { limitByIp } from '../../lib/rate-limit';
import type { Module } from '../module';
import { MaxActivationsReached } from './errors';
import { markStaleActivations, STALE_JOB, STALE_JOB_CRON } from './stale-activations';

/** Every seat taken: the seed's 400 body, which lists the machines to choose from. */
async function withSeatList<T>(ctx: Context, activate: () => Promise<T>): Promise<T | undefined> {
  try {
    return await activate();
  } catch (err) {
    if (!(err instanceof MaxActivationsReached)) throw err;
    ctx.status = 400;
    ctx.body = err.body();
    return undefined;
  }
}

export const licensesModule: Module = (m) => {
  const { licenses } = m.services;
  const tags = ['license'];

  // The plugin validates on load and the companion heartbeats: generous per-IP
  // limits (a studio behind one NAT has many machines), counted across processes,
  // in memory first so that a validation under its limit costs no round trip for it.
  const machinesPerIp = (prefix: string) =>
    limitByIp(m.rateLimits.createLocalFirst({ prefix, points: m.config.rateLimits.validatePerMinute, durationSeconds: 60 }));
  m.router.use('/license/validate', machinesPerIp('license_validate_ip'));
  m.router.use('/license/heartbeat', machinesPerIp('license_heartbeat_ip'));

  m.jobs.define(STALE_JOB, async () => {
    const sweep = await markStaleActivations(m.sequelize);
    if (sweep.stale || sweep.expired || sweep.emergencies) m.logger.info(sweep, 'stale activations and ended licenses swept');
  }, { retryLimit: 2 });
  m.jobs.schedule(STALE_JOB, STALE_JOB_CRON);

  m.route(
    {
      method: 'post',
      path: '/license/activate',
      summary: 'Activate this machine (idempotent per fingerprint)',
      tags,
      access: 'user',
      body: ActivateRequest,
      response: ActivateResponse,
      errors: {
        400: 'license_invalid, max_activations_reached (lists the active machines)',
        403: 'license_expired, license_revoked, license_suspended',
        409: 'deactivation_pending (details.pending: the machine deactivated elsewhere and when it frees)',
      },
    },
    ({ user, body, ctx }) => withSeatList(ctx, () => licenses.seats.activate(user.id, body, requestMeta(ctx))),
  );
  m.route(
    {
      method: 'post',
      path: '/license/trial',
      summary: "Start this account's 14-day trial of a product, activated on this machine in the same call",
      tags,
      access: 'user',
      body: TrialRequest,
      response: ActivateResponse,
      status: 201,
      errors: {
        403: 'email_not_verified',
        404: 'trial_not_offered',
        409: 'trial_already_used (this account or this machine has had the trial of the product)',
      },
    },
    ({ user, body, ctx }) => licenses.trials.start(user.id, body, requestMeta(ctx)),
  );
  m.route(
    {
      method: 'post',
      path: '/license/emergency',
      summary: 'Every seat is held by machines I cannot reach: run this one for 7 days beyond the seats (once per 90 days per license)',
      tags,
      access: 'user',
      body: ActivateRequest,
      response: EmergencyResponse,
      status: 201,
      errors: {
        400: 'license_invalid',
        403: 'license_expired, license_revoked, license_suspended',
        409: 'emergency_not_needed (a seat is free, or this machine is active), emergency_already_used (details.available_at)',
      },
    },
    ({ user, body, ctx }) => licenses.emergencies.take(user.id, body, requestMeta(ctx)),
  );
  m.route(
    {
      method: 'post',
      path: '/license/offline/activate',
      summary: "Answer an offline computer's activation request file (.ngnreq) with its response file (.ngnresp)",
      tags,
      access: 'user',
      body: ActivationRequestFile,
      response: ActivationResponseFile,
      errors: {
        400: 'invalid_request_signature, request_expired, product_mismatch, license_invalid, max_activations_reached',
        403: 'license_expired, license_revoked, license_suspended',
        409: 'deactivation_pending',
      },
    },
    ({ user, body, ctx }) => withSeatList(ctx, () => licenses.byFile.activate(user.id, body, requestMeta(ctx))),
  );
  m.route(
    {
      method: 'post',
      path: '/license/offline/deactivate',
      summary: "Free an offline computer's seat with its signed deactivation receipt (at once: it proved it let go)",
      tags,
      access: 'user',
      body: DeactivationReceiptFile,
      response: OfflineDeactivateResponse,
      errors: { 400: 'invalid_receipt_signature', 404: 'activation_not_found', 422: 'deactivation_limit_reached' },
    },
    async ({ user, body, ctx }) => {
      await licenses.byFile.deactivate(user.id, body, requestMeta(ctx));
      return { status: 'deactivated', activation_id: body.activation_id } as const;
    },
  );
  m.route(
    {
      method: 'post',
      path: '/license/deactivate',
      summary: 'Free the seat of one of my machines (this one or another)',
      tags,
      access: 'user',
      body: DeactivateRequest,
      response: DeactivateResponse,
      errors: { 400: 'activation_token_mismatch', 404: 'activation_not_found', 422: 'deactivation_limit_reached' },
    },
    async ({ user, body, ctx }) => {
      const pendingUntil = await licenses.seats.deactivate(user.id, body, requestMeta(ctx));
      return { status: 'deactivated', message: 'machine_deactivated', pending_until: pendingUntil?.toISOString() ?? null } as const;
    },
  );
  m.route(
    {
      method: 'get',
      path: '/license/status',
      summary: 'One license (license_key), or my most recent license of the product with my others beside it',
      tags,
      access: 'user',
      query: LicenseStatusQuery,
      response: LicenseStatusResponse,
      errors: { 404: 'license_not_found' },
    },
    ({ user, query }) => licenses.owned.status(user.id, query),
  );
  m.route(
    { method: 'get', path: '/license/list', summary: 'My licenses', tags, access: 'user', query: LicenseListQuery, response: LicenseList },
    ({ user, query }) => licenses.owned.list(user.id, query),
  );
  m.route(
    {
      method: 'post',
      path: '/license/validate',
      summary: 'Online check for the plugin: is this key valid on this machine?',
      tags,
      access: 'public',
      body: ValidateRequest,
      response: ValidateResponse,
      errors: { 429: 'Rate limited' },
    },
    ({ body, ctx }) => licenses.checks.validate(body, requestMeta(ctx)),
  );
  m.route(
    {
      method: 'post',
      path: '/license/heartbeat',
      summary: 'Trade an activation token for a fresh one (keeps the offline grace rolling)',
      tags,
      access: 'public',
      body: HeartbeatRequest,
      response: HeartbeatResponse,
      errors: { 401: 'token_invalid', 403: 'account_suspended, activation_deactivated, license_revoked, license_suspended, license_expired', 429: 'Rate limited' },
    },
    ({ body }) => licenses.checks.heartbeat(body),
  );
  m.route(
    { method: 'get', path: '/keys', summary: 'Public keys (JWKS) that verify activation tokens', tags, access: 'public', response: Jwks },
    ({ ctx }) => {
      ctx.set('Cache-Control', 'public, max-age=300');
      return m.keyRings.activation.jwks();
    },
  );
};
