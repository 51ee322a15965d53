import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { releaseSignaturePayload, verifyReleaseSignature, type ReleasePublicJwk } from '../src/release-signature';

const fields = { sha256: 'ab'.repeat(32), product: 'mixing_mentor', version: '1.2.0', platform: 'windows' };

function keyPair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string };
  return { privateKey, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid } as ReleasePublicJwk };
}

describe('release signature', () => {
  it('frames the signed fields unambiguously', () => {
    assert.equal(
      new TextDecoder().decode(releaseSignaturePayload(fields)),
      `nextgen-noise-release-v1\n${'ab'.repeat(32)}\nmixing_mentor\n1.2.0\nwindows`,
    );
    assert.throws(() => releaseSignaturePayload({ ...fields, platform: 'windows\nlinux' }));
    assert.throws(() => releaseSignaturePayload({ ...fields, sha256: 'AB'.repeat(32) }));
    assert.throws(() => releaseSignaturePayload({ ...fields, version: '1.2' }));
  });

  it('verifies with the right key and refuses any other field, key or signature', async () => {
    const a = keyPair('a');
    const b = keyPair('b');
    const value = sign(null, releaseSignaturePayload(fields), a.privateKey).toString('base64url');
    const jwks = { keys: [b.jwk, a.jwk] };
    assert.equal(await verifyReleaseSignature(fields, { kid: 'a', value }, jwks), true);
    assert.equal(await verifyReleaseSignature(fields, { kid: 'b', value }, jwks), false);
    assert.equal(await verifyReleaseSignature(fields, { kid: 'c', value }, jwks), false);
    assert.equal(await verifyReleaseSignature({ ...fields, product: 'companion' }, { kid: 'a', value }, jwks), false);
    assert.equal(await verifyReleaseSignature(fields, { kid: 'a', value: value.slice(0, -2) }, jwks), false);
    assert.equal(await verifyReleaseSignature(fields, { kid: 'a', value: '!!!' }, jwks), false);
  });
});
