/** Home: is this machine activated, how long it works offline, the licenses at a glance, update notices. */
import type { LicenseSummary } from '@ngn/shared';
import { Icon } from '../components/Icon';
import { TrialButton, useStartTrial } from '../components/TrialButton';
import { NoLicensesYet } from '../components/NoLicensesYet';
import { Badge, Banner, Button, Card, ErrorBanner, PageHeader, Skeleton } from '../components/ui';
import { useAppState } from '../lib/app-state';
import { useAction, useCall, useInvoke } from '../lib/companion-hooks';
import { formatDate, formatRelative, offlineGraceText, titleCase } from '../lib/format';
import { LICENSE_STATE, LICENSE_TYPE_TEXT, licenseLabel, productName, verdictText } from '../lib/labels';
import { href, navigate } from '../lib/router';

function greeting(now = new Date()): string {
  const h = now.getHours();
  return h < 5 ? 'Good evening' : h < 12 ? 'Good morning' : h < 18 ? 'Good afternoon' : 'Good evening';
}

export function HomeScreen() {
  const { auth, activation, plugins, info } = useAppState();
  const licenses = useInvoke('licenses:list');
  const call = useCall();
  const refresh = useAction(() => call('activation:refresh'));
  const active = activation?.activations ?? [];
  const primary = active[0];
  const user = auth.user;
  const usable = (licenses.data ?? []).filter((l) => l.status === 'active');
  // A trial is for someone who never had this product: the API refuses the rest anyway.
  const neverLicensed = licenses.data !== undefined && !licenses.data.some((l) => l.product === 'mixing_mentor');
  const trial = useStartTrial('mixing_mentor', () => void licenses.reload());

  return (
    <>
      <PageHeader title={`${greeting()}${user ? `, ${user.first_name}` : ''}`} description={`${info.machine_name} · ${info.os}`} />

      {user && !user.email_verified && (
        <Banner
          tone="warning"
          title="Confirm your email address"
          actions={
            <Button size="sm" variant="secondary" icon="mail" onClick={() => navigate('verify-email')}>
              Enter the code
            </Button>
          }
        >
          We sent a confirmation code to {user.email}. Confirming it keeps your account recoverable.
        </Banner>
      )}

      {activation?.last_error && activation.last_error.code !== 'offline' && (
        <ErrorBanner title="The last license check failed" error={activation.last_error} onRetry={() => void refresh.run()} />
      )}
      {refresh.error && <ErrorBanner error={refresh.error} onDismiss={refresh.clearError} />}
      {trial.error && <ErrorBanner error={trial.error} onDismiss={trial.clearError} title="Could not start the trial" />}

      <section className={`hero${primary ? '' : ' is-inactive'}`} aria-label="This machine">
        <div className="hero-icon">
          <Icon name={primary ? 'shieldCheck' : 'monitor'} size={30} />
        </div>
        <div className="hero-body">
          <span className="hero-kicker">This machine</span>
          {activation === null ? (
            <>
              <h2>Checking this machine…</h2>
              <p>&nbsp;</p>
            </>
          ) : primary ? (
            <>
              <h2>{productName(primary.product)} is activated</h2>
              <p>
                {primary.license_type === 'trial' && primary.license_expires_at
                  ? `Trial · ends ${formatDate(primary.license_expires_at)}`
                  : `${titleCase(primary.policy)} · ${LICENSE_TYPE_TEXT[primary.license_type]} · ${offlineGraceText(primary.token_expires_at)}`}
                {activation.last_heartbeat_at ? ` · checked ${formatRelative(activation.last_heartbeat_at)}` : ''}
              </p>
            </>
          ) : (
            <>
              <h2>Not activated yet</h2>
              <p>
                {usable.length
                  ? 'Activate a license on this machine so the plugin can run.'
                  : neverLicensed
                    ? 'Try Mixing Mentor free for 14 days on this machine, or buy a license.'
                    : 'Buy a license or start with the one you already have.'}
              </p>
            </>
          )}
        </div>
        <div className="row">
          {primary ? (
            <>
              <Button variant="ghost" icon="refresh" busy={refresh.busy} onClick={() => void refresh.run()}>
                Check now
              </Button>
              <Button variant="secondary" onClick={() => navigate('licenses')}>
                Manage
              </Button>
            </>
          ) : usable.length ? (
            <Button variant="secondary" icon="key" onClick={() => navigate('licenses')}>
              Activate this machine
            </Button>
          ) : (
            <>
              {neverLicensed && <TrialButton trial={trial} />}
              <Button variant="secondary" icon="bag" onClick={() => navigate('buy')}>
                Buy a license
              </Button>
            </>
          )}
        </div>
      </section>

      {plugins?.update_available && plugins.latest && (
        <Banner
          tone="info"
          title={`${productName(plugins.latest.product)} ${plugins.latest.version} is available`}
          actions={
            <Button size="sm" variant="primary" icon="download" onClick={() => navigate('downloads')}>
              Get the update
            </Button>
          }
        >
          Released {formatDate(plugins.latest.release_date)}.{' '}
          {plugins.installed.length ? `You have ${plugins.installed.map((p) => p.version).join(', ')}.` : ''}
        </Banner>
      )}

      <div className="grid-3">
        <Card>
          <div className="stat">
            <span className="stat-label">Licenses</span>
            <span className="stat-value nums">{licenses.data ? usable.length : <Skeleton width={40} height={26} />}</span>
            <span className="muted">{licenses.data ? `${licenses.data.length - usable.length} inactive` : ' '}</span>
          </div>
        </Card>
        <Card>
          <div className="stat">
            <span className="stat-label">Seats in use</span>
            <span className="stat-value nums">
              {licenses.data ? `${usable.reduce((n, l) => n + l.activations_count, 0)} / ${usable.reduce((n, l) => n + l.max_activations, 0)}` : <Skeleton width={60} height={26} />}
            </span>
            <span className="muted">across all your machines</span>
          </div>
        </Card>
        <Card>
          <div className="stat">
            <span className="stat-label">Plugin</span>
            <span className="stat-value nums">{plugins ? (plugins.installed[0]?.version ?? 'Not installed') : <Skeleton width={80} height={26} />}</span>
            <span className="muted">{plugins?.latest ? `Latest ${plugins.latest.version}` : 'See Downloads for installers'}</span>
          </div>
        </Card>
      </div>

      {primary && (
        <Card title="Plugin authorisation" subtitle="What the plugin sees when it starts on this machine, even offline.">
          <dl className="kv">
            {active.map((a) => {
              const v = verdictText(a.verdict);
              return (
                <div key={a.activation_id} style={{ display: 'contents' }}>
                  <dt>{productName(a.product)}</dt>
                  <dd className="row">
                    <Badge tone={v.tone} icon={v.tone === 'success' ? 'check' : 'alert'}>
                      {v.text}
                    </Badge>
                    <span className="muted">token renews while online · {offlineGraceText(a.token_expires_at)}</span>
                  </dd>
                </div>
              );
            })}
          </dl>
        </Card>
      )}

      <section className="section" aria-labelledby="home-licenses">
        <div className="section-title">
          <h2 id="home-licenses">Your licenses</h2>
          <a href={href('licenses')}>
            Manage licenses <Icon name="chevronRight" size={14} />
          </a>
        </div>
        {licenses.error ? (
          <ErrorBanner error={licenses.error} onRetry={licenses.reload} title="Could not load your licenses" />
        ) : (
          <Card bodyless>
            {licenses.loading ? (
              <div className="card-body stack">
                <Skeleton height={18} />
                <Skeleton height={18} width="70%" />
              </div>
            ) : !licenses.data?.length ? (
              <NoLicensesYet>Licenses you buy or receive show up here.</NoLicensesYet>
            ) : (
              <ul className="list">
                {licenses.data.map((l) => (
                  <LicenseRow key={l.id} license={l} here={active.some((a) => a.license_id === l.id)} />
                ))}
              </ul>
            )}
          </Card>
        )}
      </section>
    </>
  );
}

function LicenseRow({ license: l, here }: { license: LicenseSummary; here: boolean }) {
  const state = LICENSE_STATE[l.status];
  return (
    <li className="list-item">
      <span className="machine-icon" style={{ background: 'var(--accent-soft)', color: 'var(--accent-text)' }}>
        <Icon name="key" />
      </span>
      <span className="machine-main">
        <span className="machine-name">
          {licenseLabel(l)}
          {here && (
            <Badge tone="accent" icon="monitor">
              This machine
            </Badge>
          )}
        </span>
        <span className="machine-meta">
          {LICENSE_TYPE_TEXT[l.license_type]} · {l.expires_at ? `expires ${formatDate(l.expires_at)}` : 'never expires'}
        </span>
      </span>
      <span className="stack stack-sm" style={{ alignItems: 'flex-end', gap: 4 }}>
        {/* The count beside it says the same in words. */}
        <span className="meter" aria-hidden="true">
          {Array.from({ length: Math.min(l.max_activations, 10) }, (_, i) => (
            <span key={i} className={i < l.activations_count ? 'is-used' : undefined} />
          ))}
        </span>
        <span className="faint nums" style={{ fontSize: 'var(--text-xs)' }}>
          {l.activations_count}/{l.max_activations} seats
        </span>
      </span>
      <Badge tone={state.tone}>{state.text}</Badge>
    </li>
  );
}
