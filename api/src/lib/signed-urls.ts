import { createHmac } from 'node:crypto';
import { safeEqual } from './secrets';

/** Separates these MACs from anything else the same secret might sign. */
const CONTEXT = 'ngn-signed-url-v1';

export type SignedUrlVerdict = 'ok' | 'expired' | 'invalid';

/**
 * Short-lived links that need no session: `?expires=<unix s>&sig=<HMAC-SHA256
 * of path and expiry>`. Anyone holding the link may use it until it expires, so
 * lifetimes are minutes; any process with the same secret can check it.
 */
export class UrlSigner {
  constructor(private readonly secret: string) {}

  private mac(pathname: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${CONTEXT}\n${pathname}\n${expires}`).digest('base64url');
  }

  /** Query parameters that make `pathname` fetchable for `ttlSeconds`. */
  sign(pathname: string, ttlSeconds: number, now = Date.now()): { expires: number; sig: string } {
    const expires = Math.floor(now / 1000) + ttlSeconds;
    return { expires, sig: this.mac(pathname, expires) };
  }

  /** The MAC is checked first, so a tampered expiry reads as invalid, not expired. */
  verify(pathname: string, expires: number, sig: string, now = Date.now()): SignedUrlVerdict {
    if (!safeEqual(this.mac(pathname, expires), sig)) return 'invalid';
    return expires * 1000 < now ? 'expired' : 'ok';
  }
}
