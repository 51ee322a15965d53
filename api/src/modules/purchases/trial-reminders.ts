import { QueryTypes } from 'sequelize';
import type { AppDeps } from '../../context';
import { trialEndingMail } from './mails';

export const TRIAL_REMINDER_JOB = 'purchases.trial-reminders';
/** Hourly, so a trial is reminded about three days (give or take an hour) before it ends. */
export const TRIAL_REMINDER_CRON = '23 * * * *';
const REMIND_BEFORE = `interval '3 days'`;
const BATCH = 500;

/**
 * Mails "your trial ends in 3 days" once per trial license: the reminder row
 * and the queued mail commit together, so a crash or a second process sending
 * at the same time cannot mail twice. Returns how many were sent.
 */
export async function sendTrialReminders(deps: AppDeps): Promise<number> {
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
