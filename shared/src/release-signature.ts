/**
 * What a release signature covers, byte for byte. The API signs these bytes
 * with its Ed25519 release key when an artifact is published; the companion
 * rebuilds the same bytes from the file it downloaded (its own sha256) and the
 * release it asked for, and verifies the signature against the keys published
 * at /api/v1/releases/keys before it runs anything.
 *
 * Framing (UTF-8, fields joined by "\n", no trailing newline):
 *
 *   nextgen-noise-release-v1
 *   <sha256 of the artifact, 64 lowercase hex digits>
 *   <product id, e.g. mixing_mentor>
 *   <semantic version, e.g. 1.2.0>
 *   <platform: windows | macos | linux>
 *
 * The first line separates this use of the key from any other; no field may
 * contain a newline (each is checked), so the framing cannot be ambiguous.
 * The signature is the raw 64-byte Ed25519 signature, base64url without padding.
 */
import { base64UrlDecode, utf8Bytes } from './encoding';
import { isSemver } from './semver';

export const RELEASE_SIGNATURE_CONTEXT = 'nextgen-noise-release-v1';

export interface ReleaseSignedFields {
  sha256: string;
  product: string;
  version: string;
  platform: string;
}

/** An Ed25519 public key as published in the release JWKS (RFC 8037). */
export interface ReleasePublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const IDENTIFIER = /^[a-z][a-z0-9_]*$/;

/** The exact bytes that are signed; throws on a field that could break the framing. */
export function releaseSignaturePayload(fields: ReleaseSignedFields): Uint8Array<ArrayBuffer> {
  if (!SHA256_HEX.test(fields.sha256)) throw new Error('sha256 must be 64 lowercase hex digits');
  if (!IDENTIFIER.test(fields.product)) throw new Error('product must be a lowercase identifier');
  if (!IDENTIFIER.test(fields.platform)) throw new Error('platform must be a lowercase identifier');
  if (!isSemver(fields.version)) throw new Error('version must be a semantic version');
  return utf8Bytes([RELEASE_SIGNATURE_CONTEXT, fields.sha256, fields.product, fields.version, fields.platform].join('\n'));
}

/**
 * Verifies a release signature with WebCrypto (Node, Electron and browsers alike).
 * False for an unknown kid, a malformed signature or a mismatch: never throws for
 * bad input, so a caller cannot mistake an exception path for success.
 */
export async function verifyReleaseSignature(
  fields: ReleaseSignedFields,
  signature: { kid: string; value: string },
  jwks: { keys: ReleasePublicJwk[] },
): Promise<boolean> {
  const jwk = jwks.keys.find((k) => k.kid === signature.kid && k.kty === 'OKP' && k.crv === 'Ed25519');
  if (!jwk) return false;
  try {
    const payload = releaseSignaturePayload(fields);
    const sig = base64UrlDecode(signature.value);
    if (sig.length !== 64) return false;
    const key = await globalThis.crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
    return await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, sig, payload);
  } catch {
    return false;
  }
}
