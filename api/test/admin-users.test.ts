import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { GOOD_PASSWORD, signUp, signUpAs, startTestApi, uniqueEmail, type TestApi } from './helpers/api';
import { activate, grantLicense, newFingerprint } from './helpers/licenses';

let t: TestApi;
let admin: Awaited<ReturnType<typeof signUp>>;
before(async () => {
  t = await startTestApi();
  admin = await signUpAs(t, 'admin');
});
after(() => t.close());

async function register(firstName: string, lastName: string, email = uniqueEmail()) {
  const reg = await t.post('/auth/register', { email, password: GOOD_PASSWORD, first_name: firstName, last_name: lastName });
  assert.equal(reg.status, 201);
  const login = await t.post('/auth/login', { email, password: GOOD_PASSWORD });
  return { id: reg.body.id as string, email, access: login.body.access_token as string };
}

describe('GET /admin/users', () => {
  it('searches email and names case-insensitively, page by page', async () => {
    const tag = `zq${randomUUID().slice(0, 6)}`;
    const a = await register('Ada', `Lovelace${tag}`);
    const b = await register(`Grace${tag}`, 'Hopper');
    const c = await register('Alan', 'Turing', `${tag}.alan@example.test`);
    await register('Someone', 'Else');

    const first = await t.get(`/admin/users?q=${tag.toUpperCase()}&limit=2`, admin.access);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.users.map((u: any) => u.id), [c.id, b.id]);
    assert.ok(first.body.next_cursor);
    const second = await t.get(`/admin/users?q=${tag}&limit=2&cursor=${first.body.next_cursor}`, admin.access);
    assert.deepEqual(second.body.users.map((u: any) => u.id), [a.id]);
    assert.equal(second.body.next_cursor, null);
    assert.ok(!('password_hash' in first.body.users[0]));

    // LIKE wildcards in the search are taken literally.
    assert.equal((await t.get('/admin/users?q=%25', admin.access)).body.users.length, 0);
    const admins = await t.get('/admin/users?role=admin&limit=100', admin.access);
    assert.ok(admins.body.users.every((u: any) => u.role === 'admin'));
    assert.ok(admins.body.users.some((u: any) => u.id === admin.id));
  });

  it('shows one account with its licenses and purchases', async () => {
    const u = await signUp(t);
    const lic = await grantLicense(t, u.id, 'pro');
    await activate(t, u.access, lic.license_key, newFingerprint());
    await t.api.deps.sequelize.query(
      `INSERT INTO purchases (user_id, license_id, plan, license_type, product, amount, currency, status, stripe_checkout_session_id)
       VALUES (:user, :license, 'pro', 'perpetual', 'mixing_mentor', 5999, 'USD', 'completed', :session)`,
      { replacements: { user: u.id, license: lic.id, session: `cs_test_${randomUUID()}` } },
    );
    const res = await t.get(`/admin/users/${u.id}`, admin.access);
    assert.equal(res.status, 200);
    assert.equal(res.body.email, u.email);
    assert.equal(res.body.licenses.length, 1);
    assert.equal(res.body.licenses[0].license_key, lic.license_key);
    assert.equal(res.body.licenses[0].license_type, 'perpetual');
    assert.equal(res.body.licenses[0].active_activations, 1);
    assert.equal(res.body.purchases.length, 1);
    assert.deepEqual(
      [res.body.purchases[0].amount, res.body.purchases[0].currency, res.body.purchases[0].status, res.body.purchases[0].plan],
      [5999, 'USD', 'completed', 'pro'],
    );
    assert.equal((await t.get(`/admin/users/${randomUUID()}`, admin.access)).status, 404);
  });

  it('is for admins only', async () => {
    const u = await signUp(t);
    const agent = await signUpAs(t, 'support');
    for (const token of [u.access, agent.access]) {
      assert.equal((await t.get('/admin/users', token)).status, 403);
      assert.equal((await t.get(`/admin/users/${u.id}`, token)).status, 403);
      assert.equal((await t.post(`/admin/users/${u.id}/suspend`, {}, token)).status, 403);
      assert.equal((await t.put(`/admin/users/${agent.id}/role`, { role: 'admin' }, token)).status, 403);
      assert.equal((await t.get('/admin/audit-logs', token)).status, 403);
    }
    assert.equal((await t.get('/user/profile', u.access)).status, 200);
    const roles = await t.api.deps.sequelize.query<{ role: string }>('SELECT role FROM users WHERE id = :id', {
      replacements: { id: agent.id },
      type: QueryTypes.SELECT,
    });
    assert.equal(roles[0]!.role, 'support');
  });
});

describe('admin changes to accounts', () => {
  it('suspends (signing out everywhere and refusing sign-in) and reactivates, audited', async () => {
    const u = await signUp(t);
    const suspended = await t.post(`/admin/users/${u.id}/suspend`, { reason: 'chargeback fraud' }, admin.access);
    assert.equal(suspended.status, 200);
    assert.equal(suspended.body.status, 'suspended');
    const now = await t.get('/user/profile', u.access);
    assert.equal(now.status, 401, 'the session was revoked');
    const refresh = await t.post('/auth/refresh', { refresh_token: u.refresh });
    assert.ok([401, 403].includes(refresh.status));
    const login = await t.post('/auth/login', { email: u.email, password: u.password });
    assert.equal(login.status, 403);
    assert.equal(login.body.error, 'account_suspended');

    const back = await t.post(`/admin/users/${u.id}/reactivate`, undefined, admin.access);
    assert.equal(back.status, 200);
    assert.equal(back.body.status, 'active');
    assert.equal((await t.post('/auth/login', { email: u.email, password: u.password })).status, 200);

    const log = await t.get(`/admin/audit-logs?user_id=${u.id}&action=admin.`, admin.access);
    assert.deepEqual(log.body.entries.map((e: any) => e.action), ['admin.user_reactivated', 'admin.user_suspended']);
    const entry = log.body.entries[1];
    assert.equal(entry.actor_user_id, admin.id);
    assert.equal(entry.subject_user_id, u.id);
    assert.deepEqual(entry.metadata, { reason: 'chargeback fraud' });
  });

  it('changes roles with an audit entry; the new role applies at once', async () => {
    const u = await signUp(t);
    assert.equal((await t.get('/admin/users', u.access)).status, 403);
    const res = await t.put(`/admin/users/${u.id}/role`, { role: 'admin' }, admin.access);
    assert.equal(res.status, 200);
    assert.equal(res.body.role, 'admin');
    assert.equal((await t.get('/admin/users', u.access)).status, 200);
    const log = await t.get(`/admin/audit-logs?user_id=${u.id}&action=admin.user_role_changed`, admin.access);
    assert.deepEqual(log.body.entries[0].metadata, { from: 'user', to: 'admin' });
    assert.equal((await t.put(`/admin/users/${u.id}/role`, { role: 'root' }, admin.access)).status, 400);
  });

  it('refuses changes to the own account and to deleted accounts', async () => {
    const self = await t.post(`/admin/users/${admin.id}/suspend`, {}, admin.access);
    assert.equal(self.status, 422);
    assert.equal(self.body.error, 'cannot_change_own_account');
    const demote = await t.put(`/admin/users/${admin.id}/role`, { role: 'user' }, admin.access);
    assert.equal(demote.status, 422);
    const gone = await signUp(t);
    await t.api.deps.sequelize.query(`UPDATE users SET status = 'deleted' WHERE id = :id`, { replacements: { id: gone.id } });
    const res = await t.post(`/admin/users/${gone.id}/reactivate`, {}, admin.access);
    assert.equal(res.status, 422);
    assert.equal(res.body.error, 'invalid_user_state');
    assert.equal((await t.post(`/admin/users/${randomUUID()}/suspend`, {}, admin.access)).status, 404);
  });
});

describe('GET /admin/audit-logs', () => {
  it('filters by user, action (exact or family) and time, page by page', async () => {
    const u = await signUp(t);
    await t.post('/auth/login', { email: u.email, password: 'wrong-password-1' });
    await t.post('/auth/login', { email: u.email, password: u.password });

    const mine = await t.get(`/admin/audit-logs?user_id=${u.id}&limit=100`, admin.access);
    assert.equal(mine.status, 200);
    const actions = mine.body.entries.map((e: any) => e.action);
    assert.deepEqual(new Set(actions), new Set(['user.registered', 'auth.login_succeeded', 'auth.login_failed']));
    assert.ok(mine.body.entries.every((e: any) => e.actor_user_id === u.id || e.subject_user_id === u.id));

    const failed = await t.get(`/admin/audit-logs?user_id=${u.id}&action=auth.login_failed`, admin.access);
    assert.equal(failed.body.entries.length, 1);
    const family = await t.get(`/admin/audit-logs?user_id=${u.id}&action=auth.`, admin.access);
    assert.ok(family.body.entries.length >= 3 && family.body.entries.every((e: any) => e.action.startsWith('auth.')));

    const future = new Date(Date.now() + 3600_000).toISOString();
    assert.equal((await t.get(`/admin/audit-logs?user_id=${u.id}&from=${encodeURIComponent(future)}`, admin.access)).body.entries.length, 0);
    const before = await t.get(`/admin/audit-logs?user_id=${u.id}&to=${encodeURIComponent(future)}&limit=100`, admin.access);
    assert.equal(before.body.entries.length, mine.body.entries.length);

    // Paging one by one visits every entry once, in the same order as one big page.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i += 1) {
      const res: any = await t.get(`/admin/audit-logs?user_id=${u.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, admin.access);
      seen.push(...res.body.entries.map((e: any) => e.id));
      cursor = res.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, mine.body.entries.map((e: any) => e.id));

    assert.equal((await t.get('/admin/audit-logs?from=yesterday', admin.access)).status, 400);
    assert.equal((await t.get('/admin/audit-logs?cursor=garbage', admin.access)).status, 400);
  });
});
