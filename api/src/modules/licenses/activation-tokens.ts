import { decodeActivationToken, type ActivateResponse, type ActivationTokenPayload, type LicenseType } from '@ngn/shared';
import type { KeyRing } from '../../lib/signing-keys';
import type { LicenseRow } from './rows';

export interface TokenSubject {
  activationId: string;
  licenseId: string;
  product: string;
  licenseType: LicenseType;
  policy: string;
  fingerprint: string;
  entitlements: string[];
  licenseExpiresAt: Date | null;
  offlineGraceDays: number;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** When a token issued now expires: after the offline grace, never after the license (whole seconds). */
export function tokenExpiry(now: Date, offlineGraceDays: number, licenseExpiresAt: Date | null): Date {
  const grace = (seconds(now) + offlineGraceDays * 86_400) * 1000;
  const license = licenseExpiresAt ? seconds(licenseExpiresAt) * 1000 : Infinity;
  return new Date(Math.min(grace, license));
}

/**
 * Signs an activation token (compact JWS, EdDSA). It lives for the policy's
 * offline grace, never past the license's own expiry.
 */
export function signActivationToken(
  ring: KeyRing,
  issuer: string,
  subject: TokenSubject,
  now = new Date(),
): { token: string; expiresAt: Date } {
  const iat = seconds(now);
  const exp = seconds(tokenExpiry(now, subject.offlineGraceDays, subject.licenseExpiresAt));
  const payload: ActivationTokenPayload = {
    iss: issuer,
    sub: subject.activationId,
    license_id: subject.licenseId,
    product: subject.product,
    license_type: subject.licenseType,
    policy: subject.policy,
    fingerprint: subject.fingerprint,
    entitlements: subject.entitlements,
    iat,
    exp,
    license_expires_at: subject.licenseExpiresAt ? seconds(subject.licenseExpiresAt) : null,
  };
  const signingInput = `${segment({ alg: 'EdDSA', typ: 'JWT', kid: ring.signingKid })}.${segment(payload)}`;
  const { signature } = ring.sign(signingInput);
  return { token: `${signingInput}.${signature.toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}

/**
 * The payload of a token this API signed with any key of the ring, expired or
 * not (the heartbeat decides what expiry means); null if it is not ours.
 */
export function readOwnActivationToken(ring: KeyRing, token: string): ActivationTokenPayload | null {
  try {
    const decoded = decodeActivationToken(token);
    return ring.verify(decoded.header.kid, decoded.signingInput, Buffer.from(decoded.signature)) ? decoded.payload : null;
  } catch {
    return null;
  }
}

/** The terms one activation's token is signed under, and what its answer says about the seats. */
export interface ActivationTerms {
  activationId: string;
  fingerprint: string;
  licenseExpiresAt: Date | null;
  offlineGraceDays: number;
  activationsRemaining: number;
  alreadyActive: boolean;
  rebound: ActivateResponse['rebound'];
}

/** The answer to an activation (online, by file, an emergency): the machine's signed token and the license it holds. */
export function activationAnswer(ring: KeyRing, issuer: string, license: LicenseRow, terms: ActivationTerms, now: Date): ActivateResponse {
  const { token, expiresAt } = signActivationToken(ring, issuer, {
    activationId: terms.activationId,
    licenseId: license.id,
    product: license.product_id,
    licenseType: license.license_type,
    policy: license.policy,
    fingerprint: terms.fingerprint,
    entitlements: license.entitlements,
    licenseExpiresAt: terms.licenseExpiresAt,
    offlineGraceDays: terms.offlineGraceDays,
  }, now);
  return {
    status: 'activated',
    activation_id: terms.activationId,
    activation_token: token,
    token_expires_at: expiresAt.toISOString(),
    license_id: license.id,
    license_key: license.license_key,
    product: license.product_id,
    policy: license.policy,
    license_type: license.license_type,
    max_activations: license.max_activations,
    activations_remaining: terms.activationsRemaining,
    expires_at: license.expires_at?.toISOString() ?? null,
    entitlements: license.entitlements,
    already_active: terms.alreadyActive,
    rebound: terms.rebound,
  };
}
