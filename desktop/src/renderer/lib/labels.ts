/** Words for the API's identifiers, so every screen names things the same way. */
import type { LicenseState, LicenseType, TicketCategory, TicketStatus, TokenVerdictCode } from '@ngn/shared';
import { titleCase } from './format';

const PRODUCTS: Record<string, string> = { mixing_mentor: 'Mixing Mentor', companion: 'NextGen Noise Companion' };

export function productName(product: string): string {
  return PRODUCTS[product] ?? titleCase(product);
}

/** "Mixing Mentor Standard". */
export function licenseLabel(l: { product: string; policy: string }): string {
  return `${productName(l.product)} ${titleCase(l.policy)}`;
}

export const LICENSE_TYPE_TEXT: Record<LicenseType, string> = {
  perpetual: 'Perpetual',
  subscription: 'Subscription',
  trial: 'Trial',
  nfr: 'Not for resale',
};

export const LICENSE_STATE: Record<LicenseState, { text: string; tone: 'success' | 'warning' | 'danger' | 'neutral' }> = {
  active: { text: 'Active', tone: 'success' },
  suspended: { text: 'Suspended', tone: 'warning' },
  revoked: { text: 'Revoked', tone: 'danger' },
  expired: { text: 'Expired', tone: 'neutral' },
};

export const TICKET_STATUS: Record<TicketStatus, { text: string; tone: 'info' | 'warning' | 'success' | 'neutral' }> = {
  open: { text: 'Open', tone: 'info' },
  pending: { text: 'Awaiting your reply', tone: 'warning' },
  resolved: { text: 'Resolved', tone: 'success' },
  closed: { text: 'Closed', tone: 'neutral' },
};

export const TICKET_CATEGORIES: { value: TicketCategory; label: string }[] = [
  { value: 'activation', label: 'Activation and licenses' },
  { value: 'bug', label: 'Something is not working' },
  { value: 'billing', label: 'Billing and payments' },
  { value: 'feature_request', label: 'Feature request' },
  { value: 'other', label: 'Something else' },
];

/** What the plugin would conclude from this machine's token right now. */
export function verdictText(code: TokenVerdictCode): { text: string; tone: 'success' | 'warning' | 'danger' } {
  switch (code) {
    case 'VALID':
      return { text: 'Plugin authorised', tone: 'success' };
    case 'GRACE_EXPIRED':
      return { text: 'Offline grace ran out', tone: 'warning' };
    case 'EXPIRED':
      return { text: 'License expired', tone: 'danger' };
    case 'CLOCK_TAMPERED':
      return { text: "This computer's clock is behind", tone: 'danger' };
    default:
      return { text: titleCase(code.toLowerCase()), tone: 'danger' };
  }
}
