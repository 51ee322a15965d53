/**
 * The renderer's only way out: `window.companion`, typed from the shared
 * channel map, handed down through context so screens never reach for globals.
 * The hooks below give every call the same loading / error / retry shape.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ChannelName, CompanionApi, CompanionEvents, EventName, RequestOf, ResponseOf } from '../../contract/ipc';

const CompanionContext = createContext<CompanionApi | null>(null);

export function CompanionProvider({ api, children }: { api: CompanionApi; children: ReactNode }) {
  return <CompanionContext.Provider value={api}>{children}</CompanionContext.Provider>;
}

export function useCompanion(): CompanionApi {
  const api = useContext(CompanionContext);
  if (!api) throw new Error('useCompanion needs a CompanionProvider');
  return api;
}

/** What the UI shows for a failure: the core's code and sentence. */
export interface UiError {
  code: string;
  message: string;
  details?: unknown;
}

export function toUiError(err: unknown): UiError {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown; details?: unknown };
    return { code: String(e.code), message: String(e.message), details: e.details };
  }
  return { code: 'internal_error', message: err instanceof Error ? err.message : 'Something went wrong.' };
}

/** Field messages from a `validation_failed` error, keyed by field path. */
export function fieldErrors(err: UiError | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!err || !Array.isArray(err.details)) return out;
  for (const d of err.details as { path?: unknown; message?: unknown }[]) {
    if (typeof d?.path !== 'string' || typeof d.message !== 'string') continue;
    // The API prefixes where the field was (body.email); the channel check does not.
    const path = d.path.replace(/^(body|query|params)\./, '');
    out[path] ??= d.message;
  }
  return out;
}

export type AnyChannel = ChannelName;
export type Req<C extends AnyChannel> = RequestOf<C>;
export type Res<C extends AnyChannel> = ResponseOf<C>;
type ArgsOf<C extends AnyChannel> = undefined extends Req<C> ? [request?: Req<C>] : [request: Req<C>];

/** Invokes a channel of the shared map. */
export function call<C extends AnyChannel>(api: CompanionApi, channel: C, ...args: ArgsOf<C>): Promise<Res<C>> {
  const invoke = api.invoke as (c: ChannelName, r?: unknown) => Promise<Res<C>>;
  return invoke(channel, args[0]);
}

/** `call` bound to the current companion. */
export function useCall(): <C extends AnyChannel>(channel: C, ...args: ArgsOf<C>) => Promise<Res<C>> {
  const api = useCompanion();
  return useCallback(<C extends AnyChannel>(channel: C, ...args: ArgsOf<C>) => call(api, channel, ...args), [api]);
}

export interface Query<T> {
  data: T | undefined;
  error: UiError | null;
  /** True until the first answer (later reloads keep the old data on screen). */
  loading: boolean;
  reloading: boolean;
  reload: () => Promise<void>;
  setData: (next: T) => void;
}

/** Calls a channel when mounted (and when its request changes); `reload` calls it again. */
export function useInvoke<C extends AnyChannel>(channel: C, ...args: ArgsOf<C>): Query<Res<C>> {
  const api = useCompanion();
  const key = JSON.stringify(args[0] ?? null);
  const [state, setState] = useState<{ data: Res<C> | undefined; error: UiError | null; loading: boolean; reloading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
    reloading: false,
  });
  const latest = useRef(0);

  const reload = useCallback(async () => {
    const ticket = ++latest.current;
    setState((s) => ({ ...s, reloading: true }));
    try {
      const request = (JSON.parse(key) ?? undefined) as Req<C>;
      const data = await call(api, channel, ...([request] as ArgsOf<C>));
      if (ticket === latest.current) setState({ data, error: null, loading: false, reloading: false });
    } catch (err) {
      if (ticket === latest.current) setState((s) => ({ ...s, error: toUiError(err), loading: false, reloading: false }));
    }
  }, [api, channel, key]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const setData = useCallback((data: Res<C>) => setState((s) => ({ ...s, data, error: null })), []);
  return { ...state, reload, setData };
}

/** Subscribes to a pushed event for the component's lifetime. */
export function useEvent<E extends EventName>(event: E, listener: (payload: CompanionEvents[E]) => void): void {
  const api = useCompanion();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => api.on(event, (payload) => ref.current(payload)), [api, event]);
}

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: UiError };

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<Outcome<R>>;
  busy: boolean;
  error: UiError | null;
  clearError: () => void;
}

/** A user-triggered call: busy while it runs, its error kept for a banner; never throws. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A): Promise<Outcome<R>> => {
    setBusy(true);
    setError(null);
    try {
      return { ok: true, value: await fnRef.current(...args) };
    } catch (err) {
      const error = toUiError(err);
      if (mounted.current) setError(error);
      return { ok: false, error };
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { run, busy, error, clearError };
}
