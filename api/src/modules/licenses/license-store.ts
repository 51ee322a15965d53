import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { RequestMeta } from '../../lib/audit';

/** The request a change has when the system makes it (webhooks, jobs, scripts): none. */
export const SYSTEM_META: RequestMeta = { ip: null, userAgent: null };

/** The SQL helpers the license services share. */
export class LicenseStore {
  constructor(private readonly sequelize: Sequelize) {}

  /** Runs in the caller's transaction when there is one, so a change commits (or not) with the caller's work. */
  async inTransaction<T>(transaction: Transaction | undefined, fn: (t: Transaction) => Promise<T>): Promise<T> {
    return transaction ? fn(transaction) : this.sequelize.transaction(fn);
  }

  rows<T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    return this.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, transaction });
  }

  /** Frees one machine's seat; an activation already free stays as it was. */
  async deactivateOne(activationId: string, reason: string, by: string | null, transaction: Transaction): Promise<void> {
    await this.rows(
      `UPDATE activations SET deactivated_at = now(), deactivation_reason = :reason, deactivated_by = :by, updated_at = now()
        WHERE id = :id AND deactivated_at IS NULL RETURNING id`,
      { id: activationId, reason, by },
      transaction,
    );
  }
}
