import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import {
  isValidLicenseKey,
  Uuid,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LicenseState,
  type LicenseType,
  type ValidateRequest,
  type ValidateResponse,
  type ValidationCode,
} from '@ngn/shared';
import type { AppDeps } from '../../context';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { AppError, unauthorized } from '../../lib/errors';
import { readOwnActivationToken, signActivationToken } from './activation-tokens';
import { assertUsable } from './errors';
import { LicenseSql } from './license-sql';
import { LICENSE_COLUMNS, LICENSE_FROM, type LicenseRow } from './rows';
import { isStaleAt, staleAt } from './stale-activations';
import { ValidationCache, type CachedLicense } from './validation-cache';
import { ValidationStamps } from './validation-stamps';

/** Validation stamps last_validated_at at most this often per machine: a plugin may validate on every load. */
const STAMP_INTERVAL_MS = 60_000;
const VALIDATION_STAMP_INTERVAL = `interval '${STAMP_INTERVAL_MS / 1000} seconds'`;
/**
 * A validation is stamped at once, not batched, when the stale sweep's own
 * rule (staleAt) would take the machine within this margin: slack for a late
 * flush of the batch.
 */
const SWEEP_MARGIN_MS = 3_600_000;
const SWEEP_MARGIN = `interval '${SWEEP_MARGIN_MS / 1000} seconds'`;
/** Unknown keys from one address per window before it is logged and audited as key guessing. */
const GUESSES_BEFORE_ALERT = 50;
const GUESS_WINDOW_SECONDS = 600;

interface ValidationRow {
  id: string;
  status: LicenseState;
  expired: boolean;
  product_id: string;
  policy: string;
  license_type: LicenseType;
  expires_at: Date | null;
  entitlements: string[];
  /** The license's owner is suspended: every license of theirs answers SUSPENDED until reinstated. */
  owner_suspended: boolean;
  /** This machine's live activation, if any. */
  activation_id: string | null;
  /** Whether any machine holds a seat. */
  has_live: boolean;
  /** This machine's stamp is due and left to the batch. */
  stamp_later: boolean;
}

/** The first reason, in this order, why the plugin may not run; VALID when there is none. */
function validationCode(row: ValidationRow, input: ValidateRequest): ValidationCode {
  if (input.product !== undefined && input.product !== row.product_id) return 'PRODUCT_MISMATCH';
  if (row.status === 'revoked') return 'REVOKED';
  if (row.status === 'suspended' || row.owner_suspended) return 'SUSPENDED';
  if (row.expired) return 'EXPIRED';
  if (!row.activation_id) return row.has_live ? 'FINGERPRINT_MISMATCH' : 'NOT_ACTIVATED';
  if (input.entitlements?.some((e) => !row.entitlements.includes(e))) return 'ENTITLEMENT_MISSING';
  return 'VALID';
}

/**
 * What a machine asks without a user session, by license key or activation
 * token: the plugin's validation and the companion's heartbeat.
 */
export class MachineChecks {
  private readonly store: LicenseSql;
  private readonly validationMisses: RateLimiterAbstract;
  private readonly stamps: ValidationStamps;
  readonly cache: ValidationCache;

  constructor(private readonly deps: AppDeps) {
    this.store = new LicenseSql(deps.sequelize);
    this.stamps = new ValidationStamps(deps);
    this.cache = new ValidationCache(deps);
    this.validationMisses = deps.rateLimits.create({
      prefix: 'license_validate_miss',
      points: GUESSES_BEFORE_ALERT,
      durationSeconds: GUESS_WINDOW_SECONDS,
    });
  }

  /**
   * The plugin's online check. It is answered from the process's validation
   * cache (no round trip once the license was read), or, while the cache
   * cannot be trusted or for a machine the stale sweep could take now, by one
   * statement. Its last_validated_at stamp (at most one a minute per machine)
   * is batched by ValidationStamps.
   */
  async validate(input: ValidateRequest, meta: RequestMeta): Promise<ValidateResponse> {
    if (!isValidLicenseKey(input.license_key)) return this.notFound(meta);
    const cached = await this.cache.lookup(input.license_key);
    if (cached === null) return this.notFound(meta);
    const row = (cached === 'bypass' ? undefined : this.fromMemory(cached, input.fingerprint)) ?? (await this.fromDatabase(input));
    if (!row) return this.notFound(meta);
    const code = validationCode(row, input);
    return {
      valid: code === 'VALID',
      code,
      product: row.product_id,
      policy: row.policy,
      license_type: row.license_type,
      expires_at: row.expires_at?.toISOString() ?? null,
      entitlements: row.entitlements,
    };
  }

  /** The answer from the cached view; undefined when the machine's stamp must be written now, in the statement. */
  private fromMemory(license: CachedLicense, fingerprint: string): ValidationRow | undefined {
    const now = new Date();
    const machine = license.machines.find((m) => m.fingerprint === fingerprint && (!m.emergency_until || m.emergency_until > now));
    if (machine && (machine.stale_at || isStaleAt(machine, license.offline_grace_days, new Date(now.getTime() + SWEEP_MARGIN_MS)))) return undefined;
    if (machine && (!machine.last_validated_at || machine.last_validated_at.getTime() < now.getTime() - STAMP_INTERVAL_MS)) {
      this.stamps.add(machine.id);
      machine.last_validated_at = now;
    }
    return {
      id: license.id,
      status: license.status,
      expired: license.status === 'expired' || (license.expires_at !== null && license.expires_at <= now),
      product_id: license.product_id,
      policy: license.policy,
      license_type: license.license_type,
      expires_at: license.expires_at,
      entitlements: license.entitlements,
      owner_suspended: license.owner_suspended,
      activation_id: machine?.id ?? null,
      has_live: license.machines.length > 0,
      stamp_later: false,
    };
  }

  /**
   * The same answer in one statement: find the license by its key and this
   * machine's live activation; a machine the stale sweep could take now is
   * stamped in this statement, so a stamp still waiting in memory never loses
   * it its seat.
   */
  private async fromDatabase(input: ValidateRequest): Promise<ValidationRow | undefined> {
    const [row] = await this.store.rows<ValidationRow>(
      `WITH lic AS (
         SELECT l.id, l.status, l.product_id, l.expires_at, p.name AS policy, p.license_type, p.entitlements,
                p.offline_grace_days, (l.status = 'expired' OR l.expires_at <= now()) AS expired,
                COALESCE(u.status = 'suspended', false) AS owner_suspended
           FROM licenses l JOIN policies p ON p.id = l.policy_id LEFT JOIN users u ON u.id = l.user_id
          WHERE l.license_key = :key
       ), act AS (
         SELECT a.id,
                (a.last_validated_at IS NULL OR a.last_validated_at < now() - ${VALIDATION_STAMP_INTERVAL}) AS stamp_due,
                COALESCE(a.stale_at IS NOT NULL OR ${staleAt(`(now() + ${SWEEP_MARGIN})`, '(SELECT offline_grace_days FROM lic)')}, false) AS sweepable
           FROM activations a
          WHERE a.license_id = (SELECT id FROM lic) AND a.fingerprint = :fingerprint AND a.deactivated_at IS NULL
            AND (a.emergency_until IS NULL OR a.emergency_until > now())
       ), stamped_now AS (
         UPDATE activations a SET last_validated_at = now(), stale_at = NULL
           FROM act
          WHERE a.id = act.id AND act.sweepable
         RETURNING a.id
       )
       SELECT lic.*, act.id AS activation_id, COALESCE(act.stamp_due AND NOT act.sweepable, false) AS stamp_later,
              EXISTS (SELECT 1 FROM activations a WHERE a.license_id = lic.id AND a.deactivated_at IS NULL) AS has_live
         FROM lic LEFT JOIN act ON true`,
      { key: input.license_key, fingerprint: input.fingerprint },
    );
    if (row?.stamp_later) this.stamps.add(row.activation_id!);
    return row;
  }

  /**
   * Trades an activation token for a fresh one while the seat is still held:
   * this keeps the offline grace rolling. An expired token is accepted (it
   * still proves which activation it was); the activation row decides.
   */
  async heartbeat(input: HeartbeatRequest): Promise<HeartbeatResponse> {
    const claims = readOwnActivationToken(this.deps.keyRings.activation, input.activation_token);
    if (!claims || !Uuid.safeParse(claims.sub).success) {
      throw unauthorized('token_invalid', 'This activation token is not valid. Activate this machine again.');
    }
    const [row] = await this.store.rows<
      LicenseRow & {
        fingerprint: string;
        activation_license_id: string;
        activation_deactivated_at: Date | null;
        emergency_until: Date | null;
        owner_suspended: boolean;
      }
    >(
      `SELECT ${LICENSE_COLUMNS}, a.fingerprint, a.license_id AS activation_license_id, a.deactivated_at AS activation_deactivated_at,
              a.emergency_until,
              COALESCE(u.status = 'suspended', false) AS owner_suspended
         FROM activations a JOIN ${LICENSE_FROM} ON l.id = a.license_id LEFT JOIN users u ON u.id = l.user_id
        WHERE a.id = :id`,
      { id: claims.sub },
    );
    if (!row || row.activation_license_id !== claims.license_id || row.fingerprint !== claims.fingerprint) {
      throw unauthorized('token_invalid', 'This activation token is not valid. Activate this machine again.');
    }
    // A suspended owner's machines get no fresh offline time, whatever state each license is in.
    if (row.owner_suspended) throw new AppError(403, 'account_suspended', 'This account is suspended. Contact support.');
    assertUsable(row);
    const deactivated = () =>
      new AppError(403, 'activation_deactivated', 'This machine was deactivated. Activate it again to use it.');
    const now = new Date();
    // An emergency token's machine ends by itself; the sweep deactivates it soon after.
    if (row.emergency_until && row.emergency_until <= now) throw deactivated();
    if (row.activation_deactivated_at) {
      // The machine hears it was deactivated elsewhere and lets go of its token: no longer pending.
      await this.store.rows(`UPDATE activations SET pending_until = NULL WHERE id = :id AND pending_until IS NOT NULL RETURNING id`, { id: claims.sub });
      throw deactivated();
    }
    const { token, expiresAt } = signActivationToken(this.deps.keyRings.activation, this.deps.config.publicUrl, {
      activationId: claims.sub,
      licenseId: row.id,
      product: row.product_id,
      licenseType: row.license_type,
      policy: row.policy,
      fingerprint: row.fingerprint,
      entitlements: row.entitlements,
      licenseExpiresAt: row.emergency_until && (!row.expires_at || row.emergency_until < row.expires_at) ? row.emergency_until : row.expires_at,
      offlineGraceDays: row.offline_grace_days,
    }, now);
    const [updated] = await this.store.rows<{ id: string }>(
      `UPDATE activations SET last_heartbeat_at = :now, token_expires_at = :exp, stale_at = NULL,
              app_version = COALESCE(:app_version, app_version), plugin_version = COALESCE(:plugin_version, plugin_version),
              updated_at = now()
        WHERE id = :id AND deactivated_at IS NULL RETURNING id`,
      { id: claims.sub, now, exp: expiresAt, app_version: input.app_version ?? null, plugin_version: input.plugin_version ?? null },
    );
    if (!updated) throw deactivated(); // deactivated between the read and the write
    return {
      status: 'active',
      activation_id: claims.sub,
      activation_token: token,
      token_expires_at: expiresAt.toISOString(),
      expires_at: row.expires_at?.toISOString() ?? null,
      entitlements: row.entitlements,
    };
  }

  /** Writes the validation stamps still batched in memory. */
  flushValidationStamps(): Promise<void> {
    return this.stamps.flush();
  }

  /** Stops listening for changes, stops the stamp timer and writes what is left: before the pool closes. */
  async close(): Promise<void> {
    await this.cache.close();
    await this.stamps.close();
  }

  /** Counts unknown keys per address; the first one over the threshold in a window is logged and audited. */
  private async notFound(meta: RequestMeta): Promise<ValidateResponse> {
    if (meta.ip) {
      try {
        await this.validationMisses.consume(meta.ip);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) {
          this.deps.logger.warn({ err: rejection }, 'could not count unknown license keys');
        } else if (rejection.consumedPoints === GUESSES_BEFORE_ALERT + 1) {
          this.deps.logger.warn({ ip: meta.ip }, 'many unknown license keys from one address: possible key guessing');
          await audit(
            { action: 'license.key_guessing_suspected', metadata: { window_seconds: GUESS_WINDOW_SECONDS, misses: rejection.consumedPoints } },
            meta,
          );
        }
      }
    }
    return { valid: false, code: 'NOT_FOUND' };
  }
}
