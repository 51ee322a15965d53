import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import {
  activationTokenPath,
  computeFingerprint,
  decodeClockMark,
  encodeClockMark,
  decodeActivationToken,
  isValidLicenseKey,
  Jwks,
  TokenVerdictCode,
  verifyActivationToken,
} from '../src/index';
import { seconds, tokenVectors, vectorKeyPem } from '../../scripts/lib/token-vectors';

/** The vectors are read from the spec itself, so the document and the code cannot drift apart. */
const vectors = tokenVectors();
const jwks = Jwks.parse(vectors.key.jwks);

const privateKey = createPrivateKey(vectorKeyPem(vectors));
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('spec test vectors (docs/activation-token.md)', () => {
  it('publishes the public key of the fixed private key', () => {
    const x = (createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string }).x;
    assert.equal(jwks.keys[0]!.x, x);
  });

  it('computes every fingerprint', async () => {
    for (const v of vectors.fingerprints) assert.equal(await computeFingerprint(v.raw_machine_id), v.fingerprint, JSON.stringify(v.raw_machine_id));
  });

  it('reproduces the signatures of the tokens signed by the fixed key (Ed25519 is deterministic)', () => {
    for (const name of ['perpetual', 'subscription']) {
      const [h, p, s] = vectors.tokens[name]!.split('.');
      assert.equal(sign(null, Buffer.from(`${h}.${p}`), privateKey).toString('base64url'), s, name);
    }
  });

  it('gives every expected verdict', async () => {
    for (const v of vectors.verdicts) {
      const result = await verifyActivationToken(vectors.tokens[v.token]!, jwks, {
        fingerprint: v.fingerprint,
        product: v.product,
        entitlements: v.entitlements,
        now: new Date(v.now),
        clockMark: v.clock_mark ? seconds(v.clock_mark) : undefined,
      });
      assert.equal(result.code, v.code, `${v.token} at ${v.now} (mark ${v.clock_mark ?? 'none'})`);
      assert.equal(result.valid, v.code === 'VALID');
    }
  });

  it('gives the same verdicts through WebCrypto, the path browsers and other runtimes take', async () => {
    // A child process without Node's crypto lookup exercises the fallback.
    const script = `
      delete process.getBuiltinModule;
      const { verifyActivationToken } = await import(${JSON.stringify(path.join(ROOT, 'shared/src/index.ts'))});
      const input = JSON.parse(process.argv[1]);
      const codes = [];
      for (const v of input.verdicts) {
        const clockMark = v.clock_mark ? Date.parse(v.clock_mark) / 1000 : undefined;
        const r = await verifyActivationToken(input.tokens[v.token], input.jwks, { ...v, now: new Date(v.now), clockMark });
        codes.push(r.code);
      }
      console.log(JSON.stringify(codes));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      JSON.stringify({ verdicts: vectors.verdicts, tokens: vectors.tokens, jwks }),
    ]);
    assert.deepEqual(JSON.parse(stdout), vectors.verdicts.map((v) => v.code));
  });

  it('checks the license key examples', () => {
    for (const key of vectors.license_keys.valid) assert.equal(isValidLicenseKey(key), true, key);
    for (const key of vectors.license_keys.invalid) assert.equal(isValidLicenseKey(key), false, key);
  });

  it('gives every token file path', () => {
    for (const v of vectors.token_paths) assert.equal(activationTokenPath(v, v.product), v.path);
  });

  it('writes and reads every clock mark, and refuses one edited or for another product or machine', async () => {
    for (const v of vectors.clock_marks) {
      assert.equal(await encodeClockMark(v.product, v.fingerprint, seconds(v.time)), v.text);
      assert.equal(await decodeClockMark(v.text, v.product, v.fingerprint), seconds(v.time));
      assert.equal(await decodeClockMark(v.text, 'other_plugin', v.fingerprint), undefined);
      assert.equal(await decodeClockMark(v.text, v.product, vectors.fingerprints[2]!.fingerprint), undefined);
      assert.equal(await decodeClockMark(v.text.replace(' 17', ' 18'), v.product, v.fingerprint), undefined);
    }
  });

  it('covers every code with a vector', () => {
    const covered = new Set(vectors.verdicts.map((v) => v.code));
    for (const code of TokenVerdictCode.options) assert.ok(covered.has(code), code);
  });
});

describe('verifyActivationToken', () => {
  const token = vectors.tokens.perpetual!;
  const fingerprint = vectors.fingerprints[0]!.fingerprint;
  const opts = { fingerprint, product: 'mixing_mentor', now: new Date('2026-01-10T00:00:00Z') };

  it('returns the payload with the verdict once the signature checks out', async () => {
    const result = await verifyActivationToken(token, jwks, { ...opts, product: 'other_plugin' });
    assert.equal(result.code, 'PRODUCT_MISMATCH');
    assert.equal(result.payload!.sub, '0b6f1c2e-8d4a-4f7e-9a3b-5c2d1e0f9a8b');
    assert.equal((await verifyActivationToken(vectors.tokens.tampered!, jwks, opts)).payload, undefined);
  });

  it('accepts a fingerprint in upper case and a token with surrounding whitespace', async () => {
    assert.equal((await verifyActivationToken(`\n${token}\n`, jwks, { ...opts, fingerprint: fingerprint.toUpperCase() })).code, 'VALID');
  });

  it('is not fooled by a key published under the same kid with other material', async () => {
    assert.equal((await verifyActivationToken(token, jwks, opts)).code, 'VALID');
    const impostor = { keys: [{ ...jwks.keys[0]!, x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' }] };
    assert.equal((await verifyActivationToken(token, impostor, opts)).code, 'BAD_SIGNATURE');
    assert.equal((await verifyActivationToken(token, jwks, opts)).code, 'VALID');
  });

  it('refuses another algorithm in the header', async () => {
    const [, p, s] = token.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: jwks.keys[0]!.kid })).toString('base64url');
    assert.equal((await verifyActivationToken(`${header}.${p}.${s}`, jwks, opts)).code, 'MALFORMED');
    assert.equal((await verifyActivationToken(`${token}.extra`, jwks, opts)).code, 'MALFORMED');
    assert.equal((await verifyActivationToken(token.replace(/\.[^.]+$/, '.***'), jwks, opts)).code, 'MALFORMED');
  });

  it('decodes without verifying, and throws on garbage', () => {
    const decoded = decodeActivationToken(token);
    assert.equal(decoded.header.kid, jwks.keys[0]!.kid);
    assert.equal(decoded.payload.exp - decoded.payload.iat, 30 * 86_400);
    assert.equal(decoded.signature.length, 64);
    assert.throws(() => decodeActivationToken('a.b'));
  });
});
