/**
 * The companion core against the real API (PostgreSQL) and the real keychain
 * (a private Secret Service, see scripts/test.ts): the machine fingerprint,
 * sign-in, activation with the plugin's token file, the reference verifier,
 * seats, remote deactivation, heartbeats and revocation, sign-out.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import nodeMachineId from 'node-machine-id';
import { clockMarkPath, computeFingerprint, decodeActivationToken, decodeClockMark, Jwks, verifyActivationToken } from '@ngn/shared';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { activate as activateOverHttp, grantLicense, newFingerprint } from '../../api/test/helpers/licenses';
import type { CompanionCore } from '../src/core/companion-core';
import { CredentialStore } from '../src/core/credential-store';
import { hardwareComponents, machineFingerprint, machineName } from '../src/core/fingerprint';
import { dispatch } from '../src/contract/ipc';
import type { ActivationState } from '../src/contract/models';
import { companionPlace, openCompanion, removePlace, type CompanionPlace } from './helpers/companion';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PRODUCT = 'mixing_mentor';

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) ?? null : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, output: `${stdout}\n${stderr}` });
    });
  });
}

let t: TestApi;
before(async () => {
  t = await startTestApi();
});
after(() => t.close());

describe('fingerprint', () => {
  it('is stable across calls and is the shared rule applied to the raw machine id', async () => {
    const first = await machineFingerprint();
    assert.equal(await machineFingerprint(), first);
    assert.equal(first, await computeFingerprint(nodeMachineId.machineIdSync(true)));
    assert.match(first, /^[0-9a-f]{64}$/);
  });

  it('sends component hashes, never the raw values', async () => {
    const components = await hardwareComponents();
    assert.ok(Object.keys(components).length >= 3, JSON.stringify(components));
    for (const [name, value] of Object.entries(components)) assert.match(value, /^[0-9a-f]{64}$/, name);
    assert.deepEqual(await hardwareComponents(), components);
    const raw = nodeMachineId.machineIdSync(true);
    assert.ok(!JSON.stringify(components).includes(raw));
  });
});

describe('activation', () => {
  let place: CompanionPlace;
  let core: CompanionCore;
  let user: Awaited<ReturnType<typeof signUp>>;
  let license: Awaited<ReturnType<typeof grantLicense>>;
  const jwks = async () => Jwks.parse((await t.get('/keys')).body);

  before(async () => {
    place = await companionPlace();
    core = await openCompanion(place, t.url);
    user = await signUp(t);
    license = await grantLicense(t, user.id, 'standard');
    const auth = await core.handlers['auth:login']({ email: user.email, password: user.password });
    assert.equal(auth.signed_in, true);
    assert.equal(auth.user?.email, user.email);
  });
  after(async () => {
    await core.close();
    await removePlace(place);
  });

  it('keeps the refresh token in the keychain, not on disk', async () => {
    const entries = await new CredentialStore(place.keychainService).list('refresh_token:');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.account, `refresh_token:${new URL(t.url).origin}`);
    const onDisk = spawnSync('grep', ['-rl', entries[0]!.secret, place.dir], { encoding: 'utf8' });
    assert.equal(onDisk.stdout, '', 'the refresh token appears in a file');
  });

  it('activates: the token file holds the verified token, owner-only, and the reference verifier accepts it', async () => {
    const result = await core.handlers['activation:activate']({ license_key: license.license_key.toLowerCase() });
    assert.equal(result.status, 'activated');
    if (result.status !== 'activated') return;
    assert.equal(result.activation.product, PRODUCT);
    assert.equal(result.activation.verdict, 'VALID');
    assert.equal(result.activations_remaining, 1);

    const file = result.activation.token_file;
    assert.equal(file, path.join(place.tokenEnv.env.XDG_DATA_HOME!, 'nextgen-noise', 'activations', `${PRODUCT}.jwt`));
    const token = await readFile(file, 'utf8');
    assert.equal(token, await new CredentialStore(place.keychainService).get(`activation:${PRODUCT}`));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(file))).mode & 0o077, 0, 'the folder is owner-only');
    const verdict = await verifyActivationToken(token, await jwks(), { fingerprint: await machineFingerprint(), product: PRODUCT });
    assert.equal(verdict.code, 'VALID');
    assert.equal(verdict.payload?.license_id, license.id);

    // Asynchronously: the API answering the verifier's JWKS request runs in this process.
    const cli = await run('npm', ['run', '--silent', 'verify-token', '--', file, '--jwks', `${t.url}/api/v1/keys`]);
    assert.equal(cli.code, 0, cli.output);
    assert.equal(JSON.parse(cli.stdout).code, 'VALID');

    // Activating again is idempotent: same seat, same file.
    const again = await core.handlers['activation:activate']({ license_key: license.license_key });
    assert.equal(again.status === 'activated' && again.already_active, true);
  });

  it('a restart finds the activation in the keychain and puts back a deleted token file', async () => {
    const file = (await core.activation.state()).activations[0]!.token_file;
    await core.close();
    await rm(file);
    core = await openCompanion(place, t.url);
    assert.equal(existsSync(file), true);
    const state = await core.handlers['activation:state']();
    assert.equal(state.activations.length, 1);
    assert.equal(state.activations[0]!.verdict, 'VALID');
  });

  it('heartbeat refreshes the token and moves its expiry forward', async () => {
    const before = (await core.activation.state()).activations[0]!;
    const oldToken = await readFile(before.token_file, 'utf8');
    await new Promise((r) => setTimeout(r, 1100)); // token times are whole seconds
    const events: ActivationState[] = [];
    const off = core.events.on('activation:changed', (s) => events.push(s));
    const state = await core.handlers['activation:refresh']();
    off();
    assert.equal(state.last_error, null);
    assert.ok(state.last_heartbeat_at);
    const newToken = await readFile(before.token_file, 'utf8');
    assert.notEqual(newToken, oldToken);
    assert.ok(decodeActivationToken(newToken).payload.exp > decodeActivationToken(oldToken).payload.exp);
    assert.ok(Date.parse(state.activations[0]!.token_expires_at) > Date.parse(before.token_expires_at));
    assert.equal(events.length, 1);
    // The clock mark beside the token moves to the server's signed time.
    const mark = await readFile(clockMarkPath(before.token_file), 'utf8');
    assert.equal(await decodeClockMark(mark, PRODUCT, await machineFingerprint()), decodeActivationToken(newToken).payload.iat);
  });

  it('when every seat is taken, lists the machines; freeing another machine remotely lets this one in', async () => {
    // Start from no activation here, and fill both seats from two other machines.
    await core.handlers['activation:deactivate']({ activation_id: (await core.activation.state()).activations[0]!.activation_id });
    const others = [];
    for (const name of ['Laptop', 'Studio B']) {
      const res = await activateOverHttp(t, user.access, license.license_key, newFingerprint(), { machine_name: name });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      others.push(res.body as { activation_id: string; activation_token: string });
    }
    const refused = await dispatch(core.handlers as never, 'activation:activate', { license_key: license.license_key });
    assert.equal(refused.ok, true);
    const full = refused.ok ? (refused.value as Awaited<ReturnType<CompanionCore['handlers']['activation:activate']>>) : null;
    assert.equal(full?.status, 'max_activations_reached');
    if (full?.status !== 'max_activations_reached') return;
    assert.deepEqual(full.activations.map((a) => a.machine_name).sort(), ['Laptop', 'Studio B']);

    const laptop = full.activations.find((a) => a.machine_name === 'Laptop')!;
    await core.handlers['activation:deactivate']({ activation_id: laptop.id });
    // The laptop learns it on its next heartbeat.
    const laptopBeat = await t.post('/license/heartbeat', { activation_token: others[0]!.activation_token });
    assert.equal(laptopBeat.status, 403);
    assert.equal(laptopBeat.body.error, 'activation_deactivated');

    const ok = await core.handlers['activation:activate']({ license_key: license.license_key });
    assert.equal(ok.status, 'activated');
    const status = await core.handlers['licenses:status']({ license_key: license.license_key });
    assert.deepEqual(status.activations.map((a) => a.machine_name).sort(), [machineName(), 'Studio B'].sort());
  });

  it('deactivating this machine removes its token file and keychain entry', async () => {
    const state = await core.activation.state();
    const file = state.activations[0]!.token_file;
    const after = await core.handlers['activation:deactivate']({ activation_id: state.activations[0]!.activation_id });
    assert.deepEqual(after.activations, []);
    // It sent its own token, so the seat is free at once, with nothing left pending.
    const [row] = (await t.api.deps.sequelize.query('SELECT deactivated_at, pending_until FROM activations WHERE id = :id', {
      replacements: { id: state.activations[0]!.activation_id },
      type: 'SELECT',
    })) as Array<{ deactivated_at: Date | null; pending_until: Date | null }>;
    assert.ok(row!.deactivated_at);
    assert.equal(row!.pending_until, null);
    assert.equal(existsSync(file), false);
    assert.equal(existsSync(clockMarkPath(file)), false, 'the clock mark goes with the token');
    assert.equal(await new CredentialStore(place.keychainService).get(`activation:${PRODUCT}`), null);
  });

  it('a revoked license loses its token and file on the next heartbeat, and the UI is told', async () => {
    await core.handlers['activation:activate']({ license_key: license.license_key });
    const file = (await core.activation.state()).activations[0]!.token_file;
    await t.api.built.services.licenses.revoke(license.id, { reason: 'refunded' });
    const revoked: string[] = [];
    core.activation.events.on('revoked', (r) => revoked.push(`${r.product}:${r.error.code}`));
    const state = await core.handlers['activation:refresh']();
    assert.deepEqual(state.activations, []);
    assert.deepEqual(revoked, [`${PRODUCT}:license_revoked`]);
    assert.equal(existsSync(file), false);
  });
});

describe('sign-out', () => {
  it('frees this machine’s seats and wipes every secret from the keychain', async () => {
    const place = await companionPlace();
    const core = await openCompanion(place, t.url);
    try {
      const user = await signUp(t);
      const license = await grantLicense(t, user.id, 'standard');
      await core.handlers['auth:login']({ email: user.email, password: user.password });
      const activated = await core.handlers['activation:activate']({ license_key: license.license_key });
      assert.equal(activated.status, 'activated');
      const file = activated.status === 'activated' ? activated.activation.token_file : '';

      const state = await core.handlers['auth:logout']();
      assert.deepEqual(state, { signed_in: false, user: null, online: true });
      assert.deepEqual(await new CredentialStore(place.keychainService).list(), []);
      assert.equal(existsSync(file), false);
      const status = await t.get(`/license/status?license_key=${license.license_key}`, user.access);
      assert.deepEqual(status.body.activations, []);
      await assert.rejects(core.handlers['licenses:list'](), { code: 'not_signed_in' });
    } finally {
      await core.close();
      await removePlace(place);
    }
  });
});
