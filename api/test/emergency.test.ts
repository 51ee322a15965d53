import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmergencyResponse, Jwks, verifyActivationToken } from '@ngn/shared';
import { markStaleActivations } from '../src/modules/licenses/stale-activations';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { activate, grantLicense, liveActivations, newFingerprint } from './helpers/licenses';

const DAY = 86_400_000;

describe('emergency tokens: a dead machine without a ticket', () => {
  let t: TestApi;
  let user: Awaited<ReturnType<typeof signUp>>;
  before(async () => {
    t = await startTestApi();
    user = await signUp(t);
  });
  after(() => t.close());

  const emergency = (licenseKey: string, fingerprint: string, access = user.access) =>
    t.post('/license/emergency', { license_key: licenseKey, hardware_id: fingerprint, machine_name: 'Rescue laptop', os: 'macOS 15' }, access);

  async function fullLicense() {
    const license = await grantLicense(t, user.id, 'standard');
    for (let i = 0; i < 2; i += 1) assert.equal((await activate(t, user.access, license.license_key, newFingerprint())).status, 200);
    return license;
  }

  it('at the seat limit, runs a new machine for 7 days, once per 90 days, and the token says when it ends', async () => {
    const license = await fullLicense();
    const fingerprint = newFingerprint();
    const res = await emergency(license.license_key, fingerprint);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = EmergencyResponse.parse(res.body);
    const days = (Date.parse(body.emergency_until) - Date.now()) / DAY;
    assert.ok(days > 6.99 && days <= 7, `${days} days`);
    const jwks = Jwks.parse((await t.get('/keys')).body);
    const verdict = await verifyActivationToken(body.activation_token, jwks, { fingerprint, product: 'mixing_mentor' });
    assert.equal(verdict.code, 'VALID');
    assert.equal(verdict.payload!.license_expires_at, Math.floor(Date.parse(body.emergency_until) / 1000), 'the token carries the end');
    const later = await verifyActivationToken(body.activation_token, jwks, { fingerprint, product: 'mixing_mentor', now: Date.parse(body.emergency_until) + 1000 });
    assert.equal(later.code, 'EXPIRED');
    // A heartbeat keeps the same end.
    const beat = await t.post('/license/heartbeat', { activation_token: body.activation_token });
    assert.equal(beat.status, 200);
    assert.equal((await verifyActivationToken(beat.body.activation_token, jwks, { fingerprint, product: 'mixing_mentor' })).payload!.license_expires_at, verdict.payload!.license_expires_at);
    // The online check knows this machine.
    const online = await t.post('/license/validate', { license_key: license.license_key, fingerprint });
    assert.equal(online.body.code, 'VALID');

    // Not twice in 90 days, whatever machine asks.
    const again = await emergency(license.license_key, newFingerprint());
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'emergency_already_used');
    assert.ok(Date.parse(again.body.details.available_at) > Date.now() + 89 * DAY);
    // It spent no self-service deactivation and freed no seat: the two machines are still there.
    assert.equal(await liveActivations(t, license.id), 3);
    const [{ spent }] = (await t.api.deps.sequelize.query(
      `SELECT count(*)::int AS spent FROM activations WHERE license_id = :id AND deactivation_reason IN ('user', 'rebound')`,
      { replacements: { id: license.id }, type: 'SELECT' },
    )) as Array<{ spent: number }> as [{ spent: number }];
    assert.equal(spent, 0);

    // A week later it has ended by itself: the sweep frees it, the heartbeat refuses, validation does not know it.
    await t.api.deps.sequelize.query(`UPDATE activations SET emergency_until = now() - interval '1 minute' WHERE id = :id`, { replacements: { id: body.activation_id } });
    assert.equal((await t.post('/license/validate', { license_key: license.license_key, fingerprint })).body.code, 'FINGERPRINT_MISMATCH');
    assert.equal((await t.post('/license/heartbeat', { activation_token: body.activation_token })).body.error, 'activation_deactivated');
    const sweep = await markStaleActivations(t.api.deps.sequelize);
    assert.ok(sweep.emergencies >= 1);
    assert.equal(await liveActivations(t, license.id), 2);

    // After 90 days, another emergency is possible.
    await t.api.deps.sequelize.query(`UPDATE activations SET activated_at = now() - interval '91 days' WHERE id = :id`, { replacements: { id: body.activation_id } });
    assert.equal((await emergency(license.license_key, newFingerprint())).status, 201);
  });

  it('is refused when a seat is free, for a machine already active, and for others\' licenses; admins see it', async () => {
    const license = await grantLicense(t, user.id, 'standard');
    const here = newFingerprint();
    const notNeeded = await emergency(license.license_key, here);
    assert.equal(notNeeded.status, 409);
    assert.equal(notNeeded.body.error, 'emergency_not_needed');
    await activate(t, user.access, license.license_key, here);
    await activate(t, user.access, license.license_key, newFingerprint());
    assert.equal((await emergency(license.license_key, here)).body.error, 'emergency_not_needed');
    const stranger = await signUp(t);
    assert.equal((await emergency(license.license_key, newFingerprint(), stranger.access)).body.error, 'license_invalid');

    const rescued = await emergency(license.license_key, newFingerprint());
    assert.equal(rescued.status, 201);
    const admin = await signUpAs(t, 'admin');
    const view = await t.get(`/admin/licenses/${license.id}`, admin.access);
    assert.equal(view.status, 200, JSON.stringify(view.body));
    const machine = view.body.activations.find((a: { id: string }) => a.id === rescued.body.activation_id);
    assert.equal(machine.emergency_until, rescued.body.emergency_until);
    const [audited] = (await t.api.deps.sequelize.query(`SELECT action FROM audit_logs WHERE target_id = :id`, {
      replacements: { id: rescued.body.activation_id },
      type: 'SELECT',
    })) as Array<{ action: string }>;
    assert.equal(audited!.action, 'license.emergency_activation');
  });
});
