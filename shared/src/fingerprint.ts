import { toHex, utf8Bytes, type WebCryptoKey } from './encoding';

/**
 * The machine fingerprint rule, shared by the companion, the API and plugins:
 *
 *   fingerprint = lowercase hex( HMAC-SHA256( key = UTF-8(FINGERPRINT_KEY),
 *                                             message = UTF-8(lowercase(trim(raw_machine_id))) ) )
 *
 * `raw_machine_id` is what node-machine-id returns in "original" mode:
 * Windows HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid, macOS IOPlatformUUID,
 * Linux /var/lib/dbus/machine-id (else /etc/machine-id). Hashing with a fixed
 * key means the raw id never leaves the machine, yet a C++ plugin can compute the
 * same 64 hex characters with any HMAC-SHA256 implementation.
 */
export const FINGERPRINT_KEY = 'nextgen-noise/machine-fingerprint/v1';

/** 64 lowercase hex characters. */
export const FINGERPRINT_PATTERN = /^[0-9a-f]{64}$/;

let keyPromise: Promise<WebCryptoKey> | undefined;

function hmacKey(): Promise<WebCryptoKey> {
  keyPromise ??= globalThis.crypto.subtle.importKey(
    'raw',
    utf8Bytes(FINGERPRINT_KEY),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return keyPromise;
}

export function normalizeMachineId(rawMachineId: string): string {
  return rawMachineId.trim().toLowerCase();
}

export async function computeFingerprint(rawMachineId: string): Promise<string> {
  const normalized = normalizeMachineId(rawMachineId);
  if (!normalized) throw new Error('The machine id is empty.');
  const mac = await globalThis.crypto.subtle.sign('HMAC', await hmacKey(), utf8Bytes(normalized));
  return toHex(mac);
}
