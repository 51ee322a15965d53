import { randomBytes, randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { signWebhookPayload } from '../../../scripts/stripe-emulator';
import { AccessTokens } from '../../src/lib/access-tokens';
import { GOOD_PASSWORD, signUp, uniqueEmail, type TestApi } from './api';
import { offlineMachine, receiptFile, requestFile } from './airgap';
import { activate, grantLicense, newFingerprint } from './licenses';
import { createCheckout, payInForm, waitFor, type PurchaseStack } from './purchases';
import { artifact, signedBy } from './releases';

/** Who calls: nobody, two ordinary users, staff, and three broken credentials. */
export const PRINCIPALS = ['anonymous', 'user_a', 'user_b', 'support', 'admin', 'expired', 'revoked', 'tampered'] as const;
export type Principal = (typeof PRINCIPALS)[number];

/**
 * Who may call a route:
 *  - public: anyone, credentials or not (the answer is the same for all);
 *  - self: any signed-in user, about their own data;
 *  - own: any signed-in user, but the request names user A's resource, so
 *    only A succeeds and everyone else gets `others`;
 *  - staff: support and admin; admin: admin only.
 */
export type Access = 'public' | 'self' | 'own' | 'staff' | 'admin';

export interface Account {
  id: string;
  email: string;
  role: 'user' | 'support' | 'admin';
}

/** A request as the table describes it; the runner adds the credentials. */
export interface TableRequest {
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** A body that is not JSON (multipart uploads, signed webhooks). */
  raw?: { contentType: string; body: Buffer | string; headers?: Record<string, string> };
}

export interface RouteRow {
  route: string;
  access: Access;
  /** Status for those allowed. */
  ok: number;
  /** Status for other signed-in users on `own` routes. */
  others?: number;
  /** Callers the access rule does not describe, by design (say why in the row). */
  exceptions?: Partial<Record<Principal, number>>;
  /** The call changes the caller's own account for good (password, deletion): use throwaway accounts. */
  throwawayCallers?: boolean;
  /** Makes what the request needs (fresh for each caller) and describes it. */
  prepare(w: World, caller: Account | undefined): Promise<TableRequest>;
}

/** The fixtures the table's requests are made of: A's resources, releases, tokens. */
export class World {
  private versions = 0;

  constructor(
    readonly s: PurchaseStack,
    readonly accounts: Record<'user_a' | 'user_b' | 'support' | 'admin', Account>,
  ) {}

  get t(): TestApi {
    return this.s.t;
  }

  get a(): Account {
    return this.accounts.user_a;
  }

  /** A signed-in session for `account`, made directly (no password hashing per call). */
  async token(account: Account, opts: { expired?: boolean; revoked?: boolean } = {}): Promise<string> {
    const [row] = await this.t.api.deps.sequelize.query<{ id: string }>(
      `INSERT INTO auth_sessions (user_id, expires_at, revoked_at, revoked_reason)
       VALUES (:user, now() + interval '1 day', CASE WHEN :revoked THEN now() END, CASE WHEN :revoked THEN 'logout' END) RETURNING id`,
      { replacements: { user: account.id, revoked: opts.revoked ?? false }, type: QueryTypes.SELECT },
    );
    const signer = opts.expired ? new AccessTokens(this.t.config.jwtSecret, -60) : this.t.api.deps.accessTokens;
    return signer.sign({ userId: account.id, sessionId: row!.id, role: account.role });
  }

  /** A validly signed token whose claims were changed afterwards (here: to claim the admin role). */
  async tamperedToken(account: Account): Promise<string> {
    const [h, p, s] = (await this.token(account)).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin', sub: this.accounts.admin.id })).toString('base64url');
    return `${h}.${forged}.${s}`;
  }

  /** A user straight in the table: a target for admin actions, never signed in. */
  async user(role: Account['role'] = 'user'): Promise<Account> {
    const email = uniqueEmail('target');
    const [row] = await this.t.api.deps.sequelize.query<{ id: string }>(
      `INSERT INTO users (email, password_hash, first_name, last_name, role) VALUES (:email, 'x', 'Target', 'User', :role) RETURNING id`,
      { replacements: { email, role }, type: QueryTypes.SELECT },
    );
    return { id: row!.id, email, role };
  }

  /** A user who can sign in with GOOD_PASSWORD. */
  async signedUp(role: Account['role']): Promise<Account> {
    const u = await signUp(this.t);
    if (role !== 'user') await this.t.api.deps.sequelize.query('UPDATE users SET role = :role WHERE id = :id', { replacements: { role, id: u.id } });
    return { id: u.id, email: u.email, role };
  }

  license(owner = this.a) {
    return grantLicense(this.t, owner.id);
  }

  async activation(owner = this.a) {
    const license = await this.license(owner);
    const res = await activate(this.t, await this.token(owner), license.license_key, newFingerprint());
    if (res.status !== 200) throw new Error(`activation fixture: ${res.status} ${JSON.stringify(res.body)}`);
    return { license, id: res.body.activation_id as string, token: res.body.activation_token as string };
  }

  async ticket(owner = this.a): Promise<string> {
    const res = await this.t.post('/support/ticket', { subject: 'Matrix ticket', message: 'Needs help with the matrix.', category: 'other' }, await this.token(owner));
    if (res.status !== 201) throw new Error(`ticket fixture: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async checkout(owner = this.a) {
    return createCheckout(this.t, await this.token(owner));
  }

  /** A completed purchase of `owner` (paid in the emulator, license issued by the webhook). */
  async paidPurchase(owner = this.a): Promise<string> {
    const token = await this.token(owner);
    const checkout = await createCheckout(this.t, token);
    const paid = await payInForm(this.s.emulator, checkout);
    if (paid.status !== 200) throw new Error(`payment fixture: ${paid.status} ${JSON.stringify(paid.body)}`);
    await waitFor('the license of the paid checkout', async () => {
      const r = await this.t.get(`/purchase/session/${checkout.session_id}`, token);
      return r.body.license_key ? true : undefined;
    });
    return checkout.purchase_id;
  }

  /** A multipart release upload, as an admin's client sends it. */
  async releaseUpload(product = 'mixing_mentor', platform = 'linux'): Promise<TableRequest['raw'] & { version: string }> {
    this.versions += 1;
    const version = `9.${this.versions}.${Date.now() % 100_000}`;
    const form = new FormData();
    const file = artifact(2048);
    const signature = signedBy(this.t.releaseKey, { product, version, platform }, file);
    for (const [k, v] of Object.entries({ product, version, platform, release_notes: 'Matrix release', ...signature })) form.append(k, v);
    form.append('file', new Blob([file]), `Matrix-${version}-${platform}.bin`);
    const request = new Request('http://127.0.0.1/', { method: 'POST', body: form });
    return { contentType: request.headers.get('content-type')!, body: Buffer.from(await request.arrayBuffer()), version };
  }

  async release(product = 'mixing_mentor', platform = 'linux'): Promise<{ id: string; version: string; file_name: string }> {
    const upload = await this.releaseUpload(product, platform);
    const res = await fetch(`${this.t.url}/api/v1/admin/releases`, {
      method: 'POST',
      headers: { 'content-type': upload.contentType, authorization: `Bearer ${await this.token(this.accounts.admin)}` },
      body: upload.body,
    });
    const body = (await res.json()) as { id: string; version: string; file_name: string };
    if (res.status !== 201) throw new Error(`release fixture: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  async apiKey(): Promise<string> {
    const res = await this.t.post('/admin/api-keys', { name: 'matrix', scopes: ['releases:write'] }, await this.token(this.accounts.admin));
    if (res.status !== 201) throw new Error(`api key fixture: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** A fresh plan on sale, made through the admin route. */
  async plan(): Promise<string> {
    const body = { plan: `m${randomBytes(4).toString('hex')}`, license_type: 'perpetual', policy: 'standard', name: 'Matrix plan', amount: 1234 };
    const res = await this.t.post('/admin/plans', body, await this.token(this.accounts.admin));
    if (res.status !== 201) throw new Error(`plan fixture: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** The id of a Stripe event the API has received (a paid checkout's). */
  async stripeEventId(): Promise<string> {
    await this.paidPurchase();
    const [row] = await this.t.api.deps.sequelize.query<{ id: string }>('SELECT id FROM stripe_events ORDER BY received_at DESC LIMIT 1', { type: QueryTypes.SELECT });
    return row!.id;
  }

  /** A Stripe event the API has no handler for, signed as Stripe signs it. */
  signedEvent(): TableRequest['raw'] {
    const payload = JSON.stringify({
      id: `evt_matrix_${randomBytes(8).toString('hex')}`,
      object: 'event',
      type: 'customer.updated',
      api_version: '2025-01-27.acacia',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'cus_matrix', object: 'customer' } },
    });
    return { contentType: 'application/json', body: payload, headers: { 'stripe-signature': signWebhookPayload(payload, this.s.webhookSecret) } };
  }
}

const today = () => new Date().toISOString().slice(0, 10);

/** Every route of the API, once. A route missing here fails the authorization matrix. */
export const ROUTES: RouteRow[] = [
  // ---- auth ----
  { route: 'POST /auth/register', access: 'public', ok: 201, prepare: async () => ({ body: { email: uniqueEmail('matrix'), password: GOOD_PASSWORD, first_name: 'Matrix', last_name: 'User' } }) },
  { route: 'POST /auth/login', access: 'public', ok: 200, prepare: async (w) => ({ body: { email: w.a.email, password: GOOD_PASSWORD } }) },
  {
    route: 'POST /auth/refresh',
    access: 'public',
    ok: 200,
    prepare: async (w) => ({ body: { refresh_token: (await w.t.post('/auth/login', { email: w.a.email, password: GOOD_PASSWORD })).body.refresh_token } }),
  },
  { route: 'POST /auth/logout', access: 'self', ok: 200, prepare: async () => ({}) },
  // A made-up token: the point here is that credentials change nothing on a public route.
  { route: 'POST /auth/verify-email', access: 'public', ok: 400, prepare: async () => ({ body: { token: `ev_${randomBytes(16).toString('hex')}` } }) },
  { route: 'POST /auth/resend-verification', access: 'self', ok: 200, prepare: async () => ({}) },
  { route: 'POST /auth/forgot-password', access: 'public', ok: 200, prepare: async (w) => ({ body: { email: w.a.email } }) },
  { route: 'POST /auth/reset-password', access: 'public', ok: 400, prepare: async () => ({ body: { token: `pr_${randomBytes(16).toString('hex')}`, new_password: 'another-horse-43' } }) },
  // ---- account ----
  { route: 'GET /user/profile', access: 'self', ok: 200, prepare: async () => ({}) },
  { route: 'PUT /user/profile', access: 'self', ok: 200, prepare: async () => ({ body: { first_name: 'Matrix' } }) },
  { route: 'PUT /user/password', access: 'self', ok: 200, throwawayCallers: true, prepare: async () => ({ body: { current_password: GOOD_PASSWORD, new_password: 'another-horse-43' } }) },
  { route: 'GET /user/export', access: 'self', ok: 200, prepare: async () => ({}) },
  { route: 'DELETE /user/account', access: 'self', ok: 200, throwawayCallers: true, prepare: async () => ({ body: { password: GOOD_PASSWORD } }) },
  // ---- licenses ----
  // Someone else's key reads exactly like a wrong one.
  { route: 'POST /license/activate', access: 'own', ok: 200, others: 400, prepare: async (w) => ({ body: { license_key: (await w.license()).license_key, hardware_id: newFingerprint(), machine_name: 'Matrix', os: 'Linux' } }) },
  { route: 'POST /license/deactivate', access: 'own', ok: 200, others: 404, prepare: async (w) => ({ body: { activation_id: (await w.activation()).id } }) },
  {
    route: 'POST /license/trial',
    access: 'self',
    ok: 201,
    // One trial per account: each caller is a fresh account, with its email confirmed as the route asks.
    throwawayCallers: true,
    prepare: async (w, caller) => {
      if (caller) await w.t.api.deps.sequelize.query('UPDATE users SET email_verified_at = now() WHERE id = :id', { replacements: { id: caller.id } });
      return { body: { hardware_id: newFingerprint() } };
    },
  },
  {
    route: 'POST /license/emergency',
    access: 'own',
    ok: 201,
    others: 400,
    prepare: async (w) => {
      // Every seat taken, as the route requires.
      const license = await w.license();
      for (let i = 0; i < 2; i += 1) await activate(w.t, await w.token(w.a), license.license_key, newFingerprint());
      return { body: { license_key: license.license_key, hardware_id: newFingerprint(), machine_name: 'Matrix', os: 'Linux' } };
    },
  },
  { route: 'POST /license/offline/activate', access: 'own', ok: 200, others: 400, prepare: async (w) => ({ body: requestFile(offlineMachine(), (await w.license()).license_key) }) },
  {
    route: 'POST /license/offline/deactivate',
    access: 'own',
    ok: 200,
    others: 404,
    prepare: async (w) => {
      const machine = offlineMachine();
      const res = await w.t.post('/license/offline/activate', requestFile(machine, (await w.license()).license_key), await w.token(w.a));
      if (res.status !== 200) throw new Error(`offline activation fixture: ${res.status} ${JSON.stringify(res.body)}`);
      return { body: receiptFile(machine, res.body.activation_id) };
    },
  },
  { route: 'GET /license/status', access: 'own', ok: 200, others: 404, prepare: async (w) => ({ query: { license_key: (await w.license()).license_key } }) },
  { route: 'GET /license/list', access: 'self', ok: 200, prepare: async () => ({}) },
  {
    route: 'POST /license/validate',
    access: 'public',
    ok: 200,
    prepare: async (w) => ({ body: { license_key: (await w.license()).license_key, fingerprint: newFingerprint(), product: 'mixing_mentor' } }),
  },
  { route: 'POST /license/heartbeat', access: 'public', ok: 200, prepare: async (w) => ({ body: { activation_token: (await w.activation()).token } }) },
  { route: 'GET /keys', access: 'public', ok: 200, prepare: async () => ({}) },
  { route: 'GET /client-config', access: 'public', ok: 200, prepare: async () => ({}) },
  { route: 'POST /admin/licenses', access: 'admin', ok: 201, prepare: async (w) => ({ body: { user_id: w.a.id, policy: 'standard' } }) },
  { route: 'GET /admin/licenses', access: 'staff', ok: 200, prepare: async () => ({}) },
  { route: 'GET /admin/licenses/{id}', access: 'staff', ok: 200, prepare: async (w) => ({ path: { id: (await w.license()).id } }) },
  { route: 'PATCH /admin/licenses/{id}', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.license()).id }, body: { max_activations: 5 } }) },
  { route: 'POST /admin/licenses/{id}/suspend', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.license()).id }, body: { reason: 'matrix' } }) },
  {
    route: 'POST /admin/licenses/{id}/reinstate',
    access: 'admin',
    ok: 200,
    prepare: async (w) => {
      const license = await w.license();
      await w.t.api.built.services.licenses.setStatus(license.id, 'suspended', { reason: 'matrix' });
      return { path: { id: license.id }, body: {} };
    },
  },
  { route: 'POST /admin/licenses/{id}/revoke', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.license()).id }, body: { reason: 'matrix' } }) },
  { route: 'POST /admin/licenses/{id}/reset-activations', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.activation()).license.id }, body: {} }) },
  { route: 'GET /admin/activations', access: 'staff', ok: 200, prepare: async () => ({}) },
  { route: 'POST /admin/activations/{id}/deactivate', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.activation()).id }, body: {} }) },
  // ---- purchases ----
  { route: 'GET /purchase/plans', access: 'public', ok: 200, prepare: async () => ({}) },
  { route: 'POST /purchase/create-checkout', access: 'self', ok: 200, prepare: async () => ({ body: { plan: 'standard', license_type: 'perpetual' } }) },
  { route: 'GET /purchase/session/{id}', access: 'own', ok: 200, others: 404, prepare: async (w) => ({ path: { id: (await w.checkout()).session_id } }) },
  { route: 'GET /purchase/checkout-status', access: 'public', ok: 200, prepare: async (w) => ({ query: { session_id: (await w.checkout()).session_id } }) },
  { route: 'GET /purchase/history', access: 'self', ok: 200, prepare: async () => ({}) },
  // Nobody in the matrix has a subscription: reaching the business rule proves the caller got through.
  { route: 'POST /purchase/portal', access: 'self', ok: 422, prepare: async () => ({}) },
  { route: 'POST /purchase/webhook', access: 'public', ok: 200, prepare: async (w) => ({ raw: w.signedEvent() }) },
  { route: 'GET /admin/purchases', access: 'staff', ok: 200, prepare: async () => ({}) },
  // Accepted: Stripe refunds, and its webhook revokes the license.
  { route: 'POST /admin/purchases/{id}/refund', access: 'admin', ok: 202, prepare: async (w) => ({ path: { id: await w.paidPurchase() }, body: {} }) },
  { route: 'GET /admin/revenue', access: 'admin', ok: 200, prepare: async () => ({ query: { from: today(), to: today() } }) },
  { route: 'GET /admin/plans', access: 'admin', ok: 200, prepare: async () => ({}) },
  {
    route: 'POST /admin/plans',
    access: 'admin',
    ok: 201,
    prepare: async () => ({ body: { plan: `m${randomBytes(4).toString('hex')}`, license_type: 'perpetual', policy: 'standard', name: 'Matrix plan', amount: 999 } }),
  },
  { route: 'PUT /admin/plans/{id}/price', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: await w.plan() }, body: { amount: 4321 } }) },
  { route: 'POST /admin/plans/{id}/deactivate', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: await w.plan() } }) },
  { route: 'POST /admin/plans/{id}/activate', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: await w.plan() } }) },
  { route: 'GET /admin/webhooks', access: 'admin', ok: 200, prepare: async () => ({}) },
  { route: 'POST /admin/webhooks/{id}/replay', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: await w.stripeEventId() } }) },
  // ---- admin API keys ----
  { route: 'POST /admin/api-keys', access: 'admin', ok: 201, prepare: async () => ({ body: { name: 'matrix', scopes: ['releases:write'] } }) },
  { route: 'GET /admin/api-keys', access: 'admin', ok: 200, prepare: async () => ({}) },
  { route: 'DELETE /admin/api-keys/{id}', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: await w.apiKey() } }) },
  // ---- releases, downloads, updates ----
  { route: 'POST /admin/releases', access: 'admin', ok: 201, prepare: async (w) => ({ raw: await w.releaseUpload() }) },
  { route: 'GET /admin/releases', access: 'admin', ok: 200, prepare: async () => ({}) },
  { route: 'GET /admin/releases/{id}', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.release()).id } }) },
  { route: 'PATCH /admin/releases/{id}', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.release()).id }, body: { release_notes: 'Edited by the matrix' } }) },
  { route: 'POST /admin/releases/{id}/yank', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.release()).id }, body: {} }) },
  {
    route: 'POST /admin/releases/{id}/unyank',
    access: 'admin',
    ok: 200,
    prepare: async (w) => {
      const release = await w.release();
      await w.t.api.deps.sequelize.query('UPDATE releases SET yanked_at = now() WHERE id = :id', { replacements: { id: release.id } });
      return { path: { id: release.id } };
    },
  },
  { route: 'GET /releases/keys', access: 'public', ok: 200, prepare: async () => ({}) },
  // Downloads need an active license: A has one, B does not; staff may download every release.
  {
    route: 'GET /downloads/latest',
    access: 'own',
    ok: 200,
    others: 403,
    exceptions: { support: 200, admin: 200 },
    prepare: async (w) => {
      await w.license();
      await w.release();
      return { query: { platform: 'linux' } };
    },
  },
  {
    route: 'GET /downloads/versions',
    access: 'own',
    ok: 200,
    others: 403,
    exceptions: { support: 200, admin: 200 },
    prepare: async (w) => {
      await w.license();
      await w.release();
      return {};
    },
  },
  {
    route: 'GET /updates/companion/{channel}/{feed}',
    access: 'public',
    ok: 200,
    prepare: async (w) => {
      await w.release('companion', 'linux');
      return { path: { channel: 'stable', feed: 'latest-linux.yml' } };
    },
  },
  {
    route: 'GET /updates/companion/{channel}/{platform}/{version}/{file_name}',
    access: 'public',
    ok: 200,
    prepare: async (w) => {
      const release = await w.release('companion', 'linux');
      return { path: { channel: 'stable', platform: 'linux', version: release.version, file_name: release.file_name } };
    },
  },
  // ---- telemetry ----
  { route: 'POST /analytics/telemetry', access: 'self', ok: 201, prepare: async () => ({ body: { event_id: randomUUID(), event_type: 'app_start', os: 'Linux' } }) },
  { route: 'GET /analytics/dashboard', access: 'admin', ok: 200, prepare: async () => ({ query: { period: '7d' } }) },
  // ---- support ----
  { route: 'POST /support/ticket', access: 'self', ok: 201, prepare: async () => ({ body: { subject: 'Matrix', message: 'A question from the matrix.', category: 'other' } }) },
  { route: 'GET /support/tickets', access: 'self', ok: 200, prepare: async () => ({}) },
  { route: 'GET /support/tickets/{id}', access: 'own', ok: 200, others: 404, prepare: async (w) => ({ path: { id: await w.ticket() } }) },
  // Staff reply to any ticket through the same route.
  { route: 'POST /support/tickets/{id}/messages', access: 'own', ok: 201, others: 404, exceptions: { support: 201, admin: 201 }, prepare: async (w) => ({ path: { id: await w.ticket() }, body: { message: 'More details.' } }) },
  { route: 'GET /admin/support/tickets', access: 'staff', ok: 200, prepare: async () => ({}) },
  { route: 'GET /admin/support/tickets/{id}', access: 'staff', ok: 200, prepare: async (w) => ({ path: { id: await w.ticket() } }) },
  { route: 'POST /admin/support/tickets/{id}/messages', access: 'staff', ok: 201, prepare: async (w) => ({ path: { id: await w.ticket() }, body: { message: 'Staff answer.' } }) },
  { route: 'POST /admin/support/tickets/{id}/assign', access: 'staff', ok: 200, prepare: async (w) => ({ path: { id: await w.ticket() }, body: { assignee_id: null } }) },
  { route: 'PUT /admin/support/tickets/{id}/status', access: 'staff', ok: 200, prepare: async (w) => ({ path: { id: await w.ticket() }, body: { status: 'pending' } }) },
  // ---- admin: users and audit ----
  { route: 'GET /admin/users', access: 'admin', ok: 200, prepare: async () => ({}) },
  { route: 'GET /admin/users/{id}', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: w.a.id } }) },
  { route: 'POST /admin/users/{id}/suspend', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.user()).id }, body: { reason: 'matrix' } }) },
  {
    route: 'POST /admin/users/{id}/reactivate',
    access: 'admin',
    ok: 200,
    prepare: async (w) => {
      const target = await w.user();
      await w.t.api.deps.sequelize.query(`UPDATE users SET status = 'suspended' WHERE id = :id`, { replacements: { id: target.id } });
      return { path: { id: target.id } };
    },
  },
  { route: 'PUT /admin/users/{id}/role', access: 'admin', ok: 200, prepare: async (w) => ({ path: { id: (await w.user()).id }, body: { role: 'support' } }) },
  { route: 'GET /admin/audit-logs', access: 'admin', ok: 200, prepare: async () => ({}) },
];

/** The status the table expects for one caller. */
export function expectedStatus(row: RouteRow, who: Principal): number {
  const exception = row.exceptions?.[who];
  if (exception !== undefined) return exception;
  if (row.access === 'public') return row.ok;
  if (who === 'anonymous' || who === 'expired' || who === 'revoked' || who === 'tampered') return 401;
  switch (row.access) {
    case 'self':
      return row.ok;
    case 'own':
      return who === 'user_a' ? row.ok : (row.others ?? 404);
    case 'staff':
      return who === 'support' || who === 'admin' ? row.ok : 403;
    case 'admin':
      return who === 'admin' ? row.ok : 403;
  }
}

/** The account whose expired or revoked credentials stand in for the real one. */
export function rightfulCaller(row: RouteRow): 'user_a' | 'support' | 'admin' {
  return row.access === 'admin' || row.access === 'staff' ? 'admin' : 'user_a';
}
