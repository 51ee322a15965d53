/**
 * What the companion does on its own, against the real API: a heartbeat when
 * it starts and again on its interval (so the offline grace keeps rolling
 * without the user doing anything), and plugin update checks that download a
 * new version by themselves only when the user turned auto-update on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueryTypes } from 'sequelize';
import { signUp, signUpAs, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { grantLicense } from '../../api/test/helpers/licenses';
import { freePort } from '../../api/test/helpers/process';
import { artifact, publish } from '../../api/test/helpers/releases';
import type { CompanionCore } from '../src/core/companion-core';
import { releasePlatform } from '../src/core/fingerprint';
import { companionPlace, openCompanion, removePlace, type CompanionPlace } from './helpers/companion';

const PRODUCT = 'mixing_mentor';
const platform = releasePlatform()!;
const HOUR = 3600_000;

let t: TestApi;
before(async () => {
  // Download links carry PUBLIC_URL: it must be this server's real address.
  const port = await freePort();
  t = await startTestApi({ HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
});
after(() => t.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

async function signedInCompanion(place: CompanionPlace, extra: Parameters<typeof openCompanion>[2] = {}) {
  const user = await signUp(t);
  const license = await grantLicense(t, user.id, 'standard');
  const core = await openCompanion(place, t.url, { releaseRoots: [t.releaseRoot], ...extra });
  await core.handlers['auth:login']({ email: user.email, password: user.password });
  return { core, user, license };
}

/** A companion place for one describe block: made before its tests, its last core closed and the place removed after. */
function companionSlot(): { place: CompanionPlace; core?: CompanionCore } {
  const slot = {} as { place: CompanionPlace; core?: CompanionCore };
  before(async () => {
    slot.place = await companionPlace();
  });
  after(async () => {
    await slot.core?.close();
    await removePlace(slot.place);
  });
  return slot;
}

describe('heartbeats', () => {
  const slot = companionSlot();

  const heartbeatOf = async (licenseId: string) => {
    const [row] = await t.api.deps.sequelize.query<{ last_heartbeat_at: Date | null; token_expires_at: Date }>(
      'SELECT last_heartbeat_at, token_expires_at FROM activations WHERE license_id = :id AND deactivated_at IS NULL',
      { replacements: { id: licenseId }, type: QueryTypes.SELECT },
    );
    return row!;
  };

  it('beats when the companion starts, then on its interval, each time moving the token’s expiry', async () => {
    const first = await signedInCompanion(slot.place, { heartbeatIntervalMs: HOUR });
    let core = (slot.core = first.core);
    const activated = await core.handlers['activation:activate']({ license_key: first.license.license_key });
    assert.equal(activated.status, 'activated');
    assert.equal((await heartbeatOf(first.license.id)).last_heartbeat_at, null, 'activating is not a heartbeat');
    await core.close();

    // A restart with an hour between beats: only the start can be what beats.
    await sleep(1100); // token times are whole seconds
    core = slot.core = await openCompanion(slot.place, t.url, { heartbeatIntervalMs: HOUR });
    await core.start();
    const atStart = await until('the heartbeat on start', () => heartbeatOf(first.license.id), (r) => r.last_heartbeat_at !== null);
    await core.close();

    // A short interval: the beats keep coming with nothing else happening.
    core = slot.core = await openCompanion(slot.place, t.url, { heartbeatIntervalMs: 1200 });
    await core.start();
    const later = await until(
      'two more heartbeats',
      () => heartbeatOf(first.license.id),
      (r) => r.token_expires_at.getTime() > atStart.token_expires_at.getTime() + 1000,
    );
    assert.ok(later.last_heartbeat_at!.getTime() > atStart.last_heartbeat_at!.getTime());
  });
});

describe('coming back online', () => {
  const slot = companionSlot();

  it('heartbeats soon after the API is reachable again, with nothing else happening', async () => {
    const first = await signedInCompanion(slot.place, { heartbeatIntervalMs: HOUR, api: { retries: 0, probe: { initialMs: 100, maxMs: 200 } } });
    const core = (slot.core = first.core);
    assert.equal((await core.handlers['activation:activate']({ license_key: first.license.license_key })).status, 'activated');
    await core.start();
    await until('the heartbeat on start', async () => (await core.activation.state()).last_heartbeat_at, (at) => at !== null);
    await sleep(1100); // heartbeat times are whole seconds in the token

    // The API goes away: a heartbeat now fails and the companion knows it is offline.
    const port = new URL(t.url).port;
    await t.close();
    const failed = await core.handlers['activation:refresh']();
    assert.ok(failed.last_error, 'the failed heartbeat is reported');
    assert.equal((await core.handlers['auth:state']()).online, false);

    // It comes back on the same address; the companion notices and heartbeats on its own.
    t = await startTestApi({ HOST: '127.0.0.1', PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}` });
    const state = await until('the heartbeat after reconnecting', () => core.activation.state(), (s) => s.last_error === null);
    assert.ok(Date.parse(state.last_heartbeat_at!) > Date.parse(failed.last_heartbeat_at!));
    assert.equal((await core.handlers['auth:state']()).online, true);
  });
});

describe('plugin update checks', () => {
  let admin: string;
  const places: CompanionPlace[] = [];
  const cores: CompanionCore[] = [];
  before(async () => {
    admin = (await signUpAs(t, 'admin')).access;
    await publish(t, admin, { product: PRODUCT, version: '1.0.0', platform }, artifact(256 * 1024), { fileName: `MixingMentor-1.0.0-${platform}.bin` });
  });
  after(async () => {
    for (const core of cores) await core.close();
    for (const place of places) await removePlace(place);
  });

  /** A signed-in companion that installed 1.0.0 and checks for updates every 300 ms. */
  async function companionWith100(autoUpdate: boolean): Promise<CompanionCore> {
    const place = await companionPlace();
    places.push(place);
    const { core } = await signedInCompanion(place, { pluginUpdateIntervalMs: 300 });
    cores.push(core);
    await core.handlers['settings:update']({ auto_update_plugins: autoUpdate });
    const started = await core.handlers['plugins:download']({ version: '1.0.0' });
    const settled = await core.installer.downloader.settled(started.id);
    assert.equal(settled.status, 'completed', JSON.stringify(settled));
    await core.handlers['plugins:install']({ download_id: started.id });
    return core;
  }

  it('downloads a new version by itself with auto-update on, and only offers it with auto-update off', async () => {
    const withAuto = await companionWith100(true);
    const without = await companionWith100(false);
    await publish(t, admin, { product: PRODUCT, version: '1.1.0', platform }, artifact(256 * 1024), { fileName: `MixingMentor-1.1.0-${platform}.bin` });

    const id = `${PRODUCT}-1.1.0-${platform}`;
    const fetched = await until('the automatic download of 1.1.0', async () => withAuto.installer.downloader.get(id)?.status ?? null, (s) => s === 'completed');
    assert.equal(fetched, 'completed');
    // Installing stays the user's decision.
    assert.deepEqual((await withAuto.handlers['plugins:state']()).installed.map((i) => i.version), ['1.0.0']);

    const offered = await until('the update offered', () => without.handlers['plugins:state'](), (s) => s.update_available);
    assert.equal(offered.latest?.version, '1.1.0');
    await sleep(1000); // several more checks
    assert.equal(without.installer.downloader.get(id), undefined, 'downloaded although auto-update is off');
  });
});
