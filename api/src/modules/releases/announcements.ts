import { QueryTypes } from 'sequelize';
import type { AppDeps } from '../../context';
import { escapeHtml, type MailMessage } from '../../lib/mail';

export const ANNOUNCE_JOB = 'releases.announce';
const BATCH = 500;

const footer = 'NextGen Noise · You get this mail because you asked for news of new versions. Turn it off in the Companion under Settings.';

function newVersionMail(to: string, firstName: string, productName: string, version: string, notes: string | null): MailMessage {
  const lead = `${productName} ${version} is out. Update it from the Companion's Downloads page (nextgennoise://downloads).`;
  const parts = notes ? [lead, `What's new:\n${notes}`] : [lead];
  return {
    tag: 'new-version',
    to,
    subject: `${productName} ${version} is out`,
    text: `Hi ${firstName},\n\n${parts.join('\n\n')}\n\n${footer}\n`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto"><h2>${escapeHtml(`${productName} ${version}`)}</h2>${parts
      .map((p) => `<p style="white-space:pre-line">${escapeHtml(p)}</p>`)
      .join('')}<hr><small>${escapeHtml(footer)}</small></body></html>`,
  };
}

/**
 * Mails a new plugin version to the users who asked for it (Settings → "new
 * versions") and hold a live license of the product: once per user and
 * version, whichever platforms the version is published for, since the row
 * that records the mail commits with it. Runs as a job queued with the
 * publication, in batches; a job run twice sends nothing twice.
 */
export async function announceRelease(deps: AppDeps, releaseId: string): Promise<number> {
  let sent = 0;
  for (;;) {
    const batch = await deps.sequelize.transaction(async (transaction) => {
      const rows = await deps.sequelize.query<{ email: string; first_name: string; product_name: string; version: string; release_notes: string | null }>(
        `WITH release AS (
           SELECT r.product, r.version, r.release_notes FROM releases r
            WHERE r.id = :id AND r.channel = 'stable' AND r.yanked_at IS NULL AND r.product <> 'companion'
         ), told AS (
           INSERT INTO release_announcements (product, version, user_id)
           SELECT DISTINCT release.product, release.version, u.id
             FROM release JOIN licenses l ON l.product_id = release.product JOIN users u ON u.id = l.user_id
            WHERE u.update_mails AND u.status = 'active' AND l.status = 'active' AND (l.expires_at IS NULL OR l.expires_at > now())
              AND NOT EXISTS (SELECT 1 FROM release_announcements a WHERE a.product = release.product AND a.version = release.version AND a.user_id = u.id)
            LIMIT ${BATCH}
           ON CONFLICT DO NOTHING
           RETURNING user_id
         )
         SELECT u.email, u.first_name, pr.name AS product_name, release.version, release.release_notes
           FROM told JOIN users u ON u.id = told.user_id CROSS JOIN release JOIN products pr ON pr.id = release.product`,
        { replacements: { id: releaseId }, type: QueryTypes.SELECT, transaction },
      );
      for (const r of rows) await deps.mailer.enqueue(newVersionMail(r.email, r.first_name, r.product_name, r.version, r.release_notes), { transaction });
      return rows.length;
    });
    sent += batch;
    if (batch < BATCH) return sent;
  }
}
