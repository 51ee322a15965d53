import { StripeApiError } from './errors';
import type { StripeState } from './state';

/** Which collection an id belongs to, by the prefix Stripe (and the emulator) gives it. */
function lookup(s: StripeState, id: string): unknown {
  const prefix = id.slice(0, id.indexOf('_'));
  const maps: Record<string, Map<string, unknown>> = {
    ch: s.charges,
    pi: s.paymentIntents,
    cus: s.customers,
    in: s.invoices,
    sub: s.subscriptions,
    price: s.prices,
    re: s.refunds,
    dp: s.disputes,
    cs: s.sessions,
  };
  return maps[prefix]?.get(id);
}

const cannotExpand = (path: string) =>
  new StripeApiError(400, 'invalid_request_error', `This property cannot be expanded (${path}).`, undefined, 'expand');

function expandPath(s: StripeState, node: unknown, parts: string[], path: string): void {
  if (!node || typeof node !== 'object') throw cannotExpand(path);
  const [head, ...rest] = parts as [string, ...string[]];
  const record = node as Record<string, unknown>;
  // A list's `data.x` expands x in every item, as Stripe's does.
  if (head === 'data' && Array.isArray(record.data)) {
    for (const item of record.data) expandPath(s, item, rest, path);
    return;
  }
  if (!(head in record)) throw cannotExpand(path);
  let value = record[head];
  if (value === null) return;
  if (typeof value === 'string') {
    const found = lookup(s, value);
    if (!found) throw cannotExpand(path);
    value = record[head] = structuredClone(found);
  }
  if (typeof value !== 'object') throw cannotExpand(path);
  if (rest.length) expandPath(s, value, rest, path);
}

/**
 * Stripe's `expand[]` parameter: id fields of the answer replaced by the
 * objects they name (a dotted path goes one object deeper per step). A path
 * that names no expandable field is refused with Stripe's 400.
 */
export function expandAnswer(s: StripeState, body: unknown, expand: unknown): unknown {
  if (expand === undefined) return body;
  const paths = Array.isArray(expand) ? expand : [expand];
  if (!paths.every((p): p is string => typeof p === 'string' && p.length > 0)) throw cannotExpand(String(expand));
  if (!paths.length) return body;
  const copy = structuredClone(body);
  for (const path of paths) expandPath(s, copy, path.split('.'), path);
  return copy;
}
