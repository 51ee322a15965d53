import { app, session, shell, type WebContents } from 'electron';
import { isAllowedExternalUrl } from '../core/url-policy';

export interface SecurityOptions {
  /** The API origin, for the external-link allow-list. */
  apiUrl: () => string;
  /** Whether a navigation target is the app itself (file:// of the renderer or the dev server). */
  isAppUrl: (url: string) => boolean;
}

/**
 * App-wide rules, applied to every web contents as it is created: no new
 * windows (links on allow-listed https hosts go to the system browser), no
 * navigation away from the app, no <webview>, no permission prompts. The
 * checkout window adds its own narrower navigation rule on top. The renderer's
 * CSP is the <meta> tag in its index.html: a file:// page has no headers.
 */
/** Web contents that enforce their own, narrower navigation rule (the checkout window). */
export const ownNavigationRule = new WeakSet<WebContents>();

export function hardenApp(opts: SecurityOptions): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url, opts.apiUrl())) void shell.openExternal(url);
      return { action: 'deny' };
    });
    const guard = (event: Electron.Event, url: string) => {
      if (!ownNavigationRule.has(contents) && !opts.isAppUrl(url)) event.preventDefault();
    };
    contents.on('will-navigate', guard);
    contents.on('will-redirect', guard);
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  const deny = (s: Electron.Session) => {
    s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    s.setPermissionCheckHandler(() => false);
  };
  deny(session.defaultSession);
  app.on('session-created', deny);
}

/** Opens a link in the system browser only when it is https on an allow-listed host. */
export async function openExternal(url: string, apiUrl: string): Promise<boolean> {
  if (!isAllowedExternalUrl(url, apiUrl)) return false;
  await shell.openExternal(url);
  return true;
}
