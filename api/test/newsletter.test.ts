import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMailchimpEmulator, subscriberHash, type MailchimpEmulator } from '../../scripts/mailchimp-emulator';
import { signUp, signUpAs } from './helpers/api';
import { grantLicense } from './helpers/licenses';
import { artifact, publish } from './helpers/releases';
import { countQueuedMails, createCheckout, payInForm, query, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';

const WEBHOOK_SECRET = 'newsletter-suite-webhook-secret';
let s: PurchaseStack;
let mailchimp: MailchimpEmulator;

const member = (email: string) => mailchimp.audience.members.get(subscriberHash(email));
const tagsOf = (email: string) => member(email)?.tags.map((t) => t.name).sort() ?? [];

async function register(opts: { newsletter?: boolean } = {}) {
  const email = `nl-${Math.random().toString(36).slice(2)}@example.com`;
  const password = 'Studio-monitors-42';
  const res = await s.t.post('/auth/register', { email, password, first_name: 'Nina', last_name: 'Simone', ...opts });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const login = await s.t.post('/auth/login', { email, password });
  return { email, password, id: res.body.id as string, access: login.body.access_token as string };
}

before(async () => {
  mailchimp = await startMailchimpEmulator();
  s = await startPurchaseStack({}, { MAILCHIMP_API_BASE: mailchimp.url, MAILCHIMP_WEBHOOK_SECRET: WEBHOOK_SECRET });
  mailchimp.setWebhook(`${s.t.url}/api/v1/newsletter/mailchimp-webhook/${WEBHOOK_SECRET}`);
});
after(async () => {
  await s.close();
  await mailchimp.close();
});

describe('newsletter through Mailchimp (the official client against the emulator)', () => {
  it('opt-in at registration subscribes the member; buying tags it a customer; nobody is added without consent', async () => {
    const u = await register({ newsletter: true });
    const profile = await s.t.get('/user/profile', u.access);
    assert.equal(profile.body.newsletter, true);
    const [consent] = await query<{ newsletter_consent_source: string; newsletter_consent_at: Date | null }>(
      s.t,
      'SELECT newsletter_consent_source, newsletter_consent_at FROM users WHERE id = :id',
      { id: u.id },
    );
    assert.equal(consent!.newsletter_consent_source, 'registration');
    assert.ok(consent!.newsletter_consent_at, 'the time of consent is kept');
    await waitFor('the member', async () => member(u.email)?.status === 'subscribed');
    assert.equal(member(u.email)!.merge_fields.FNAME, 'Nina');
    assert.deepEqual(tagsOf(u.email), []);

    const paid = await payInForm(s.emulator, await createCheckout(s.t, u.access, 'standard', 'perpetual'));
    assert.equal(paid.status, 200);
    await waitFor('the customer tag', async () => tagsOf(u.email).includes('customer'));

    const silent = await register();
    assert.equal((await s.t.get('/user/profile', silent.access)).body.newsletter, false, 'off by default');
    await payInForm(s.emulator, await createCheckout(s.t, silent.access, 'standard', 'perpetual'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(member(silent.email), undefined, 'no consent, no member');
  });

  it('a subscription lapses: the sweep moves the tags from subscriber to lapsed', async () => {
    const u = await signUp(s.t);
    await s.t.put('/user/profile', { newsletter: true }, u.access);
    const licenses = s.t.api.built.services.licenses;
    const license = await licenses.issue({ userId: u.id, product: 'mixing_mentor', policy: 'standard', source: { type: 'admin' }, expiresAt: new Date(Date.now() + 86_400_000) });
    const newsletter = s.t.api.built.services.newsletter;
    assert.ok((await newsletter.sweep()) >= 1);
    await waitFor('the customer tag', async () => tagsOf(u.email).includes('customer'));
    await query(s.t, "UPDATE licenses SET expires_at = now() - interval '1 hour' WHERE id = :id", { id: license.id });
    assert.ok((await newsletter.sweep()) >= 1);
    await waitFor('the lapsed tag', async () => tagsOf(u.email).join() === 'lapsed');
    await waitFor('the stored tags', async () => (await newsletter.sweep()) === 0 || undefined);
  });

  it("Mailchimp's unsubscribe webhook withdraws consent here; a wrong secret is not found", async () => {
    const u = await register({ newsletter: true });
    await waitFor('the member', async () => member(u.email)?.status === 'subscribed');
    await mailchimp.unsubscribe(u.email);
    const profile = await s.t.get('/user/profile', u.access);
    assert.equal(profile.body.newsletter, false);
    const [row] = await query<{ newsletter_consent_source: string }>(s.t, 'SELECT newsletter_consent_source FROM users WHERE id = :id', { id: u.id });
    assert.equal(row!.newsletter_consent_source, 'mailchimp_unsubscribe');

    const forged = await fetch(`${s.t.url}/api/v1/newsletter/mailchimp-webhook/not-the-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ type: 'unsubscribe', 'data[email]': 'someone@example.com' }),
    });
    assert.equal(forged.status, 404);
    // Mailchimp checks the URL with a GET before it saves the webhook.
    assert.equal((await fetch(`${s.t.url}/api/v1/newsletter/mailchimp-webhook/${WEBHOOK_SECRET}`)).status, 200);
  });

  it('settings: opting out unsubscribes the member; deleting the account deletes it permanently', async () => {
    const u = await register();
    const on = await s.t.put('/user/profile', { newsletter: true }, u.access);
    assert.equal(on.body.newsletter, true);
    await waitFor('the member', async () => member(u.email)?.status === 'subscribed');
    await s.t.put('/user/profile', { newsletter: false }, u.access);
    await waitFor('unsubscribed', async () => member(u.email)?.status === 'unsubscribed');

    const deleted = await s.t.del('/user/account', { password: u.password }, u.access);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    await waitFor('the permanent deletion', async () => mailchimp.audience.forgotten.has(subscriberHash(u.email)));
    assert.equal(member(u.email), undefined);
  });

  it('Mailchimp down: registration still succeeds, and the member is synced once it is back', async () => {
    mailchimp.setDown(true);
    try {
      const u = await register({ newsletter: true });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(member(u.email), undefined);
      mailchimp.setDown(false);
      await waitFor('the member after the outage', async () => member(u.email)?.status === 'subscribed', 60_000);
    } finally {
      mailchimp.setDown(false);
    }
  });
});

describe('new version mails', () => {
  it('go once per version to licensed users who asked, whatever its platforms; never to others', async () => {
    const asked = await signUp(s.t);
    assert.equal((await s.t.put('/user/profile', { update_mails: true }, asked.access)).body.update_mails, true);
    await grantLicense(s.t, asked.id, 'standard');
    const didNotAsk = await signUp(s.t);
    await grantLicense(s.t, didNotAsk.id, 'standard');
    const noLicense = await signUp(s.t);
    await s.t.put('/user/profile', { update_mails: true }, noLicense.access);

    const admin = await signUpAs(s.t, 'admin');
    for (const platform of ['linux', 'windows']) {
      await publish(s.t, admin.access, { product: 'mixing_mentor', version: '9.1.0', platform, release_notes: 'Faster meters.' }, artifact(200));
    }
    const mail = await s.t.waitForMail(asked.email, 'new-version');
    assert.match(mail, /Mixing Mentor 9\.1\.0 is out/);
    assert.match(mail, /Faster meters/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await countQueuedMails(s.t, asked.email, 'new-version'), 1, 'one mail for two platforms');
    assert.equal(await countQueuedMails(s.t, didNotAsk.email, 'new-version'), 0);
    assert.equal(await countQueuedMails(s.t, noLicense.email, 'new-version'), 0);
  });
});
