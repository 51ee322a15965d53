import type { CheckoutSession, Customer, PortalSession, Price, Subscription } from './objects';

/**
 * The pages a buyer sees in place of Stripe's: the payment form (embedded in the
 * API's checkout page through an iframe, or opened on its own for hosted
 * sessions) and the billing portal. Labels and button names are stable, since
 * browser tests find them by role and name:
 *   form  "Emulated Stripe payment form"; fields "Email", "Card number", "Expiry", "CVC";
 *   buttons "Pay", "Fail payment", "Cancel payment"; a status region and an alert.
 *   portal buttons "Cancel subscription" / "Keep subscription", link "Return".
 */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;padding:16px;background:#f6f8fa;color:#1a1f36}
main{max-width:420px;margin:auto;background:#fff;border-radius:10px;padding:24px;box-shadow:0 2px 10px rgba(0,0,0,.08)}
h1{font-size:18px;margin:0 0 4px}.amount{font-size:28px;font-weight:600;margin:4px 0 16px}
.badge{display:inline-block;font-size:11px;background:#ffe8b3;color:#7a4d00;border-radius:4px;padding:2px 6px;margin-bottom:12px}
label{display:block;font-size:13px;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #cfd7df;border-radius:6px;font-size:15px}
.row{display:flex;gap:12px}.row>div{flex:1}
button{width:100%;padding:12px;margin-top:12px;border:0;border-radius:6px;font-size:15px;cursor:pointer}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #635bff;outline-offset:2px}
button.primary{background:#635bff;color:#fff}button.secondary{background:#eef0f4;color:#1a1f36}button:disabled{opacity:.6;cursor:wait}
[role=alert]{color:#c0123c;min-height:1.2em;margin-top:12px}[role=status]{min-height:1.2em;margin-top:8px;color:#3c4257}
.hint{font-size:12px;color:#697386}ul{padding-left:18px}
`;

function page(title: string, body: string, script?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,"><title>${escape(title)}</title><style>${STYLE}</style></head><body>${body}${script ? `<script src="${script}"></script>` : ''}</body></html>`;
}

export function paymentFormPage(session: CheckoutSession, prices: Price[], customer: Customer | undefined): string {
  const name = prices.map((p) => p.nickname ?? p.id).join(', ');
  const recurring = prices.find((p) => p.recurring)?.recurring;
  const amount = formatMoney(session.amount_total, session.currency) + (recurring ? ` / ${recurring.interval}` : '');
  const returnOrigin = session.return_url ? new URL(session.return_url.replaceAll('{CHECKOUT_SESSION_ID}', 'x')).origin : '';
  if (session.status !== 'open') {
    return page(
      'Checkout',
      `<main><div class="badge">Stripe emulator · test mode</div><h1>${escape(name)}</h1><p role="status">This checkout session is ${escape(session.status)}.</p></main>`,
    );
  }
  const email = customer?.email ?? session.customer_email ?? '';
  return page(
    `Pay ${name}`,
    `<main id="emulator-checkout" data-session-id="${escape(session.id)}" data-return-origin="${escape(returnOrigin)}" data-cancel-url="${escape(session.cancel_url ?? '')}" data-state="open">
<div class="badge">Stripe emulator · test mode</div>
<h1>${escape(name)}</h1><div class="amount">${escape(amount)}</div>
<form aria-label="Emulated Stripe payment form" novalidate>
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" value="${escape(email)}">
<label for="card">Card number</label><input id="card" name="card_number" inputmode="numeric" autocomplete="cc-number" value="4242 4242 4242 4242" aria-describedby="card-hint">
<p id="card-hint" class="hint">4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined; 4000 0000 0000 9995 has insufficient funds.</p>
<div class="row"><div><label for="exp">Expiry</label><input id="exp" name="exp" value="12 / 34" autocomplete="cc-exp"></div><div><label for="cvc">CVC</label><input id="cvc" name="cvc" value="123" autocomplete="cc-csc"></div></div>
<div role="status" id="status" aria-live="polite"></div><div role="alert" id="error"></div>
<button type="submit" class="primary" id="pay">Pay</button>
<button type="button" class="secondary" id="fail">Fail payment</button>
<button type="button" class="secondary" id="cancel">Cancel payment</button>
</form>
</main>`,
    '/_emulator/assets/payment-form.js',
  );
}

export const PAYMENT_FORM_JS = `(() => {
  const root = document.getElementById('emulator-checkout');
  if (!root) return;
  const sessionId = root.dataset.sessionId;
  const query = new URLSearchParams(location.search);
  const clientSecret = query.get('client_secret') || undefined;
  // The embedding page names its origin (as Stripe.js does for its frames); the return URL's origin otherwise.
  const parentOrigin = query.get('parent_origin') || root.dataset.returnOrigin;
  const embedded = window.parent !== window;
  const form = root.querySelector('form');
  const card = document.getElementById('card');
  const status = document.getElementById('status');
  const error = document.getElementById('error');
  const buttons = [...root.querySelectorAll('button')];

  // Tell the page that embeds us, as Stripe.js tells its host page; the browser drops it for any other origin.
  function tell(message) {
    if (embedded && parentOrigin) window.parent.postMessage({ source: 'stripe-emulator', session_id: sessionId, ...message }, parentOrigin);
  }
  async function call(action, body) {
    buttons.forEach((b) => (b.disabled = true));
    error.textContent = '';
    status.textContent = 'Processing…';
    try {
      const res = await fetch('/_emulator/checkout/sessions/' + encodeURIComponent(sessionId) + '/' + action, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_secret: clientSecret, ...body }),
      });
      const data = await res.json();
      if (!res.ok) throw new Error(data.error ? data.error.message : 'Request failed');
      return data;
    } catch (e) {
      status.textContent = '';
      error.textContent = e.message;
      return null;
    } finally {
      buttons.forEach((b) => (b.disabled = root.dataset.state !== 'open'));
    }
  }
  async function pay() {
    const data = await call('pay', { card_number: card.value, email: document.getElementById('email').value });
    if (!data) return;
    if (data.error) {
      status.textContent = '';
      error.textContent = data.error.message;
      tell({ type: 'checkout.payment_failed', message: data.error.message });
      return;
    }
    root.dataset.state = 'complete';
    buttons.forEach((b) => (b.disabled = true));
    status.textContent = 'Payment succeeded. Returning…';
    tell({ type: 'checkout.complete', return_url: data.return_url });
    if (!embedded && data.return_url) location.assign(data.return_url);
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); void pay(); });
  document.getElementById('fail').addEventListener('click', () => { card.value = '4000 0000 0000 0002'; void pay(); });
  document.getElementById('cancel').addEventListener('click', async () => {
    const data = await call('cancel', {});
    if (!data) return;
    root.dataset.state = 'expired';
    buttons.forEach((b) => (b.disabled = true));
    status.textContent = 'Payment canceled.';
    tell({ type: 'checkout.canceled' });
    if (!embedded && root.dataset.cancelUrl) location.assign(root.dataset.cancelUrl);
  });
})();
`;

/** A receipt, for a charge (one-time payment) or a paid invoice (subscription): what was paid, when, and any refund. */
export function receiptPage(receipt: {
  title: string;
  number: string;
  email: string | null;
  amount: number;
  refunded: number;
  currency: string;
  paidAt: number | null;
  lines: string[];
  card: string | null;
}): string {
  const paid = receipt.paidAt ? new Date(receipt.paidAt * 1000).toISOString().slice(0, 10) : 'not paid';
  const refund = receipt.refunded > 0 ? `<p>Refunded: ${escape(formatMoney(receipt.refunded, receipt.currency))}</p>` : '';
  return page(
    receipt.title,
    `<main id="emulator-receipt"><div class="badge">Stripe emulator · test mode</div><h1>${escape(receipt.title)} ${escape(receipt.number)}</h1>` +
      `<p class="amount">${escape(formatMoney(receipt.amount, receipt.currency))}</p><p>Paid: ${escape(paid)}${receipt.card ? ` · ${escape(receipt.card)}` : ''}</p>${refund}` +
      `<ul>${receipt.lines.map((l) => `<li>${escape(l)}</li>`).join('')}</ul>${receipt.email ? `<p class="hint">Sent to ${escape(receipt.email)}</p>` : ''}</main>`,
  );
}

export function portalPage(portal: PortalSession, customer: Customer, subscriptions: Subscription[]): string {
  const rows = subscriptions.length
    ? subscriptions
        .map((sub) => {
          const item = sub.items.data[0]!;
          const until = new Date(item.current_period_end * 1000).toISOString().slice(0, 10);
          const state = sub.status === 'canceled' ? 'canceled' : sub.cancel_at_period_end ? `cancels on ${until}` : `${sub.status}, renews on ${until}`;
          const action =
            sub.status === 'canceled'
              ? ''
              : `<button type="button" class="secondary" data-subscription="${escape(sub.id)}" data-cancel="${sub.cancel_at_period_end ? 'false' : 'true'}">${sub.cancel_at_period_end ? 'Keep subscription' : 'Cancel subscription'}</button>`;
          return `<li><strong>${escape(item.price.nickname ?? item.price.id)}</strong> · ${escape(formatMoney(item.price.unit_amount, item.price.currency))} / ${escape(item.price.recurring?.interval ?? '')}<br><span>${escape(state)}</span>${action}</li>`;
        })
        .join('')
    : '<li>No subscriptions.</li>';
  const back = portal.return_url ? `<p><a href="${escape(portal.return_url)}">Return</a></p>` : '';
  return page(
    'Billing portal',
    `<main id="emulator-portal" data-portal-session="${escape(portal.id)}"><div class="badge">Stripe emulator · test mode</div><h1>Billing for ${escape(customer.email ?? customer.id)}</h1><ul>${rows}</ul><div role="alert" id="error"></div>${back}</main>`,
    '/_emulator/assets/portal.js',
  );
}

export const PORTAL_JS = `(() => {
  const root = document.getElementById('emulator-portal');
  if (!root) return;
  root.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-subscription]');
    if (!button) return;
    button.disabled = true;
    const res = await fetch('/_emulator/subscriptions/' + encodeURIComponent(button.dataset.subscription) + '/cancel_at_period_end', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ portal_session: root.dataset.portalSession, cancel: button.dataset.cancel === 'true' }),
    });
    if (res.ok) location.reload();
    else document.getElementById('error').textContent = (await res.json()).error.message;
  });
})();
`;
