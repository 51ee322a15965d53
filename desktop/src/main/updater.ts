import { app } from 'electron';
import electronUpdater from 'electron-updater';
import type { Settings } from '../contract/settings';
import type { UpdateStatus } from '../contract/models';
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
    /** The core's decision on a downloaded update (pinned-root release signature); a refused file is already deleted. */
    private readonly verify: (file: string, info: unknown) => Promise<{ ok: true } | { ok: false; message: string }>,
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
    // Nothing installs until the core verified the downloaded file's release signature.
    autoUpdater.autoInstallOnAppQuit = false;
    autoUpdater.on('checking-for-update', () => this.set({ state: 'checking', error: null }));
    autoUpdater.on('update-available', (info) => this.set({ state: 'available', available_version: info.version }));
    autoUpdater.on('update-not-available', () => this.set({ state: 'not_available', percent: null }));
    autoUpdater.on('download-progress', (p) => this.set({ state: 'downloading', percent: Math.round(p.percent) }));
    autoUpdater.on('update-downloaded', (event) => void this.checkDownloaded(event.downloadedFile, event));
    autoUpdater.on('error', (err) => this.set({ state: 'error', error: err.message }));
  }

  private async checkDownloaded(file: string, info: { version: string }): Promise<void> {
    this.set({ state: 'downloading', percent: 100 });
    const verdict = await this.verify(file, info).catch((err: Error) => ({ ok: false as const, message: `The update could not be checked: ${err.message}` }));
    if (!verdict.ok) {
      autoUpdater.autoInstallOnAppQuit = false;
      this.logger.warn({ version: info.version }, verdict.message);
      this.set({ state: 'error', error: verdict.message, percent: null });
      return;
    }
    autoUpdater.autoInstallOnAppQuit = true;
    this.set({ state: 'downloaded', available_version: info.version, percent: 100 });
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
