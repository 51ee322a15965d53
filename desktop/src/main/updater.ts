import { app } from 'electron';
import electronUpdater from 'electron-updater';
import type { Settings } from '../shared/settings';
import type { UpdateStatus } from '../shared/models';
import type { Logger } from '../core/logger';
import { companionUpdateFeed } from '../core/update-feed';
import { log } from './log';

const { autoUpdater } = electronUpdater;

const CHECK_EVERY_MS = 6 * 3600_000;

/**
 * The companion's own updates: checked on start and every 6 hours, downloaded
 * in the background, installed when the app quits. The feed follows the API
 * URL and channel from the settings. Only packaged builds update themselves.
 */
export class CompanionUpdater {
  private status: UpdateStatus;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly settings: () => Settings,
    private readonly logger: Logger,
    private readonly onStatus: (status: UpdateStatus) => void,
  ) {
    this.status = {
      state: app.isPackaged ? 'idle' : 'unsupported',
      channel: settings().channel,
      current_version: app.getVersion(),
      available_version: null,
      percent: null,
      error: null,
    };
    autoUpdater.logger = log;
    autoUpdater.autoDownload = true;
    autoUpdater.autoInstallOnAppQuit = true;
    autoUpdater.on('checking-for-update', () => this.set({ state: 'checking', error: null }));
    autoUpdater.on('update-available', (info) => this.set({ state: 'available', available_version: info.version }));
    autoUpdater.on('update-not-available', () => this.set({ state: 'not_available', percent: null }));
    autoUpdater.on('download-progress', (p) => this.set({ state: 'downloading', percent: Math.round(p.percent) }));
    autoUpdater.on('update-downloaded', (info) => this.set({ state: 'downloaded', available_version: info.version, percent: 100 }));
    autoUpdater.on('error', (err) => this.set({ state: 'error', error: err.message }));
  }

  private set(patch: Partial<UpdateStatus>): void {
    this.status = { ...this.status, ...patch, channel: this.settings().channel };
    this.onStatus(this.status);
  }

  current(): UpdateStatus {
    return { ...this.status };
  }

  /** Points electron-updater at the feed of the current settings. */
  configure(): void {
    const feed = companionUpdateFeed(this.settings());
    autoUpdater.setFeedURL({ provider: 'generic', url: feed.url, channel: 'latest' });
    autoUpdater.allowPrerelease = feed.allowPrerelease;
    autoUpdater.allowDowngrade = false;
    this.set({});
  }

  async check(): Promise<UpdateStatus> {
    if (!app.isPackaged) return this.current();
    try {
      await autoUpdater.checkForUpdates();
    } catch (err) {
      this.logger.warn({ err }, 'update check failed');
    }
    return this.current();
  }

  start(): void {
    if (!app.isPackaged || this.timer) return;
    this.configure();
    void this.check();
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Quits and installs a downloaded update now (otherwise it installs on the next quit). */
  install(): void {
    if (this.status.state === 'downloaded') autoUpdater.quitAndInstall();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
