import { QueryTypes } from 'sequelize';
import type { AppDeps } from '../../context';
import { trialEndedMail, trialEndingMail } from './mails';

export const TRIAL_REMINDER_JOB = 'purchases.trial-reminders';
/** Hourly, so a trial is reminded about three days (give or take an hour) before it ends. */
export const TRIAL_REMINDER_CRON = '23 * * * *';
const REMIND_BEFORE = `interval '3 days'`;
const BATCH = 500;

/** A trial that ended longer ago than this gets no "trial ended" mail: it would come out of the blue. */
const ENDED_WITHIN = `interval '7 days'`;

/**
 * Mails "your trial ends in 3 days", and "your trial has ended" once it has,
 * once each per trial license: the reminder row and the queued mail commit
 * together, so a crash or a second process sending at the same time cannot
 * mail twice. Both link to Buy. Returns how many were sent.
 */
export async function sendTrialReminders(deps: AppDeps): Promise<number> {
  return (await sendEndingSoon(deps)) + (await sendEnded(deps));
}

async function sendEndingSoon(deps: AppDeps): Promise<number> {
  return deps.sequelize.transaction(async (transaction) => {
    const due = await deps.sequelize.query<{ license_id: string; expires_at: Date; email: string; first_name: string; product_name: string }>(
      `WITH due AS (
         INSERT INTO trial_reminders (license_id)
         SELECT l.id FROM licenses l JOIN policies p ON p.id = l.policy_id
          WHERE p.license_type = 'trial' AND l.status = 'active'
            AND l.expires_at > now() AND l.expires_at <= now() + ${REMIND_BEFORE}
            AND NOT EXISTS (SELECT 1 FROM trial_reminders r WHERE r.license_id = l.id)
          ORDER BY l.expires_at LIMIT ${BATCH}
         ON CONFLICT DO NOTHING
         RETURNING license_id
       )
       SELECT due.license_id, l.expires_at, u.email, u.first_name, pr.name AS product_name
         FROM due JOIN licenses l ON l.id = due.license_id JOIN users u ON u.id = l.user_id JOIN products pr ON pr.id = l.product_id
        WHERE u.status = 'active'`,
      { type: QueryTypes.SELECT, transaction },
    );
    for (const d of due) {
      await deps.mailer.enqueue(trialEndingMail(d.email, d.first_name, d.product_name, d.expires_at), { transaction });
    }
    return due.length;
  });
}

/** Trials that ended in the last week, unless the user has bought the product meanwhile. */
async function sendEnded(deps: AppDeps): Promise<number> {
  return deps.sequelize.transaction(async (transaction) => {
    const ended = await deps.sequelize.query<{ email: string; first_name: string; product_name: string; product_id: string }>(
      `WITH ended AS (
         INSERT INTO trial_reminders (license_id, ended_sent_at)
         SELECT l.id, now() FROM licenses l JOIN policies p ON p.id = l.policy_id
          WHERE p.license_type = 'trial' AND l.status IN ('active', 'expired')
            AND l.expires_at <= now() AND l.expires_at > now() - ${ENDED_WITHIN}
            AND NOT EXISTS (SELECT 1 FROM trial_reminders r WHERE r.license_id = l.id AND r.ended_sent_at IS NOT NULL)
            AND NOT EXISTS (SELECT 1 FROM licenses o JOIN policies op ON op.id = o.policy_id
                             WHERE o.user_id = l.user_id AND o.product_id = l.product_id AND op.license_type <> 'trial' AND o.status = 'active')
          ORDER BY l.expires_at LIMIT ${BATCH}
         ON CONFLICT (license_id) DO UPDATE SET ended_sent_at = now() WHERE trial_reminders.ended_sent_at IS NULL
         RETURNING license_id
       )
       SELECT u.email, u.first_name, pr.name AS product_name, pr.id AS product_id
         FROM ended JOIN licenses l ON l.id = ended.license_id JOIN users u ON u.id = l.user_id JOIN products pr ON pr.id = l.product_id
        WHERE u.status = 'active'`,
      { type: QueryTypes.SELECT, transaction },
    );
    for (const e of ended) await deps.mailer.enqueue(trialEndedMail(e.email, e.first_name, e.product_name), { transaction });
    return ended.length;
  });
}
