/**
 * The load generator: its own OS process, so the load never shares an event
 * loop with the server it measures. Reads a LoadSpec as JSON on stdin, runs
 * autocannon (an optional unrecorded warm-up first), and prints one LoadResult
 * as JSON on stdout.
 */
import autocannon from 'autocannon';
import { measureCpu, type CpuUse } from './machine-cpu';
import { createScenario, type ScenarioName } from './scenarios';
import type { LoadResult, LoadSpec } from './load';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** Latency percentile over sorted milliseconds (nearest rank). */
function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function run(spec: LoadSpec, seconds: number, record: boolean): Promise<LoadResult> {
  const next = createScenario(spec.scenario as ScenarioName, spec.args as never);
  const first = next();
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statusCounts: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const cpu = record ? measureCpu(spec.serverPid) : undefined;
    // The measured run ends once: at the last recorded response, or when autocannon stops by itself.
    let ended: { at: bigint; cpu: CpuUse | undefined } | undefined;
    const end = () => (ended ??= { at: process.hrtime.bigint(), cpu: cpu?.finish(count) });
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: seconds,
        ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
        timeout: 30,
        requests: [{ ...first, setupRequest: (req) => ({ ...req, ...next() }) }],
      },
      (err, result) => {
        if (err) return reject(err);
        const { at, cpu: cpuUse } = end();
        const elapsed = Number(at - started) / 1e9;
        const sorted = latencies.slice(0, count).sort();
        let sum = 0;
        for (const v of sorted) sum += v;
        for (const [code, { count: n }] of Object.entries(result.statusCodeStats)) statusCounts[code] = Number(n);
        resolve({
          requests: count,
          seconds: elapsed,
          rps: count / elapsed,
          latencyMs: {
            mean: count ? sum / count : 0,
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            max: count ? sorted[count - 1]! : 0,
          },
          statusCounts,
          errors: result.errors,
          timeouts: result.timeouts,
          ...(cpuUse ? { cpu: cpuUse } : {}),
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      if (!record || ended) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = ms;
      if (spec.maxRequests && count >= spec.maxRequests) {
        end();
        instance.stop();
      }
    });
  });
}

async function main() {
  const spec = JSON.parse(await readStdin()) as LoadSpec;
  if (spec.warmupSeconds) await run(spec, spec.warmupSeconds, false);
  const result = await run(spec, spec.durationSeconds, true);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
