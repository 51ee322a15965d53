import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import pg from 'pg';
import { QueryTypes } from 'sequelize';
import { decodeActivationToken, isValidLicenseKey, verifyActivationToken, type Jwks } from '@ngn/shared';
import { signUp, startTestApi, type TestApi } from './helpers/api';
import { activate, grantLicense, liveActivations, newFingerprint } from './helpers/licenses';
import { markStaleActivations } from '../src/modules/licenses/stale-activations';

let t: TestApi;
let jwks: Jwks;
before(async () => {
  t = await startTestApi();
  jwks = (await t.get('/keys')).body;
});
after(() => t.close());

const services = () => t.api.built.services;
const sql = <T extends object>(query: string, replacements: Record<string, unknown> = {}) =>
  t.api.deps.sequelize.query<T>(query, { replacements, type: QueryTypes.SELECT });

/** Flips one character of the payload segment to another valid base64url character. */
function tamperPayload(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const i = Math.floor(p.length / 2);
  return `${h}.${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}.${s}`;
}

describe('activate', () => {
  it('activates a machine with the seed fields and a token that verifies', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    assert.ok(isValidLicenseKey(lic.license_key));
    const fp = newFingerprint();
    const res = await activate(t, u.access, lic.license_key.toLowerCase(), fp, { app_version: '1.0.0', plugin_version: '1.2.0' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'activated');
    assert.equal(res.body.license_type, 'perpetual');
    assert.equal(res.body.policy, 'standard');
    assert.equal(res.body.max_activations, 2);
    assert.equal(res.body.activations_remaining, 1);
    assert.equal(res.body.expires_at, null);
    assert.equal(res.body.already_active, false);
    assert.deepEqual(res.body.entitlements, ['mixing_mentor.core']);

    const verdict = await verifyActivationToken(res.body.activation_token, jwks, { fingerprint: fp, product: 'mixing_mentor' });
    assert.equal(verdict.code, 'VALID');
    assert.equal(verdict.payload!.sub, res.body.activation_id);
    assert.equal(verdict.payload!.license_id, lic.id);
    assert.equal(verdict.payload!.exp - verdict.payload!.iat, 30 * 86_400);
    assert.equal(new Date(verdict.payload!.exp * 1000).toISOString(), res.body.token_expires_at);
  });

  it('signs tokens that an independent verifier (jose) accepts with the published JWKS key', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const res = await activate(t, u.access, lic.license_key, newFingerprint());
    const { header } = decodeActivationToken(res.body.activation_token);
    assert.equal(header.alg, 'EdDSA');
    assert.equal(header.typ, 'JWT');
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    assert.ok(jwk, 'the signing key is published');
    const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA');
    const { payload } = await compactVerify(res.body.activation_token, key);
    assert.equal(JSON.parse(new TextDecoder().decode(payload)).sub, res.body.activation_id);
    await assert.rejects(compactVerify(tamperPayload(res.body.activation_token), key));
  });

  it('is idempotent for a machine that is already active: same activation, no new seat, fresh token', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const fp = newFingerprint();
    const first = await activate(t, u.access, lic.license_key, fp);
    const again = await activate(t, u.access, lic.license_key, fp, { machine_name: 'Renamed Studio', app_version: '1.1.0' });
    assert.equal(again.status, 200);
    assert.equal(again.body.activation_id, first.body.activation_id);
    assert.equal(again.body.already_active, true);
    assert.equal(again.body.activations_remaining, 1);
    assert.equal(await liveActivations(t, lic.id), 1);
    const status = await t.get(`/license/status?license_key=${lic.license_key}`, u.access);
    assert.equal(status.body.activations[0].machine_name, 'Renamed Studio');
    assert.equal(status.body.activations[0].app_version, '1.1.0');
  });

  it('refuses a machine beyond the seats with the seed body listing the active machines', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    await activate(t, u.access, lic.license_key, newFingerprint(), { machine_name: 'Laptop', os: 'macOS 13' });
    await activate(t, u.access, lic.license_key, newFingerprint(), { machine_name: 'Studio Desktop' });
    const third = await activate(t, u.access, lic.license_key, newFingerprint(), { machine_name: 'Third' });
    assert.equal(third.status, 400);
    assert.equal(third.body.error, 'max_activations_reached');
    assert.equal(typeof third.body.message, 'string');
    assert.deepEqual(
      third.body.activations.map((a: any) => [a.machine_name, a.os]),
      [['Laptop', 'macOS 13'], ['Studio Desktop', 'Windows 11']],
    );
    for (const a of third.body.activations) {
      assert.match(a.id, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(a.activated_at)));
    }
    assert.equal(await liveActivations(t, lic.id), 2);
  });

  it('answers license_invalid for unknown, mistyped and other users\' keys, and validates input', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const lic = await grantLicense(t, owner.id);
    const fp = newFingerprint();
    const unknown = await activate(t, other.access, 'NG-2222-2222-2222', fp);
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'license_invalid');
    const last = lic.license_key.at(-1)!;
    const typo = `${lic.license_key.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
    assert.equal((await activate(t, owner.access, typo, fp)).body.error, 'license_invalid');
    const stolen = await activate(t, other.access, lic.license_key, fp);
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body.error, 'license_invalid');
    const badFp = await activate(t, owner.access, lic.license_key, 'not-hex');
    assert.equal(badFp.status, 400);
    assert.equal(badFp.body.error, 'validation_failed');
    const noAuth = await t.post('/license/activate', { license_key: lic.license_key, hardware_id: fp, machine_name: 'x', os: 'y' });
    assert.equal(noAuth.status, 401);
    assert.equal(await liveActivations(t, lic.id), 0);
  });

  it('accepts fingerprint as an alias of hardware_id', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const res = await t.post('/license/activate', { license_key: lic.license_key, fingerprint: newFingerprint(), machine_name: 'A', os: 'Linux' }, u.access);
    assert.equal(res.status, 200);
  });

  it('answers license_expired, license_revoked and license_suspended', async () => {
    const u = await signUp(t);
    const expired = await grantLicense(t, u.id, 'standard_subscription', { expiresAt: new Date(Date.now() - 1000) });
    const revoked = await grantLicense(t, u.id);
    await services().licenses.revoke(revoked.id, { reason: 'refund' });
    const suspended = await grantLicense(t, u.id);
    await services().licenses.setStatus(suspended.id, 'suspended', { reason: 'chargeback open' });
    for (const [lic, code] of [[expired, 'license_expired'], [revoked, 'license_revoked'], [suspended, 'license_suspended']] as const) {
      const res = await activate(t, u.access, lic.license_key, newFingerprint());
      assert.equal(res.status, 403, code);
      assert.equal(res.body.error, code);
    }
  });

  it('caps the token at the license expiry', async () => {
    const u = await signUp(t);
    const ends = new Date(Date.now() + 3 * 86_400_000);
    const lic = await grantLicense(t, u.id, 'standard_subscription', { expiresAt: ends });
    const res = await activate(t, u.access, lic.license_key, newFingerprint());
    const { payload } = decodeActivationToken(res.body.activation_token);
    assert.equal(payload.exp, Math.floor(ends.getTime() / 1000));
    assert.equal(payload.license_expires_at, Math.floor(ends.getTime() / 1000));
    assert.equal(payload.license_type, 'subscription');
  });
});

describe('re-binding after a reinstall', () => {
  const components = { cpu: 'c1', board: 'b1', disk: 'd1', hostname: 'h1' };

  /** The machine went quiet REBIND_IDLE_DAYS and more ago, as a reinstalled one does. */
  const idle = (activationId: string) =>
    sql(`UPDATE activations SET activated_at = now() - interval '8 days', last_heartbeat_at = now() - interval '8 days' WHERE id = :id RETURNING id`, { id: activationId });

  it('lets a new fingerprint with most components equal take over the seat, and says what changed', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const old = await activate(t, u.access, lic.license_key, newFingerprint(), { components });
    await activate(t, u.access, lic.license_key, newFingerprint(), { components: { cpu: 'x', board: 'y', disk: 'z', hostname: 'w' } });
    await idle(old.body.activation_id);
    const reinstalled = await activate(t, u.access, lic.license_key, newFingerprint(), { components: { ...components, disk: 'd2' } });
    assert.equal(reinstalled.status, 200, JSON.stringify(reinstalled.body));
    assert.deepEqual(reinstalled.body.rebound, { previous_activation_id: old.body.activation_id, changed_components: ['disk'] });
    assert.equal(reinstalled.body.activations_remaining, 0);
    assert.equal(await liveActivations(t, lic.id), 2);
    const [previous] = await sql<{ deactivation_reason: string }>('SELECT deactivation_reason FROM activations WHERE id = :id', { id: old.body.activation_id });
    assert.equal(previous!.deactivation_reason, 'rebound');
  });

  it('takes over only a seat whose machine has not sent a heartbeat for 7 days', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    await activate(t, u.access, lic.license_key, newFingerprint(), { components });
    await activate(t, u.access, lic.license_key, newFingerprint());
    const busy = await activate(t, u.access, lic.license_key, newFingerprint(), { components: { ...components, disk: 'd2' } });
    assert.equal(busy.status, 400, 'a machine still in use is another machine, not a reinstall');
    assert.equal(busy.body.error, 'max_activations_reached');
  });

  it('compares only the component names the Companion sends: invented names do not count', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const invented = { x1: 'same', x2: 'same', x3: 'same', x4: 'same', hostname: 'h1' };
    const old = await activate(t, u.access, lic.license_key, newFingerprint(), { components: { ...invented, cpu: 'c1', disk: 'd1' } });
    await activate(t, u.access, lic.license_key, newFingerprint());
    await idle(old.body.activation_id);
    const padded = await activate(t, u.access, lic.license_key, newFingerprint(), { components: { ...invented, cpu: 'c2', disk: 'd2' } });
    assert.equal(padded.status, 400, 'hostname alone of three known components is a minority');
    assert.equal(padded.body.error, 'max_activations_reached');
  });

  it('does not re-bind an identical machine (same cpu, memory and os, another host)', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'trial');
    const same = { cpu: 'c', memory: 'm', os: 'o' };
    await activate(t, u.access, lic.license_key, newFingerprint(), { components: { ...same, hostname: 'studio-a' } });
    const twin = await activate(t, u.access, lic.license_key, newFingerprint(), { components: { ...same, hostname: 'studio-b' } });
    assert.equal(twin.body.error, 'max_activations_reached');
  });

  it('does not re-bind when only a minority of components match', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    await activate(t, u.access, lic.license_key, newFingerprint(), { components });
    await activate(t, u.access, lic.license_key, newFingerprint());
    const other = await activate(t, u.access, lic.license_key, newFingerprint(), { components: { ...components, cpu: 'c9', disk: 'd9' } });
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'max_activations_reached');
  });
});

describe('deactivate', () => {
  it('frees a seat remotely, so a third machine can activate', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const laptop = await activate(t, u.access, lic.license_key, newFingerprint(), { machine_name: 'Laptop' });
    await activate(t, u.access, lic.license_key, newFingerprint());
    const third = newFingerprint();
    assert.equal((await activate(t, u.access, lic.license_key, third)).status, 400);
    const off = await t.post('/license/deactivate', { activation_id: laptop.body.activation_id }, u.access);
    assert.equal(off.status, 200);
    assert.deepEqual(off.body, { status: 'deactivated', message: 'machine_deactivated', pending_until: laptop.body.token_expires_at });
    const now = await activate(t, u.access, lic.license_key, third);
    assert.equal(now.status, 200);
    assert.equal(now.body.activations_remaining, 0);
    // The deactivated machine's token no longer refreshes.
    const hb = await t.post('/license/heartbeat', { activation_token: laptop.body.activation_token });
    assert.equal(hb.status, 403);
    assert.equal(hb.body.error, 'activation_deactivated');
  });

  it('answers 404 for someone else\'s activation and changes nothing', async () => {
    const owner = await signUp(t);
    const intruder = await signUp(t);
    const lic = await grantLicense(t, owner.id);
    const act = await activate(t, owner.access, lic.license_key, newFingerprint());
    const res = await t.post('/license/deactivate', { activation_id: act.body.activation_id }, intruder.access);
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'activation_not_found');
    assert.equal(await liveActivations(t, lic.id), 1);
    const [denied] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_logs WHERE action = 'license.deactivate_denied' AND actor_user_id = :id`,
      { id: intruder.id },
    );
    assert.equal(denied!.n, 1);
    const unknown = await t.post('/license/deactivate', { activation_id: '00000000-0000-4000-8000-000000000000' }, owner.access);
    assert.equal(unknown.status, 404);
  });

  it('enforces the policy\'s deactivation budget', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'trial'); // 1 seat, 2 deactivations per 30 days
    for (let i = 0; i < 2; i += 1) {
      const act = await activate(t, u.access, lic.license_key, newFingerprint());
      // Each machine deactivates itself (with its own token), so none stays pending.
      const off = await t.post('/license/deactivate', { activation_id: act.body.activation_id, activation_token: act.body.activation_token }, u.access);
      assert.equal(off.status, 200);
    }
    const act = await activate(t, u.access, lic.license_key, newFingerprint());
    const res = await t.post('/license/deactivate', { activation_id: act.body.activation_id }, u.access);
    assert.equal(res.status, 422);
    assert.equal(res.body.error, 'deactivation_limit_reached');
    assert.equal(await liveActivations(t, lic.id), 1);
  });
});

describe('seats and offline tokens (seat churn)', () => {
  const deactivate = (access: string, act: { body: { activation_id: string; activation_token: string } }, own = false) =>
    t.post('/license/deactivate', { activation_id: act.body.activation_id, ...(own ? { activation_token: act.body.activation_token } : {}) }, access);
  /** Machines whose last token still verifies offline: live seats and pending ones. */
  const tokenHolders = async (licenseId: string) =>
    (await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM activations WHERE license_id = :id AND (deactivated_at IS NULL OR pending_until > now())`,
      { id: licenseId },
    ))[0]!.n;

  it('a machine deactivated from elsewhere stays pending; one pending beyond the seats, then 409 deactivation_pending', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id); // 2 seats
    const a = await activate(t, u.access, lic.license_key, newFingerprint(), { machine_name: 'Dead Laptop' });
    const b = await activate(t, u.access, lic.license_key, newFingerprint(), { machine_name: 'Studio' });
    assert.equal((await deactivate(u.access, a)).body.pending_until, a.body.token_expires_at);
    const c = await activate(t, u.access, lic.license_key, newFingerprint());
    assert.equal(c.status, 200, 'a user whose computer died moves at once');
    assert.equal((await deactivate(u.access, b)).status, 200);
    const d = await activate(t, u.access, lic.license_key, newFingerprint());
    assert.equal(d.status, 409, JSON.stringify(d.body));
    assert.equal(d.body.error, 'deactivation_pending');
    assert.deepEqual(
      d.body.details.pending.map((p: any) => [p.id, p.machine_name, p.frees_at]),
      [
        [a.body.activation_id, 'Dead Laptop', a.body.token_expires_at],
        [b.body.activation_id, 'Studio', b.body.token_expires_at],
      ],
    );
    assert.equal(await tokenHolders(lic.id), 3, 'never more than the seats plus one');

    // The old laptop comes online: its heartbeat hears it is deactivated, and its seat frees.
    const told = await t.post('/license/heartbeat', { activation_token: a.body.activation_token });
    assert.equal(told.status, 403);
    assert.equal(told.body.error, 'activation_deactivated');
    assert.equal((await activate(t, u.access, lic.license_key, newFingerprint())).status, 200);
  });

  it('frees the seat at once when the machine deactivates itself with its own token, and refuses another machine\'s token', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'trial'); // 1 seat
    const a = await activate(t, u.access, lic.license_key, newFingerprint());
    const b2 = await signUp(t);
    const foreign = await activate(t, b2.access, (await grantLicense(t, b2.id)).license_key, newFingerprint());
    const wrong = await t.post('/license/deactivate', { activation_id: a.body.activation_id, activation_token: foreign.body.activation_token }, u.access);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'activation_token_mismatch');
    const own = await deactivate(u.access, a, true);
    assert.equal(own.status, 200);
    assert.equal(own.body.pending_until, null);
    assert.equal(await tokenHolders(lic.id), 0);
  });

  it('a pending machine frees by itself when its last token expires', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'trial'); // 1 seat
    const a = await activate(t, u.access, lic.license_key, newFingerprint());
    await deactivate(u.access, a);
    const b = await activate(t, u.access, lic.license_key, newFingerprint());
    await deactivate(u.access, b);
    assert.equal((await activate(t, u.access, lic.license_key, newFingerprint())).status, 409);
    await sql(`UPDATE activations SET token_expires_at = now() - interval '1 second', pending_until = now() - interval '1 second' WHERE id = :id RETURNING id`, {
      id: a.body.activation_id,
    });
    assert.equal((await activate(t, u.access, lic.license_key, newFingerprint())).status, 200);
  });

  it('remote deactivation churn cannot run more machines offline than the seats plus one', async () => {
    const u = await signUp(t);
    const admin = await (await import('./helpers/api')).signUpAs(t, 'admin');
    const lic = await grantLicense(t, u.id); // 2 seats, 5 deactivations per 30 days
    const active = [await activate(t, u.access, lic.license_key, newFingerprint()), await activate(t, u.access, lic.license_key, newFingerprint())];
    let refused = 0;
    for (let i = 0; i < 8; i++) {
      const victim = active.shift();
      if (victim) {
        // From elsewhere: the user's other machine, or support on their behalf.
        const off = i % 2 ? await deactivate(u.access, victim) : await t.post(`/admin/activations/${victim.body.activation_id}/deactivate`, {}, admin.access);
        assert.equal(off.status, 200, JSON.stringify(off.body));
      }
      const next = await activate(t, u.access, lic.license_key, newFingerprint());
      if (next.status === 409) refused += 1;
      else active.push(next);
      const holders = await tokenHolders(lic.id);
      assert.ok(holders <= 3, `round ${i}: ${holders} machines hold working tokens`);
    }
    assert.ok(refused > 0);
  });
});

describe('status and list', () => {
  it('shows one license by key, or all of mine, and never another user\'s', async () => {
    const u = await signUp(t);
    const other = await signUp(t);
    const a = await grantLicense(t, u.id);
    const b = await grantLicense(t, u.id, 'pro');
    const fp = newFingerprint();
    await activate(t, u.access, a.license_key, fp);
    const one = await t.get(`/license/status?license_key=${a.license_key}`, u.access);
    assert.equal(one.status, 200);
    assert.equal(one.body.status, 'active');
    assert.equal(one.body.license_key, a.license_key);
    assert.equal(one.body.license_type, 'perpetual');
    assert.equal(one.body.activations.length, 1);
    assert.equal(one.body.activations[0].fingerprint, fp);
    assert.equal(one.body.activations[0].last_validated, null);
    const latest = await t.get('/license/status', u.access);
    assert.equal(latest.status, 200);
    assert.equal(latest.body.license_key, b.license_key, 'without a key: the most recent license of the product, flat as in the seed');
    assert.deepEqual(latest.body.licenses.map((l: any) => l.license_key), [a.license_key], 'the others beside it');
    const none = await t.get('/license/status?product=companion', u.access);
    assert.equal(none.status, 404);
    assert.equal(none.body.error, 'license_not_found');
    const foreign = await t.get(`/license/status?license_key=${a.license_key}`, other.access);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error, 'license_not_found');
    assert.equal(b.policy, 'pro');
  });

  it('lists my licenses with seat counts, page by page', async () => {
    const u = await signUp(t);
    const first = await grantLicense(t, u.id);
    await grantLicense(t, u.id, 'pro');
    await grantLicense(t, u.id, 'nfr');
    await activate(t, u.access, first.license_key, newFingerprint());
    const page1 = await t.get('/license/list?limit=2', u.access);
    assert.equal(page1.status, 200);
    assert.equal(page1.body.licenses.length, 2);
    assert.ok(page1.body.next_cursor);
    const page2 = await t.get(`/license/list?limit=2&cursor=${page1.body.next_cursor}`, u.access);
    assert.equal(page2.body.licenses.length, 1);
    assert.equal(page2.body.next_cursor, null);
    const oldest = page2.body.licenses[0];
    assert.equal(oldest.license_key, first.license_key);
    assert.equal(oldest.product, 'mixing_mentor');
    assert.equal(oldest.activations_count, 1);
    assert.equal(oldest.max_activations, 2);
    const none = await t.get('/license/list', (await signUp(t)).access);
    assert.deepEqual(none.body, { licenses: [], next_cursor: null });
  });
});

describe('validate', () => {
  const validate = (body: Record<string, unknown>) => t.post('/license/validate', body);

  it('answers every code from a real request', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const fp = newFingerprint();
    const base = { license_key: lic.license_key, fingerprint: fp };
    assert.equal((await validate(base)).body.code, 'NOT_ACTIVATED');
    await activate(t, u.access, lic.license_key, fp);
    const ok = await validate({ ...base, product: 'mixing_mentor', entitlements: ['mixing_mentor.core'] });
    assert.equal(ok.status, 200);
    assert.deepEqual({ valid: ok.body.valid, code: ok.body.code }, { valid: true, code: 'VALID' });
    assert.equal(ok.body.policy, 'standard');
    assert.equal((await validate({ ...base, fingerprint: newFingerprint() })).body.code, 'FINGERPRINT_MISMATCH');
    assert.equal((await validate({ ...base, entitlements: ['mixing_mentor.pro'] })).body.code, 'ENTITLEMENT_MISSING');
    assert.equal((await validate({ ...base, product: 'companion' })).body.code, 'PRODUCT_MISMATCH');
    assert.equal((await validate({ ...base, license_key: 'NG-2222-2222-2222' })).body.code, 'NOT_FOUND');
    const notFound = await validate({ ...base, license_key: 'not a key' });
    assert.deepEqual(notFound.body, { valid: false, code: 'NOT_FOUND' });

    await services().licenses.setStatus(lic.id, 'suspended', { reason: 'test' });
    assert.equal((await validate(base)).body.code, 'SUSPENDED');
    await services().licenses.setStatus(lic.id, 'active');
    await services().licenses.setExpiry(lic.id, new Date(Date.now() - 1000));
    const expired = await validate(base);
    assert.deepEqual({ valid: expired.body.valid, code: expired.body.code }, { valid: false, code: 'EXPIRED' });
    await services().licenses.setExpiry(lic.id, null);
    assert.equal((await validate(base)).body.code, 'VALID');
    await services().licenses.revoke(lic.id, { reason: 'refund' });
    assert.equal((await validate(base)).body.code, 'REVOKED');
  });

  it('stamps last_validated_at once the batch is flushed, at most once a minute', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const fp = newFingerprint();
    const act = await activate(t, u.access, lic.license_key, fp);
    const read = async () =>
      (await sql<{ last_validated_at: Date | null }>('SELECT last_validated_at FROM activations WHERE id = :id', { id: act.body.activation_id }))[0]!
        .last_validated_at;
    await validate({ license_key: lic.license_key, fingerprint: fp });
    await services().licenses.flushValidationStamps();
    const first = await read();
    assert.ok(first instanceof Date);
    await validate({ license_key: lic.license_key, fingerprint: fp });
    await services().licenses.flushValidationStamps();
    assert.equal((await read())!.getTime(), first.getTime());
    const [backdated] = await sql<{ at: Date }>(
      `UPDATE activations SET last_validated_at = now() - interval '2 minutes' WHERE id = :id RETURNING last_validated_at AS at`,
      { id: act.body.activation_id },
    );
    await validate({ license_key: lic.license_key, fingerprint: fp });
    await services().licenses.flushValidationStamps();
    assert.ok((await read())!.getTime() > backdated!.at.getTime());
    const status = await t.get(`/license/status?license_key=${lic.license_key}`, u.access);
    assert.ok(status.body.activations[0].last_validated);
  });

  it('stamps a machine back from its whole grace offline at once, so the stale sweep keeps its seat', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id); // stale machines free their seat
    const fp = newFingerprint();
    const act = await activate(t, u.access, lic.license_key, fp);
    await sql(
      `UPDATE activations SET token_expires_at = now() - interval '1 day', last_validated_at = now() - interval '40 days'
        WHERE id = :id RETURNING id`,
      { id: act.body.activation_id },
    );
    assert.equal((await validate({ license_key: lic.license_key, fingerprint: fp })).body.code, 'VALID');
    // No flush: the sweep runs before any batch could land.
    await markStaleActivations(t.api.deps.sequelize);
    assert.equal(await liveActivations(t, lic.id), 1);
    assert.equal((await validate({ license_key: lic.license_key, fingerprint: fp })).body.code, 'VALID');
  });

  it('audits an address that guesses many keys', async () => {
    for (let i = 0; i < 51; i += 1) {
      const res = await validate({ license_key: 'NG-2222-2222-2222', fingerprint: newFingerprint() });
      assert.equal(res.body.code, 'NOT_FOUND');
    }
    const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'license.key_guessing_suspected'`);
    assert.equal(row!.n, 1);
  });
});

describe('heartbeat and tokens', () => {
  it('returns a fresh token for a live activation and fails with the right code after revocation', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'pro');
    const fp = newFingerprint();
    const act = await activate(t, u.access, lic.license_key, fp);
    const hb = await t.post('/license/heartbeat', { activation_token: act.body.activation_token, plugin_version: '1.3.0' });
    assert.equal(hb.status, 200, JSON.stringify(hb.body));
    assert.equal(hb.body.activation_id, act.body.activation_id);
    assert.deepEqual(hb.body.entitlements, ['mixing_mentor.core', 'mixing_mentor.pro']);
    const verdict = await verifyActivationToken(hb.body.activation_token, jwks, {
      fingerprint: fp,
      product: 'mixing_mentor',
      entitlements: ['mixing_mentor.pro'],
    });
    assert.equal(verdict.code, 'VALID');

    await services().licenses.revoke(lic.id, { reason: 'chargeback' });
    const after = await t.post('/license/heartbeat', { activation_token: hb.body.activation_token });
    assert.equal(after.status, 403);
    assert.equal(after.body.error, 'license_revoked');
    assert.equal(await liveActivations(t, lic.id), 0);
  });

  it('refuses a tampered or foreign token with token_invalid', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const act = await activate(t, u.access, lic.license_key, newFingerprint());
    const tampered = await t.post('/license/heartbeat', { activation_token: tamperPayload(act.body.activation_token) });
    assert.equal(tampered.status, 401);
    assert.equal(tampered.body.error, 'token_invalid');
    const garbage = await t.post('/license/heartbeat', { activation_token: 'a.b.c-this-is-not-a-token' });
    assert.equal(garbage.status, 401);
  });

  it('rejects a changed byte, another machine, an expired token and an unknown key, each with its code', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const fp = newFingerprint();
    const { body } = await activate(t, u.access, lic.license_key, fp);
    const token: string = body.activation_token;
    const opts = { fingerprint: fp, product: 'mixing_mentor' };
    assert.equal((await verifyActivationToken(token, jwks, opts)).code, 'VALID');
    assert.equal((await verifyActivationToken(tamperPayload(token), jwks, opts)).code, 'BAD_SIGNATURE');
    assert.equal((await verifyActivationToken(token, jwks, { ...opts, fingerprint: newFingerprint() })).code, 'FINGERPRINT_MISMATCH');
    const later = new Date(Date.now() + 31 * 86_400_000);
    assert.equal((await verifyActivationToken(token, jwks, { ...opts, now: later })).code, 'GRACE_EXPIRED');
    const rotated: Jwks = { keys: jwks.keys.map((k) => ({ ...k, kid: `${k.kid}-old` })) };
    assert.equal((await verifyActivationToken(token, rotated, opts)).code, 'UNKNOWN_KEY');
    // A key published under the right kid but with other material is a bad signature, not a pass.
    const otherKey = (await t.get('/keys')).body.keys[0];
    const forged: Jwks = { keys: [{ ...otherKey, x: 'A'.repeat(43) }] };
    assert.notEqual((await verifyActivationToken(token, forged, opts)).code, 'VALID');
  });

  it('documents the licensing routes in the OpenAPI document', async () => {
    const doc = await t.get('/openapi.json');
    assert.equal(doc.status, 200);
    for (const p of ['/api/v1/license/activate', '/api/v1/license/validate', '/api/v1/license/heartbeat', '/api/v1/admin/licenses/{id}']) {
      assert.ok(doc.body.paths[p], p);
    }
  });

  it('publishes the JWKS', async () => {
    const res = await t.get('/keys');
    assert.equal(res.status, 200);
    assert.ok(res.body.keys.length >= 1);
    assert.deepEqual(Object.keys(res.body.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    assert.match(res.headers.get('cache-control') ?? '', /max-age/);
  });
});

describe('services for other areas', () => {
  it('hasActiveLicense counts active, unexpired licenses (trials too)', async () => {
    const u = await signUp(t);
    assert.equal(await services().licenses.hasActiveLicense(u.id, 'mixing_mentor'), false);
    const trial = await grantLicense(t, u.id, 'trial');
    assert.match(trial.expires_at!, /Z$/);
    assert.equal(await services().licenses.hasActiveLicense(u.id, 'mixing_mentor'), true);
    await services().licenses.setExpiry(trial.id, new Date(Date.now() - 1000));
    assert.equal(await services().licenses.hasActiveLicense(u.id, 'mixing_mentor'), false);
  });

  it('deactivateAllForUser frees every seat of the user', async () => {
    const u = await signUp(t);
    const a = await grantLicense(t, u.id);
    const b = await grantLicense(t, u.id, 'pro');
    await activate(t, u.access, a.license_key, newFingerprint());
    await activate(t, u.access, b.license_key, newFingerprint());
    assert.equal(await services().licenses.deactivateAllForUser(u.id, 'account_deleted'), 2);
    assert.equal(await liveActivations(t, a.id), 0);
    assert.equal(await liveActivations(t, b.id), 0);
  });

  it('issue takes part in the caller\'s transaction', async () => {
    const u = await signUp(t);
    await assert.rejects(
      t.api.deps.sequelize.transaction(async (transaction) => {
        await services().licenses.issue({ userId: u.id, product: 'mixing_mentor', policy: 'pro', source: { type: 'purchase', id: 'pur_1' }, transaction });
        throw new Error('payment step failed');
      }),
    );
    assert.equal(await services().licenses.hasActiveLicense(u.id, 'mixing_mentor'), false);
    await assert.rejects(services().licenses.issue({ userId: u.id, product: 'mixing_mentor', policy: 'gold', source: { type: 'admin' } }), /Policy not found/);
  });
});

describe('a suspended account', () => {
  it('gets SUSPENDED from validate and 403 account_suspended from heartbeat for every license, until reinstated', async () => {
    const { signUpAs } = await import('./helpers/api');
    const u = await signUp(t);
    const admin = await signUpAs(t, 'admin');
    const [a, b] = [await grantLicense(t, u.id), await grantLicense(t, u.id, 'pro')];
    const machines: Array<{ key: string; fp: string; token: string }> = [];
    for (const lic of [a, b]) {
      const fp = newFingerprint();
      const res = await activate(t, u.access, lic.license_key, fp);
      assert.equal(res.status, 200);
      machines.push({ key: lic.license_key, fp, token: res.body.activation_token as string });
    }
    const check = async () =>
      Promise.all(
        machines.map(async (m) => ({
          validate: (await t.post('/license/validate', { license_key: m.key, fingerprint: m.fp })).body.code,
          heartbeat: await t.post('/license/heartbeat', { activation_token: m.token }).then((r) => (r.status === 200 ? 200 : `${r.status} ${r.body.error}`)),
        })),
      );
    assert.equal((await t.post(`/admin/users/${u.id}/suspend`, { reason: 'chargeback review' }, admin.access)).status, 200);
    assert.deepEqual(await check(), Array(2).fill({ validate: 'SUSPENDED', heartbeat: '403 account_suspended' }));
    assert.equal((await t.post(`/admin/users/${u.id}/reactivate`, {}, admin.access)).status, 200);
    assert.deepEqual(await check(), Array(2).fill({ validate: 'VALID', heartbeat: 200 }));
  });
});

describe('validation stamps on shutdown', () => {
  it('closing the API writes the stamps still batched in memory', async () => {
    const own = await startTestApi();
    try {
      const u = await signUp(own);
      const lic = await grantLicense(own, u.id);
      const fp = newFingerprint();
      const act = await activate(own, u.access, lic.license_key, fp);
      assert.equal((await own.post('/license/validate', { license_key: lic.license_key, fingerprint: fp })).body.code, 'VALID');
      await own.api.close(); // what SIGTERM does once in-flight requests have drained
      const db = new pg.Client({ connectionString: own.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ last_validated_at: Date | null }>('SELECT last_validated_at FROM activations WHERE id = $1', [
          act.body.activation_id,
        ]);
        assert.ok(rows[0]!.last_validated_at instanceof Date);
      } finally {
        await db.end();
      }
    } finally {
      await own.close();
    }
  });
});
