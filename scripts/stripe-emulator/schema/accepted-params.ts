import { readFileSync } from 'node:fs';
import { StripeApiError } from '../errors';
import type { FormValue } from '../form-encoding';
import type { ParamTree } from './from-stripe-types';

/** Written by `npm run stripe-emulator:params` from the pinned `stripe` package's types; a test keeps it current. */
export const ACCEPTED_PARAMS_FILE = new URL('./accepted-params.json', import.meta.url);

let accepted: Record<string, ParamTree> | undefined;
const acceptedParams = () => (accepted ??= JSON.parse(readFileSync(ACCEPTED_PARAMS_FILE, 'utf8')) as Record<string, ParamTree>);

/** The first name in `value` that `tree` does not accept, in Stripe's bracket notation (`line_items[0][foo]`). */
function firstUnknown(tree: ParamTree, value: FormValue, at: string): string | undefined {
  if (tree === true || tree === '*' || typeof value === 'string') return undefined;
  if (Array.isArray(tree)) {
    const items = Array.isArray(value) ? value : Object.values(value);
    for (const [i, item] of items.entries()) {
      const found = firstUnknown(tree[0]!, item, `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (Array.isArray(value)) return at;
  for (const [key, child] of Object.entries(value)) {
    const name = at ? `${at}[${key}]` : key;
    if (!(key in tree)) return name;
    const found = firstUnknown(tree[key]!, child, name);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuses a parameter the endpoint does not take, as Stripe does: an unknown
 * name, or one this API version removed (`payment_method_types` on Checkout
 * Sessions), is a 400 `parameter_unknown` instead of being silently ignored.
 */
export function refuseUnknownParams(paramsType: string, params: Record<string, FormValue>): void {
  const tree = acceptedParams()[paramsType];
  if (!tree) throw new Error(`accepted-params.json has no ${paramsType}: run npm run stripe-emulator:params`);
  const unknown = firstUnknown(tree, params, '');
  if (unknown) {
    throw new StripeApiError(400, 'invalid_request_error', `Received unknown parameter: ${unknown}`, 'parameter_unknown', unknown);
  }
}
