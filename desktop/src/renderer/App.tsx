/** The app: signed out it shows the account screens, signed in the shell with its six screens. */
import { Component, useEffect, type ErrorInfo, type ReactNode } from 'react';
import type { CompanionApi } from '../contract/ipc';
import { Icon } from './components/Icon';
import { Shell } from './components/Shell';
import { ToastProvider } from './components/Toast';
import { Button, ErrorBanner, LoadingBlock } from './components/ui';
import { AppStateProvider, useAppState } from './lib/app-state';
import { CompanionProvider, useEvent } from './lib/companion-hooks';
import { currentLocation, isAppRoute, isAuthRoute, navigate, useLocation, type AppRoute } from './lib/router';
import { AuthScreen } from './screens/Auth';
import { BuyScreen } from './screens/Buy';
import { DownloadsScreen } from './screens/Downloads';
import { HomeScreen } from './screens/Home';
import { LicensesScreen } from './screens/Licenses';
import { SettingsScreen } from './screens/Settings';
import { SupportScreen } from './screens/Support';

export function App({ api }: { api: CompanionApi }) {
  return (
    <ErrorBoundary>
      <CompanionProvider api={api}>
        <ToastProvider>
          <AppStateProvider
            loading={<LoadingBlock label="Starting the companion" />}
            failed={(error, retry) => (
              <div className="crash">
                <div style={{ width: 'min(520px, 100%)' }}>
                  <ErrorBanner title="The companion could not start" error={error} onRetry={retry} />
                </div>
              </div>
            )}
          >
            <Routes />
          </AppStateProvider>
        </ToastProvider>
      </CompanionProvider>
    </ErrorBoundary>
  );
}

const SCREENS: Record<AppRoute, () => ReactNode> = {
  home: () => <HomeScreen />,
  licenses: () => <LicensesScreen />,
  downloads: () => <DownloadsScreen />,
  buy: () => <BuyScreen />,
  support: () => <SupportScreen />,
  settings: () => <SettingsScreen />,
};

function Routes() {
  const { auth } = useAppState();
  const location = useLocation();

  // Links the OS hands over (nextgennoise://verify-email?token=…) open the matching screen.
  useEvent('deep-link', (link) => {
    const query = new URLSearchParams(link.params).toString();
    const [name = ''] = link.route.split('/');
    if (link.route === 'checkout/success' || link.route === 'checkout/cancel') window.location.hash = `#/buy?${query}`;
    else if (isAuthRoute(name) || isAppRoute(name)) window.location.hash = `#/${name}${query ? `?${query}` : ''}`;
  });

  const name = location.name;
  // Links from mails work signed in or out.
  const tokenScreen = name === 'verify-email' || name === 'reset-password';
  const signedOutTarget = isAuthRoute(name) ? name : 'sign-in';
  const route: AppRoute = isAppRoute(name) ? name : 'home';

  useEffect(() => {
    const now = currentLocation().name;
    if (!auth.signed_in && !isAuthRoute(now)) navigate('sign-in');
    else if (auth.signed_in && !isAppRoute(now) && now !== 'verify-email' && now !== 'reset-password') navigate('home');
  }, [auth.signed_in, name]);

  if (!auth.signed_in || tokenScreen) return <AuthScreen route={tokenScreen ? (name as 'verify-email' | 'reset-password') : signedOutTarget} />;
  return <Shell route={route}>{SCREENS[route]()}</Shell>;
}

/** Catches a render error anywhere below and shows it plainly instead of a blank window. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('Unhandled error in the companion UI', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="crash" data-testid="unhandled-error">
        <div className="empty">
          <div className="empty-icon">
            <Icon name="alert" size={22} />
          </div>
          <h3>Something went wrong</h3>
          <p>{this.state.error.message}</p>
          <div className="row">
            <Button variant="primary" icon="refresh" onClick={() => window.location.reload()}>
              Reload
            </Button>
          </div>
        </div>
      </div>
    );
  }
}
