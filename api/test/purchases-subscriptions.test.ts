import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendLicenseReminders } from '../src/modules/purchases/license-reminders';
import { signUp, signUpAs } from './helpers/api';
import { control, countQueuedMails, createCheckout, payInForm, query, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';

let s: PurchaseStack;
before(async () => {
  s = await startPurchaseStack();
});
after(() => s.close());

const DAY = 86_400_000;

async function subscribe(plan: 'standard' | 'pro' = 'standard') {
  const u = await signUp(s.t);
  const checkout = await createCheckout(s.t, u.access, plan, 'subscription');
  const paid = await payInForm(s.emulator, checkout);
  assert.equal(paid.status, 200);
  const state = await waitFor('the subscription license', async () => {
    const r = await s.t.get(`/purchase/session/${checkout.session_id}`, u.access);
    return r.body.license_key ? r.body : undefined;
  });
  await s.emulator.webhooks.idle();
  const subscriptionId = s.emulator.state.sessions.get(checkout.session_id)!.subscription!;
  return { u, checkout, state, subscriptionId };
}

async function license(id: string) {
  const [row] = await query<{ status: string; expires_at: Date; license_type: string }>(
    s.t,
    'SELECT l.status, l.expires_at, p.license_type FROM licenses l JOIN policies p ON p.id = l.policy_id WHERE l.id = :id',
    { id },
  );
  return row!;
}

describe('subscriptions', () => {
  it('a subscription license runs to the paid period end; a renewal extends it and is its own payment', async () => {
    const { state, subscriptionId, u } = await subscribe('pro');
    const sub = s.emulator.state.subscriptions.get(subscriptionId)!;
    const periodEnd = sub.items.data[0]!.current_period_end * 1000;
    const first = await license(state.license_id);
    assert.equal(first.license_type, 'subscription');
    assert.equal(first.status, 'active');
    // Paid through the period's end, plus a day for the renewal charge to land.
    assert.equal(first.expires_at.getTime(), periodEnd + DAY);
    await s.t.waitForMail(u.email, 'license-key');

    await control(s.emulator, `subscriptions/${subscriptionId}/renew`);
    await s.emulator.webhooks.idle();
    const nextEnd = s.emulator.state.subscriptions.get(subscriptionId)!.items.data[0]!.current_period_end * 1000;
    assert.ok(nextEnd > periodEnd);
    const renewed = await license(state.license_id);
    assert.equal(renewed.expires_at.getTime(), nextEnd + DAY);
    assert.equal(renewed.status, 'active');

    const history = await s.t.get('/purchase/history', u.access);
    assert.deepEqual(
      history.body.purchases.map((p: any) => [p.kind, p.status, p.amount, p.license_key]),
      [
        ['renewal', 'completed', 999, state.license_key],
        ['checkout', 'completed', 999, state.license_key],
      ],
    );
    assert.equal(await countQueuedMails(s.t, u.email, 'license-key'), 1);
    assert.equal(await countQueuedMails(s.t, u.email, 'payment-receipt'), 2, 'a receipt mail for the first payment and for the renewal');
    // Each payment has its invoice's hosted page as its receipt.
    const invoices = [...s.emulator.state.invoices.values()].filter((i) => i.parent.subscription_details.subscription === subscriptionId);
    assert.deepEqual(
      history.body.purchases.map((p: any) => p.receipt_url).sort(),
      invoices.map((i) => i.hosted_invoice_url).sort(),
    );
    assert.equal(history.body.purchases[0].subscription, null, 'a renewal is a payment, not the subscription');
    assert.deepEqual(history.body.purchases[1].subscription, { status: 'active', paid_through: new Date(nextEnd).toISOString(), cancel_at_period_end: false });
  });

  it('cancelling in the billing portal and resuming are reflected in the history once the webhook has come', async () => {
    const { subscriptionId, u } = await subscribe();
    const portal = await s.t.post('/purchase/portal', {}, u.access);
    assert.equal(portal.status, 200);
    const portalSession = new URL(portal.body.url).pathname.split('/').pop();
    const subscriptionOf = async () => (await s.t.get('/purchase/history', u.access)).body.purchases[0].subscription;
    for (const cancel of [true, false]) {
      const res = await fetch(`${s.emulator.url}/_emulator/subscriptions/${subscriptionId}/cancel_at_period_end`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ portal_session: portalSession, cancel }),
      });
      assert.equal(res.status, 200);
      await s.emulator.webhooks.idle();
      assert.equal((await subscriptionOf()).cancel_at_period_end, cancel);
    }
  });

  it('a failed renewal leaves a grace period and mails once; deleting the subscription then expires the license', async () => {
    const { state, subscriptionId, u } = await subscribe();
    const now = Math.floor(Date.now() / 1000);
    // The renewal is due now (as if the period had run out) and the card is declined, twice.
    await control(s.emulator, `subscriptions/${subscriptionId}/fail_renewal`, { at: now });
    await control(s.emulator, `subscriptions/${subscriptionId}/fail_renewal`);
    await s.emulator.webhooks.idle();
    const pastDue = await license(state.license_id);
    assert.equal(pastDue.status, 'active');
    assert.equal(pastDue.expires_at.getTime(), now * 1000 + 7 * DAY);
    await s.t.waitForMail(u.email, 'renewal-failed');
    assert.equal(await countQueuedMails(s.t, u.email, 'renewal-failed'), 1);
    const [checkoutRow] = await query<{ subscription_status: string }>(s.t, 'SELECT subscription_status FROM purchases WHERE id = :id', { id: state.purchase_id });
    assert.equal(checkoutRow!.subscription_status, 'past_due');

    await control(s.emulator, `subscriptions/${subscriptionId}/cancel`);
    await s.emulator.webhooks.idle();
    const ended = await license(state.license_id);
    assert.equal(ended.status, 'expired');
    assert.ok(ended.expires_at.getTime() <= Date.now());
    const [after] = await query<{ subscription_status: string }>(s.t, 'SELECT subscription_status FROM purchases WHERE id = :id', { id: state.purchase_id });
    assert.equal(after!.subscription_status, 'canceled');
  });

  it('a subscription deleted mid-period keeps its license to the end of the paid period', async () => {
    const { state, subscriptionId } = await subscribe();
    const paidUntil = s.emulator.state.subscriptions.get(subscriptionId)!.items.data[0]!.current_period_end * 1000;
    await control(s.emulator, `subscriptions/${subscriptionId}/cancel`);
    await s.emulator.webhooks.idle();
    const l = await license(state.license_id);
    assert.equal(l.status, 'active');
    assert.equal(l.expires_at.getTime(), paidUntil);
  });

  it('subscription events 3 times each, in reverse order: one license, one renewal payment, the right end date', async () => {
    const u = await signUp(s.t);
    const checkout = await createCheckout(s.t, u.access, 'standard', 'subscription');
    s.emulator.webhooks.hold();
    await payInForm(s.emulator, checkout);
    const subscriptionId = s.emulator.state.sessions.get(checkout.session_id)!.subscription!;
    await control(s.emulator, `subscriptions/${subscriptionId}/renew`);
    s.emulator.webhooks.release({ order: 'reverse', duplicates: 3 });
    await s.emulator.webhooks.idle();
    const rows = await query<{ kind: string; status: string; license_id: string }>(
      s.t,
      'SELECT kind, status, license_id FROM purchases WHERE user_id = :id ORDER BY created_at',
      { id: u.id },
    );
    assert.deepEqual(rows.map((r) => [r.kind, r.status]).sort(), [['checkout', 'completed'], ['renewal', 'completed']]);
    const licenses = await query<{ id: string; expires_at: Date }>(s.t, 'SELECT id, expires_at FROM licenses WHERE user_id = :id', { id: u.id });
    assert.equal(licenses.length, 1);
    const end = s.emulator.state.subscriptions.get(subscriptionId)!.items.data[0]!.current_period_end * 1000;
    assert.equal(licenses[0]!.expires_at.getTime(), end + DAY);
    assert.equal(await countQueuedMails(s.t, u.email, 'license-key'), 1);
  });

  it('refuses a second subscription to the same product, and gives subscribers (only) a billing-portal link', async () => {
    const { u } = await subscribe();
    const second = await s.t.post('/purchase/create-checkout', { plan: 'pro', license_type: 'subscription' }, u.access);
    assert.equal(second.status, 409);
    assert.equal(second.body.error, 'already_subscribed');

    const portal = await s.t.post('/purchase/portal', undefined, u.access);
    assert.equal(portal.status, 200);
    assert.ok(portal.body.url.startsWith(`${s.emulator.url}/p/session/bps_`));
    const page = await fetch(portal.body.url);
    const html = await page.text();
    assert.match(html, /Cancel subscription/);
    assert.match(html, new RegExp(`href="${s.t.config.publicUrl}/checkout/billing-done"`));

    const oneTime = await signUp(s.t);
    const none = await s.t.post('/purchase/portal', undefined, oneTime.access);
    assert.equal(none.status, 422);
    assert.equal(none.body.error, 'no_subscription');
  });

  it('an admin refund of a subscription refunds its payment, cancels it and (by webhook) revokes the license', async () => {
    const admin = await signUpAs(s.t, 'admin');
    const { state, subscriptionId, u } = await subscribe();
    const refund = await s.t.post(`/admin/purchases/${state.purchase_id}/refund`, {}, admin.access);
    assert.equal(refund.status, 202);
    assert.equal(refund.body.subscription_canceled, true);
    await s.emulator.webhooks.idle();
    assert.equal(s.emulator.state.subscriptions.get(subscriptionId)!.status, 'canceled');
    assert.equal((await license(state.license_id)).status, 'revoked');
    const [row] = await query<{ status: string; subscription_status: string }>(s.t, 'SELECT status, subscription_status FROM purchases WHERE id = :id', { id: state.purchase_id });
    assert.deepEqual(row, { status: 'refunded', subscription_status: 'canceled' });
    await s.t.waitForMail(u.email, 'license-revoked');
  });
});

describe('trial reminders', () => {
  it('mails once, three days before a trial ends', async () => {
    const u = await signUp(s.t);
    const licenses = s.t.api.built.services.licenses;
    await licenses.issue({ userId: u.id, product: 'mixing_mentor', policy: 'trial', source: { type: 'trial' }, expiresAt: new Date(Date.now() + 2.5 * DAY) });
    const later = await signUp(s.t);
    await licenses.issue({ userId: later.id, product: 'mixing_mentor', policy: 'trial', source: { type: 'trial' }, expiresAt: new Date(Date.now() + 10 * DAY) });

    assert.ok((await sendLicenseReminders(s.t.api.deps)) >= 1);
    assert.equal(await sendLicenseReminders(s.t.api.deps), 0);
    const mail = await s.t.waitForMail(u.email, 'trial-ending');
    assert.match(mail, /trial ends in 3 days/);
    assert.equal(await countQueuedMails(s.t, u.email, 'trial-ending'), 1);
    assert.equal(await countQueuedMails(s.t, later.email, 'trial-ending'), 0);
  });

  it('mails once when a trial has ended, with a way to buy, unless the product was bought meanwhile', async () => {
    const licenses = s.t.api.built.services.licenses;
    const ended = await signUp(s.t);
    await licenses.issue({ userId: ended.id, product: 'mixing_mentor', policy: 'trial', source: { type: 'trial' }, expiresAt: new Date(Date.now() - DAY) });
    const bought = await signUp(s.t);
    await licenses.issue({ userId: bought.id, product: 'mixing_mentor', policy: 'trial', source: { type: 'trial' }, expiresAt: new Date(Date.now() - DAY) });
    await licenses.issue({ userId: bought.id, product: 'mixing_mentor', policy: 'standard', source: { type: 'admin' } });
    const longAgo = await signUp(s.t);
    await licenses.issue({ userId: longAgo.id, product: 'mixing_mentor', policy: 'trial', source: { type: 'trial' }, expiresAt: new Date(Date.now() - 30 * DAY) });

    assert.ok((await sendLicenseReminders(s.t.api.deps)) >= 1);
    assert.equal(await sendLicenseReminders(s.t.api.deps), 0);
    const mail = await s.t.waitForMail(ended.email, 'trial-ended');
    assert.match(mail, /trial has ended/);
    assert.match(mail, /nextgennoise:\/\/buy/);
    assert.equal(await countQueuedMails(s.t, ended.email, 'trial-ended'), 1);
    assert.equal(await countQueuedMails(s.t, bought.email, 'trial-ended'), 0);
    assert.equal(await countQueuedMails(s.t, longAgo.email, 'trial-ended'), 0);
  });

  it('mails a week before a license or a cancelled subscription ends, and once it has; never for one that renews', async () => {
    const licenses = s.t.api.built.services.licenses;
    const granted = await signUp(s.t);
    await licenses.issue({ userId: granted.id, product: 'mixing_mentor', policy: 'standard', source: { type: 'admin' }, expiresAt: new Date(Date.now() + 5 * DAY) });
    const cancelled = await subscribe();
    const renewing = await subscribe();
    const lapsed = await subscribe();
    const endIn = (licenseId: string, ms: number) => query(s.t, 'UPDATE licenses SET expires_at = :at WHERE id = :id', { id: licenseId, at: new Date(Date.now() + ms) });
    await query(s.t, 'UPDATE purchases SET cancel_at_period_end = true WHERE license_id = :id', { id: cancelled.state.license_id });
    await query(s.t, "UPDATE purchases SET subscription_status = 'canceled' WHERE license_id = :id", { id: lapsed.state.license_id });
    await endIn(cancelled.state.license_id, 5 * DAY);
    await endIn(renewing.state.license_id, 5 * DAY);
    await endIn(lapsed.state.license_id, -DAY);

    assert.ok((await sendLicenseReminders(s.t.api.deps)) >= 3);
    assert.equal(await sendLicenseReminders(s.t.api.deps), 0);
    assert.match(await s.t.waitForMail(granted.email, 'license-ending'), /license ends on .* \(in 5 days\)/);
    const resume = await s.t.waitForMail(cancelled.u.email, 'license-ending');
    assert.match(resume, /subscription ends on/);
    assert.match(resume, /Manage subscription/);
    assert.match(await s.t.waitForMail(lapsed.u.email, 'license-ended'), /subscription has ended/);
    assert.equal(await countQueuedMails(s.t, renewing.u.email, 'license-ending'), 0, 'a subscription that renews is not "ending"');
    for (const who of [granted, cancelled.u]) assert.equal(await countQueuedMails(s.t, who.email, 'license-ending'), 1);
  });
});

describe('billing portal and plan changes', () => {
  it('opens the portal on an explicit configuration that allows only our subscription prices', async () => {
    const { u } = await subscribe('standard');
    const portal = await s.t.post('/purchase/portal', undefined, u.access);
    assert.equal(portal.status, 200);
    const sessionId = portal.body.url.split('/').pop();
    const session = s.emulator.state.portalSessions.get(sessionId)!;
    assert.notEqual(session.configuration, 'bpc_emulator_default');
    const configuration = s.emulator.state.portalConfigurations.get(session.configuration)!;
    const update = configuration.features.subscription_update;
    assert.equal(update.enabled, true);
    assert.deepEqual([...update.products![0]!.prices].sort(), ['price_ngn_pro_subscription', 'price_ngn_standard_subscription']);
    assert.equal(configuration.features.subscription_cancel.mode, 'at_period_end');
    const again = await s.t.post('/purchase/portal', undefined, u.access);
    assert.equal(s.emulator.state.portalSessions.get(again.body.url.split('/').pop())!.configuration, session.configuration, 'reused, not made anew');
  });

  it('a plan change in the portal moves the license to the new plan\'s policy', async () => {
    const { state, subscriptionId, u } = await subscribe('standard');
    await control(s.emulator, `subscriptions/${subscriptionId}/change_price`, { price: 'price_ngn_pro_subscription' });
    await s.emulator.webhooks.idle();
    const status = await waitFor('the new policy', async () => {
      const r = await s.t.get(`/license/status?license_key=${state.license_key}`, u.access);
      return r.body.policy === 'pro_subscription' ? r.body : undefined;
    });
    assert.equal(status.max_activations, 3);
    const [purchase] = await query<{ plan_id: string }>(s.t, 'SELECT plan_id FROM purchases WHERE id = :id', { id: state.purchase_id });
    assert.equal(purchase!.plan_id, 'pro_subscription');
  });
});

describe('account deletion and Stripe', () => {
  it('cancels every subscription of the customer at once and deletes the Stripe customer', async () => {
    const { u, subscriptionId } = await subscribe('standard');
    const profile = await s.t.get('/user/profile', u.access);
    const customer = profile.body.stripe_customer_id as string;
    const del = await s.t.del('/user/account', { password: u.password }, u.access);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    const erased = await waitFor('the Stripe customer deleted', async () => {
      const res = await fetch(`${s.emulator.url}/v1/customers/${customer}`, { headers: { authorization: `Bearer ${s.t.config.stripe.secretKey}` } });
      const body = (await res.json()) as { deleted?: boolean };
      return body.deleted ? body : undefined;
    });
    assert.deepEqual(erased, { id: customer, object: 'customer', deleted: true });
    const subs = await fetch(`${s.emulator.url}/v1/subscriptions?customer=${customer}&status=all`, {
      headers: { authorization: `Bearer ${s.t.config.stripe.secretKey}` },
    }).then((r) => r.json() as Promise<{ data: Array<{ id: string; status: string }> }>);
    assert.deepEqual(subs.data.map((x) => [x.id, x.status]), [[subscriptionId, 'canceled']]);
    assert.equal(s.emulator.state.subscriptions.get(subscriptionId)!.status, 'canceled');
  });

  it('running the erasure again, on a customer already deleted, is done at once', async () => {
    const { eraseStripeCustomer } = await import('../src/modules/purchases/customer-erasure');
    const { createStripeClient } = await import('../src/modules/purchases/stripe-client');
    const { u } = await subscribe('standard');
    const customer = (await s.t.get('/user/profile', u.access)).body.stripe_customer_id as string;
    const stripe = createStripeClient(s.t.config.stripe);
    await eraseStripeCustomer(stripe, customer, s.t.api.deps.logger);
    await eraseStripeCustomer(stripe, customer, s.t.api.deps.logger);
    assert.equal(((await stripe.customers.retrieve(customer)) as { deleted?: boolean }).deleted, true);
  });
});
