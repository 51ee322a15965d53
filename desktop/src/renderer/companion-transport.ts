/**
 * The renderer's one way to the system: `window.companion`, set by the Electron
 * preload, or else connected to the local bridge when the UI runs in a browser.
 * Either way, failed calls reject with a CompanionError (code, message, details).
 */
import { CompanionError, type SerializedError } from '../contract/errors';
import type { CompanionApi } from '../contract/ipc';
import { bridgeFromLocation, createBridgeClient, exchangeBridgeToken } from './bridge-client';

declare global {
  interface Window {
    companion?: CompanionApi;
  }
}

let api: CompanionApi | undefined;

/** In a browser: the local bridge, after trading the link's one-time token for its session cookie. */
function bridgeClient(): CompanionApi {
  const bridge = bridgeFromLocation(window.location);
  const clearFragment = () => history.replaceState(null, '', window.location.pathname + window.location.search);
  return createBridgeClient(bridge.wsUrl, { beforeConnect: () => exchangeBridgeToken(bridge, clearFragment) });
}

export function getCompanion(): CompanionApi {
  if (api) return api;
  const raw = window.companion ?? bridgeClient();
  api = {
    transport: raw.transport,
    on: raw.on.bind(raw),
    invoke: ((channel: Parameters<CompanionApi['invoke']>[0], ...args: unknown[]) =>
      (raw.invoke as (c: typeof channel, ...a: unknown[]) => Promise<unknown>)(channel, ...args).catch((err: unknown) => {
        if (err instanceof CompanionError) throw err;
        const e = err as Partial<SerializedError> | null;
        throw typeof e?.code === 'string' ? CompanionError.from(e as SerializedError) : new CompanionError('internal_error', String(err));
      })) as CompanionApi['invoke'],
  };
  return api;
}
