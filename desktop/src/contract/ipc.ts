/**
 * The companion's one typed surface, shared by every side: the Electron main
 * process registers a handler per channel (checking the sender), the preload
 * exposes exactly these channels as `window.companion`, the WebSocket bridge
 * serves the same map to a browser, and the renderer calls it without knowing
 * which transport is underneath.
 *
 * A channel has a zod schema for its request (checked where it is handled, so
 * a compromised renderer cannot send anything else) and a response type.
 * Events are pushed from the core to the renderer.
 */
import {
  ChangePasswordRequest,
  CheckoutSessionId,
  CreateCheckoutRequest,
  CreateTicketRequest,
  DeleteAccountRequest,
  UpdateProfileRequest,
  ForgotPasswordRequest,
  ResetPasswordRequest,
  TicketMessageRequest,
  VerifyEmailRequest,
  type CheckoutSessionState,
  type CreateCheckoutResponse,
  type Plan,
  type PurchaseHistory,
  type TicketDetail,
  type TicketMessage,
  LicenseKeyInput,
  ProductId,
  LoginRequest,
  RegisterRequest,
  TelemetryEventType,
  type LicenseStatus,
  type LicenseSummary,
  type TicketSummary,
  type DownloadInfo,
} from '@ngn/shared';
import { z } from 'zod';
import { CompanionError, serializeError, type SerializedError } from './errors';
import type {
  ActivateResult,
  ActivationState,
  AppInfo,
  AuthState,
  DeepLink,
  DownloadState,
  InstallResult,
  PluginsState,
  TelemetryStatus,
  UpdateStatus,
} from './models';
import { SettingsPatch, type Settings } from './settings';

/** A file the user carries between computers: small JSON. */
const CarriedText = z.string().min(2).max(64 * 1024);
export interface CarriedFile {
  file_name: string;
  text: string;
}

/** A channel: its request schema and, as a type only, its response. */
interface ChannelDef<S extends z.ZodType, R> {
  request: S;
  /** Never set at run time: carries the response type. */
  response?: R;
}

const channel = <S extends z.ZodType>(request: S) => ({ returns: <R>(): ChannelDef<S, R> => ({ request }) });

const None = z.strictObject({}).optional();
const DownloadId = z.strictObject({ download_id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._-]+$/) });
const HttpsUrl = z.url({ protocol: /^https?$/ }).max(4000);

export const channels = {
  // the app
  'app:info': channel(None).returns<AppInfo>(),

  // settings
  'settings:get': channel(None).returns<Settings>(),
  'settings:update': channel(SettingsPatch).returns<Settings>(),

  // account (the session lives in the keychain)
  'auth:state': channel(None).returns<AuthState>(),
  'auth:login': channel(LoginRequest).returns<AuthState>(),
  /** Creates the account and signs in (the API mails a verification link). */
  'auth:register': channel(RegisterRequest).returns<AuthState>(),
  /** Signs out and wipes the refresh token from the keychain; this machine's activations stay. */
  'auth:logout': channel(None).returns<AuthState>(),
  'auth:forgot-password': channel(ForgotPasswordRequest).returns<void>(),
  'auth:resend-verification': channel(None).returns<void>(),
  'auth:verify-email': channel(VerifyEmailRequest).returns<AuthState>(),
  'auth:reset-password': channel(ResetPasswordRequest).returns<void>(),
  'auth:change-password': channel(ChangePasswordRequest).returns<void>(),

  // the account (GDPR)
  'account:export': channel(None).returns<unknown>(),
  /** My name, and what I am mailed beyond my account's business (newsletter, new versions). */
  'account:update-profile': channel(UpdateProfileRequest).returns<AuthState>(),
  'account:delete': channel(DeleteAccountRequest).returns<AuthState>(),

  // buying
  'purchase:plans': channel(None).returns<Plan[]>(),
  'purchase:create-checkout': channel(CreateCheckoutRequest).returns<CreateCheckoutResponse>(),
  'purchase:session': channel(z.strictObject({ session_id: CheckoutSessionId })).returns<CheckoutSessionState>(),
  /** My payments, newest first, a page at a time. */
  'purchase:history': channel(z.strictObject({ cursor: z.string().min(1).max(512).optional() })).returns<PurchaseHistory>(),

  // licenses and machines
  'licenses:list': channel(None).returns<LicenseSummary[]>(),
  /** One license with its machines (for freeing a seat from another machine). */
  'licenses:status': channel(z.strictObject({ license_key: LicenseKeyInput })).returns<LicenseStatus>(),
  'activation:state': channel(None).returns<ActivationState>(),
  /** Activates this machine; when every seat is taken, answers the machines to choose from. */
  'activation:activate': channel(
    z.strictObject({ license_key: LicenseKeyInput, machine_name: z.string().trim().min(1).max(100).optional() }),
  ).returns<ActivateResult>(),
  /** Every seat is held by machines the user cannot reach: this one for 7 days beyond the seats (once per 90 days). */
  'activation:emergency': channel(z.strictObject({ license_key: LicenseKeyInput })).returns<ActivateResult>(),
  /** Starts the account's 14-day trial of a product, activated on this machine. */
  'activation:start-trial': channel(z.strictObject({ product: ProductId })).returns<ActivateResult>(),
  // activation by file, for computers that never go online (docs/licensing.md, "Offline machines")
  /** Offline: a signed activation request (.ngnreq) for the user to carry to an online device. */
  'offline:create-request': channel(z.strictObject({ license_key: LicenseKeyInput, product: ProductId.default('mixing_mentor') })).returns<CarriedFile>(),
  /** Offline: loads the response (.ngnresp) and writes the token as an online activation does. */
  'offline:load-response': channel(z.strictObject({ text: CarriedText })).returns<ActivationState>(),
  /** Online: answers another computer's request with its response file. */
  'offline:answer-request': channel(z.strictObject({ text: CarriedText })).returns<CarriedFile>(),
  /** Offline: releases this machine's seat into a signed deactivation receipt (.ngnreceipt). */
  'offline:write-receipt': channel(z.strictObject({ product: ProductId })).returns<CarriedFile>(),
  /** Online: frees an offline computer's seat with its receipt. */
  'offline:submit-receipt': channel(z.strictObject({ text: CarriedText })).returns<{ activation_id: string }>(),
  /** Frees a seat: this machine's (its token file is removed) or any other machine of the user's. */
  'activation:deactivate': channel(z.strictObject({ activation_id: z.uuid() })).returns<ActivationState>(),
  /** Refreshes every token of this machine now (also runs on start and every few hours). */
  'activation:refresh': channel(None).returns<ActivationState>(),

  // plugin installers
  'plugins:state': channel(None).returns<PluginsState>(),
  /** Versions for this machine's platform on the chosen channel, newest first. */
  'plugins:versions': channel(None).returns<DownloadInfo[]>(),
  /** Starts or resumes a download; progress arrives as `download:progress` events. */
  'plugins:download': channel(z.strictObject({ version: z.string().min(1).max(64) })).returns<DownloadState>(),
  'plugins:pause': channel(DownloadId).returns<DownloadState>(),
  'plugins:resume': channel(DownloadId).returns<DownloadState>(),
  'plugins:cancel': channel(DownloadId).returns<void>(),
  /** Hands a verified installer to the OS (Windows .exe, macOS .pkg) or shows it (Linux). */
  'plugins:install': channel(DownloadId).returns<InstallResult>(),

  // support
  'support:create-ticket': channel(CreateTicketRequest).returns<{ id: string; status: string; created_at: string }>(),
  'support:list-tickets': channel(None).returns<TicketSummary[]>(),
  'support:get-ticket': channel(z.strictObject({ id: z.uuid() })).returns<TicketDetail>(),
  'support:reply': channel(TicketMessageRequest.extend({ id: z.uuid() })).returns<TicketMessage>(),

  // telemetry (also gated by settings.telemetry_enabled)
  'telemetry:status': channel(None).returns<TelemetryStatus>(),
  'telemetry:track': channel(
    z.strictObject({
      event_type: TelemetryEventType,
      features_used: z.array(z.string().max(64)).max(100).optional(),
      session_duration_secs: z.number().int().min(0).optional(),
      custom_data: z.record(z.string().max(64), z.unknown()).optional(),
    }),
  ).returns<void>(),

  // the companion's own updates (Electron only; the bridge answers `unsupported`)
  'updates:status': channel(None).returns<UpdateStatus>(),
  'updates:check': channel(None).returns<UpdateStatus>(),
  /** Quits and installs a downloaded update. */
  'updates:install': channel(None).returns<void>(),

  // the host shell
  /** Opens an https link on an allow-listed host in the system browser. */
  'shell:open-external': channel(z.strictObject({ url: HttpsUrl })).returns<{ opened: boolean }>(),
  /** Opens the API's checkout page for a session in a separate sandboxed window. */
  'shell:open-checkout': channel(z.strictObject({ url: HttpsUrl })).returns<{ opened: boolean }>(),
  /** Opens Stripe's billing portal for my subscription in the checkout window (a new tab in the browser bridge). */
  'shell:open-billing-portal': channel(None).returns<{ opened: boolean; url: string }>(),
  /** Shows a downloaded installer in the file manager. */
  'shell:show-item': channel(DownloadId).returns<{ opened: boolean }>(),
} as const;

/** Pushed from the core to the renderer. */
export interface CompanionEvents {
  'auth:changed': AuthState;
  'activation:changed': ActivationState;
  'download:progress': DownloadState;
  'plugins:changed': PluginsState;
  'settings:changed': Settings;
  'network:changed': { online: boolean };
  'updates:status': UpdateStatus;
  'deep-link': DeepLink;
}

export const EVENT_NAMES = [
  'auth:changed',
  'activation:changed',
  'download:progress',
  'plugins:changed',
  'settings:changed',
  'network:changed',
  'updates:status',
  'deep-link',
] as const satisfies ReadonlyArray<keyof CompanionEvents>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type EventName = keyof CompanionEvents;
export type RequestOf<C extends ChannelName> = z.input<Channels[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<Channels[C]['request']>;
export type ResponseOf<C extends ChannelName> = Channels[C] extends ChannelDef<z.ZodType, infer R> ? R : never;

export const CHANNEL_NAMES = Object.keys(channels) as ChannelName[];

export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/** Electron IPC channel names: `ngn:<channel>` for invokes, `ngn-event:<event>` for pushed events. */
export const ipcInvokeName = (channel: ChannelName) => `ngn:${channel}`;
export const ipcEventName = (event: EventName) => `ngn-event:${event}`;

/** What travels back over either transport: errors as data, since Electron keeps only an error's message. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** Requests with no fields may be called without an argument. */
type Args<C extends ChannelName> = undefined extends RequestOf<C> ? [request?: RequestOf<C>] : [request: RequestOf<C>];

/** `window.companion`, the same over Electron IPC and over the bridge. */
export interface CompanionApi {
  readonly transport: 'electron' | 'bridge';
  /**
   * Rejects with `{ code, message, status?, details? }`: a CompanionError over the
   * bridge, a plain object of that shape from the Electron preload (Electron keeps
   * no custom fields on errors crossing the context bridge). `getCompanion()` in the
   * renderer turns both into CompanionError.
   */
  invoke<C extends ChannelName>(channel: C, ...args: Args<C>): Promise<ResponseOf<C>>;
  /** Returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: CompanionEvents[E]) => void): () => void;
}

/** One function per channel: what the core (plus the host for shell/updates) implements. */
type HandlerArgs<C extends ChannelName> = undefined extends ParsedRequestOf<C> ? [request?: ParsedRequestOf<C>] : [request: ParsedRequestOf<C>];
export type ChannelHandlers = { [C in ChannelName]: (...args: HandlerArgs<C>) => Promise<ResponseOf<C>> };

/**
 * Parses a request with its channel's schema and calls the handler; every
 * failure becomes an error envelope. Both transports dispatch through this.
 */
export async function dispatch(handlers: ChannelHandlers, name: unknown, request: unknown): Promise<Envelope<unknown>> {
  try {
    if (!isChannelName(name)) throw new CompanionError('invalid_request', `Unknown channel ${String(name)}.`);
    const parsed = channels[name].request.safeParse(request);
    if (!parsed.success) {
      throw new CompanionError('validation_failed', 'Some fields are missing or invalid.', {
        details: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      });
    }
    const handler = handlers[name] as (req: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
