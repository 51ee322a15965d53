import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { endOtherListeners, stallListener } from './helpers/listeners';
import { startApiProcess, type ApiProcess } from './helpers/process';
import { SESSION_CHANGES_CHANNEL } from '../src/modules/auth/session-cache';

/**
 * Each API process keeps the session rows it authenticates with in memory,
 * kept coherent by PostgreSQL LISTEN/NOTIFY (migration 0017). Process A runs
 * in this test's process, process B is a separate OS process on the same
 * database: a sign-out, suspension or role change made through A must be
 * honoured by B within the bound, and by A at once.
 */
const VISIBLE_WITHIN_MS = 1_000;

let t: TestApi;
let b: ApiProcess;
let admin: Awaited<ReturnType<typeof signUp>>;

before(async () => {
  t = await startTestApi();
  b = await startApiProcess({ DATABASE_URL: t.databaseUrl, DATA_DIR: t.dataDir, RATE_LIMIT_AUTH_PER_MINUTE: '100000' });
  admin = await signUpAs(t, 'admin');
});
after(async () => {
  await b?.stop();
  await t?.close();
});

/** GET /user/profile on a process: the status, and the role it says when it answers. */
async function profileAt(url: string, access: string): Promise<{ status: number; role?: string; code?: string }> {
  const res = await fetch(`${url}/api/v1/user/profile`, { headers: { authorization: `Bearer ${access}` } });
  const body = (await res.json()) as { role?: string; error?: string };
  return { status: res.status, role: body.role, code: body.error };
}

/** A signed-in user whose session both processes have authenticated (and so cached). */
async function cachedOnBoth() {
  const user = await signUp(t);
  for (const url of [t.url, b.url]) {
    for (let i = 0; i < 2; i += 1) assert.equal((await profileAt(url, user.access)).status, 200);
  }
  return user;
}

/** Polls `url` until `done` holds for its answer; returns how long that took after `since`. */
async function timeUntil(url: string, access: string, done: (a: Awaited<ReturnType<typeof profileAt>>) => boolean, since: number): Promise<number> {
  for (;;) {
    const answer = await profileAt(url, access);
    const elapsed = Date.now() - since;
    if (done(answer)) return elapsed;
    if (elapsed > 5_000) assert.fail(`still ${JSON.stringify(answer)} ${elapsed} ms after the change`);
    await delay(10);
  }
}

const signedOut = (a: { status: number; code?: string }) => a.status === 401 && a.code === 'token_revoked';
const suspended = (a: { status: number; code?: string }) => a.status === 403 && a.code === 'account_suspended';

/** Ends process B's session listener from the server side, as a network cut or a PostgreSQL restart would. */
const killSessionListenerOfB = () => endOtherListeners(t, SESSION_CHANGES_CHANNEL, t.api.built.services.auth.sessions.listenerPid);

describe('session cache: a change through one process is honoured by the other', () => {
  it(`sign-out through A: the token is refused by A at once and by B within ${VISIBLE_WITHIN_MS} ms`, async () => {
    const user = await cachedOnBoth();
    assert.equal((await t.post('/auth/logout', {}, user.access)).status, 200);
    const committedAt = Date.now();
    assert.ok(signedOut(await profileAt(t.url, user.access)), 'A refuses at once');
    assert.ok((await timeUntil(b.url, user.access, signedOut, committedAt)) < VISIBLE_WITHIN_MS);
  });

  it('sign-out through B: refused by A within the bound', async () => {
    const user = await cachedOnBoth();
    assert.equal((await fetch(`${b.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${user.access}` } })).status, 200);
    const committedAt = Date.now();
    assert.ok(signedOut(await profileAt(b.url, user.access)), 'B refuses at once');
    assert.ok((await timeUntil(t.url, user.access, signedOut, committedAt)) < VISIBLE_WITHIN_MS);
  });

  it('a password change signs the other sessions out everywhere', async () => {
    const user = await cachedOnBoth();
    const second = await t.post('/auth/login', { email: user.email, password: user.password });
    const other = second.body.access_token as string;
    assert.equal((await profileAt(b.url, other)).status, 200);
    const changed = await t.put('/user/password', { current_password: user.password, new_password: `${user.password}-new` }, user.access);
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const committedAt = Date.now();
    assert.ok(signedOut(await profileAt(t.url, other)));
    assert.ok((await timeUntil(b.url, other, signedOut, committedAt)) < VISIBLE_WITHIN_MS);
  });

  it('suspension and role change through A: B answers 403, then the new role, within the bound', async () => {
    const user = await cachedOnBoth();
    assert.equal((await profileAt(b.url, user.access)).role, 'user');
    const role = await t.put(`/admin/users/${user.id}/role`, { role: 'support' }, admin.access);
    assert.equal(role.status, 200, JSON.stringify(role.body));
    assert.ok((await timeUntil(b.url, user.access, (a) => a.role === 'support', Date.now())) < VISIBLE_WITHIN_MS);

    // Suspension signs every session out; a login while suspended is refused, so suspension is seen as either.
    const suspend = await t.post(`/admin/users/${user.id}/suspend`, { reason: 'fraud' }, admin.access);
    assert.equal(suspend.status, 200, JSON.stringify(suspend.body));
    const committedAt = Date.now();
    const refused = (a: { status: number; code?: string }) => suspended(a) || signedOut(a);
    assert.ok(refused(await profileAt(t.url, user.access)));
    assert.ok((await timeUntil(b.url, user.access, refused, committedAt)) < VISIBLE_WITHIN_MS);
  });

  it("a change made through a process is honoured by that process at once, even while its listener lags", async () => {
    const user = await cachedOnBoth();
    // A's feed hears nothing for a second: only the read-your-writes fence can make A refuse now.
    const stalled = stallListener(t.api.built.services.auth.sessions, 1_000);
    assert.equal((await t.post('/auth/logout', {}, user.access)).status, 200);
    assert.ok(signedOut(await profileAt(t.url, user.access)), 'A refuses at once');
    await stalled;
  });

  it("still holds when B's session listener is killed: B never answers from what it cached before", async () => {
    const user = await cachedOnBoth();
    assert.equal(await killSessionListenerOfB(), 1, "B's session listener was found and ended");
    // Signed out while B may not be listening: B must not let the token in from its old cache.
    assert.equal((await t.post('/auth/logout', {}, user.access)).status, 200);
    assert.ok((await timeUntil(b.url, user.access, signedOut, Date.now())) < VISIBLE_WITHIN_MS);

    // Once B listens again, its cache works and stays coherent.
    const next = await cachedOnBoth();
    await delay(500);
    assert.equal((await t.post('/auth/logout', {}, next.access)).status, 200);
    assert.ok((await timeUntil(b.url, next.access, signedOut, Date.now())) < VISIBLE_WITHIN_MS);
  });

  it('a session found in memory is still bound to its user: a token naming it for another user is refused', async () => {
    const user = await cachedOnBoth();
    const stranger = await signUp(t);
    const forged = t.api.deps.accessTokens.sign({ userId: stranger.id, sessionId: sessionIdOf(user.access), role: 'user' });
    assert.equal((await profileAt(t.url, forged)).status, 401);
  });
});

/** The session id an access token carries (its `sid` claim). */
function sessionIdOf(access: string): string {
  return (JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
}
