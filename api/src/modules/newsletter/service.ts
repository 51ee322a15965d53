import { QueryTypes, type Transaction } from 'sequelize';
import type { AppDeps } from '../../context';
import { MailchimpAudience, MailchimpRefusal, subscriberHash } from './mailchimp';

export const SYNC_JOB = 'newsletter.sync';
export const FORGET_JOB = 'newsletter.forget';
export const SWEEP_JOB = 'newsletter.sweep';
/** Tags follow licenses that end or are revoked without a request of the user's: looked at every ten minutes. */
export const SWEEP_CRON = '*/10 * * * *';
const SWEEP_BATCH = 1000;

/** The audience's tags, in this order wherever they are stored or compared. */
export const TAGS = ['customer', 'trial', 'subscriber', 'lapsed'] as const;
export type Tag = (typeof TAGS)[number];

/**
 * The tags a user's licenses give, as a text[] in TAGS order, for the user
 * whose id is `userId` (a column or a parameter): a customer holds a live paid
 * license, a trial a live trial, a subscriber a live subscription, and lapsed
 * is someone who paid once and holds no live paid license now.
 */
function tagsSql(userId: string): string {
  const live = `l.status = 'active' AND (l.expires_at IS NULL OR l.expires_at > now())`;
  return `(SELECT array_remove(ARRAY[
      CASE WHEN bool_or(p.license_type <> 'trial' AND ${live}) THEN 'customer' END,
      CASE WHEN bool_or(p.license_type = 'trial' AND ${live}) THEN 'trial' END,
      CASE WHEN bool_or(p.license_type = 'subscription' AND ${live}) THEN 'subscriber' END,
      CASE WHEN bool_or(p.license_type <> 'trial') AND NOT coalesce(bool_or(p.license_type <> 'trial' AND ${live}), false) THEN 'lapsed' END
    ], NULL)
    FROM licenses l JOIN policies p ON p.id = l.policy_id WHERE l.user_id = ${userId})`;
}

interface MemberRow {
  email: string;
  first_name: string;
  last_name: string;
  newsletter: boolean;
  mailchimp_email: string | null;
  tags: string[] | null;
}

/**
 * The newsletter audience in Mailchimp, kept in step with our users through
 * the durable job queue: consent is ours (recorded with its time and source,
 * off unless given), Mailchimp holds a copy with tags from the user's
 * licenses. Every change queues a sync of the user's whole current state, so
 * jobs that run late or twice converge; Mailchimp being down only delays them
 * (retried with backoff), never a registration or a settings change.
 */
export class NewsletterService {
  private readonly audience: MailchimpAudience | undefined;

  constructor(private readonly deps: AppDeps) {
    this.audience = deps.config.mailchimp ? new MailchimpAudience(deps.config.mailchimp) : undefined;
  }

  /** Records a yes or no, when and where it was given, and syncs it; nothing when it is no change. */
  async setConsent(userId: string, subscribed: boolean, source: string, transaction?: Transaction): Promise<void> {
    const changed = await this.deps.sequelize.query<{ id: string }>(
      `UPDATE users SET newsletter = :subscribed, newsletter_consent_at = now(), newsletter_consent_source = :source
        WHERE id = :id AND newsletter IS DISTINCT FROM :subscribed RETURNING id`,
      { replacements: { id: userId, subscribed, source }, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) },
    );
    if (changed.length) await this.requestSync(userId, transaction);
  }

  async requestSync(userId: string, transaction?: Transaction): Promise<void> {
    if (!this.audience) return;
    await this.deps.jobs.send(SYNC_JOB, { user_id: userId }, transaction ? { transaction } : {});
  }

  /** The job: the member as the user is now (address, consent, tags); a user who never subscribed is never sent. */
  async sync(userId: string): Promise<void> {
    if (!this.audience) return;
    const [u] = await this.deps.sequelize.query<MemberRow>(
      `SELECT email, first_name, last_name, newsletter, mailchimp_email, ${tagsSql(':id')} AS tags
         FROM users WHERE id = :id AND status <> 'deleted'`,
      { replacements: { id: userId }, type: QueryTypes.SELECT },
    );
    if (!u || (!u.newsletter && !u.mailchimp_email)) return;
    const tags = u.tags ?? [];
    try {
      await this.audience.upsert(u.mailchimp_email ?? u.email, { email: u.email, subscribed: u.newsletter, firstName: u.first_name, lastName: u.last_name });
      await this.audience.setTags(u.email, Object.fromEntries(TAGS.map((t) => [t, tags.includes(t)])));
    } catch (err) {
      // A refusal (not an outage) will be the same next time: said, not retried.
      if (err instanceof MailchimpRefusal && err.status >= 400 && err.status < 500 && err.status !== 429) {
        this.deps.logger.warn({ user: userId, status: err.status, title: err.title }, 'Mailchimp refused the member; not retried');
        return;
      }
      throw err;
    }
    await this.deps.sequelize.query(`UPDATE users SET mailchimp_email = :email, mailchimp_tags = :tags::text[] WHERE id = :id AND email = :email`, {
      replacements: { id: userId, email: u.email, tags: `{${tags.join(',')}}` },
    });
  }

  /** Queues a sync for every member whose licenses changed their tags since the last one. */
  async sweep(): Promise<number> {
    if (!this.audience) return 0;
    const stale = await this.deps.sequelize.query<{ id: string }>(
      `SELECT u.id FROM users u
        WHERE (u.newsletter OR u.mailchimp_email IS NOT NULL) AND u.status <> 'deleted'
          AND coalesce(u.mailchimp_tags, '{}') IS DISTINCT FROM coalesce(${tagsSql('u.id')}, '{}')
        LIMIT ${SWEEP_BATCH}`,
      { type: QueryTypes.SELECT },
    );
    for (const { id } of stale) await this.requestSync(id);
    return stale.length;
  }

  /** Account deletion: the member is erased from Mailchimp for good, by a job queued with the deletion. */
  async forget(userId: string, transaction: Transaction): Promise<void> {
    if (!this.audience) return;
    const [u] = await this.deps.sequelize.query<{ email: string; newsletter: boolean; mailchimp_email: string | null }>(
      'SELECT email, newsletter, mailchimp_email FROM users WHERE id = :id',
      { replacements: { id: userId }, type: QueryTypes.SELECT, transaction },
    );
    if (!u) return;
    // A subscriber whose first sync is still queued may be a member by the time the deletion commits.
    const known = new Set([u.mailchimp_email, u.newsletter ? u.email : null].filter((e): e is string => !!e).map(subscriberHash));
    for (const hash of known) await this.deps.jobs.send(FORGET_JOB, { subscriber_hash: hash }, { transaction });
  }

  async erase(hash: string): Promise<void> {
    await this.audience?.deletePermanently(hash);
  }

  /** Mailchimp's webhook: an unsubscribe or a bounced-out ("cleaned") address withdraws consent here too. */
  async fromMailchimp(form: URLSearchParams): Promise<void> {
    const type = form.get('type');
    const email = form.get('data[email]');
    if ((type !== 'unsubscribe' && type !== 'cleaned') || !email) return;
    await this.deps.sequelize.query(
      `UPDATE users SET newsletter = false, newsletter_consent_at = now(), newsletter_consent_source = :source
        WHERE newsletter AND (lower(email) = lower(:email) OR lower(mailchimp_email) = lower(:email))`,
      { replacements: { email, source: `mailchimp_${type}` } },
    );
  }
}
