import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DownloadInfo, ReleaseFileName, ReleasePlatform, compareSemver, type ReleaseProduct } from '@ngn/shared';
import { CompanionError } from '../contract/errors';
import type { ChannelHandlers } from '../contract/ipc';
import type { DownloadState, InstallResult, InstalledPlugin, PluginsState } from '../contract/models';
import type { Settings } from '../contract/settings';
import type { ApiClient } from './api-client';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import { Downloader } from './downloader';
import { Emitter } from './emitter';
import { privateCopy } from './file-hash';
import type { Logger } from './logger';
import type { ReleaseTrust } from './release-trust';

export const PLUGIN_PRODUCT: ReleaseProduct = 'mixing_mentor';

const InstalledList = z.array(
  z.object({
    product: z.string(),
    version: z.string(),
    platform: ReleasePlatform,
    installed_at: z.string(),
    file: z.string(),
  }),
);

/** What a plugin download carries for verification and for renewing its link. */
const DownloadMeta = z.object({
  product: z.string(),
  version: z.string(),
  platform: ReleasePlatform,
  signature: z.string(),
  signature_kid: z.string(),
});
type DownloadMeta = z.infer<typeof DownloadMeta>;

/** Hands a verified installer to the OS; replaceable so tests and the shell can decide how. */
export type InstallerLauncher = (file: string, platform: ReleasePlatform) => Promise<InstallResult>;

export const launchInstaller: InstallerLauncher = async (file, platform) => {
  if (platform === 'linux') return { action: 'revealed', path: file };
  const [cmd, args] = platform === 'windows' ? [file, [] as string[]] : ['open', [file]];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore', windowsHide: false });
    child.once('error', (err) => reject(new CompanionError('install_failed', `The installer could not be started: ${err.message}`, { cause: err })));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
  return { action: 'launched', path: file };
};

export interface InstallerManagerOptions {
  api: ApiClient;
  settings: () => Settings;
  platform: ReleasePlatform | null;
  dataDir: string;
  logger: Logger;
  /** The pinned-root keyset that every installer's signature is checked against. */
  trust: ReleaseTrust;
  product?: ReleaseProduct;
  launcher?: InstallerLauncher;
  /** Options passed to the downloader (progress interval, retries), mostly for tests. */
  downloader?: { progressIntervalMs?: number; retries?: number; backoffMs?: number };
}

export type InstallerEvents = {
  progress: DownloadState;
  changed: PluginsState;
};

/**
 * Plugin installers: which versions exist for this OS and channel, resumable
 * verified downloads (SHA-256 and the Ed25519 release signature, checked
 * before the file gets its final name and again right before it runs), handing
 * the installer to the OS, and which versions were installed, to find updates.
 */
export class InstallerManager {
  readonly events = new Emitter<InstallerEvents>();
  private installed: InstalledPlugin[] = [];
  private latest: DownloadInfo | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly product: ReleaseProduct;
  private readonly launcher: InstallerLauncher;

  private constructor(
    private readonly opts: InstallerManagerOptions,
    readonly downloader: Downloader,
  ) {
    this.product = opts.product ?? PLUGIN_PRODUCT;
    this.launcher = opts.launcher ?? launchInstaller;
  }

  /** Where a download's file lives (its folder while unfinished), for the host's "show in folder". */
  downloadPath(id: string): string {
    const state = this.downloader.get(id);
    if (!state) throw new CompanionError('download_not_found', `There is no download ${id}.`);
    return state.status === 'completed' ? state.path : path.dirname(state.path);
  }

  /** The plugin channels but `plugins:install` (the core also records it in telemetry). */
  channels(): Pick<ChannelHandlers, Exclude<`plugins:${string}` & keyof ChannelHandlers, 'plugins:install'>> {
    return {
      'plugins:state': async () => this.state(),
      'plugins:versions': () => this.versions(),
      'plugins:download': ({ version }) => this.download(version),
      'plugins:pause': ({ download_id }) => this.pause(download_id),
      'plugins:resume': ({ download_id }) => this.resume(download_id),
      'plugins:cancel': ({ download_id }) => this.cancel(download_id),
    };
  }

  static async open(opts: InstallerManagerOptions): Promise<InstallerManager> {
    // The downloader's callbacks need the manager, which needs the downloader: declared first, assigned once below.
    // eslint-disable-next-line prefer-const
    let manager: InstallerManager | undefined;
    const downloader = await Downloader.open({
      stateDir: path.join(opts.dataDir, 'downloads'),
      ...opts.downloader,
      userAgent: 'NextGenNoiseCompanion',
      verify: (d) => manager!.verifySignature(d.sha256, DownloadMeta.parse(d.meta)),
      renewUrl: async (d) => (await manager!.findVersion(DownloadMeta.parse(d.meta).version)).download_url,
    });
    manager = new InstallerManager(opts, downloader);
    await removeFinishedRuns(manager.runDir, opts.logger);
    const stored = InstalledList.safeParse(await readJsonFile(manager.installedPath));
    if (stored.success) manager.installed = stored.data;
    downloader.events.on('progress', (state) => {
      manager.events.emit('progress', state);
      if (state.status === 'completed' || state.status === 'failed') void manager.emitChanged();
    });
    return manager;
  }

  /** Where private copies of installers are run from (the Companion's own data folder, 0700); a copy is removed a day after. */
  private get runDir(): string {
    return path.join(this.opts.dataDir, 'run');
  }

  private get installedPath(): string {
    return path.join(this.opts.dataDir, 'installed-plugins.json');
  }

  private requirePlatform(): ReleasePlatform {
    if (!this.opts.platform) throw new CompanionError('no_release_for_platform', `There is no plugin build for ${process.platform}.`);
    return this.opts.platform;
  }

  /** This platform's versions on the chosen channel, newest first (first page is plenty). */
  async versions(): Promise<DownloadInfo[]> {
    const platform = this.requirePlatform();
    const list = await this.opts.api.call('downloadVersions', { query: { product: this.product, platform, channel: this.opts.settings().channel, limit: 100 } });
    return list.versions.flatMap((v) => v.artifacts);
  }

  async findVersion(version: string): Promise<DownloadInfo> {
    const found = (await this.versions()).find((v) => v.version === version);
    if (!found) throw new CompanionError('not_found', `Version ${version} is not available for this computer.`, { status: 404 });
    return found;
  }

  /** The newest release, or null when there is none (or no license to download it). */
  async checkLatest(): Promise<DownloadInfo | null> {
    const platform = this.requirePlatform();
    try {
      this.latest = await this.opts.api.call('latestDownload', { query: { product: this.product, platform, channel: this.opts.settings().channel } });
    } catch (err) {
      if (err instanceof CompanionError && (err.status === 404 || err.code === 'license_required')) this.latest = null;
      else throw err;
    }
    await this.emitChanged();
    return this.latest;
  }

  state(): PluginsState {
    const newestInstalled = this.installed
      .filter((i) => i.product === this.product)
      .map((i) => i.version)
      .sort(compareSemver)
      .pop();
    return {
      platform: this.opts.platform,
      installed: [...this.installed],
      latest: this.latest,
      update_available: !!(this.latest && newestInstalled && compareSemver(this.latest.version, newestInstalled) > 0),
      downloads: this.downloader.list(),
    };
  }

  private async emitChanged(): Promise<void> {
    this.events.emit('changed', this.state());
  }

  /** Starts (or resumes) the download of one version; resolves at once with its first state. */
  async download(version: string): Promise<DownloadState> {
    const info = await this.findVersion(version);
    const id = `${info.product}-${info.version}-${info.platform}`;
    const meta: DownloadMeta = {
      product: info.product,
      version: info.version,
      platform: info.platform,
      signature: info.signature,
      signature_kid: info.signature_kid,
    };
    const finished = this.downloader.start({
      id,
      url: info.download_url,
      dest: this.destinationOf(info.file_name),
      total: info.file_size,
      sha256: info.checksum_sha256,
      meta,
    });
    finished.catch((err) => this.opts.logger.error({ err, id }, 'download failed'));
    return this.downloader.get(id)!;
  }

  /**
   * Where an installer goes: its name as the server gave it, checked with the
   * same rule the API applies on upload (no separators, no `..`), and the
   * resolved path must stay inside the install folder, whatever the server sends.
   */
  private destinationOf(fileName: string): string {
    const name = ReleaseFileName.safeParse(fileName);
    const folder = path.resolve(this.opts.settings().install_dir);
    const dest = name.success ? path.resolve(folder, name.data) : null;
    if (!name.success || !dest || path.dirname(dest) !== folder || name.data !== fileName) {
      throw new CompanionError('invalid_response', `The server named the installer "${fileName}", which is not a plain file name; nothing was downloaded.`);
    }
    return dest;
  }

  pause(id: string): Promise<DownloadState> {
    return this.downloader.pause(id);
  }

  async resume(id: string): Promise<DownloadState> {
    const done = this.downloader.resume(id);
    done.catch((err) => this.opts.logger.error({ err, id }, 'download failed'));
    return this.downloader.get(id)!;
  }

  async cancel(id: string): Promise<void> {
    await this.downloader.cancel(id);
    await this.emitChanged();
  }

  /** The finished installer's path, after checking it is still the verified file. */
  async verifiedFile(id: string): Promise<{ file: string; meta: DownloadMeta }> {
    const state = this.downloader.get(id);
    if (!state) throw new CompanionError('download_not_found', `There is no download ${id}.`);
    if (state.status !== 'completed') throw new CompanionError('download_failed', 'The installer has not finished downloading.');
    const meta = DownloadMeta.parse(state.meta);
    return { file: state.path, meta };
  }

  /**
   * Runs a downloaded installer. The file is hashed and its signature checked
   * again first: it sat on disk since the download, where anything could touch it.
   */
  async install(id: string): Promise<InstallResult> {
    const { file, meta } = await this.verifiedFile(id);
    const expected = this.downloader.persistedSha256(id);
    await mkdir(this.runDir, { recursive: true, mode: 0o700 });
    let copy: Awaited<ReturnType<typeof privateCopy>>;
    try {
      copy = await privateCopy(file, this.runDir);
    } catch (err) {
      throw new CompanionError('download_not_found', 'The installer is no longer on disk. Download it again.', { cause: err });
    }
    if (copy.sha256 !== expected) {
      await copy.discard();
      await this.downloader.cancel(id);
      throw new CompanionError('checksum_mismatch', 'The installer changed on disk since it was verified; it was deleted. Download it again.');
    }
    try {
      await this.verifySignature(copy.sha256, meta);
    } catch (err) {
      await copy.discard();
      await this.downloader.cancel(id);
      throw err;
    }
    const result = await this.launcher(copy.path, meta.platform);
    this.installed = [
      ...this.installed.filter((i) => !(i.product === meta.product && i.version === meta.version && i.platform === meta.platform)),
      { product: meta.product, version: meta.version, platform: meta.platform, installed_at: new Date().toISOString(), file },
    ];
    await writeFileAtomic(this.installedPath, JSON.stringify(this.installed, null, 2));
    this.opts.logger.info({ product: meta.product, version: meta.version, action: result.action }, 'installer handed to the OS');
    await this.emitChanged();
    return result;
  }

  /** Checks the Ed25519 release signature over the framed fields with a key of the root-signed keyset. */
  private async verifySignature(sha256: string, meta: DownloadMeta): Promise<void> {
    const fields = { sha256, product: meta.product, version: meta.version, platform: meta.platform };
    if (!(await this.opts.trust.verifyRelease(fields, { kid: meta.signature_kid, value: meta.signature }))) {
      throw new CompanionError('signature_invalid', 'The installer is not signed by NextGen Noise; it was deleted and will not run.');
    }
  }

  /**
   * Looks for a newer version now and every `intervalMs`; with auto-update on,
   * downloads it (installing stays the user's decision).
   */
  startUpdateChecks(intervalMs = 6 * 3600_000): void {
    if (this.timer || !this.opts.platform) return;
    const check = async () => {
      try {
        await this.checkLatest();
        const state = this.state();
        if (state.update_available && state.latest && this.opts.settings().auto_update_plugins) await this.download(state.latest.version);
      } catch (err) {
        this.opts.logger.warn({ err }, 'plugin update check failed');
      }
    };
    this.timer = setInterval(() => void check(), intervalMs);
    this.timer.unref();
    void check();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.downloader.pauseAll();
  }
}

/** An installer handed to the OS may still be running or shown in a file manager: its private copy goes a day later, at a start. */
const RUN_COPY_KEPT_MS = 24 * 3600_000;

async function removeFinishedRuns(runDir: string, logger: Logger): Promise<void> {
  const entries = await readdir(runDir, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith('run-')) continue;
    const folder = path.join(runDir, entry.name);
    const { mtimeMs } = await stat(folder);
    if (Date.now() - mtimeMs < RUN_COPY_KEPT_MS) continue;
    await rm(folder, { recursive: true, force: true });
    removed += 1;
  }
  if (removed) logger.info({ removed }, 'removed private installer copies from earlier runs');
}
