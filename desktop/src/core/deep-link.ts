import type { DeepLink } from '../contract/models';

export const DEEP_LINK_SCHEME = 'nextgennoise';

/**
 * First path segments the companion understands (its screens, the checkout
 * outcome, the links in mails); anything else is ignored rather than guessed at.
 */
const ROUTES = new Set([
  'open',
  'home',
  'licenses',
  'downloads',
  'buy',
  'support',
  'settings',
  'activate',
  'checkout',
  'sign-in',
  'register',
  'forgot-password',
  'reset-password',
  'verify-email',
]);
const SEGMENT = /^[a-z0-9_-]{1,64}$/i;

/**
 * Parses `nextgennoise://checkout/success?session_id=...` or `nextgennoise://support/tickets/<id>`. Returns null for any
 * other scheme or route: a link is a hint to show a screen, never a command
 * (the outcome of a checkout is always read from the API).
 */
export function parseDeepLink(url: string): DeepLink | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${DEEP_LINK_SCHEME}:`) return null;
  // nextgennoise://checkout/success puts "checkout" in the host; nextgennoise:/checkout/success does not.
  // A bare nextgennoise:// just brings the app forward.
  const route = `${u.hostname}${u.pathname}`.replace(/^\/+|\/+$/g, '').toLowerCase() || 'open';
  const segments = route.split('/');
  if (segments.length > 4 || !segments.every((s) => SEGMENT.test(s)) || !ROUTES.has(segments[0]!)) return null;
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) if (/^[a-z_]{1,32}$/.test(k) && v.length <= 500) params[k] = v;
  return { url, route, params };
}

/** The deep link among a second instance's (or the first launch's) command-line arguments. */
export function deepLinkFromArgv(argv: readonly string[]): string | undefined {
  return argv.find((a) => a.startsWith(`${DEEP_LINK_SCHEME}://`));
}
