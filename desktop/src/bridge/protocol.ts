/**
 * Messages of the WebSocket bridge: the channel map of `shared/ipc.ts` as JSON
 * frames. Kept apart from the server so the browser client imports nothing of Node.
 */
import type { Envelope } from '../shared/ipc';

export type BridgeClientMessage = { type: 'invoke'; id: number; channel: string; request?: unknown };

export type BridgeServerMessage =
  | ({ type: 'result'; id: number } & Envelope<unknown>)
  | { type: 'event'; event: string; payload: unknown };

/** Path of the WebSocket endpoint; the per-run token goes in the `token` query parameter. */
export const BRIDGE_WS_PATH = '/ws';
