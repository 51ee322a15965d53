/**
 * `npm run stripe-emulator:params`: writes accepted-params.json, the parameter
 * names each emulated endpoint accepts, read from the pinned `stripe` package's
 * types. Run it after upgrading `stripe`; the emulator's fidelity test fails
 * until the file matches the installed package.
 */
import { writeFileSync } from 'node:fs';
import { API_ROUTES } from '../api-routes';
import { ACCEPTED_PARAMS_FILE } from './accepted-params';
import { stripeShapes } from './from-stripe-types';

export function acceptedParamsJson(): string {
  const types = [...new Set(API_ROUTES.map((r) => r.paramsType))].sort();
  const { params } = stripeShapes({}, Object.fromEntries(types.map((t) => [t, `Stripe.${t}`])));
  return `${JSON.stringify(params, null, 1)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(ACCEPTED_PARAMS_FILE, acceptedParamsJson());
  console.log(`wrote ${ACCEPTED_PARAMS_FILE.pathname}`);
}
