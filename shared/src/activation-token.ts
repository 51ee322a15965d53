import { z } from 'zod';
import { clockTampered } from './clock-mark';
import { base64UrlDecode, utf8Bytes, utf8Text, type WebCryptoKey } from './encoding';
import { FINGERPRINT_PATTERN } from './fingerprint';
import { LicenseType, ValidationCode, type Jwks, type PublicJwk } from './schemas/licenses';

/**
 * Activation tokens: compact JWS (RFC 7515), EdDSA over Ed25519 (RFC 8037),
 * header {"alg":"EdDSA","typ":"JWT","kid":...}. The API signs one per machine;
 * the companion writes it to the token file; the plugin verifies it offline
 * against the API's published JWKS. The full format is in docs/activation-token.md.
 */
export const ActivationTokenHeader = z.object({
  alg: z.literal('EdDSA'),
  typ: z.literal('JWT').optional(),
  kid: z.string().min(1).max(200),
});
export type ActivationTokenHeader = z.infer<typeof ActivationTokenHeader>;

/** Times are NumericDates (seconds since the epoch, UTC), as in JWT. */
export const ActivationTokenPayload = z.object({
  /** The API that signed it (its public URL). */
  iss: z.string(),
  /** The activation id. */
  sub: z.string(),
  license_id: z.string(),
  product: z.string(),
  license_type: LicenseType,
  policy: z.string(),
  fingerprint: z.string().regex(FINGERPRINT_PATTERN),
  entitlements: z.array(z.string()),
  iat: z.number().int(),
  /** End of the offline grace: the companion must heartbeat before this. */
  exp: z.number().int(),
  /** The license's own end (subscriptions, trials); null for perpetual licenses. */
  license_expires_at: z.number().int().nullable(),
});
export type ActivationTokenPayload = z.infer<typeof ActivationTokenPayload>;

/** The online codes an offline check can also reach, from the one list of online codes. */
const OnlineCodesOfflineToo = ValidationCode.extract(['VALID', 'PRODUCT_MISMATCH', 'FINGERPRINT_MISMATCH', 'EXPIRED', 'ENTITLEMENT_MISSING']);

/** What an offline check can tell: the online codes that apply, plus token, key, grace and clock problems. */
export const TokenVerdictCode = z.enum([
  ...OnlineCodesOfflineToo.options,
  'MALFORMED',
  'UNKNOWN_KEY',
  'BAD_SIGNATURE',
  'GRACE_EXPIRED',
  'CLOCK_TAMPERED',
]);
export type TokenVerdictCode = z.infer<typeof TokenVerdictCode>;

export interface TokenVerdict {
  valid: boolean;
  code: TokenVerdictCode;
  /** Present once the signature checked out, whatever the verdict. */
  payload?: ActivationTokenPayload;
}

export interface VerifyOptions {
  /** This machine's fingerprint (computeFingerprint). */
  fingerprint: string;
  /** The product the caller is, e.g. 'mixing_mentor'. */
  product: string;
  /** Entitlements the caller needs; all must be in the token. */
  entitlements?: string[];
  /** Defaults to the current time; a number is milliseconds since the epoch. */
  now?: Date | number;
  /** The latest time (seconds) this machine has seen for the product: its clock mark (see clock-mark.ts). */
  clockMark?: number;
}

export interface DecodedActivationToken {
  header: ActivationTokenHeader;
  payload: ActivationTokenPayload;
  signingInput: string;
  signature: Uint8Array<ArrayBuffer>;
}

function parseJson(segment: string): unknown {
  return JSON.parse(utf8Text(base64UrlDecode(segment)));
}

/** Splits and parses a token WITHOUT checking its signature; throws if malformed. */
export function decodeActivationToken(token: string): DecodedActivationToken {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new Error('An activation token has three dot-separated parts.');
  const [h, p, s] = parts as [string, string, string];
  return {
    header: ActivationTokenHeader.parse(parseJson(h)),
    payload: ActivationTokenPayload.parse(parseJson(p)),
    signingInput: `${h}.${p}`,
    signature: base64UrlDecode(s),
  };
}

/** Checks an Ed25519 signature over some bytes with one public key. */
type SignatureCheck = (data: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>) => boolean | Promise<boolean>;

/** The slice of Node's crypto module used when it is there (looked up at run time, never imported). */
interface NodeCrypto {
  createPublicKey(input: { key: object; format: 'jwk' }): unknown;
  verify(algorithm: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
}

const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

/**
 * In Node, its synchronous crypto.verify: WebCrypto's verify queues each call
 * on the thread pool, which costs more than the Ed25519 check itself. In a
 * browser (or any runtime without Node's crypto), WebCrypto.
 */
function signatureCheck(jwk: PublicJwk): SignatureCheck {
  const publicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  if (nodeCrypto) {
    const key = nodeCrypto.createPublicKey({ key: publicJwk, format: 'jwk' });
    return (data, signature) => nodeCrypto.verify(null, data, key, signature);
  }
  const key: Promise<WebCryptoKey> = globalThis.crypto.subtle.importKey('jwk', publicJwk, { name: 'Ed25519' }, false, ['verify']);
  return async (data, signature) => globalThis.crypto.subtle.verify({ name: 'Ed25519' }, await key, signature, data);
}

/**
 * Imported keys, by kid and key material: importing costs more than verifying,
 * and a plugin verifies the same token against the same JWKS again and again.
 */
const checkCache = new Map<string, SignatureCheck>();
const CHECK_CACHE_MAX = 32;

function cachedSignatureCheck(jwk: PublicJwk): SignatureCheck {
  const cacheKey = `${jwk.kid}:${jwk.x}`;
  let check = checkCache.get(cacheKey);
  if (!check) {
    check = signatureCheck(jwk);
    if (checkCache.size >= CHECK_CACHE_MAX) checkCache.delete(checkCache.keys().next().value!);
    checkCache.set(cacheKey, check);
  }
  return check;
}

const verdict = (code: TokenVerdictCode, payload?: ActivationTokenPayload): TokenVerdict =>
  payload ? { valid: code === 'VALID', code, payload } : { valid: code === 'VALID', code };

/**
 * The reference offline check, in this order: well-formed, known key, good
 * signature, right product, this machine, a clock not set back, license not
 * over, grace not over, entitlements present. A plugin in another language must answer the same
 * codes for the test vectors in docs/activation-token.md.
 */
export async function verifyActivationToken(token: string, jwks: Jwks, options: VerifyOptions): Promise<TokenVerdict> {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return verdict('MALFORMED');
  const [h, p, s] = parts as [string, string, string];
  let header: ActivationTokenHeader;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    header = ActivationTokenHeader.parse(parseJson(h));
    signature = base64UrlDecode(s);
  } catch {
    return verdict('MALFORMED');
  }
  const jwk = jwks.keys.find((k) => k.kid === header.kid && k.kty === 'OKP' && k.crv === 'Ed25519');
  if (!jwk) return verdict('UNKNOWN_KEY');

  let signed: boolean;
  try {
    signed = await cachedSignatureCheck(jwk)(utf8Bytes(`${h}.${p}`), signature);
  } catch {
    // A malformed key or signature length: nothing this key signed.
    signed = false;
  }
  if (!signed) return verdict('BAD_SIGNATURE');

  let payload: ActivationTokenPayload;
  try {
    payload = ActivationTokenPayload.parse(parseJson(p));
  } catch {
    return verdict('MALFORMED');
  }
  const nowSeconds = Math.floor((options.now === undefined ? Date.now() : Number(options.now)) / 1000);
  if (payload.product !== options.product) return verdict('PRODUCT_MISMATCH', payload);
  if (payload.fingerprint !== options.fingerprint.toLowerCase()) return verdict('FINGERPRINT_MISMATCH', payload);
  if (clockTampered(nowSeconds, payload.iat, options.clockMark)) return verdict('CLOCK_TAMPERED', payload);
  if (payload.license_expires_at !== null && nowSeconds >= payload.license_expires_at) return verdict('EXPIRED', payload);
  if (nowSeconds >= payload.exp) return verdict('GRACE_EXPIRED', payload);
  if (options.entitlements?.some((e) => !payload.entitlements.includes(e))) return verdict('ENTITLEMENT_MISSING', payload);
  return verdict('VALID', payload);
}
