import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStripeClient } from '../src/modules/purchases/stripe-client';
import { signUp } from './helpers/api';
import { createCheckout, payInForm, query, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';

let s: PurchaseStack;
before(async () => {
  s = await startPurchaseStack();
});
after(() => s.close());

/** A Checkout Session made in Stripe by someone else (a payment link, the dashboard, a leaked key) that carries our metadata. */
async function foreignSession(userId: string, planId: string, price: string) {
  const stripe = createStripeClient(s.t.config.stripe);
  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    ui_mode: 'embedded_page',
    client_reference_id: userId,
    line_items: [{ price, quantity: 1 }],
    metadata: { user_id: userId, plan_id: planId },
    return_url: `${s.t.url}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
  });
  return { session_id: session.id, client_secret: session.client_secret! };
}

async function settled(sessionId: string) {
  await s.emulator.webhooks.idle();
  return waitFor('the purchase row', async () => {
    const [row] = await query<{ status: string; failure_reason: string | null; license_id: string | null; amount: number }>(
      s.t,
      'SELECT status, failure_reason, license_id, amount FROM purchases WHERE stripe_checkout_session_id = :id',
      { id: sessionId },
    );
    return row && row.status !== 'pending' ? row : undefined;
  });
}

describe('fulfilment checks what was paid', () => {
  it('refuses a session that pays the Standard price for the Pro plan: no license, the reason recorded, an alert audited', async () => {
    const u = await signUp(s.t);
    const cheap = await foreignSession(u.id, 'pro_perpetual', 'price_ngn_standard_perpetual');
    assert.equal((await payInForm(s.emulator, cheap)).status, 200);
    const row = await settled(cheap.session_id);
    assert.equal(row.status, 'failed');
    assert.match(row.failure_reason ?? '', /^payment_mismatch: price price_ngn_standard_perpetual is not the plan's price_ngn_pro_perpetual/);
    assert.equal(row.license_id, null);
    const [alerts] = await query<{ n: number }>(s.t, `SELECT count(*)::int AS n FROM audit_logs WHERE action = 'purchase.payment_mismatch'`);
    assert.ok(alerts!.n >= 1);
    assert.deepEqual((await s.t.get('/license/list', u.access)).body.licenses, []);
  });

  it('refuses a session priced with a price that is none of our plans', async () => {
    const u = await signUp(s.t);
    const stripe = createStripeClient(s.t.config.stripe);
    const penny = await stripe.prices.create({ currency: 'usd', unit_amount: 1, product: 'prod_ngn_mixing_mentor' });
    const session = await foreignSession(u.id, 'standard_perpetual', penny.id);
    assert.equal((await payInForm(s.emulator, session)).status, 200);
    const row = await settled(session.session_id);
    assert.equal(row.status, 'failed');
    assert.equal(row.license_id, null);
  });

  it('fulfils a session made elsewhere when it pays exactly the plan, and every checkout the API made', async () => {
    const u = await signUp(s.t);
    const exact = await foreignSession(u.id, 'standard_perpetual', 'price_ngn_standard_perpetual');
    assert.equal((await payInForm(s.emulator, exact)).status, 200);
    assert.ok((await settled(exact.session_id)).license_id);
    const ours = await createCheckout(s.t, u.access, 'pro', 'perpetual');
    assert.equal((await payInForm(s.emulator, ours)).status, 200);
    const row = await settled(ours.session_id);
    assert.equal(row.status, 'completed');
    assert.ok(row.license_id);
  });
});
