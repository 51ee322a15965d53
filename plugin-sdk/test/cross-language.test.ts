import assert from 'node:assert/strict';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { clockMarkPath, decodeClockMark, Jwks, verifyActivationToken, type TokenVerdictCode } from '@ngn/shared';
import { signUp, startTestApi, type TestApi } from '../../api/test/helpers/api';
import { activate, grantLicense } from '../../api/test/helpers/licenses';
import { machineFingerprint, rawMachineId } from '../../desktop/src/core/fingerprint';
import { seconds, tokenVectors, vectorKeyPem } from '../../scripts/lib/token-vectors';
import { has, keyArgs, NGN_VERIFY, run, SKIP_REASON, tokenHome } from './sdk-build';

const vectors = tokenVectors();
const vectorJwks = Jwks.parse(vectors.key.jwks);
const PRODUCT = 'mixing_mentor';

/** Deterministic randomness, so a failing case can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

interface Case {
  token: string;
  product: string;
  fingerprint: string;
  now: number;
  clockMark: number;
  entitlements: string[];
}

/** Many tokens signed with the vectors' key whose headers and payloads stray from the spec in every way JSON allows. */
function signedVariants(count: number, key: KeyObject): Case[] {
  const random = prng(0x6e676e);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const fingerprint = vectors.fingerprints[0]!.fingerprint;
  const iat = 1_767_225_600;
  const base: Record<string, unknown> = {
    iss: 'https://api.nextgennoise.com',
    sub: '0b6f1c2e-8d4a-4f7e-9a3b-5c2d1e0f9a8b',
    license_id: '7e3a9c1d-2b4f-4e6a-8c0d-1f2e3a4b5c6d',
    product: PRODUCT,
    license_type: 'subscription',
    policy: 'pro_subscription',
    fingerprint,
    entitlements: ['mixing_mentor.core', 'mixing_mentor.pro'],
    iat,
    exp: iat + 30 * 86_400,
    license_expires_at: iat + 14 * 86_400,
  };
  const strange: unknown[] = [null, true, 0, -1, 1.5, '', 'x', [], {}, ['mixing_mentor.core'], { a: [1, { b: null }] }, 'mixing_mentor'];
  const numberSpellings = (n: number) => [`${n}`, `${n}.0`, `${n}.000`, `${n / 100}e2`, `${n}E0`, `${n}.5`, `-${n}`, '1e400', '9007199254740993', '-0', `0${n}`, `${n}.`];
  const claimNames = Object.keys(base);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const payload: Record<string, unknown> = structuredClone(base);
    const header: Record<string, unknown> = { alg: 'EdDSA', typ: 'JWT', kid: vectorJwks.keys[0]!.kid };
    let payloadText: string | undefined;
    let headerText: string | undefined;
    switch (Math.floor(random() * 10)) {
      case 0: delete payload[pick(claimNames)]; break;
      case 1: payload[pick(claimNames)] = pick(strange); break;
      case 2: {
        // Numbers spelled every way JSON allows (and some it does not).
        const claim = pick(['iat', 'exp', 'license_expires_at']);
        payloadText = JSON.stringify(payload).replace(`"${claim}":${payload[claim]}`, `"${claim}":${pick(numberSpellings(payload[claim] as number))}`);
        break;
      }
      case 3: {
        // Escapes that spell the same string, and some that spell another.
        const claim = pick(['product', 'fingerprint', 'license_type', 'policy']);
        const value = String(payload[claim]);
        const at = Math.floor(random() * value.length);
        const escaped = `${value.slice(0, at)}\\u${value.charCodeAt(at).toString(16).padStart(4, pick(['0', '0', 'F']))}${value.slice(at + 1)}`;
        payloadText = JSON.stringify(payload).replace(`"${claim}":"${value}"`, `"${claim}":"${escaped}"`);
        break;
      }
      case 4: {
        // Duplicate names: JSON.parse keeps the last.
        const claim = pick(claimNames);
        const first = JSON.stringify(pick(strange));
        payloadText = JSON.stringify(payload).replace('{', `{"${claim}":${first},`);
        if (random() < 0.5) payloadText = payloadText.replace(/}$/, `,"${claim}":${first}}`);
        break;
      }
      case 5: payload[pick(['extra', 'nested', 'x-claim'])] = pick([{ deep: [[[{ a: '\u00e9\ud83c\udfb9' }]]] }, [1, 2, [3]], 'text', 12.5]); break;
      case 6: {
        // Whitespace, a byte-order mark, or a broken byte.
        const text = JSON.stringify(payload, null, pick([0, 1, '\t']));
        const bytes = Buffer.from(pick([text, `\ufeff${text}`, ` ${text}\n`, text.replace(':', ' : ')]));
        if (random() < 0.4) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        payloadText = bytes.toString('latin1');
        break;
      }
      case 7: {
        header[pick(['alg', 'typ', 'kid'])] = pick([null, 'none', 'EdDSA ', 'JWS', '', 'x'.repeat(201), 'x'.repeat(200), 42]);
        if (random() < 0.3) delete header[pick(['alg', 'typ', 'kid'])];
        break;
      }
      case 8: {
        // The kid written with escapes is still the kid.
        const kid = String(header.kid);
        headerText = JSON.stringify(header).replace(kid, kid.replace(/./, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`));
        break;
      }
      default: payload.entitlements = pick([[], ['mixing_mentor.core'], ['mixing_mentor.pro', 'mixing_mentor.core', 'mixing_mentor.core'], [1], 'mixing_mentor.pro']);
    }
    const encode = (text: string, latin1 = false) => Buffer.from(text, latin1 ? 'latin1' : 'utf8').toString('base64url');
    const signingInput = `${encode(headerText ?? JSON.stringify(header))}.${payloadText !== undefined ? encode(payloadText, true) : encode(JSON.stringify(payload))}`;
    const signature = sign(null, Buffer.from(signingInput), key).toString('base64url');
    // Times around every edge of the rule: the iat tolerance, the mark tolerance, license end and grace end.
    const edges = [iat - 301, iat - 300, iat, iat + 86_400, iat + 14 * 86_400 - 1, iat + 14 * 86_400, iat + 30 * 86_400];
    const now = pick(edges) + pick([-1, 0, 1]);
    cases.push({
      token: signingInput + '.' + signature,
      product: pick([PRODUCT, PRODUCT, 'other_plugin']),
      fingerprint: pick([fingerprint, fingerprint, fingerprint.toUpperCase(), vectors.fingerprints[2]!.fingerprint]),
      now,
      clockMark: pick([0, 0, now + 86_400, now + 86_401, now - 5]),
      entitlements: pick([[], [], ['mixing_mentor.pro'], ['mixing_mentor.core', 'mixing_mentor.pro'], ['mixing_mentor.other']]),
    });
  }
  return cases;
}

async function cVerdicts(cases: Case[], jwks: Jwks): Promise<string[]> {
  const input = cases.map((c) => [c.token, c.product, c.fingerprint, c.now, c.clockMark, c.entitlements.join(',')].join('\t')).join('\n') + '\n';
  const result = await run(NGN_VERIFY, ['batch', ...keyArgs(jwks)], { input });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim().split('\n');
}

async function tsVerdict(c: Case, jwks: Jwks): Promise<TokenVerdictCode> {
  const options = { product: c.product, fingerprint: c.fingerprint, now: c.now * 1000, entitlements: c.entitlements, clockMark: c.clockMark || undefined };
  return (await verifyActivationToken(c.token, jwks, options)).code;
}

describe('the C SDK and the TypeScript verifier agree', { skip: SKIP_REASON }, () => {
  it("computes this machine's fingerprint as the Companion does", async () => {
    const c = await run(NGN_VERIFY, ['fingerprint']);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim(), await machineFingerprint());
    const raw = await rawMachineId();
    assert.equal((await run(NGN_VERIFY, ['fingerprint-of', ` ${raw.toUpperCase()}\n`])).stdout.trim(), await machineFingerprint());
  });

  it('gives the same code for every spec vector and for thousands of tokens signed with odd headers and payloads', async () => {
    const key = createPrivateKey(vectorKeyPem(vectors));
    const specCases: Case[] = vectors.verdicts.map((v) => ({
      token: vectors.tokens[v.token]!,
      product: v.product,
      fingerprint: v.fingerprint,
      now: seconds(v.now),
      clockMark: v.clock_mark ? seconds(v.clock_mark) : 0,
      entitlements: v.entitlements ?? [],
    }));
    const cases = [...specCases, ...signedVariants(10000, key)];
    const fromC = await cVerdicts(cases, vectorJwks);
    const seen = new Set<string>();
    for (const [i, c] of cases.entries()) {
      const expected = await tsVerdict(c, vectorJwks);
      seen.add(expected);
      assert.equal(fromC[i], expected, `case ${i}: ${JSON.stringify(c)}`);
    }
    // The variants reach every code, so agreement is not agreement on one answer.
    for (const code of ['VALID', 'MALFORMED', 'UNKNOWN_KEY', 'BAD_SIGNATURE', 'PRODUCT_MISMATCH', 'FINGERPRINT_MISMATCH', 'EXPIRED', 'GRACE_EXPIRED', 'ENTITLEMENT_MISSING', 'CLOCK_TAMPERED'])
      assert.ok(seen.has(code), `no case gave ${code}`);
  });

  describe('with tokens minted by a running API', () => {
    let t: TestApi;
    let apiJwks: Jwks;
    let fingerprint: string;
    let user: Awaited<ReturnType<typeof signUp>>;

    before(async () => {
      t = await startTestApi();
      apiJwks = Jwks.parse((await t.get('/keys')).body);
      fingerprint = await machineFingerprint();
      user = await signUp(t);
    });
    after(() => t.close());

    async function tokenFor(policy: string, expiresAt?: Date): Promise<string> {
      const license = await grantLicense(t, user.id, policy, expiresAt ? { expiresAt } : {});
      const res = await activate(t, user.access, license.license_key, fingerprint);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.activation_token as string;
    }

    it("verifies this machine's token with the plugin's whole check, and reports its claims", async () => {
      const token = await tokenFor('standard');
      const { xdg } = await tokenHome(PRODUCT, token);
      const env = { XDG_DATA_HOME: xdg };
      const valid = await run(NGN_VERIFY, ['check', PRODUCT, ...keyArgs(apiJwks), '+mixing_mentor.core'], { env });
      assert.equal(valid.code, 0, valid.stdout + valid.stderr);
      assert.match(valid.stdout, /^VALID\n/);
      assert.match(valid.stdout, /\(perpetual, standard\)/);
      const pro = await run(NGN_VERIFY, ['check', PRODUCT, ...keyArgs(apiJwks), '+mixing_mentor.pro'], { env });
      assert.match(pro.stdout, /^ENTITLEMENT_MISSING\n/);
      // Keys the plugin was not built with: the API's token is unknown to it.
      const foreign = await run(NGN_VERIFY, ['check', PRODUCT, ...keyArgs(vectorJwks)], { env });
      assert.match(foreign.stdout, /^UNKNOWN_KEY\n/);
      const none = await run(NGN_VERIFY, ['check', 'other_plugin', ...keyArgs(apiJwks)], { env });
      assert.match(none.stdout, /^NOT_ACTIVATED\n/);
    });

    it('refuses a clock set back: a trial that ended stays ended (faketime)', { skip: has('faketime') ? false : 'faketime is not installed' }, async () => {
      const token = await tokenFor('trial', new Date(Date.now() + 3600_000));
      const { xdg, tokenPath } = await tokenHome(PRODUCT, token);
      // The sanitized build must let libfaketime load before it.
      const env = { XDG_DATA_HOME: xdg, ASAN_OPTIONS: 'verify_asan_link_order=0' };
      const check = (offset?: string) =>
        run(offset ? 'faketime' : NGN_VERIFY, offset ? ['-f', offset, NGN_VERIFY, 'check', PRODUCT, ...keyArgs(apiJwks)] : ['check', PRODUCT, ...keyArgs(apiJwks)], { env });
      assert.match((await check()).stdout, /^VALID\n/);
      // Three days on, the trial is over, and the check remembers having seen that day.
      assert.match((await check('+3d')).stdout, /^EXPIRED\n/);
      const mark = await decodeClockMark(await readFile(clockMarkPath(tokenPath), 'utf8'), PRODUCT, fingerprint);
      assert.ok(mark && mark > Date.now() / 1000 + 2 * 86_400, 'the mark holds the latest time seen');
      // Back to "today": more than a day behind the mark.
      const rolledBack = await check();
      assert.equal(rolledBack.code, 1);
      assert.match(rolledBack.stdout, /^CLOCK_TAMPERED\n/);
      // The TypeScript verifier reads the same mark the same way.
      assert.equal((await verifyActivationToken(token, apiJwks, { product: PRODUCT, fingerprint, clockMark: mark })).code, 'CLOCK_TAMPERED');
      // A clock moved a few hours is an adjustment, not tampering.
      assert.match((await check('+3d')).stdout, /^EXPIRED\n/);
      assert.match((await check('+60h')).stdout, /^EXPIRED\n/);
    });

    it('refuses a token the API issued in what this machine thinks is the future', { skip: has('faketime') ? false : 'faketime is not installed' }, async () => {
      const token = await tokenFor('standard');
      const { xdg } = await tokenHome(PRODUCT, token);
      const result = await run('faketime', ['-f', '-1h', NGN_VERIFY, 'check', PRODUCT, ...keyArgs(apiJwks)], {
        env: { XDG_DATA_HOME: xdg, ASAN_OPTIONS: 'verify_asan_link_order=0' },
      });
      assert.match(result.stdout, /^CLOCK_TAMPERED\n/, result.stdout + result.stderr);
    });
  });
});
