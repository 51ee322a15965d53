import { rmSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/lib/logger';
import { startApi, type RunningApi } from '../../src/runtime';
import type { RootPublicJwk } from '@ngn/shared';
import { delegate, initRoot, type ReleaseKeyFile } from '../../../scripts/lib/release-keys';
import { createTestDatabase } from './database';
import { freePort } from './process';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestApi {
  url: string;
  api: RunningApi;
  dataDir: string;
  databaseUrl: string;
  config: Config;
  /** The offline root of this API's keyset (a folder outside DATA_DIR), its public key, and a release key it delegated. */
  releaseRootDir: string;
  releaseRoot: RootPublicJwk;
  releaseKey: ReleaseKeyFile;
  request<T = any>(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string }): Promise<HttpResult<T>>;
  get<T = any>(path: string, token?: string): Promise<HttpResult<T>>;
  post<T = any>(path: string, body?: unknown, token?: string): Promise<HttpResult<T>>;
  put<T = any>(path: string, body?: unknown, token?: string): Promise<HttpResult<T>>;
  del<T = any>(path: string, body?: unknown, token?: string): Promise<HttpResult<T>>;
  /** Resolves once a mail to `to` (optionally tagged) has been written, and returns its text. */
  waitForMail(to: string, tag?: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * The ceremony as an operator runs it: a root kept away from DATA_DIR, one
 * delegated key. One per test process, so an API restarted within a test file
 * is the same deployment to a Companion that pinned its root.
 */
let releaseRootOnce: Promise<{ releaseRootDir: string; releaseRoot: Awaited<ReturnType<typeof initRoot>>; releaseKey: ReleaseKeyFile }> | undefined;
function processReleaseRoot() {
  releaseRootOnce ??= (async () => {
    const releaseRootDir = await mkdtemp(path.join(tmpdir(), 'ngn-release-root-'));
    process.once('exit', () => rmSync(releaseRootDir, { recursive: true, force: true }));
    const releaseRoot = await initRoot(releaseRootDir, 'test-root');
    const { key: releaseKey } = await delegate(releaseRootDir);
    return { releaseRootDir, releaseRoot, releaseKey };
  })();
  return releaseRootOnce;
}

/** Env-style overrides, parsed by the real config loader, so tests exercise it too. */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ngn-api-test-'));
  const { releaseRootDir, releaseRoot, releaseKey } = await processReleaseRoot();
  await copyFile(path.join(releaseRootDir, 'keyset.json'), path.join(dataDir, 'release-keyset.json'));
  const config = loadConfig({
    NODE_ENV: 'test',
    // A real port chosen up front, so the default PUBLIC_URL is the address the API answers on, as it is for users.
    PORT: String(await freePort()),
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT: '100000',
    ...env,
  });
  const logger = createLogger(config);
  const api = await startApi(config, { databaseUrl: db.url, logger, migrate: false });

  const request: TestApi['request'] = async (method, p, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const full = p.startsWith('/api/') || p.startsWith('/healthz') || p.startsWith('/readyz') || p.startsWith('/metrics') ? p : `/api/v1${p}`;
    const res = await fetch(api.url + full, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };

  const mailDir = path.join(dataDir, 'mail');
  return {
    url: api.url,
    api,
    dataDir,
    databaseUrl: db.url,
    config,
    releaseRootDir,
    releaseRoot,
    releaseKey,
    request,
    get: (p, token) => request('GET', p, { token }),
    post: (p, body, token) => request('POST', p, { body, token }),
    put: (p, body, token) => request('PUT', p, { body, token }),
    del: (p, body, token) => request('DELETE', p, { body, token }),
    async waitForMail(to, tag, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      const needle = to.replace(/[^a-zA-Z0-9@._-]/g, '_');
      while (Date.now() < deadline) {
        const files = (await readdir(mailDir).catch(() => [] as string[]))
          .filter((f) => f.endsWith('.eml') && f.includes(needle) && (!tag || f.includes(`-${tag}-`)))
          .sort();
        if (files.length) return readFile(path.join(mailDir, files[files.length - 1]!), 'utf8');
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`No mail to ${to}${tag ? ` tagged ${tag}` : ''} within ${timeoutMs} ms`);
    },
    async close() {
      await api.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Pulls a token like `verification token: ev_xxx` out of a mail's text. */
export function tokenFromMail(mail: string, label: 'verification token' | 'reset token'): string {
  const unfolded = mail.replace(/=\r?\n/g, '');
  const match = new RegExp(`${label}: ([A-Za-z0-9_-]+)`).exec(unfolded);
  if (!match) throw new Error(`No ${label} in mail`);
  return match[1]!;
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${process.pid}.${Date.now()}.${counter}@example.test`;
}

export const GOOD_PASSWORD = 'correct-horse-42';

/** Registers and signs in a fresh user; returns its tokens and profile. */
export async function signUp(t: TestApi, opts: { email?: string; password?: string } = {}) {
  const email = opts.email ?? uniqueEmail();
  const password = opts.password ?? GOOD_PASSWORD;
  const reg = await t.post('/auth/register', { email, password, first_name: 'Test', last_name: 'User' });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await t.post('/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { email, password, id: reg.body.id as string, access: login.body.access_token as string, refresh: login.body.refresh_token as string };
}

/** Gives a user a role directly in the database (the admin CLI and admin routes do it for real). */
export async function setRole(t: TestApi, userId: string, role: 'user' | 'support' | 'admin'): Promise<void> {
  await t.api.deps.sequelize.query('UPDATE users SET role = :role WHERE id = :id', { replacements: { role, id: userId } });
}

/** A signed-in user with the given role. */
export async function signUpAs(t: TestApi, role: 'user' | 'support' | 'admin') {
  const u = await signUp(t);
  await setRole(t, u.id, role);
  return u;
}
