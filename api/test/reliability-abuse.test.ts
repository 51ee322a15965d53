import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateLicenseKey } from '@ngn/shared';
import { signWebhookPayload } from '../../scripts/stripe-emulator';
import { GOOD_PASSWORD, startTestApi, uniqueEmail, type TestApi } from './helpers/api';
import { grantLicense, newFingerprint } from './helpers/licenses';

/**
 * Abuse: credential stuffing throttled per address and per account, license
 * key guessing throttled and logged, a webhook replayed after its signature's
 * tolerance refused. The API sits behind a trusted proxy here, so each case
 * speaks from its own client addresses (X-Forwarded-For).
 */
const AUTH_PER_MINUTE = 8;
const FAILURES_PER_ACCOUNT = 3;
const VALIDATE_PER_MINUTE = 60;
const WEBHOOK_SECRET = `whsec_abuse_${randomBytes(12).toString('hex')}`;

let t: TestApi;
before(async () => {
  t = await startTestApi({
    TRUST_PROXY_HOPS: '1',
    RATE_LIMIT_AUTH_PER_MINUTE: String(AUTH_PER_MINUTE),
    RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: String(FAILURES_PER_ACCOUNT),
    RATE_LIMIT_VALIDATE_PER_MINUTE: String(VALIDATE_PER_MINUTE),
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
});
after(() => t?.close());

let nextAddress = 1;
/** A client address no other case uses. */
const address = () => `203.0.113.${nextAddress++}`;

const from = (ip: string) => ({ 'x-forwarded-for': ip });
const login = (ip: string, email: string, password: string) => t.request('POST', '/auth/login', { body: { email, password }, headers: from(ip) });

/** A registered account, made from an address of its own so setup never spends a case's budget. */
async function account(): Promise<{ id: string; email: string }> {
  const email = uniqueEmail('abuse');
  const res = await t.request('POST', '/auth/register', {
    body: { email, password: GOOD_PASSWORD, first_name: 'Abuse', last_name: 'Case' },
    headers: from(address()),
  });
  assert.equal(res.status, 201);
  return { id: res.body.id, email };
}

async function auditCount(action: string): Promise<number> {
  const row = (await t.api.deps.sequelize.query(`SELECT count(*)::int AS n FROM audit_logs WHERE action = :action`, {
    replacements: { action },
    plain: true,
  })) as { n: number } | null;
  return row!.n;
}

describe('credential stuffing', () => {
  it('one address trying many accounts is throttled, and the throttle holds for a right password too', async () => {
    const ip = address();
    const victim = await account();
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_PER_MINUTE + 4; i += 1) statuses.push((await login(ip, uniqueEmail('stuffed'), `guess-${i}-password`)).status);
    assert.deepEqual(statuses.slice(0, AUTH_PER_MINUTE), Array(AUTH_PER_MINUTE).fill(401));
    assert.deepEqual(statuses.slice(AUTH_PER_MINUTE), Array(4).fill(429));
    const blocked = await login(ip, victim.email, GOOD_PASSWORD);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.error, 'rate_limited');
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    // Another address is not affected.
    assert.equal((await login(address(), victim.email, GOOD_PASSWORD)).status, 200);
  });

  it('an address that failed on an account is locked out of it, but the owner from another address is not', async () => {
    const victim = await account();
    const bystander = await account();
    const attacker = address();
    for (let i = 0; i < FAILURES_PER_ACCOUNT; i += 1) {
      assert.equal((await login(attacker, victim.email, `wrong-password-${i}`)).status, 401);
    }
    const throttledBefore = await auditCount('auth.login_throttled');
    const locked = await login(attacker, victim.email, GOOD_PASSWORD);
    assert.equal(locked.status, 429, 'the failing address is locked out, right password or not');
    assert.ok(Number(locked.headers.get('retry-after')) > 60);
    assert.equal(await auditCount('auth.login_throttled'), throttledBefore + 1);
    assert.equal((await login(address(), victim.email, GOOD_PASSWORD)).status, 200, 'the owner, elsewhere, still gets in');
    assert.equal((await login(address(), bystander.email, GOOD_PASSWORD)).status, 200);
  });

  it('failures spread over many addresses slow the account down for a minute at most, never lock the owner out', async () => {
    const victim = await account();
    // One failure from each of many addresses, up to the account-wide ceiling (three budgets a minute).
    for (let i = 0; i < FAILURES_PER_ACCOUNT * 3; i += 1) {
      assert.equal((await login(address(), victim.email, `wrong-password-${i}`)).status, 401);
    }
    const slowed = await login(address(), victim.email, GOOD_PASSWORD);
    assert.equal(slowed.status, 429);
    const wait = Number(slowed.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 60, `a short, stated delay (Retry-After ${wait})`);
    // The minute passes (the shared counter's window ends): the owner gets in at once.
    await t.api.deps.sequelize.query(`UPDATE rate_limits SET expire = 0 WHERE key = :key`, { replacements: { key: `login_fail_account:${victim.email}` } });
    assert.equal((await login(address(), victim.email, GOOD_PASSWORD)).status, 200);
  });
});

describe('license key guessing on /license/validate', () => {
  it('is throttled per address, logged once as suspected guessing, and leaves other addresses alone', async () => {
    const ip = address();
    const before = await auditCount('license.key_guessing_suspected');
    const codes: number[] = [];
    for (let i = 0; i < VALIDATE_PER_MINUTE + 5; i += 1) {
      const res = await t.request('POST', '/license/validate', {
        body: { license_key: generateLicenseKey(), fingerprint: newFingerprint(), product: 'mixing_mentor' },
        headers: from(ip),
      });
      codes.push(res.status);
      if (res.status === 200) assert.equal(res.body.code, 'NOT_FOUND');
    }
    assert.deepEqual(codes.slice(0, VALIDATE_PER_MINUTE), Array(VALIDATE_PER_MINUTE).fill(200));
    assert.deepEqual(codes.slice(VALIDATE_PER_MINUTE), Array(5).fill(429));
    const logged = (await t.api.deps.sequelize.query(
      `SELECT count(*)::int AS n FROM audit_logs WHERE action = 'license.key_guessing_suspected' AND ip = :ip`,
      { replacements: { ip }, plain: true },
    )) as { n: number } | null;
    assert.equal(logged!.n, 1, 'one audit entry per guessing address and window');
    assert.equal(await auditCount('license.key_guessing_suspected'), before + 1);

    // A plugin elsewhere still validates its real key.
    const owner = await account();
    const license = await grantLicense(t, owner.id);
    const honest = await t.request('POST', '/license/validate', {
      body: { license_key: license.license_key, fingerprint: newFingerprint(), product: 'mixing_mentor' },
      headers: from(address()),
    });
    assert.equal(honest.status, 200);
    assert.equal(honest.body.code, 'NOT_ACTIVATED');
  });
});

describe('webhook replay', () => {
  const event = () =>
    JSON.stringify({
      id: `evt_abuse_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type: 'customer.updated',
      api_version: '2025-01-27.acacia',
      created: Math.floor(Date.now() / 1000) - 600,
      livemode: false,
      data: { object: { id: 'cus_abuse', object: 'customer' } },
    });
  const deliver = (payload: string, signature: string) =>
    t.request('POST', '/purchase/webhook', { raw: payload, headers: { 'stripe-signature': signature } });
  const recorded = async (payload: string) =>
    ((await t.api.deps.sequelize.query(`SELECT count(*)::int AS n FROM stripe_events WHERE id = :id`, {
      replacements: { id: JSON.parse(payload).id },
      plain: true,
    })) as { n: number } | null)!.n;

  it('refuses a correctly signed delivery whose timestamp is too old, and records nothing', async () => {
    const payload = event();
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const res = await deliver(payload, signWebhookPayload(payload, WEBHOOK_SECRET, tenMinutesAgo));
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_signature');
    assert.equal(await recorded(payload), 0);
  });

  it('refuses a signature from another secret, and a timestamp swapped into a captured signature', async () => {
    const payload = event();
    const forged = await deliver(payload, signWebhookPayload(payload, 'whsec_not_the_secret'));
    assert.equal(forged.status, 400);
    const captured = signWebhookPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600);
    const swapped = captured.replace(/t=\d+/, `t=${Math.floor(Date.now() / 1000)}`);
    assert.equal((await deliver(payload, swapped)).status, 400);
    assert.equal(await recorded(payload), 0);
  });

  it('answers a fresh re-delivery of a processed event as a duplicate, recording it once', async () => {
    const payload = event();
    const first = await deliver(payload, signWebhookPayload(payload, WEBHOOK_SECRET));
    assert.equal(first.status, 200);
    const again = await deliver(payload, signWebhookPayload(payload, WEBHOOK_SECRET));
    assert.equal(again.status, 200);
    assert.equal(await recorded(payload), 1);
  });
});
