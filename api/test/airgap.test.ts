import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivationResponseFile, Jwks, verifyActivationToken } from '@ngn/shared';
import { offlineMachine, receiptFile, requestFile } from './helpers/airgap';
import { signUp, startTestApi, type TestApi } from './helpers/api';
import { activate, grantLicense, liveActivations, newFingerprint } from './helpers/licenses';

describe('activation by file (offline machines)', () => {
  let t: TestApi;
  let user: Awaited<ReturnType<typeof signUp>>;
  before(async () => {
    t = await startTestApi();
    user = await signUp(t);
  });
  after(() => t.close());

  it("answers a signed request with a token for that machine, with the policy's longer air-gap grace", async () => {
    const license = await grantLicense(t, user.id, 'standard');
    const m = offlineMachine();
    const res = await t.post('/license/offline/activate', requestFile(m, license.license_key), user.access);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const response = ActivationResponseFile.parse(res.body);
    assert.equal(response.fingerprint, m.fingerprint);
    const jwks = Jwks.parse((await t.get('/keys')).body);
    const verdict = await verifyActivationToken(response.activation_token, jwks, { fingerprint: m.fingerprint, product: 'mixing_mentor' });
    assert.equal(verdict.code, 'VALID');
    const graceDays = (verdict.payload!.exp - verdict.payload!.iat) / 86_400;
    assert.equal(graceDays, 90, 'a file-activated machine gets the air-gap grace, not the 30-day one');
    // Uploading the same request again takes no second seat.
    const again = await t.post('/license/offline/activate', requestFile(m, license.license_key), user.access);
    assert.equal(again.body.activation_id, response.activation_id);
    assert.equal(await liveActivations(t, license.id), 1);
  });

  it('refuses a tampered request, an old one, and one for a product the key is not for', async () => {
    const license = await grantLicense(t, user.id, 'standard');
    const m = offlineMachine();
    const tampered = { ...requestFile(m, license.license_key), fingerprint: newFingerprint() };
    const res = await t.post('/license/offline/activate', tampered, user.access);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request_signature');
    const old = await t.post('/license/offline/activate', requestFile(m, license.license_key, { created_at: new Date(Date.now() - 40 * 86_400_000).toISOString() }), user.access);
    assert.equal(old.body.error, 'request_expired');
    const other = await t.post('/license/offline/activate', requestFile(m, license.license_key, { product: 'other_plugin' }), user.access);
    assert.equal(other.body.error, 'product_mismatch');
    assert.equal(await liveActivations(t, license.id), 0, 'nothing was activated');
    const garbage = await t.post('/license/offline/activate', { format: 'something else' }, user.access);
    assert.equal(garbage.status, 400);
  });

  it("keeps the seat rules: a full license refuses, and another account's key reads as unknown", async () => {
    const license = await grantLicense(t, user.id, 'standard');
    for (let i = 0; i < 2; i += 1) assert.equal((await activate(t, user.access, license.license_key, newFingerprint())).status, 200);
    const full = await t.post('/license/offline/activate', requestFile(offlineMachine(), license.license_key), user.access);
    assert.equal(full.status, 400);
    assert.equal(full.body.error, 'max_activations_reached');
    const stranger = await signUp(t);
    const theirs = await t.post('/license/offline/activate', requestFile(offlineMachine(), license.license_key), stranger.access);
    assert.equal(theirs.body.error, 'license_invalid');
  });

  it("frees the seat at once with the machine's own receipt, and refuses one signed by another key", async () => {
    const license = await grantLicense(t, user.id, 'standard');
    const m = offlineMachine();
    const { body } = await t.post('/license/offline/activate', requestFile(m, license.license_key), user.access);
    const forged = await t.post('/license/offline/deactivate', receiptFile(m, body.activation_id, offlineMachine().privateKey), user.access);
    assert.equal(forged.status, 400);
    assert.equal(forged.body.error, 'invalid_receipt_signature');
    assert.equal(await liveActivations(t, license.id), 1);
    // Another account cannot free it even with the real receipt.
    const stranger = await signUp(t);
    assert.equal((await t.post('/license/offline/deactivate', receiptFile(m, body.activation_id), stranger.access)).status, 404);

    const ok = await t.post('/license/offline/deactivate', receiptFile(m, body.activation_id), user.access);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(await liveActivations(t, license.id), 0);
    const [row] = (await t.api.deps.sequelize.query('SELECT pending_until FROM activations WHERE id = :id', {
      replacements: { id: body.activation_id },
      type: 'SELECT',
    })) as Array<{ pending_until: Date | null }>;
    assert.equal(row!.pending_until, null, 'no pending period: the machine proved it let go');

    // A machine activated online has no machine key: no receipt can free it.
    const online = await activate(t, user.access, license.license_key, m.fingerprint);
    const none = await t.post('/license/offline/deactivate', receiptFile(m, online.body.activation_id), user.access);
    assert.equal(none.body.error, 'invalid_receipt_signature');
  });
});
