import type { Benchmark } from '../benchmark';
import { runLoad, unexpectedAnswers, type LoadResult } from '../load';
import { describeCpu } from '../machine-cpu';
import { figure, type Figure } from '../report';
import type { BenchRequest } from '../scenarios';
import { registerUsers, seedLicenses } from '../seed';
import type { BenchStack } from '../stack';

const LICENSES = 10_000;
const CONNECTIONS = 32;
const CLIENT_ADDRESSES = 1_000;

const seeded = new WeakMap<BenchStack, Promise<{ api: BenchRequest[]; baseline: BenchRequest[] }>>();

/** 10k licenses, each active on one machine; requests pick a license at random. Seeded once per stack. */
export function validationRequests(stack: BenchStack): Promise<{ api: BenchRequest[]; baseline: BenchRequest[] }> {
  let requests = seeded.get(stack);
  if (!requests) {
    requests = seedValidation(stack);
    seeded.set(stack, requests);
  }
  return requests;
}

async function seedValidation(stack: BenchStack): Promise<{ api: BenchRequest[]; baseline: BenchRequest[] }> {
  const owners = await registerUsers(stack.api.url, 5, 'user', stack.db);
  const licenses = await seedLicenses(stack.db, { userIds: owners.map((u) => u.id), count: LICENSES, activate: true });
  const headers = { 'content-type': 'application/json' };
  const bodies = licenses.map((l) => JSON.stringify({ license_key: l.key, fingerprint: l.fingerprint, product: 'mixing_mentor' }));
  return {
    api: bodies.map((body) => ({ method: 'POST', path: '/api/v1/license/validate', headers, body })),
    baseline: bodies.map((body) => ({ method: 'POST', path: '/validate', headers, body })),
  };
}

/**
 * Sends every request once, `concurrency` at a time: a fleet in steady state
 * has validated each of its licenses before, so the API's cache holds them and
 * the baseline's PostgreSQL has their pages in memory. Figures are for that
 * steady state; a cold process answers its first validation of each key from
 * the database (docs/benchmarks.md has the cold figures).
 */
export async function sendEachOnce(url: string, requests: BenchRequest[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      const res = await fetch(url + r.path, { method: r.method, headers: r.headers, body: r.body });
      if (res.status !== 200) throw new Error(`warm-up: ${r.path} answered ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Answers that are not `200 {valid: true}` make a figure meaningless: check a sample before loading. */
export async function assertValid(stack: BenchStack, requests: BenchRequest[]): Promise<void> {
  for (const r of requests.slice(0, 3)) {
    const res = await fetch(stack.api.url + r.path, { method: r.method, headers: r.headers, body: r.body });
    const body = (await res.json()) as { valid?: boolean; code?: string };
    if (res.status !== 200 || !body.valid) throw new Error(`validate answered ${res.status} ${JSON.stringify(body)}`);
  }
}

/**
 * Benchmark 1: `POST /license/validate` (public; per-IP limit counted in
 * memory first; answered from the process's validation cache, one statement on
 * a miss) with random keys among 10k licenses at 32 connections, vs the
 * baseline's one prepared unique-key SELECT with the same pool size on the
 * same database. Both sides are warmed by one request per key first.
 */
export const validationBenchmark: Benchmark = {
  name: 'validation',
  title: `Online validation (${LICENSES} licenses, random keys, ${CONNECTIONS} connections) vs a prepared SELECT`,
  requires: { routes: ['POST /license/validate'] },
  async run(ctx) {
    const stack = await ctx.stack();
    const requests = await validationRequests(stack);
    await assertValid(stack, requests.api);
    const common = { scenario: 'pool' as const, connections: CONNECTIONS, durationSeconds: ctx.durationSeconds, warmupSeconds: 2, maxRequests: 500_000 };
    await sendEachOnce(stack.baselineUrl, requests.baseline);
    const baseline = await runLoad({ ...common, url: stack.baselineUrl, serverPid: stack.baselinePid, args: { requests: requests.baseline } });
    await sendEachOnce(stack.api.url, requests.api);
    const api = await runLoad({ ...common, url: stack.api.url, serverPid: stack.api.child.pid, args: { requests: requests.api } });
    // The same load as a fleet sends it, from many addresses (the API trusts its proxy's X-Forwarded-For here).
    const fleet = await runLoad({ ...common, url: stack.api.url, args: { requests: requests.api, clientAddresses: CLIENT_ADDRESSES } });
    ctx.note('api', api);
    ctx.note('api_from_many_addresses', fleet);
    ctx.note('baseline', baseline);
    ctx.log(describeCpu('API run', api.cpu));
    ctx.log(describeCpu('baseline run', baseline.cpu));
    return validationFigures(api, fleet, baseline);
  },
};

function validationFigures(api: LoadResult, fleet: LoadResult, baseline: LoadResult): Figure[] {
  const invalid = unexpectedAnswers(api, [200]) ?? unexpectedAnswers(baseline, [200]);
  const fleetInvalid = unexpectedAnswers(fleet, [200]);
  const many = `${CLIENT_ADDRESSES} addresses`;
  return [
    figure({ benchmark: 'validation', name: 'req/s', unit: 'req/s', value: api.rps, baseline: baseline.rps, target: { kind: 'ratio_min', value: 1.0 }, invalid }),
    figure({ benchmark: 'validation', name: 'p50', unit: 'ms', value: api.latencyMs.p50, baseline: baseline.latencyMs.p50, target: { kind: 'max', value: 10 }, invalid }),
    figure({ benchmark: 'validation', name: 'p99', unit: 'ms', value: api.latencyMs.p99, baseline: baseline.latencyMs.p99, target: { kind: 'max', value: 10 }, invalid }),
    figure({ benchmark: 'validation', name: `req/s, ${many}`, unit: 'req/s', value: fleet.rps, baseline: baseline.rps, target: { kind: 'ratio_min', value: 1.0 }, invalid: fleetInvalid }),
    figure({ benchmark: 'validation', name: `p99, ${many}`, unit: 'ms', value: fleet.latencyMs.p99, baseline: baseline.latencyMs.p99, target: { kind: 'max', value: 10 }, invalid: fleetInvalid }),
  ];
}
