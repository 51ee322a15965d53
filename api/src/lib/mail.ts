import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Jobs, SendOptions } from './jobs';
import type { Logger } from './logger';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Short template name, used in file names and logs. */
  tag: string;
}

const JOB = 'mail.send';

/**
 * Sends mail through SMTP when SMTP_URL is set; otherwise writes each message as
 * an .eml file under DATA_DIR/mail, so a fresh machine can read its own mail.
 * Callers never send directly: `enqueue` goes through the durable job queue.
 */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    private readonly deps: { smtpUrl?: string; from: string; mailDir: string; logger: Logger; jobs: Jobs },
  ) {
    this.transport = deps.smtpUrl
      ? nodemailer.createTransport(deps.smtpUrl)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    deps.jobs.define<MailMessage>(JOB, (message) => this.deliver(message));
  }

  enqueue(message: MailMessage, options?: SendOptions): Promise<string | null> {
    return this.deps.jobs.send(JOB, message, options);
  }

  /** Drops queued and archived mails to this address (account erasure). */
  forgetMailsTo(address: string, { transaction }: Pick<SendOptions, 'transaction'> = {}): Promise<void> {
    return this.deps.jobs.forget(JOB, { to: address }, transaction);
  }

  async deliver(message: MailMessage): Promise<void> {
    const info = await this.transport.sendMail({
      from: this.deps.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    if (this.deps.smtpUrl) {
      this.deps.logger.info({ to: message.to, tag: message.tag, messageId: info.messageId }, 'mail sent');
      return;
    }
    const file = path.join(this.deps.mailDir, mailFileName(message));
    await mkdir(this.deps.mailDir, { recursive: true });
    // Write then rename, so a reader never sees half a message.
    await writeFile(`${file}.tmp`, (info as unknown as { message: Buffer }).message);
    await rename(`${file}.tmp`, file);
    this.deps.logger.info({ to: message.to, tag: message.tag, file }, 'mail written to file (no SMTP_URL set)');
  }
}

function mailFileName(m: MailMessage): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const to = m.to.replace(/[^a-zA-Z0-9@._-]/g, '_');
  return `${stamp}-${m.tag}-${to}-${Math.random().toString(36).slice(2, 8)}.eml`;
}

/** Minimal HTML escaping for values placed into mail templates. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const ACCOUNT_MAIL_FOOTER = 'NextGen Noise · You get this mail because of an action on your account.';

/** The one HTML frame of every mail we send, whatever module writes the text. */
export function htmlLayout(title: string, paragraphs: string[], code?: { label: string; value: string; link: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  const codeBlock = code
    ? `<p>${escapeHtml(code.label)}</p><p><a href="${escapeHtml(code.link)}" style="font-weight:bold">${escapeHtml(code.link)}</a></p><p><code style="font-size:14px">${escapeHtml(code.value)}</code></p>`
    : '';
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto"><h2>${escapeHtml(title)}</h2>${body}${codeBlock}<hr><small>${escapeHtml(ACCOUNT_MAIL_FOOTER)}</small></body></html>`;
}
