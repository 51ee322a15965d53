import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { CompanionCore } from '../core/companion-core';
import type { CompanionCoreOptions } from '../core/companion-options';
import { consoleLogger, type Logger } from '../core/logger';
import { isAllowedExternalUrl } from '../core/url-policy';
import { CompanionError } from '../contract/errors';
import { dispatch, EVENT_NAMES, type ChannelHandlers } from '../contract/ipc';
import type { UpdateStatus } from '../contract/models';
import { BRIDGE_COOKIE, BRIDGE_SESSION_PATH, BRIDGE_TOKEN_HEADER, BRIDGE_WS_PATH, type BridgeClientMessage, type BridgeServerMessage } from './protocol';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The built renderer (`npm run build -w desktop`). */
export const DEFAULT_RENDERER_DIR = path.resolve(HERE, '../../out/renderer');

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(path.resolve(HERE, '../../package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export interface BridgeOptions {
  apiUrl: string;
  /** 0 picks a free port. */
  port?: number;
  dataDir: string;
  /** Opens the URL in the default browser. */
  open?: boolean;
  rendererDir?: string;
  /** Extra origins allowed to connect (a Vite dev server), besides the bridge's own. */
  devOrigins?: string[];
  logger?: Logger;
  /** Passed through to the core (tests: keychain service, token-file folder, intervals). */
  core?: Partial<Omit<CompanionCoreOptions, 'dataDir' | 'apiUrl' | 'transport'>>;
}

export interface RunningBridge {
  /** The page to open, the one-time token in its fragment (#token=…). */
  url: string;
  /** The WebSocket endpoint (needs the session cookie and the bridge's Origin). */
  wsUrl: string;
  /** The one-time token, exchanged once at BRIDGE_SESSION_PATH for the session cookie. */
  token: string;
  core: CompanionCore;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const PLACEHOLDER_PAGE = `<!doctype html><meta charset="utf-8"><title>NextGen Noise Companion</title>
<p>The companion core is running. Build the UI with <code>npm run build -w desktop</code> and reload this page.</p>`;

/**
 * The companion without Electron: the real core in this Node process, its
 * channel map served over a WebSocket on 127.0.0.1, and the built renderer
 * served beside it, so the UI runs in any browser. A random one-time token in
 * the page URL's fragment is exchanged for an HttpOnly, SameSite=Strict session
 * cookie; the WebSocket needs that cookie and the bridge's own Origin, so other
 * pages and local users' browsers cannot drive it; the Host header is checked
 * against DNS rebinding.
 */
export async function startBridge(opts: BridgeOptions): Promise<RunningBridge> {
  const logger = opts.logger ?? consoleLogger('info', 'bridge');
  const version = await packageVersion();
  const core = await CompanionCore.create({
    appVersion: version,
    ...opts.core,
    dataDir: opts.dataDir,
    apiUrl: opts.apiUrl,
    transport: 'bridge',
    logger: opts.core?.logger ?? logger,
  });
  const token = randomBytes(32).toString('base64url');
  // The token buys one session cookie, once: a token read later (from history, a screenshot) opens nothing.
  let exchanged = false;
  const session = randomBytes(32).toString('base64url');
  const rendererDir = path.resolve(opts.rendererDir ?? DEFAULT_RENDERER_DIR);
  let port = opts.port ?? 0;

  const hostAllowed = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  // Browsers always send Origin on WebSockets and on a POST: a request without one is not the bridge's page.
  const originAllowed = (origin: string | undefined) =>
    origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}` || (origin !== undefined && (opts.devOrigins ?? []).includes(origin));
  const secretMatches = (candidate: string | null | undefined, secret: string) => {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(secret);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const sessionCookie = (header: string | undefined) =>
    header
      ?.split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${BRIDGE_COOKIE}=`))
      ?.slice(BRIDGE_COOKIE.length + 1);

  const unsupported = (): UpdateStatus => ({
    state: 'unsupported',
    channel: core.settings.get().channel,
    current_version: version,
    available_version: null,
    percent: null,
    error: null,
  });
  const handlers: ChannelHandlers = {
    ...core.handlers,
    'updates:status': async () => unsupported(),
    'updates:check': async () => unsupported(),
    'updates:install': async () => {
      throw new CompanionError('unsupported', 'The companion updates itself only in the desktop app.');
    },
    // The browser opens the page itself (see bridge-client); the bridge only applies the allow-list.
    'shell:open-external': async ({ url }) => {
      if (!isAllowedExternalUrl(url, core.settings.get().api_url)) throw new CompanionError('url_not_allowed', 'The companion does not open this link.');
      return { opened: false };
    },
    'shell:open-checkout': async ({ url }) => {
      await core.checkoutPages.check(url);
      return { opened: false };
    },
    'shell:open-billing-portal': async () => ({ opened: false, url: await core.checkoutPages.billingPortal() }),
    'shell:show-item': async ({ download_id }) => {
      core.installer.downloadPath(download_id);
      return { opened: false };
    },
  };

  const server = http.createServer((req, res) => {
    void serveStatic(req, res).catch((err) => {
      logger.error({ err }, 'static file failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  /** The one-time exchange of the fragment's token for the session cookie (the page's only HTTP call). */
  function exchangeSession(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    const cors: Record<string, string> = originAllowed(origin)
      ? { 'access-control-allow-origin': origin!, 'access-control-allow-credentials': 'true', 'access-control-allow-headers': BRIDGE_TOKEN_HEADER, vary: 'Origin' }
      : {};
    if (!originAllowed(origin)) return void res.writeHead(403).end();
    if (req.method === 'OPTIONS') return void res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST' }).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    if (exchanged || !secretMatches(req.headers[BRIDGE_TOKEN_HEADER] as string | undefined, token)) {
      logger.warn({ origin }, 'bridge session refused: wrong or used token');
      return void res.writeHead(401, cors).end();
    }
    exchanged = true;
    res.writeHead(204, { ...cors, 'set-cookie': `${BRIDGE_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' }).end();
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host)) return void res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === BRIDGE_SESSION_PATH) return exchangeSession(req, res);
    // Static files hold no secret (top-level navigations carry no Origin); everything that acts needs the cookie and the Origin.
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    const headers: Record<string, string> = {
      'x-content-type-options': 'nosniff',
      // The page URL is nobody else's business (the token sits in its fragment, which is never sent anyway).
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'x-frame-options': 'DENY',
      'content-security-policy': [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'none'",
      ].join('; '),
    };
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const file = path.resolve(rendererDir, `.${rel}`);
    if (!file.startsWith(rendererDir + path.sep)) return void res.writeHead(404).end();
    let body: Buffer;
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      body = await readFile(file);
    } catch {
      if (rel !== '/index.html') return void res.writeHead(404, headers).end();
      body = Buffer.from(PLACEHOLDER_PAGE);
    }
    res.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== BRIDGE_WS_PATH) return refuse(404, 'Not Found');
    if (!hostAllowed(req.headers.host)) return refuse(421, 'Misdirected Request');
    if (!originAllowed(req.headers.origin)) return refuse(403, 'Forbidden');
    if (!secretMatches(sessionCookie(req.headers.cookie), session)) {
      logger.warn({ origin: req.headers.origin }, 'bridge connection refused: no session cookie');
      return refuse(401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const clients = new Set<WebSocket>();
  const send = (ws: WebSocket, message: BridgeServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = core.events.onAny((event, payload) => {
    if (!(EVENT_NAMES as readonly string[]).includes(event)) return;
    for (const ws of clients) send(ws, { type: 'event', event, payload });
  });
  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data) => {
      let message: BridgeClientMessage;
      try {
        message = JSON.parse(data.toString()) as BridgeClientMessage;
      } catch {
        return ws.close(1003, 'not JSON');
      }
      if (message?.type !== 'invoke' || typeof message.id !== 'number') return ws.close(1003, 'not an invoke');
      void dispatch(handlers, message.channel, message.request).then((envelope) => send(ws, { type: 'result', id: message.id, ...envelope }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  await core.start();

  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/#token=${token}`;
  const wsUrl = `ws://127.0.0.1:${port}${BRIDGE_WS_PATH}`;
  if (!existsSync(path.join(rendererDir, 'index.html'))) logger.warn({ rendererDir }, 'renderer not built: serving a placeholder page');
  if (opts.open) openInBrowser(url, logger);

  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl,
    token,
    core,
    close: () =>
      (closing ??= (async () => {
        unsubscribe();
        for (const ws of clients) ws.terminate();
        wss.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await core.close();
      })()),
  };
}

function openInBrowser(url: string, logger: Logger): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', (err) => logger.warn({ err }, 'could not open a browser; open the URL yourself'));
  child.unref();
}
