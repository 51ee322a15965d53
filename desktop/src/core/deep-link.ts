import type { DeepLink } from '../shared/models';

export const DEEP_LINK_SCHEME = 'nextgennoise';

/** Routes the companion understands; anything else is ignored rather than guessed at. */
const ROUTES = new Set(['checkout/success', 'checkout/cancel', 'activate', 'open']);

/**
 * Parses `nextgennoise://checkout/success?session_id=...`. Returns null for any
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
  const route = `${u.hostname}${u.pathname}`.replace(/^\/+|\/+$/g, '').toLowerCase();
  if (!ROUTES.has(route)) return null;
  const params: Record<string, string> = {};
  for (const [k, v] of u.searchParams) if (/^[a-z_]{1,32}$/.test(k) && v.length <= 500) params[k] = v;
  return { url, route, params };
}

/** The deep link among a second instance's (or the first launch's) command-line arguments. */
export function deepLinkFromArgv(argv: readonly string[]): string | undefined {
  return argv.find((a) => a.startsWith(`${DEEP_LINK_SCHEME}://`));
}
