import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { GOOD_PASSWORD, signUpAs, startTestApi, uniqueEmail, type TestApi } from './helpers/api';
import { activate, grantLicense, newFingerprint } from './helpers/licenses';

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(() => t.close());

const sql = <T extends object = Record<string, unknown>>(text: string, replacements: Record<string, unknown> = {}) =>
  t.api.deps.sequelize.query<T>(text, { replacements, type: QueryTypes.SELECT });
const exec = (text: string, replacements: Record<string, unknown> = {}) => t.api.deps.sequelize.query(text, { replacements });

/** Every column that references users(id), as `table.column`. */
async function userForeignKeys(): Promise<string[]> {
  const rows = await sql<{ fk: string }>(
    `SELECT c.conrelid::regclass::text || '.' || a.attname AS fk
       FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
      WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass`,
  );
  return rows.map((r) => r.fk).sort();
}

/** Where each users foreign key's rows appear in the export. */
const EXPORTED: Record<string, { section: string; id: string }> = {
  'auth_sessions.user_id': { section: 'sessions', id: 'id' },
  'user_tokens.user_id': { section: 'email_tokens', id: 'id' },
  'audit_logs.actor_user_id': { section: 'audit_log', id: 'id' },
  'audit_logs.subject_user_id': { section: 'audit_log', id: 'id' },
  'licenses.user_id': { section: 'licenses', id: 'id' },
  'trials.user_id': { section: 'trials', id: 'id' },
  'release_announcements.user_id': { section: 'new_version_mails', id: 'version' },
  'purchases.user_id': { section: 'purchases', id: 'id' },
  'api_keys.created_by': { section: 'api_keys', id: 'id' },
  'support_tickets.user_id': { section: 'support_tickets', id: 'id' },
  'telemetry_events.user_id': { section: 'telemetry_events', id: 'event_id' },
};
/** References to a user that are not that user's own data. */
const NOT_EXPORTED: Record<string, string> = {
  'activations.deactivated_by': 'the staff member who freed a seat',
  'support_tickets.assignee_id': 'the staff member a ticket is assigned to',
  'support_messages.author_id': 'messages are exported inside their ticket, by role',
  'releases.created_by': 'the staff member who published a release',
};

interface Person {
  id: string;
  email: string;
  access: string;
  firstName: string;
  lastName: string;
  userAgent: string;
  machine: string;
  customer: string;
  subject: string;
  licenseId: string;
}

/** A user with rows in every table that can hold personal data. */
async function personWithEverything(): Promise<Person> {
  const tag = randomBytes(5).toString('hex');
  const p = {
    email: uniqueEmail(`gdpr${tag}`),
    firstName: `Ada${tag}`,
    lastName: `Lovelace${tag}`,
    userAgent: `NGN-Companion/1.0 (${tag})`,
    machine: `Studio of ${tag}`,
    customer: `cus_${tag}`,
    subject: `Crash with ${tag}`,
  };
  const headers = { 'user-agent': p.userAgent };
  const reg = await t.request('POST', '/auth/register', { body: { email: p.email, password: GOOD_PASSWORD, first_name: p.firstName, last_name: p.lastName }, headers });
  assert.equal(reg.status, 201);
  const id = reg.body.id as string;
  await t.request('POST', '/auth/login', { body: { email: p.email, password: 'wrong-password-9' }, headers });
  const login = await t.request('POST', '/auth/login', { body: { email: p.email, password: GOOD_PASSWORD }, headers });
  const access = login.body.access_token as string;

  const lic = await grantLicense(t, id, 'pro');
  assert.equal((await activate(t, access, lic.license_key, newFingerprint(), { machine_name: p.machine })).status, 200);
  await exec(`UPDATE users SET email_verified_at = now() WHERE id = :id`, { id });
  assert.equal((await t.post('/license/trial', { hardware_id: newFingerprint(), machine_name: 'Trial machine' }, access)).status, 201);
  await exec(`UPDATE users SET stripe_customer_id = :customer WHERE id = :id`, { id, customer: p.customer });
  await exec(`INSERT INTO release_announcements (product, version, user_id) VALUES ('mixing_mentor', :version, :id)`, { id, version: `9.9.${parseInt(tag, 16) % 1000}` });
  await exec(
    `INSERT INTO purchases (user_id, license_id, plan, license_type, product, amount, currency, status, completed_at,
                            stripe_checkout_session_id, stripe_payment_intent_id, stripe_customer_id)
     VALUES (:id, :license, 'pro', 'perpetual', 'mixing_mentor', 5999, 'EUR', 'completed', now(), :session, :intent, :customer)`,
    { id, license: lic.id, session: `cs_${tag}`, intent: `pi_${tag}`, customer: p.customer },
  );
  await exec(`INSERT INTO stripe_events (id, type, payload) VALUES (:eid, 'checkout.session.completed', :payload::jsonb)`, {
    eid: `evt_${tag}`,
    payload: JSON.stringify({ data: { object: { id: `cs_${tag}`, customer: p.customer, customer_details: { email: p.email, name: `${p.firstName} ${p.lastName}` } } } }),
  });
  await exec(
    `INSERT INTO api_keys (name, key_hash, prefix, scopes, created_by) VALUES ('release pipeline', :hash, 'ngn_ak_x', ARRAY['releases:write'], :id)`,
    { hash: randomBytes(32).toString('hex'), id },
  );
  const ticket = await t.post('/support/ticket', { subject: p.subject, message: `My name is ${p.firstName}`, category: 'bug' }, access);
  assert.equal(ticket.status, 201);
  const agent = await signUpAs(t, 'support');
  await t.post(`/admin/support/tickets/${ticket.body.id}/messages`, { message: `Hello ${p.firstName}` }, agent.access);
  await t.waitForMail(p.email, 'support-reply');
  // More events than one export page, to exercise the paging.
  for (let batch = 0; batch < 5; batch += 1) {
    const events = Array.from({ length: 500 }, (_, i) => ({
      event_id: randomUUID(),
      event_type: i === 0 ? 'crash' : 'feature_used',
      os: 'Windows 11',
      features_used: ['ghost_needle'],
      crash_report: i === 0 ? `Crash in C:\\Users\\${p.firstName}\\plugin.dll` : null,
      occurred_at: new Date(Date.now() - (batch * 500 + i) * 1000).toISOString(),
    }));
    assert.equal((await t.post('/analytics/telemetry', { events }, access)).status, 201);
  }
  return { ...p, id, access, licenseId: lic.id };
}

async function exportOf(access: string) {
  const res = await t.request<string>('GET', '/user/export', { token: access });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="nextgen-noise-data-\d{4}-\d{2}-\d{2}\.json"$/);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return res.body as any;
}

/** Rows of every table (public and job queue) whose text mentions `needle`. */
async function tablesMentioning(needle: string): Promise<string[]> {
  const tables = await sql<{ name: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema IN ('public', 'pgboss')`,
  );
  const hits: string[] = [];
  for (const { name } of tables) {
    const rows = await sql(`SELECT 1 FROM ${name} x WHERE strpos(lower(row_to_json(x)::text), lower(:needle)) > 0 LIMIT 1`, { needle });
    if (rows.length) hits.push(name);
  }
  return hits;
}

describe('GET /user/export', () => {
  it("contains every table's rows for the user, and nobody else's", async () => {
    const ada = await personWithEverything();
    const bob = await personWithEverything();
    const doc = await exportOf(ada.access);
    assert.equal(doc.format, 1);
    assert.equal(doc.profile.id, ada.id);
    assert.equal(doc.profile.email, ada.email);
    assert.equal(doc.profile.stripe_customer_id, ada.customer);
    assert.ok(!('password_hash' in doc.profile));

    // Every table that points at a user is either exported or knowingly left out.
    assert.deepEqual(await userForeignKeys(), [...Object.keys(EXPORTED), ...Object.keys(NOT_EXPORTED)].sort());
    for (const [fk, { section, id }] of Object.entries(EXPORTED)) {
      const [table, column] = fk.split('.');
      const expected = (await sql<{ id: string }>(`SELECT ${id}::text AS id FROM ${table} WHERE ${column} = :user`, { user: ada.id })).map((r) => r.id);
      assert.ok(expected.length > 0, `${fk} has rows for the test user`);
      const exported = new Set(doc[section].map((r: any) => String(r[id])));
      for (const rowId of expected) assert.ok(exported.has(rowId), `${fk} row ${rowId} is in "${section}"`);
    }
    assert.equal(doc.telemetry_events.length, 2500);
    assert.equal(new Set(doc.telemetry_events.map((e: any) => e.event_id)).size, 2500);
    assert.deepEqual(doc.activations.map((a: any) => a.machine_name), [ada.machine, 'Trial machine']);
    assert.deepEqual(doc.support_tickets[0].messages.map((m: any) => m.author), ['user', 'staff']);
    assert.ok(doc.sessions.some((s: any) => s.user_agent === ada.userAgent));
    assert.ok(doc.audit_log.some((a: any) => a.action === 'auth.login_failed' && a.actor !== undefined));
    for (const secret of ['password_hash', 'token_hash', 'key_hash']) assert.ok(!JSON.stringify(doc).includes(secret));

    // Another user's export holds only their own data.
    const bobs = JSON.stringify(await exportOf(bob.access));
    for (const mine of [ada.id, ada.email, ada.firstName, ada.machine, ada.subject, ada.customer]) assert.ok(!bobs.includes(mine), mine);
  });

  it("exports where-from and notes only of what the user did, never of what staff or others wrote about them", async () => {
    const ada = await personWithEverything();
    const admin = await signUpAs(t, 'admin');
    // A stranger's failed sign-in on Ada's account, from the stranger's own address and browser.
    await t.request('POST', '/auth/login', { body: { email: ada.email, password: 'a-stranger-guesses-1' }, headers: { 'user-agent': 'StrangerBot/1.0' } });
    // Staff write about Ada: a suspension with an internal reason, then reinstatement.
    assert.equal((await t.post(`/admin/users/${ada.id}/suspend`, { reason: 'internal fraud note XYZ' }, admin.access)).status, 200);
    assert.equal((await t.post(`/admin/users/${ada.id}/reactivate`, {}, admin.access)).status, 200);
    const login = await t.post('/auth/login', { email: ada.email, password: GOOD_PASSWORD });
    const doc = await exportOf(login.body.access_token);
    const aboutAda = doc.audit_log.filter((a: any) => a.actor !== 'you');
    assert.ok(aboutAda.some((a: any) => a.action === 'auth.login_failed'));
    assert.ok(aboutAda.some((a: any) => a.action.includes('suspend')));
    for (const row of aboutAda) assert.deepEqual([row.ip, row.user_agent, row.metadata], [null, null, null], JSON.stringify(row));
    assert.ok(!JSON.stringify(doc).includes('StrangerBot'));
    assert.ok(!JSON.stringify(doc).includes('internal fraud note XYZ'));
    const own = doc.audit_log.filter((a: any) => a.actor === 'you');
    assert.ok(own.some((a: any) => a.ip !== null), 'what Ada did keeps its address');
  });

  it('needs a signed-in user', async () => {
    assert.equal((await t.get('/user/export')).status, 401);
  });
});

describe('DELETE /user/account', () => {
  it('refuses a wrong password (400) and changes nothing', async () => {
    const p = await personWithEverything();
    const res = await t.del('/user/account', { password: 'not-my-password-1' }, p.access);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'wrong_password');
    assert.equal((await sql('SELECT 1 FROM users WHERE id = :id', { id: p.id })).length, 1);
    assert.equal((await t.get('/user/profile', p.access)).status, 200);
    assert.equal((await t.del('/user/account', {}, p.access)).status, 400);
    assert.equal((await t.del('/user/account', { password: GOOD_PASSWORD })).status, 401);
  });

  it('deletes or anonymises everything that identifies the user, keeps the purchase for the books', async () => {
    const ada = await personWithEverything();
    const bob = await personWithEverything();
    const adaAudit = (await sql<{ id: string }>('SELECT id::text FROM audit_logs WHERE actor_user_id = :id OR subject_user_id = :id', { id: ada.id })).map((r) => r.id);
    const purchaseId = (await sql<{ id: string }>('SELECT id FROM purchases WHERE user_id = :id', { id: ada.id }))[0]!.id;
    const bobBefore = JSON.stringify({ ...(await exportOf(bob.access)), exported_at: null });

    const res = await t.del('/user/account', { password: GOOD_PASSWORD }, ada.access);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { message: 'account_deleted' });

    // Signed out everywhere.
    assert.equal((await t.get('/user/profile', ada.access)).status, 401);

    // Nothing left anywhere names, mails, tracks or fingerprints them.
    for (const needle of [ada.email, ada.firstName, ada.lastName, ada.userAgent, ada.machine, ada.subject]) {
      assert.deepEqual(await tablesMentioning(needle), [], `no row mentions ${needle}`);
    }
    // The Stripe customer id stays only in the job that asks Stripe to cancel and delete that customer.
    // (pg-boss keeps each queue's jobs in a partition of pgboss.job.)
    assert.deepEqual((await tablesMentioning(ada.customer)).filter((table) => !table.startsWith('pgboss.j')), []);
    const erasure = await sql<{ name: string }>(`SELECT name FROM pgboss.job WHERE strpos(data::text, :customer) > 0`, { customer: ada.customer });
    assert.deepEqual(erasure.map((j) => j.name), ['stripe.erase-customer']);
    // Their id survives only as the target of the deletion record, which points at nothing.
    assert.deepEqual(await tablesMentioning(ada.id), ['public.audit_logs']);
    const idRows = await sql<{ action: string }>(`SELECT action FROM audit_logs x WHERE strpos(row_to_json(x)::text, :id) > 0`, { id: ada.id });
    assert.deepEqual(idRows.map((r) => r.action), ['user.account_deleted']);
    // Audit entries about them stay as a record of what happened, without IP, user agent or details.
    const kept = await sql<{ ip: string | null; user_agent: string | null; metadata: object; actor_user_id: string | null }>(
      'SELECT ip, user_agent, metadata, actor_user_id FROM audit_logs WHERE id::text IN (:ids)',
      { ids: adaAudit },
    );
    assert.equal(kept.length, adaAudit.length);
    for (const row of kept) {
      if (row.actor_user_id === null) assert.deepEqual([row.ip, row.user_agent], [null, null]);
    }
    // The purchase stays for tax records, anonymised.
    const [purchase] = await sql<any>('SELECT * FROM purchases WHERE id = :id', { id: purchaseId });
    assert.equal(purchase.user_id, null);
    assert.equal(purchase.stripe_customer_id, null);
    assert.equal(purchase.amount, 5999);
    assert.equal(purchase.currency, 'EUR');
    assert.ok(purchase.stripe_payment_intent_id.startsWith('pi_'));
    // Their license and machines are gone, so no activation token can be refreshed.
    assert.equal((await sql('SELECT 1 FROM licenses WHERE id = :id', { id: ada.licenseId })).length, 0);

    // The account is gone (checked last: a failed sign-in is itself audited with the email typed).
    assert.equal((await t.post('/auth/login', { email: ada.email, password: GOOD_PASSWORD })).status, 401);

    // Bob is untouched.
    assert.equal((await t.get('/user/profile', bob.access)).status, 200);
    assert.equal(JSON.stringify({ ...(await exportOf(bob.access)), exported_at: null }), bobBefore);
    // The email is free again.
    assert.equal((await t.post('/auth/register', { email: ada.email, password: GOOD_PASSWORD, first_name: 'New', last_name: 'Person' })).status, 201);
  });

  it('stops accepting passwords after repeated wrong ones (429)', async () => {
    const reg = await t.post('/auth/register', { email: uniqueEmail(), password: GOOD_PASSWORD, first_name: 'A', last_name: 'B' });
    const login = await t.post('/auth/login', { email: reg.body.email, password: GOOD_PASSWORD });
    const token = login.body.access_token;
    for (let i = 0; i < 5; i += 1) assert.equal((await t.del('/user/account', { password: `wrong-${i}-password` }, token)).status, 400);
    const blocked = await t.del('/user/account', { password: GOOD_PASSWORD }, token);
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal((await t.get('/user/profile', token)).status, 200);
  });
});
