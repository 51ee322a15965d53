/**
 * `window.companion` over the local WebSocket bridge, for the UI running in a
 * plain browser: the same typed surface as the Electron preload. Opening links
 * is done by the browser here, after the bridge has checked them against the
 * same allow-list as the desktop app.
 */
import { BRIDGE_SESSION_PATH, BRIDGE_TOKEN_HEADER, BRIDGE_WS_PATH, type BridgeClientMessage, type BridgeServerMessage } from '../bridge/protocol';
import { CompanionError } from '../contract/errors';
import type { ChannelName, CompanionApi, CompanionEvents, EventName } from '../contract/ipc';

/** The subset of the WebSocket API used here (the browser's, or `ws` in Node tests). */
interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
}
type SocketFactory = (url: string) => SocketLike;

export interface BridgeClientOptions {
  /** Defaults to the browser's WebSocket. */
  socket?: SocketFactory;
  /** Opens a URL the bridge allowed; defaults to a new browser tab without opener or referrer. */
  openWindow?: (url: string) => boolean;
  /** Delay before reconnecting after the bridge went away; doubles up to 10 s. */
  reconnectMs?: number;
  /** Runs once before the first connection (the browser's token-for-cookie exchange). */
  beforeConnect?: () => Promise<void>;
}

const OPEN = 1;

export interface BridgeClient extends CompanionApi {
  /** Resolves once connected (invokes wait for it anyway). */
  ready(): Promise<void>;
  close(): void;
}

/**
 * The bridge's address from the page's own (`?bridge=host:port` when a dev
 * server serves the page) and the one-time token from its fragment (`#token=`),
 * if this load still carries one (a reload relies on the cookie).
 */
export function bridgeFromLocation(location: { host: string; search: string; hash: string }): { wsUrl: string; sessionUrl: string; token: string | null } {
  const host = new URLSearchParams(location.search).get('bridge') ?? location.host;
  const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  return { wsUrl: `ws://${host}${BRIDGE_WS_PATH}`, sessionUrl: `http://${host}${BRIDGE_SESSION_PATH}`, token };
}

/** Trades the fragment's token for the bridge's HttpOnly session cookie, then drops it from the address bar. */
export async function exchangeBridgeToken(bridge: { sessionUrl: string; token: string | null }, clearFragment: () => void): Promise<void> {
  if (!bridge.token) return;
  clearFragment();
  const res = await fetch(bridge.sessionUrl, { method: 'POST', credentials: 'include', headers: { [BRIDGE_TOKEN_HEADER]: bridge.token } });
  if (!res.ok && res.status !== 401) throw new CompanionError('not_signed_in', 'The companion refused this page. Open it with the link the companion printed.');
}

export function createBridgeClient(wsUrl: string, opts: BridgeClientOptions = {}): BridgeClient {
  const makeSocket: SocketFactory = opts.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  const openWindow = opts.openWindow ?? ((url: string) => window.open(url, '_blank', 'noopener,noreferrer') !== null);
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let socket: SocketLike | null = null;
  let connected: Promise<void> = Promise.resolve();
  let closed = false;
  let delay = opts.reconnectMs ?? 500;

  let prepared: Promise<void> | undefined;
  const connect = () => {
    prepared ??= opts.beforeConnect?.() ?? Promise.resolve();
    connected = prepared.then(() => new Promise<void>((resolve, reject) => {
      const ws = makeSocket(wsUrl);
      socket = ws;
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        delay = opts.reconnectMs ?? 500;
        resolve();
      });
      ws.addEventListener('message', (event) => {
        let message: BridgeServerMessage;
        try {
          message = JSON.parse(String(event.data)) as BridgeServerMessage;
        } catch {
          return;
        }
        if (message.type === 'event') {
          for (const listener of [...(listeners.get(message.event) ?? [])]) listener(message.payload);
          return;
        }
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(CompanionError.from(message.error));
      });
      ws.addEventListener('close', () => {
        socket = null;
        for (const call of pending.values()) call.reject(new CompanionError('offline', 'The connection to the companion was lost.'));
        pending.clear();
        if (!opened) reject(new CompanionError('offline', 'The companion refused the connection or is not running.'));
        if (!closed && opened) setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      });
      ws.addEventListener('error', () => undefined);
    }));
    connected.catch(() => undefined);
  };
  connect();

  const send = async (channel: string, request: unknown): Promise<unknown> => {
    await connected;
    const ws = socket;
    if (!ws || ws.readyState !== OPEN) throw new CompanionError('offline', 'The companion is not connected.');
    const id = nextId++;
    const message: BridgeClientMessage = { type: 'invoke', id, channel, request };
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify(message));
    });
  };

  const invoke = async (channel: ChannelName, request?: unknown): Promise<unknown> => {
    const value = await send(channel, request);
    if ((channel === 'shell:open-external' || channel === 'shell:open-checkout') && request && typeof request === 'object') {
      // The bridge checked the URL; the browser is the one that can open it.
      return { opened: openWindow((request as { url: string }).url) };
    }
    if (channel === 'shell:open-billing-portal') {
      // The bridge asked the API for the portal and checked it is Stripe's.
      const { url } = value as { url: string };
      return { opened: openWindow(url), url };
    }
    return value;
  };

  return {
    transport: 'bridge',
    invoke: invoke as CompanionApi['invoke'],
    on<E extends EventName>(event: E, listener: (payload: CompanionEvents[E]) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    ready: () => connected,
    close() {
      closed = true;
      (socket as SocketLike | null)?.close(1000, 'closed');
    },
  };
}
