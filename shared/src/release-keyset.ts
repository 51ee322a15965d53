/**
 * The release keyset: which Ed25519 release keys may sign releases, and when.
 * An offline root key signs it; the API only stores and serves it, so a
 * compromised API cannot add a key of its own. The Companion pins the root's
 * public key in its build, accepts a keyset only when a pinned root signed it
 * and its version is not lower than the last one it accepted, and verifies
 * release signatures with the keys the keyset lists for the present time.
 *
 * Document (JSON): { "payload": "<JSON text of KeysetPayload>", "root_kid": "...",
 * "signature": "<base64url Ed25519 over the UTF-8 of KEYSET_CONTEXT + '\n' + payload>" }.
 * The payload travels as text so the signed bytes are exactly the bytes served,
 * with no canonical JSON to agree on.
 */
import { z } from 'zod';
import { base64UrlDecode, utf8Bytes } from './encoding';
import type { ReleasePublicJwk } from './release-signature';

export const KEYSET_CONTEXT = 'nextgen-noise-release-keyset-v1';

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/);
const Kid = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);

export const KeysetKey = z.strictObject({
  kid: Kid,
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: Base64Url,
  not_before: z.iso.datetime({ offset: true }),
  not_after: z.iso.datetime({ offset: true }),
});
export type KeysetKey = z.infer<typeof KeysetKey>;

export const KeysetPayload = z.strictObject({
  version: z.number().int().positive(),
  issued_at: z.iso.datetime({ offset: true }),
  keys: z.array(KeysetKey).max(64),
});
export type KeysetPayload = z.infer<typeof KeysetPayload>;

export const ReleaseKeyset = z.strictObject({
  payload: z.string().max(64 * 1024),
  root_kid: Kid,
  signature: Base64Url,
});
export type ReleaseKeyset = z.infer<typeof ReleaseKeyset>;

/** A pinned root public key (Ed25519, RFC 8037 JWK). */
export const RootPublicJwk = z.object({ kid: Kid, kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: Base64Url });
export type RootPublicJwk = z.infer<typeof RootPublicJwk>;

/** The exact bytes the root signs. */
export function keysetSignedBytes(payload: string): Uint8Array<ArrayBuffer> {
  return utf8Bytes(`${KEYSET_CONTEXT}\n${payload}`);
}

/** Reads the payload without checking the signature (the API, which holds no root, uses it to find release keys). */
export function parseKeysetPayload(doc: ReleaseKeyset): KeysetPayload | null {
  try {
    const parsed = KeysetPayload.safeParse(JSON.parse(doc.payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export type KeysetVerdict =
  | { ok: true; keyset: KeysetPayload }
  | { ok: false; reason: 'malformed' | 'unknown_root' | 'bad_signature' | 'rolled_back' };

/**
 * Checks a keyset against the pinned roots and the last version accepted.
 * Never throws for bad input: every failure is a verdict.
 */
export async function verifyReleaseKeyset(input: unknown, roots: readonly RootPublicJwk[], minVersion: number): Promise<KeysetVerdict> {
  const doc = ReleaseKeyset.safeParse(input);
  if (!doc.success) return { ok: false, reason: 'malformed' };
  const root = roots.find((r) => r.kid === doc.data.root_kid);
  if (!root) return { ok: false, reason: 'unknown_root' };
  let valid = false;
  try {
    const key = await globalThis.crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: root.x }, { name: 'Ed25519' }, false, ['verify']);
    const sig = base64UrlDecode(doc.data.signature);
    valid = sig.length === 64 && (await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, sig, keysetSignedBytes(doc.data.payload)));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad_signature' };
  const payload = parseKeysetPayload(doc.data);
  if (!payload) return { ok: false, reason: 'malformed' };
  if (payload.version < minVersion) return { ok: false, reason: 'rolled_back' };
  return { ok: true, keyset: payload };
}

/** The release keys of a keyset that may sign at `at` (inside their not-before/not-after window). */
export function activeReleaseKeys(keyset: KeysetPayload, at: Date): { keys: ReleasePublicJwk[] } {
  const t = at.getTime();
  return {
    keys: keyset.keys
      .filter((k) => Date.parse(k.not_before) <= t && t <= Date.parse(k.not_after))
      .map((k) => ({ kty: k.kty, crv: k.crv, x: k.x, kid: k.kid })),
  };
}
