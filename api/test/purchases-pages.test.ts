import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { signUp } from './helpers/api';
import { createCheckout, payInForm, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';

let s: PurchaseStack;
before(async () => {
  s = await startPurchaseStack();
});
after(() => s.close());

const page = (p: string) => fetch(`${s.t.url}${p}`, { redirect: 'manual' });

describe('checkout pages', () => {
  it('/checkout mounts the emulator form under a CSP that allows only itself and the emulator', async () => {
    const u = await signUp(s.t);
    const checkout = await createCheckout(s.t, u.access);
    const res = await page(`/checkout?session_id=${checkout.session_id}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.ok(csp.includes(`frame-src ${s.emulator.url}`), csp);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    const html = await res.text();
    assert.ok(html.includes(`data-client-secret="${checkout.client_secret}"`));
    assert.ok(html.includes('Mixing Mentor Standard · $29.99'));
    assert.doesNotMatch(html, /<script>|style="/);
    const script = await page('/checkout/assets/checkout.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
  });

  it('sends a paid session to the success page, an unknown one to a 404 page, and offers a retry only while the session is open', async () => {
    const u = await signUp(s.t);
    const checkout = await createCheckout(s.t, u.access);
    const retry = await (await page(`/checkout/error?reason=payment_failed&session_id=${checkout.session_id}`)).text();
    assert.ok(retry.includes(`href="/checkout?session_id=${checkout.session_id}"`));

    await payInForm(s.emulator, checkout);
    const done = await page(`/checkout?session_id=${checkout.session_id}`);
    assert.equal(done.status, 302);
    assert.equal(done.headers.get('location'), `/checkout/success?session_id=${checkout.session_id}`);
    const noRetry = await (await page(`/checkout/error?reason=canceled&session_id=${checkout.session_id}`)).text();
    assert.ok(!noRetry.includes('/checkout?session_id='));
    assert.ok(noRetry.includes('You canceled the payment'));

    assert.equal((await page('/checkout?session_id=cs_test_unknown')).status, 404);
    assert.equal((await page('/checkout?session_id=<script>')).status, 404);
  });

  it('the public outcome shows the key once the webhook issued it, and nothing about other accounts', async () => {
    const u = await signUp(s.t);
    const checkout = await createCheckout(s.t, u.access);
    const before = await s.t.get(`/purchase/checkout-status?session_id=${checkout.session_id}`);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body, { session_id: checkout.session_id, status: 'open', purchase_status: 'pending', plan_name: 'Mixing Mentor Standard', license_key: null });
    await payInForm(s.emulator, checkout);
    const after = await waitFor('the key', async () => {
      const r = await s.t.get(`/purchase/checkout-status?session_id=${checkout.session_id}`);
      return r.body.license_key ? r.body : undefined;
    });
    assert.equal(after.purchase_status, 'completed');
    assert.equal(Object.keys(after).sort().join(), 'license_key,plan_name,purchase_status,session_id,status');
    assert.equal((await s.t.get('/purchase/checkout-status?session_id=cs_test_nope')).status, 404);
  });
});

describe('checkout in a real browser', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  });
  after(() => browser?.close());

  it('pays in the embedded emulator form and shows the webhook-issued key on the success page', async () => {
    const u = await signUp(s.t);
    const checkout = await createCheckout(s.t, u.access);
    const context = await browser!.newContext();
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    tab.on('pageerror', (e) => problems.push(e.message));
    tab.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    await tab.goto(checkout.checkout_url.replace(s.t.config.publicUrl, s.t.url));
    assert.equal(await tab.getByRole('heading', { name: 'Checkout' }).count(), 1);
    const form = tab.frameLocator('iframe[title="Payment form"]');
    await form.getByRole('button', { name: 'Pay', exact: true }).click();
    await tab.waitForURL(/\/checkout\/success\?session_id=/);
    const key = tab.locator('#license-key');
    await key.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await key.textContent()) ?? '', /^NG-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    assert.equal(await tab.getByRole('button', { name: 'Copy license key' }).isVisible(), true);
    assert.equal(await tab.getByRole('link', { name: 'Download Mixing Mentor' }).isVisible(), true);
    const dir = path.resolve('artifacts', 'screenshots');
    await mkdir(dir, { recursive: true });
    await tab.screenshot({ path: path.join(dir, 'checkout-success.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a declined card shows the error in the form; canceling leads to the error page', async () => {
    const u = await signUp(s.t);
    const checkout = await createCheckout(s.t, u.access);
    const context = await browser!.newContext();
    const tab = await context.newPage();
    await tab.goto(checkout.checkout_url.replace(s.t.config.publicUrl, s.t.url));
    const form = tab.frameLocator('iframe[title="Payment form"]');
    await form.getByRole('button', { name: 'Fail payment' }).click();
    await form.getByRole('alert').filter({ hasText: 'Your card was declined.' }).waitFor();
    const dir = path.resolve('artifacts', 'screenshots');
    await mkdir(dir, { recursive: true });
    await tab.screenshot({ path: path.join(dir, 'checkout-declined.png'), fullPage: true });
    await form.getByRole('button', { name: 'Cancel payment' }).click();
    await tab.waitForURL(/\/checkout\/error\?reason=canceled/);
    assert.equal(await tab.getByRole('heading', { name: 'Payment not completed' }).count(), 1);
    await context.close();
  });
});
