/**
 * The prices the emulator knows from the start. Their ids and amounts match the
 * API's seeded plans (migration 0003), so a fresh `npm start` can sell every plan
 * offline; a test checks the two stay in step.
 */
export interface PriceDefinition {
  id: string;
  product: string;
  nickname: string | null;
  unit_amount: number;
  currency: string;
  recurring?: { interval: 'day' | 'week' | 'month' | 'year'; interval_count?: number };
}

export const DEFAULT_PRICES: PriceDefinition[] = [
  { id: 'price_ngn_standard_perpetual', product: 'prod_ngn_mixing_mentor', nickname: 'Mixing Mentor Standard', unit_amount: 2999, currency: 'usd' },
  { id: 'price_ngn_pro_perpetual', product: 'prod_ngn_mixing_mentor', nickname: 'Mixing Mentor Pro', unit_amount: 5999, currency: 'usd' },
  {
    id: 'price_ngn_standard_subscription',
    product: 'prod_ngn_mixing_mentor',
    nickname: 'Mixing Mentor Standard (monthly)',
    unit_amount: 499,
    currency: 'usd',
    recurring: { interval: 'month' },
  },
  {
    id: 'price_ngn_pro_subscription',
    product: 'prod_ngn_mixing_mentor',
    nickname: 'Mixing Mentor Pro (monthly)',
    unit_amount: 999,
    currency: 'usd',
    recurring: { interval: 'month' },
  },
];
