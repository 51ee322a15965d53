/**
 * The Electron main process: a thin shell around the core. It owns the
 * windows, the tray, the single-instance lock, `nextgennoise://` links, the
 * IPC handlers (generated from the channel map, each checking its sender) and
 * the companion's own updates. Every decision lives in `../core`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, shell, type IpcMainInvokeEvent } from 'electron';
import { CompanionCore } from '../core/companion-core';
import { DEEP_LINK_SCHEME, deepLinkFromArgv } from '../core/deep-link';
import { developmentReleaseRoots, pinnedReleaseRoots } from '../core/release-trust';
import { isRendererUrl } from '../core/url-policy';
import { CompanionError } from '../contract/errors';
import { EVENT_NAMES, type ChannelHandlers } from '../contract/ipc';
import { openCheckoutWindow } from './checkout-window';
import { registerIpcHandlers, sendEvent } from './ipc';
import { log, setupLogging } from './log';
import { hardenApp, openExternal } from './security';
import { CompanionTray } from './tray';
import { CompanionUpdater } from './updater';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(HERE, '../preload/index.cjs');
const RENDERER_HTML = path.join(HERE, '../renderer/index.html');
/** Set by electron-vite's dev server; absent in packaged builds. */
const DEV_RENDERER_URL = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;

const logger = setupLogging();
let core: CompanionCore | null = null;
let mainWindow: BrowserWindow | null = null;
let tray: CompanionTray | null = null;
let quitting = false;
let pendingDeepLink = deepLinkFromArgv(process.argv);

/** The renderer itself, and nothing else, counts as the app. */
const isAppUrl = (url: string) => isRendererUrl(url, { htmlFile: RENDERER_HTML, devServerUrl: DEV_RENDERER_URL });

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!mainWindow && !!frame && event.sender === mainWindow.webContents && frame === event.sender.mainFrame && isAppUrl(frame.url);
}

function handleDeepLink(url: string): void {
  if (!core) {
    pendingDeepLink = url;
    return;
  }
  core.handleDeepLink(url);
  showWindow();
}

function showWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) mainWindow = createWindow();
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1024,
    height: 720,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'NextGen Noise Companion',
    icon: path.join(app.getAppPath(), 'resources', 'icon.png'),
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      webviewTag: false,
      spellcheck: false,
      // Middle-click opens links in new windows in ways the window-open handler does not see.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  // Closing the window keeps the companion in the tray (heartbeats and downloads go on); Quit ends it.
  win.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    win.hide();
  });
  if (DEV_RENDERER_URL) void win.loadURL(DEV_RENDERER_URL);
  else void win.loadFile(RENDERER_HTML);
  return win;
}

function hostHandlers(c: CompanionCore, updater: CompanionUpdater): ChannelHandlers {
  return {
    ...c.handlers,
    'updates:status': async () => updater.current(),
    'updates:check': () => updater.check(),
    'updates:install': async () => updater.install(),
    'shell:open-external': async ({ url }) => {
      if (!(await openExternal(url, c.settings.get().api_url))) throw new CompanionError('url_not_allowed', 'The companion does not open this link.');
      return { opened: true };
    },
    'shell:open-checkout': async ({ url }) => {
      const apiUrl = await c.checkoutPages.check(url);
      openCheckoutWindow({ url, apiUrl, parent: mainWindow, onDeepLink: handleDeepLink });
      return { opened: true };
    },
    'shell:open-billing-portal': async () => {
      const url = await c.checkoutPages.billingPortal();
      openCheckoutWindow({ url, apiUrl: await c.checkoutPages.origin(), parent: mainWindow, onDeepLink: handleDeepLink });
      return { opened: true, url };
    },
    'shell:show-item': async ({ download_id }) => {
      shell.showItemInFolder(c.installer.downloadPath(download_id));
      return { opened: true };
    },
  };
}

function registerProtocol(): void {
  // In development Electron runs as `electron path/to/app`: the OS must call it the same way.
  if (process.defaultApp && process.argv[1]) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, process.execPath, [path.resolve(process.argv[1])]);
  else app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
}

async function start(): Promise<void> {
  const c = await CompanionCore.create({
    dataDir: app.getPath('userData'),
    appVersion: app.getVersion(),
    transport: 'electron',
    apiUrl: process.env.NGN_API_URL,
    installDir: path.join(app.getPath('downloads'), 'NextGen Noise'),
    logger,
    // A shipped build trusts its pinned roots only; the demo's development root is for unpackaged runs.
    releaseRoots: app.isPackaged ? pinnedReleaseRoots : developmentReleaseRoots(),
  });
  core = c;
  hardenApp({ apiUrl: () => c.settings.get().api_url, isAppUrl });

  const updater = new CompanionUpdater(
    () => c.settings.get(),
    logger,
    (status) => sendEvent(mainWindow?.webContents, 'updates:status', status),
    (file, info) => c.verifyCompanionUpdate(file, info),
  );
  registerIpcHandlers(hostHandlers(c, updater), isTrustedSender);
  c.events.onAny((event, payload) => {
    if ((EVENT_NAMES as readonly string[]).includes(event)) sendEvent(mainWindow?.webContents, event, payload as never);
  });

  mainWindow = createWindow();
  tray = new CompanionTray({
    onOpen: showWindow,
    onQuit: () => app.quit(),
  });
  c.events.on('auth:changed', (auth) => tray?.update({ auth }));
  c.events.on('activation:changed', (activation) => tray?.update({ activation }));
  c.settings.events.on('changed', () => updater.configure());
  // Crashes are logged from the first line on (setupLogging); from here they are also reported.
  log.errorHandler.setOptions({ showDialog: false, onError: ({ error }) => void c.reportCrash(error).catch(() => undefined) });

  await c.start();
  tray.update({ auth: await c.authState().catch(() => undefined), activation: await c.activation.state() });
  updater.start();
  if (pendingDeepLink) {
    c.handleDeepLink(pendingDeepLink);
    pendingDeepLink = undefined;
  }
}

if (!app.requestSingleInstanceLock()) {
  // Another companion is running: it gets our arguments (a deep link, say) through 'second-instance'.
  app.quit();
} else {
  registerProtocol();
  app.on('second-instance', (_event, argv) => {
    const link = deepLinkFromArgv(argv);
    if (link) handleDeepLink(link);
    else showWindow();
  });
  // macOS delivers links this way, possibly before 'ready'.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    handleDeepLink(url);
  });
  app.on('activate', showWindow);
  // The tray keeps the app alive with no window open.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    if (!core) return;
    // Let downloads pause cleanly and telemetry reach the disk before the process ends.
    event.preventDefault();
    void core
      .close()
      .catch((err) => logger.error({ err }, 'shutdown failed'))
      .finally(() => {
        tray?.destroy();
        app.quit();
      });
  });
  app
    .whenReady()
    .then(start)
    .catch((err) => {
      logger.error({ err }, 'the companion could not start');
      app.exit(1);
    });
}
