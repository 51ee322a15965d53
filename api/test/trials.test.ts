import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivateResponse, Jwks, verifyActivationToken } from '@ngn/shared';
import { signUp, startTestApi, tokenFromMail, type TestApi } from './helpers/api';
import { activate, newFingerprint } from './helpers/licenses';

async function verifiedUser(t: TestApi) {
  const user = await signUp(t);
  const token = tokenFromMail(await t.waitForMail(user.email, 'verify-email'), 'verification token');
  const res = await t.post('/auth/verify-email', { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return user;
}

describe('POST /license/trial', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
  });
  after(() => t.close());

  it('starts a 14-day trial activated on this machine, in one call', async () => {
    const user = await verifiedUser(t);
    const fingerprint = newFingerprint();
    const res = await t.post('/license/trial', { product: 'mixing_mentor', hardware_id: fingerprint, machine_name: 'Studio', os: 'Linux' }, user.access);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = ActivateResponse.parse(res.body);
    assert.equal(body.license_type, 'trial');
    assert.equal(body.policy, 'trial');
    const days = (Date.parse(body.expires_at!) - Date.now()) / 86_400_000;
    assert.ok(days > 13.9 && days <= 14, `the trial lasts 14 days (${days})`);
    const jwks = Jwks.parse((await t.get('/keys')).body);
    const verdict = await verifyActivationToken(body.activation_token, jwks, { fingerprint, product: 'mixing_mentor', entitlements: ['mixing_mentor.pro'] });
    assert.equal(verdict.code, 'VALID');
    assert.equal(verdict.payload!.license_expires_at, Math.floor(Date.parse(body.expires_at!) / 1000));
    // The license is the user's like any other: listed, and usable by key.
    const list = await t.get('/license/list', user.access);
    assert.deepEqual(list.body.licenses.map((l: { license_key: string }) => l.license_key), [body.license_key]);
    const again = await activate(t, user.access, body.license_key, fingerprint);
    assert.equal(again.body.already_active, true);
  });

  it('refuses a second trial on the account, and on the machine from another account', async () => {
    const user = await verifiedUser(t);
    const fingerprint = newFingerprint();
    assert.equal((await t.post('/license/trial', { hardware_id: fingerprint }, user.access)).status, 201);
    const twice = await t.post('/license/trial', { hardware_id: newFingerprint() }, user.access);
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error, 'trial_already_used');

    const other = await verifiedUser(t);
    const sameMachine = await t.post('/license/trial', { hardware_id: fingerprint }, other.access);
    assert.equal(sameMachine.status, 409);
    assert.equal(sameMachine.body.error, 'trial_already_used');
    // Nothing was half-made for the refused account.
    assert.deepEqual((await t.get('/license/list', other.access)).body.licenses, []);
  });

  it('gives exactly one license to 50 concurrent requests of one account', async () => {
    const user = await verifiedUser(t);
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.post('/license/trial', { hardware_id: newFingerprint() }, user.access)));
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [201, ...Array(49).fill(409)],
      JSON.stringify(answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => a.body)),
    );
    const [row] = (await t.api.deps.sequelize.query(
      `SELECT count(*)::int AS licenses, (SELECT count(*)::int FROM activations a JOIN licenses l ON l.id = a.license_id WHERE l.user_id = :id) AS seats
         FROM licenses WHERE user_id = :id`,
      { replacements: { id: user.id }, type: 'SELECT' },
    )) as Array<{ licenses: number; seats: number }>;
    assert.deepEqual(row, { licenses: 1, seats: 1 });
  });

  it('asks for a confirmed email, a machine, and a product that has a trial', async () => {
    const unconfirmed = await signUp(t);
    const res = await t.post('/license/trial', { hardware_id: newFingerprint() }, unconfirmed.access);
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'email_not_verified');

    const user = await verifiedUser(t);
    assert.equal((await t.post('/license/trial', {}, user.access)).status, 400);
    assert.equal((await t.post('/license/trial', { hardware_id: 'not-a-fingerprint' }, user.access)).status, 400);
    const none = await t.post('/license/trial', { product: 'no_such_plugin', hardware_id: newFingerprint() }, user.access);
    assert.equal(none.status, 404);
    assert.equal(none.body.error, 'trial_not_offered');
    assert.equal((await t.post('/license/trial', { hardware_id: newFingerprint() })).status, 401);
  });
});
