import { CompanionError } from '../contract/errors';
import type { ApiClient } from './api-client';
import { isBillingPortalUrl, isCheckoutUrl } from './url-policy';

/**
 * Which checkout pages the Companion opens: those on the API's public origin,
 * as the API itself states it (`GET /client-config`), never a guess from the
 * address the Companion happens to reach it at (127.0.0.1 and localhost are
 * different origins). Learned once per configured API.
 */
export class CheckoutPages {
  private learned: { apiUrl: string; origin: Promise<string> } | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly apiUrl: () => string,
  ) {}

  /** The API's public origin; a failed lookup is not kept, so the next call asks again. */
  origin(): Promise<string> {
    const apiUrl = this.apiUrl();
    if (this.learned?.apiUrl !== apiUrl) {
      const origin = this.api
        .call('clientConfig')
        .then((c) => new URL(c.public_url).origin);
      origin.catch(() => {
        if (this.learned?.origin === origin) this.learned = undefined;
      });
      this.learned = { apiUrl, origin };
    }
    return this.learned.origin;
  }

  /** Refuses anything but a checkout page of the API; returns the origin the checkout window may stay on. */
  async check(url: string): Promise<string> {
    const origin = await this.origin();
    if (!isCheckoutUrl(url, origin)) throw new CompanionError('url_not_allowed', 'This is not a NextGen Noise checkout page.');
    return origin;
  }

  /** The signed-in subscriber's billing portal (cancel, resume, card), checked to be Stripe's before any window opens it. */
  async billingPortal(): Promise<string> {
    const { url } = await this.api.call('billingPortal');
    if (!isBillingPortalUrl(url, this.apiUrl())) throw new CompanionError('url_not_allowed', 'The billing page the server gave is not on Stripe.');
    return url;
  }
}
