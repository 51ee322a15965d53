import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TelemetryEvent } from '@ngn/shared';
import { z } from 'zod';
import { CompanionError } from '../contract/errors';
import type { ChannelHandlers, CompanionEvents } from '../contract/ipc';
import { SettingsPatch } from '../contract/settings';
import type { AppInfo, AuthState, DeepLink, TelemetryStatus } from '../contract/models';
import { AccountSession } from './account-session';
import { ActivationManager } from './activation-manager';
import { verifyCompanionUpdate, type UpdateVerdict } from './companion-update-check';
import { apiChannels } from './api-channels';
import { ApiClient } from './api-client';
import { CheckoutPages } from './checkout-pages';
import type { CompanionCoreOptions } from './companion-options';
import { CredentialStore, KEYCHAIN_SERVICE } from './credential-store';
import { parseDeepLink } from './deep-link';
import { Emitter } from './emitter';
import { hardwareComponents, machineFingerprint, machineName, osLabel, releasePlatform } from './fingerprint';
import { InstallerManager } from './installer-manager';
import { consoleLogger, type Logger } from './logger';
import { SettingsStore } from './settings';
import { OfflineActivation } from './offline-activation';
import { PluginTelemetry } from './plugin-telemetry';
import { TelemetryQueue } from './telemetry-queue';
import { ReleaseTrust, pinnedReleaseRoots, type TrustRefusal } from './release-trust';
import { TokenFiles, currentTokenFileEnvironment } from './token-file';

/** Channels the host (Electron main or the bridge) implements, not the core. */
export type HostChannel = 'updates:status' | 'updates:check' | 'updates:install' | 'shell:open-external' | 'shell:open-checkout' | 'shell:open-billing-portal' | 'shell:show-item';
export type CoreHandlers = Omit<ChannelHandlers, HostChannel>;

/** Keychain account of the refresh token: one per API origin, so a dev API never sees a production session. */
const refreshAccount = (apiUrl: string) => `refresh_token:${new URL(apiUrl).origin}`;

/** The telemetry a UI may send; the core adds app_version and os. */
const TrackInput = TelemetryEvent.omit({ event_id: true, occurred_at: true, app_version: true, os: true });

/**
 * The companion in one object: every service wired together and exposed as
 * the channel handlers both transports serve, plus the events they forward.
 * Nothing here knows about Electron.
 */
export class CompanionCore {
  readonly events = new Emitter<CompanionEvents>();
  readonly handlers: CoreHandlers;
  readonly checkoutPages: CheckoutPages;
  private readonly account: AccountSession;
  private readonly startedAt = Date.now();
  private started = false;
  private pluginTelemetryTimer: NodeJS.Timeout | undefined;
  /** Events plugins spooled beside their tokens (they have no network code). */
  readonly pluginTelemetry: PluginTelemetry;

  private constructor(
    private readonly opts: CompanionCoreOptions,
    readonly logger: Logger,
    readonly settings: SettingsStore,
    readonly credentials: CredentialStore,
    readonly api: ApiClient,
    readonly tokenFiles: TokenFiles,
    readonly activation: ActivationManager,
    readonly offline: OfflineActivation,
    readonly installer: InstallerManager,
    readonly telemetry: TelemetryQueue,
    private readonly machine: { name: string; os: string },
    private readonly trust: ReleaseTrust,
  ) {
    this.checkoutPages = new CheckoutPages(api, () => settings.get().api_url);
    this.pluginTelemetry = new PluginTelemetry({
      directory: tokenFiles.directory,
      queue: telemetry,
      enabled: () => settings.get().telemetry_enabled,
      activationId: (product) => activation.activationId(product),
      os: machine.os,
      logger,
    });
    this.account = new AccountSession({
      api,
      activation,
      events: this.events,
      logger,
      onSignedIn: () => installer.startUpdateChecks(opts.pluginUpdateIntervalMs),
    });
    this.handlers = this.buildHandlers();
    this.wireEvents();
  }

  static async create(opts: CompanionCoreOptions): Promise<CompanionCore> {
    const logger = opts.logger ?? consoleLogger('info');
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const settings = await SettingsStore.open(opts.dataDir, {
      apiUrl: opts.apiUrl,
      installDir: opts.installDir ?? path.join(os.homedir(), 'Downloads', 'NextGen Noise'),
    });
    const credentials = new CredentialStore(opts.keychainService ?? KEYCHAIN_SERVICE);
    const api = new ApiClient({
      baseUrl: () => settings.get().api_url,
      ...opts.api,
      userAgent: `NextGenNoiseCompanion/${opts.appVersion} (${process.platform}; ${opts.transport})`,
      session: {
        loadRefreshToken: () => credentials.get(refreshAccount(settings.get().api_url)),
        saveRefreshToken: async (token) => {
          const account = refreshAccount(settings.get().api_url);
          if (token) await credentials.set(account, token);
          else await credentials.delete(account);
        },
      },
    });
    const tokenFiles = new TokenFiles(opts.tokenFileEnvironment ?? currentTokenFileEnvironment());
    const machine = { name: machineName(), os: osLabel() };
    const identity = { fingerprint: await machineFingerprint(), components: await hardwareComponents(), ...machine };
    const activation = await ActivationManager.open({
      api,
      credentials,
      tokenFiles,
      dataDir: opts.dataDir,
      machine: identity,
      appVersion: opts.appVersion,
      logger,
      heartbeatIntervalMs: opts.heartbeatIntervalMs,
    });
    const offline = new OfflineActivation({ api, credentials, activation, machine: identity, appVersion: opts.appVersion });
    // Telemetry is opened below; a refusal is reported through it once it exists (refusals only happen later, on use).
    let reportRefusal: (refusal: TrustRefusal) => void = () => undefined;
    const trust = new ReleaseTrust({ api, dataDir: opts.dataDir, roots: opts.releaseRoots ?? pinnedReleaseRoots, onRefused: (r) => reportRefusal(r) });
    const installer = await InstallerManager.open({
      api,
      trust,
      settings: () => settings.get(),
      platform: releasePlatform(),
      dataDir: opts.dataDir,
      logger,
      launcher: opts.launcher,
      downloader: opts.downloader,
    });
    const telemetry = await TelemetryQueue.open({
      dir: path.join(opts.dataDir, 'telemetry'),
      enabled: () => settings.get().telemetry_enabled,
      maxEvents: opts.telemetry?.maxEvents,
      batchSize: opts.telemetry?.batchSize,
      backoff: opts.telemetry?.backoff,
      // Every event carries its event_id: the server ignores the ones it already has, so a retry is safe.
      send: (events) => api.call('telemetry', { body: { events } }, { idempotent: true }),
      onError: (err) => logger.debug({ err }, 'telemetry not sent yet'),
    });
    const core = new CompanionCore(opts, logger, settings, credentials, api, tokenFiles, activation, offline, installer, telemetry, machine, trust);
    reportRefusal = (refusal) => {
      logger.warn(refusal, 'release trust refused');
      void core.track({ event_type: 'error', custom_data: { release_trust: refusal.kind, reason: refusal.reason, message: refusal.message } }).catch(() => undefined);
    };
    return core;
  }

  private wireEvents(): void {
    this.api.events.on('network', (payload) => this.events.emit('network:changed', payload));
    this.activation.events.on('changed', (state) => this.events.emit('activation:changed', state));
    this.installer.events.on('progress', (state) => this.events.emit('download:progress', state));
    this.installer.events.on('changed', (state) => this.events.emit('plugins:changed', state));
    this.settings.events.on('changed', (settings) => this.events.emit('settings:changed', settings));
  }

  /** Heartbeats, telemetry flushing and plugin update checks; a session_start event. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.activation.start();
    // Plugins' spools first, so the first flush takes them along.
    await this.collectPluginTelemetry();
    const interval = this.opts.telemetry?.flushIntervalMs ?? 60_000;
    this.pluginTelemetryTimer = setInterval(() => void this.collectPluginTelemetry(), interval);
    this.pluginTelemetryTimer.unref();
    this.telemetry.start(interval);
    if (await this.api.hasSession().catch(() => false)) this.installer.startUpdateChecks(this.opts.pluginUpdateIntervalMs);
    await this.track({ event_type: 'session_start' }).catch(() => undefined);
  }

  /** Pauses downloads (they resume next time), records session_end and closes the queue. */
  async close(): Promise<void> {
    this.api.stop();
    this.activation.stop();
    if (this.pluginTelemetryTimer) clearInterval(this.pluginTelemetryTimer);
    await this.installer.stop();
    if (this.started) {
      await this.track({ event_type: 'session_end', session_duration_secs: Math.round((Date.now() - this.startedAt) / 1000) }).catch(() => undefined);
      await this.telemetry.flush().catch(() => undefined);
    }
    await this.telemetry.close();
  }

  info(): AppInfo {
    return {
      version: this.opts.appVersion,
      platform: process.platform,
      arch: process.arch,
      release_platform: releasePlatform(),
      os: this.machine.os,
      machine_name: this.machine.name,
      transport: this.opts.transport,
      data_dir: this.opts.dataDir,
      token_dir: this.tokenFiles.directory,
    };
  }

  authState(): Promise<AuthState> {
    return this.account.state();
  }

  /** Whether a downloaded Companion update may be installed (its file is deleted otherwise); the Electron updater asks before quitAndInstall. */
  verifyCompanionUpdate(file: string, info: unknown): Promise<UpdateVerdict> {
    return verifyCompanionUpdate(this.trust, file, info, releasePlatform());
  }

  private async collectPluginTelemetry(): Promise<void> {
    await this.pluginTelemetry.collect().catch((err) => this.logger.warn({ err }, 'plugin telemetry not collected'));
  }

  /** Records a telemetry event (no-op while telemetry is off); app_version and os are added here. */
  async track(input: z.input<typeof TrackInput>): Promise<void> {
    const parsed = TrackInput.safeParse(input);
    if (!parsed.success) throw new CompanionError('validation_failed', 'This telemetry event is not valid.', { details: parsed.error.issues });
    await this.telemetry.track({ ...parsed.data, app_version: this.opts.appVersion, os: this.machine.os });
  }

  /** A crash of the host process, reported when telemetry is on. */
  async reportCrash(err: unknown): Promise<void> {
    const text = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
    // The API refuses crash reports over 16 KiB; the head of a stack is what matters.
    await this.track({ event_type: 'crash', crash_report: Buffer.from(text).subarray(0, 16_000).toString('utf8').replace(/\uFFFD$/, '') });
  }

  telemetryStatus(): TelemetryStatus {
    return { enabled: this.settings.get().telemetry_enabled, ...this.telemetry.stats() };
  }

  /** Parses a `nextgennoise://` link and tells the renderer; returns null for links it does not know. */
  handleDeepLink(url: string): DeepLink | null {
    const link = parseDeepLink(url);
    if (link) this.events.emit('deep-link', link);
    else this.logger.warn({ url: url.slice(0, 200) }, 'ignored an unknown deep link');
    return link;
  }

  private buildHandlers(): CoreHandlers {
    return {
      'app:info': async () => this.info(),

      'settings:get': async () => this.settings.get(),
      'settings:update': async (patch) => {
        const before = this.settings.get();
        const apiChange = SettingsPatch.safeParse(patch);
        if (apiChange.success && apiChange.data.api_url && apiChange.data.api_url !== before.api_url) {
          // Signed out of the old server first, while requests still go there: its tokens never reach the new one.
          await this.account.signOut();
        }
        const after = await this.settings.update(patch);
        if (before.telemetry_enabled && !after.telemetry_enabled) {
          await this.telemetry.clear();
          await this.collectPluginTelemetry(); // with telemetry off, this deletes the spools unread
        }
        // Sessions are per API: the new one may or may not have one.
        if (before.api_url !== after.api_url) await this.account.reload();
        return after;
      },

      ...this.account.handlers(),
      ...apiChannels(this.api),

      'activation:state': () => this.activation.state(),
      'activation:activate': async ({ license_key, machine_name }) => {
        const result = await this.activation.activate(license_key, machine_name);
        if (result.status === 'activated') await this.track({ event_type: 'activation' }).catch(() => undefined);
        return result;
      },
      'activation:emergency': ({ license_key }) => this.activation.emergency(license_key),
      'activation:start-trial': async ({ product }) => {
        const result = await this.activation.startTrial(product);
        await this.track({ event_type: 'activation' }).catch(() => undefined);
        return result;
      },
      'activation:deactivate': ({ activation_id }) => this.activation.deactivate(activation_id),
      ...this.offline.channels(),
      'activation:refresh': () => this.activation.heartbeat(),

      ...this.installer.channels(),
      'plugins:install': async ({ download_id }) => {
        const result = await this.installer.install(download_id);
        await this.track({ event_type: 'plugin_installed' }).catch(() => undefined);
        return result;
      },

      'telemetry:status': async () => this.telemetryStatus(),
      'telemetry:track': (event) => this.track(event),
    };
  }
}
