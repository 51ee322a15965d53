import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signWebhookPayload } from '../../scripts/stripe-emulator';
import { signUp } from './helpers/api';
import { control, countQueuedMails, createCheckout, payInForm, query, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';

let s: PurchaseStack;
before(async () => {
  s = await startPurchaseStack();
});
after(() => s.close());

const counts = async () => {
  const [row] = await query<{ events: number; purchases: number; licenses: number }>(
    s.t,
    `SELECT (SELECT count(*)::int FROM stripe_events) AS events, (SELECT count(*)::int FROM purchases) AS purchases,
            (SELECT count(*)::int FROM licenses) AS licenses`,
  );
  return row!;
};

function postWebhook(payload: string, signature?: string) {
  return s.t.request('POST', '/purchase/webhook', {
    raw: payload,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(signature ? { 'stripe-signature': signature } : {}) },
  });
}

/** A checkout.session.completed event as Stripe would send it for a session the API never created. */
function fakeCompletedEvent(id: string) {
  return JSON.stringify(
    {
      id,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      type: 'checkout.session.completed',
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { id: 'cs_test_forged', object: 'checkout.session', mode: 'payment', payment_status: 'paid', status: 'complete', metadata: {} } },
    },
    null,
    2,
  );
}

/** Waits until the session's purchase has a license and every delivery has settled. */
async function licensed(token: string, sessionId: string) {
  const state = await waitFor('the license', async () => {
    const r = await s.t.get(`/purchase/session/${sessionId}`, token);
    return r.body.license_key ? r.body : undefined;
  });
  await s.emulator.webhooks.idle();
  return state;
}

describe('webhook signature', () => {
  it('answers 400 and records nothing for a bad signature, a stale timestamp, malformed JSON or no signature', async () => {
    const before = await counts();
    const payload = fakeCompletedEvent('evt_forged_1');

    const wrongSecret = await postWebhook(payload, signWebhookPayload(payload, 'whsec_not_the_secret'));
    assert.equal(wrongSecret.status, 400);
    assert.equal(wrongSecret.body.error, 'invalid_signature');

    const stale = await postWebhook(payload, signWebhookPayload(payload, s.webhookSecret, Math.floor(Date.now() / 1000) - 3600));
    assert.equal(stale.status, 400);
    assert.equal(stale.body.error, 'invalid_signature');

    const tampered = await postWebhook(payload.replace('"paid"', '"unpaid"'), signWebhookPayload(payload, s.webhookSecret));
    assert.equal(tampered.status, 400);
    assert.equal(tampered.body.error, 'invalid_signature');

    const broken = '{"id": "evt_broken", "type": ';
    const malformed = await postWebhook(broken, signWebhookPayload(broken, s.webhookSecret));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error, 'invalid_json');

    const unsigned = await postWebhook(payload);
    assert.equal(unsigned.status, 400);
    assert.equal(unsigned.body.error, 'invalid_signature');

    assert.deepEqual(await counts(), before);
  });

  it('records a correctly signed event of a type it does not handle, acknowledges it, and ignores a repeat', async () => {
    const event = JSON.stringify({ id: 'evt_unknown_type_1', object: 'event', type: 'balance.available', livemode: false, created: 1, data: { object: {} } });
    const first = await postWebhook(event, signWebhookPayload(event, s.webhookSecret));
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { received: true });
    const again = await postWebhook(event, signWebhookPayload(event, s.webhookSecret));
    assert.deepEqual(again.body, { received: true, duplicate: true });
    const rows = await query<{ attempts: number; processed: boolean }>(s.t, `SELECT attempts, processed_at IS NOT NULL AS processed FROM stripe_events WHERE id = 'evt_unknown_type_1'`);
    assert.deepEqual(rows, [{ attempts: 1, processed: true }]);
  });

  it('ignores a correctly signed completion for a session that is not ours', async () => {
    const before = await counts();
    const payload = fakeCompletedEvent('evt_not_ours_1');
    const res = await postWebhook(payload, signWebhookPayload(payload, s.webhookSecret));
    assert.equal(res.status, 200);
    const after = await counts();
    assert.equal(after.purchases, before.purchases);
    assert.equal(after.licenses, before.licenses);
  });
});

describe('exactly once', () => {
  it('every event 5 times at once, in reverse order with its refund: one purchase, one license, finally revoked', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    emulator.webhooks.hold();
    await payInForm(emulator, checkout);
    const paymentIntent = emulator.state.sessions.get(checkout.session_id)!.payment_intent!;
    // A refund made in Stripe (e.g. the Dashboard) before any webhook reached us.
    const refund = await fetch(`${emulator.url}/v1/refunds`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_purchases_suite', 'content-type': 'application/x-www-form-urlencoded' },
      body: `payment_intent=${paymentIntent}`,
    });
    assert.equal(refund.status, 200);
    const released = emulator.webhooks.release({ order: 'reverse', duplicates: 5 });
    assert.ok(released >= 4);
    await emulator.webhooks.idle();

    const deliveries = emulator.webhooks.deliveries.filter((d) => d.attempt === 1).slice(-released * 5);
    assert.equal(deliveries.length, released * 5);
    assert.ok(deliveries.every((d) => d.status === 200), JSON.stringify(deliveries.filter((d) => d.status !== 200)));

    const purchases = await query<{ id: string; status: string; license_id: string; amount_refunded: number }>(
      t,
      'SELECT id, status, license_id, amount_refunded FROM purchases WHERE user_id = :id',
      { id: u.id },
    );
    assert.equal(purchases.length, 1);
    assert.equal(purchases[0]!.status, 'refunded');
    assert.equal(purchases[0]!.amount_refunded, 2999);
    const licenses = await query<{ id: string; status: string }>(t, 'SELECT id, status FROM licenses WHERE user_id = :id', { id: u.id });
    assert.deepEqual(licenses, [{ id: purchases[0]!.license_id, status: 'revoked' }]);
    await t.waitForMail(u.email, 'license-revoked');
    assert.equal(await countQueuedMails(t, u.email, 'license-key'), 1);
    assert.equal(await countQueuedMails(t, u.email, 'license-revoked'), 1);
    const events = await query<{ n: number; processed: number }>(
      t,
      `SELECT count(*)::int AS n, count(processed_at)::int AS processed FROM stripe_events WHERE payload->'data'->'object'->>'payment_intent' = :pi OR payload->'data'->'object'->>'id' = :session`,
      { pi: paymentIntent, session: checkout.session_id },
    );
    assert.equal(events[0]!.n, events[0]!.processed);
  });

  it('a refund that arrives before the completion: the purchase is refunded first, then ends with one revoked license', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    emulator.webhooks.hold();
    await payInForm(emulator, checkout);
    const paymentIntent = emulator.state.sessions.get(checkout.session_id)!.payment_intent!;
    const refund = await fetch(`${emulator.url}/v1/refunds`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_purchases_suite', 'content-type': 'application/x-www-form-urlencoded' },
      body: `payment_intent=${paymentIntent}&reason=fraudulent`,
    });
    assert.equal(refund.status, 200);

    assert.equal(emulator.webhooks.release({ only: (e) => e.type === 'charge.refunded' }), 1);
    await emulator.webhooks.idle();
    const early = await query<{ status: string; license_id: string | null }>(t, 'SELECT status, license_id FROM purchases WHERE user_id = :id', { id: u.id });
    assert.deepEqual(early, [{ status: 'refunded', license_id: null }]);

    emulator.webhooks.release();
    await emulator.webhooks.idle();
    const final = await query<{ status: string; license_id: string | null }>(t, 'SELECT status, license_id FROM purchases WHERE user_id = :id', { id: u.id });
    assert.equal(final.length, 1);
    assert.equal(final[0]!.status, 'refunded');
    const licenses = await query<{ id: string; status: string }>(t, 'SELECT id, status FROM licenses WHERE user_id = :id', { id: u.id });
    assert.deepEqual(licenses, [{ id: final[0]!.license_id, status: 'revoked' }]);
    assert.equal(await countQueuedMails(t, u.email, 'license-key'), 1);
    assert.equal(await countQueuedMails(t, u.email, 'license-revoked'), 1);
  });

  it('the same completion 5 times at once in normal order: one license, one mail', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    emulator.webhooks.hold();
    await payInForm(emulator, checkout);
    emulator.webhooks.release({ order: 'shuffle', duplicates: 5 });
    const state = await licensed(u.access, checkout.session_id);
    assert.equal(state.purchase_status, 'completed');
    const licenses = await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM licenses WHERE user_id = :id', { id: u.id });
    assert.equal(licenses[0]!.n, 1);
    await t.waitForMail(u.email, 'license-key');
    assert.equal(await countQueuedMails(t, u.email, 'license-key'), 1);
  });

  it('a handler that fails after the event is recorded answers 500; Stripe\'s retry completes it exactly once', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    // Make the license insert fail, as a crash in the middle of the handler would.
    await query(
      t,
      `CREATE OR REPLACE FUNCTION test_crash_license_insert() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'simulated crash in the middle of the handler'; END $$ LANGUAGE plpgsql;
       CREATE TRIGGER test_crash BEFORE INSERT ON licenses FOR EACH ROW EXECUTE FUNCTION test_crash_license_insert();`,
    );
    try {
      await payInForm(emulator, checkout);
      const failed = await waitFor('a failed attempt', async () => {
        const rows = await query<{ id: string; attempts: number; last_error: string | null; processed_at: Date | null }>(
          t,
          `SELECT id, attempts, last_error, processed_at FROM stripe_events
            WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = :session`,
          { session: checkout.session_id },
        );
        const answered500 = rows[0] && emulator.webhooks.deliveries.some((d) => d.event_id === rows[0]!.id && d.status === 500);
        return answered500 ? rows[0] : undefined;
      });
      assert.ok(failed.attempts >= 1);
      assert.equal(failed.processed_at, null);
      assert.match(failed.last_error ?? '', /simulated crash/);
      const mid = await query<{ status: string; license_id: string | null }>(t, 'SELECT status, license_id FROM purchases WHERE user_id = :id', { id: u.id });
      assert.deepEqual(mid, [{ status: 'pending', license_id: null }]);
      assert.equal(await countQueuedMails(t, u.email, 'license-key'), 0);
    } finally {
      await query(t, 'DROP TRIGGER IF EXISTS test_crash ON licenses; DROP FUNCTION IF EXISTS test_crash_license_insert();');
    }

    const state = await licensed(u.access, checkout.session_id);
    assert.equal(state.purchase_status, 'completed');
    const event = await query<{ attempts: number; last_error: string | null }>(
      t,
      `SELECT attempts, last_error FROM stripe_events WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = :session`,
      { session: checkout.session_id },
    );
    assert.ok(event[0]!.attempts >= 2);
    assert.equal(event[0]!.last_error, null);
    const licenses = await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM licenses WHERE user_id = :id', { id: u.id });
    assert.equal(licenses[0]!.n, 1);
    await t.waitForMail(u.email, 'license-key');
    assert.equal(await countQueuedMails(t, u.email, 'license-key'), 1);
  });

  it('a lost chargeback revokes the license and marks the purchase disputed; a won one changes nothing', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    await payInForm(emulator, checkout);
    const state = await licensed(u.access, checkout.session_id);
    const chargeId = emulator.state.paymentIntents.get(emulator.state.sessions.get(checkout.session_id)!.payment_intent!)!.latest_charge!;
    await control(emulator, `charges/${chargeId}/dispute`, { outcome: 'lost' });
    await emulator.webhooks.idle();
    const after = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
    assert.equal(after.body.purchase_status, 'disputed');
    const license = await query<{ status: string }>(t, 'SELECT status FROM licenses WHERE id = :id', { id: state.license_id });
    assert.equal(license[0]!.status, 'revoked');
    await t.waitForMail(u.email, 'license-revoked');

    const v = await signUp(t);
    const won = await createCheckout(t, v.access);
    await payInForm(emulator, won);
    const wonState = await licensed(v.access, won.session_id);
    const wonCharge = emulator.state.paymentIntents.get(emulator.state.sessions.get(won.session_id)!.payment_intent!)!.latest_charge!;
    await control(emulator, `charges/${wonCharge}/dispute`, { outcome: 'won' });
    await emulator.webhooks.idle();
    const kept = await query<{ status: string }>(t, 'SELECT status FROM licenses WHERE id = :id', { id: wonState.license_id });
    assert.equal(kept[0]!.status, 'active');
  });

  it('a partial refund keeps the license', async () => {
    const { t, emulator } = s;
    const admin = await signUp(t);
    await query(t, `UPDATE users SET role = 'admin' WHERE id = :id`, { id: admin.id });
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    await payInForm(emulator, checkout);
    const state = await licensed(u.access, checkout.session_id);
    const refund = await t.post(`/admin/purchases/${state.purchase_id}/refund`, { amount: 1000 }, admin.access);
    assert.equal(refund.status, 202);
    await emulator.webhooks.idle();
    const row = await query<{ status: string; amount_refunded: number }>(t, 'SELECT status, amount_refunded FROM purchases WHERE id = :id', { id: state.purchase_id });
    assert.deepEqual(row, [{ status: 'completed', amount_refunded: 1000 }]);
    const license = await query<{ status: string }>(t, 'SELECT status FROM licenses WHERE id = :id', { id: state.license_id });
    assert.equal(license[0]!.status, 'active');
  });
});
