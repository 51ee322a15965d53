/**
 * A tiny hash router: `#/licenses`, `#/support/<ticket id>`. Hash routes work
 * the same from Electron's file:// page and from the bridge's http page, and
 * the back/forward buttons and keyboard shortcuts keep working.
 */
import { useSyncExternalStore } from 'react';

export const APP_ROUTES = ['home', 'licenses', 'downloads', 'buy', 'support', 'settings'] as const;
export const AUTH_ROUTES = ['sign-in', 'register', 'forgot-password', 'reset-password', 'verify-email'] as const;
export type AppRoute = (typeof APP_ROUTES)[number];
export type AuthRoute = (typeof AUTH_ROUTES)[number];
export type RouteName = AppRoute | AuthRoute;

export interface Location {
  name: string;
  /** Path segments after the route name, e.g. a ticket id. */
  rest: string[];
  params: URLSearchParams;
}

function read(): Location {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = hash.split('?');
  const [name = '', ...rest] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name, rest, params: new URLSearchParams(query) };
}

let cached: { hash: string; location: Location } | null = null;
function snapshot(): Location {
  const hash = window.location.hash;
  if (!cached || cached.hash !== hash) cached = { hash, location: read() };
  return cached.location;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The location right now (an effect may run after a newer navigation than its render saw). */
export function currentLocation(): Location {
  return snapshot();
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

export function href(name: RouteName, ...rest: string[]): string {
  return `#/${[name, ...rest].map(encodeURIComponent).join('/')}`;
}

export function navigate(name: RouteName, ...rest: string[]): void {
  window.location.hash = href(name, ...rest);
}

export function isAppRoute(name: string): name is AppRoute {
  return (APP_ROUTES as readonly string[]).includes(name);
}

export function isAuthRoute(name: string): name is AuthRoute {
  return (AUTH_ROUTES as readonly string[]).includes(name);
}
