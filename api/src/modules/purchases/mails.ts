import { escapeHtml, type MailMessage } from '../../lib/mail';

const footer = 'NextGen Noise · You get this mail because of a purchase on your account.';
/** Deep links the Companion registers. */
const APP = 'nextgennoise://';

function layout(title: string, paragraphs: string[], highlight?: { label: string; value: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('');
  const box = highlight
    ? `<p>${escapeHtml(highlight.label)}</p><p><code style="font-size:18px;letter-spacing:1px">${escapeHtml(highlight.value)}</code></p>`
    : '';
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto"><h2>${escapeHtml(title)}</h2>${box}${body}<hr><small>${escapeHtml(footer)}</small></body></html>`;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export interface LicenseMailInput {
  to: string;
  firstName: string;
  planName: string;
  licenseKey: string;
  expiresAt: Date | null;
}

export function licenseKeyMail(m: LicenseMailInput): MailMessage {
  const renews = m.expiresAt ? `Your subscription is paid through ${day(m.expiresAt)} and renews automatically.` : 'This license never expires.';
  const steps = [
    `1. Install the NextGen Noise Companion and sign in as ${m.to}.`,
    '2. Open Licenses and choose "Activate this machine" (or paste the key).',
    `3. Download the plugin from the Companion's Downloads page: ${APP}downloads`,
  ];
  return {
    tag: 'license-key',
    to: m.to,
    subject: `Your ${m.planName} license key`,
    text: `Hi ${m.firstName},\n\nThank you for buying ${m.planName}.\n\nlicense key: ${m.licenseKey}\n\n${renews}\n\nHow to activate:\n${steps.join('\n')}\n\nKeep this mail: the key also appears in the Companion under Licenses.\n\n${footer}\n`,
    html: layout(`Thank you for buying ${m.planName}`, [renews, ...steps, 'Keep this mail: the key also appears in the Companion under Licenses.'], {
      label: 'Your license key:',
      value: m.licenseKey,
    }),
  };
}

export function paymentFailedMail(to: string, firstName: string, planName: string, reason: string): MailMessage {
  const text = `Your payment for ${planName} did not go through (${reason}). You were not charged. You can try again with another card from the Companion's Buy page.`;
  return {
    tag: 'payment-failed',
    to,
    subject: `Your payment for ${planName} did not go through`,
    text: `Hi ${firstName},\n\n${text}\n\n${footer}\n`,
    html: layout('Payment not completed', [text]),
  };
}

export function licenseRevokedMail(to: string, firstName: string, planName: string, licenseKey: string, why: 'refunded' | 'disputed'): MailMessage {
  const reason =
    why === 'refunded'
      ? `Your payment for ${planName} was refunded, so license ${licenseKey} has been revoked and its machines deactivated.`
      : `The payment for ${planName} was reversed by your bank (chargeback), so license ${licenseKey} has been revoked and its machines deactivated.`;
  return {
    tag: 'license-revoked',
    to,
    subject: `Your ${planName} license was revoked`,
    text: `Hi ${firstName},\n\n${reason}\n\nIf you think this is a mistake, reply to this mail or open a ticket in the Companion.\n\n${footer}\n`,
    html: layout('License revoked', [reason, 'If you think this is a mistake, reply to this mail or open a ticket in the Companion.']),
  };
}

export function renewalFailedMail(to: string, firstName: string, planName: string, graceUntil: Date): MailMessage {
  const text = `We could not renew your ${planName} subscription: the card was declined. Your license keeps working until ${day(graceUntil)} while we retry. Update your card from the Companion (Settings → Billing) to keep it running.`;
  return {
    tag: 'renewal-failed',
    to,
    subject: `Action needed: your ${planName} renewal failed`,
    text: `Hi ${firstName},\n\n${text}\n\n${footer}\n`,
    html: layout('Renewal failed', [text]),
  };
}

export function trialEndedMail(to: string, firstName: string, productName: string): MailMessage {
  const text = `Your ${productName} trial has ended, so the plugin is silent now. Buy a license in the Companion (${APP}buy): your sessions and settings are waiting as you left them.`;
  return {
    tag: 'trial-ended',
    to,
    subject: `Your ${productName} trial has ended`,
    text: `Hi ${firstName},\n\n${text}\n\n${footer}\n`,
    html: layout('Your trial has ended', [text]),
  };
}

export function trialEndingMail(to: string, firstName: string, productName: string, endsAt: Date): MailMessage {
  const daysLeft = Math.max(1, Math.ceil((endsAt.getTime() - Date.now()) / 86_400_000));
  const text = `Your ${productName} trial ends on ${day(endsAt)} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'}). Buy a license in the Companion (${APP}buy) to keep mixing without interruption.`;
  return {
    tag: 'trial-ending',
    to,
    subject: `Your ${productName} trial ends in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`,
    text: `Hi ${firstName},\n\n${text}\n\n${footer}\n`,
    html: layout('Your trial ends soon', [text]),
  };
}

/** Before a license or a cancelled subscription ends for good (never one that renews by itself). */
export function licenseEndingMail(to: string, firstName: string, productName: string, subscription: boolean, endsAt: Date): MailMessage {
  const daysLeft = Math.max(1, Math.ceil((endsAt.getTime() - Date.now()) / 86_400_000));
  const what = subscription ? `${productName} subscription` : `${productName} license`;
  const next = subscription
    ? `You cancelled it, so it will not renew. To keep it, resume it in the Companion: Licenses → Purchases → Manage subscription (${APP}licenses).`
    : `To keep using the plugin after that, buy a license in the Companion (${APP}buy).`;
  const text = `Your ${what} ends on ${day(endsAt)} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'}). ${next}`;
  return {
    tag: 'license-ending',
    to,
    subject: `Your ${what} ends in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`,
    text: `Hi ${firstName},\n\n${text}\n\n${footer}\n`,
    html: layout(`Your ${what} ends soon`, [text]),
  };
}

export function licenseEndedMail(to: string, firstName: string, productName: string, subscription: boolean): MailMessage {
  const what = subscription ? `${productName} subscription` : `${productName} license`;
  const text = `Your ${what} has ended, so the plugin is silent now. Subscribe or buy again in the Companion (${APP}buy): your sessions and settings are waiting as you left them.`;
  return {
    tag: 'license-ended',
    to,
    subject: `Your ${what} has ended`,
    text: `Hi ${firstName},\n\n${text}\n\n${footer}\n`,
    html: layout(`Your ${what} has ended`, [text]),
  };
}

export interface ReceiptMailInput {
  to: string;
  firstName: string;
  planName: string;
  amount: number;
  currency: string;
  paidAt: Date;
  renewal: boolean;
  receiptUrl: string | null;
}

const money = (minor: number, currency: string) => new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(minor / 100);

/** One per payment: the first one and every renewal. */
export function paymentReceiptMail(m: ReceiptMailInput): MailMessage {
  const paid = `We received ${money(m.amount, m.currency)} on ${day(m.paidAt)} for ${m.planName}${m.renewal ? ' (renewal)' : ''}.`;
  const receipt = m.receiptUrl ? `Stripe's receipt: ${m.receiptUrl}` : 'Your receipt is in the Companion under Licenses → Purchases.';
  const text = [paid, receipt, `Every payment is listed in the Companion under Licenses → Purchases (${APP}licenses).`];
  return {
    tag: 'payment-receipt',
    to: m.to,
    subject: `Receipt: ${m.planName}, ${money(m.amount, m.currency)}`,
    text: `Hi ${m.firstName},\n\n${text.join('\n\n')}\n\n${footer}\n`,
    html: layout('Thank you for your payment', text),
  };
}
