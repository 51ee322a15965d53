/**
 * Buy: the plans from the API; "Buy" opens the API's checkout page in its own
 * sandboxed window (a new tab in the browser bridge), then the screen polls the
 * session until the webhook has issued the license, shows the key, and
 * activates this machine in one click.
 */
import { useEffect, useRef, useState } from 'react';
import type { CheckoutSessionState, Plan } from '@ngn/shared';
import { Icon } from '../components/Icon';
import { LicenseKey } from '../components/LicenseKey';
import { TrialButton, useStartTrial } from '../components/TrialButton';
import { Badge, Banner, Button, Card, EmptyState, ErrorBanner, PageHeader, Skeleton } from '../components/ui';
import { toUiError, useAction, useCall, useInvoke, type UiError } from '../lib/companion-hooks';
import { productName } from '../lib/labels';
import { useActivate } from '../lib/use-activate';
import { formatMoney, titleCase } from '../lib/format';
import { navigate, useLocation } from '../lib/router';

const POLL_MS = 2000;
/** Stop asking after this long; the user can look again from Licenses. */
const POLL_LIMIT_MS = 20 * 60_000;

type Billing = 'perpetual' | 'subscription';

interface StartedCheckout {
  id: string;
  /** Known when started here (not when coming back from a deep link): offered again in case no window opened. */
  url: string | null;
}

export function BuyScreen() {
  const location = useLocation();
  const sessionFromLink = location.params.get('session_id');
  const [session, setSession] = useState<StartedCheckout | null>(sessionFromLink ? { id: sessionFromLink, url: null } : null);
  useEffect(() => {
    if (sessionFromLink) setSession((s) => (s?.id === sessionFromLink ? s : { id: sessionFromLink, url: null }));
  }, [sessionFromLink]);

  if (session) return <CheckoutProgress session={session} onRestart={() => (setSession(null), navigate('buy'))} />;
  return <Plans onStarted={setSession} />;
}

/** What each tier adds; the API sells the tiers and their limits, the words live here. */
const TIER_FEATURES: Record<string, string[]> = {
  standard: ['Mixing Mentor with every analysis view'],
  pro: ['Everything in Standard', 'Pro analysis and reference tracks'],
};

function planFeatures(p: Plan): string[] {
  const billing = p.license_type === 'subscription' ? 'Every update while you subscribe; cancel any time' : 'Yours to keep, with updates for this version';
  const seats = p.max_activations === 1 ? 'Activate on 1 machine' : `Activate on ${p.max_activations} machines at once`;
  return [...(TIER_FEATURES[p.plan] ?? []), seats, billing, `Works offline for ${p.offline_grace_days} days at a time`];
}

/** The product the trial offer is for. */
const TRIAL_PRODUCT = 'mixing_mentor';

function Plans({ onStarted }: { onStarted: (session: StartedCheckout) => void }) {
  const plans = useInvoke('purchase:plans');
  const licenses = useInvoke('licenses:list');
  const trial = useStartTrial(TRIAL_PRODUCT, () => navigate('home'));
  const call = useCall();
  const [billing, setBilling] = useState<Billing>('perpetual');
  const [buying, setBuying] = useState<string | null>(null);
  const checkout = useAction(async (p: Plan) => {
    setBuying(`${p.plan}:${p.license_type}`);
    try {
      const session = await call('purchase:create-checkout', { plan: p.plan, license_type: p.license_type });
      await call('shell:open-checkout', { url: session.checkout_url });
      onStarted({ id: session.session_id, url: session.checkout_url });
    } finally {
      setBuying(null);
    }
  });

  const all = plans.data ?? [];
  const types = new Set(all.map((p) => p.license_type));
  const shown = all.filter((p) => p.license_type === billing || !types.has(billing));
  const featured = shown.length > 1 ? shown[Math.floor(shown.length / 2)] : undefined;

  return (
    <>
      <PageHeader
        title="Buy Mixing Mentor"
        description="Pay securely on NextGen Noise’s checkout page. Your license appears here as soon as the payment goes through."
        actions={
          types.size > 1 ? (
            <div className="segmented" role="radiogroup" aria-label="Billing">
              {(['perpetual', 'subscription'] as const).map((b) => (
                <label key={b}>
                  <input type="radio" name="billing" value={b} checked={billing === b} onChange={() => setBilling(b)} />
                  {b === 'perpetual' ? 'Buy once' : 'Monthly'}
                </label>
              ))}
            </div>
          ) : null
        }
      />
      {checkout.error && <ErrorBanner error={checkout.error} onDismiss={checkout.clearError} title="Could not start the checkout" />}
      {trial.error && <ErrorBanner error={trial.error} onDismiss={trial.clearError} title="Could not start the trial" />}
      {licenses.data && !licenses.data.some((l) => l.product === TRIAL_PRODUCT) && (
        <Banner tone="info" title="Not sure yet? Try it free for 14 days" actions={<TrialButton trial={trial} />}>
          Every Pro feature on this machine, no payment details needed. When the trial ends the plugin goes quiet until you buy.
        </Banner>
      )}
      {plans.error ? (
        <ErrorBanner error={plans.error} onRetry={plans.reload} title="Could not load the plans" />
      ) : plans.loading ? (
        <div className="grid-2">
          {[0, 1].map((i) => (
            <Card key={i}>
              <div className="stack">
                <Skeleton height={20} width="50%" />
                <Skeleton height={36} width="40%" />
                <Skeleton height={14} />
                <Skeleton height={14} width="80%" />
              </div>
            </Card>
          ))}
        </div>
      ) : !shown.length ? (
        <Card>
          <EmptyState icon="bag" title="Nothing for sale right now">
            Please check again later.
          </EmptyState>
        </Card>
      ) : (
        <div className={shown.length > 2 ? 'grid-3' : 'grid-2'}>
          {shown.map((p) => {
            const key = `${p.plan}:${p.license_type}`;
            const isFeatured = p === featured || (shown.length === 2 && p.plan === 'pro');
            return (
              <section key={key} className={`card plan${isFeatured ? ' is-featured' : ''}`} aria-labelledby={`plan-${key}`}>
                {isFeatured && (
                  <span className="plan-ribbon">
                    <Badge tone="accent" icon="sparkles">
                      Most complete
                    </Badge>
                  </span>
                )}
                <div className="stack stack-sm" style={{ gap: 4 }}>
                  <h2 id={`plan-${key}`}>{p.name || titleCase(p.plan)}</h2>
                </div>
                <div className="plan-price">
                  <span className="plan-amount nums">{formatMoney(p.amount, p.currency)}</span>
                  <span className="muted">{p.interval ? `/ ${p.interval}` : 'once'}</span>
                </div>
                <ul className="plan-features">
                  {planFeatures(p).map((f) => (
                    <li key={f}>
                      <Icon name="check" size={15} />
                      {f}
                    </li>
                  ))}
                </ul>
                <Button
                  variant={isFeatured ? 'primary' : 'secondary'}
                  block
                  icon="bag"
                  busy={buying === key}
                  disabled={buying !== null && buying !== key}
                  onClick={() => void checkout.run(p)}
                  aria-describedby={`plan-${key}`}
                >
                  Buy {titleCase(p.plan)}
                </Button>
              </section>
            );
          })}
        </div>
      )}
      <p className="faint" style={{ fontSize: 'var(--text-sm)', textAlign: 'center' }}>
        <Icon name="lock" size={13} /> Card details go to the payment provider only; the companion never sees them.
      </p>
    </>
  );
}

function CheckoutProgress({ session, onRestart }: { session: StartedCheckout; onRestart: () => void }) {
  const sessionId = session.id;
  const call = useCall();
  const [status, setStatus] = useState<CheckoutSessionState | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [gaveUp, setGaveUp] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const started = useRef(Date.now());

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const s = await call('purchase:session', { session_id: sessionId });
        if (stopped) return;
        setStatus(s);
        setError(null);
        if (s.status === 'expired' || s.purchase_status === 'failed' || (s.status === 'complete' && s.license_key)) return;
      } catch (err) {
        if (stopped) return;
        setError(toUiError(err));
      }
      if (Date.now() - started.current > POLL_LIMIT_MS) return setGaveUp(true);
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [call, sessionId, attempt]);

  if (status?.status === 'complete' && status.license_key) return <Purchased session={{ ...status, license_key: status.license_key }} />;

  if (status?.purchase_status === 'failed') {
    return (
      <>
        <PageHeader title="Checkout" />
        <Card>
          <EmptyState
            icon="alertCircle"
            title="The payment did not go through"
            actions={
              <Button variant="primary" icon="refresh" onClick={onRestart}>
                Try again
              </Button>
            }
          >
            Nothing was charged. Try another card, or contact Support if it keeps failing.
          </EmptyState>
        </Card>
      </>
    );
  }

  if (status?.status === 'expired') {
    return (
      <>
        <PageHeader title="Checkout" />
        <Card>
          <EmptyState
            icon="clock"
            title="This checkout has ended"
            actions={
              <Button variant="primary" icon="bag" onClick={onRestart}>
                Start again
              </Button>
            }
          >
            The payment page was closed or expired before a payment went through. Nothing was charged.
          </EmptyState>
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Checkout" />
      {error && (
        <ErrorBanner
          error={error}
          title="Could not check the payment"
          onRetry={() => {
            started.current = Date.now();
            setGaveUp(false);
            setAttempt((a) => a + 1);
          }}
        />
      )}
      <Card>
        <div className="empty" aria-live="polite" data-testid="checkout-waiting">
          <div className="empty-icon">{gaveUp ? <Icon name="clock" size={22} /> : <span className="spinner" aria-hidden="true" />}</div>
          <h3>{status?.status === 'complete' ? 'Payment received, issuing your license…' : 'Complete the payment in the checkout window'}</h3>
          <p>
            {gaveUp
              ? 'We stopped waiting. If you paid, your license is already in Licenses.'
              : 'This page updates by itself once the payment goes through. You can keep using the companion meanwhile.'}
          </p>
          <div className="row">
            {session.url && !gaveUp && (
              <a className="btn btn-secondary" href={session.url} target="_blank" rel="noopener noreferrer">
                <span className="btn-label">
                  <Icon name="external" size={17} />
                  Open the checkout page again
                </span>
              </a>
            )}
            <Button icon="arrowLeft" onClick={onRestart}>
              Back to plans
            </Button>
            <Button variant="ghost" onClick={() => navigate('licenses')}>
              Go to licenses
            </Button>
          </div>
        </div>
      </Card>
    </>
  );
}

function Purchased({ session }: { session: CheckoutSessionState & { license_key: string } }) {
  const [done, setDone] = useState(false);
  const { action: activate, chooser } = useActivate(() => setDone(true), { quiet: true });
  const label = `${productName(session.product)} ${titleCase(session.plan)}`;
  return (
    <>
      <PageHeader title="Thank you!" description={`Your payment went through and your ${label} license is ready.`} />
      <section className="hero" aria-label="Your new license">
        <div className="hero-icon">
          <Icon name="key" size={30} />
        </div>
        <div className="hero-body">
          <span className="hero-kicker">Your license key</span>
          <span>
            <LicenseKey value={session.license_key} revealed />
          </span>
          <p>We also emailed it to you. You can find it in Licenses any time.</p>
        </div>
      </section>
      {activate.error && <ErrorBanner error={activate.error} onRetry={() => void activate.run(session.license_key, label)} title="Could not activate this machine" />}
      {done ? (
        <Banner
          tone="success"
          title="This machine is activated"
          actions={
            <Button size="sm" variant="primary" icon="download" onClick={() => navigate('downloads')}>
              Download the plugin
            </Button>
          }
        >
          {productName(session.product)} is ready to run here.
        </Banner>
      ) : (
        <Card>
          <div className="row row-between">
            <div className="stack stack-sm" style={{ gap: 2 }}>
              <h2>Use it on this machine</h2>
              <p className="muted">One click activates this computer and writes the plugin’s license file.</p>
            </div>
            <Button variant="primary" icon="key" busy={activate.busy} onClick={() => void activate.run(session.license_key, label)}>
              Activate this machine
            </Button>
          </div>
        </Card>
      )}
      {chooser}
    </>
  );
}
