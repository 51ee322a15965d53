import { endpoints, ErrorBody, RefreshRequest, TokenPair, type Endpoint, type EndpointName } from '@ngn/shared';
import type { z, ZodType } from 'zod';
import { CompanionError } from '../contract/errors';
import { Emitter } from './emitter';

export const API_PREFIX = '/api/v1';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Where the refresh token lives between runs (the keychain in the app). */
export interface SessionStorage {
  loadRefreshToken(): Promise<string | null>;
  saveRefreshToken(token: string | null): Promise<void>;
}

export interface ApiClientOptions {
  /** The API origin, read on every call so a settings change applies at once. */
  baseUrl: () => string;
  session: SessionStorage;
  timeoutMs?: number;
  /** Extra attempts for idempotent calls after a network error or a 5xx. */
  retries?: number;
  /** First backoff delay; doubles on each attempt, with jitter. */
  backoffMs?: number;
  /** While offline, how often to check whether the API is back: from `initialMs`, doubling up to `maxMs`. */
  probe?: { initialMs: number; maxMs: number };
  userAgent?: string;
}

export interface RequestSpec<B extends ZodType | undefined, R extends ZodType | undefined> {
  method: Method;
  /** Path below /api/v1, e.g. `/license/list`. */
  path: string;
  /** Parsed (and transformed) before sending, so the API never sees what its own schema would refuse. */
  bodySchema?: B;
  body?: B extends ZodType ? z.input<B> : unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Checked on every 2xx answer: a contract drift is reported, not silently used. */
  response?: R;
  /** 'user' needs a session; 'none' never sends one. */
  auth: 'user' | 'none';
  /** Safe to send twice. GET/PUT/DELETE are; a POST only when the API dedupes it (e.g. by event_id). */
  idempotent?: boolean;
  timeoutMs?: number;
}

/** What calling an endpoint takes: its body, path params and query, as its schemas accept them. */
export type CallInput<E> = (E extends { body: infer B extends ZodType } ? { body: z.input<B> } : { body?: never }) &
  (E extends { params: infer P extends ZodType } ? { params: z.input<P> } : { params?: never }) &
  (E extends { query: infer Q extends ZodType } ? { query?: z.input<Q> } : { query?: never });
/** What an endpoint answers, checked by its response schema (unknown when it has none). */
export type CallOutput<E> = E extends { response: infer R extends ZodType } ? z.output<R> : unknown;
type EndpointOf<N extends EndpointName> = (typeof endpoints)[N];

export type ApiClientEvents = {
  /** The session started or ended (sign-in, sign-out, refresh token refused). */
  session: { signed_in: boolean };
  /** Whether the API could be reached on the last attempt. */
  network: { online: boolean };
};

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

/** A body or query as its schema reads it; validation_failed, with each field's path, when it does not fit. */
function parseInput(schema: ZodType, input: unknown, where: 'body' | 'query'): unknown {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new CompanionError('validation_failed', 'Some fields are missing or invalid.', {
      details: parsed.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

/**
 * The companion's HTTP client for the API: zod contracts from `shared/` on both
 * sides, the access token refreshed on 401 (one refresh in flight however many
 * calls need it), retries with exponential backoff for idempotent calls only,
 * a timeout on every request, and typed errors carrying the API's error code.
 * Once a request finds the API unreachable, the client checks `/healthz` by
 * itself until it answers, so "online again" is noticed without waiting for
 * the next call (heartbeats and the offline banner depend on it).
 */
export class ApiClient {
  readonly events = new Emitter<ApiClientEvents>();
  /** Cached with the origin that issued it: after api_url changes it is never sent to the new server. */
  private accessToken: { token: string; expiresAt: number; origin: string } | null = null;
  private refreshing: Promise<string> | null = null;
  private online = true;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly probe: { initialMs: number; maxMs: number };
  private probeTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly opts: ApiClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 300;
    this.probe = opts.probe ?? { initialMs: 5_000, maxMs: 120_000 };
  }

  /** Stops checking for the API's return (the app is closing). */
  stop(): void {
    this.stopped = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  get isOnline(): boolean {
    return this.online;
  }

  private get origin(): string {
    return new URL(this.opts.baseUrl()).origin;
  }

  get baseUrl(): string {
    return this.opts.baseUrl();
  }

  /** Absolute URL for a path below /api/v1 (or an absolute URL unchanged). */
  url(pathOrUrl: string): string {
    if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl;
    return `${this.baseUrl}${pathOrUrl.startsWith(API_PREFIX) ? '' : API_PREFIX}${pathOrUrl}`;
  }

  async hasSession(): Promise<boolean> {
    return (await this.opts.session.loadRefreshToken()) !== null;
  }

  /** Starts a session from a login or registration answer. */
  async startSession(pair: TokenPair): Promise<void> {
    await this.opts.session.saveRefreshToken(pair.refresh_token);
    this.accessToken = { token: pair.access_token, expiresAt: Date.now() + pair.expires_in * 1000, origin: this.origin };
    this.events.emit('session', { signed_in: true });
  }

  /** Forgets the session locally (the caller tells the API first when it can). */
  async endSession(): Promise<void> {
    this.accessToken = null;
    await this.opts.session.saveRefreshToken(null);
    this.events.emit('session', { signed_in: false });
  }

  /**
   * Calls an endpoint of the shared table by name: its method, path, schemas
   * and whether it needs a session all come from `endpoints`, as the API's
   * route does. The query is checked by the endpoint's schema before sending.
   */
  call<N extends EndpointName>(
    name: N,
    input: CallInput<EndpointOf<N>> = {} as CallInput<EndpointOf<N>>,
    options: Pick<RequestSpec<undefined, undefined>, 'idempotent' | 'timeoutMs'> = {},
  ): Promise<CallOutput<EndpointOf<N>>> {
    const endpoint: Endpoint = endpoints[name];
    const { body, params, query } = input as { body?: unknown; params?: Record<string, unknown>; query?: Record<string, unknown> };
    const path = endpoint.path.replace(/:(\w+)/g, (_, key: string) => encodeURIComponent(String(params?.[key] ?? '')));
    return this.request({
      method: endpoint.method.toUpperCase() as Method,
      path,
      auth: endpoint.access === 'public' ? 'none' : 'user',
      bodySchema: endpoint.body,
      body,
      query: query && endpoint.query ? (parseInput(endpoint.query, query, 'query') as Record<string, string | number | boolean | undefined>) : undefined,
      response: endpoint.response,
      ...options,
    }) as Promise<CallOutput<EndpointOf<N>>>;
  }

  async request<B extends ZodType | undefined = undefined, R extends ZodType | undefined = undefined>(
    spec: RequestSpec<B, R>,
  ): Promise<R extends ZodType ? z.output<R> : unknown> {
    let body: string | undefined;
    if (spec.bodySchema) {
      body = JSON.stringify(parseInput(spec.bodySchema, spec.body ?? {}, 'body'));
    } else if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
    }
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const res = await this.sendWithAuth(spec, body, idempotent);
    const payload = await readJson(res);
    if (!spec.response) return payload as never;
    const checked = spec.response.safeParse(payload);
    if (!checked.success) {
      throw new CompanionError('invalid_response', `The API answered ${spec.method} ${spec.path} in an unexpected shape.`, {
        details: checked.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    return checked.data as never;
  }

  /** A fresh access token, refreshing it when it is missing or about to expire. */
  async accessTokenOrRefresh(): Promise<string> {
    const cached = this.accessToken;
    if (cached && cached.origin === this.origin && cached.expiresAt - Date.now() > 30_000) return cached.token;
    return this.refresh();
  }

  /** One refresh at a time: concurrent 401s all wait for the same rotation. */
  refresh(): Promise<string> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    const origin = this.origin;
    const refreshToken = await this.opts.session.loadRefreshToken();
    if (!refreshToken) throw notSignedIn();
    // Never retried: a rotation the client did not see would make the next one look like reuse.
    const res = await this.send('POST', this.url(endpoints.refresh.path), JSON.stringify(RefreshRequest.parse({ refresh_token: refreshToken })), undefined);
    if (res.status === 401 || res.status === 403) {
      await this.endSession();
      throw notSignedIn('Your session has ended. Sign in again.');
    }
    const pair = TokenPair.parse(await readJson(res));
    await this.opts.session.saveRefreshToken(pair.refresh_token);
    this.accessToken = { token: pair.access_token, expiresAt: Date.now() + pair.expires_in * 1000, origin };
    return pair.access_token;
  }

  private async sendWithAuth(spec: RequestSpec<ZodType | undefined, ZodType | undefined>, body: string | undefined, idempotent: boolean): Promise<Response> {
    const url = new URL(this.url(spec.path));
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const attempt = async (token: string | undefined) =>
      this.withRetries(idempotent, () => this.send(spec.method, url.toString(), body, token, spec.timeoutMs));
    if (spec.auth === 'none') return attempt(undefined);
    const res = await attempt(await this.accessTokenOrRefresh());
    if (res.status !== 401) return res;
    // The access token may have expired or been revoked since we cached it: one rotation, one retry.
    this.accessToken = null;
    return attempt(await this.refresh());
  }

  private async withRetries(idempotent: boolean, send: () => Promise<Response>): Promise<Response> {
    const attempts = idempotent ? this.retries + 1 : 1;
    for (let i = 0; ; i++) {
      try {
        const res = await send();
        if (i + 1 < attempts && RETRYABLE_STATUS.has(res.status)) {
          await res.body?.cancel();
          await sleep(this.delay(i, res.headers.get('retry-after')));
          continue;
        }
        return res;
      } catch (err) {
        const retryable = err instanceof CompanionError && (err.code === 'offline' || err.code === 'timeout');
        if (!retryable || i + 1 >= attempts) throw err;
        await sleep(this.delay(i, null));
      }
    }
  }

  private delay(attempt: number, retryAfter: string | null): number {
    const fromHeader = retryAfter ? Number(retryAfter) * 1000 : NaN;
    if (Number.isFinite(fromHeader)) return Math.min(fromHeader, 30_000);
    const base = this.backoffMs * 2 ** attempt;
    return base / 2 + Math.random() * (base / 2);
  }

  /** One HTTP exchange; non-2xx answers become CompanionErrors except 401 and retryable 5xx, which callers handle. */
  private async send(method: Method, url: string, body: string | undefined, token: string | undefined, timeoutMs?: number): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    if (this.opts.userAgent) headers['user-agent'] = this.opts.userAgent;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs ?? this.timeoutMs) });
    } catch (err) {
      this.setOnline(false);
      if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw new CompanionError('timeout', 'The NextGen Noise server took too long to answer. Check your connection and try again.', { cause: err });
      }
      throw new CompanionError('offline', 'The NextGen Noise server cannot be reached. Check your internet connection.', { cause: err });
    }
    this.setOnline(true);
    if (res.ok || res.status === 401 || RETRYABLE_STATUS.has(res.status)) return res;
    throw await errorFrom(res);
  }

  private setOnline(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    if (online && this.probeTimer) {
      clearTimeout(this.probeTimer);
      this.probeTimer = null;
    }
    if (!online) this.scheduleProbe(this.probe.initialMs);
    this.events.emit('network', { online });
  }

  /** Any HTTP answer from `/healthz` means the API is reachable again; a network error waits twice as long. */
  private scheduleProbe(delayMs: number): void {
    if (this.stopped || this.probeTimer) return;
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = null;
      if (this.online || this.stopped) return;
      try {
        await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(this.timeoutMs) });
        this.setOnline(true);
      } catch {
        this.scheduleProbe(Math.min(delayMs * 2, this.probe.maxMs));
      }
    }, delayMs);
    this.probeTimer.unref();
  }
}

/**
 * Turns a non-2xx answer into a typed error carrying the API's code. Fields an
 * error body carries besides error/message (e.g. the machines listed with
 * `max_activations_reached`) travel as its details.
 */
export async function errorFrom(res: Response): Promise<CompanionError> {
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: a proxy or a crash page
  }
  const parsed = ErrorBody.safeParse(json);
  if (parsed.success) {
    const { error: _code, message: _message, details, ...rest } = json as Record<string, unknown>;
    return new CompanionError(parsed.data.error, parsed.data.message, {
      status: res.status,
      details: details ?? (Object.keys(rest).length ? rest : undefined),
    });
  }
  return new CompanionError(res.status >= 500 ? 'service_unavailable' : 'invalid_response', `The server answered ${res.status} ${res.statusText}.`, { status: res.status });
}

async function readJson(res: Response): Promise<unknown> {
  if (!res.ok) throw await errorFrom(res);
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CompanionError('invalid_response', 'The server answered with something that is not JSON.', { status: res.status });
  }
}

function notSignedIn(message = 'Sign in to continue.'): CompanionError {
  return new CompanionError('not_signed_in', message, { status: 401 });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
