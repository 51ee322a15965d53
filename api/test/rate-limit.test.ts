import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GOOD_PASSWORD, signUp, startTestApi, uniqueEmail, type TestApi } from './helpers/api';

let t: TestApi;
before(async () => {
  t = await startTestApi({ RATE_LIMIT_AUTH_PER_MINUTE: '6', RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '3' });
});
after(() => t.close());

const clearLimits = () => t.api.deps.sequelize.query('DELETE FROM rate_limits');

describe('auth rate limits (shared in PostgreSQL)', () => {
  it('answers 429 with Retry-After once an IP spends its auth budget, and resets', async () => {
    await clearLimits();
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 8; i++) {
      const res = await t.post('/auth/forgot-password', { email: uniqueEmail() });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429]);
    assert.equal(limited!.body.error, 'rate_limited');
    const retryAfter = Number(limited!.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // The counter lives in the shared store: clearing its window lets the IP in again.
    await t.api.deps.sequelize.query(`UPDATE rate_limits SET expire = 0`);
    assert.equal((await t.post('/auth/forgot-password', { email: uniqueEmail() })).status, 200);
  });

  it('throttles repeated failed logins per account, whatever the password', async () => {
    await clearLimits();
    const u = await signUp(t);
    await clearLimits();
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.post('/auth/login', { email: u.email, password: `wrong-password-${i}` })).status, 401);
    }
    const locked = await t.post('/auth/login', { email: u.email, password: GOOD_PASSWORD });
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 60);
    const audit = (await t.api.deps.sequelize.query(
      `SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.login_throttled'`,
      { plain: true },
    )) as { n: number } | null;
    assert.ok(audit!.n >= 1);
  });
});

describe('client address behind proxies (TRUST_PROXY_HOPS)', () => {
  let proxied: TestApi;
  before(async () => {
    proxied = await startTestApi({ TRUST_PROXY_HOPS: '1', RATE_LIMIT_AUTH_PER_MINUTE: '6' });
  });
  after(() => proxied.close());

  const loginVia = (api: TestApi, forwardedFor: string) =>
    api.request('POST', '/auth/login', { body: { email: uniqueEmail(), password: 'not-it-at-all-1' }, headers: { 'x-forwarded-for': forwardedFor } });

  it('takes the entry our proxy wrote: 30 logins with a new leftmost address each are throttled as one client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await loginVia(proxied, `198.51.100.${i}, 203.0.113.7`)).status);
    assert.deepEqual(statuses, [...Array(6).fill(401), ...Array(24).fill(429)]);
    const [row] = (await proxied.api.deps.sequelize.query(`SELECT DISTINCT ip FROM audit_logs WHERE action = 'auth.login_failed'`)) as [Array<{ ip: string }>, unknown];
    assert.deepEqual(row.map((r) => r.ip), ['203.0.113.7'], 'the audit log holds the address the proxy saw, not the ones the client wrote');
  });

  it('tells clients apart by the entry our proxy wrote', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await loginVia(proxied, `192.0.2.${i}`)).status);
    assert.deepEqual(statuses, Array(10).fill(401));
  });

  it('ignores X-Forwarded-For with the default of 0 hops', async () => {
    await clearLimits();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await loginVia(t, `198.51.100.${i}`)).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429, 429]);
  });

  it('refuses the old TRUST_PROXY setting with a sentence saying what replaced it', async () => {
    const { loadConfig } = await import('../src/config');
    assert.throws(() => loadConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY_HOPS/);
  });
});

describe('every password hash is throttled', () => {
  let strict: TestApi;
  before(async () => {
    strict = await startTestApi({ RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '3' });
  });
  after(() => strict.close());

  it('limits wrong current passwords per user on PUT /user/password, right one included, other users untouched', async () => {
    const u = await signUp(strict);
    const other = await signUp(strict);
    const change = (who: { access: string }, current: string) =>
      strict.put('/user/password', { current_password: current, new_password: 'next-password-9' }, who.access);
    for (let i = 0; i < 3; i++) assert.equal((await change(u, `guess-number-${i}`)).status, 400);
    const locked = await change(u, GOOD_PASSWORD);
    assert.equal(locked.status, 429, 'a stolen access token cannot keep guessing the current password');
    assert.ok(Number(locked.headers.get('retry-after')) > 60);
    assert.equal((await change(other, 'wrong-one-here-1')).status, 400, 'another user has a budget of their own');
  });

  it('refuses a made-up reset token before hashing anything', async () => {
    const { hashPassword, passwordWork } = await import('../src/lib/passwords');
    // A queue of hashes ahead of it: had the reset hashed first, it would answer only once they were all done.
    const queued = Array.from({ length: 40 }, (_, i) => hashPassword(`queued-${i}`));
    const res = await strict.post('/auth/reset-password', { token: 'pr_made-up-token-000000000000', new_password: 'another-password-1' });
    const stillQueued = passwordWork.pendingCount;
    await Promise.all(queued);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_reset_token');
    assert.ok(stillQueued > 0, 'the refusal did not wait behind the queued hashes');
  });
});
