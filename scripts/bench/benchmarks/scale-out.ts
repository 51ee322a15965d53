import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, startApiProcess, type ApiProcess } from '../../../api/test/helpers/process';
import type { Benchmark } from '../benchmark';
import { runLoad, unexpectedAnswers } from '../load';
import { figure } from '../report';
import type { BenchStack } from '../stack';
import { assertValid, sendEachOnce, validationRequests } from './validation';

const CONNECTIONS = 32;
const REVOCATIONS = 5;

/** HAProxy in front of the given API ports, round robin, keeping connections to them open. */
async function startHaproxy(ports: number[]): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ngn-bench-haproxy-'));
  const port = await freePort();
  const config = [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  http-reuse always',
    'frontend api',
    `  bind 127.0.0.1:${port}`,
    '  default_backend apis',
    'backend apis',
    '  balance roundrobin',
    ...ports.map((p, i) => `  server api${i} 127.0.0.1:${p}`),
  ].join('\n');
  await writeFile(path.join(dir, 'haproxy.cfg'), `${config}\n`);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-4_000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) break;
    if (i > 100) throw new Error(`haproxy not ready: ${err}`);
    await delay(100);
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function validationCode(url: string, body: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/license/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return ((await res.json()) as { code: string }).code;
}

/**
 * Revokes a license by a plain UPDATE (its trigger announces it) after both
 * processes cached it, and measures how long until each answers REVOKED.
 * The license is made active again afterwards, for the benchmarks that follow.
 */
async function revocationVisibleMs(stack: BenchStack, urls: string[], body: string): Promise<number> {
  const { license_key: key } = JSON.parse(body) as { license_key: string };
  for (const url of urls) for (let i = 0; i < 2; i += 1) await validationCode(url, body);
  await stack.db.query(`UPDATE licenses SET status = 'revoked' WHERE license_key = $1`, [key]);
  const committed = performance.now();
  const seen = await Promise.all(
    urls.map(async (url) => {
      while ((await validationCode(url, body)) !== 'REVOKED') {
        if (performance.now() - committed > 10_000) throw new Error(`${url} still validates a revoked license after 10 s`);
      }
      return performance.now() - committed;
    }),
  );
  await stack.db.query(`UPDATE licenses SET status = 'active' WHERE license_key = $1`, [key]);
  return Math.max(...seen);
}

/**
 * Two API processes on one PostgreSQL behind HAProxy (started here), under
 * the validation load, against the same baseline; then the time until a
 * revocation is answered by both processes.
 */
export const scaleOutBenchmark: Benchmark = {
  name: 'scale-out',
  title: `Validation through HAProxy to two API processes on one PostgreSQL, and revocation visibility across them`,
  requires: { routes: ['POST /license/validate'] },
  async run(ctx) {
    if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) throw new Error('haproxy is not installed (Debian package haproxy)');
    const stack = await ctx.stack();
    const requests = await validationRequests(stack);
    const portB = await freePort();
    let second: ApiProcess | undefined;
    let proxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;
    try {
      second = await startApiProcess({ ...stack.apiEnv, PORT: String(portB) });
      proxy = await startHaproxy([Number(new URL(stack.api.url).port), portB]);
      await assertValid({ ...stack, api: { ...stack.api, url: proxy.url } }, requests.api);
      // Steady state, as in the validation benchmark: each process has met every key once.
      await sendEachOnce(stack.baselineUrl, requests.baseline);
      for (const url of [stack.api.url, second.url]) await sendEachOnce(url, requests.api);
      const common = { scenario: 'pool' as const, connections: CONNECTIONS, durationSeconds: ctx.durationSeconds, warmupSeconds: 2, maxRequests: 500_000 };
      const baseline = await runLoad({ ...common, url: stack.baselineUrl, args: { requests: requests.baseline } });
      const both = await runLoad({ ...common, url: proxy.url, args: { requests: requests.api } });
      const visible: number[] = [];
      for (let i = 0; i < REVOCATIONS; i += 1) {
        visible.push(await revocationVisibleMs(stack, [stack.api.url, second.url], requests.api[requests.api.length - 1 - i]!.body!));
      }
      ctx.note('two_processes', both);
      ctx.note('baseline', baseline);
      ctx.note('revocation_visible_ms', visible);
      ctx.log(`revocation answered by both processes after ${visible.map((v) => v.toFixed(1)).join(' / ')} ms`);
      const invalid = unexpectedAnswers(both, [200]) ?? unexpectedAnswers(baseline, [200]);
      return [
        figure({ benchmark: 'scale-out', name: 'validation req/s, 2 processes', unit: 'req/s', value: both.rps, baseline: baseline.rps, target: { kind: 'ratio_min', value: 1.0 }, invalid }),
        figure({ benchmark: 'scale-out', name: 'validation p99, 2 processes', unit: 'ms', value: both.latencyMs.p99, baseline: baseline.latencyMs.p99, target: { kind: 'max', value: 10 }, invalid }),
        figure({ benchmark: 'scale-out', name: 'revocation seen by both (worst of 5)', unit: 'ms', value: Math.max(...visible), target: { kind: 'max', value: 1_000 } }),
      ];
    } finally {
      await proxy?.stop();
      await second?.stop();
    }
  },
};
