/**
 * Messages of the WebSocket bridge: the channel map of `shared/ipc.ts` as JSON
 * frames. Kept apart from the server so the browser client imports nothing of Node.
 */
import type { Envelope } from '../contract/ipc';

export type BridgeClientMessage = { type: 'invoke'; id: number; channel: string; request?: unknown };

export type BridgeServerMessage =
  | ({ type: 'result'; id: number } & Envelope<unknown>)
  | { type: 'event'; event: string; payload: unknown };

/** Path of the WebSocket endpoint; it needs the session cookie and the bridge's own Origin. */
export const BRIDGE_WS_PATH = '/ws';

/**
 * Where the page trades the one-time token from its URL fragment (never sent
 * to a server, never in a process's command line as a query would be read
 * back) for an HttpOnly, SameSite=Strict session cookie: POST with the token
 * in BRIDGE_TOKEN_HEADER.
 */
export const BRIDGE_SESSION_PATH = '/session';
export const BRIDGE_TOKEN_HEADER = 'x-bridge-token';
export const BRIDGE_COOKIE = 'ngn_bridge';
