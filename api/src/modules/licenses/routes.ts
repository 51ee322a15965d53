import { endpoints } from '@ngn/shared';
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
    endpoints.activate,
    ({ user, body, ctx }) => withSeatList(ctx, () => licenses.seats.activate(user.id, body, requestMeta(ctx))),
  );
  m.route(
    endpoints.startTrial,
    ({ user, body, ctx }) => licenses.trials.start(user.id, body, requestMeta(ctx)),
  );
  m.route(
    endpoints.emergencyActivate,
    ({ user, body, ctx }) => licenses.emergencies.take(user.id, body, requestMeta(ctx)),
  );
  m.route(
    endpoints.offlineActivate,
    ({ user, body, ctx }) => withSeatList(ctx, () => licenses.byFile.activate(user.id, body, requestMeta(ctx))),
  );
  m.route(
    endpoints.offlineDeactivate,
    async ({ user, body, ctx }) => {
      await licenses.byFile.deactivate(user.id, body, requestMeta(ctx));
      return { status: 'deactivated', activation_id: body.activation_id } as const;
    },
  );
  m.route(
    endpoints.deactivate,
    async ({ user, body, ctx }) => {
      const pendingUntil = await licenses.seats.deactivate(user.id, body, requestMeta(ctx));
      return { status: 'deactivated', message: 'machine_deactivated', pending_until: pendingUntil?.toISOString() ?? null } as const;
    },
  );
  m.route(
    endpoints.licenseStatus,
    ({ user, query }) => licenses.owned.status(user.id, query),
  );
  m.route(
    endpoints.licenses,
    ({ user, query }) => licenses.owned.list(user.id, query),
  );
  m.route(
    endpoints.validate,
    ({ body, ctx }) => licenses.checks.validate(body, requestMeta(ctx)),
  );
  m.route(
    endpoints.heartbeat,
    ({ body }) => licenses.checks.heartbeat(body),
  );
  m.route(
    endpoints.activationKeys,
    ({ ctx }) => {
      ctx.set('Cache-Control', 'public, max-age=300');
      return m.keyRings.activation.jwks();
    },
  );
};
