import type { Transaction } from 'sequelize';
import { Uuid, type LicenseState } from '@ngn/shared';
import type { AppDeps } from '../../context';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { activationNotFound, licenseNotFound } from './errors';
import { LicenseSql, PENDING_UNTIL, SYSTEM_META } from './license-sql';
import { LICENSE_COLUMNS, LICENSE_FROM, type LicenseRow } from './rows';

/** Who changes a license and why; every change is audited with it. */
export interface ChangeOptions {
  reason?: string;
  actorUserId?: string | null;
  meta?: RequestMeta;
  transaction?: Transaction;
}

/**
 * Changes to an existing license and its seats, made by payments (renewals,
 * refunds), account deletion and admins. Each one locks the license row and
 * audits the change in the same transaction.
 */
export class LicenseChanges {
  private readonly store: LicenseSql;

  constructor(deps: Pick<AppDeps, 'sequelize'>) {
    this.store = new LicenseSql(deps.sequelize);
  }

  /** Revokes for good (refund, chargeback, abuse): every machine loses its seat at once. */
  async revoke(licenseId: string, opts: ChangeOptions & { reason: string }): Promise<void> {
    await this.store.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      await this.store.rows(
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
    await this.store.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      // Keep status in step with the date: a renewed license is active again, a backdated one expired.
      await this.store.rows(
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

  /** Moves a license to another policy of its product (a subscription's plan changed in the billing portal). */
  async changePolicy(licenseId: string, policy: string, opts: ChangeOptions = {}): Promise<void> {
    await this.store.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      if (license.policy === policy) return;
      const [moved] = await this.store.rows<{ id: string }>(
        `UPDATE licenses l SET policy_id = p.id, updated_at = now()
           FROM policies p WHERE l.id = :id AND p.product_id = l.product_id AND p.name = :policy RETURNING l.id`,
        { id: licenseId, policy },
        transaction,
      );
      if (!moved) throw new Error(`product ${license.product_id} has no policy ${policy}`);
      await this.auditChange('license.policy_changed', license, opts, { from: license.policy, to: policy }, transaction);
    });
  }

  /** Suspends, reinstates or expires a license; 'revoked' goes through revoke(). */
  async setStatus(licenseId: string, status: LicenseState, opts: ChangeOptions = {}): Promise<void> {
    if (status === 'revoked') return this.revoke(licenseId, { ...opts, reason: opts.reason ?? 'revoked' });
    await this.store.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      await this.store.rows(
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
    await this.store.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      await this.store.rows(
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
    return this.store.inTransaction(opts.transaction, async (transaction) => {
      const license = await this.lockLicense(licenseId, transaction);
      const deactivated = await this.deactivateLive({ licenseId }, 'admin_reset', opts.actorUserId ?? null, transaction);
      await this.auditChange('license.activations_reset', license, opts, { deactivated }, transaction);
      return deactivated;
    });
  }

  /** Frees every seat of every license of a user (account deletion); returns the count. */
  async deactivateAllForUser(userId: string, reason: string, transaction?: Transaction): Promise<number> {
    return this.deactivateLive({ userId }, reason, null, transaction);
  }

  /** An admin frees one machine's seat; the machine stays pending until it hears of it or its token expires. */
  async deactivateActivation(activationId: string, opts: ChangeOptions = {}): Promise<Date | null> {
    return this.store.inTransaction(opts.transaction, async (transaction) => {
      const [row] = await this.store.rows<{ license_id: string; user_id: string; deactivated_at: Date | null; pending_until: Date | null }>(
        `SELECT a.license_id, l.user_id, a.deactivated_at, a.pending_until FROM activations a JOIN licenses l ON l.id = a.license_id
          WHERE a.id = :id FOR UPDATE OF l, a`,
        { id: activationId },
        transaction,
      );
      if (!row) throw activationNotFound();
      if (row.deactivated_at) return row.pending_until;
      const pendingUntil = await this.store.deactivateOne(activationId, 'admin', opts.actorUserId ?? null, transaction);
      await audit(
        {
          action: 'license.machine_deactivated',
          actorUserId: opts.actorUserId ?? null,
          subjectUserId: row.user_id,
          targetType: 'activation',
          targetId: activationId,
          metadata: { license_id: row.license_id, by: 'admin', reason: opts.reason },
        },
        opts.meta ?? SYSTEM_META,
        transaction,
      );
      return pendingUntil;
    });
  }

  private async lockLicense(licenseId: string, transaction: Transaction): Promise<LicenseRow> {
    if (!Uuid.safeParse(licenseId).success) throw licenseNotFound();
    const [license] = await this.store.rows<LicenseRow>(
      `SELECT ${LICENSE_COLUMNS} FROM ${LICENSE_FROM} WHERE l.id = :id FOR UPDATE OF l`,
      { id: licenseId },
      transaction,
    );
    if (!license) throw licenseNotFound();
    return license;
  }

  private async deactivateLive(
    where: { licenseId: string } | { userId: string },
    reason: string,
    by: string | null,
    transaction?: Transaction,
  ): Promise<number> {
    const filter = 'licenseId' in where ? 'a.license_id = :id' : 'a.license_id IN (SELECT id FROM licenses WHERE user_id = :id)';
    const rows = await this.store.rows<{ id: string }>(
      `UPDATE activations a SET deactivated_at = now(), deactivation_reason = :reason, deactivated_by = :by, updated_at = now(),
              pending_until = ${PENDING_UNTIL}
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
      opts.meta ?? SYSTEM_META,
      transaction,
    );
  }
}
