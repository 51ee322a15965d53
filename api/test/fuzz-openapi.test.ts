import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorBody } from '@ngn/shared';
import { GOOD_PASSWORD, signUpAs, type TestApi } from './helpers/api';
import { changedTables, snapshotTables } from './helpers/db-snapshot';
import {
  brokenJson,
  encode,
  hostileString,
  invalidBodies,
  nonObjectJson,
  operations,
  shaped,
  type OpenApiDocument,
  type OpenApiOperation,
} from './helpers/fuzz';
import { startPurchaseStack, type PurchaseStack } from './helpers/purchases';
import { rawRequest, type RawRequest, type RawResponse } from './helpers/raw-http';
import { rightfulCaller, ROUTES, World, type TableRequest } from './helpers/route-table';

/**
 * Hostile input against every route of the OpenAPI document, so a new route
 * is covered the day it is registered. Two properties:
 *  - input that cannot be valid (broken JSON, wrong types, unknown keys,
 *    oversize bodies, hostile path parameters) is refused with a 4xx in the
 *    error shape and writes nothing;
 *  - input that may be valid but is hostile (SQL injection, path traversal,
 *    unicode edge cases in every string, odd headers and queries) never
 *    gets a 5xx, and the server stays up.
 * NGN_RELIABILITY=full runs five times as many cases; FUZZ_SEED replays a run.
 */
const SCALE = process.env.NGN_RELIABILITY === 'full' ? 5 : 1;
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = { brokenJson: 3, nonObject: 2, invalidBody: 4, hostileBody: 12, hostileQuery: 8, hostilePath: 6, hostileHeaders: 4, validMutated: 10 };

let stack: PurchaseStack;
let t: TestApi;
let doc: OpenApiDocument;
let ops: OpenApiOperation[];
let adminEmail: string;
let adminToken: string;
let world: World;

before(async () => {
  stack = await startPurchaseStack({}, {
    RATE_LIMIT_VALIDATE_PER_MINUTE: '1000000',
    RATE_LIMIT_TELEMETRY_PER_MINUTE: '1000000',
    // Keeps the oversize case cheap; the limit is the same code path at any size.
    BODY_LIMIT_KB: '64',
  });
  t = stack.t;
  doc = (await t.get('/openapi.json')).body as OpenApiDocument;
  ops = operations(doc).sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
  const admin = await signUpAs(t, 'admin');
  adminEmail = admin.email;
  adminToken = admin.access;
  const base = new World(stack, {} as World['accounts']);
  world = new World(stack, {
    user_a: await base.signedUp('user'),
    user_b: await base.signedUp('user'),
    support: await base.signedUp('support'),
    admin: await base.signedUp('admin'),
  });
  console.log(`# fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${ops.length} operations`);
});
after(() => stack?.close());

/** Each route gets its own stream of cases from the run's seed. */
function sample<T>(arb: fc.Arbitrary<T>, runs: number, salt: string): T[] {
  let h = SEED;
  for (const c of salt) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return fc.sample(arb, { numRuns: runs * SCALE, seed: h });
}


/** Path parameters as raw strings (already percent-encoded where needed). */
function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-zA-Z_]+)\}/g, (_, name: string) => values[name] ?? 'x');
}

function plausiblePathValues(op: OpenApiOperation, salt: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of op.parameters.filter((x) => x.in === 'path')) {
    values[p.name] = encode(String(sample(shaped(p.schema ?? { type: 'string' }, doc, false), 1, `${salt}${p.name}`)[0] ?? 'x'));
  }
  return values;
}

const RAW_PATH_ATTACKS = ['..%2F..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%5C..%5Cwin.ini', '%00', '%C3%28', '%FF%FE', '....%2F%2F', '%252e%252e%252f'];

const jsonHeaders = () => ({ 'content-type': 'application/json', authorization: `Bearer ${adminToken}` });

interface Case {
  label: string;
  request: RawRequest;
}

/** Cases that cannot be valid input: each must get a 4xx and change no row. */
function refusalCases(op: OpenApiOperation): Case[] {
  const cases: Case[] = [];
  const salt = `${op.method} ${op.path}`;
  const path = fillPath(op.path, plausiblePathValues(op, salt));
  if (op.body) {
    for (const body of sample(brokenJson, RUNS.brokenJson, `${salt}broken`)) cases.push({ label: 'broken JSON', request: { method: op.method, path, headers: jsonHeaders(), body } });
    for (const body of sample(nonObjectJson, RUNS.nonObject, `${salt}nonobject`)) cases.push({ label: 'non-object JSON', request: { method: op.method, path, headers: jsonHeaders(), body } });
    const invalid = invalidBodies(op.body, doc);
    if (invalid) {
      for (const body of sample(invalid, RUNS.invalidBody, `${salt}invalid`)) {
        cases.push({ label: 'wrong type or unknown key', request: { method: op.method, path, headers: jsonHeaders(), body: JSON.stringify(body) } });
      }
    }
  }
  if (op.method !== 'GET') {
    const oversize = JSON.stringify({ padding: 'x'.repeat(80 * 1024) });
    cases.push({ label: 'oversize body', request: { method: op.method, path, headers: jsonHeaders(), body: oversize } });
  }
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  if (pathParams.length) {
    // An empty segment would route elsewhere (e.g. to the list), which is not an attack on this route.
    const attack = fc.oneof(hostileString.map(encode), fc.constantFrom(...RAW_PATH_ATTACKS)).filter((a) => a !== '');
    const attacks = sample(attack, RUNS.hostilePath, `${salt}path`);
    for (const attack of attacks) {
      const values = Object.fromEntries(pathParams.map((p) => [p.name, attack]));
      const body = op.body ? JSON.stringify(sample(shaped(op.body, doc, false), 1, `${salt}pathbody`)[0] ?? {}) : undefined;
      cases.push({ label: 'hostile path parameter', request: { method: op.method, path: fillPath(op.path, values), headers: jsonHeaders(), body } });
    }
  }
  return cases;
}

const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=koi8-x', 'application/xml', ''];

/** Cases that may be valid but are hostile: each must get anything but a 5xx. */
function survivalCases(op: OpenApiOperation): Case[] {
  const cases: Case[] = [];
  const salt = `${op.method} ${op.path}`;
  const path = fillPath(op.path, plausiblePathValues(op, salt));
  if (op.body) {
    for (const body of sample(shaped(op.body, doc, true), RUNS.hostileBody, `${salt}hostile`)) {
      cases.push({ label: 'hostile strings in body', request: { method: op.method, path, headers: jsonHeaders(), body: JSON.stringify(body) } });
    }
  }
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const query = fc.tuple(
    fc.array(fc.tuple(fc.constantFrom(...(queryParams.length ? queryParams.map((p) => p.name) : ['q'])), hostileString), { minLength: 1, maxLength: 4 }),
    fc.array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'limit', 'cursor', 'a[b]', 'x'), hostileString), { maxLength: 2 }),
  );
  for (const [declared, extra] of sample(query, RUNS.hostileQuery, `${salt}query`)) {
    const qs = [...declared, ...extra].map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const body = op.body ? JSON.stringify(sample(shaped(op.body, doc, false), 1, `${salt}qbody`)[0] ?? {}) : undefined;
    cases.push({ label: 'hostile query', request: { method: op.method, path: `${path}?${qs}`, headers: jsonHeaders(), body } });
  }
  const headerCase = fc.record({
    contentType: fc.constantFrom(...CONTENT_TYPES),
    authorization: fc.constantFrom('Bearer', 'Bearer ' + 'a'.repeat(6000), 'Basic YWRtaW46YWRtaW4=', 'Bearer a.b.c', 'Bearer ngn_ak_x', 'Bearer  ', '', 'bearer VALID'),
    requestId: hostileString,
    forwardedFor: fc.constantFrom('1.2.3.4', 'not-an-ip', '::1, 10.0.0.1', ''),
  });
  for (const h of sample(headerCase, RUNS.hostileHeaders, `${salt}headers`)) {
    const headers: Record<string, string> = {
      'x-request-id': h.requestId.replace(/[^\x20-\x7e]/g, '?'),
      'x-forwarded-for': h.forwardedFor,
      authorization: h.authorization.replace('VALID', adminToken),
    };
    if (h.contentType) headers['content-type'] = h.contentType;
    const body = op.body ? JSON.stringify(sample(shaped(op.body, doc, false), 1, `${salt}hbody`)[0] ?? {}) : undefined;
    cases.push({ label: 'odd headers', request: { method: op.method, path, headers, body } });
  }
  return cases;
}

function describeCase(c: Case, res: RawResponse | Error): string {
  const body = typeof c.request.body === 'string' ? c.request.body.slice(0, 300) : c.request.body ? `<${c.request.body.length} bytes>` : '';
  const answer = res instanceof Error ? `error ${res.message}` : `${res.status} ${res.text.slice(0, 300)}`;
  return `${c.label}: ${c.request.method} ${c.request.path.slice(0, 300)} ${JSON.stringify(c.request.headers?.['content-type'] ?? '')} ${body}\n    -> ${answer}`;
}

/**
 * The error shape, or Node's own 431 for a request line and headers over its
 * 16 KiB limit: that refusal comes from the HTTP parser before any app code.
 */
function errorShaped(res: RawResponse): boolean {
  return ErrorBody.safeParse(res.json).success || (res.status === 431 && res.text === '');
}

async function send(c: Case): Promise<RawResponse | Error> {
  try {
    return await rawRequest(t.url, c.request);
  } catch (err) {
    return err as Error;
  }
}

async function assertStillUp(): Promise<void> {
  const health = await rawRequest(t.url, { method: 'GET', path: '/healthz' });
  assert.equal(health.status, 200, 'the server stopped answering /healthz');
}

/** Signs the admin in again: a hostile but valid request may have signed it out. */
async function freshAdminToken(): Promise<void> {
  const login = await t.post('/auth/login', { email: adminEmail, password: GOOD_PASSWORD });
  if (login.status === 200) adminToken = login.body.access_token;
  else adminToken = (await signUpAs(t, 'admin')).access;
}

describe('hostile input refused: 4xx in the error shape, no row written', () => {
  it('every operation', async () => {
    const failures: string[] = [];
    let total = 0;
    for (const op of ops) {
      const cases = refusalCases(op);
      total += cases.length;
      const before = await snapshotTables(t.api.deps.sequelize);
      for (const c of cases) {
        const res = await send(c);
        if (res instanceof Error || res.status < 400 || res.status >= 500 || !errorShaped(res)) failures.push(describeCase(c, res));
      }
      const changed = changedTables(before, await snapshotTables(t.api.deps.sequelize));
      if (changed.length) failures.push(`${op.method} ${op.path}: refused input changed rows: ${changed.join(', ')}`);
      await assertStillUp();
    }
    console.log(`# ${total} refusal cases over ${ops.length} operations`);
    assert.equal(failures.length, 0, `seed ${SEED}, ${failures.length} failures:\n${failures.slice(0, 40).join('\n')}`);
  });

  it('signed file routes refuse traversal and forged links', async () => {
    const failures: string[] = [];
    const names = sample(fc.oneof(hostileString.map(encode), fc.constantFrom(...RAW_PATH_ATTACKS)), 20, 'files');
    for (const name of names) {
      for (const path of [`/files/${name}/${name}`, `/files/00000000-0000-4000-8000-000000000000/${name}?expires=9999999999&signature=${name}`]) {
        const c: Case = { label: 'file route', request: { method: 'GET', path } };
        const res = await send(c);
        if (res instanceof Error || res.status < 400 || res.status >= 500) failures.push(describeCase(c, res));
      }
    }
    await assertStillUp();
    assert.equal(failures.length, 0, `seed ${SEED}:\n${failures.join('\n')}`);
  });
});

describe('hostile input survived: never a 5xx, the server stays up', () => {
  it('every operation', async () => {
    const tablesBefore = [...(await snapshotTables(t.api.deps.sequelize)).keys()];
    const failures: string[] = [];
    let total = 0;
    for (const op of ops) {
      await freshAdminToken();
      const cases = survivalCases(op);
      total += cases.length;
      for (const c of cases) {
        const res = await send(c);
        if (res instanceof Error || res.status >= 500 || (res.status >= 400 && !errorShaped(res))) failures.push(describeCase(c, res));
      }
      await assertStillUp();
    }
    console.log(`# ${total} hostile cases over ${ops.length} operations`);
    // Injection would show as a missing table before it showed anywhere else.
    assert.deepEqual([...(await snapshotTables(t.api.deps.sequelize)).keys()], tablesBefore);
    assert.equal(failures.length, 0, `seed ${SEED}, ${failures.length} failures:\n${failures.slice(0, 40).join('\n')}`);
  });
});

const ALWAYS = ['a\u0000b', 'a\ud800b', `' OR '1'='1`, '../../../../etc/passwd'];

/** Where a hostile string can go in a request that is otherwise valid: each string in the body and the query. */
type Leaf = { in: 'body'; path: Array<string | number> } | { in: 'query'; name: string };

function stringLeaves(value: unknown, path: Array<string | number> = []): Leaf[] {
  if (typeof value === 'string') return [{ in: 'body', path }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

function withLeaf(value: unknown, path: Array<string | number>, replacement: string): unknown {
  if (!path.length) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? withLeaf(v, rest, replacement) : v));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head!]: withLeaf(obj[head!], rest, replacement) };
}

describe('hostile strings in requests that are otherwise valid: never a 5xx', () => {
  it('every string of every route in the route table', async () => {
    const failures: string[] = [];
    let total = 0;
    for (const row of ROUTES) {
      const [method, template] = row.route.split(' ') as [string, string];
      // Rows that change the caller's account for good get an account of their own.
      const caller = row.throwawayCallers ? await world.signedUp('user') : world.accounts[rightfulCaller(row)];
      let req: TableRequest;
      try {
        req = await row.prepare(world, caller);
      } catch (err) {
        failures.push(`${row.route}: fixture failed: ${(err as Error).message}`);
        continue;
      }
      if (req.raw) continue; // multipart and signed bodies: covered by the refusal cases
      const leaves: Leaf[] = [...stringLeaves(req.body), ...Object.keys(req.query ?? {}).map((name): Leaf => ({ in: 'query', name }))];
      if (!leaves.length) continue;
      const token = row.access === 'public' ? undefined : await world.token(caller);
      // The strings that break encoders go into every leaf every run; random ones come on top.
      const always = leaves.flatMap((leaf) => ALWAYS.map((h): [Leaf, string] => [leaf, h]));
      const random = sample(fc.tuple(fc.constantFrom(...leaves), hostileString), RUNS.validMutated, `${row.route}valid`);
      for (const [leaf, hostile] of [...always, ...random]) {
        const body = leaf.in === 'body' ? withLeaf(req.body, leaf.path, hostile) : req.body;
        const query = leaf.in === 'query' ? { ...req.query, [leaf.name]: hostile } : req.query;
        const qs = query ? `?${Object.entries(query).map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : '';
        const path = template.replace(/\{([a-z_]+)\}/g, (_, name: string) => encode(req.path?.[name] ?? 'x'));
        const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
        if (token) headers.authorization = `Bearer ${token}`;
        const c: Case = { label: `hostile ${leaf.in} string in a valid request`, request: { method, path: `/api/v1${path}${qs}`, headers, body: body === undefined ? undefined : JSON.stringify(body) } };
        total += 1;
        const res = await send(c);
        if (res instanceof Error || res.status >= 500 || (res.status >= 400 && !errorShaped(res))) failures.push(describeCase(c, res));
      }
      await assertStillUp();
    }
    console.log(`# ${total} hostile strings in valid requests`);
    assert.equal(failures.length, 0, `seed ${SEED}, ${failures.length} failures:\n${failures.slice(0, 40).join('\n')}`);
  });
});
