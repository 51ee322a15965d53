import { randomBytes } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { QueryTypes, type Transaction } from 'sequelize';
import {
  generateLicenseKey,
  isValidLicenseKey,
  Uuid,
  type ActivateRequest,
  type ActivateResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LicenseList,
  type LicenseState,
  type LicenseStatus,
  type LicenseStatusResponse,
  type LicenseType,
  type PageQuery,
  type ValidateRequest,
  type ValidateResponse,
  type ValidationCode,
} from '@ngn/shared';
import type { AppDeps } from '../../context';
import { Policy, Product, type LicenseSourceType } from '../../db/models';
import { audit, auditInsertSql, type RequestMeta } from '../../lib/audit';
import { AppError, notFound, unauthorized, unprocessable } from '../../lib/errors';
import { decodeCursor, keysetWhere, page } from '../../lib/pagination';
import { queryBatch } from '../../lib/sql-batch';
import { signActivationToken, readOwnActivationToken, tokenExpiry } from './activation-tokens';
import { activationNotFound, assertUsable, licenseInvalid, licenseNotFound, MaxActivationsReached } from './errors';
import { findRebindCandidate } from './rebinding';
import { ValidationStamps } from './validation-stamps';
import {
  activationSummary,
  ACTIVATION_COLUMNS,
  LICENSE_COLUMNS,
  LICENSE_FROM,
  licenseStatus,
  licenseSummary,
  type ActivationRow,
  type LicenseRow,
} from './rows';

export interface LicenseSource {
  type: LicenseSourceType;
  /** e.g. the purchase id or the granting admin's reason reference. */
  id?: string;
}

export interface IssueLicenseInput {
  userId: string;
  /** Product id, e.g. 'mixing_mentor'. */
  product: string;
  /** Policy name within the product, e.g. 'standard'. */
  policy: string;
  source: LicenseSource;
  /** Overrides the policy's duration; null never expires. */
  expiresAt?: Date | null;
  actorUserId?: string | null;
  reason?: string;
  meta?: RequestMeta;
  transaction?: Transaction;
}

export interface IssuedLicense {
  id: string;
  license_key: string;
  product: string;
  license_type: string;
  policy: string;
  expires_at: string | null;
}

/** Who changes a license and why; every change is audited with it. */
export interface ChangeOptions {
  reason?: string;
  actorUserId?: string | null;
  meta?: RequestMeta;
  transaction?: Transaction;
}

const SYSTEM: RequestMeta = { ip: null, userAgent: null };
/** Validation stamps last_validated_at at most this often per machine: a plugin may validate on every load. */
const VALIDATION_STAMP_INTERVAL = `interval '1 minute'`;
/**
 * A validation is stamped at once, not batched, when the stale sweep could
 * take the machine before the batch lands (its token has expired and it has
 * not validated within its grace), with this much slack for a late flush.
 */
const SWEEP_MARGIN = `interval '1 hour'`;
const MAX_KEY_ATTEMPTS = 5;
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
  /** This machine's live activation, if any. */
  activation_id: string | null;
  /** Whether any machine holds a seat. */
  has_live: boolean;
  /** This machine's stamp is due and left to the batch. */
  stamp_later: boolean;
}

/** Self-service deactivations (and re-bindings) within the policy's window: what counts against its budget. */
const SPENT_DEACTIVATIONS = `SELECT count(*)::int AS spent FROM activations a JOIN ${LICENSE_FROM} ON l.id = a.license_id
  WHERE a.deactivation_reason IN ('user', 'rebound') AND a.deactivated_at > now() - make_interval(days => p.deactivation_window_days)`;

/** A license's live machines, oldest first, by its key. */
const LIVE_BY_KEY = `SELECT ${ACTIVATION_COLUMNS} FROM activations a JOIN licenses l ON l.id = a.license_id
  WHERE l.license_key = :key AND a.deactivated_at IS NULL
  ORDER BY a.activated_at, a.id`;

function withinDeactivationBudget(license: Pick<LicenseRow, 'max_deactivations'>, spent: number): boolean {
  return license.max_deactivations === null || spent < license.max_deactivations;
}

/** The first reason, in this order, why the plugin may not run; VALID when there is none. */
function validationCode(row: ValidationRow, input: ValidateRequest): ValidationCode {
  if (input.product !== undefined && input.product !== row.product_id) return 'PRODUCT_MISMATCH';
  if (row.status === 'revoked') return 'REVOKED';
  if (row.status === 'suspended') return 'SUSPENDED';
  if (row.expired) return 'EXPIRED';
  if (!row.activation_id) return row.has_live ? 'FINGERPRINT_MISMATCH' : 'NOT_ACTIVATED';
  if (input.entitlements?.some((e) => !row.entitlements.includes(e))) return 'ENTITLEMENT_MISSING';
  return 'VALID';
}

export class LicensesService {
  private readonly validationMisses: RateLimiterAbstract;
  private readonly stamps: ValidationStamps;

  constructor(private readonly deps: AppDeps) {
    this.stamps = new ValidationStamps(deps);
    this.validationMisses = deps.rateLimits.create({
      prefix: 'license_validate_miss',
      points: GUESSES_BEFORE_ALERT,
      durationSeconds: GUESS_WINDOW_SECONDS,
    });
  }

  // ---- used by other areas (purchases, trials, accounts, admin) ----

  async issue(input: IssueLicenseInput): Promise<IssuedLicense> {
    return this.inTransaction(input.transaction, async (transaction) => {
      const policy = await Policy.findOne({ where: { product_id: input.product, name: input.policy }, transaction });
      if (!policy) {
        const product = await Product.findByPk(input.product, { transaction });
        throw product ? notFound('Policy', 'policy_not_found') : notFound('Product', 'product_not_found');
      }
      const expiresAt =
        input.expiresAt !== undefined
          ? input.expiresAt
          : policy.duration_days
            ? new Date(Date.now() + policy.duration_days * 86_400_000)
            : null;
      for (let attempt = 0; attempt < MAX_KEY_ATTEMPTS; attempt += 1) {
        // ON CONFLICT instead of catching the violation: an error would abort the caller's transaction.
        const [row] = await this.rows<{ id: string; license_key: string }>(
          `INSERT INTO licenses (license_key, user_id, product_id, policy_id, expires_at, source_type, source_id)
           VALUES (:key, :user, :product, :policy, :expires, :source_type, :source_id)
           ON CONFLICT (license_key) DO NOTHING
           RETURNING id, license_key`,
          {
            key: generateLicenseKey((n) => randomBytes(n)),
            user: input.userId,
            product: input.product,
            policy: policy.id,
            expires: expiresAt,
            source_type: input.source.type,
            source_id: input.source.id ?? null,
          },
          transaction,
        );
        if (!row) continue;
        await audit(
          {
            action: 'license.issued',
            actorUserId: input.actorUserId ?? null,
            subjectUserId: input.userId,
            targetType: 'license',
            targetId: row.id,
            metadata: { product: input.product, policy: input.policy, source: input.source, reason: input.reason },
          },
          input.meta ?? SYSTEM,
          transaction,
        );
        return {
          id: row.id,
          license_key: row.license_key,
          product: input.product,
          license_type: policy.license_type,
          policy: policy.name,
          expires_at: expiresAt ? expiresAt.toISOString() : null,
        };
      }
      throw new Error('Could not generate a unique license key');
    });
  }

  /** Revokes for good (refund, chargeback, abuse): every machine loses its seat at once. */
  async revoke(licenseId: string, opts: ChangeOptions & { reason: string }): Promise<void> {
    await this.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      await this.rows(
        `UPDATE licenses SET status = 'revoked', status_reason = :reason, revoked_at = COALESCE(revoked_at, now()), updated_at = now()
          WHERE id = :id RETURNING id`,
        { id: licenseId, reason: opts.reason },
        transaction,
      );
      const deactivated = await this.deactivateLive({ licenseId }, 'license_revoked', opts.actorUserId ?? null, transaction);
      await this.auditChange('license.revoked', license, opts, { from: license.status, deactivated }, transaction);
    });
  }

  /** Moves the end date (subscription renewals, admin extensions); null never expires. */
  async setExpiry(licenseId: string, expiresAt: Date | null, opts: ChangeOptions = {}): Promise<void> {
    await this.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      // Keep status in step with the date: a renewed license is active again, a backdated one expired.
      await this.rows(
        `UPDATE licenses SET expires_at = :expires,
                status = CASE
                  WHEN status = 'expired' AND (:expires::timestamptz IS NULL OR :expires::timestamptz > now()) THEN 'active'
                  WHEN status = 'active' AND :expires::timestamptz <= now() THEN 'expired'
                  ELSE status END,
                updated_at = now()
          WHERE id = :id RETURNING id`,
        { id: licenseId, expires: expiresAt },
        transaction,
      );
      await this.auditChange(
        'license.expiry_changed',
        license,
        opts,
        { from: license.expires_at?.toISOString() ?? null, to: expiresAt?.toISOString() ?? null },
        transaction,
      );
    });
  }

  /** Suspends, reinstates or expires a license; 'revoked' goes through revoke(). */
  async setStatus(licenseId: string, status: LicenseState, opts: ChangeOptions = {}): Promise<void> {
    if (status === 'revoked') return this.revoke(licenseId, { ...opts, reason: opts.reason ?? 'revoked' });
    await this.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      await this.rows(
        `UPDATE licenses SET status = :status, status_reason = :reason,
                revoked_at = NULL, updated_at = now()
          WHERE id = :id RETURNING id`,
        { id: licenseId, status, reason: opts.reason ?? null },
        transaction,
      );
      await this.auditChange('license.status_changed', license, opts, { from: license.status, to: status }, transaction);
    });
  }

  /** Seats for this one license; null goes back to the policy's number. Machines above a lowered limit stay. */
  async setMaxActivations(licenseId: string, maxActivations: number | null, opts: ChangeOptions = {}): Promise<void> {
    await this.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      await this.rows(
        `UPDATE licenses SET max_activations_override = :max, updated_at = now() WHERE id = :id RETURNING id`,
        { id: licenseId, max: maxActivations },
        transaction,
      );
      await this.auditChange(
        'license.max_activations_changed',
        license,
        opts,
        { from: license.max_activations_override, to: maxActivations },
        transaction,
      );
    });
  }

  /** Frees every seat of a license (admin reset); returns how many machines were deactivated. */
  async resetActivations(licenseId: string, opts: ChangeOptions = {}): Promise<number> {
    return this.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      const deactivated = await this.deactivateLive({ licenseId }, 'admin_reset', opts.actorUserId ?? null, transaction);
      await this.auditChange('license.activations_reset', license, opts, { deactivated }, transaction);
      return deactivated;
    });
  }

  /** Active and not past its end date; a trial counts. */
  async hasActiveLicense(userId: string, product: string): Promise<boolean> {
    const [row] = await this.rows<{ found: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM licenses WHERE user_id = :user AND product_id = :product
            AND status = 'active' AND (expires_at IS NULL OR expires_at > now())) AS found`,
      { user: userId, product },
    );
    return row!.found;
  }

  /** Frees every seat of every license of a user (account deletion); returns the count. */
  async deactivateAllForUser(userId: string, reason: string, transaction?: Transaction): Promise<number> {
    return this.deactivateLive({ userId }, reason, null, transaction);
  }

  /** An admin frees one machine's seat. */
  async deactivateActivation(activationId: string, opts: ChangeOptions = {}): Promise<void> {
    await this.inTransaction(opts.transaction, async (transaction) => {
      const [row] = await this.rows<{ license_id: string; user_id: string; deactivated_at: Date | null }>(
        `SELECT a.license_id, l.user_id, a.deactivated_at FROM activations a JOIN licenses l ON l.id = a.license_id
          WHERE a.id = :id FOR UPDATE OF l, a`,
        { id: activationId },
        transaction,
      );
      if (!row) throw activationNotFound();
      if (row.deactivated_at) return;
      await this.deactivateOne(activationId, 'admin', opts.actorUserId ?? null, transaction);
      await audit(
        {
          action: 'license.machine_deactivated',
          actorUserId: opts.actorUserId ?? null,
          subjectUserId: row.user_id,
          targetType: 'activation',
          targetId: activationId,
          metadata: { license_id: row.license_id, by: 'admin', reason: opts.reason },
        },
        opts.meta ?? SYSTEM,
        transaction,
      );
    });
  }

  // ---- user routes ----

  /**
   * Takes a seat for this machine. The license row is locked for the whole
   * transaction, so concurrent activations of one license (from any number of
   * API processes) count seats one after the other; the partial unique index
   * on (license_id, fingerprint) backs the "one seat per machine" rule.
   *
   * Four round trips: BEGIN; the lock, then the seat count, this machine's
   * live seat and the spent deactivation budget as read after the lock (one
   * batch, see queryBatch); the write and its audit entry in one statement;
   * COMMIT. The live machines' rows are read only when they are needed (a
   * re-binding to look for, or the list a refusal shows): a license with many
   * seats would otherwise have every one of them read and parsed per activation.
   */
  async activate(userId: string, input: ActivateRequest, meta: RequestMeta): Promise<ActivateResponse> {
    if (!isValidLicenseKey(input.license_key)) throw licenseInvalid();
    return this.deps.sequelize.transaction(async (transaction) => {
      const [[license], [seats], rebindable] = (await queryBatch(
        this.deps.sequelize,
        [
          `SELECT ${LICENSE_COLUMNS} FROM ${LICENSE_FROM} WHERE l.license_key = :key FOR UPDATE OF l`,
          `SELECT count(*)::int AS live, (array_agg(a.id) FILTER (WHERE a.fingerprint = :fingerprint))[1] AS same_id,
                  (${SPENT_DEACTIVATIONS} AND l.license_key = :key) AS spent
             FROM activations a JOIN licenses l ON l.id = a.license_id
            WHERE l.license_key = :key AND a.deactivated_at IS NULL`,
          ...(input.components ? [LIVE_BY_KEY] : []),
        ],
        { key: input.license_key, fingerprint: input.hardware_id },
        transaction,
      )) as [LicenseRow[], Array<{ live: number; same_id: string | null; spent: number }>, ActivationRow[] | undefined];
      // Someone else's key reads exactly like a wrong one.
      if (!license || license.user_id !== userId) throw licenseInvalid();
      assertUsable(license);
      const now = new Date();
      const tokenExpiresAt = tokenExpiry(now, license.offline_grace_days, license.expires_at);
      const machine = {
        machine_name: input.machine_name,
        os: input.os,
        app_version: input.app_version ?? null,
        plugin_version: input.plugin_version ?? null,
        components: JSON.stringify(input.components ?? {}),
        token_expires_at: tokenExpiresAt,
      };

      let activationId: string;
      let alreadyActive = false;
      let rebound: ActivateResponse['rebound'] = null;
      let liveCount = seats!.live;
      if (seats!.same_id) {
        alreadyActive = true;
        activationId = seats!.same_id;
        await this.rows(
          `UPDATE activations SET machine_name = :machine_name, os = :os,
                  app_version = COALESCE(:app_version, app_version), plugin_version = COALESCE(:plugin_version, plugin_version),
                  components = CASE WHEN :components::jsonb = '{}'::jsonb THEN components ELSE :components::jsonb END,
                  token_expires_at = :token_expires_at, stale_at = NULL, updated_at = now()
            WHERE id = :id RETURNING id`,
          { ...machine, id: activationId },
          transaction,
        );
      } else {
        const candidate = withinDeactivationBudget(license, seats!.spent)
          ? findRebindCandidate(input.components, rebindable ?? [])
          : undefined;
        if (candidate) {
          rebound = { previous_activation_id: candidate.activation.id, changed_components: candidate.changed };
          liveCount -= 1;
        } else if (liveCount >= license.max_activations) {
          const live = rebindable ?? (await this.rows<ActivationRow>(LIVE_BY_KEY, { key: input.license_key }, transaction));
          throw new MaxActivationsReached(license.max_activations, live.map(activationSummary));
        }
        const audited = auditInsertSql(
          {
            action: rebound ? 'license.machine_rebound' : 'license.machine_activated',
            actorUserId: userId,
            targetType: 'activation',
            metadata: { license_id: license.id, machine_name: input.machine_name, os: input.os, ...(rebound ?? {}) },
          },
          meta,
          { from: 'created', id: 'created.id' },
        );
        // The seat a re-binding takes over is freed in the same statement.
        const [created] = await this.rows<{ id: string }>(
          `WITH freed AS (
             UPDATE activations SET deactivated_at = now(), deactivation_reason = 'rebound', deactivated_by = :user, updated_at = now()
              WHERE id = :rebound_from AND deactivated_at IS NULL RETURNING id
           ), created AS (
             INSERT INTO activations (license_id, fingerprint, components, machine_name, os, app_version, plugin_version,
                                      activated_at, token_expires_at, rebound_from)
             VALUES (:license, :fingerprint, :components::jsonb, :machine_name, :os, :app_version, :plugin_version,
                     :now, :token_expires_at, :rebound_from)
             RETURNING id
           ), audited AS (${audited.sql})
           SELECT id FROM created`,
          {
            ...machine,
            ...audited.replacements,
            user: userId,
            license: license.id,
            fingerprint: input.hardware_id,
            now,
            rebound_from: rebound?.previous_activation_id ?? null,
          },
          transaction,
        );
        activationId = created!.id;
        liveCount += 1;
      }

      const { token } = signActivationToken(this.deps.keyRings.activation, this.deps.config.publicUrl, {
        activationId,
        licenseId: license.id,
        product: license.product_id,
        licenseType: license.license_type,
        policy: license.policy,
        fingerprint: input.hardware_id,
        entitlements: license.entitlements,
        licenseExpiresAt: license.expires_at,
        offlineGraceDays: license.offline_grace_days,
      }, now);
      return {
        status: 'activated',
        activation_id: activationId,
        activation_token: token,
        token_expires_at: tokenExpiresAt.toISOString(),
        license_id: license.id,
        license_key: license.license_key,
        product: license.product_id,
        policy: license.policy,
        license_type: license.license_type,
        max_activations: license.max_activations,
        activations_remaining: Math.max(0, license.max_activations - liveCount),
        expires_at: license.expires_at?.toISOString() ?? null,
        entitlements: license.entitlements,
        already_active: alreadyActive,
        rebound,
      };
    });
  }

  /**
   * Frees one of the caller's own seats, from this machine or from another one
   * (a dead laptop). Someone else's activation answers 404 and changes nothing.
   */
  async deactivate(userId: string, activationId: string, meta: RequestMeta): Promise<void> {
    await this.deps.sequelize.transaction(async (transaction) => {
      const [row] = await this.rows<LicenseRow & { activation_deactivated_at: Date | null }>(
        `SELECT ${LICENSE_COLUMNS}, a.deactivated_at AS activation_deactivated_at
           FROM activations a JOIN ${LICENSE_FROM} ON l.id = a.license_id
          WHERE a.id = :id FOR UPDATE OF l`,
        { id: activationId },
        transaction,
      );
      if (!row || row.user_id !== userId) {
        if (row) {
          await audit(
            { action: 'license.deactivate_denied', actorUserId: userId, subjectUserId: row.user_id, targetType: 'activation', targetId: activationId },
            meta,
          );
        }
        throw activationNotFound();
      }
      if (row.activation_deactivated_at) return; // already free: nothing to do, nothing spent
      if (!withinDeactivationBudget(row, await this.spentDeactivations(row.id, transaction))) {
        throw unprocessable(
          'deactivation_limit_reached',
          `This license allows ${row.max_deactivations} machine deactivations per ${row.deactivation_window_days} days. Contact support to move it now.`,
        );
      }
      await this.deactivateOne(activationId, 'user', userId, transaction);
      await audit(
        { action: 'license.machine_deactivated', actorUserId: userId, targetType: 'activation', targetId: activationId, metadata: { license_id: row.id, by: 'user' } },
        meta,
        transaction,
      );
    });
  }

  async status(userId: string, licenseKey?: string): Promise<LicenseStatusResponse> {
    const licenses = await this.rows<LicenseRow>(
      `SELECT ${LICENSE_COLUMNS} FROM ${LICENSE_FROM}
        WHERE l.user_id = :user ${licenseKey ? 'AND l.license_key = :key' : ''}
        ORDER BY l.created_at DESC, l.id DESC LIMIT 100`,
      { user: userId, key: licenseKey ?? null },
    );
    const live = await this.liveActivations(licenses.map((l) => l.id));
    const statuses: LicenseStatus[] = licenses.map((l) => licenseStatus(l, live.filter((a) => a.license_id === l.id)));
    if (licenseKey === undefined) return { licenses: statuses };
    if (!statuses[0]) throw licenseNotFound();
    return statuses[0];
  }

  async list(userId: string, query: PageQuery): Promise<LicenseList> {
    const cursor = keysetWhere(decodeCursor(query.cursor), 'l');
    const rows = await this.rows<LicenseRow & { activations_count: number }>(
      `SELECT ${LICENSE_COLUMNS},
              (SELECT count(*)::int FROM activations a WHERE a.license_id = l.id AND a.deactivated_at IS NULL) AS activations_count
         FROM ${LICENSE_FROM}
        WHERE l.user_id = :user AND ${cursor.sql}
        ORDER BY l.created_at DESC, l.id DESC LIMIT :limit`,
      { user: userId, limit: query.limit + 1, ...cursor.replacements },
    );
    const { items, next_cursor } = page(rows, query.limit);
    return { licenses: items.map(licenseSummary), next_cursor };
  }

  // ---- machines ----

  /**
   * The plugin's online check, one statement: find the license by its key and
   * this machine's live activation. Its last_validated_at stamp (at most one
   * a minute per machine) is batched by ValidationStamps, so a validation is
   * a read; only a machine the stale sweep could take now is stamped in this
   * statement, so a stamp still waiting in memory never loses it its seat.
   */
  async validate(input: ValidateRequest, meta: RequestMeta): Promise<ValidateResponse> {
    if (!isValidLicenseKey(input.license_key)) return this.notFound(meta);
    const [row] = await this.rows<ValidationRow>(
      `WITH lic AS (
         SELECT l.id, l.status, l.product_id, l.expires_at, p.name AS policy, p.license_type, p.entitlements,
                p.offline_grace_days, (l.status = 'expired' OR l.expires_at <= now()) AS expired
           FROM licenses l JOIN policies p ON p.id = l.policy_id
          WHERE l.license_key = :key
       ), act AS (
         SELECT a.id,
                (a.last_validated_at IS NULL OR a.last_validated_at < now() - ${VALIDATION_STAMP_INTERVAL}) AS stamp_due,
                COALESCE(a.stale_at IS NOT NULL OR (
                  a.token_expires_at < now() + ${SWEEP_MARGIN} AND (a.last_validated_at IS NULL
                    OR a.last_validated_at < now() - make_interval(days => (SELECT offline_grace_days FROM lic)) + ${SWEEP_MARGIN})
                ), false) AS sweepable
           FROM activations a
          WHERE a.license_id = (SELECT id FROM lic) AND a.fingerprint = :fingerprint AND a.deactivated_at IS NULL
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
    const [row] = await this.rows<LicenseRow & { fingerprint: string; activation_license_id: string; activation_deactivated_at: Date | null }>(
      `SELECT ${LICENSE_COLUMNS}, a.fingerprint, a.license_id AS activation_license_id, a.deactivated_at AS activation_deactivated_at
         FROM activations a JOIN ${LICENSE_FROM} ON l.id = a.license_id
        WHERE a.id = :id`,
      { id: claims.sub },
    );
    if (!row || row.activation_license_id !== claims.license_id || row.fingerprint !== claims.fingerprint) {
      throw unauthorized('token_invalid', 'This activation token is not valid. Activate this machine again.');
    }
    assertUsable(row);
    const deactivated = () =>
      new AppError(403, 'activation_deactivated', 'This machine was deactivated. Activate it again to use it.');
    if (row.activation_deactivated_at) throw deactivated();
    const now = new Date();
    const { token, expiresAt } = signActivationToken(this.deps.keyRings.activation, this.deps.config.publicUrl, {
      activationId: claims.sub,
      licenseId: row.id,
      product: row.product_id,
      licenseType: row.license_type,
      policy: row.policy,
      fingerprint: row.fingerprint,
      entitlements: row.entitlements,
      licenseExpiresAt: row.expires_at,
      offlineGraceDays: row.offline_grace_days,
    }, now);
    const [updated] = await this.rows<{ id: string }>(
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

  /** Stops the stamp timer and writes what is left: before the pool closes. */
  close(): Promise<void> {
    return this.stamps.close();
  }

  // ---- internals ----

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

  private async inTransaction<T>(transaction: Transaction | undefined, fn: (t: Transaction) => Promise<T>): Promise<T> {
    return transaction ? fn(transaction) : this.deps.sequelize.transaction(fn);
  }

  private rows<T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    return this.deps.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, transaction });
  }

  private async lockLicense(licenseId: string, transaction: Transaction): Promise<LicenseRow> {
    if (!Uuid.safeParse(licenseId).success) throw licenseNotFound();
    const [license] = await this.rows<LicenseRow>(
      `SELECT ${LICENSE_COLUMNS} FROM ${LICENSE_FROM} WHERE l.id = :id FOR UPDATE OF l`,
      { id: licenseId },
      transaction,
    );
    if (!license) throw licenseNotFound();
    return license;
  }

  private liveActivations(licenseIds: string[], transaction?: Transaction): Promise<ActivationRow[]> {
    if (!licenseIds.length) return Promise.resolve([]);
    return this.rows<ActivationRow>(
      `SELECT ${ACTIVATION_COLUMNS} FROM activations a
        WHERE a.license_id IN (:ids) AND a.deactivated_at IS NULL
        ORDER BY a.activated_at, a.id`,
      { ids: licenseIds },
      transaction,
    );
  }

  private async spentDeactivations(licenseId: string, transaction: Transaction): Promise<number> {
    const [row] = await this.rows<{ spent: number }>(`${SPENT_DEACTIVATIONS} AND l.id = :id`, { id: licenseId }, transaction);
    return row!.spent;
  }

  private async deactivateOne(activationId: string, reason: string, by: string | null, transaction: Transaction): Promise<void> {
    await this.rows(
      `UPDATE activations SET deactivated_at = now(), deactivation_reason = :reason, deactivated_by = :by, updated_at = now()
        WHERE id = :id AND deactivated_at IS NULL RETURNING id`,
      { id: activationId, reason, by },
      transaction,
    );
  }

  private async deactivateLive(
    where: { licenseId: string } | { userId: string },
    reason: string,
    by: string | null,
    transaction?: Transaction,
  ): Promise<number> {
    const filter = 'licenseId' in where ? 'a.license_id = :id' : 'a.license_id IN (SELECT id FROM licenses WHERE user_id = :id)';
    const rows = await this.rows<{ id: string }>(
      `UPDATE activations a SET deactivated_at = now(), deactivation_reason = :reason, deactivated_by = :by, updated_at = now()
        WHERE ${filter} AND a.deactivated_at IS NULL RETURNING a.id`,
      { id: 'licenseId' in where ? where.licenseId : where.userId, reason, by },
      transaction,
    );
    return rows.length;
  }

  private async auditChange(
    action: string,
    license: LicenseRow,
    opts: ChangeOptions,
    metadata: Record<string, unknown>,
    transaction: Transaction,
  ): Promise<void> {
    await audit(
      {
        action,
        actorUserId: opts.actorUserId ?? null,
        subjectUserId: license.user_id,
        targetType: 'license',
        targetId: license.id,
        metadata: { ...metadata, reason: opts.reason },
      },
      opts.meta ?? SYSTEM,
      transaction,
    );
  }
}
