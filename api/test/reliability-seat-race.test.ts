import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { createSequelize } from '../src/db/sequelize';
import { GOOD_PASSWORD, uniqueEmail } from './helpers/api';
import { createTestDatabase } from './helpers/database';
import { newFingerprint } from './helpers/licenses';
import { startApiProcess, type ApiProcess } from './helpers/process';

/**
 * The seat limit under a stampede across processes: two API processes (as a
 * load balancer would have them) share one database; 500 activations of
 * distinct machines race over 20 licenses of 2 seats. Exactly 40 seats get
 * taken, and every refusal says max_activations_reached.
 */
const LICENSES = 20;
const SEATS = 2;
const ATTEMPTS = process.env.NGN_RELIABILITY === 'full' ? 2_000 : 500;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
let apis: ApiProcess[] = [];

const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

before(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-seat-race-'));
  // Same signing keys in both processes, as production configures them.
  const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, SIGNING_KEYS: pem(), DATABASE_POOL_MAX: '10' };
  apis = [await startApiProcess(env), await startApiProcess(env)];
});
after(async () => {
  await Promise.all(apis.map((a) => a.stop()));
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function post(url: string, route: string, body: unknown, token?: string) {
  const res = await fetch(`${url}/api/v1${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function signIn(url: string, role: 'user' | 'admin', sql: ReturnType<typeof createSequelize>) {
  const email = uniqueEmail('race');
  const reg = await post(url, '/auth/register', { email, password: GOOD_PASSWORD, first_name: 'Seat', last_name: 'Racer' });
  assert.equal(reg.status, 201);
  if (role !== 'user') await sql.query('UPDATE users SET role = :role WHERE id = :id', { replacements: { role, id: reg.body.id } });
  const login = await post(url, '/auth/login', { email, password: GOOD_PASSWORD });
  assert.equal(login.status, 200);
  return { id: reg.body.id as string, token: login.body.access_token as string };
}

it(`${ATTEMPTS} concurrent activations over ${LICENSES} licenses of ${SEATS} seats, through two processes: exactly ${LICENSES * SEATS} seats`, async () => {
  const sql = createSequelize({ url: db.url, poolMax: 2 });
  try {
    const [first, second] = apis.map((a) => a.url) as [string, string];
    const admin = await signIn(first, 'admin', sql);
    const owners = [await signIn(first, 'user', sql), await signIn(second, 'user', sql)];
    const licenses: Array<{ key: string; id: string; owner: { token: string } }> = [];
    for (let i = 0; i < LICENSES; i += 1) {
      const owner = owners[i % owners.length]!;
      const granted = await post(first, '/admin/licenses', { user_id: owner.id, policy: 'standard' }, admin.token);
      assert.equal(granted.status, 201, JSON.stringify(granted.body));
      assert.equal(granted.body.max_activations, SEATS);
      licenses.push({ key: granted.body.license_key, id: granted.body.id, owner });
    }

    const results = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) => {
        const license = licenses[i % LICENSES]!;
        const body = { license_key: license.key, hardware_id: newFingerprint(), machine_name: `Racer ${i}`, os: 'Linux' };
        return post(i % 2 ? second : first, '/license/activate', body, license.owner.token);
      }),
    );

    const byStatus = new Map<string, number>();
    for (const r of results) {
      const key = r.status === 200 ? '200' : `${r.status} ${r.body.error}`;
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    }
    assert.deepEqual(
      Object.fromEntries(byStatus),
      { '200': LICENSES * SEATS, '400 max_activations_reached': ATTEMPTS - LICENSES * SEATS },
      'every attempt either took a seat or was told the seats are taken',
    );
    const perLicense = await sql.query<{ license_id: string; n: number }>(
      `SELECT license_id, count(*)::int AS n FROM activations WHERE deactivated_at IS NULL GROUP BY license_id`,
      { type: QueryTypes.SELECT },
    );
    assert.equal(perLicense.length, LICENSES);
    assert.ok(perLicense.every((r) => r.n === SEATS), JSON.stringify(perLicense));
    const all = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM activations`, { type: QueryTypes.SELECT });
    assert.equal(all[0]!.n, LICENSES * SEATS, 'no refused attempt left a row behind');
  } finally {
    await sql.close();
  }
});
