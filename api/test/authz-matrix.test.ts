import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPurchaseStack, type PurchaseStack } from './helpers/purchases';
import { rawRequest } from './helpers/raw-http';
import { expectedStatus, PRINCIPALS, rightfulCaller, ROUTES, World, type Account, type Principal, type RouteRow, type TableRequest } from './helpers/route-table';

/**
 * The authorization matrix: every route × {anonymous, user A, user B,
 * support, admin, expired token, revoked token, tampered token} → the status
 * one table (helpers/route-table.ts) says. Each caller gets fresh fixtures, so
 * one caller's success cannot hide another's refusal. A route the OpenAPI
 * document lists but the table does not is a failure: new routes must say who
 * may call them.
 */
let s: PurchaseStack;
let w: World;
let documented: string[];

before(async () => {
  s = await startPurchaseStack({}, { RATE_LIMIT_VALIDATE_PER_MINUTE: '100000', RATE_LIMIT_TELEMETRY_PER_MINUTE: '100000' });
  const doc = (await s.t.get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/^\/api\/v1/, '')}`));
  const base = new World(s, {} as World['accounts']);
  w = new World(s, {
    user_a: await base.signedUp('user'),
    user_b: await base.signedUp('user'),
    support: await base.signedUp('support'),
    admin: await base.signedUp('admin'),
  });
});
after(() => s?.close());

/** Broken credentials first and the rightful callers last, so a call that succeeds cannot change what an earlier one saw. */
const RUN_ORDER: Principal[] = ['anonymous', 'expired', 'revoked', 'tampered', 'user_b', 'support', 'admin', 'user_a'];

async function credentials(row: RouteRow, who: Principal, accounts: World['accounts']): Promise<string | undefined> {
  switch (who) {
    case 'anonymous':
      return undefined;
    case 'expired':
      return w.token(accounts[rightfulCaller(row)], { expired: true });
    case 'revoked':
      return w.token(accounts[rightfulCaller(row)], { revoked: true });
    case 'tampered':
      // A's own token, edited to claim the admin's identity and role.
      return w.tamperedToken(accounts.user_a);
    default:
      return w.token(accounts[who]);
  }
}

async function send(row: RouteRow, req: TableRequest, token: string | undefined) {
  const [method, template] = row.route.split(' ') as [string, string];
  const path = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(req.path?.[name] ?? 'missing'));
  const query = req.query ? `?${new URLSearchParams(req.query)}` : '';
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (req.raw) {
    headers['content-type'] = req.raw.contentType;
    Object.assign(headers, req.raw.headers);
    body = req.raw.body;
  } else if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.body);
  }
  return rawRequest(s.t.url, { method, path: `/api/v1${path}${query}`, headers, body });
}

describe('authorization matrix', () => {
  it('the table lists every documented route, and only those', () => {
    assert.deepEqual([...RUN_ORDER].sort(), [...PRINCIPALS].sort());
    const rows = ROUTES.map((r) => r.route);
    assert.deepEqual(documented.filter((r) => !rows.includes(r)), [], 'routes without a row in the table');
    assert.deepEqual(rows.filter((r) => !documented.includes(r)), [], 'rows for routes that do not exist');
    assert.equal(new Set(rows).size, rows.length, 'a route appears twice');
  });

  it('every route answers every caller as the table says', async () => {
    const mismatches: string[] = [];
    for (const row of ROUTES.filter((r) => documented.includes(r.route))) {
      const accounts = row.throwawayCallers
        ? {
            user_a: await w.signedUp('user'),
            user_b: await w.signedUp('user'),
            support: await w.signedUp('support'),
            admin: await w.signedUp('admin'),
          }
        : w.accounts;
      for (const who of RUN_ORDER) {
        const caller: Account | undefined = who in accounts ? accounts[who as keyof typeof accounts] : undefined;
        const req = await row.prepare(w, caller);
        const res = await send(row, req, await credentials(row, who, accounts));
        const expected = expectedStatus(row, who);
        if (res.status !== expected) mismatches.push(`${row.route} as ${who}: expected ${expected}, got ${res.status} ${res.text.slice(0, 200)}`);
        if (res.status >= 400 && !(res.json && typeof (res.json as { error?: unknown }).error === 'string')) {
          mismatches.push(`${row.route} as ${who}: ${res.status} without the error shape`);
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });
});
