import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Audience, MailchimpError, subscriberHash, type Member } from './members';

export const DEFAULT_AUDIENCE_ID = 'ngn-audience';
export const DEFAULT_MAILCHIMP_KEY = 'emulator0000000000000000000000-us0';

export interface MailchimpEmulatorOptions {
  port?: number;
  host?: string;
  /** The API key clients must send (HTTP Basic, any user name), as Mailchimp checks it. */
  apiKey?: string;
  audienceId?: string;
  /** Where the audience's webhooks go (our API's /newsletter/mailchimp-webhook/<secret>). */
  webhookUrl?: string;
  log?: (line: string) => void;
}

export interface MailchimpEmulator {
  url: string;
  audience: Audience;
  /** Answers every API call with 503, as during an outage, until called with false. */
  setDown(down: boolean): void;
  setWebhook(url: string): void;
  /** What a member does with the unsubscribe link of a campaign: unsubscribed, and the webhook sent. */
  unsubscribe(email: string): Promise<void>;
  close(): Promise<void>;
}

const MEMBER = /^\/3\.0\/lists\/([^/]+)\/members\/([0-9a-f]{32})$/;
const TAGS = /^\/3\.0\/lists\/([^/]+)\/members\/([0-9a-f]{32})\/tags$/;
const DELETE_PERMANENT = /^\/3\.0\/lists\/([^/]+)\/members\/([0-9a-f]{32})\/actions\/delete-permanent$/;

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const problem = body instanceof MailchimpError;
  res.writeHead(status, { 'content-type': problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new MailchimpError(400, 'JSON Parse Exception', 'We encountered an unspecified JSON parsing error.');
}

/** HTTP Basic with any user name and the API key as the password, as Mailchimp takes it. */
function authorized(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === apiKey;
}

/**
 * A local stand-in for Mailchimp's Marketing API (the slice the API uses: one
 * audience's members, their tags, permanent deletion), with Mailchimp's JSON
 * and problem-details errors, and its webhooks (form-encoded, as Mailchimp
 * posts them). The official `@mailchimp/mailchimp_marketing` client talks to
 * it unchanged. See docs/email.md.
 */
export async function startMailchimpEmulator(options: MailchimpEmulatorOptions = {}): Promise<MailchimpEmulator> {
  const apiKey = options.apiKey ?? DEFAULT_MAILCHIMP_KEY;
  const audience = new Audience(options.audienceId ?? DEFAULT_AUDIENCE_ID);
  const log = options.log ?? (() => undefined);
  let webhookUrl = options.webhookUrl;
  let down = false;

  const api = async (req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void> => {
    if (down) throw new MailchimpError(503, 'Service Unavailable', 'Mailchimp is temporarily unavailable. Try again shortly.');
    if (!authorized(req, apiKey)) {
      throw new MailchimpError(401, 'API Key Invalid', "Your API key may be invalid, or you've attempted to access the wrong datacenter.");
    }
    if (method === 'GET' && path === '/3.0/ping') return send(res, 200, { health_status: "Everything's Chimpy!" });
    const match = MEMBER.exec(path) ?? TAGS.exec(path) ?? DELETE_PERMANENT.exec(path);
    if (!match || match[1] !== audience.id) throw new MailchimpError(404, 'Resource Not Found', 'The requested resource could not be found.');
    const hash = match[2]!;
    if (MEMBER.test(path) && method === 'GET') return send(res, 200, audience.get(hash));
    if (MEMBER.test(path) && method === 'PUT') return send(res, 200, audience.upsert(hash, await readJson(req)));
    if (TAGS.test(path) && method === 'POST') {
      audience.setTags(hash, await readJson(req));
      return send(res, 204);
    }
    if (DELETE_PERMANENT.test(path) && method === 'POST') {
      audience.deletePermanent(hash);
      return send(res, 204);
    }
    throw new MailchimpError(405, 'Method Not Allowed', `The requested method and resource are not compatible. See the Allow header for this resource's available methods.`);
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void> => {
    if (method === 'GET' && path === '/_emulator/members') return send(res, 200, { members: [...audience.members.values()], forgotten: [...audience.forgotten] });
    if (method === 'POST' && path === '/_emulator/down') {
      down = (await readJson(req)).down !== false;
      return send(res, 200, { down });
    }
    if (method === 'POST' && path === '/_emulator/unsubscribe') {
      const email = String((await readJson(req)).email ?? '');
      await emulator.unsubscribe(email);
      return send(res, 200, audience.get(subscriberHash(email)));
    }
    throw new MailchimpError(404, 'Resource Not Found', `Nothing at ${method} ${path}.`);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const handler = path.startsWith('/_emulator/') ? control : api;
    handler(req, res, path, method)
      .then(() => log(`${method} ${path} -> ${res.statusCode}`))
      .catch((err: unknown) => {
        if (err instanceof MailchimpError) {
          log(`${method} ${path} -> ${err.status}`);
          return send(res, err.status, err);
        }
        log(`${method} ${path} -> 500 ${String(err)}`);
        send(res, 500, new MailchimpError(500, 'Internal Server Error', 'An unexpected internal error has occurred.'));
      });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const emulator: MailchimpEmulator = {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    audience,
    setDown(value) {
      down = value;
    },
    setWebhook(url) {
      webhookUrl = url;
    },
    async unsubscribe(email) {
      const member: Member = audience.get(subscriberHash(email));
      member.status = 'unsubscribed';
      if (!webhookUrl) return;
      // Mailchimp posts its webhooks form-encoded, with the member under data[...].
      const form = new URLSearchParams({
        type: 'unsubscribe',
        fired_at: new Date().toISOString().slice(0, 19).replace('T', ' '),
        'data[action]': 'unsub',
        'data[reason]': 'manual',
        'data[id]': member.id,
        'data[email]': member.email_address,
        'data[email_type]': 'html',
        'data[list_id]': audience.id,
      });
      const res = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      log(`webhook unsubscribe ${member.email_address} -> ${res.status}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return emulator;
}
