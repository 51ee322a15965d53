import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ChangePasswordRequest,
  CheckoutSessionState,
  PurchaseHistory,
  CreateCheckoutRequest,
  CreateCheckoutResponse,
  DeleteAccountRequest,
  PlanList,
  ResetPasswordRequest,
  TicketDetail,
  TicketMessage,
  TicketMessageRequest,
  VerifyEmailRequest,
  CreateTicketResponse,
  ForgotPasswordRequest,
  LicenseList,
  LicenseStatus,
  LicenseStatusQuery,
  LoginRequest,
  MessageResponse,
  RegisterRequest,
  TelemetryEvent,
  TelemetryRequest,
  TelemetryResponse,
  TicketListResponse,
  TokenPair,
  UserProfile,
  UpdateProfileRequest,
  CreateTicketRequest,
  type TokenFileEnvironment,
  type RootPublicJwk,
} from '@ngn/shared';
import { z } from 'zod';
import { CompanionError } from '../contract/errors';
import type { ChannelHandlers, CompanionEvents } from '../contract/ipc';
import { SettingsPatch } from '../contract/settings';
import type { AppInfo, AuthState, DeepLink, TelemetryStatus, Transport } from '../contract/models';
import { ActivationManager } from './activation-manager';
import { verifyCompanionUpdate, type UpdateVerdict } from './companion-update-check';
import { ApiClient } from './api-client';
import { CheckoutPages } from './checkout-pages';
import { CredentialStore, KEYCHAIN_SERVICE } from './credential-store';
import { parseDeepLink } from './deep-link';
import { Emitter } from './emitter';
import { hardwareComponents, machineFingerprint, machineName, osLabel, releasePlatform } from './fingerprint';
import { InstallerManager, type InstallerLauncher } from './installer-manager';
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

export interface CompanionCoreOptions {
  /** The app's private data folder (settings, queue, downloads state). */
  dataDir: string;
  appVersion: string;
  transport: Transport;
  /** Default API origin until the user changes it in settings. */
  apiUrl?: string;
  /** Where installers go by default. */
  installDir?: string;
  keychainService?: string;
  /** Where token files go (tests point it at a temp folder). */
  tokenFileEnvironment?: TokenFileEnvironment;
  logger?: Logger;
  launcher?: InstallerLauncher;
  heartbeatIntervalMs?: number;
  /** How often to look for a newer plugin (default 6 h). */
  pluginUpdateIntervalMs?: number;
  telemetry?: { maxEvents?: number; batchSize?: number; flushIntervalMs?: number; backoff?: { initialMs: number; maxMs: number } };
  downloader?: { progressIntervalMs?: number; retries?: number; backoffMs?: number };
  api?: { timeoutMs?: number; retries?: number; backoffMs?: number; probe?: { initialMs: number; maxMs: number } };
  /** Root keys a release keyset must be signed by; the build's pinned roots unless a development shell names its own. */
  releaseRoots?: readonly RootPublicJwk[];
}

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
  private user: UserProfile | null = null;
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
      send: async (events) =>
        api.request({
          method: 'POST',
          path: '/analytics/telemetry',
          auth: 'user',
          bodySchema: TelemetryRequest,
          body: { events },
          response: TelemetryResponse,
          // Every event carries its event_id: the server ignores the ones it already has.
          idempotent: true,
        }),
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
    this.api.events.on('session', ({ signed_in }) => {
      // Sign-in announces itself once the profile is loaded; an ending session (sign-out, refused refresh) at once.
      if (signed_in) return;
      this.user = null;
      this.events.emit('auth:changed', { signed_in: false, user: null, online: this.api.isOnline });
    });
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

  async authState(): Promise<AuthState> {
    const signedIn = await this.api.hasSession();
    if (signedIn && !this.user) {
      try {
        this.user = await this.api.request({ method: 'GET', path: '/user/profile', auth: 'user', response: UserProfile });
      } catch (err) {
        // Offline: still signed in, the profile comes later. A refused session ended it (not_signed_in).
        if (!(err instanceof CompanionError) || !['offline', 'timeout', 'not_signed_in'].includes(err.code)) throw err;
      }
    }
    return { signed_in: await this.api.hasSession(), user: this.user, online: this.api.isOnline };
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

  /** Where a finished download lives, for the host's "show in folder". */
  downloadPath(id: string): string {
    const state = this.installer.downloader.get(id);
    if (!state) throw new CompanionError('download_not_found', `There is no download ${id}.`);
    return state.status === 'completed' ? state.path : path.dirname(state.path);
  }

  private async signIn(pair: TokenPair): Promise<AuthState> {
    await this.api.startSession(pair);
    this.user = null;
    const state = await this.authState();
    this.events.emit('auth:changed', state);
    this.installer.startUpdateChecks(this.opts.pluginUpdateIntervalMs);
    return state;
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
          await this.handlers['auth:logout']();
        }
        const after = await this.settings.update(patch);
        if (before.telemetry_enabled && !after.telemetry_enabled) {
          await this.telemetry.clear();
          await this.collectPluginTelemetry(); // with telemetry off, this deletes the spools unread
        }
        if (before.api_url !== after.api_url) {
          // Sessions are per API: the new one may or may not have one.
          this.user = null;
          this.events.emit('auth:changed', await this.authState());
        }
        return after;
      },

      'auth:state': () => this.authState(),
      'auth:login': async (body) => {
        const pair = await this.api.request({ method: 'POST', path: '/auth/login', auth: 'none', bodySchema: LoginRequest, body, response: TokenPair });
        return this.signIn(pair);
      },
      'auth:register': async (body) => {
        await this.api.request({ method: 'POST', path: '/auth/register', auth: 'none', bodySchema: RegisterRequest, body, response: UserProfile });
        const pair = await this.api.request({
          method: 'POST',
          path: '/auth/login',
          auth: 'none',
          bodySchema: LoginRequest,
          body: { email: body.email, password: body.password },
          response: TokenPair,
        });
        return this.signIn(pair);
      },
      'auth:logout': async () => {
        // This machine stops being the user's: its seats are freed (when online) and every secret goes.
        if (await this.api.hasSession()) {
          await this.activation.releaseAll();
          try {
            await this.api.request({ method: 'POST', path: '/auth/logout', auth: 'user', response: MessageResponse });
          } catch (err) {
            this.logger.warn({ err }, 'the server could not be told about the sign-out');
          }
        }
        await this.api.endSession();
        return this.authState();
      },
      'auth:forgot-password': async (body) => {
        await this.api.request({ method: 'POST', path: '/auth/forgot-password', auth: 'none', bodySchema: ForgotPasswordRequest, body, response: MessageResponse });
      },
      'auth:resend-verification': async () => {
        await this.api.request({ method: 'POST', path: '/auth/resend-verification', auth: 'user', response: MessageResponse });
      },
      'auth:verify-email': async (body) => {
        await this.api.request({ method: 'POST', path: '/auth/verify-email', auth: 'none', bodySchema: VerifyEmailRequest, body, response: MessageResponse });
        // The cached profile still says "unverified": load it again.
        this.user = null;
        const state = await this.authState();
        this.events.emit('auth:changed', state);
        return state;
      },
      'auth:reset-password': async (body) => {
        await this.api.request({ method: 'POST', path: '/auth/reset-password', auth: 'none', bodySchema: ResetPasswordRequest, body, response: MessageResponse });
      },
      'auth:change-password': async (body) => {
        await this.api.request({ method: 'PUT', path: '/user/password', auth: 'user', bodySchema: ChangePasswordRequest, body, response: MessageResponse });
      },

      'account:update-profile': async (body) => {
        this.user = await this.api.request({ method: 'PUT', path: '/user/profile', auth: 'user', bodySchema: UpdateProfileRequest, body, response: UserProfile });
        const state = await this.authState();
        this.events.emit('auth:changed', state);
        return state;
      },
      'account:export': async () => this.api.request({ method: 'GET', path: '/user/export', auth: 'user' }),
      'account:delete': async (body) => {
        await this.api.request({ method: 'DELETE', path: '/user/account', auth: 'user', bodySchema: DeleteAccountRequest, body, response: MessageResponse });
        // The server already freed the seats; this forgets the tokens and token files here.
        await this.activation.releaseAll();
        await this.api.endSession();
        this.user = null;
        const state = await this.authState();
        this.events.emit('auth:changed', state);
        return state;
      },

      'purchase:plans': async () => (await this.api.request({ method: 'GET', path: '/purchase/plans', auth: 'none', response: PlanList })).plans,
      'purchase:create-checkout': async (body) =>
        this.api.request({ method: 'POST', path: '/purchase/create-checkout', auth: 'user', bodySchema: CreateCheckoutRequest, body, response: CreateCheckoutResponse }),
      'purchase:session': async ({ session_id }) =>
        this.api.request({ method: 'GET', path: `/purchase/session/${encodeURIComponent(session_id)}`, auth: 'user', response: CheckoutSessionState }),
      'purchase:history': async ({ cursor }) =>
        this.api.request({ method: 'GET', path: '/purchase/history', auth: 'user', query: { limit: 20, ...(cursor ? { cursor } : {}) }, response: PurchaseHistory }),

      'licenses:list': async () => (await this.api.request({ method: 'GET', path: '/license/list', auth: 'user', query: { limit: 100 }, response: LicenseList })).licenses,
      'licenses:status': async ({ license_key }) => {
        const query = LicenseStatusQuery.parse({ license_key });
        return this.api.request({ method: 'GET', path: '/license/status', auth: 'user', query, response: LicenseStatus });
      },
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
      'offline:create-request': ({ license_key, product }) => this.offline.createRequest(license_key, product),
      'offline:load-response': ({ text }) => this.offline.loadResponse(text),
      'offline:answer-request': ({ text }) => this.offline.answerRequest(text),
      'offline:write-receipt': ({ product }) => this.offline.writeReceipt(product),
      'offline:submit-receipt': ({ text }) => this.offline.submitReceipt(text),
      'activation:refresh': () => this.activation.heartbeat(),

      'plugins:state': async () => this.installer.state(),
      'plugins:versions': () => this.installer.versions(),
      'plugins:download': ({ version }) => this.installer.download(version),
      'plugins:pause': ({ download_id }) => this.installer.pause(download_id),
      'plugins:resume': ({ download_id }) => this.installer.resume(download_id),
      'plugins:cancel': ({ download_id }) => this.installer.cancel(download_id),
      'plugins:install': async ({ download_id }) => {
        const result = await this.installer.install(download_id);
        await this.track({ event_type: 'plugin_installed' }).catch(() => undefined);
        return result;
      },

      'support:create-ticket': async (body) =>
        this.api.request({ method: 'POST', path: '/support/ticket', auth: 'user', bodySchema: CreateTicketRequest, body, response: CreateTicketResponse }),
      'support:list-tickets': async () =>
        (await this.api.request({ method: 'GET', path: '/support/tickets', auth: 'user', query: { limit: 100 }, response: TicketListResponse })).tickets,
      'support:get-ticket': async ({ id }) =>
        this.api.request({ method: 'GET', path: `/support/tickets/${encodeURIComponent(id)}`, auth: 'user', response: TicketDetail }),
      'support:reply': async ({ id, message }) =>
        this.api.request({
          method: 'POST',
          path: `/support/tickets/${encodeURIComponent(id)}/messages`,
          auth: 'user',
          bodySchema: TicketMessageRequest,
          body: { message },
          response: TicketMessage,
        }),

      'telemetry:status': async () => this.telemetryStatus(),
      'telemetry:track': (event) => this.track(event),
    };
  }
}
