import { app, session, shell, type WebContents } from 'electron';
import { isAllowedExternalUrl } from '../core/url-policy';

/** The renderer's CSP; the same policy is in its index.html for file:// loads, where no header exists. */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

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
 * checkout window adds its own narrower navigation rule on top.
 */
export function hardenApp(opts: SecurityOptions): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url, opts.apiUrl())) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!opts.isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!opts.isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  const deny = (s: Electron.Session) => {
    s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    s.setPermissionCheckHandler(() => false);
  };
  deny(session.defaultSession);
  app.on('session-created', deny);

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (opts.isAppUrl(details.url)) headers['Content-Security-Policy'] = [RENDERER_CSP];
    callback({ responseHeaders: headers });
  });
}

/** Opens a link in the system browser only when it is https on an allow-listed host. */
export async function openExternal(url: string, apiUrl: string): Promise<boolean> {
  if (!isAllowedExternalUrl(url, apiUrl)) return false;
  await shell.openExternal(url);
  return true;
}
