import { invalidParam, missingParam } from './errors';
import type { FormObject } from './form-encoding';
import { newId, type Price } from './objects';
import { metadataParam, stringParam, type StripeState } from './state';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

/** POST /v1/prices: Stripe's required `currency` and `unit_amount`, a `product` or `product_data[name]`, optional `recurring[interval]`. */
export function createPrice(s: StripeState, params: FormObject): Price {
  const currency = stringParam(params, 'currency');
  if (!currency) throw missingParam('currency');
  if (!/^[a-zA-Z]{3}$/.test(currency)) throw invalidParam('currency', `Invalid currency: ${currency}.`);
  const rawAmount = stringParam(params, 'unit_amount');
  if (rawAmount === undefined) throw missingParam('unit_amount');
  const unitAmount = Number(rawAmount);
  if (!Number.isInteger(unitAmount) || unitAmount < 0) throw invalidParam('unit_amount', 'Invalid integer: ' + rawAmount, 'parameter_invalid_integer');
  const productData = params.product_data;
  let product = stringParam(params, 'product');
  if (!product && productData && typeof productData === 'object' && !Array.isArray(productData)) {
    if (!stringParam(productData, 'name')) throw missingParam('product_data[name]');
    product = newId('prod');
  }
  if (!product) throw missingParam('product');
  const recurring = params.recurring;
  let interval: (typeof INTERVALS)[number] | undefined;
  if (recurring !== undefined) {
    if (typeof recurring !== 'object' || Array.isArray(recurring)) throw invalidParam('recurring', 'Invalid hash');
    const value = stringParam(recurring, 'interval');
    if (!value) throw missingParam('recurring[interval]');
    if (!(INTERVALS as readonly string[]).includes(value)) throw invalidParam('recurring[interval]', `Invalid recurring[interval]: must be one of ${INTERVALS.join(', ')}`);
    interval = value as (typeof INTERVALS)[number];
  }
  const price = s.addPrice({
    id: newId('price'),
    product,
    nickname: stringParam(params, 'nickname') ?? null,
    unit_amount: unitAmount,
    currency,
    ...(interval ? { recurring: { interval } } : {}),
  });
  price.metadata = metadataParam(params);
  s.emit('price.created', price);
  return price;
}

/** POST /v1/prices/:id: amounts never change on a Stripe price (the server refuses those names); `active`, `nickname` and `metadata` do. */
export function updatePrice(s: StripeState, id: string, params: FormObject): Price {
  const price = s.find(s.prices, id, 'price');
  const previous: Record<string, unknown> = {};
  const active = stringParam(params, 'active');
  if (active !== undefined) {
    if (active !== 'true' && active !== 'false') throw invalidParam('active', 'Invalid boolean: ' + active, 'parameter_invalid_boolean');
    previous.active = price.active;
    price.active = active === 'true';
  }
  const nickname = stringParam(params, 'nickname');
  if (nickname !== undefined) {
    previous.nickname = price.nickname;
    price.nickname = nickname;
  }
  if (params.metadata !== undefined) {
    previous.metadata = price.metadata;
    price.metadata = { ...price.metadata, ...metadataParam(params) };
  }
  s.emit('price.updated', price, previous);
  return price;
}
