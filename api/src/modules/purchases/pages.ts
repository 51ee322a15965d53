import type { Context } from 'koa';
import Stripe from 'stripe';
import { CheckoutSessionId } from '@ngn/shared';
import { AppError } from '../../lib/errors';
import type { ModuleContext } from '../module';
import {
  billingDonePage,
  CHECKOUT_CSS,
  CHECKOUT_JS,
  checkoutPage,
  errorPage,
  formatAmount,
  SUCCESS_JS,
  successPage,
} from './page-assets';
import type { PurchasesService } from './service';

/** Stripe.js is versioned like the API: the script for the version our `stripe` package pins. */
const STRIPE_JS_URL = `https://js.stripe.com/${Stripe.API_VERSION.split('.')[1] ?? 'v3'}/stripe.js`;

/** Stripe's hosts for embedded Checkout, and nothing else. */
const STRIPE_CSP = [
  "default-src 'none'",
  "script-src 'self' https://js.stripe.com https://*.js.stripe.com",
  "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com https://checkout.stripe.com",
  "connect-src 'self' https://api.stripe.com https://checkout.stripe.com https://merchant-ui-api.stripe.com",
  "img-src 'self' data: https://*.stripe.com",
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SELF_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** In emulator mode the form is the emulator's page, framed from its origin. */
function emulatorCsp(emulatorOrigin: string): string {
  return `${SELF_CSP}; frame-src ${emulatorOrigin}`;
}

function sendPage(ctx: Context, status: number, html: string, csp: string) {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  // Replaces helmet's site-wide policy for this response only.
  ctx.set('Content-Security-Policy', csp);
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'no-store');
  ctx.body = html;
}

function sessionIdFrom(ctx: Context): string | null {
  const raw = ctx.query.session_id;
  const parsed = CheckoutSessionId.safeParse(Array.isArray(raw) ? raw[0] : raw);
  return parsed.success ? parsed.data : null;
}

/**
 * The checkout pages (seed §5.3), outside /api/v1: /checkout mounts the
 * embedded form, /checkout/success waits for the webhook's license,
 * /checkout/error offers a retry. Each answer carries its own CSP.
 */
export function registerCheckoutPages(m: ModuleContext, purchases: PurchasesService): void {
  const emulator = m.config.stripe.apiBase;
  const emulatorUrl = emulator ? emulator.origin : '';

  m.rootRouter.get('/checkout', async (ctx) => {
    const sessionId = sessionIdFrom(ctx);
    if (!sessionId) return sendPage(ctx, 404, errorPage('not_found', null), SELF_CSP);
    let data;
    try {
      data = await purchases.checkoutPage(sessionId);
    } catch (err) {
      if (err instanceof AppError && err.status === 503) return sendPage(ctx, 503, errorPage('unavailable', sessionId), SELF_CSP);
      throw err;
    }
    if (!data) return sendPage(ctx, 404, errorPage('not_found', null), SELF_CSP);
    if (data.status === 'complete') return ctx.redirect(`/checkout/success?session_id=${encodeURIComponent(sessionId)}`);
    if (data.status === 'expired' || !data.clientSecret) return sendPage(ctx, 410, errorPage('expired', null), SELF_CSP);
    const html = checkoutPage({
      sessionId,
      clientSecret: data.clientSecret,
      planName: data.planName,
      amountText: formatAmount(data.amount, data.currency, data.interval),
      mode: emulator ? 'emulator' : 'stripe',
      publishableKey: m.config.stripe.publishableKey,
      stripeJsUrl: STRIPE_JS_URL,
      emulatorUrl,
    });
    sendPage(ctx, 200, html, emulator ? emulatorCsp(emulatorUrl) : STRIPE_CSP);
  });

  m.rootRouter.get('/checkout/success', (ctx) => {
    const sessionId = sessionIdFrom(ctx);
    if (!sessionId) return sendPage(ctx, 404, errorPage('not_found', null), SELF_CSP);
    sendPage(ctx, 200, successPage(sessionId), SELF_CSP);
  });

  m.rootRouter.get('/checkout/error', async (ctx) => {
    const sessionId = sessionIdFrom(ctx);
    const reason = typeof ctx.query.reason === 'string' ? ctx.query.reason : 'payment_failed';
    // Offer the same order again only while Stripe still accepts payment on it.
    const open = sessionId ? await purchases.checkoutPage(sessionId).then((d) => d?.status === 'open', () => false) : false;
    sendPage(ctx, 200, errorPage(reason, open ? sessionId : null), SELF_CSP);
  });

  m.rootRouter.get('/checkout/billing-done', (ctx) => sendPage(ctx, 200, billingDonePage(), SELF_CSP));

  const assets: Record<string, { type: string; body: string }> = {
    'checkout.css': { type: 'text/css; charset=utf-8', body: CHECKOUT_CSS },
    'checkout.js': { type: 'text/javascript; charset=utf-8', body: CHECKOUT_JS },
    'success.js': { type: 'text/javascript; charset=utf-8', body: SUCCESS_JS },
  };
  m.rootRouter.get('/checkout/assets/:name', (ctx) => {
    const name = ctx.params.name ?? '';
    if (!Object.hasOwn(assets, name)) return;
    const asset = assets[name]!;
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = asset.body;
  });
}
