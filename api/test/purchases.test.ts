import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUp, signUpAs } from './helpers/api';
import { countQueuedMails, createCheckout, payInForm, query, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';

let s: PurchaseStack;
before(async () => {
  s = await startPurchaseStack();
});
after(() => s.close());

describe('a purchase through the emulator', () => {
  it('create checkout → pay in the form → webhook → one license, one mail, visible in the session and license list', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access, 'standard', 'perpetual');
    assert.match(checkout.session_id, /^cs_test_/);
    assert.match(checkout.client_secret, /_secret_/);
    assert.equal(checkout.checkout_url, `${t.config.publicUrl}/checkout?session_id=${checkout.session_id}`);

    const profile = await t.get('/user/profile', u.access);
    assert.match(profile.body.stripe_customer_id, /^cus_/);

    const open = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
    assert.equal(open.status, 200);
    assert.equal(open.body.status, 'open');
    assert.equal(open.body.license_key, null);

    const paid = await payInForm(emulator, checkout);
    assert.equal(paid.status, 200);
    assert.equal(paid.body.error, null);
    assert.equal(paid.body.return_url, `${t.config.publicUrl}/checkout/success?session_id=${checkout.session_id}`);

    const state = await waitFor('the license', async () => {
      const r = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
      return r.body.license_key ? r.body : undefined;
    });
    assert.equal(state.status, 'complete');
    assert.equal(state.purchase_status, 'completed');
    assert.match(state.license_key, /^NG-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    assert.equal(state.amount, 2999);
    assert.equal(state.currency, 'USD');

    const mail = await t.waitForMail(u.email, 'license-key');
    assert.ok(mail.replace(/=\r?\n/g, '').includes(state.license_key));
    await emulator.webhooks.idle();
    assert.equal(await countQueuedMails(t, u.email, 'license-key'), 1);

    const licenses = await t.get('/license/list', u.access);
    assert.equal(licenses.body.licenses.length, 1);
    assert.equal(licenses.body.licenses[0].license_key, state.license_key);
    assert.equal(licenses.body.licenses[0].license_type, 'perpetual');

    const rows = await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM purchases WHERE user_id = :id', { id: u.id });
    assert.equal(rows[0]!.n, 1);

    const history = await t.get('/purchase/history', u.access);
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.purchases.map((p: any) => [p.status, p.amount, p.currency, p.license_key]),
      [['completed', 2999, 'USD', state.license_key]],
    );
    // Stripe's receipt for the charge, a page the buyer can open; a one-time purchase has no subscription.
    const [item] = history.body.purchases;
    assert.equal(item.subscription, null);
    const pi = emulator.state.paymentIntents.get(emulator.state.sessions.get(checkout.session_id)!.payment_intent as string)!;
    const charge = emulator.state.charges.get(pi.latest_charge!)!;
    assert.equal(item.receipt_url, charge.receipt_url);
    const receipt = await fetch(item.receipt_url);
    assert.equal(receipt.status, 200);
    assert.match(await receipt.text(), /Receipt[\s\S]*\$29\.99/);
    const receiptMail = (await t.waitForMail(u.email, 'payment-receipt')).replace(/=\r?\n/g, '');
    assert.match(receiptMail, /\$29\.99/);
    assert.ok(receiptMail.includes(charge.receipt_url!), 'the mail links Stripe\'s receipt');
  });

  it('lists the plans publicly, refuses an unknown plan with invalid_plan and writes nothing', async () => {
    const { t } = s;
    const plans = await t.get('/purchase/plans');
    assert.equal(plans.status, 200);
    assert.deepEqual(
      plans.body.plans.map((p: any) => `${p.plan}/${p.license_type}:${p.amount}${p.currency}:${p.policy}:${p.max_activations} seats`),
      [
        'standard/perpetual:2999USD:standard:2 seats',
        'pro/perpetual:5999USD:pro:3 seats',
        'standard/subscription:499USD:standard_subscription:2 seats',
        'pro/subscription:999USD:pro_subscription:3 seats',
      ],
    );
    const u = await signUp(t);
    for (const body of [{ plan: 'platinum' }, { plan: 'standard', license_type: 'lifetime' }]) {
      const res = await t.post('/purchase/create-checkout', body, u.access);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_plan');
    }
    const extra = await t.post('/purchase/create-checkout', { plan: 'standard', coupon: 'x' }, u.access);
    assert.equal(extra.body.error, 'validation_failed');
    const anonymous = await t.post('/purchase/create-checkout', { plan: 'standard' });
    assert.equal(anonymous.status, 401);
    const rows = await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM purchases WHERE user_id = :id', { id: u.id });
    assert.equal(rows[0]!.n, 0);
  });

  it('shows a session only to its buyer', async () => {
    const { t } = s;
    const buyer = await signUp(t);
    const other = await signUp(t);
    const checkout = await createCheckout(t, buyer.access);
    const theirs = await t.get(`/purchase/session/${checkout.session_id}`, other.access);
    assert.equal(theirs.status, 404);
    const history = await t.get('/purchase/history', other.access);
    assert.deepEqual(history.body.purchases, []);
    const bad = await t.get('/purchase/session/not-a-session', buyer.access);
    assert.equal(bad.status, 400);
  });

  it('a declined card leaves the session open, tells the buyer once, and a second card completes it', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access, 'pro', 'perpetual');
    for (let i = 0; i < 2; i++) {
      const declined = await payInForm(emulator, checkout, { card_number: '4000 0000 0000 0002' });
      assert.equal(declined.status, 200);
      assert.equal(declined.body.error.code, 'card_declined');
    }
    await emulator.webhooks.idle();
    await t.waitForMail(u.email, 'payment-failed');
    assert.equal(await countQueuedMails(t, u.email, 'payment-failed'), 1);
    const failed = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
    assert.equal(failed.body.status, 'open');
    assert.equal(failed.body.purchase_status, 'failed');

    await payInForm(emulator, checkout);
    const done = await waitFor('the license', async () => {
      const r = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
      return r.body.license_key ? r.body : undefined;
    });
    assert.equal(done.purchase_status, 'completed');
    const lic = await query<{ policy: string }>(t, 'SELECT p.name AS policy FROM licenses l JOIN policies p ON p.id = l.policy_id WHERE l.id = :id', { id: done.license_id });
    assert.equal(lic[0]!.policy, 'pro');
  });

  it('a delayed payment issues the license only when it settles', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    await payInForm(emulator, checkout, { outcome: 'delayed' });
    await emulator.webhooks.idle();
    const pending = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
    assert.equal(pending.body.status, 'complete');
    assert.equal(pending.body.purchase_status, 'pending');
    assert.equal(pending.body.license_key, null);

    const res = await fetch(`${emulator.url}/_emulator/checkout/sessions/${checkout.session_id}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ succeed: true }),
    });
    assert.equal(res.status, 200);
    await emulator.webhooks.idle();
    const settled = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
    assert.equal(settled.body.purchase_status, 'completed');
    assert.ok(settled.body.license_key);
  });

  it('a canceled checkout ends failed (expired) with no license and no mail', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    const res = await fetch(`${emulator.url}/_emulator/checkout/sessions/${checkout.session_id}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_secret: checkout.client_secret }),
    });
    assert.equal(res.status, 200);
    await emulator.webhooks.idle();
    const state = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
    assert.equal(state.body.status, 'expired');
    assert.equal(state.body.purchase_status, 'failed');
    assert.equal(await countQueuedMails(t, u.email, 'payment-failed'), 0);
  });
});

describe('admin', () => {
  it('lists purchases, refunds through Stripe (the webhook revokes), and reports revenue per day', async () => {
    const { t, emulator } = s;
    const admin = await signUpAs(t, 'admin');
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    await payInForm(emulator, checkout);
    const state = await waitFor('the license', async () => {
      const r = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
      return r.body.license_key ? r.body : undefined;
    });

    const forbidden = await t.get('/admin/purchases', u.access);
    assert.equal(forbidden.status, 403);
    const list = await t.get(`/admin/purchases?user_id=${u.id}`, admin.access);
    assert.equal(list.status, 200);
    assert.equal(list.body.purchases.length, 1);
    assert.equal(list.body.purchases[0].user_email, u.email);

    const today = new Date().toISOString().slice(0, 10);
    const before = await t.get(`/admin/revenue?from=${today}&to=${today}`, admin.access);
    const grossBefore = before.body.days.find((d: any) => d.product === 'mixing_mentor')?.gross ?? 0;
    const reversedBefore = before.body.days.find((d: any) => d.product === 'mixing_mentor')?.reversed ?? 0;

    const refund = await t.post(`/admin/purchases/${state.purchase_id}/refund`, { reason: 'requested_by_customer' }, admin.access);
    assert.equal(refund.status, 202);
    assert.equal(refund.body.amount, 2999);
    assert.match(refund.body.refund_id, /^re_/);

    await t.waitForMail(u.email, 'license-revoked');
    await emulator.webhooks.idle();
    const after = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
    assert.equal(after.body.purchase_status, 'refunded');
    const license = await query<{ status: string }>(t, 'SELECT status FROM licenses WHERE id = :id', { id: state.license_id });
    assert.equal(license[0]!.status, 'revoked');

    const again = await t.post(`/admin/purchases/${state.purchase_id}/refund`, {}, admin.access);
    assert.equal(again.status, 422);
    assert.equal(again.body.error, 'not_refundable');

    const revenue = await t.get(`/admin/revenue?from=${today}&to=${today}`, admin.access);
    const day = revenue.body.days.find((d: any) => d.product === 'mixing_mentor');
    assert.equal(day.gross, grossBefore);
    assert.equal(day.reversed, reversedBefore + 2999);
    assert.equal(day.net, day.gross - day.reversed);

    const audit = await query<{ action: string }>(t, `SELECT action FROM audit_logs WHERE target_id = :id ORDER BY id`, { id: state.purchase_id });
    assert.deepEqual(
      audit.map((a) => a.action),
      ['purchase.checkout_created', 'purchase.completed', 'purchase.refund_requested', 'purchase.refunded'],
    );
  });
});
