import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_ROUTES } from './api-routes';
import { DEFAULT_PRICES, type PriceDefinition } from './catalog';
import { controlRoutes, RawResponse } from './control-routes';
import { StripeApiError } from './errors';
import { expandAnswer } from './expand';
import { decodeStripeForm, type FormObject, type FormValue } from './form-encoding';
import { IdempotencyStore } from './idempotency';
import { newId } from './objects';
import { refuseUnknownParams } from './schema/accepted-params';
import { StripeState } from './state';
import { WebhookDispatcher, type DeliveryOptions } from './webhooks';

/** The API version the emulator speaks when a request names none (the stripe package always names its own). */
export const EMULATOR_API_VERSION = '2026-10-28.endive';
const MAX_BODY_BYTES = 1024 * 1024;

export interface StripeEmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where events are POSTed; can be set later with `setWebhook` (e.g. once the API has a port). */
  webhookUrl?: string;
  /** The endpoint's signing secret (`whsec_…`), shared with the API. */
  webhookSecret?: string;
  /** Accept only this secret key; by default any `sk_test_…` key is accepted. */
  apiKey?: string;
  prices?: PriceDefinition[];
  delivery?: DeliveryOptions;
  apiVersion?: string;
  /** One line per notable thing (requests, failed deliveries). Silent by default. */
  log?: (line: string) => void;
}

export interface StripeEmulator {
  /** Base URL, e.g. http://127.0.0.1:12111: the API's STRIPE_API_BASE. */
  url: string;
  port: number;
  state: StripeState;
  webhooks: WebhookDispatcher;
  setWebhook(url: string, secret?: string): void;
  close(): Promise<void>;
}

export const DEFAULT_WEBHOOK_SECRET = 'whsec_emulator_dev_secret_change_me';

/** Starts an HTTP server that answers like api.stripe.com (for the slice we use) and sends signed webhooks. */
export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const log = options.log ?? (() => {});
  let baseUrl = '';
  const state = new StripeState(options.apiVersion ?? EMULATOR_API_VERSION, () => baseUrl, options.prices ?? DEFAULT_PRICES);
  const webhooks = new WebhookDispatcher({ url: options.webhookUrl, secret: options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET }, options.delivery, log);
  const idempotency = new IdempotencyStore();
  const control = controlRoutes(webhooks);

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      log(`emulator error: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) send(res, 500, new StripeApiError(500, 'api_error', 'The emulator failed to handle this request.').toJSON());
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = newId('req', 14);
    res.setHeader('request-id', requestId);
    const rawBody = await readBody(req);

    if (url.pathname.startsWith('/v1/')) {
      const apiVersion = header(req, 'stripe-version') ?? state.apiVersion;
      res.setHeader('stripe-version', apiVersion);
      const apiKey = authenticate(req, options.apiKey);
      if (apiKey instanceof StripeApiError) return send(res, apiKey.status, apiKey.toJSON());
      const idemKey = method === 'POST' ? header(req, 'idempotency-key') : undefined;
      if (idemKey) res.setHeader('idempotency-key', idemKey);
      try {
        const replay = idemKey ? idempotency.lookup(apiKey, idemKey, method, url.pathname, rawBody) : undefined;
        if (replay) {
          res.setHeader('idempotent-replayed', 'true');
          return send(res, replay.status, replay.body);
        }
      } catch (err) {
        if (err instanceof StripeApiError) return send(res, err.status, err.toJSON());
        throw err;
      }
      const params = method === 'GET' ? decodeStripeForm(url.search.slice(1)) : decodeStripeForm(rawBody);
      const { status, body } = run(() => {
        const route = API_ROUTES.find((r) => r.method === method && r.pattern.test(url.pathname));
        if (!route) {
          throw new StripeApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
        }
        refuseUnknownParams(route.paramsType, params);
        const ids = route.pattern.exec(url.pathname)!.slice(1);
        state.request = { id: requestId, idempotencyKey: idemKey ?? null };
        return expandAnswer(state, route.handle(state, { params, ids, apiVersion }), params.expand);
      });
      if (idemKey) idempotency.remember(apiKey, idemKey, method, url.pathname, rawBody, status, body);
      log(`${method} ${url.pathname} -> ${status}`);
      send(res, status, body);
    } else {
      const { status, body } = run(() => {
        const route = control.find((r) => r.method === method && r.pattern.test(url.pathname));
        if (!route) throw new StripeApiError(404, 'invalid_request_error', `Nothing at ${method} ${url.pathname}.`);
        const ids = route.pattern.exec(url.pathname)!.slice(1);
        state.request = { id: null, idempotencyKey: null };
        const params = method === 'GET' ? decodeStripeForm(url.search.slice(1)) : parseControlBody(req, rawBody);
        return route.handle(state, { params, ids });
      });
      if (body instanceof RawResponse) {
        res.writeHead(status, { 'content-type': body.contentType, 'cache-control': 'no-store', ...body.headers });
        res.end(body.body);
      } else send(res, status, body);
    }
    // Whatever changed during this request is announced now, after the answer is written.
    webhooks.dispatch(state.takeOutbox());
  }

  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 12111, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  baseUrl = `http://${host}:${port}`;

  return {
    url: baseUrl,
    port,
    state,
    webhooks,
    setWebhook: (url, secret) => webhooks.setEndpoint(url, secret),
    close: async () => {
      webhooks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function run(fn: () => unknown): { status: number; body: unknown } {
  try {
    return { status: 200, body: fn() };
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, body: err.toJSON() };
    throw err;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Returns the key, or Stripe's 401. */
function authenticate(req: IncomingMessage, expected: string | undefined): string | StripeApiError {
  const auth = header(req, 'authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  const basic = /^Basic\s+(\S+)$/i.exec(auth)?.[1];
  const key = bearer ?? (basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined);
  if (!key) {
    return new StripeApiError(401, 'invalid_request_error', 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').');
  }
  const ok = expected ? key === expected : /^(sk|rk)_test_/.test(key);
  if (!ok) return new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}`);
  return key;
}

function parseControlBody(req: IncomingMessage, raw: string): FormObject {
  if (!raw) return {};
  if ((header(req, 'content-type') ?? '').includes('json')) {
    try {
      return jsonToForm(JSON.parse(raw)) as FormObject;
    } catch {
      throw new StripeApiError(400, 'invalid_request_error', 'Invalid JSON body.');
    }
  }
  return decodeStripeForm(raw);
}

/** Control endpoints also take JSON; their scalars are read like form values. */
function jsonToForm(value: unknown): FormValue {
  if (Array.isArray(value)) return value.map(jsonToForm);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonToForm(v)]));
  return value === null || value === undefined ? '' : String(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body, null, 2));
}
