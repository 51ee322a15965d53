import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { generateLicenseKey } from '@ngn/shared';

export interface BenchUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

async function call<T>(url: string, method: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Users made through the API itself (register, then sign in), so their sessions and tokens are real. */
export async function registerUsers(apiUrl: string, count: number, role: 'user' | 'admin' = 'user', db?: pg.Pool): Promise<BenchUser[]> {
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i += 1) {
    const email = `bench.${randomBytes(6).toString('hex')}@example.test`;
    const password = `bench-password-${randomBytes(6).toString('hex')}`;
    const reg = await call<{ id: string }>(`${apiUrl}/api/v1/auth/register`, 'POST', { email, password, first_name: 'Bench', last_name: 'User' });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
    if (db) {
      // Verified, and with the role asked for: benchmarks are not about onboarding.
      await db.query('UPDATE users SET role = $1, email_verified_at = now() WHERE id = $2', [role, reg.body.id]);
    }
    const login = await call<{ access_token: string }>(`${apiUrl}/api/v1/auth/login`, 'POST', { email, password });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
    users.push({ id: reg.body.id, email, password, token: login.body.access_token });
  }
  return users;
}

export interface SeededLicense {
  id: string;
  key: string;
  userId: string;
  /** The machine activated on it, when seeded with one. */
  fingerprint?: string;
}

/**
 * Licenses written straight into the tables (ten thousand through the API would
 * measure the seeding, not the benchmark): owners round-robin over `userIds`.
 */
export async function seedLicenses(
  db: pg.Pool,
  opts: { userIds: string[]; count: number; policy?: string; seats?: number; activate?: boolean },
): Promise<SeededLicense[]> {
  const keys = Array.from({ length: opts.count }, () => generateLicenseKey());
  const owners = keys.map((_, i) => opts.userIds[i % opts.userIds.length]!);
  const { rows } = await db.query<{ id: string; license_key: string; user_id: string }>(
    `INSERT INTO licenses (license_key, user_id, product_id, policy_id, source_type, max_activations_override)
     SELECT k, u, p.product_id, p.id, 'admin', $4
       FROM unnest($1::text[], $2::uuid[]) AS t(k, u)
       JOIN policies p ON p.product_id = 'mixing_mentor' AND p.name = $3
     RETURNING id, license_key, user_id`,
    [keys, owners, opts.policy ?? 'standard', opts.seats ?? null],
  );
  const licenses: SeededLicense[] = rows.map((r) => ({ id: r.id, key: r.license_key, userId: r.user_id }));
  if (opts.activate) {
    for (const l of licenses) l.fingerprint = randomBytes(32).toString('hex');
    await db.query(
      `INSERT INTO activations (license_id, fingerprint, machine_name, os, token_expires_at)
       SELECT l, f, 'Bench Machine', 'Linux', now() + interval '30 days' FROM unnest($1::uuid[], $2::text[]) AS t(l, f)`,
      [licenses.map((l) => l.id), licenses.map((l) => l.fingerprint!)],
    );
  }
  return licenses;
}
