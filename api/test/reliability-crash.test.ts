import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { startStripeEmulator, type StripeEmulator } from '../../scripts/stripe-emulator';
import { createSequelize } from '../src/db/sequelize';
import { GOOD_PASSWORD, uniqueEmail } from './helpers/api';
import { createTestDatabase } from './helpers/database';
import { newFingerprint } from './helpers/licenses';
import { freePort, startApiProcess, type ApiProcess } from './helpers/process';

/**
 * kill -9 under load. One API process handles Stripe webhooks (payments made
 * in the emulator), activations and telemetry batches when it is killed with
 * SIGKILL; a new process starts on the same address, clients retry what got
 * no answer (as the companion and Stripe do), and then:
 *  - every paid checkout has exactly one purchase and one license (none lost, none doubled);
 *  - every machine has exactly one activation, the one its client was told about (no orphan);
 *  - every telemetry event is stored exactly once.
 * NGN_RELIABILITY=full kills three times, with more load.
 */
const FULL = process.env.NGN_RELIABILITY === 'full';
const ROUNDS = FULL ? 3 : 1;
const BUYERS = FULL ? 8 : 4;
const MACHINES = FULL ? 120 : 40;
const BATCHES = FULL ? 40 : 16;
const EVENTS_PER_BATCH = 50;
const WEBHOOK_SECRET = `whsec_crash_${randomBytes(12).toString('hex')}`;

const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
let emulator: StripeEmulator;
let env: Record<string, string>;
let api: ApiProcess | undefined;
let baseUrl: string;

before(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-crash-'));
  // Stripe retries a failed delivery for days; a few seconds of growing delays cover a restart here.
  emulator = await startStripeEmulator({ port: 0, webhookSecret: WEBHOOK_SECRET, delivery: { retryDelaysMs: [250, 500, 1_000, 2_000, 3_000, 5_000, 5_000, 10_000, 10_000] } });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = {
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    SIGNING_KEYS: pem(),
    STRIPE_API_BASE: emulator.url,
    STRIPE_SECRET_KEY: 'sk_test_crash_suite',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_TELEMETRY_PER_MINUTE: '100000',
  };
  api = await startApiProcess(env);
  emulator.setWebhook(`${baseUrl}/api/v1/purchase/webhook`);
});
after(async () => {
  await api?.stop('SIGKILL');
  await emulator?.close();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: Record<string, any>;
}

/**
 * A client that retries what got no answer or a 5xx, with the same request
 * (the same fingerprint, the same event ids), as the companion does.
 */
let retries = 0;

async function retrying(route: string, body: unknown, token?: string, deadlineMs = 60_000): Promise<Answer> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt += 1) {
    if (attempt === 1) retries += 1;
    try {
      const res = await fetch(`${baseUrl}/api/v1${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      if (res.status < 500) return { status: res.status, body: (await res.json()) as Record<string, any> };
    } catch {
      // no answer: the process is gone; try again shortly
    }
    if (Date.now() > deadline) throw new Error(`${route}: no answer within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function account(role: 'user' | 'admin', sql: ReturnType<typeof createSequelize>) {
  const email = uniqueEmail('crash');
  const reg = await retrying('/auth/register', { email, password: GOOD_PASSWORD, first_name: 'Crash', last_name: 'Test' });
  assert.equal(reg.status, 201);
  if (role === 'admin') await sql.query(`UPDATE users SET role = 'admin' WHERE id = :id`, { replacements: { id: reg.body.id } });
  const login = await retrying('/auth/login', { email, password: GOOD_PASSWORD });
  assert.equal(login.status, 200);
  return { id: reg.body.id as string, token: login.body.access_token as string };
}

async function pay(sessionId: string, clientSecret: string): Promise<void> {
  const res = await fetch(`${emulator.url}/_emulator/checkout/sessions/${sessionId}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_secret: clientSecret, card_number: '4242 4242 4242 4242' }),
  });
  assert.equal(res.status, 200, `payment of ${sessionId}`);
}

it(`survives kill -9 during webhooks, activations and telemetry (${ROUNDS} round${ROUNDS > 1 ? 's' : ''})`, async () => {
  const sql = createSequelize({ url: db.url, poolMax: 2 });
  try {
    const admin = await account('admin', sql);
    const machineOwner = await account('user', sql);
    const licenses: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const granted = await retrying('/admin/licenses', { user_id: machineOwner.id, policy: 'standard' }, admin.token);
      assert.equal(granted.status, 201);
      await sql.query('UPDATE licenses SET max_activations_override = 1000 WHERE id = :id', { replacements: { id: granted.body.id } });
      licenses.push(granted.body.license_key);
    }

    const paidSessions: string[] = [];
    const activated = new Map<string, string>(); // fingerprint → activation id the client was told
    const sentEvents = new Set<string>();

    for (let round = 0; round < ROUNDS; round += 1) {
      const buyers = await Promise.all(Array.from({ length: BUYERS }, () => account('user', sql)));
      const checkouts = await Promise.all(buyers.map((b) => retrying('/purchase/create-checkout', { plan: 'standard', license_type: 'perpetual' }, b.token)));
      assert.ok(checkouts.every((c) => c.status === 200), JSON.stringify(checkouts.map((c) => c.status)));

      let answered = 0;
      const load: Array<Promise<unknown>> = [];
      // Payments, one every 50 ms: the first half while the API works, the rest while it is dead,
      // so webhooks reach it before, during and after the kill.
      const payAll = async (list: Answer[]) => {
        for (const c of list) {
          await pay(c.body.session_id, c.body.client_secret);
          paidSessions.push(c.body.session_id);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const half = Math.ceil(checkouts.length / 2);
      load.push(payAll(checkouts.slice(0, half)));
      for (let i = 0; i < MACHINES; i += 1) {
        const fingerprint = newFingerprint();
        const body = { license_key: licenses[i % licenses.length], hardware_id: fingerprint, machine_name: `Crash ${round}.${i}`, os: 'Linux' };
        load.push(
          retrying('/license/activate', body, machineOwner.token).then((r) => {
            answered += 1;
            assert.equal(r.status, 200, JSON.stringify(r.body));
            activated.set(fingerprint, r.body.activation_id);
          }),
        );
      }
      for (let i = 0; i < BATCHES; i += 1) {
        const events = Array.from({ length: EVENTS_PER_BATCH }, () => ({ event_id: randomUUID(), event_type: 'session_end', os: 'Linux', session_duration_secs: 60 }));
        for (const e of events) sentEvents.add(e.event_id);
        load.push(
          retrying('/analytics/telemetry', { events }, machineOwner.token).then((r) => {
            answered += 1;
            assert.equal(r.status, 201, JSON.stringify(r.body));
          }),
        );
      }

      // Kill while the work is in flight: some requests answered, most not yet.
      const deadline = Date.now() + 10_000;
      while (answered < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      api!.child.kill('SIGKILL');
      const answeredAtKill = answered;
      await api!.exited;
      await payAll(checkouts.slice(half));
      api = await startApiProcess(env);
      await Promise.all(load);
      assert.ok(answeredAtKill < MACHINES + BATCHES, 'the kill came before every request was answered');
    }

    // Stripe's retries land on the new process; wait until every delivery has succeeded or given up.
    await emulator.webhooks.idle();
    const failedDeliveries = emulator.webhooks.deliveries.filter((d) => d.status === 0 || d.status >= 500).length;
    console.log(`# ${retries} client requests retried, ${failedDeliveries} webhook deliveries failed and were retried`);
    assert.ok(retries > 0 && failedDeliveries > 0, 'the kill hit requests and webhook deliveries in flight');
    const delivered = new Set(emulator.webhooks.deliveries.filter((d) => d.status >= 200 && d.status < 300).map((d) => d.event_id));
    assert.deepEqual(emulator.webhooks.deliveries.filter((d) => !delivered.has(d.event_id)), [], 'every event was accepted in the end');

    const purchases = await sql.query<{ session: string; status: string; license_id: string | null }>(
      `SELECT stripe_checkout_session_id AS session, status, license_id FROM purchases WHERE stripe_checkout_session_id IN (:sessions)`,
      { replacements: { sessions: paidSessions }, type: QueryTypes.SELECT },
    );
    assert.equal(purchases.length, paidSessions.length, 'one purchase per paid checkout');
    assert.deepEqual(purchases.filter((p) => p.status !== 'completed' || !p.license_id), [], 'every paid checkout completed with a license');
    const purchaseLicenses = await sql.query<{ n: number; distinct_sources: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT source_id)::int AS distinct_sources FROM licenses WHERE source_type = 'purchase'`,
      { type: QueryTypes.SELECT },
    );
    assert.equal(purchaseLicenses[0]!.n, paidSessions.length, 'no license issued twice');
    assert.equal(purchaseLicenses[0]!.distinct_sources, paidSessions.length);

    const rows = await sql.query<{ id: string; fingerprint: string; live: boolean }>(
      `SELECT id, fingerprint, deactivated_at IS NULL AS live FROM activations`,
      { type: QueryTypes.SELECT },
    );
    assert.equal(rows.length, activated.size, 'one activation row per machine: no duplicate, no orphan');
    for (const row of rows) {
      assert.ok(row.live);
      assert.equal(activated.get(row.fingerprint), row.id, 'the activation the client holds is the one stored');
    }

    const stored = await sql.query<{ n: number; distinct_ids: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct_ids FROM telemetry_events`,
      { type: QueryTypes.SELECT },
    );
    assert.equal(stored[0]!.n, sentEvents.size, 'every event stored exactly once');
    assert.equal(stored[0]!.distinct_ids, sentEvents.size);
  } finally {
    await sql.close();
  }
});
