import type { Benchmark } from '../benchmark';
import { runLoad, unexpectedAnswers } from '../load';
import { describeCpu } from '../machine-cpu';
import { figure } from '../report';
import { registerUsers, seedLicenses } from '../seed';

const USERS = 16;
const LICENSES = 2_000;
const CONNECTIONS = 32;

/**
 * Benchmark 2: `POST /license/activate` of machines never seen before, spread
 * over 2k licenses of 16 signed-in users (each license with seats to spare), the
 * signed token included; vs the baseline's one INSERT + one Ed25519 signature.
 */
export const activationBenchmark: Benchmark = {
  name: 'activation',
  title: `Activation throughput (new fingerprints over ${LICENSES} licenses, ${CONNECTIONS} connections) vs INSERT + sign`,
  requires: { routes: ['POST /license/activate'] },
  async run(ctx) {
    const stack = await ctx.stack();
    const users = await registerUsers(stack.api.url, USERS, 'user', stack.db);
    const licenses = await seedLicenses(stack.db, { userIds: users.map((u) => u.id), count: LICENSES, seats: 100_000 });
    const tokenOf = new Map(users.map((u) => [u.id, u.token]));
    const seats = licenses.map((l) => ({ token: tokenOf.get(l.userId)!, license_key: l.key }));
    const common = { scenario: 'activation' as const, connections: CONNECTIONS, durationSeconds: ctx.durationSeconds, warmupSeconds: 2, maxRequests: 200_000 };
    const baseline = await runLoad({ ...common, url: stack.baselineUrl, serverPid: stack.baselinePid, args: { path: '/activate', seats } });
    const api = await runLoad({ ...common, url: stack.api.url, serverPid: stack.api.child.pid, args: { path: '/api/v1/license/activate', seats } });
    ctx.note('api', api);
    ctx.note('baseline', baseline);
    ctx.log(describeCpu('API run', api.cpu));
    ctx.log(describeCpu('baseline run', baseline.cpu));
    const invalid = unexpectedAnswers(api, [200]) ?? unexpectedAnswers(baseline, [200]);
    return [
      figure({ benchmark: 'activation', name: 'activations/s', unit: 'act/s', value: api.rps, baseline: baseline.rps, target: { kind: 'ratio_min', value: 0.5 }, invalid }),
      figure({ benchmark: 'activation', name: 'p99', unit: 'ms', value: api.latencyMs.p99, baseline: baseline.latencyMs.p99, target: { kind: 'ratio_max', value: 1 / 0.5 }, invalid }),
    ];
  },
};
