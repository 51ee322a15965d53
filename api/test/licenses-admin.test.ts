import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { QueryTypes } from 'sequelize';
import { isValidLicenseKey } from '@ngn/shared';
import { ADMIN_COMMANDS } from '../../scripts/admin-commands';
import { markStaleActivations } from '../src/modules/licenses/stale-activations';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { activate, grantLicense, liveActivations, newFingerprint } from './helpers/licenses';

const VALIDATE_LIMIT = 30;
let t: TestApi;
let admin: Awaited<ReturnType<typeof signUpAs>>;
before(async () => {
  t = await startTestApi({ RATE_LIMIT_VALIDATE_PER_MINUTE: String(VALIDATE_LIMIT) });
  admin = await signUpAs(t, 'admin');
});
after(() => t.close());

const sql = <T extends object>(query: string, replacements: Record<string, unknown> = {}) =>
  t.api.deps.sequelize.query<T>(query, { replacements, type: QueryTypes.SELECT });

async function auditCount(action: string, targetId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    'SELECT count(*)::int AS n FROM audit_logs WHERE action = :action AND target_id = :target AND actor_user_id = :actor',
    { action, target: targetId, actor: admin.id },
  );
  return row!.n;
}

describe('admin license routes', () => {
  it('grants a license by email (e.g. NFR) and audits it with the admin\'s id', async () => {
    const u = await signUp(t);
    const res = await t.post('/admin/licenses', { email: u.email, policy: 'nfr', reason: 'press review' }, admin.access);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.ok(isValidLicenseKey(res.body.license_key));
    assert.equal(res.body.license_type, 'nfr');
    assert.equal(res.body.user_id, u.id);
    assert.equal(res.body.source_type, 'admin');
    assert.deepEqual(res.body.activations, []);
    assert.equal(await auditCount('license.issued', res.body.id), 1);
    const act = await activate(t, u.access, res.body.license_key, newFingerprint());
    assert.equal(act.status, 200);

    const unknown = await t.post('/admin/licenses', { email: 'nobody@example.test', policy: 'standard' }, admin.access);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'user_not_found');
    const badPolicy = await t.post('/admin/licenses', { user_id: u.id, policy: 'gold' }, admin.access);
    assert.equal(badPolicy.body.error, 'policy_not_found');
    const both = await t.post('/admin/licenses', { user_id: u.id, email: u.email, policy: 'standard' }, admin.access);
    assert.equal(both.status, 400);
  });

  it('refuses users (403) and lets support read but not write', async () => {
    const u = await signUp(t);
    const support = await signUpAs(t, 'support');
    assert.equal((await t.post('/admin/licenses', { user_id: u.id, policy: 'pro' }, u.access)).status, 403);
    assert.equal((await t.get('/admin/licenses', u.access)).status, 403);
    assert.equal((await t.get('/admin/licenses', support.access)).status, 200);
    assert.equal((await t.post('/admin/licenses', { user_id: u.id, policy: 'pro' }, support.access)).status, 403);
  });

  it('extends expiry, changes seats, suspends, reinstates and revokes, each audited', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'standard_subscription');
    const until = new Date(Date.now() + 400 * 86_400_000).toISOString();
    const patched = await t.request('PATCH', `/admin/licenses/${lic.id}`, { body: { expires_at: until, max_activations: 3 }, token: admin.access });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.expires_at, until);
    assert.equal(patched.body.max_activations, 3);
    assert.equal(patched.body.max_activations_override, 3);
    assert.equal(await auditCount('license.expiry_changed', lic.id), 1);
    assert.equal(await auditCount('license.max_activations_changed', lic.id), 1);
    for (let i = 0; i < 3; i += 1) assert.equal((await activate(t, u.access, lic.license_key, newFingerprint())).status, 200);

    const suspended = await t.post(`/admin/licenses/${lic.id}/suspend`, { reason: 'chargeback opened' }, admin.access);
    assert.equal(suspended.body.status, 'suspended');
    assert.equal(suspended.body.status_reason, 'chargeback opened');
    assert.equal((await activate(t, u.access, lic.license_key, newFingerprint())).body.error, 'license_suspended');
    const reinstated = await t.post(`/admin/licenses/${lic.id}/reinstate`, {}, admin.access);
    assert.equal(reinstated.body.status, 'active');
    assert.equal(await auditCount('license.status_changed', lic.id), 2);

    const revoked = await t.post(`/admin/licenses/${lic.id}/revoke`, { reason: 'fraud' }, admin.access);
    assert.equal(revoked.body.status, 'revoked');
    assert.equal(revoked.body.activations_count, 0);
    assert.ok(revoked.body.activations.every((a: any) => a.deactivation_reason === 'license_revoked'));
    assert.equal(await auditCount('license.revoked', lic.id), 1);
    assert.equal((await t.post('/admin/licenses/00000000-0000-4000-8000-000000000000/revoke', { reason: 'x' }, admin.access)).status, 404);
    assert.equal((await t.post('/admin/licenses/not-a-uuid/revoke', { reason: 'x' }, admin.access)).status, 400);
  });

  it('resets a license\'s activations and deactivates single machines', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'pro');
    const one = await activate(t, u.access, lic.license_key, newFingerprint());
    await activate(t, u.access, lic.license_key, newFingerprint());
    const single = await t.post(`/admin/activations/${one.body.activation_id}/deactivate`, { reason: 'support ticket 12' }, admin.access);
    assert.equal(single.status, 200);
    assert.equal(await auditCount('license.machine_deactivated', one.body.activation_id), 1);
    assert.equal(await liveActivations(t, lic.id), 1);
    const reset = await t.post(`/admin/licenses/${lic.id}/reset-activations`, {}, admin.access);
    assert.deepEqual(reset.body, { deactivated: 1 });
    assert.equal(await liveActivations(t, lic.id), 0);
    assert.equal(await auditCount('license.activations_reset', lic.id), 1);
    // Admin deactivations do not spend the user's self-service budget.
    const [budget] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM activations WHERE license_id = :id AND deactivation_reason IN ('user', 'rebound')`,
      { id: lic.id },
    );
    assert.equal(budget!.n, 0);
  });

  it('searches licenses by key prefix, email, user and status, page by page', async () => {
    const u = await signUp(t);
    const a = await grantLicense(t, u.id);
    const b = await grantLicense(t, u.id, 'pro');
    await grantLicense(t, u.id, 'trial');
    const byKey = await t.get(`/admin/licenses?q=${a.license_key.slice(0, 8).toLowerCase()}`, admin.access);
    assert.ok(byKey.body.licenses.some((l: any) => l.id === a.id));
    const byEmail = await t.get(`/admin/licenses?q=${encodeURIComponent(u.email)}&limit=2`, admin.access);
    assert.equal(byEmail.body.licenses.length, 2);
    assert.ok(byEmail.body.next_cursor);
    const rest = await t.get(`/admin/licenses?q=${encodeURIComponent(u.email)}&limit=2&cursor=${byEmail.body.next_cursor}`, admin.access);
    assert.equal(rest.body.licenses.length, 1);
    assert.equal(rest.body.next_cursor, null);
    assert.ok(rest.body.licenses.every((l: any) => l.user_email === u.email));
    await t.post(`/admin/licenses/${b.id}/suspend`, { reason: 'x' }, admin.access);
    const suspended = await t.get(`/admin/licenses?user_id=${u.id}&status=suspended`, admin.access);
    assert.deepEqual(suspended.body.licenses.map((l: any) => l.id), [b.id]);
    const detail = await t.get(`/admin/licenses/${a.id}`, admin.access);
    assert.equal(detail.body.license_key, a.license_key);
    assert.equal((await t.get('/admin/licenses/00000000-0000-4000-8000-000000000000', admin.access)).body.error, 'license_not_found');
  });

  it('lists activations by license, user and state', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'pro');
    const fp = newFingerprint();
    const one = await activate(t, u.access, lic.license_key, fp, { components: { cpu: 'a', disk: 'b' } });
    await activate(t, u.access, lic.license_key, newFingerprint());
    await t.post('/license/deactivate', { activation_id: one.body.activation_id }, u.access);
    const live = await t.get(`/admin/activations?license_id=${lic.id}`, admin.access);
    assert.equal(live.body.activations.length, 1);
    const all = await t.get(`/admin/activations?user_id=${u.id}&state=all&limit=1`, admin.access);
    assert.equal(all.body.activations.length, 1);
    assert.ok(all.body.next_cursor);
    const gone = await t.get(`/admin/activations?fingerprint=${fp}&state=deactivated`, admin.access);
    assert.equal(gone.body.activations[0].deactivation_reason, 'user');
    assert.deepEqual(gone.body.activations[0].component_names, ['cpu', 'disk']);
  });
});

describe('admin CLI', () => {
  it('grant-license prints a key for the user', async () => {
    const u = await signUp(t);
    const key = await ADMIN_COMMANDS['grant-license']!.run({ email: u.email, policy: 'pro', product: 'mixing_mentor' }, t.api.built.services);
    assert.equal(typeof key, 'string');
    assert.ok(isValidLicenseKey(key as string));
    const list = await t.get('/license/list', u.access);
    assert.equal(list.body.licenses[0].license_key, key);
    assert.equal(list.body.licenses[0].policy, 'pro');
    await assert.rejects(ADMIN_COMMANDS['grant-license']!.run({ email: 'nobody@example.test', policy: 'pro', product: 'mixing_mentor' }, t.api.built.services), /No account/);
  });
});

describe('dead machines', () => {
  const expireToken = (activationId: string) =>
    t.api.deps.sequelize.query(
      `UPDATE activations SET token_expires_at = now() - interval '1 day', activated_at = now() - interval '40 days' WHERE id = :id`,
      { replacements: { id: activationId } },
    );

  it('marks machines silent past their grace as stale and frees the seat where the policy says so', async () => {
    const u = await signUp(t);
    const standard = await grantLicense(t, u.id); // stale_frees_seat
    const nfr = await grantLicense(t, u.id, 'nfr'); // keeps the seat
    const a = await activate(t, u.access, standard.license_key, newFingerprint());
    const b = await activate(t, u.access, nfr.license_key, newFingerprint());
    const alive = await activate(t, u.access, standard.license_key, newFingerprint());
    await expireToken(a.body.activation_id);
    await expireToken(b.body.activation_id);

    const sweep = await markStaleActivations(t.api.deps.sequelize);
    assert.ok(sweep.stale >= 2);
    assert.ok(sweep.freed >= 1);
    assert.equal(await liveActivations(t, standard.id), 1);
    assert.equal(await liveActivations(t, nfr.id), 1);
    const status = await t.get(`/license/status?license_key=${nfr.license_key}`, u.access);
    assert.equal(status.body.activations[0].stale, true);
    const hb = await t.post('/license/heartbeat', { activation_token: a.body.activation_token });
    assert.equal(hb.body.error, 'activation_deactivated');
    // A stale machine that is still seated comes back to life with a heartbeat.
    const back = await t.post('/license/heartbeat', { activation_token: b.body.activation_token });
    assert.equal(back.status, 200);
    const again = await t.get(`/license/status?license_key=${nfr.license_key}`, u.access);
    assert.equal(again.body.activations[0].stale, false);
    const [kept] = await sql<{ stale_at: Date | null }>('SELECT stale_at FROM activations WHERE id = :id', { id: alive.body.activation_id });
    assert.equal(kept!.stale_at, null);
  });

  it('moves licenses past their end date to expired', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'trial', { expiresAt: new Date(Date.now() - 60_000) });
    await markStaleActivations(t.api.deps.sequelize);
    const detail = await t.get(`/admin/licenses/${lic.id}`, admin.access);
    assert.equal(detail.body.status, 'expired');
    // A renewal makes it active again.
    await t.api.built.services.licenses.setExpiry(lic.id, new Date(Date.now() + 86_400_000));
    assert.equal((await t.get(`/admin/licenses/${lic.id}`, admin.access)).body.status, 'active');
  });
});

describe('validate rate limit', () => {
  it('answers 429 with Retry-After past the per-IP limit', async () => {
    let limited;
    for (let i = 0; i < VALIDATE_LIMIT + 1 && !limited; i += 1) {
      const res = await t.post('/license/validate', { license_key: 'NG-2222-2222-2222', fingerprint: newFingerprint() });
      if (res.status === 429) limited = res;
    }
    assert.ok(limited, 'the limit applies');
    assert.equal(limited.body.error, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });
});

describe('verify-token CLI', () => {
  const run = promisify(execFile);
  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/verify-token.ts', ...args]).then(
      (r) => ({ code: 0, out: r.stdout }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
    );

  it('accepts a written token for this machine and rejects it for another', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id);
    const fp = newFingerprint();
    const act = await activate(t, u.access, lic.license_key, fp);
    const file = path.join(t.dataDir, 'mixing_mentor.jwt');
    await writeFile(file, `${act.body.activation_token}\n`);
    const ok = await cli([file, '--jwks', `${t.url}/api/v1/keys`, '--fingerprint', fp]);
    assert.equal(ok.code, 0, ok.out);
    assert.equal(JSON.parse(ok.out).code, 'VALID');
    const jwksFile = path.join(t.dataDir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify((await t.get('/keys')).body));
    const other = await cli([file, '--jwks', jwksFile, '--fingerprint', newFingerprint(), '--product', 'mixing_mentor']);
    assert.equal(other.code, 1);
    assert.equal(JSON.parse(other.out).code, 'FINGERPRINT_MISMATCH');
  });
});
