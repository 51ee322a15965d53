import assert from 'node:assert/strict';
import { appendFile, copyFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { activationTokenDirectory } from '@ngn/shared';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { grantLicense } from '../../api/test/helpers/licenses';
import type { CompanionCore } from '../../desktop/src/core/companion-core';
import { companionPlace, openCompanion, removePlace, type CompanionPlace } from '../../desktop/test/helpers/companion';
import { NGN_VERIFY, run, SKIP_REASON } from './sdk-build';

const PRODUCT = 'mixing_mentor';
const skip = SKIP_REASON || (process.env.DBUS_SESSION_BUS_ADDRESS ? false : 'the Companion needs the keychain (a D-Bus session)');

describe('plugin telemetry: the C SDK spools, the Companion sends', { skip }, () => {
  let t: TestApi;
  let place: CompanionPlace;
  let core: CompanionCore;
  let user: Awaited<ReturnType<typeof signUp>>;
  let spools: string;

  /** What a plugin does: one call, no network. */
  async function record(eventType: string, fields?: object): Promise<void> {
    const args = ['record', PRODUCT, eventType, ...(fields ? [JSON.stringify(fields)] : [])];
    const result = await run(NGN_VERIFY, args, { env: { XDG_DATA_HOME: place.tokenEnv.env.XDG_DATA_HOME } });
    assert.equal(result.code, 0, result.stderr);
  }

  async function start(): Promise<void> {
    core = await openCompanion(place, t.url, { telemetry: { flushIntervalMs: 50, backoff: { initialMs: 20, maxMs: 100 } } });
    await core.start();
  }

  async function restart(): Promise<void> {
    await core.close();
    await start();
  }

  async function pluginEvents(): Promise<Array<{ event_id: string; event_type: string; daw_type: string | null; custom_data: Record<string, unknown> }>> {
    return (await t.api.deps.sequelize.query(
      `SELECT event_id, event_type, daw_type, custom_data FROM telemetry_events WHERE user_id = :id AND custom_data->>'source' = 'plugin' ORDER BY occurred_at, event_id`,
      { replacements: { id: user.id }, type: 'SELECT' },
    )) as never;
  }

  async function settled(count: number): Promise<Awaited<ReturnType<typeof pluginEvents>>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const events = await pluginEvents();
      if ((events.length >= count && core.telemetryStatus().pending === 0) || Date.now() > deadline) return events;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    t = await startTestApi();
    place = await companionPlace();
    core = await openCompanion(place, t.url);
    user = await signUp(t);
    const license = await grantLicense(t, user.id, 'standard');
    await core.handlers['auth:login']({ email: user.email, password: user.password });
    const activated = await core.handlers['activation:activate']({ license_key: license.license_key });
    assert.equal(activated.status, 'activated');
    // Telemetry is opt-in: this user said yes.
    await core.handlers['settings:update']({ telemetry_enabled: true });
    spools = activationTokenDirectory(place.tokenEnv);
  });
  after(async () => {
    await core.close();
    await removePlace(place);
    await t.close();
  });

  it('sends every recorded event exactly once, attributed to the activation, across restarts and a torn line', async () => {
    await record('session_end', { daw_type: 'Reaper', session_duration_secs: 3600, plugin_version: '1.0.0' });
    await record('feature_used', { features_used: ['ghost_needle'] });
    await record('crash', { crash_report: 'SIGSEGV in Analyzer::process\n at 0x1234' });
    // A plugin killed mid-write leaves half a line; one with a field the API does not know is skipped.
    await appendFile(path.join(spools, `${PRODUCT}.telemetry`), '{"event_id":"0b6f1c2e-8d4a-4f7e-9a3b-5c2d1e0f9a8b","event_typ');
    await record('session_end', { secret_field: 1 });

    await restart();
    const events = await settled(3);
    assert.deepEqual(events.map((e) => e.event_type).sort(), ['crash', 'feature_used', 'session_end']);
    const activationId = (await core.activation.state()).activations[0]!.activation_id;
    for (const e of events) assert.deepEqual([e.custom_data.product, e.custom_data.activation_id], [PRODUCT, activationId]);
    assert.equal(events.find((e) => e.event_type === 'session_end')!.daw_type, 'Reaper');
    assert.deepEqual(await readdir(spools).then((n) => n.filter((f) => f.includes('.telemetry'))), [], 'the spool is gone once sent');

    // A Companion that died after queueing but before deleting the spool reads it again: the server keeps one of each.
    // (Stopped while the spool is copied, so it cannot take the spool first.)
    await core.close();
    await record('session_start', { daw_type: 'Bitwig Studio' });
    await copyFile(path.join(spools, `${PRODUCT}.telemetry`), path.join(spools, `${PRODUCT}.telemetry.keep`));
    await start();
    assert.equal((await settled(4)).length, 4);
    await copyFile(path.join(spools, `${PRODUCT}.telemetry.keep`), path.join(spools, `${PRODUCT}.telemetry.taking`));
    await restart();
    // The taken spool is read at start, and its event sent again; the server keeps the one it had.
    assert.deepEqual(await readdir(spools).then((n) => n.filter((f) => /\.telemetry(\.taking)?$/.test(f))), []);
    assert.equal((await settled(4)).length, 4);
    assert.ok(core.telemetryStatus().sent >= 1, 'the event went to the server again');
    assert.equal((await pluginEvents()).length, 4, 'a spool read twice counts once');
  });

  it('with telemetry off, sends nothing and deletes the spool unread', async () => {
    await core.handlers['settings:update']({ telemetry_enabled: false });
    await record('session_end', { daw_type: 'Ableton Live' });
    await record('crash', { crash_report: 'boom' });
    await restart();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await readdir(spools).then((n) => n.filter((f) => /\.telemetry(\.taking)?$/.test(f))), []);
    assert.equal((await pluginEvents()).length, 4);
  });
});
