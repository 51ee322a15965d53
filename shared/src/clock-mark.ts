import { toHex, utf8Bytes } from './encoding';
import { TOKEN_FILE_EXTENSION } from './token-file';

/**
 * The clock rule of docs/activation-token.md: setting the system clock back
 * must not keep a trial or a lapsed subscription alive offline.
 *
 * - A token issued more than CLOCK_FUTURE_IAT_TOLERANCE_SECONDS after `now`
 *   was issued in this machine's future: CLOCK_TAMPERED.
 * - Each product keeps a *clock mark*, the latest time a check has seen, in a
 *   file beside its token; a `now` more than CLOCK_ROLLBACK_TOLERANCE_SECONDS
 *   behind it is CLOCK_TAMPERED.
 *
 * The mark's text is "ngn-clock-v1 <seconds> <hex HMAC-SHA256>\n", the HMAC
 * keyed by the machine's fingerprint over "ngn-clock-v1 <product> <seconds>":
 * an edited mark, or one copied from another machine, is not believed (the
 * token's own iat still bounds the clock). The C SDK reads and writes the same text.
 */
export const CLOCK_MARK_VERSION = 'ngn-clock-v1';
export const CLOCK_MARK_EXTENSION = '.clock';
export const CLOCK_FUTURE_IAT_TOLERANCE_SECONDS = 300;
export const CLOCK_ROLLBACK_TOLERANCE_SECONDS = 86_400;

/** Whether `now` (seconds) is a clock set back, given the token's iat and the mark (0 or undefined: none). */
export function clockTampered(nowSeconds: number, issuedAt: number, clockMark?: number): boolean {
  if (issuedAt - nowSeconds > CLOCK_FUTURE_IAT_TOLERANCE_SECONDS) return true;
  return !!clockMark && clockMark - nowSeconds > CLOCK_ROLLBACK_TOLERANCE_SECONDS;
}

export function clockMarkPath(tokenPath: string): string {
  if (!tokenPath.endsWith(TOKEN_FILE_EXTENSION)) throw new Error(`Not a token file: ${tokenPath}`);
  return tokenPath.slice(0, -TOKEN_FILE_EXTENSION.length) + CLOCK_MARK_EXTENSION;
}

async function markMac(product: string, fingerprint: string, seconds: number): Promise<string> {
  const key = await globalThis.crypto.subtle.importKey('raw', utf8Bytes(fingerprint), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(await globalThis.crypto.subtle.sign('HMAC', key, utf8Bytes(`${CLOCK_MARK_VERSION} ${product} ${seconds}`)));
}

export async function encodeClockMark(product: string, fingerprint: string, seconds: number): Promise<string> {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new Error(`Not a time in seconds: ${seconds}`);
  return `${CLOCK_MARK_VERSION} ${seconds} ${await markMac(product, fingerprint, seconds)}\n`;
}

const MARK_TEXT = /^ngn-clock-v1 ([1-9][0-9]{0,11}) ([0-9a-f]{64})\r?\n?$/;

/** The mark's time in seconds, or undefined when the text is not a mark of this product and machine. */
export async function decodeClockMark(text: string, product: string, fingerprint: string): Promise<number | undefined> {
  const match = MARK_TEXT.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]);
  return (await markMac(product, fingerprint, seconds)) === match[2] ? seconds : undefined;
}
