import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { signUp, signUpAs, startTestApi, type TestApi } from './helpers/api';
import { activate, grantLicense, newFingerprint } from './helpers/licenses';
import { endOtherListeners, stallListener } from './helpers/listeners';
import { startApiProcess, type ApiProcess } from './helpers/process';
import { LICENSE_CHANGES_CHANNEL } from '../src/modules/licenses/validation-cache';

/**
 * Each API process answers validations from its own cache, kept coherent by
 * PostgreSQL LISTEN/NOTIFY. Process A runs in this test's process (its
 * services make the changes); process B is a separate OS process on the same
 * database, whose cache must drop what A changed.
 */
const VISIBLE_WITHIN_MS = 1_000;

let t: TestApi;
let b: ApiProcess;
let admin: Awaited<ReturnType<typeof signUp>>;

before(async () => {
  t = await startTestApi({ RATE_LIMIT_VALIDATE_PER_MINUTE: '1000000' });
  b = await startApiProcess({
    DATABASE_URL: t.databaseUrl,
    DATA_DIR: t.dataDir,
    RATE_LIMIT_VALIDATE_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  });
  admin = await signUpAs(t, 'admin');
});
after(async () => {
  await b?.stop();
  await t?.close();
});

const licenses = () => t.api.built.services.licenses;

async function validateAt(url: string, licenseKey: string, fingerprint: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/license/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ license_key: licenseKey, fingerprint, product: 'mixing_mentor' }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { code: string }).code;
}

/** A licensed, activated machine, validated once on B so that B has it cached. */
async function cachedOnB() {
  const owner = await signUp(t);
  const license = await grantLicense(t, owner.id);
  const fingerprint = newFingerprint();
  const activated = await activate(t, owner.access, license.license_key, fingerprint);
  assert.equal(activated.status, 200);
  assert.equal(await validateAt(b.url, license.license_key, fingerprint), 'VALID');
  assert.equal(await validateAt(b.url, license.license_key, fingerprint), 'VALID');
  return { owner, license, fingerprint, activationId: activated.body.activation_id as string };
}

/** Polls B until it answers `expected`; returns how long that took after the change committed. */
async function timeUntilB(licenseKey: string, fingerprint: string, expected: string, committedAt: number): Promise<number> {
  for (;;) {
    const code = await validateAt(b.url, licenseKey, fingerprint);
    const elapsed = Date.now() - committedAt;
    if (code === expected) return elapsed;
    if (elapsed > 5_000) assert.fail(`B still answers ${code} ${elapsed} ms after the change, expected ${expected}`);
    await delay(10);
  }
}

/** Ends process B's listening connection from the server side, as a network cut or a PostgreSQL restart would. */
const killListenerOfB = () => endOtherListeners(t, LICENSE_CHANGES_CHANNEL, licenses().checks.cache.listenerPid);

describe('validation cache: a change through one process is answered by the other', () => {
  const changes: Array<[string, string, (m: Awaited<ReturnType<typeof cachedOnB>>) => Promise<unknown>]> = [
    ['revocation', 'REVOKED', (m) => licenses().revoke(m.license.id, { reason: 'chargeback' })],
    ['license suspension', 'SUSPENDED', (m) => licenses().setStatus(m.license.id, 'suspended')],
    [
      'owner suspension',
      'SUSPENDED',
      (m) => t.post(`/admin/users/${m.owner.id}/suspend`, { reason: 'fraud' }, admin.access).then((r) => assert.equal(r.status, 200)),
    ],
    ['deactivation', 'NOT_ACTIVATED', (m) => licenses().deactivateActivation(m.activationId)],
    ['expiry', 'EXPIRED', (m) => licenses().setExpiry(m.license.id, new Date(Date.now() - 60_000))],
  ];

  for (const [what, expected, change] of changes) {
    it(`${what}: B answers ${expected} within ${VISIBLE_WITHIN_MS} ms`, async () => {
      const machine = await cachedOnB();
      await change(machine);
      const elapsed = await timeUntilB(machine.license.license_key, machine.fingerprint, expected, Date.now());
      assert.ok(elapsed < VISIBLE_WITHIN_MS, `${elapsed} ms`);
    });
  }

  it('a change made through a process is answered by that same process at once', async () => {
    const machine = await cachedOnB();
    assert.equal(await validateAt(t.url, machine.license.license_key, machine.fingerprint), 'VALID');
    for (let i = 0; i < 30; i += 1) {
      await licenses().setStatus(machine.license.id, 'suspended');
      assert.equal(await validateAt(t.url, machine.license.license_key, machine.fingerprint), 'SUSPENDED', `round ${i}`);
      await licenses().setStatus(machine.license.id, 'active');
      assert.equal(await validateAt(t.url, machine.license.license_key, machine.fingerprint), 'VALID', `round ${i}`);
    }
  });

  it('a change made through a process is answered by that process at once, even while its listener lags', async () => {
    const machine = await cachedOnB();
    assert.equal(await validateAt(t.url, machine.license.license_key, machine.fingerprint), 'VALID');
    // A's feed hears nothing for a second: only the read-your-writes fence can make A answer REVOKED now.
    const stalled = stallListener(licenses().checks.cache, 1_000);
    await licenses().revoke(machine.license.id, { reason: 'fence' });
    assert.equal(await validateAt(t.url, machine.license.license_key, machine.fingerprint), 'REVOKED');
    await stalled;
  });

  it("still holds when B's listening connection is killed: B never answers from what it cached before", async () => {
    const machine = await cachedOnB();
    assert.equal(await killListenerOfB(), 1, "B's listener was found and ended");
    // Changed while B may not be listening: B must not answer VALID from its old cache.
    await licenses().revoke(machine.license.id, { reason: 'while deaf' });
    const committedAt = Date.now();
    assert.ok((await timeUntilB(machine.license.license_key, machine.fingerprint, 'REVOKED', committedAt)) < VISIBLE_WITHIN_MS);

    // Once B listens again, its cache works and stays coherent.
    const next = await cachedOnB();
    await delay(500);
    await licenses().setStatus(next.license.id, 'suspended');
    assert.ok((await timeUntilB(next.license.license_key, next.fingerprint, 'SUSPENDED', Date.now())) < VISIBLE_WITHIN_MS);
  });

  it('randomized: changes interleaved with validations on both processes; no answer older than the bound', async () => {
    const seed = Number(process.env.NGN_CACHE_SEED ?? Date.now() % 100_000);
    let state = seed;
    const random = (n: number) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state % n;
    };
    const machines = await Promise.all(Array.from({ length: 6 }, () => cachedOnB()));
    /** What each license's validation must answer, from the changes made so far (the database's truth). */
    const truth = machines.map(() => ({ suspended: false, ownerSuspended: false, expired: false, revoked: false, changedAt: 0 }));
    const expectedCode = (i: number) => {
      const s = truth[i]!;
      if (s.revoked) return 'REVOKED';
      if (s.suspended || s.ownerSuspended) return 'SUSPENDED';
      if (s.expired) return 'EXPIRED';
      return 'VALID';
    };
    // Only answers asked more than the bound after their license's last change are checked, and how many those
    // are depends on the seed and the machine's speed: the run goes on until enough were (bounded in steps).
    const ENOUGH_CHECKED = 40;
    let checked = 0;
    for (let step = 0; step < 250 || (checked < ENOUGH_CHECKED && step < 2_000); step += 1) {
      const i = random(machines.length);
      const m = machines[i]!;
      const s = truth[i]!;
      if (random(10) === 0 && !s.revoked) {
        const op = random(7);
        if (op === 0) {
          await licenses().setStatus(m.license.id, s.suspended ? 'active' : 'suspended');
          s.suspended = !s.suspended;
        } else if (op === 1) {
          await t.post(`/admin/users/${m.owner.id}/${s.ownerSuspended ? 'reactivate' : 'suspend'}`, s.ownerSuspended ? undefined : { reason: 'random' }, admin.access);
          s.ownerSuspended = !s.ownerSuspended;
        } else if (op === 2) {
          await licenses().setExpiry(m.license.id, s.expired ? null : new Date(Date.now() - 60_000));
          s.expired = !s.expired;
        } else if (op === 3) {
          await licenses().revoke(m.license.id, { reason: 'random' });
          s.revoked = true;
        } else {
          // Stamps and reads that change nothing validation answers: a no-op for the truth.
          await validateAt(t.url, m.license.license_key, m.fingerprint);
        }
        s.changedAt = Date.now();
        continue;
      }
      const url = random(2) ? b.url : t.url;
      const askedAt = Date.now();
      const code = await validateAt(url, m.license.license_key, m.fingerprint);
      if (askedAt - s.changedAt > VISIBLE_WITHIN_MS) {
        assert.equal(code, expectedCode(i), `seed ${seed}, step ${step}, license ${i} on ${url === b.url ? 'B' : 'A'}`);
        checked += 1;
      }
      await delay(random(40));
    }
    await delay(VISIBLE_WITHIN_MS);
    for (const [i, m] of machines.entries()) {
      for (const url of [t.url, b.url]) assert.equal(await validateAt(url, m.license.license_key, m.fingerprint), expectedCode(i), `seed ${seed}, license ${i}`);
    }
    assert.ok(checked >= ENOUGH_CHECKED, `only ${checked} validations were checked against the truth (seed ${seed})`);
  });
});
