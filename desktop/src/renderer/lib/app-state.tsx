/**
 * What every screen shares: the app and machine info, the session, settings,
 * this machine's activations and the plugin state. Loaded once, then kept
 * fresh by the core's pushed events.
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { ActivationState, AppInfo, AuthState, PluginsState } from '../../contract/models';
import type { Settings } from '../../contract/settings';
import { call, toUiError, useCompanion, useEvent, type UiError } from './companion-hooks';

export interface AppState {
  info: AppInfo;
  auth: AuthState;
  settings: Settings;
  activation: ActivationState | null;
  plugins: PluginsState | null;
  online: boolean;
  setAuth: (auth: AuthState) => void;
  setSettings: (settings: Settings) => void;
  setActivation: (state: ActivationState) => void;
  refreshActivation: () => Promise<void>;
  refreshPlugins: () => Promise<void>;
}

const AppStateContext = createContext<AppState | null>(null);

export function useAppState(): AppState {
  const state = useContext(AppStateContext);
  if (!state) throw new Error('useAppState needs an AppStateProvider');
  return state;
}

type Base = Pick<AppState, 'info' | 'auth' | 'settings'>;

export function AppStateProvider({ children, loading, failed }: { children: ReactNode; loading: ReactNode; failed: (error: UiError, retry: () => void) => ReactNode }) {
  const api = useCompanion();
  const [base, setBase] = useState<Base | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [activation, setActivation] = useState<ActivationState | null>(null);
  const [plugins, setPlugins] = useState<PluginsState | null>(null);
  const [online, setOnline] = useState(true);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [info, auth, settings] = await Promise.all([call(api, 'app:info'), call(api, 'auth:state'), call(api, 'settings:get')]);
      setBase({ info, auth, settings });
      setOnline(auth.online);
    } catch (err) {
      setError(toUiError(err));
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const signedIn = base?.auth.signed_in ?? false;

  const refreshActivation = useCallback(async () => {
    setActivation(await call(api, 'activation:state'));
  }, [api]);
  const refreshPlugins = useCallback(async () => {
    setPlugins(await call(api, 'plugins:state'));
  }, [api]);

  useEffect(() => {
    if (!signedIn) return;
    // Failures here show on the screens that need the data; the shell just waits.
    void refreshActivation().catch(() => undefined);
    void refreshPlugins().catch(() => undefined);
  }, [signedIn, refreshActivation, refreshPlugins]);

  useEvent('auth:changed', (auth) => {
    setBase((b) => (b ? { ...b, auth } : b));
    setOnline(auth.online);
  });
  useEvent('settings:changed', (settings) => setBase((b) => (b ? { ...b, settings } : b)));
  useEvent('activation:changed', setActivation);
  useEvent('plugins:changed', setPlugins);
  useEvent('network:changed', ({ online }) => setOnline(online));
  useEvent('download:progress', (d) =>
    setPlugins((p) => {
      if (!p) return p;
      const known = p.downloads.some((x) => x.id === d.id);
      return { ...p, downloads: known ? p.downloads.map((x) => (x.id === d.id ? d : x)) : [...p.downloads, d] };
    }),
  );

  const setAuth = useCallback((auth: AuthState) => setBase((b) => (b ? { ...b, auth } : b)), []);
  const setSettings = useCallback((settings: Settings) => setBase((b) => (b ? { ...b, settings } : b)), []);

  if (error) return <>{failed(error, () => void load())}</>;
  if (!base) return <>{loading}</>;
  const value: AppState = { ...base, activation, plugins, online, setAuth, setSettings, setActivation, refreshActivation, refreshPlugins };
  return <AppStateContext.Provider value={value}>{children}</AppStateContext.Provider>;
}
