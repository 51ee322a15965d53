import type { Transaction } from 'sequelize';
import type { AppDeps } from '../../context';
import { User } from '../../db/models';
import { audit } from '../../db/audit';
import type { RequestMeta } from '../../lib/http/request-meta';
import { badRequest, notFound } from '../../lib/errors';
import { verifyPassword } from '../../lib/passwords';
import { consumeOrThrow } from '../../lib/rate-limit';
import type { AuthService } from '../auth/service';
import type { LicensesService } from '../licenses/service';
import type { NewsletterService } from '../newsletter/service';
import type { TelemetryService } from '../telemetry/service';
import { CUSTOMER_ERASURE_JOB } from '../purchases/service';

/** Wrong passwords allowed per account per window before deletion attempts are refused for a while. */
const WRONG_PASSWORD_LIMIT = 5;
const WRONG_PASSWORD_WINDOW_SECONDS = 15 * 60;
/** The deletion itself is recorded without anything that points at the person. */
const NO_META: RequestMeta = { ip: null, userAgent: null };

/**
 * Erasure of an account (GDPR art. 17), in one transaction:
 *
 * - machines are deactivated and every session revoked first, through the
 *   licensing and auth services, so nothing the person holds keeps working;
 * - the users row is deleted. Rows that only make sense with the person
 *   (sessions, email tokens, licenses and their activations, tickets and
 *   messages, telemetry, API keys) go with it through ON DELETE CASCADE;
 * - purchases stay, as bookkeeping and tax law require, with user_id set to
 *   NULL by their foreign key and the Stripe customer id cleared: amount,
 *   currency, plan, dates and the payment/invoice ids (needed to reconcile
 *   with Stripe and to refund) identify a payment, not a person;
 * - audit entries stay as a security record of what happened when, without
 *   the person's IP, user agent or metadata (which may hold the email);
 * - copies elsewhere are cleaned: Stripe webhook payloads that mention the
 *   person, queued or archived mails to them, rate-limit counters keyed by
 *   their email or id;
 * - Stripe is told through a durable job queued in the same transaction (so it
 *   exists exactly when the deletion commits): cancel every subscription of the
 *   customer at once and delete the customer (customer-erasure.ts).
 */
export class AccountDeletion {
  private readonly wrongPasswords;

  constructor(
    private readonly deps: AppDeps,
    /** Each forgets what it holds of the person, in the deletion's transaction. */
    private readonly holders: { licenses: LicensesService; auth: AuthService; telemetry: TelemetryService; newsletter: NewsletterService },
  ) {
    this.wrongPasswords = deps.rateLimits.create({
      prefix: 'account_delete_fail',
      points: WRONG_PASSWORD_LIMIT,
      durationSeconds: WRONG_PASSWORD_WINDOW_SECONDS,
      blockSeconds: WRONG_PASSWORD_WINDOW_SECONDS,
    });
  }

  async delete(userId: string, password: string, meta: RequestMeta): Promise<void> {
    const user = await User.findByPk(userId);
    if (!user) throw notFound('User');
    const strikes = await this.wrongPasswords.get(userId);
    if (strikes && strikes.remainingPoints <= 0) await consumeOrThrow(this.wrongPasswords, userId); // 429 with Retry-After
    if (!(await verifyPassword(user.password_hash, password))) {
      await this.wrongPasswords.penalty(userId, 1);
      await audit({ action: 'user.account_delete_failed', actorUserId: userId }, meta);
      throw badRequest('wrong_password', 'That password is not right. Your account was not deleted.');
    }
    await this.deps.sequelize.transaction(async (transaction) => {
      const locked = await User.findByPk(userId, { transaction, lock: transaction.LOCK.UPDATE });
      if (!locked) throw notFound('User');
      await this.holders.licenses.deactivateAllForUser(userId, 'account_deleted', transaction);
      await this.holders.auth.revokeAllSessions(userId, 'account_deleted', transaction);
      await this.holders.telemetry.forgetUser(userId, transaction);
      await this.holders.newsletter.forget(userId, transaction);
      if (locked.stripe_customer_id) {
        await this.deps.jobs.send(CUSTOMER_ERASURE_JOB, { customer: locked.stripe_customer_id }, { transaction });
      }
      await this.scrubCopies(locked, transaction);
      await this.exec(`UPDATE purchases SET stripe_customer_id = NULL WHERE user_id = :userId`, { userId }, transaction);
      await this.exec(`DELETE FROM users WHERE id = :userId`, { userId }, transaction);
      await audit({ action: 'user.account_deleted', targetType: 'user', targetId: userId }, NO_META, transaction);
    });
    await this.wrongPasswords.delete(userId);
  }

  private async scrubCopies(user: User, transaction: Transaction): Promise<void> {
    const params = { userId: user.id, email: user.email.toLowerCase() };
    await this.exec(
      `UPDATE audit_logs SET ip = NULL, user_agent = NULL
        WHERE actor_user_id = :userId OR (actor_user_id IS NULL AND subject_user_id = :userId)`,
      params,
      transaction,
    );
    await this.exec(
      `UPDATE audit_logs SET metadata = '{}'::jsonb
        WHERE metadata <> '{}'::jsonb
          AND (actor_user_id = :userId OR subject_user_id = :userId OR strpos(lower(metadata::text), :email) > 0)`,
      params,
      transaction,
    );
    // Webhook payloads carry the customer's email, name and address: any that
    // mention the person's email or Stripe ids lose everything but their id and type.
    await this.exec(
      `WITH ids AS (
         SELECT lower(x) AS x FROM (
           SELECT CAST(:email AS text) AS x
           UNION ALL SELECT stripe_customer_id FROM users WHERE id = :userId
           UNION ALL SELECT unnest(ARRAY[stripe_customer_id, stripe_checkout_session_id, stripe_payment_intent_id, stripe_subscription_id])
             FROM purchases WHERE user_id = :userId) s
          WHERE x IS NOT NULL)
       UPDATE stripe_events e SET payload = jsonb_build_object('id', e.id, 'type', e.type, 'redacted', 'account_deleted')
        WHERE EXISTS (SELECT 1 FROM ids WHERE strpos(lower(e.payload::text), ids.x) > 0)`,
      params,
      transaction,
    );
    await this.exec(
      `DELETE FROM rate_limits WHERE right(key, length(:email) + 1) = ':' || :email OR right(key, 37) = ':' || :userId`,
      params,
      transaction,
    );
    await this.deps.mailer.forgetMailsTo(user.email, { transaction });
  }

  private async exec(sql: string, replacements: Record<string, unknown>, transaction: Transaction): Promise<void> {
    await this.deps.sequelize.query(sql, { replacements, transaction });
  }
}
