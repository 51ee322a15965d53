/**
 * "Purchases" on the Licenses screen: every payment on the account with its
 * amount, state and Stripe's receipt, a page at a time; for a subscriber,
 * "Manage subscription" opens Stripe's billing portal in the checkout window.
 * A cancellation or resume made there shows here once Stripe's webhook has
 * told the API, so the list is asked again for a while after the portal opens.
 */
import { useEffect, useState } from 'react';
import type { PurchaseHistoryItem } from '@ngn/shared';
import { Badge, Button, Card, ErrorBanner, Skeleton } from './ui';
import { useAction, useCall, useInvoke } from '../lib/companion-hooks';
import { formatDate, formatMoney, titleCase } from '../lib/format';
import { productName } from '../lib/labels';

/** How often, and how long, the list is asked again after the billing portal opened. */
const WATCH_EVERY_MS = 2000;
const WATCH_FOR_MS = 15 * 60_000;

function paymentState(p: PurchaseHistoryItem): { text: string; tone: 'success' | 'warning' | 'danger' | 'neutral' } {
  if (p.status === 'completed') return p.amount_refunded > 0 ? { text: 'Partly refunded', tone: 'warning' } : { text: 'Paid', tone: 'success' };
  if (p.status === 'refunded') return { text: 'Refunded', tone: 'neutral' };
  if (p.status === 'disputed') return { text: 'Disputed', tone: 'danger' };
  return { text: 'Failed', tone: 'danger' };
}

function subscriptionText(s: NonNullable<PurchaseHistoryItem['subscription']>): { text: string; tone: 'success' | 'warning' | 'neutral' } {
  const until = formatDate(s.paid_through);
  if (s.status === 'canceled') return { text: `Subscription ended ${until}`, tone: 'neutral' };
  if (s.status === 'past_due') return { text: 'Payment due: update your card', tone: 'warning' };
  if (s.cancel_at_period_end) return { text: `Cancelled: ends ${until}`, tone: 'warning' };
  return { text: `Renews ${until}`, tone: 'success' };
}

/** A subscription the portal can still change. */
const isLiveSubscription = (p: PurchaseHistoryItem) => p.status === 'completed' && !!p.subscription && p.subscription.status !== 'canceled';

export function Purchases() {
  const call = useCall();
  const first = useInvoke('purchase:history', {});
  const [more, setMore] = useState<{ items: PurchaseHistoryItem[]; cursor: string | null } | null>(null);
  const [watchingSince, setWatchingSince] = useState<number | null>(null);

  const purchases = [...(first.data?.purchases ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.cursor : (first.data?.next_cursor ?? null);
  const subscribed = purchases.some(isLiveSubscription);

  const loadMore = useAction(async () => {
    if (!cursor) return;
    const page = await call('purchase:history', { cursor });
    setMore({ items: [...(more?.items ?? []), ...page.purchases], cursor: page.next_cursor });
  });
  const manage = useAction(async () => {
    await call('shell:open-billing-portal');
    setWatchingSince(Date.now());
  });

  const { reload } = first;
  useEffect(() => {
    if (watchingSince === null) return;
    const timer = setInterval(() => {
      if (Date.now() - watchingSince > WATCH_FOR_MS) setWatchingSince(null);
      else void reload();
    }, WATCH_EVERY_MS);
    return () => clearInterval(timer);
  }, [watchingSince, reload]);

  const openReceipt = (url: string) => void call('shell:open-external', { url });

  return (
    <section className="section" aria-labelledby="purchases-title">
      <div className="section-title">
        <h2 id="purchases-title">Purchases</h2>
        {subscribed && (
          <Button size="sm" icon="settings" busy={manage.busy} onClick={() => void manage.run()}>
            Manage subscription
          </Button>
        )}
      </div>
      {manage.error && <ErrorBanner error={manage.error} onDismiss={manage.clearError} title="Could not open the billing page" />}
      {first.error && <ErrorBanner error={first.error} onRetry={first.reload} title="Could not load your purchases" />}
      <Card bodyless>
        {first.loading ? (
          <div className="card-body stack">
            <Skeleton height={16} width="60%" />
            <Skeleton height={16} width="45%" />
          </div>
        ) : purchases.length === 0 ? (
          <p className="card-body muted">No purchases yet. What you buy in the Companion appears here with its receipt.</p>
        ) : (
          <ul className="list" aria-label="Purchases">
            {purchases.map((p) => {
              const state = paymentState(p);
              const sub = p.kind === 'checkout' && p.subscription ? subscriptionText(p.subscription) : null;
              const what = `${productName(p.product)} ${titleCase(p.plan)}`;
              return (
                <li key={p.id} className="list-item" data-testid="purchase">
                  <span className="machine-main">
                    <span className="machine-name">
                      {what}
                      {p.kind === 'renewal' ? <Badge tone="neutral">Renewal</Badge> : <Badge tone="neutral">{p.license_type === 'subscription' ? 'Subscription' : 'One-time'}</Badge>}
                      <Badge tone={state.tone}>{state.text}</Badge>
                      {sub && <Badge tone={sub.tone}>{sub.text}</Badge>}
                    </span>
                    <span className="machine-meta">
                      {formatDate(p.created_at)} · {formatMoney(p.amount, p.currency)}
                      {p.amount_refunded > 0 && ` · ${formatMoney(p.amount_refunded, p.currency)} refunded`}
                    </span>
                  </span>
                  {p.receipt_url && (
                    <Button size="sm" icon="external" onClick={() => openReceipt(p.receipt_url!)} aria-label={`Receipt for ${what}, ${formatDate(p.created_at)}`}>
                      Receipt
                    </Button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Card>
      {cursor && (
        <Button size="sm" busy={loadMore.busy} onClick={() => void loadMore.run()}>
          Show older purchases
        </Button>
      )}
    </section>
  );
}
