import { isValidLicenseKey, type ActivateRequest, type EmergencyResponse } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { conflict } from '../../lib/errors';
import { activationAnswer, tokenExpiry } from './activation-tokens';
import { assertUsable, licenseInvalid } from './errors';
import { LicenseSql } from './license-sql';
import { LICENSE_COLUMNS, LICENSE_FROM, type LicenseRow } from './rows';

/** How long an emergency token's machine lasts, and how often a license may have one. */
export const EMERGENCY_DAYS = 7;
export const EMERGENCY_EVERY_DAYS = 90;
const DAY_MS = 86_400_000;

const earliest = (a: Date | null, b: Date): Date => (a && a < b ? a : b);

/**
 * A dead machine without a support ticket: when every seat is held by
 * computers the user cannot reach, this one may run for a week beyond the
 * seats, once per 90 days per license. It spends no deactivation, frees no
 * seat and ends by itself (the token says so: its license_expires_at is the
 * emergency's end, and the sweep deactivates it then); meanwhile the user can
 * free a seat from here and activate normally.
 */
export class EmergencyActivations {
  private readonly store: LicenseSql;

  constructor(private readonly deps: AppDeps) {
    this.store = new LicenseSql(deps.sequelize);
  }

  async take(userId: string, input: ActivateRequest, meta: RequestMeta): Promise<EmergencyResponse> {
    if (!isValidLicenseKey(input.license_key)) throw licenseInvalid();
    return this.deps.sequelize.transaction(async (transaction) => {
      const [license] = await this.store.rows<LicenseRow>(
        `SELECT ${LICENSE_COLUMNS} FROM ${LICENSE_FROM} WHERE l.license_key = :key FOR UPDATE OF l`,
        { key: input.license_key },
        transaction,
      );
      if (!license || license.user_id !== userId) throw licenseInvalid();
      assertUsable(license);
      const [seats] = await this.store.rows<{ live: number; here: number; last_emergency: Date | null }>(
        `SELECT count(*) FILTER (WHERE a.deactivated_at IS NULL)::int AS live,
                count(*) FILTER (WHERE a.deactivated_at IS NULL AND a.fingerprint = :fingerprint)::int AS here,
                max(a.activated_at) FILTER (WHERE a.emergency_until IS NOT NULL) AS last_emergency
           FROM activations a WHERE a.license_id = :license`,
        { license: license.id, fingerprint: input.hardware_id },
        transaction,
      );
      if (seats!.here) throw conflict('emergency_not_needed', 'This computer is already activated with this license.');
      if (seats!.live < license.max_activations) throw conflict('emergency_not_needed', 'A seat is free: activate this computer normally.');
      const now = new Date();
      if (seats!.last_emergency && now.getTime() - seats!.last_emergency.getTime() < EMERGENCY_EVERY_DAYS * DAY_MS) {
        const availableAt = new Date(seats!.last_emergency.getTime() + EMERGENCY_EVERY_DAYS * DAY_MS);
        throw conflict('emergency_already_used', `This license had an emergency activation in the last ${EMERGENCY_EVERY_DAYS} days. Free a seat instead, or contact support.`, {
          available_at: availableAt.toISOString(),
        });
      }
      const until = earliest(license.expires_at, new Date(now.getTime() + EMERGENCY_DAYS * DAY_MS));
      const expiresAt = tokenExpiry(now, license.offline_grace_days, until);
      const [created] = await this.store.rows<{ id: string }>(
        `INSERT INTO activations (license_id, fingerprint, components, machine_name, os, app_version, plugin_version,
                                  activated_at, token_expires_at, emergency_until)
         VALUES (:license, :fingerprint, :components::jsonb, :machine_name, :os, :app_version, :plugin_version, :now, :exp, :until)
         RETURNING id`,
        {
          license: license.id,
          fingerprint: input.hardware_id,
          components: JSON.stringify(input.components ?? {}),
          machine_name: input.machine_name,
          os: input.os,
          app_version: input.app_version ?? null,
          plugin_version: input.plugin_version ?? null,
          now,
          exp: expiresAt,
          until,
        },
        transaction,
      );
      await audit(
        {
          action: 'license.emergency_activation',
          actorUserId: userId,
          targetType: 'activation',
          targetId: created!.id,
          metadata: { license_id: license.id, machine_name: input.machine_name, os: input.os, until: until.toISOString() },
        },
        meta,
        transaction,
      );
      const answer = activationAnswer(this.deps.keyRings.activation, this.deps.config.publicUrl, license, {
        activationId: created!.id,
        fingerprint: input.hardware_id,
        licenseExpiresAt: until,
        offlineGraceDays: license.offline_grace_days,
        activationsRemaining: 0,
        alreadyActive: false,
        rebound: null,
      }, now);
      return { ...answer, emergency_until: until.toISOString() };
    });
  }
}
