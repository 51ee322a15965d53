import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuUse } from './machine-cpu';
import type { ScenarioArgs, ScenarioName } from './scenarios';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface LoadSpec<N extends ScenarioName = ScenarioName> {
  /** Origin of the server under load, e.g. http://127.0.0.1:3001. */
  url: string;
  scenario: N;
  args: ScenarioArgs[N];
  connections: number;
  /** The measured run stops after this long... */
  durationSeconds: number;
  /** ...or after this many responses, whichever comes first. */
  maxRequests?: number;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  overallRate?: number;
  /** An unrecorded run first, so JIT, pools and caches are warm on both sides. */
  warmupSeconds?: number;
  /** The server's process, whose CPU per request is then measured apart from the rest of the machine's. */
  serverPid?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Where the recorded run's CPU went (Linux only). */
  cpu?: CpuUse;
}

/** Runs autocannon in a child process (never in the process being measured) and returns its figures. */
export function runLoad<N extends ScenarioName>(spec: LoadSpec<N>): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'load-worker.ts')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.end(JSON.stringify(spec));
  const hardLimitMs = ((spec.warmupSeconds ?? 0) + spec.durationSeconds + 60) * 1000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), hardLimitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last) return reject(new Error(`load generator failed (${code}): ${err || out}`));
      resolve(JSON.parse(last) as LoadResult);
    });
  });
}

/** Share of answers outside the expected statuses, as a sentence, or undefined when all are expected. */
export function unexpectedAnswers(result: LoadResult, expected: number[]): string | undefined {
  const bad = Object.entries(result.statusCounts).filter(([code]) => !expected.includes(Number(code)));
  const badCount = bad.reduce((n, [, c]) => n + c, 0) + result.errors + result.timeouts;
  if (!badCount) return undefined;
  const detail = bad.map(([code, n]) => `${n}x${code}`).join(' ');
  return `${badCount} unexpected answers of ${result.requests}: ${detail} errors=${result.errors} timeouts=${result.timeouts}`;
}
