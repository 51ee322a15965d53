import type { Transaction } from 'sequelize';
import {
  deactivationReceiptSigningInput,
  isValidLicenseKey,
  type ActivateRequest,
  type ActivateResponse,
  type DeactivationReceiptFile,
  type PendingMachine,
} from '@ngn/shared';
import type { AppDeps } from '../../context';
import { audit, auditInsertSql } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { AppError, badRequest, unprocessable } from '../../lib/errors';
import { inTwoTrips, PreparedStatement } from '../../lib/two-trip-transaction';
import { activationAnswer, readOwnActivationToken, tokenExpiry } from './activation-tokens';
import { verifyMachineSignature } from './machine-keys';
import { activationNotFound, assertUsable, licenseInvalid, MaxActivationsReached } from './errors';
import { LicenseSql, PENDING_UNTIL } from './license-sql';
import { findRebindCandidate } from './rebinding';
import {
  activationSummary,
  ACTIVATION_COLUMNS,
  LICENSE_COLUMNS,
  LICENSE_FROM,
  type ActivationRow,
  type LicenseRow,
} from './rows';

/** Self-service deactivations (and re-bindings) within the policy's window: what counts against its budget. */
const SPENT_IN_WINDOW = `a.deactivation_reason IN ('user', 'rebound') AND a.deactivated_at > now() - make_interval(days => p.deactivation_window_days)`;
const SPENT_DEACTIVATIONS = `SELECT count(*)::int AS spent FROM activations a JOIN ${LICENSE_FROM} ON l.id = a.license_id WHERE ${SPENT_IN_WINDOW}`;

/**
 * What an activation decides on, read after the license's lock: its live
 * machines, this machine's live seat, the spent deactivation budget and the
 * machines still pending. One pass over the license's activations: as three
 * subqueries each joining the license again, PostgreSQL spent three times as
 * long planning this statement as running it, on every activation.
 */
const SEATS_BY_KEY = new PreparedStatement(`SELECT count(a.id) FILTER (WHERE a.deactivated_at IS NULL)::int AS live,
         (array_agg(a.id) FILTER (WHERE a.deactivated_at IS NULL AND a.fingerprint = :fingerprint))[1] AS same_id,
         count(a.id) FILTER (WHERE ${SPENT_IN_WINDOW})::int AS spent,
         count(a.id) FILTER (WHERE a.deactivated_at IS NOT NULL AND a.pending_until > now())::int AS pending
    FROM ${LICENSE_FROM} LEFT JOIN activations a ON a.license_id = l.id
   WHERE l.license_key = :key`);

/** The license an activation decides for, locked until its transaction ends. */
const LOCK_BY_KEY = new PreparedStatement(`SELECT ${LICENSE_COLUMNS} FROM ${LICENSE_FROM} WHERE l.license_key = :key FOR UPDATE OF l`);

/** A machine activating again: what it reports now, and a new token's expiry. */
const REFRESH_MACHINE = new PreparedStatement(`UPDATE activations SET machine_name = :machine_name, os = :os,
       app_version = COALESCE(:app_version, app_version), plugin_version = COALESCE(:plugin_version, plugin_version),
       components = CASE WHEN :components::jsonb = '{}'::jsonb THEN components ELSE :components::jsonb END,
       token_expires_at = :token_expires_at, machine_key = COALESCE(:machine_key, machine_key), stale_at = NULL, updated_at = now()
 WHERE id = :id`);

/** A license's live machines, oldest first, by its key. */
const LIVE_BY_KEY = new PreparedStatement(`SELECT ${ACTIVATION_COLUMNS} FROM activations a JOIN licenses l ON l.id = a.license_id
  WHERE l.license_key = :key AND a.deactivated_at IS NULL
  ORDER BY a.activated_at, a.id`);

/** Machines of a license that are pending (deactivated elsewhere, token not expired, not acknowledged), oldest first. */
const PENDING_BY_KEY = `SELECT a.id, a.machine_name, a.os, a.deactivated_at, a.pending_until FROM activations a JOIN licenses l ON l.id = a.license_id
  WHERE l.license_key = :key AND a.deactivated_at IS NOT NULL AND a.pending_until > now()
  ORDER BY a.pending_until, a.deactivated_at, a.id`;

/**
 * Beyond its seats a license may have at most this many machines whose tokens
 * still verify offline after being deactivated elsewhere: one, so a user whose
 * computer died can move at once, but seats cannot multiply offline.
 */
const PENDING_BEYOND_SEATS = 1;

function deactivationPending(pending: Array<{ id: string; machine_name: string; os: string; deactivated_at: Date; pending_until: Date }>): AppError {
  const machines: PendingMachine[] = pending.map((p) => ({
    id: p.id,
    machine_name: p.machine_name,
    os: p.os,
    deactivated_at: p.deactivated_at.toISOString(),
    frees_at: p.pending_until.toISOString(),
  }));
  const first = machines[0];
  return new AppError(
    409,
    'deactivation_pending',
    first
      ? `“${first.machine_name}” was deactivated from another computer and may still work offline until ${first.frees_at}. Its seat frees then, or as soon as it goes online.`
      : 'A machine deactivated from another computer still holds its seat.',
    { pending: machines },
  );
}

function withinDeactivationBudget(license: Pick<LicenseRow, 'max_deactivations'>, spent: number): boolean {
  return license.max_deactivations === null || spent < license.max_deactivations;
}

type MachineRow = LicenseRow & {
  activation_deactivated_at: Date | null;
  pending_until: Date | null;
  activation_fingerprint: string;
  machine_key: string | null;
};

/** A user takes a seat for a machine, or frees one of their own. */
export class MachineSeats {
  private readonly store: LicenseSql;

  constructor(private readonly deps: AppDeps) {
    this.store = new LicenseSql(deps.sequelize);
  }

  /**
   * Takes a seat for this machine. The license row is locked for the whole
   * transaction, so concurrent activations of one license (from any number of
   * API processes) count seats one after the other; the partial unique index
   * on (license_id, fingerprint) backs the "one seat per machine" rule.
   *
   * Two round trips (see inTwoTrips): BEGIN with the lock, then the seat
   * count, this machine's live seat and the spent deactivation budget as read
   * after the lock; the write and its audit entry in one statement with the
   * COMMIT. The live machines' rows are read only when they are needed (a
   * re-binding to look for, or the list a refusal shows): a license with many
   * seats would otherwise have every one of them read and parsed per activation.
   */
  async activate(userId: string, input: ActivateRequest, meta: RequestMeta, outer?: Transaction, byFile?: { machineKey: string }): Promise<ActivateResponse> {
    if (!isValidLicenseKey(input.license_key)) throw licenseInvalid();
    return inTwoTrips(this.deps.sequelize, outer, async (trips) => {
      const [[license], [seats], rebindable] = (await trips.read(
        [
          LOCK_BY_KEY,
          SEATS_BY_KEY,
          ...(input.components ? [LIVE_BY_KEY] : []),
        ],
        { key: input.license_key, fingerprint: input.hardware_id },
      )) as [LicenseRow[], Array<{ live: number; same_id: string | null; spent: number; pending: number }>, ActivationRow[] | undefined];
      // Someone else's key reads exactly like a wrong one.
      if (!license || license.user_id !== userId) throw licenseInvalid();
      assertUsable(license);
      const now = new Date();
      // A machine activated by file cannot heartbeat: the policy may give it a longer grace.
      const graceDays = byFile ? Math.max(license.offline_grace_days, license.airgap_grace_days ?? 0) : license.offline_grace_days;
      const tokenExpiresAt = tokenExpiry(now, graceDays, license.expires_at);
      const machine = {
        machine_name: input.machine_name,
        os: input.os,
        app_version: input.app_version ?? null,
        plugin_version: input.plugin_version ?? null,
        components: JSON.stringify(input.components ?? {}),
        token_expires_at: tokenExpiresAt,
        machine_key: byFile?.machineKey ?? null,
      };

      let activationId: string;
      let alreadyActive = false;
      let rebound: ActivateResponse['rebound'] = null;
      let liveCount = seats!.live;
      if (seats!.same_id) {
        alreadyActive = true;
        activationId = seats!.same_id;
        await trips.finish(
          [REFRESH_MACHINE],
          { ...machine, id: activationId },
        );
      } else {
        const candidate = withinDeactivationBudget(license, seats!.spent)
          ? findRebindCandidate(input.components, rebindable ?? [], now)
          : undefined;
        // Tokens that may verify offline once this activation is done: live seats, pending machines, and
        // the machine a re-binding takes over while its token lasts. At most one beyond the seats.
        let holders = seats!.pending + liveCount;
        if (candidate) {
          rebound = { previous_activation_id: candidate.activation.id, changed_components: candidate.changed };
          liveCount -= 1;
          if (!(candidate.activation.token_expires_at && candidate.activation.token_expires_at > now)) holders -= 1;
        } else if (liveCount >= license.max_activations) {
          const live = rebindable ?? ((await trips.read([LIVE_BY_KEY], { key: input.license_key }))[0] as ActivationRow[]);
          throw new MaxActivationsReached(license.max_activations, live.map(activationSummary));
        }
        if (holders + 1 > license.max_activations + PENDING_BEYOND_SEATS) {
          const [pending] = await trips.read([PENDING_BY_KEY], { key: input.license_key });
          throw deactivationPending(pending as Parameters<typeof deactivationPending>[0]);
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
        const [[created] = []] = (await trips.finish(
          [PreparedStatement.of(`WITH freed AS (
             UPDATE activations SET deactivated_at = now(), deactivation_reason = 'rebound', deactivated_by = :user, updated_at = now(),
                    pending_until = ${PENDING_UNTIL}
              WHERE id = :rebound_from AND deactivated_at IS NULL RETURNING id
           ), created AS (
             INSERT INTO activations (license_id, fingerprint, components, machine_name, os, app_version, plugin_version,
                                      activated_at, token_expires_at, rebound_from, machine_key)
             VALUES (:license, :fingerprint, :components::jsonb, :machine_name, :os, :app_version, :plugin_version,
                     :now, :token_expires_at, :rebound_from, :machine_key)
             RETURNING id
           ), audited AS (${audited.sql})
           SELECT id FROM created`)],
          {
            ...machine,
            ...audited.replacements,
            user: userId,
            license: license.id,
            fingerprint: input.hardware_id,
            now,
            rebound_from: rebound?.previous_activation_id ?? null,
          },
        )) as Array<Array<{ id: string }>>;
        activationId = created!.id;
        liveCount += 1;
      }

      return activationAnswer(this.deps.keyRings.activation, this.deps.config.publicUrl, license, {
        activationId,
        fingerprint: input.hardware_id,
        licenseExpiresAt: license.expires_at,
        offlineGraceDays: graceDays,
        activationsRemaining: Math.max(0, license.max_activations - liveCount),
        alreadyActive,
        rebound,
      }, now);
    });
  }

  /**
   * Frees one of the caller's own seats, from this machine or from another one
   * (a dead laptop). Someone else's activation answers 404 and changes nothing.
   * With the machine's own current token (the machine deactivating itself) the
   * seat frees at once; otherwise the machine is pending until its token
   * expires or its next heartbeat hears of it. Returns that time, or null.
   */
  async deactivate(
    userId: string,
    input: { activation_id: string; activation_token?: string | undefined; receipt?: DeactivationReceiptFile | undefined },
    meta: RequestMeta,
  ): Promise<Date | null> {
    const activationId = input.activation_id;
    return this.deps.sequelize.transaction(async (transaction) => {
      const [row] = await this.store.rows<MachineRow>(
        `SELECT ${LICENSE_COLUMNS}, a.deactivated_at AS activation_deactivated_at, a.pending_until, a.fingerprint AS activation_fingerprint,
                a.machine_key
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
      const proven = input.receipt
        ? this.receiptProvesMachine(input.receipt, row)
        : input.activation_token !== undefined && this.provesMachine(input.activation_token, activationId, row.activation_fingerprint);
      if (row.activation_deactivated_at) {
        // Already free: the machine's own token now lets go of what was left pending.
        if (!proven) return row.pending_until;
        await this.store.rows(`UPDATE activations SET pending_until = NULL WHERE id = :id`, { id: activationId }, transaction);
        return null;
      }
      if (!withinDeactivationBudget(row, await this.spentDeactivations(row.id, transaction))) {
        throw unprocessable(
          'deactivation_limit_reached',
          `This license allows ${row.max_deactivations} machine deactivations per ${row.deactivation_window_days} days. Contact support to move it now.`,
        );
      }
      const pendingUntil = await this.store.deactivateOne(activationId, 'user', userId, transaction, proven);
      await audit(
        {
          action: 'license.machine_deactivated',
          actorUserId: userId,
          targetType: 'activation',
          targetId: activationId,
          metadata: { license_id: row.id, by: 'user', from: input.receipt ? 'receipt' : proven ? 'this_machine' : 'elsewhere', pending_until: pendingUntil },
        },
        meta,
        transaction,
      );
      return pendingUntil;
    });
  }

  /** The token is this activation's own, signed by us: the request comes from the machine itself. A wrong one is refused, never ignored. */
  private provesMachine(token: string, activationId: string, fingerprint: string): boolean {
    const claims = readOwnActivationToken(this.deps.keyRings.activation, token);
    if (!claims || claims.sub !== activationId || claims.fingerprint !== fingerprint) {
      throw badRequest('activation_token_mismatch', 'This activation token is not the one of the machine being deactivated.');
    }
    return true;
  }

  /** A deactivation receipt signed by the key the machine was activated with by file: it let go. A wrong one is refused. */
  private receiptProvesMachine(receipt: DeactivationReceiptFile, row: MachineRow): boolean {
    const signed =
      row.machine_key !== null &&
      receipt.machine_key === row.machine_key &&
      receipt.fingerprint === row.activation_fingerprint &&
      receipt.product === row.product_id &&
      verifyMachineSignature(row.machine_key, deactivationReceiptSigningInput(receipt), receipt.signature);
    if (!signed) throw badRequest('invalid_receipt_signature', 'This receipt was not signed by the computer that holds this seat.');
    return true;
  }

  private async spentDeactivations(licenseId: string, transaction: Transaction): Promise<number> {
    const [row] = await this.store.rows<{ spent: number }>(`${SPENT_DEACTIVATIONS} AND l.id = :id`, { id: licenseId }, transaction);
    return row!.spent;
  }
}
