import type { Benchmark } from '../benchmark';
import { runLoad, unexpectedAnswers } from '../load';
import { figure } from '../report';
import type { BenchRequest } from '../scenarios';
import { registerUsers } from '../seed';
import { assertValid, validationRequests } from './validation';

/** A steady plugin fleet, well under saturation, so p99 shows interference rather than queueing. */
const VALIDATION_RATE = 200;
const VALIDATION_CONNECTIONS = 8;
const LOGINS_PER_SECOND = 20;

/**
 * Benchmark 7: validation p99 at a steady rate while 20 sign-ins per second
 * (argon2id each) run against the same API process, vs the same validation
 * load alone. Both loads come from their own processes.
 */
export const loginStormBenchmark: Benchmark = {
  name: 'login-storm',
  title: `Login storm isolation (validation at ${VALIDATION_RATE}/s, with and without ${LOGINS_PER_SECOND} logins/s)`,
  requires: { routes: ['POST /license/validate', 'POST /auth/login'] },
  async run(ctx) {
    const stack = await ctx.stack();
    const requests = await validationRequests(stack);
    await assertValid(stack, requests.api);
    const users = await registerUsers(stack.api.url, 10, 'user', stack.db);
    const logins: BenchRequest[] = users.map((u) => ({
      method: 'POST',
      path: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: u.email, password: u.password }),
    }));
    const validation = {
      url: stack.api.url,
      scenario: 'pool' as const,
      args: { requests: requests.api },
      connections: VALIDATION_CONNECTIONS,
      overallRate: VALIDATION_RATE,
      durationSeconds: ctx.durationSeconds,
      warmupSeconds: 2,
    };
    const alone = await runLoad(validation);
    const [storm, loginLoad] = await Promise.all([
      runLoad(validation),
      runLoad({ url: stack.api.url, scenario: 'pool', args: { requests: logins }, connections: 4, overallRate: LOGINS_PER_SECOND, durationSeconds: ctx.durationSeconds + 2 }),
    ]);
    ctx.note('alone', alone);
    ctx.note('storm', storm);
    ctx.note('logins', loginLoad);
    ctx.log(`logins answered ${loginLoad.rps.toFixed(1)}/s, p99 ${loginLoad.latencyMs.p99.toFixed(0)} ms`);
    const invalid = unexpectedAnswers(alone, [200]) ?? unexpectedAnswers(storm, [200]) ?? unexpectedAnswers(loginLoad, [200]);
    return [
      figure({ benchmark: 'login-storm', name: 'validation p99', unit: 'ms', value: storm.latencyMs.p99, baseline: alone.latencyMs.p99, target: { kind: 'ratio_max', value: 1.5 }, invalid }),
    ];
  },
};
