import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { encode, hostileString } from './helpers/fuzz';
import { startPurchaseStack, type PurchaseStack } from './helpers/purchases';
import { rawRequest } from './helpers/raw-http';

/**
 * The pages and files served outside /api/v1 (checkout pages, legal pages,
 * signed downloads, health) with hostile query strings and path segments, as
 * the API routes are fuzzed: never a 5xx, never a stack trace. Query keys
 * include the names Object.prototype carries, which once made
 * `/checkout/error?reason=constructor` answer 500.
 */
const SCALE = process.env.NGN_RELIABILITY === 'full' ? 5 : 1;
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PAGES = ['/checkout', '/checkout/success', '/checkout/error', '/checkout/billing-done', '/terms', '/privacy', '/healthz', '/readyz', '/metrics'];
const PATH_TEMPLATES = ['/checkout/assets/{a}', '/files/{a}/{b}'];
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];
const KEYS = ['session_id', 'reason', 'expires', 'sig', 'period', ...PROTOTYPE_NAMES];

let stack: PurchaseStack;
before(async () => {
  stack = await startPurchaseStack();
  console.log(`# fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
});
after(() => stack?.close());

const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), hostileString), fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileString)), { minLength: 1, maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));

async function get(target: string) {
  const res = await rawRequest(stack.t.url, { method: 'GET', path: target, headers: {} });
  assert.ok(res.status < 500, `GET ${target.slice(0, 200)} answered ${res.status}: ${res.text.slice(0, 300)}`);
  assert.doesNotMatch(res.text, /\n\s+at [^\n]+\.(ts|js):\d+/, `GET ${target.slice(0, 200)} shows a stack trace`);
  return res;
}

describe('pages outside /api/v1 under hostile input', () => {
  it('answers every page with every prototype name as a query value without a 5xx', async () => {
    for (const page of PAGES) {
      for (const name of PROTOTYPE_NAMES) {
        await get(`${page}?reason=${name}&session_id=${name}&${name}=${name}`);
      }
    }
    const error = await get('/checkout/error?reason=constructor');
    assert.equal(error.status, 200);
    assert.match(error.text, /The payment did not go through/);
  });

  it('survives fuzzed query strings on every page and fuzzed path segments', async () => {
    const queries = fc.sample(query, { numRuns: 25 * SCALE, seed: SEED });
    for (const page of PAGES) for (const q of queries) await get(`${page}?${q}`);
    const segments = fc.sample(fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), hostileString), hostileString), { numRuns: 40 * SCALE, seed: SEED + 1 });
    for (const template of PATH_TEMPLATES) {
      for (const [a, b] of segments) await get(template.replace('{a}', encode(a) || 'x').replace('{b}', encode(b) || 'y'));
    }
    assert.equal((await get('/healthz')).status, 200, 'the server is still up');
  });
});
