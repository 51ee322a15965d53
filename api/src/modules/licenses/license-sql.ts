import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { RequestMeta } from '../../lib/http/request-meta';

/** The request a change has when the system makes it (webhooks, jobs, scripts): none. */
export const SYSTEM_META: RequestMeta = { ip: null, userAgent: null };

/** A machine deactivated from elsewhere is pending while its last token could still verify offline. */
export const PENDING_UNTIL = `CASE WHEN token_expires_at > now() THEN token_expires_at END`;

/** The SQL helpers the license services share. */
export class LicenseSql {
  constructor(private readonly sequelize: Sequelize) {}

  /** Runs in the caller's transaction when there is one, so a change commits (or not) with the caller's work. */
  async inTransaction<T>(transaction: Transaction | undefined, fn: (t: Transaction) => Promise<T>): Promise<T> {
    return transaction ? fn(transaction) : this.sequelize.transaction(fn);
  }

  rows<T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> {
    return this.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, transaction });
  }

  /**
   * Frees a seat. `proven`: the machine itself let go (it sent its own token),
   * so nothing of it remains; otherwise it stays pending until its last token
   * expires or it acknowledges (see PENDING_UNTIL).
   */
  async deactivateOne(activationId: string, reason: string, by: string | null, transaction: Transaction, proven = false): Promise<Date | null> {
    const [row] = await this.rows<{ pending_until: Date | null }>(
      `UPDATE activations SET deactivated_at = now(), deactivation_reason = :reason, deactivated_by = :by, updated_at = now(),
              pending_until = ${proven ? 'NULL' : PENDING_UNTIL}
        WHERE id = :id AND deactivated_at IS NULL RETURNING pending_until`,
      { id: activationId, reason, by },
      transaction,
    );
    return row?.pending_until ?? null;
  }
}
