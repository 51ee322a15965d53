import type { Benchmark } from '../benchmark';
import { runLoad, unexpectedAnswers } from '../load';
import { describeCpu } from '../machine-cpu';
import { figure } from '../report';
import { registerUsers } from '../seed';

const BATCH = 100;
const CONNECTIONS = 16;

/**
 * Benchmark 4: telemetry batches of 100 fresh events through
 * `POST /analytics/telemetry` (auth, validation, idempotent insert, dirty-day
 * marking) vs the baseline's bare multi-row INSERT of the same rows.
 */
export const telemetryBenchmark: Benchmark = {
  name: 'telemetry',
  title: `Telemetry ingestion (batches of ${BATCH}) vs a bare multi-row INSERT`,
  requires: { routes: ['POST /analytics/telemetry'] },
  async run(ctx) {
    const stack = await ctx.stack();
    const users = await registerUsers(stack.api.url, 4, 'user', stack.db);
    await stack.setBaselineUser(users[0]!.id);
    const tokens = users.map((u) => u.token);
    const common = { scenario: 'telemetry' as const, connections: CONNECTIONS, durationSeconds: ctx.durationSeconds, warmupSeconds: 2, maxRequests: 20_000 };
    const baseline = await runLoad({ ...common, url: stack.baselineUrl, serverPid: stack.baselinePid, args: { path: '/telemetry', tokens, batchSize: BATCH } });
    const api = await runLoad({ ...common, url: stack.api.url, serverPid: stack.api.child.pid, args: { path: '/api/v1/analytics/telemetry', tokens, batchSize: BATCH } });
    ctx.note('api', api);
    ctx.note('baseline', baseline);
    ctx.log(`API p99 ${api.latencyMs.p99.toFixed(1)} ms, baseline p99 ${baseline.latencyMs.p99.toFixed(1)} ms (${CONNECTIONS} connections)`);
    ctx.log(describeCpu('API run', api.cpu, 'batch'));
    ctx.log(describeCpu('baseline run', baseline.cpu, 'batch'));
    return [
      figure({
        benchmark: 'telemetry',
        name: 'events/s',
        unit: 'ev/s',
        value: api.rps * BATCH,
        baseline: baseline.rps * BATCH,
        target: { kind: 'ratio_min', value: 0.9 },
        invalid: unexpectedAnswers(api, [201]) ?? unexpectedAnswers(baseline, [200]),
      }),
    ];
  },
};
