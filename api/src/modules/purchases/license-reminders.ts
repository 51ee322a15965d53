import { QueryTypes } from 'sequelize';
import type { AppDeps } from '../../context';
import { licenseEndedMail, licenseEndingMail, trialEndedMail, trialEndingMail } from './mails';

/** The job's name predates reminders for other licenses than trials; kept so existing schedules keep their worker. */
export const LICENSE_REMINDER_JOB = 'purchases.trial-reminders';
/** Hourly, so a license is reminded about its end within an hour of the reminder's time. */
export const LICENSE_REMINDER_CRON = '23 * * * *';
const BATCH = 500;

/** A license that ended longer ago than this gets no "ended" mail: it would come out of the blue. */
const ENDED_WITHIN = `interval '7 days'`;

/**
 * Licenses that end without renewing by themselves: trials, licenses granted
 * until a date, and subscriptions the customer cancelled or that Stripe ended.
 * A subscription that renews (active, or past due and being retried, which
 * has its own mail) is left out.
 */
const ENDS_FOR_GOOD = `l.expires_at IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM purchases sp WHERE sp.license_id = l.id AND sp.kind = 'checkout' AND sp.license_type = 'subscription'
     AND sp.subscription_status IN ('active', 'past_due') AND NOT sp.cancel_at_period_end)`;

/** Trials are reminded 3 days ahead (they are short); everything else a week ahead. */
const REMIND_BEFORE = `CASE WHEN p.license_type = 'trial' THEN interval '3 days' ELSE interval '7 days' END`;

/** Who to mail about the licenses a CTE named `reminded` (its license_id column) just recorded; deleted or suspended accounts are not mailed. */
const MAIL_ROWS = `SELECT p.license_type, l.expires_at, u.email, u.first_name, pr.name AS product_name
    FROM reminded JOIN licenses l ON l.id = reminded.license_id JOIN policies p ON p.id = l.policy_id
    JOIN users u ON u.id = l.user_id JOIN products pr ON pr.id = l.product_id
   WHERE u.status = 'active'`;

interface Reminder {
  license_type: string;
  expires_at: Date;
  email: string;
  first_name: string;
  product_name: string;
}

/**
 * Mails "ends in N days" before a license ends for good, and "has ended" once
 * it has, once each per license: the reminder row and the queued mail commit
 * together, so a crash or a second process sending at the same time cannot
 * mail twice. Trials link to Buy; subscriptions to resuming them. Returns how
 * many were sent.
 */
export async function sendLicenseReminders(deps: AppDeps): Promise<number> {
  return (await sendEndingSoon(deps)) + (await sendEnded(deps));
}

async function sendEndingSoon(deps: AppDeps): Promise<number> {
  return deps.sequelize.transaction(async (transaction) => {
    const due = await deps.sequelize.query<Reminder>(
      `WITH reminded AS (
         INSERT INTO license_reminders (license_id)
         SELECT l.id FROM licenses l JOIN policies p ON p.id = l.policy_id
          WHERE l.status = 'active' AND ${ENDS_FOR_GOOD}
            AND l.expires_at > now() AND l.expires_at <= now() + ${REMIND_BEFORE}
            AND NOT EXISTS (SELECT 1 FROM license_reminders r WHERE r.license_id = l.id)
          ORDER BY l.expires_at LIMIT ${BATCH}
         ON CONFLICT DO NOTHING
         RETURNING license_id
       )
       ${MAIL_ROWS}`,
      { type: QueryTypes.SELECT, transaction },
    );
    for (const d of due) {
      const mail =
        d.license_type === 'trial'
          ? trialEndingMail(d.email, d.first_name, d.product_name, d.expires_at)
          : licenseEndingMail(d.email, d.first_name, d.product_name, d.license_type === 'subscription', d.expires_at);
      await deps.mailer.enqueue(mail, { transaction });
    }
    return due.length;
  });
}

/** Licenses that ended in the last week, unless the user has another live license of the product meanwhile. */
async function sendEnded(deps: AppDeps): Promise<number> {
  return deps.sequelize.transaction(async (transaction) => {
    const ended = await deps.sequelize.query<Reminder>(
      `WITH reminded AS (
         INSERT INTO license_reminders (license_id, ended_sent_at)
         SELECT l.id, now() FROM licenses l JOIN policies p ON p.id = l.policy_id
          WHERE l.status IN ('active', 'expired') AND ${ENDS_FOR_GOOD}
            AND l.expires_at <= now() AND l.expires_at > now() - ${ENDED_WITHIN}
            AND NOT EXISTS (SELECT 1 FROM license_reminders r WHERE r.license_id = l.id AND r.ended_sent_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM licenses o JOIN policies op ON op.id = o.policy_id
                             WHERE o.user_id = l.user_id AND o.product_id = l.product_id AND o.id <> l.id AND op.license_type <> 'trial'
                               AND o.status = 'active' AND (o.expires_at IS NULL OR o.expires_at > now()))
          ORDER BY l.expires_at LIMIT ${BATCH}
         ON CONFLICT (license_id) DO UPDATE SET ended_sent_at = now() WHERE license_reminders.ended_sent_at IS NULL
         RETURNING license_id
       )
       ${MAIL_ROWS}`,
      { type: QueryTypes.SELECT, transaction },
    );
    for (const e of ended) {
      const mail =
        e.license_type === 'trial'
          ? trialEndedMail(e.email, e.first_name, e.product_name)
          : licenseEndedMail(e.email, e.first_name, e.product_name, e.license_type === 'subscription');
      await deps.mailer.enqueue(mail, { transaction });
    }
    return ended.length;
  });
}
