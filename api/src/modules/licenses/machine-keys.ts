import { createPublicKey, verify } from 'node:crypto';

/** Whether `signature` (base64url) is the Ed25519 signature of `text` by the machine key (raw public key, base64url). */
export function verifyMachineSignature(machineKey: string, text: string, signature: string): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: machineKey }, format: 'jwk' });
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signature, 'base64url'));
  } catch {
    // Not a point on the curve, or not a signature's length: nothing this key signed.
    return false;
  }
}
