import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signUp, signUpAs } from './helpers/api';
import { createCheckout, payInForm, query, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';

let s: PurchaseStack;
let admin: Awaited<ReturnType<typeof signUpAs>>;
before(async () => {
  // No retries from the emulator: a failed delivery stays failed until an operator replays it.
  s = await startPurchaseStack({ retryDelaysMs: [] });
  admin = await signUpAs(s.t, 'admin');
});
after(() => s.close());

/** Reads a price as Stripe has it, through the emulator's Stripe API. */
async function stripePrice(id: string): Promise<{ id: string; active: boolean; unit_amount: number; product: string; recurring: unknown }> {
  const res = await fetch(`${s.emulator.url}/v1/prices/${id}`, { headers: { authorization: `Bearer ${s.t.config.stripe.secretKey}` } });
  assert.equal(res.status, 200);
  return res.json() as Promise<never>;
}

describe('admin plans', () => {
  it('changing a price makes a new Stripe price, archives the old, and new checkouts use the new one', async () => {
    const { t } = s;
    const before = (await t.get('/admin/plans', admin.access)).body.plans.find((p: any) => p.id === 'pro_subscription');
    const changed = await t.put('/admin/plans/pro_subscription/price', { amount: 1299 }, admin.access);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.amount, 1299);
    assert.notEqual(changed.body.stripe_price_id, before.stripe_price_id);
    const [oldPrice, newPrice] = [await stripePrice(before.stripe_price_id), await stripePrice(changed.body.stripe_price_id)];
    assert.equal(oldPrice.active, false, 'the old price is archived');
    assert.equal(newPrice.active, true);
    assert.equal(newPrice.unit_amount, 1299);
    assert.equal(newPrice.product, oldPrice.product, 'same Stripe product');
    assert.deepEqual(newPrice.recurring, oldPrice.recurring, 'still monthly');

    const again = await t.put('/admin/plans/pro_subscription/price', { amount: 1299 }, admin.access);
    assert.equal(again.body.stripe_price_id, changed.body.stripe_price_id, 'the same price again changes nothing');

    const forSale = (await t.get('/purchase/plans')).body.plans.find((p: any) => p.id === 'pro_subscription');
    assert.equal(forSale.amount, 1299);
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access, 'pro', 'subscription');
    const [purchase] = await query<{ amount: number }>(t, 'SELECT amount FROM purchases WHERE id = :id', { id: checkout.purchase_id });
    assert.equal(purchase!.amount, 1299);
    assert.equal((await payInForm(s.emulator, checkout)).status, 200);
    const state = await waitFor('the license', async () => {
      const r = await t.get(`/purchase/session/${checkout.session_id}`, u.access);
      return r.body.license_key ? r.body : undefined;
    });
    assert.equal(state.amount, 1299);
  });

  it('a new plan goes on sale with its own price; deactivated, it leaves the shop and its price stops taking checkouts', async () => {
    const { t } = s;
    const created = await t.post(
      '/admin/plans',
      { plan: 'studio', license_type: 'perpetual', policy: 'pro', name: 'Mixing Mentor Studio', amount: 8999, sort_order: 5 },
      admin.access,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.id, 'studio_perpetual');
    assert.equal((await stripePrice(created.body.stripe_price_id)).unit_amount, 8999);
    assert.equal((await t.post('/admin/plans', { plan: 'studio', license_type: 'perpetual', policy: 'pro', name: 'Again', amount: 1 }, admin.access)).status, 409);
    const unknownPolicy = await t.post('/admin/plans', { plan: 'ghost', license_type: 'perpetual', policy: 'nope', name: 'Ghost', amount: 1 }, admin.access);
    assert.equal(unknownPolicy.status, 422);
    assert.equal(unknownPolicy.body.error, 'unknown_policy');
    const noInterval = await t.post('/admin/plans', { plan: 'monthly', license_type: 'subscription', policy: 'pro', name: 'M', amount: 1 }, admin.access);
    assert.equal(noInterval.status, 400);

    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access, 'studio', 'perpetual');
    assert.equal((await payInForm(s.emulator, checkout)).status, 200);
    const key = await waitFor('the license', async () => (await t.get(`/purchase/session/${checkout.session_id}`, u.access)).body.license_key);
    const status = await t.get(`/license/status?license_key=${key}`, u.access);
    assert.equal(status.body.policy, 'pro');

    const off = await t.post('/admin/plans/studio_perpetual/deactivate', undefined, admin.access);
    assert.equal(off.status, 200);
    assert.equal(off.body.active, false);
    assert.equal((await stripePrice(created.body.stripe_price_id)).active, false);
    assert.ok(!(await t.get('/purchase/plans')).body.plans.some((p: any) => p.id === 'studio_perpetual'));
    const refused = await t.post('/purchase/create-checkout', { plan: 'studio', license_type: 'perpetual' }, u.access);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_plan');
    assert.equal((await t.post('/admin/plans/studio_perpetual/activate', undefined, admin.access)).body.active, true);
    assert.equal((await t.put('/admin/plans/nope_perpetual/price', { amount: 5 }, admin.access)).status, 404);
  });
});

describe('admin webhooks', () => {
  it('lists an event that failed with its error, and a replay processes it exactly once', async () => {
    const { t, emulator } = s;
    const u = await signUp(t);
    const checkout = await createCheckout(t, u.access);
    // Forced failure: no license can be written while this constraint stands.
    await t.api.deps.sequelize.query('ALTER TABLE licenses ADD CONSTRAINT forced_failure CHECK (false) NOT VALID');
    try {
      assert.equal((await payInForm(emulator, checkout)).status, 200);
      await emulator.webhooks.idle();
    } finally {
      await t.api.deps.sequelize.query('ALTER TABLE licenses DROP CONSTRAINT forced_failure');
    }
    const failed = await t.get('/admin/webhooks?status=failed', admin.access);
    assert.equal(failed.status, 200);
    const event = failed.body.events.find((e: any) => e.type === 'checkout.session.completed');
    assert.ok(event, JSON.stringify(failed.body));
    assert.match(event.last_error, /forced_failure/);
    assert.equal(event.processed_at, null);
    assert.equal((await t.get(`/purchase/session/${checkout.session_id}`, u.access)).body.license_key, null);

    const replay = await t.post(`/admin/webhooks/${event.id}/replay`, undefined, admin.access);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.replayed, true);
    assert.equal(replay.body.event.status, 'processed');
    assert.ok((await t.get(`/purchase/session/${checkout.session_id}`, u.access)).body.license_key);

    const twice = await t.post(`/admin/webhooks/${event.id}/replay`, undefined, admin.access);
    assert.equal(twice.body.replayed, false, 'an event is never processed twice');
    const [licenses] = await query<{ n: number }>(t, 'SELECT count(*)::int AS n FROM licenses WHERE user_id = :id', { id: u.id });
    assert.equal(licenses!.n, 1);
    assert.equal((await t.post('/admin/webhooks/evt_unknown123/replay', undefined, admin.access)).status, 404);
    const page1 = await t.get('/admin/webhooks?limit=1', admin.access);
    assert.equal(page1.body.events.length, 1);
    assert.ok(page1.body.next_cursor);
  });
});
