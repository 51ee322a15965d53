import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { GOOD_PASSWORD, signUp, startTestApi, tokenFromMail, uniqueEmail, type TestApi } from './helpers/api';

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(() => t.close());

const countUsers = async () =>
  Number((await t.api.deps.sequelize.query('SELECT count(*)::int AS n FROM users', { plain: true }))!.n);

describe('register', () => {
  it('creates the account (201) with the seed fields and mails a verification token', async () => {
    const email = uniqueEmail();
    const res = await t.post('/auth/register', { email, password: GOOD_PASSWORD, first_name: 'Ada', last_name: 'Lovelace' });
    assert.equal(res.status, 201);
    assert.equal(res.body.email, email);
    assert.equal(res.body.first_name, 'Ada');
    assert.equal(res.body.email_verified, false);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    assert.ok(!('password_hash' in res.body));
    const mail = await t.waitForMail(email, 'verify-email');
    assert.match(tokenFromMail(mail, 'verification token'), /^ev_/);
  });

  it('answers 400 email_already_exists for a taken email, whatever its case', async () => {
    const { email } = await signUp(t);
    const res = await t.post('/auth/register', { email: email.toUpperCase(), password: GOOD_PASSWORD, first_name: 'A', last_name: 'B' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'email_already_exists');
    assert.equal(typeof res.body.message, 'string');
  });

  it('refuses a weak password with a clear field error and writes nothing', async () => {
    const before = await countUsers();
    const res = await t.post('/auth/register', { email: uniqueEmail(), password: 'short', first_name: 'A', last_name: 'B' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'validation_failed');
    assert.ok(res.body.details.some((d: any) => d.path === 'body.password'));
    assert.equal(await countUsers(), before);
  });

  it('refuses unknown fields, wrong types, invalid JSON and huge bodies without writing', async () => {
    const before = await countUsers();
    const base = { email: uniqueEmail(), password: GOOD_PASSWORD, first_name: 'A', last_name: 'B' };
    const unknown = await t.post('/auth/register', { ...base, role: 'admin' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'validation_failed');
    const wrongType = await t.post('/auth/register', { ...base, email: 42 });
    assert.equal(wrongType.status, 400);
    const badJson = await t.request('POST', '/auth/register', { raw: '{"email": ' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.body.error, 'invalid_json');
    const huge = await t.post('/auth/register', { ...base, first_name: 'x'.repeat(400_000) });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error, 'payload_too_large');
    assert.equal(await countUsers(), before);
  });
});

describe('login, refresh, logout', () => {
  it('signs in and reads the profile', async () => {
    const u = await signUp(t);
    const profile = await t.get('/user/profile', u.access);
    assert.equal(profile.status, 200);
    assert.equal(profile.body.email, u.email);
    assert.equal(profile.body.stripe_customer_id, null);
  });

  it('answers 401 invalid_credentials for a wrong password or unknown email', async () => {
    const u = await signUp(t);
    const wrong = await t.post('/auth/login', { email: u.email, password: 'nope-nope-nope-1' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_credentials');
    const unknown = await t.post('/auth/login', { email: uniqueEmail(), password: GOOD_PASSWORD });
    assert.deepEqual(unknown.body.error, 'invalid_credentials');
    const audit = await t.api.deps.sequelize.query(
      `SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.login_failed' AND subject_user_id = :id`,
      { replacements: { id: u.id }, plain: true },
    );
    assert.equal(audit!.n, 1);
  });

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const u = await signUp(t);
    const first = await t.post('/auth/refresh', { refresh_token: u.refresh });
    assert.equal(first.status, 200);
    assert.notEqual(first.body.refresh_token, u.refresh);
    assert.equal(first.body.expires_in, 3600);
    const second = await t.post('/auth/refresh', { refresh_token: first.body.refresh_token });
    assert.equal(second.status, 200);

    const reuse = await t.post('/auth/refresh', { refresh_token: u.refresh });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error, 'refresh_token_reused');
    // The newest token of the family and its access token are dead too.
    const after = await t.post('/auth/refresh', { refresh_token: second.body.refresh_token });
    assert.equal(after.status, 401);
    assert.equal(after.body.error, 'token_revoked');
    const profile = await t.get('/user/profile', second.body.access_token);
    assert.equal(profile.status, 401);
    assert.equal(profile.body.error, 'token_revoked');
  });

  it('logout revokes the access token and the refresh family, not other sessions', async () => {
    const u = await signUp(t);
    const other = await t.post('/auth/login', { email: u.email, password: u.password });
    const out = await t.post('/auth/logout', undefined, u.access);
    assert.equal(out.status, 200);
    assert.equal(out.body.message, 'logged_out');
    assert.equal((await t.get('/user/profile', u.access)).status, 401);
    assert.equal((await t.post('/auth/refresh', { refresh_token: u.refresh })).status, 401);
    assert.equal((await t.get('/user/profile', other.body.access_token)).status, 200);
  });

  it('refuses missing, malformed and tampered access tokens', async () => {
    const u = await signUp(t);
    assert.equal((await t.get('/user/profile')).body.error, 'unauthorized');
    assert.equal((await t.get('/user/profile', 'garbage')).body.error, 'token_invalid');
    const [h, p, s] = u.access.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.role = 'admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    assert.equal((await t.get('/user/profile', forged)).status, 401);
  });
});

describe('email verification', () => {
  it('verifies with the mailed token, once', async () => {
    const email = uniqueEmail();
    await t.post('/auth/register', { email, password: GOOD_PASSWORD, first_name: 'V', last_name: 'W' });
    const token = tokenFromMail(await t.waitForMail(email, 'verify-email'), 'verification token');
    const ok = await t.post('/auth/verify-email', { token });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.message, 'email_verified');
    // The welcome mail follows the confirmation, with the first steps in the Companion.
    const welcome = await t.waitForMail(email, 'welcome');
    assert.match(welcome, /Your NextGen Noise account is ready/);
    assert.match(welcome, /nextgennoise:\/\/home/);
    const again = await t.post('/auth/verify-email', { token });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_verification_token');
    const login = await t.post('/auth/login', { email, password: GOOD_PASSWORD });
    assert.equal((await t.get('/user/profile', login.body.access_token)).body.email_verified, true);
  });
});

describe('password reset', () => {
  it('always answers reset_email_sent, and mails only existing accounts', async () => {
    const ghost = uniqueEmail('ghost');
    const res = await t.post('/auth/forgot-password', { email: ghost });
    assert.equal(res.status, 200);
    assert.equal(res.body.message, 'reset_email_sent');
    await assert.rejects(t.waitForMail(ghost, 'reset-password', 1500));
  });

  it('resets once with the mailed token, revokes all sessions, and the old password stops working', async () => {
    const u = await signUp(t);
    await t.post('/auth/forgot-password', { email: u.email });
    const token = tokenFromMail(await t.waitForMail(u.email, 'reset-password'), 'reset token');
    const reset = await t.post('/auth/reset-password', { token, new_password: 'brand-new-pass-7' });
    assert.equal(reset.status, 200);
    assert.equal(reset.body.message, 'password_reset');
    assert.equal((await t.get('/user/profile', u.access)).status, 401);
    assert.equal((await t.post('/auth/login', { email: u.email, password: u.password })).status, 401);
    assert.equal((await t.post('/auth/login', { email: u.email, password: 'brand-new-pass-7' })).status, 200);
    const reuse = await t.post('/auth/reset-password', { token, new_password: 'another-pass-8' });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_reset_token');
  });

  it('refuses an expired reset token', async () => {
    const u = await signUp(t);
    await t.post('/auth/forgot-password', { email: u.email });
    const token = tokenFromMail(await t.waitForMail(u.email, 'reset-password'), 'reset token');
    await t.api.deps.sequelize.query(`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = :id`, {
      replacements: { id: u.id },
    });
    const res = await t.post('/auth/reset-password', { token, new_password: 'brand-new-pass-7' });
    assert.equal(res.body.error, 'invalid_reset_token');
  });
});

describe('profile and password', () => {
  it('updates the name and validates input', async () => {
    const u = await signUp(t);
    const res = await t.put('/user/profile', { first_name: 'Jane' }, u.access);
    assert.equal(res.status, 200);
    assert.equal(res.body.first_name, 'Jane');
    assert.equal((await t.put('/user/profile', {}, u.access)).status, 400);
    assert.equal((await t.put('/user/profile', { email: 'x@y.z' }, u.access)).status, 400);
  });

  it('changes the password with the current one, keeping this session and ending others', async () => {
    const u = await signUp(t);
    const other = await t.post('/auth/login', { email: u.email, password: u.password });
    const wrong = await t.put('/user/password', { current_password: 'not-it-at-all-1', new_password: 'next-password-9' }, u.access);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'wrong_password');
    const ok = await t.put('/user/password', { current_password: u.password, new_password: 'next-password-9' }, u.access);
    assert.equal(ok.status, 200);
    assert.equal((await t.get('/user/profile', u.access)).status, 200);
    assert.equal((await t.get('/user/profile', other.body.access_token)).status, 401);
    const actions = await t.api.deps.sequelize.query<{ action: string }>(`SELECT action FROM audit_logs WHERE actor_user_id = :id`, {
      replacements: { id: u.id },
      type: QueryTypes.SELECT,
    });
    assert.ok(actions.some((a) => a.action === 'auth.password_changed'));
  });
});
