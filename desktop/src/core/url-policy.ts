/**
 * Which URLs the companion may open. The renderer never opens anything itself:
 * it asks, and these rules decide, the same in Electron and in the bridge.
 */
import { pathToFileURL } from 'node:url';

/** Hosts (and their subdomains) the system browser may be sent to. */
export const EXTERNAL_HOSTS = ['nextgennoise.com', 'stripe.com'];

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

const isLoopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/**
 * https on an allow-listed host or on the API's own host; when the API itself
 * is local (development, tests), any page on this machine too, such as the
 * local Stripe emulator's receipts.
 */
export function isAllowedExternalUrl(url: string, apiUrl: string): boolean {
  const u = parse(url);
  const api = parse(apiUrl);
  if (!u || u.username || u.password) return false;
  if (api && u.origin === api.origin && (u.protocol === 'https:' || isLoopback(u.hostname))) return true;
  if (api && isLoopback(api.hostname) && isLoopback(u.hostname) && (u.protocol === 'http:' || u.protocol === 'https:')) return true;
  if (u.protocol !== 'https:') return false;
  return EXTERNAL_HOSTS.some((h) => u.hostname === h || u.hostname.endsWith(`.${h}`));
}

/**
 * Whether a page is the companion's own renderer, the only page that may use
 * IPC or stay in the main window: its exact file:// document in a packaged
 * app (not a sibling file), or the dev server's origin while developing.
 */
export function isRendererUrl(url: string, renderer: { htmlFile: string; devServerUrl?: string }): boolean {
  const u = parse(url);
  if (!u) return false;
  if (renderer.devServerUrl) return u.origin === parse(renderer.devServerUrl)?.origin;
  return u.protocol === 'file:' && !u.host && decodeURIComponent(u.pathname) === decodeURIComponent(pathToFileURL(renderer.htmlFile).pathname);
}

/** The API's own checkout pages, opened in the separate sandboxed checkout window. */
export function isCheckoutUrl(url: string, apiUrl: string): boolean {
  const u = parse(url);
  const api = parse(apiUrl);
  if (!u || !api || u.origin !== api.origin || u.username || u.password) return false;
  if (u.protocol !== 'https:' && !isLoopback(u.hostname)) return false;
  return u.pathname === '/checkout' || u.pathname.startsWith('/checkout/');
}

/** Stripe's own origins that the embedded checkout loads inside the checkout window. */
export function isStripeUrl(url: string): boolean {
  const u = parse(url);
  return !!u && u.protocol === 'https:' && (u.hostname === 'stripe.com' || u.hostname.endsWith('.stripe.com') || u.hostname === 'stripe.network' || u.hostname.endsWith('.stripe.network'));
}

/**
 * Stripe's billing portal, opened in the checkout window: on Stripe's own
 * origin, or on a local Stripe emulator when the API itself is local (a
 * development or test setup, never a remote API's choice of host).
 */
export function isBillingPortalUrl(url: string, apiUrl: string): boolean {
  const u = parse(url);
  const api = parse(apiUrl);
  if (!u || u.username || u.password) return false;
  if (isStripeUrl(url)) return true;
  return !!api && isLoopback(api.hostname) && isLoopback(u.hostname) && (u.protocol === 'http:' || u.protocol === 'https:');
}
