import { ACCOUNT_MAIL_FOOTER, htmlLayout, type MailMessage } from '../../lib/mail';

export function verificationMail(to: string, firstName: string, token: string, appLink: string): MailMessage {
  const link = `${appLink}verify-email?token=${encodeURIComponent(token)}`;
  return {
    tag: 'verify-email',
    to,
    subject: 'Welcome to NextGen Noise: confirm your email',
    text: `Hi ${firstName},\n\nWelcome to NextGen Noise. Confirm your email address by opening this link in the Companion:\n\n${link}\n\nor paste this code into it:\n\nverification token: ${token}\n\nThe code is valid for 48 hours.\n\n${ACCOUNT_MAIL_FOOTER}\n`,
    html: htmlLayout(`Welcome, ${firstName}`, ['Confirm your email address to finish setting up your account.'], {
      label: 'Open in the Companion, or paste the code below (valid for 48 hours):',
      value: token,
      link,
    }),
  };
}

/** After the email is confirmed: what to do first, with the Companion's links. */
export function welcomeMail(to: string, firstName: string, appLink: string): MailMessage {
  const steps = [
    `1. Try Mixing Mentor free for 14 days: Home → Start 14-day trial (${appLink}home), or buy a license (${appLink}buy).`,
    `2. Download the plugin from the Downloads page (${appLink}downloads) and open it in your DAW.`,
    '3. Your studio computer is offline? Licenses → Offline computers activates it with two small files.',
  ];
  return {
    tag: 'welcome',
    to,
    subject: 'Your NextGen Noise account is ready',
    text: `Hi ${firstName},\n\nYour email is confirmed and your account is ready. Three first steps:\n\n${steps.join('\n')}\n\nQuestions? Support in the Companion (${appLink}support) answers within a day.\n\n${ACCOUNT_MAIL_FOOTER}\n`,
    html: htmlLayout(`Welcome, ${firstName}`, ['Your email is confirmed and your account is ready. Three first steps:', ...steps]),
  };
}

export function resetMail(to: string, firstName: string, token: string, appLink: string): MailMessage {
  const link = `${appLink}reset-password?token=${encodeURIComponent(token)}`;
  return {
    tag: 'reset-password',
    to,
    subject: 'Reset your NextGen Noise password',
    text: `Hi ${firstName},\n\nSomeone (hopefully you) asked to reset your password. Open this link in the Companion:\n\n${link}\n\nor use this code:\n\nreset token: ${token}\n\nIt works once and expires in 1 hour. If it was not you, ignore this mail: your password stays as it is.\n\n${ACCOUNT_MAIL_FOOTER}\n`,
    html: htmlLayout('Reset your password', ['Someone (hopefully you) asked to reset your password.', 'If it was not you, ignore this mail.'], {
      label: 'Open in the Companion, or use the code below. It works once and expires in 1 hour:',
      value: token,
      link,
    }),
  };
}
