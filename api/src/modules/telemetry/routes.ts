import { endpoints } from '@ngn/shared';
import { consumeOrThrow } from '../../lib/rate-limit';
import type { Module } from '../module';

const ROLLUP_JOB = 'telemetry.rollup';
const RETENTION_JOB = 'telemetry.retention';

export const telemetryModule: Module = (m) => {
  const { telemetry, rollups, dashboard } = m.services;
  const perUser = m.rateLimits.createLocalFirst({ prefix: 'telemetry_user', points: m.config.rateLimits.telemetryPerMinute, durationSeconds: 60 });

  // The dashboard refreshes what it reads; the schedule keeps that work small and folds the rows batches appended.
  m.jobs.define(ROLLUP_JOB, async () => {
    await rollups.refreshDirtyDays();
    await rollups.fold();
  });
  m.jobs.schedule(ROLLUP_JOB, '*/5 * * * *');
  m.jobs.define(RETENTION_JOB, async () => {
    const deleted = await rollups.deleteExpired();
    m.logger.info({ deleted, retention_days: m.config.telemetryRetentionDays }, 'telemetry retention');
  });
  m.jobs.schedule(RETENTION_JOB, '17 3 * * *');

  m.route(
    endpoints.telemetry,
    async ({ user, body }) => {
      await consumeOrThrow(perUser, user.id);
      return telemetry.record(user.id, body.events);
    },
  );
  m.route(
    endpoints.dashboard,
    ({ query }) => dashboard.dashboard(query.period),
  );
};
