import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivationRequestFile, ActivationResponseFile, activationTokenPath, DeactivationReceiptFile, Jwks } from '@ngn/shared';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { grantLicense, liveActivations, newFingerprint } from '../../api/test/helpers/licenses';
import { CredentialStore } from '../../desktop/src/core/credential-store';
import { keyArgs, NGN_VERIFY, run, SKIP_REASON } from './sdk-build';

const PRODUCT = 'mixing_mentor';
const skip = SKIP_REASON || (process.env.DBUS_SESSION_BUS_ADDRESS ? false : 'the machine key lives in the keychain (a D-Bus session)');

/** A plugin's activation by file, through the SDK (ngn-verify), against a running API as the online device. */
describe('activation by file from the C SDK, for a plugin used without the Companion', { skip }, () => {
  let t: TestApi;
  let user: Awaited<ReturnType<typeof signUp>>;
  let keys: string[];
  /** The Companion's keychain entries, which the SDK shares. */
  const keychain = new CredentialStore();

  /** A user folder of its own for each offline machine's files. */
  async function home(): Promise<{ env: NodeJS.ProcessEnv; tokenPath: string }> {
    const xdg = await mkdtemp(path.join(tmpdir(), 'ngn-offline-'));
    return { env: { XDG_DATA_HOME: xdg }, tokenPath: activationTokenPath({ platform: 'linux', env: { XDG_DATA_HOME: xdg }, homedir: xdg }, PRODUCT) };
  }

  async function request(env: NodeJS.ProcessEnv, licenseKey: string, machineName = 'Studio B'): Promise<ActivationRequestFile> {
    const made = await run(NGN_VERIFY, ['offline-request', PRODUCT, licenseKey, machineName], { env });
    assert.equal(made.code, 0, made.stderr);
    return ActivationRequestFile.parse(JSON.parse(made.stdout));
  }

  async function load(env: NodeJS.ProcessEnv, response: unknown) {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'ngn-resp-')), `${PRODUCT}.ngnresp`);
    await writeFile(file, JSON.stringify(response, null, 2));
    return run(NGN_VERIFY, ['offline-load', PRODUCT, file, ...keys], { env });
  }

  const exists = (file: string) => access(file).then(() => true, () => false);
  const publicKeyOf = (pem: string) => (createPrivateKey(pem).export({ format: 'jwk' }) as { x: string }).x;

  before(async () => {
    t = await startTestApi();
    user = await signUp(t);
    keys = keyArgs(Jwks.parse((await t.get('/keys')).body));
    await keychain.delete('machine_key');
  });
  after(async () => {
    await keychain.delete('machine_key');
    await t.close();
  });

  it('writes a request the API accepts, loads the response into a VALID token, and frees the seat with its receipt', async () => {
    const license = await grantLicense(t, user.id, 'standard');
    const machine = await home();
    const req = await request(machine.env, ` ${license.license_key.toLowerCase()} `);
    assert.equal(req.license_key, license.license_key, 'the key is sent as the API reads it');
    assert.equal(req.os, 'Linux');
    const stored = await keychain.get('machine_key');
    assert.ok(stored, 'the SDK kept its machine key in the keychain');
    assert.equal(publicKeyOf(stored), req.machine_key, 'in the entry and format the Companion uses');

    const answered = await t.post('/license/offline/activate', req, user.access);
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const response = ActivationResponseFile.parse(answered.body);
    assert.equal(await liveActivations(t, license.id), 1);

    const loaded = await load(machine.env, response);
    assert.equal(loaded.code, 0, loaded.stdout + loaded.stderr);
    assert.match(loaded.stdout, /\nVALID\n/);
    assert.equal((await readFile(machine.tokenPath, 'utf8')).trim(), response.activation_token, 'written where the Companion writes it');
    const check = await run(NGN_VERIFY, ['check', PRODUCT, ...keys], { env: machine.env });
    assert.equal(check.code, 0, check.stdout);

    const deactivated = await run(NGN_VERIFY, ['offline-deactivate', PRODUCT, ...keys], { env: machine.env });
    assert.equal(deactivated.code, 0, deactivated.stderr);
    const receipt = DeactivationReceiptFile.parse(JSON.parse(deactivated.stdout));
    assert.equal(receipt.activation_id, response.activation_id);
    assert.equal(await exists(machine.tokenPath), false, 'the token is gone');
    assert.equal(await readFile(machine.tokenPath.replace(/\.jwt$/, '.ngnreceipt'), 'utf8'), deactivated.stdout, 'and the receipt kept beside it');
    assert.notEqual((await run(NGN_VERIFY, ['check', PRODUCT, ...keys], { env: machine.env })).code, 0);

    const freed = await t.post('/license/offline/deactivate', receipt, user.access);
    assert.equal(freed.status, 200, JSON.stringify(freed.body));
    assert.equal(await liveActivations(t, license.id), 0, 'the seat is free at once');
    const again = await run(NGN_VERIFY, ['offline-deactivate', PRODUCT, ...keys], { env: machine.env });
    assert.notEqual(again.code, 0, 'nothing left to deactivate');
  });

  it("refuses a response for another computer or product, and a token that is not this machine's, writing nothing", async () => {
    const license = await grantLicense(t, user.id, 'standard');
    const machine = await home();
    const response = ActivationResponseFile.parse((await t.post('/license/offline/activate', await request(machine.env, license.license_key), user.access)).body);

    const otherMachine = await load(machine.env, { ...response, fingerprint: newFingerprint() });
    assert.match(otherMachine.stdout, /made for another computer/);
    const otherKey = await load(machine.env, { ...response, machine_key: 'A'.repeat(43) });
    assert.match(otherKey.stdout, /made for another computer/);
    // The file names this machine, but the token inside was made for another one.
    const stranger = await t.post('/license/offline/activate', { ...(await request(machine.env, license.license_key)) }, user.access);
    const foreignToken = (await t.post('/license/activate', { license_key: license.license_key, hardware_id: newFingerprint(), machine_name: 'x', os: 'y' }, user.access)).body
      .activation_token as string;
    const swapped = await load(machine.env, { ...ActivationResponseFile.parse(stranger.body), activation_token: foreignToken });
    assert.match(swapped.stdout, /not valid here\..*\nFINGERPRINT_MISMATCH/);
    const garbage = await load(machine.env, { format: 'ngn-activation-response/v1' });
    assert.match(garbage.stdout, /not a license key or an activation response/);
    for (const refused of [otherMachine, otherKey, swapped, garbage]) assert.notEqual(refused.code, 0);
    assert.equal(await exists(machine.tokenPath), false, 'no token was written');
  });

  it('signs machine names the way JSON.stringify writes them, cut to what the API keeps', async () => {
    const license = await grantLicense(t, user.id, 'standard');
    const env = (await home()).env;
    for (const [given, sent] of [
      ['  Studio "B" \\ Mix\u0007 ', 'Studio "B" \\ Mix'],
      ['Régie 🎛️ №2', 'Régie 🎛️ №2'],
      ['🎚'.repeat(60), '🎚'.repeat(50)],
    ] as const) {
      const req = await request(env, license.license_key, given);
      assert.equal(req.machine_name, sent);
      const res = await t.post('/license/offline/activate', req, user.access);
      assert.equal(res.status, 200, `${sent}: ${JSON.stringify(res.body)}`);
    }
  });

  it('signs with the key the Companion made, so one machine has one key', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await keychain.set('machine_key', pem);
    const license = await grantLicense(t, user.id, 'standard');
    const req = await request((await home()).env, license.license_key);
    assert.equal(req.machine_key, publicKeyOf(pem));
    assert.equal((await t.post('/license/offline/activate', req, user.access)).status, 200, 'and the API checks its signature');
  });
});
