/**
 * The companion's API client: access-token refresh against the real API (one
 * rotation however many calls hit a 401 together), typed errors carrying the
 * API's codes, request validation from the shared schemas; and, against a
 * small HTTP server that misbehaves on purpose, retries with backoff for
 * idempotent calls only, timeouts and offline detection.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LoginRequest, TokenPair, UserProfile } from '@ngn/shared';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { freePort } from '../../api/test/helpers/process';
import { ApiClient, type SessionStorage } from '../src/core/api-client';
import { CompanionError } from '../src/contract/errors';

/** The refresh token in memory: the keychain has its own test. */
function memorySession(initial: string | null = null): SessionStorage & { saved: Array<string | null> } {
  let current = initial;
  const saved: Array<string | null> = [];
  return {
    saved,
    loadRefreshToken: async () => current,
    saveRefreshToken: async (token) => {
      current = token;
      saved.push(token);
    },
  };
}

describe('against the API', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi();
  });
  after(() => t.close());

  it('refreshes an expired access token once for many concurrent calls, then retries them', async () => {
    const user = await signUp(t);
    const session = memorySession();
    const client = new ApiClient({ baseUrl: () => t.url, session });
    const pair = await client.request({ method: 'POST', path: '/auth/login', auth: 'none', bodySchema: LoginRequest, body: { email: user.email, password: user.password }, response: TokenPair });
    // An access token the API refuses (as an expired one would be), with a refresh token that still works.
    await client.startSession({ ...pair, access_token: 'expired.or.revoked' });
    const sessions: boolean[] = [];
    client.events.on('session', (s) => sessions.push(s.signed_in));

    const profiles = await Promise.all(Array.from({ length: 6 }, () => client.request({ method: 'GET', path: '/user/profile', auth: 'user', response: UserProfile })));
    assert.ok(profiles.every((p) => p.email === user.email));
    // Rotated exactly once: a second rotation with the same refresh token would have been refused as reuse.
    assert.equal(session.saved.length, 2, JSON.stringify(session.saved));
    assert.notEqual(session.saved[1], pair.refresh_token);
    assert.deepEqual(sessions, []);
  });

  it('never sends the access token of one API origin to another after api_url changes', async () => {
    const user = await signUp(t);
    const session = memorySession();
    let apiUrl = t.url;
    const client = new ApiClient({ baseUrl: () => apiUrl, session });
    const pair = await client.request({ method: 'POST', path: '/auth/login', auth: 'none', bodySchema: LoginRequest, body: { email: user.email, password: user.password }, response: TokenPair });
    await client.startSession(pair);
    await client.request({ method: 'GET', path: '/user/profile', auth: 'user', response: UserProfile });

    const seen: Array<string | undefined> = [];
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_token', message: 'No.' }));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      apiUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      await assert.rejects(client.request({ method: 'GET', path: '/user/profile', auth: 'user', response: UserProfile }));
      assert.ok(!seen.includes(`Bearer ${pair.access_token}`), `the old origin's access token reached the new one: ${JSON.stringify(seen)}`);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('ends the session when the refresh token is refused, and says so with a typed error', async () => {
    const session = memorySession('rt_this-token-was-never-issued');
    const client = new ApiClient({ baseUrl: () => t.url, session });
    const events: boolean[] = [];
    client.events.on('session', (s) => events.push(s.signed_in));
    await assert.rejects(client.request({ method: 'GET', path: '/user/profile', auth: 'user' }), { code: 'not_signed_in', status: 401 });
    assert.equal(await client.hasSession(), false);
    assert.deepEqual(events, [false]);
  });

  it('carries the API’s error code, status and details', async () => {
    const client = new ApiClient({ baseUrl: () => t.url, session: memorySession() });
    await assert.rejects(
      client.request({ method: 'POST', path: '/auth/login', auth: 'none', body: { email: 'nobody@example.test', password: 'wrong-password-1' } }),
      (err: CompanionError) => err.code === 'invalid_credentials' && err.status === 401,
    );
    await assert.rejects(client.request({ method: 'POST', path: '/auth/login', auth: 'none', body: { email: 'not-an-email' } }), (err: CompanionError) => {
      assert.equal(err.code, 'validation_failed');
      assert.equal(err.status, 400);
      assert.ok(Array.isArray(err.details));
      return true;
    });
  });

  it('checks a request against its shared schema before sending it', async () => {
    const client = new ApiClient({ baseUrl: () => t.url, session: memorySession() });
    await assert.rejects(
      client.request({ method: 'POST', path: '/auth/login', auth: 'none', bodySchema: LoginRequest, body: { email: 'not-an-email', password: 'x' } }),
      (err: CompanionError) => err.code === 'validation_failed' && err.status === undefined && JSON.stringify(err.details).includes('body.email'),
    );
  });
});

describe('against a misbehaving server', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  /** How each path answers: 503 for the first `failures` hits, then 200; or never. */
  const plan = new Map<string, { failures: number } | 'hang'>();

  before(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      const p = plan.get(path);
      if (p === 'hang') return; // never answers
      if (p && n <= p.failures) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'service_unavailable', message: 'Down for a moment.' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, hit: n }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = () => new ApiClient({ baseUrl: () => base, session: memorySession(), retries: 3, backoffMs: 5, timeoutMs: 300 });

  it('retries an idempotent call through 5xx answers', async () => {
    plan.set('/api/v1/flaky-get', { failures: 2 });
    const res = await client().request({ method: 'GET', path: '/flaky-get', auth: 'none' });
    assert.deepEqual(res, { ok: true, hit: 3 });
  });

  it('gives up after the last retry with the server’s error', async () => {
    plan.set('/api/v1/down', { failures: 100 });
    await assert.rejects(client().request({ method: 'GET', path: '/down', auth: 'none' }), { code: 'service_unavailable', status: 503 });
    assert.equal(hits.get('/api/v1/down'), 4);
  });

  it('never repeats a POST that is not idempotent, but does one marked idempotent', async () => {
    plan.set('/api/v1/once', { failures: 1 });
    await assert.rejects(client().request({ method: 'POST', path: '/once', auth: 'none', body: {} }), { code: 'service_unavailable' });
    assert.equal(hits.get('/api/v1/once'), 1);
    plan.set('/api/v1/dedupe', { failures: 1 });
    assert.deepEqual(await client().request({ method: 'POST', path: '/dedupe', auth: 'none', body: {}, idempotent: true }), { ok: true, hit: 2 });
  });

  it('times out a request that gets no answer', async () => {
    plan.set('/api/v1/hang', 'hang');
    const c = new ApiClient({ baseUrl: () => base, session: memorySession(), retries: 0, timeoutMs: 200 });
    await assert.rejects(c.request({ method: 'GET', path: '/hang', auth: 'none' }), { code: 'timeout' });
  });

  it('reports offline when nothing listens, and online again once the server answers', async () => {
    const port = await freePort();
    let url = `http://127.0.0.1:${port}`;
    const c = new ApiClient({ baseUrl: () => url, session: memorySession(), retries: 1, backoffMs: 5 });
    const network: boolean[] = [];
    c.events.on('network', (n) => network.push(n.online));
    await assert.rejects(c.request({ method: 'GET', path: '/anything', auth: 'none' }), { code: 'offline' });
    assert.equal(c.isOnline, false);
    url = base;
    await c.request({ method: 'GET', path: '/anything', auth: 'none' });
    assert.equal(c.isOnline, true);
    assert.deepEqual(network, [false, true]);
  });

  it('notices by itself that the server is back, without another call', { timeout: 10_000 }, async () => {
    const port = await freePort();
    let url = `http://127.0.0.1:${port}`;
    const c = new ApiClient({ baseUrl: () => url, session: memorySession(), retries: 0, probe: { initialMs: 20, maxMs: 40 } });
    try {
      const back = new Promise<boolean>((resolve) => c.events.on('network', (n) => n.online && resolve(true)));
      await assert.rejects(c.request({ method: 'GET', path: '/anything', auth: 'none' }), { code: 'offline' });
      await new Promise((r) => setTimeout(r, 150)); // a few probes find nothing
      assert.equal(c.isOnline, false);
      url = base;
      assert.equal(await back, true);
      assert.equal(c.isOnline, true);
      assert.ok((hits.get('/healthz') ?? 0) >= 1, 'it asked /healthz');
    } finally {
      c.stop();
    }
  });
});
