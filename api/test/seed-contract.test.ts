/**
 * A client written to the founding spec must work against this API: every
 * request example of its section 3 is sent as written (placeholders such as
 * "NG-XXXX-XXXX-XXXX" or "<token>" replaced by real values), and the answer must
 * have the status and every field of the example's response, with the same
 * kind of value. Extra fields are fine; a missing or reshaped one is not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setRole, tokenFromMail } from './helpers/api';
import { grantLicense, newFingerprint } from './helpers/licenses';
import { payInForm, startPurchaseStack, waitFor, type PurchaseStack } from './helpers/purchases';
import { artifact, publish } from './helpers/releases';
import { seedExamples, shapeProblems, type SeedExample } from './helpers/seed-spec';

const examples = seedExamples();
let s: PurchaseStack;
before(async () => {
  s = await startPurchaseStack();
});
after(() => s.close());

/** What the test learns as it goes, standing in for the spec's placeholders. */
const real: { password: string; access?: string; refresh?: string; resetToken?: string; adminAccess?: string; licenseKey?: string; activationId?: string; userId?: string } = {
  password: '',
};

function example(title: string): SeedExample {
  const found = examples.find((e) => e.title === title);
  assert.ok(found, `the spec has an example "${title}"`);
  return found;
}

/** The example's request with placeholder values swapped for real ones; everything else as written. */
function requestOf(ex: SeedExample, swap: Record<string, unknown> = {}): { headers: Record<string, string>; body?: unknown } {
  const headers: Record<string, string> = {};
  const auth = ex.headers.authorization;
  if (auth === 'Bearer <token>') headers.authorization = `Bearer ${real.access}`;
  else if (auth === 'Bearer <admin_token>') headers.authorization = `Bearer ${real.adminAccess}`;
  else assert.equal(auth, undefined, `unknown authorization placeholder ${auth}`);
  if (ex.request === undefined) return { headers };
  return { headers, body: { ...(ex.request as object), ...swap } };
}

async function replay(title: string, opts: { swap?: Record<string, unknown>; answer?: number } = {}) {
  const ex = example(title);
  const { headers, body } = requestOf(ex, opts.swap);
  const res = await s.t.request(ex.method, ex.path, { headers, body });
  const expected = ex.answers[opts.answer ?? 0]!;
  assert.equal(res.status, expected.status, `${ex.method} ${ex.path}: ${JSON.stringify(res.body)}`);
  if (expected.body !== undefined) assert.deepEqual(shapeProblems(expected.body, res.body), [], `${ex.method} ${ex.path}: ${JSON.stringify(res.body)}`);
  return res;
}

async function signIn(password = real.password) {
  const res = await s.t.post('/auth/login', { email: 'user@example.com', password });
  assert.equal(res.status, 200);
  real.access = res.body.access_token;
  real.refresh = res.body.refresh_token;
}

describe('seed 000 §3, replayed verbatim', () => {
  it('reads every example of the spec, and knows which ones show prose instead of JSON', () => {
    assert.equal(examples.length, 21);
    const prose = examples.flatMap((e) => e.answers.filter((a) => a.body === undefined).map(() => `${e.method} ${e.path}`));
    assert.deepEqual(prose, ['PUT /user/profile']);
    assert.deepEqual(example('Stripe Webhook (Internal)').answers, [], 'the webhook section lists events, not an exchange');
  });

  it('3.2 register, and email_already_exists for the same email', async () => {
    const res = await replay('Register User');
    real.userId = res.body.id;
    real.password = (example('Register User').request as { password: string }).password;
    const again = await replay('Register User', { answer: 1 });
    assert.equal(again.body.error, 'email_already_exists');
  });

  it('3.2 login, and invalid_credentials', async () => {
    const res = await replay('Login');
    real.access = res.body.access_token;
    real.refresh = res.body.refresh_token;
    const wrong = await replay('Login', { swap: { password: 'not-the-password-1' }, answer: 1 });
    assert.equal(wrong.body.error, 'invalid_credentials');
  });

  it('3.2 logout, refresh, forgot and reset password', async () => {
    const out = await replay('Logout');
    assert.equal(out.body.message, 'logged_out');
    await signIn();
    await replay('Refresh Token', { swap: { refresh_token: real.refresh } });
    const forgot = await replay('Forgot Password');
    assert.equal(forgot.body.message, 'reset_email_sent');
    real.resetToken = tokenFromMail(await s.t.waitForMail('user@example.com', 'reset-password'), 'reset token');
    const reset = await replay('Reset Password', { swap: { token: real.resetToken } });
    assert.equal(reset.body.message, 'password_reset');
    real.password = (example('Reset Password').request as { new_password: string }).new_password;
    await signIn();
  });

  it('3.3 profile: read, and update answers the same object', async () => {
    await replay('Get Profile');
    const updated = await replay('Update Profile');
    assert.equal(updated.body.first_name, 'Jane');
    assert.deepEqual(shapeProblems({ ...example('Get Profile').answers[0]!.body as object, stripe_customer_id: null }, updated.body), []);
  });

  it('3.4 activate, license_invalid for the spec\'s own key, max_activations_reached with the machines', async () => {
    const license = await grantLicense(s.t, real.userId!);
    real.licenseKey = license.license_key;
    const res = await replay('Activate License', { swap: { license_key: real.licenseKey, hardware_id: newFingerprint() } });
    real.activationId = res.body.activation_id;
    const invalid = await replay('Activate License', { swap: { hardware_id: newFingerprint() }, answer: 1 });
    assert.equal(invalid.body.error, 'license_invalid');
    await replay('Activate License', { swap: { license_key: real.licenseKey, hardware_id: newFingerprint() } });
    const full = await replay('Activate License', { swap: { license_key: real.licenseKey, hardware_id: newFingerprint() }, answer: 2 });
    assert.equal(full.body.error, 'max_activations_reached');
  });

  it('3.4 deactivate, status without a key, list', async () => {
    const res = await replay('Deactivate Machine', { swap: { activation_id: real.activationId } });
    assert.deepEqual(res.body, { ...res.body, status: 'deactivated', message: 'machine_deactivated' });
    const status = await replay('Check License Status');
    assert.equal(status.body.license_key, real.licenseKey);
    await replay("List User's Licenses");
  });

  it('3.5 checkout, then history once paid', async () => {
    const checkout = await replay('Create Checkout Session');
    const paid = await payInForm(s.emulator, checkout.body);
    assert.equal(paid.status, 200);
    await waitFor('the purchased license', async () => (await s.t.get(`/purchase/session/${checkout.body.session_id}`, real.access)).body.license_key);
    const history = await replay('Get Purchase History');
    assert.equal(history.body.purchases[0].amount, 2999);
  });

  it('3.6 telemetry as the spec sends it (no event_id), and the admin dashboard', async () => {
    const sent = await replay('Send Telemetry');
    assert.equal(sent.body.status, 'recorded');
    // A crash, so the dashboard's crash list has an item to compare with the spec's.
    await s.t.post('/analytics/telemetry', { event_type: 'crash', os: 'Windows 11', plugin_version: '1.0.0', crash_report: 'NullPointerException in AnalysisEngine' }, real.access);
    const admin = await s.t.post('/auth/register', { email: 'admin@example.com', password: 'admin-password-42', first_name: 'A', last_name: 'Dmin' });
    await setRole(s.t, admin.body.id, 'admin');
    real.adminAccess = (await s.t.post('/auth/login', { email: 'admin@example.com', password: 'admin-password-42' })).body.access_token;
    const dashboard = await replay('Get Analytics Dashboard (Admin)');
    const series: { count: number }[] = dashboard.body.metrics.daily_active_users_series;
    assert.equal(series.length, 30);
    assert.equal(dashboard.body.metrics.daily_active_users, Math.round(series.reduce((sum, d) => sum + d.count, 0) / 30));
  });

  it('3.7 a ticket, and the list', async () => {
    await replay('Create Support Ticket');
    await replay('List Support Tickets');
  });

  it('3.8 latest version for a platform, and every version', async () => {
    await publish(s.t, real.adminAccess!, { product: 'mixing_mentor', version: '1.0.0', platform: 'windows', release_notes: 'Initial release...' }, artifact(1024));
    await publish(s.t, real.adminAccess!, { product: 'mixing_mentor', version: '1.0.0', platform: 'macos' }, artifact(1024));
    const latest = await replay('Get Latest Plugin Version');
    assert.equal(latest.body.version, '1.0.0');
    await replay('List Available Versions');
  });
});
