import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Jwks } from '@ngn/shared';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { activate, grantLicense, newFingerprint } from '../../api/test/helpers/licenses';
import { machineFingerprint } from '../../desktop/src/core/fingerprint';
import { vectorKeyPem } from '../../scripts/lib/token-vectors';
import { has, INSTANCE_LIFETIME_TEST, keyArgs, LV2_BUNDLES, NGN_VERIFY, PLUGIN_BINARY, PLUGIN_URI, run, SKIP_REASON, tokenHome } from './sdk-build';

const PRODUCT = 'mixing_mentor';
/** The example plugin's default gain parameter. */
const GAIN = 0.5;

const skip = SKIP_REASON || (!has('lv2apply') || !has('lv2file') || !has('sox') ? 'the host test needs lv2apply, lv2file and sox' : false);
/** Two headless hosts from Debian: lilv's lv2apply and lv2file. */
const HOSTS = ['lv2apply', 'lv2file'] as const;

/** sox's "Maximum amplitude" of a file, or of the mix of two files with volumes. */
async function maxAmplitude(...inputs: Array<[number, string]>): Promise<number> {
  const args = inputs.length > 1 ? ['-m', ...inputs.flatMap(([v, f]) => ['-v', String(v), f])] : [inputs[0]![1]];
  const result = await run('sox', [...args, '-n', 'stat']);
  const match = /Maximum amplitude:\s+(-?[\d.]+)/.exec(result.stderr);
  assert.ok(match, `sox stat: ${result.stderr}`);
  return Number(match[1]);
}

describe('the LV2 example plugin, rendered by real LV2 hosts (lv2apply, lv2file)', { skip }, () => {
  let t: TestApi;
  let jwks: Jwks;
  let fingerprint: string;
  let user: Awaited<ReturnType<typeof signUp>>;
  let work: string;
  let input: string;

  before(async () => {
    // The plugin was built pinning the spec's test key, so this API signs with it.
    t = await startTestApi({ SIGNING_KEYS: vectorKeyPem() });
    jwks = Jwks.parse((await t.get('/keys')).body);
    fingerprint = await machineFingerprint();
    user = await signUp(t);
    work = await mkdtemp(path.join(tmpdir(), 'ngn-lv2-'));
    input = path.join(work, 'input.wav');
    // Two seconds of two different tones, one per channel, well below full scale.
    const made = await run('sox', ['-n', '-r', '48000', '-c', '2', '-b', '32', '-e', 'floating-point', input, 'synth', '2', 'sine', '440', 'sine', '660', 'vol', '0.6']);
    assert.equal(made.code, 0, made.stderr);
  });
  after(() => t.close());

  async function tokenFor(product: string, machine = fingerprint): Promise<string> {
    const license = await grantLicense(t, user.id, 'standard', { product });
    const res = await activate(t, user.access, license.license_key, machine);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.activation_token as string;
  }

  /**
   * Renders the input through the plugin in each host with this XDG_DATA_HOME;
   * returns the outputs and the SDK's verdict there (so silence is for the right reason).
   */
  async function render(name: string, xdg: string): Promise<{ outputs: string[]; verdict: string }> {
    const env = { LV2_PATH: LV2_BUNDLES, XDG_DATA_HOME: xdg };
    const outputs: string[] = [];
    for (const host of HOSTS) {
      const output = path.join(work, `${name}-${host}.wav`);
      const result = await run(host, ['-i', input, '-o', output, PLUGIN_URI], { env });
      assert.equal(result.code, 0, `${host}: ${result.stdout}${result.stderr}`);
      outputs.push(output);
    }
    const verdict = (await run(NGN_VERIFY, ['check', PRODUCT, ...keyArgs(jwks)], { env })).stdout.split('\n')[0]!;
    return { outputs, verdict };
  }

  async function assertSilent(outputs: string[]): Promise<void> {
    for (const output of outputs) assert.equal(await maxAmplitude([1, output]), 0, `${path.basename(output)} is silent`);
  }

  it("plays a machine the API activated: the output is the input times the plugin's gain", async () => {
    const { xdg } = await tokenHome(PRODUCT, await tokenFor(PRODUCT));
    const { outputs, verdict } = await render('licensed', xdg);
    assert.equal(verdict, 'VALID');
    for (const output of outputs) {
      const level = await maxAmplitude([1, output]);
      assert.ok(Math.abs(level - 0.6 * GAIN) < 0.01, `${path.basename(output)} peaks at ${level}, expected ${0.6 * GAIN}`);
      // Sample for sample: output - gain × input is (float rounding aside) nothing.
      assert.ok((await maxAmplitude([1, output], [-GAIN, input])) < 1e-4, `${path.basename(output)} is the input times the gain`);
    }
  });

  it('is silent without a token', async () => {
    const xdg = await mkdtemp(path.join(tmpdir(), 'ngn-sdk-empty-'));
    const { outputs, verdict } = await render('unactivated', xdg);
    assert.equal(verdict, 'NOT_ACTIVATED');
    await assertSilent(outputs);
  });

  it('is silent with a tampered token', async () => {
    const token = await tokenFor(PRODUCT);
    const [h, p, s] = token.split('.') as [string, string, string];
    // The same claims with one entitlement more, re-encoded: the signature no longer matches.
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    claims.entitlements.push('mixing_mentor.pro');
    const { xdg } = await tokenHome(PRODUCT, `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`);
    const { outputs, verdict } = await render('tampered', xdg);
    assert.equal(verdict, 'BAD_SIGNATURE');
    await assertSilent(outputs);
  });

  it("is silent with another product's token, and with another machine's", async () => {
    await t.api.deps.sequelize.query(`
      INSERT INTO products (id, name, requires_license) VALUES ('vocal_vault', 'Vocal Vault', true) ON CONFLICT DO NOTHING;
      INSERT INTO policies (product_id, name, license_type, max_activations, duration_days, offline_grace_days, max_deactivations, entitlements, stale_frees_seat)
      VALUES ('vocal_vault', 'standard', 'perpetual', 2, NULL, 30, 5, '["vocal_vault.core"]', true) ON CONFLICT DO NOTHING;`);
    const other = await tokenHome(PRODUCT, await tokenFor('vocal_vault'));
    const product = await render('other-product', other.xdg);
    assert.equal(product.verdict, 'PRODUCT_MISMATCH');
    await assertSilent(product.outputs);

    const elsewhere = await tokenHome(PRODUCT, await tokenFor(PRODUCT, newFingerprint()));
    const machine = await render('other-machine', elsewhere.xdg);
    assert.equal(machine.verdict, 'FINGERPRINT_MISMATCH');
    await assertSilent(machine.outputs);
  });

  it('keeps a running instance playing when the license goes away; the next instance is silent', async () => {
    const { xdg, tokenPath } = await tokenHome(PRODUCT, await tokenFor(PRODUCT));
    const result = await run(INSTANCE_LIFETIME_TEST, [PLUGIN_BINARY, tokenPath], { env: { XDG_DATA_HOME: xdg } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^before 0\.250, same instance after the token went 0\.250, new instance 0\.000\nOK\n$/);
  });
});
