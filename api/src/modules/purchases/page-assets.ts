import { escapeHtml } from '../../lib/mail';

/**
 * The checkout pages: plain HTML with one small script each, served from the
 * API's origin so the companion can open them in a sandboxed window (live
 * Stripe.js refuses file:// origins). No inline script or style: the CSP
 * allows 'self' and Stripe's hosts only.
 *
 * Stable names for browser tests: headings "Checkout", "Payment received",
 * "Payment not completed"; the embedded form's frame is titled "Payment form";
 * buttons/links "Copy license key", "Download Mixing Mentor", "Try again".
 */

export const CHECKOUT_CSS = `
:root{color-scheme:light dark;--fg:#1a1f36;--muted:#5b6275;--bg:#f6f8fa;--card:#fff;--accent:#635bff;--ok:#137333;--bad:#c0123c}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaf0;--muted:#a3a9b8;--bg:#12141a;--card:#1c1f27}}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
main{max-width:560px;margin:32px auto;padding:24px;background:var(--card);border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 8px}.summary{color:var(--muted);margin:0 0 16px}
iframe{width:100%;height:720px;border:0;border-radius:8px;background:transparent}
.key{font:600 20px ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:1px;padding:12px;border:1px dashed var(--muted);border-radius:8px;text-align:center;user-select:all}
.actions{display:flex;gap:12px;flex-wrap:wrap;margin-top:16px}
.button{display:inline-block;padding:10px 16px;border-radius:6px;border:0;background:var(--accent);color:#fff;text-decoration:none;font-size:15px;cursor:pointer}
.button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}
.button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
[role=alert]{color:var(--bad)}[role=status]{color:var(--muted)}.ok{color:var(--ok)}
[hidden]{display:none!important}
.legal-links{font-size:13px;color:var(--muted)}.legal-links a{color:var(--accent)}
main.legal{max-width:720px;line-height:1.55}main.legal h1{font-size:26px}main.legal h2{font-size:18px;margin-top:24px}
h2{font-size:17px;margin:20px 0 8px}.stack{display:flex;flex-direction:column;gap:10px}
label{display:flex;flex-direction:column;gap:4px;font-size:14px;color:var(--muted)}
input[type=email],input[type=password]{font-size:16px;padding:10px;border:1px solid var(--muted);border-radius:6px;background:var(--card);color:var(--fg)}
input[type=file]{font-size:15px;color:var(--fg)}
.link{background:none;border:0;padding:0;color:var(--accent);text-decoration:underline;cursor:pointer;font:inherit}
@media (max-width:600px){main{margin:0;border-radius:0;padding:16px}}
`;

/** Mounts Stripe's embedded Checkout, or the emulator's form in its place. */
export const CHECKOUT_JS = `(() => {
  const root = document.getElementById('checkout-page');
  const d = root.dataset;
  const error = document.getElementById('error');
  const mount = document.getElementById('checkout');
  const go = (path) => location.assign(path + (path.includes('?') ? '&' : '?') + 'session_id=' + encodeURIComponent(d.sessionId));
  const fail = (message) => { error.textContent = message; };

  if (d.mode === 'emulator') {
    const origin = new URL(d.emulatorUrl).origin;
    const frame = document.createElement('iframe');
    frame.title = 'Payment form';
    frame.src = d.emulatorUrl + '/embedded/' + encodeURIComponent(d.sessionId) +
      '?client_secret=' + encodeURIComponent(d.clientSecret) + '&parent_origin=' + encodeURIComponent(location.origin);
    mount.appendChild(frame);
    // The emulator's form reports like Stripe.js does; only its origin and this session count.
    window.addEventListener('message', (e) => {
      if (e.origin !== origin || !e.data || e.data.source !== 'stripe-emulator' || e.data.session_id !== d.sessionId) return;
      if (e.data.type === 'checkout.complete') {
        const target = e.data.return_url ? new URL(e.data.return_url, location.href) : null;
        if (target && target.origin === location.origin) location.assign(target.href);
        else go('/checkout/success');
      } else if (e.data.type === 'checkout.canceled') go('/checkout/error?reason=canceled');
    });
    return;
  }
  if (typeof window.Stripe !== 'function') return fail('The payment form could not be loaded. Check your connection and try again.');
  window.Stripe(d.publishableKey)
    .initEmbeddedCheckout({ fetchClientSecret: () => Promise.resolve(d.clientSecret) })
    .then((checkout) => checkout.mount('#checkout'))
    .catch(() => fail('The payment form could not be loaded. Try again in a moment.'));
})();
`;

/** Waits for the webhook to issue the license (never trusting the return URL), then shows the key. */
export const SUCCESS_JS = `(() => {
  const root = document.getElementById('success-page');
  const sessionId = root.dataset.sessionId;
  const status = document.getElementById('status');
  const keyBox = document.getElementById('license');
  const key = document.getElementById('license-key');
  const copy = document.getElementById('copy');
  const problem = document.getElementById('problem');
  const started = Date.now();
  const LIMIT_MS = 5 * 60 * 1000;

  async function poll() {
    try {
      const res = await fetch('/api/v1/purchase/checkout-status?session_id=' + encodeURIComponent(sessionId), { cache: 'no-store' });
      if (res.ok) {
        const o = await res.json();
        if (o.license_key) {
          key.textContent = o.license_key;
          keyBox.hidden = false;
          status.textContent = 'Your ' + o.plan_name + ' license is ready. We also mailed it to you.';
          return;
        }
        if (o.purchase_status === 'failed' || o.status === 'expired') {
          location.replace('/checkout/error?reason=payment_failed&session_id=' + encodeURIComponent(sessionId));
          return;
        }
        if (o.purchase_status === 'completed' || o.purchase_status === 'refunded' || o.purchase_status === 'disputed') {
          status.textContent = 'Payment received. Your license is in the Companion under Licenses and in your mail.';
          return;
        }
      } else if (res.status === 404) {
        problem.textContent = 'We do not know this checkout. If you paid, your license will arrive by mail.';
        status.textContent = '';
        return;
      }
    } catch (e) { /* offline for a moment: keep trying */ }
    if (Date.now() - started > LIMIT_MS) {
      status.textContent = 'This is taking longer than usual. Your license will arrive by mail and appear in the Companion.';
      return;
    }
    setTimeout(poll, 1500);
  }
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(key.textContent);
      copy.textContent = 'Copied';
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(key);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      copy.textContent = 'Press Ctrl+C to copy';
    }
    setTimeout(() => { copy.textContent = 'Copy license key'; }, 2500);
  });
  void poll();
})();
`;

const DOWNLOAD_LINK = 'nextgennoise://downloads';
const ACCOUNT_LINK = 'nextgennoise://licenses';

function layout(title: string, body: string, script?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · NextGen Noise</title><link rel="stylesheet" href="/checkout/assets/checkout.css"></head><body>${body}${script ?? ''}</body></html>`;
}

export function formatAmount(amount: number, currency: string, interval: string | null): string {
  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount / 100);
  return interval ? `${money} per ${interval}` : money;
}

export interface CheckoutPageModel {
  sessionId: string;
  clientSecret: string;
  planName: string;
  amountText: string;
  mode: 'stripe' | 'emulator';
  publishableKey: string;
  /** Stripe.js for the pinned API version, or the emulator's base URL. */
  stripeJsUrl: string;
  emulatorUrl: string;
}

export function checkoutPage(m: CheckoutPageModel): string {
  const attrs = [
    `data-mode="${m.mode}"`,
    `data-session-id="${escapeHtml(m.sessionId)}"`,
    `data-client-secret="${escapeHtml(m.clientSecret)}"`,
    `data-publishable-key="${escapeHtml(m.publishableKey)}"`,
    `data-emulator-url="${escapeHtml(m.emulatorUrl)}"`,
  ].join(' ');
  const scripts = `${m.mode === 'stripe' ? `<script src="${escapeHtml(m.stripeJsUrl)}"></script>` : ''}<script src="/checkout/assets/checkout.js"></script>`;
  return layout(
    'Checkout',
    `<main id="checkout-page" ${attrs}><h1>Checkout</h1><p class="summary">${escapeHtml(m.planName)} · ${escapeHtml(m.amountText)}</p><p class="legal-links">By paying you accept our <a href="/terms" target="_blank" rel="noopener">Terms of service</a>. How we handle your data: <a href="/privacy" target="_blank" rel="noopener">Privacy policy</a>.</p><div id="checkout"></div><p role="alert" id="error"></p></main>`,
    scripts,
  );
}

export function successPage(sessionId: string): string {
  return layout(
    'Payment received',
    `<main id="success-page" data-session-id="${escapeHtml(sessionId)}">
<h1>Payment received</h1>
<p role="status" id="status" aria-live="polite">Confirming your payment with Stripe…</p>
<section id="license" hidden aria-label="Your license key"><p>Your license key:</p><p class="key" id="license-key"></p>
<div class="actions"><button type="button" class="button" id="copy">Copy license key</button>
<a class="button secondary" href="${DOWNLOAD_LINK}">Download Mixing Mentor</a>
<a class="button secondary" href="${ACCOUNT_LINK}">View account</a></div>
<p class="summary">Activate it in the Companion: Licenses → Activate this machine.</p></section>
<p role="alert" id="problem"></p></main>`,
    '<script src="/checkout/assets/success.js"></script>',
  );
}

const ERROR_MESSAGES: Record<string, string> = {
  canceled: 'You canceled the payment. Nothing was charged.',
  expired: 'This checkout has expired. Nothing was charged.',
  payment_failed: 'The payment did not go through. Nothing was charged.',
  not_found: 'We could not find this checkout.',
  unavailable: 'The payment provider is not reachable right now.',
};

/** `retry` links back to the same (still open) session; otherwise the buyer starts again in the companion. */
export function errorPage(reason: string, retrySessionId: string | null): string {
  // Own keys only: a reason such as "constructor" must not find Object.prototype's.
  const message = Object.hasOwn(ERROR_MESSAGES, reason) ? ERROR_MESSAGES[reason]! : ERROR_MESSAGES.payment_failed!;
  const retry = retrySessionId
    ? `<a class="button" href="/checkout?session_id=${encodeURIComponent(retrySessionId)}">Try again</a>`
    : `<a class="button" href="nextgennoise://buy">Try again</a>`;
  return layout(
    'Payment not completed',
    `<main><h1>Payment not completed</h1><p role="alert">${escapeHtml(message)}</p>
<p class="summary">${retrySessionId ? 'You can try again with the same order.' : 'Choose a plan again in the Companion to start a new checkout.'}</p>
<div class="actions">${retry}<a class="button secondary" href="nextgennoise://support">Contact support</a></div></main>`,
  );
}

export function billingDonePage(): string {
  return layout(
    'Billing updated',
    '<main><h1>Billing updated</h1><p role="status">Your billing settings are saved. You can close this window and return to the Companion.</p></main>',
  );
}
