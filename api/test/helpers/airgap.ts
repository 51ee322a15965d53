import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { ACTIVATION_REQUEST_FORMAT, activationRequestSigningInput, DEACTIVATION_RECEIPT_FORMAT, deactivationReceiptSigningInput } from '@ngn/shared';
import { newFingerprint } from './licenses';

/** An offline machine: its fingerprint and its Ed25519 machine key. */
export function offlineMachine() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { fingerprint: newFingerprint(), privateKey, machineKey: (publicKey.export({ format: 'jwk' }) as { x: string }).x };
}
export type Machine = ReturnType<typeof offlineMachine>;

const signed = (key: KeyObject, text: string) => sign(null, Buffer.from(text), key).toString('base64url');

export function requestFile(m: Machine, licenseKey: string, extra: Record<string, unknown> = {}) {
  const fields = {
    product: 'mixing_mentor',
    license_key: licenseKey,
    fingerprint: m.fingerprint,
    machine_name: 'Studio (offline)',
    os: 'Windows 11',
    nonce: randomBytes(16).toString('base64url'),
    created_at: new Date().toISOString(),
    machine_key: m.machineKey,
    ...extra,
  };
  return { format: ACTIVATION_REQUEST_FORMAT, ...fields, signature: signed(m.privateKey, activationRequestSigningInput(fields as never)) };
}

export function receiptFile(m: Machine, activationId: string, signer: KeyObject = m.privateKey) {
  const fields = {
    activation_id: activationId,
    product: 'mixing_mentor',
    fingerprint: m.fingerprint,
    machine_key: m.machineKey,
    nonce: randomBytes(16).toString('base64url'),
    deactivated_at: new Date().toISOString(),
  };
  return { format: DEACTIVATION_RECEIPT_FORMAT, ...fields, signature: signed(signer, deactivationReceiptSigningInput(fields)) };
}
