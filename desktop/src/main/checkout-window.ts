import { BrowserWindow, shell } from 'electron';
import { DEEP_LINK_SCHEME } from '../core/deep-link';
import { isAllowedExternalUrl, isCheckoutUrl, isStripeUrl } from '../core/url-policy';
import { ownNavigationRule } from './security';

export interface CheckoutWindowOptions {
  url: string;
  apiUrl: string;
  parent: BrowserWindow | null;
  /** A `nextgennoise://` link the page navigated to (e.g. the success page's "back to the app"). */
  onDeepLink: (url: string) => void;
}

/**
 * The API's checkout page (Stripe's embedded Checkout needs a real https origin,
 * not file://) in its own window: sandboxed, no preload, an in-memory session
 * apart from the app's, and navigation limited to the API's checkout pages and
 * Stripe. The payment outcome is read from the API afterwards, never from here.
 */
export function openCheckoutWindow(opts: CheckoutWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 520,
    height: 760,
    parent: opts.parent ?? undefined,
    title: 'NextGen Noise checkout',
    autoHideMenuBar: true,
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      // No "persist:" prefix: card forms leave nothing on disk.
      partition: 'checkout',
      spellcheck: false,
      // Middle-click opens links in new windows in ways the window-open handler does not see.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  ownNavigationRule.add(win.webContents);
  const allowed = (url: string) => isCheckoutUrl(url, opts.apiUrl) || isStripeUrl(url);
  const guard = (event: Electron.Event, url: string) => {
    if (url.startsWith(`${DEEP_LINK_SCHEME}://`)) {
      event.preventDefault();
      opts.onDeepLink(url);
      win.close();
      return;
    }
    if (!allowed(url)) event.preventDefault();
  };
  win.webContents.on('will-navigate', guard);
  win.webContents.on('will-redirect', guard);
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Stripe's terms and privacy links open in the system browser.
    if (isAllowedExternalUrl(url, opts.apiUrl)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadURL(opts.url);
  return win;
}
