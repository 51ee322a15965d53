/** The signed-in frame: sidebar navigation, this machine's status, the user, and the current screen. */
import { useEffect, useRef, type ReactNode } from 'react';
import { useAppState } from '../lib/app-state';
import { downloadPercent } from './DownloadProgress';
import { initials, offlineGraceText } from '../lib/format';
import { href, type AppRoute } from '../lib/router';
import { Icon, type IconName } from './Icon';
import { Banner, Badge } from './ui';

const NAV: { route: AppRoute; label: string; icon: IconName }[] = [
  { route: 'home', label: 'Home', icon: 'home' },
  { route: 'licenses', label: 'Licenses', icon: 'key' },
  { route: 'downloads', label: 'Downloads', icon: 'download' },
  { route: 'buy', label: 'Buy', icon: 'bag' },
  { route: 'support', label: 'Support', icon: 'help' },
  { route: 'settings', label: 'Settings', icon: 'settings' },
];

export function BrandMark({ size = 34 }: { size?: number }) {
  return (
    <span className="brand-mark" style={{ width: size, height: size }}>
      <Icon name="wave" size={Math.round(size * 0.6)} />
    </span>
  );
}

export function Shell({ route, children }: { route: AppRoute; children: ReactNode }) {
  const { auth, activation, plugins, online, info } = useAppState();
  const mainRef = useRef<HTMLElement>(null);

  // A new screen starts at the top, and keyboard users land in it.
  useEffect(() => {
    mainRef.current?.scrollTo?.({ top: 0 });
    document.title = `${NAV.find((n) => n.route === route)?.label ?? 'Home'} · NextGen Noise Companion`;
  }, [route]);

  const active = activation?.activations ?? [];
  const running = plugins?.downloads.find((d) => d.status === 'downloading' || d.status === 'verifying' || d.status === 'queued');
  const user = auth.user;
  const soonestGrace = active.map((a) => a.token_expires_at).sort()[0];

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => (e.preventDefault(), mainRef.current?.focus())}>
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <BrandMark />
          <span className="brand-text">
            <span className="brand-name">NextGen Noise</span>
            <span className="brand-sub">Companion</span>
          </span>
        </div>
        <ul className="nav">
          {NAV.map((item) => (
            <li key={item.route}>
              <a className="nav-link" href={href(item.route)} aria-current={item.route === route ? 'page' : undefined}>
                <Icon name={item.icon} />
                {item.label}
                {item.route === 'downloads' && running ? (
                  <span className="nav-count">
                    <Badge tone="accent">{downloadPercent(running) ?? 0}%</Badge>
                  </span>
                ) : item.route === 'downloads' && plugins?.update_available ? (
                  <span className="nav-count">
                    <Badge tone="info">Update</Badge>
                  </span>
                ) : null}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <div className="machine-chip" aria-label="This machine">
            <span className="machine-chip-title">
              <Icon name="monitor" size={16} />
              <span style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{info.machine_name}</span>
            </span>
            <span className={active.length ? 'status-online' : 'muted'} style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
              <span className="dot" />
              {active.length ? 'Activated' : 'Not activated'}
            </span>
            <span className={online ? 'muted' : 'status-offline'} style={{ display: 'flex', alignItems: 'center', gap: 6 }}>
              <Icon name={online ? 'checkCircle' : 'wifiOff'} size={13} />
              {online ? 'Online' : 'Offline'}
            </span>
          </div>
          {user && (
            <div className="user-chip">
              <span className="avatar" aria-hidden="true">
                {initials(user.first_name, user.last_name)}
              </span>
              <span className="user-chip-text">
                <span style={{ fontWeight: 600 }}>
                  {user.first_name} {user.last_name}
                </span>
                <span className="muted" style={{ fontSize: 'var(--text-xs)' }}>
                  {user.email}
                </span>
              </span>
            </div>
          )}
        </div>
      </nav>
      <main className="main" id="main" ref={mainRef} tabIndex={-1}>
        <div className="page">
          {!online && (
            <Banner tone="warning" title="You are offline">
              {soonestGrace ? `The plugin ${offlineGraceText(soonestGrace)}. ` : ''}Changes to licenses, downloads and support need a connection.
            </Banner>
          )}
          {children}
        </div>
      </main>
    </div>
  );
}
