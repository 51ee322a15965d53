import { z } from 'zod';
import { IsoDateTime, Uuid } from './common';
import { Fingerprint, HardwareComponents, LicenseKeyInput, MachineText, ProductId, Version } from './licenses';

/**
 * Activation of a computer that never goes online, by files carried on a USB
 * stick or a phone (docs/licensing.md, "Offline machines"):
 *
 * 1. The offline machine writes an activation request (.ngnreq), signed with
 *    its machine key (Ed25519, kept in its keychain).
 * 2. Any online device uploads it (another Companion, or the API's /offline
 *    page) and gets an activation response (.ngnresp): the usual activation
 *    token for that machine, under the same seat rules as online.
 * 3. To let go, the offline machine deletes its token and writes a
 *    deactivation receipt signed with the same key; uploading it frees the seat
 *    at once, since the machine proved it let go.
 *
 * Signatures are over `signingInput(...)`: the format line, then one
 * `name=<JSON value>` line per field in the order below, so any language can
 * rebuild the exact bytes.
 */
export const ACTIVATION_REQUEST_FORMAT = 'ngn-activation-request/v1';
export const ACTIVATION_RESPONSE_FORMAT = 'ngn-activation-response/v1';
export const DEACTIVATION_RECEIPT_FORMAT = 'ngn-deactivation-receipt/v1';

/** Raw 32-byte Ed25519 public key, base64url (as a JWK's x). */
export const MachineKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'A machine key is a 32-byte Ed25519 public key, base64url.');
/** 64-byte Ed25519 signature, base64url. */
const Signature = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'A signature is 64 bytes, base64url.');
const Nonce = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'A nonce is 16 to 64 base64url characters.');

const REQUEST_FIELDS = ['product', 'license_key', 'fingerprint', 'components', 'machine_name', 'os', 'app_version', 'nonce', 'created_at', 'machine_key'] as const;
const RECEIPT_FIELDS = ['activation_id', 'product', 'fingerprint', 'machine_key', 'nonce', 'deactivated_at'] as const;

export const ActivationRequestFile = z.strictObject({
  format: z.literal(ACTIVATION_REQUEST_FORMAT),
  product: ProductId,
  license_key: LicenseKeyInput,
  fingerprint: Fingerprint,
  components: HardwareComponents.optional(),
  machine_name: MachineText,
  os: MachineText,
  app_version: Version.optional(),
  nonce: Nonce,
  created_at: IsoDateTime,
  machine_key: MachineKey,
  signature: Signature,
});
export type ActivationRequestFile = z.output<typeof ActivationRequestFile>;

export const ActivationResponseFile = z.strictObject({
  format: z.literal(ACTIVATION_RESPONSE_FORMAT),
  request_nonce: Nonce,
  product: ProductId,
  license_key: z.string(),
  fingerprint: Fingerprint,
  machine_key: MachineKey,
  activation_id: Uuid,
  activation_token: z.string().min(1).max(8192),
  token_expires_at: IsoDateTime,
  issued_at: IsoDateTime,
});
export type ActivationResponseFile = z.infer<typeof ActivationResponseFile>;

export const DeactivationReceiptFile = z.strictObject({
  format: z.literal(DEACTIVATION_RECEIPT_FORMAT),
  activation_id: Uuid,
  product: ProductId,
  fingerprint: Fingerprint,
  machine_key: MachineKey,
  nonce: Nonce,
  deactivated_at: IsoDateTime,
  signature: Signature,
});
export type DeactivationReceiptFile = z.output<typeof DeactivationReceiptFile>;

export const OfflineDeactivateResponse = z.object({ status: z.literal('deactivated'), activation_id: Uuid });

/** Components are a flat map: signed with their names sorted, so the order they were sent in does not matter. */
function canonical(value: unknown): string {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }
  return JSON.stringify(value ?? null);
}

function signingInput(format: string, fields: readonly string[], file: Record<string, unknown>): string {
  return [format, ...fields.map((name) => `${name}=${canonical(file[name])}`)].join('\n');
}

export function activationRequestSigningInput(request: Omit<ActivationRequestFile, 'signature' | 'format'>): string {
  return signingInput(ACTIVATION_REQUEST_FORMAT, REQUEST_FIELDS, request);
}

export function deactivationReceiptSigningInput(receipt: Omit<DeactivationReceiptFile, 'signature' | 'format'>): string {
  return signingInput(DEACTIVATION_RECEIPT_FORMAT, RECEIPT_FIELDS, receipt);
}
