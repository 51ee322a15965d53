/**
 * License keys look like `NG-UJ9Y-PD4T-H8XR`: 11 random characters and one
 * check character from an alphabet of 31 without look-alikes (no 0/O, 1/I/L),
 * so a key read aloud or typed from an email survives, and a typo is caught
 * before any database lookup. The check makes the weighted sum
 * Σ position × value (positions 1..12) a multiple of 31; as 31 is prime, this
 * catches every single wrong character and every swap of two different characters.
 */
export const LICENSE_KEY_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const LICENSE_KEY_PATTERN = /^NG-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;

const N = LICENSE_KEY_ALPHABET.length;
const BODY_LENGTH = 11;

/** Fills a buffer with cryptographically strong random bytes. */
export type RandomBytes = (length: number) => Uint8Array;

const webRandomBytes: RandomBytes = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));

function weightedSum(chars: string): number {
  let sum = 0;
  for (let i = 0; i < chars.length; i += 1) sum += (i + 1) * LICENSE_KEY_ALPHABET.indexOf(chars[i]!);
  return sum;
}

/** The inverse of the check position's weight (12) modulo 31: 12 × 13 = 156 = 5 × 31 + 1. */
const CHECK_WEIGHT_INVERSE = 13;

function checkCharacter(body: string): string {
  const missing = (N - (weightedSum(body) % N)) % N;
  return LICENSE_KEY_ALPHABET[(missing * CHECK_WEIGHT_INVERSE) % N]!;
}

function format(chars: string): string {
  return `NG-${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
}

export function generateLicenseKey(randomBytes: RandomBytes = webRandomBytes): string {
  let body = '';
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % N);
  while (body.length < BODY_LENGTH) {
    for (const byte of randomBytes(16)) {
      if (byte < limit && body.length < BODY_LENGTH) body += LICENSE_KEY_ALPHABET[byte % N];
    }
  }
  return format(body + checkCharacter(body));
}

/** Upper-cases and trims what a user typed or pasted. */
export function normalizeLicenseKey(input: string): string {
  return input.trim().toUpperCase();
}

/** True when the key has the right shape and its check character matches. */
export function isValidLicenseKey(key: string): boolean {
  if (!LICENSE_KEY_PATTERN.test(key)) return false;
  return weightedSum(key.slice(3).replace(/-/g, '')) % N === 0;
}
