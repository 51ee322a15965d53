import { QueryTypes, type Sequelize } from 'sequelize';

export const STALE_JOB = 'licenses.mark-stale';
/** Every 15 minutes: a dead machine's seat comes back within a quarter of an hour of qualifying. */
export const STALE_JOB_CRON = '*/15 * * * *';

export interface StaleSweep {
  /** Activations newly marked stale. */
  stale: number;
  /** Of those, the ones whose policy frees the seat (deactivated with reason `stale`). */
  freed: number;
  /** Licenses whose end date passed, now status `expired`. */
  expired: number;
  /** Emergency tokens' machines whose week ended, now deactivated. */
  emergencies: number;
}

/**
 * Dead machines. An activation is stale when its newest token has expired
 * (no heartbeat for the whole offline grace) and the plugin has not validated
 * online during the last grace period either. Stale activations are flagged;
 * where the policy says `stale_frees_seat`, they are also deactivated, which
 * gives the seat back. A machine that comes back after its seat was freed
 * activates again like a new one.
 *
 * The same sweep moves licenses past their end date to status `expired`
 * (validation already treats them as expired; this keeps lists and admin
 * searches truthful).
 */
/**
 * SQL: whether activation `a` is stale at the instant `at`, given its policy's
 * offline grace in days. The sweep asks it of now; validation asks it of a
 * little later, to know which stamps must not wait for the batch.
 */
export function staleAt(at: string, graceDays: string): string {
  return `(a.token_expires_at < ${at} AND (a.last_validated_at IS NULL OR a.last_validated_at < ${at} - make_interval(days => ${graceDays})))`;
}

/** The same rule in JavaScript, for a machine held in the validation cache. */
export function isStaleAt(
  machine: { token_expires_at: Date | null; last_validated_at: Date | null },
  graceDays: number,
  at: Date,
): boolean {
  if (!machine.token_expires_at || machine.token_expires_at >= at) return false;
  return !machine.last_validated_at || machine.last_validated_at.getTime() < at.getTime() - graceDays * 86_400_000;
}

export async function markStaleActivations(sequelize: Sequelize, now = new Date()): Promise<StaleSweep> {
  const marked = await sequelize.query<{ freed: boolean }>(
    `WITH candidates AS (
       SELECT a.id, p.stale_frees_seat
         FROM activations a
         JOIN licenses l ON l.id = a.license_id
         JOIN policies p ON p.id = l.policy_id
        WHERE a.deactivated_at IS NULL AND a.stale_at IS NULL
          AND ${staleAt(':now::timestamptz', 'p.offline_grace_days')}
        FOR UPDATE OF a SKIP LOCKED
     )
     UPDATE activations a
        SET stale_at = :now,
            deactivated_at = CASE WHEN c.stale_frees_seat THEN :now::timestamptz END,
            deactivation_reason = CASE WHEN c.stale_frees_seat THEN 'stale' END,
            updated_at = now()
       FROM candidates c
      WHERE a.id = c.id
     RETURNING c.stale_frees_seat AS freed`,
    { replacements: { now }, type: QueryTypes.SELECT },
  );
  const expired = await sequelize.query<{ id: string }>(
    `UPDATE licenses SET status = 'expired', status_reason = 'end_date_passed', updated_at = now()
      WHERE status = 'active' AND expires_at <= :now RETURNING id`,
    { replacements: { now }, type: QueryTypes.SELECT },
  );
  // Emergency tokens' machines end by themselves; their tokens said when.
  const emergencies = await sequelize.query<{ id: string }>(
    `UPDATE activations SET deactivated_at = :now, deactivation_reason = 'emergency_ended', updated_at = now()
      WHERE deactivated_at IS NULL AND emergency_until <= :now RETURNING id`,
    { replacements: { now }, type: QueryTypes.SELECT },
  );
  return { stale: marked.length, freed: marked.filter((m) => m.freed).length, expired: expired.length, emergencies: emergencies.length };
}
