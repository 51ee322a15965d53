/**
 * `npm run bench [-- <name>...] [--duration <seconds>] [--report <file>]`
 *
 * Runs the benchmarks (all, or the named ones), each against a baseline
 * measured in the same run, prints one line per figure (value, baseline,
 * ratio, target, PASS/MISS) and writes a JSON report (bench-report.json).
 * Not part of `npm test`: figures depend on the machine, tests must not.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchContext } from './benchmark';
import { activationBenchmark } from './benchmarks/activation';
import { dashboardBenchmark } from './benchmarks/dashboard';
import { downloadBenchmark } from './benchmarks/download';
import { loginStormBenchmark } from './benchmarks/login-storm';
import { scaleOutBenchmark } from './benchmarks/scale-out';
import { telemetryBenchmark } from './benchmarks/telemetry';
import { sdkVerifyBenchmark } from './benchmarks/sdk-verify';
import { tokenVerifyBenchmark } from './benchmarks/token-verify';
import { validationBenchmark } from './benchmarks/validation';
import { formatFigure, writeReport, type BenchReport, type Figure, type SkippedBenchmark } from './report';
import { startStack, type BenchStack } from './stack';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** In the order they run: the cheap ones first, the one that loads a million rows last. */
const BENCHMARKS: Benchmark[] = [
  validationBenchmark,
  scaleOutBenchmark,
  activationBenchmark,
  tokenVerifyBenchmark,
  sdkVerifyBenchmark,
  telemetryBenchmark,
  downloadBenchmark,
  loginStormBenchmark,
  dashboardBenchmark,
];

interface Options {
  names: string[];
  durationSeconds: number;
  reportFile: string;
  poolMax: number;
  profileDir: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { names: [], durationSeconds: 10, reportFile: path.join(ROOT, 'bench-report.json'), poolMax: 10, profileDir: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--duration') opts.durationSeconds = Math.max(1, Math.min(120, Number(value())));
    else if (arg === '--report') opts.reportFile = path.resolve(value());
    else if (arg === '--profile') opts.profileDir = path.resolve(value());
    else if (arg === '--pool') opts.poolMax = Math.max(1, Math.min(100, Number(value())));
    else if (arg === '--help' || arg === '-h') {
      console.log(`npm run bench [-- <name>...] [--duration <s>] [--pool <n>] [--report <file>] [--profile <dir>]\nbenchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
      process.exit(0);
    } else if (arg.startsWith('-')) throw new Error(`Unknown option ${arg}`);
    else opts.names.push(arg);
  }
  const unknown = opts.names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) throw new Error(`Unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  return opts;
}

async function openApiRoutes(stack: BenchStack): Promise<Set<string>> {
  const doc = (await (await fetch(`${stack.api.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const routes = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) routes.add(`${method.toUpperCase()} ${p.replace(/^\/api\/v1/, '')}`);
  }
  return routes;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const selected = opts.names.length ? BENCHMARKS.filter((b) => opts.names.includes(b.name)) : BENCHMARKS;
  const started = new Date();
  const figures: Figure[] = [];
  const skipped: SkippedBenchmark[] = [];
  const notes: Record<string, Record<string, unknown>> = {};
  let stack: BenchStack | undefined;
  let routes: Set<string> | undefined;
  const log = (line: string) => console.log(line);
  const getStack = async () => {
    stack ??= await startStack({ poolMax: opts.poolMax, log, profileDir: opts.profileDir });
    return stack;
  };

  log(`# ${cpus().length} CPUs, Node ${process.version}; ${opts.durationSeconds}s of measured load per run, pool ${opts.poolMax}`);
  try {
    for (const bench of selected) {
      const missingFiles = (bench.requires.files ?? []).filter((f) => !existsSync(path.join(ROOT, f)));
      let missing = missingFiles;
      if (!missing.length && bench.requires.routes?.length) {
        routes ??= await openApiRoutes(await getStack());
        missing = bench.requires.routes.filter((r) => !routes!.has(r));
      }
      if (missing.length) {
        const reason = `not in this build yet: ${missing.join(', ')}`;
        skipped.push({ benchmark: bench.name, reason });
        log(`${bench.name.padEnd(40)} SKIPPED (${reason})`);
        continue;
      }
      log(`## ${bench.title}`);
      const ctx: BenchContext = {
        stack: getStack,
        log: (line) => log(`#   ${line}`),
        note: (key, value) => ((notes[bench.name] ??= {})[key] = value),
        durationSeconds: opts.durationSeconds,
      };
      try {
        const result = await bench.run(ctx);
        for (const f of result) log(formatFigure(f));
        figures.push(...result);
      } catch (err) {
        const reason = `failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 2000);
        skipped.push({ benchmark: bench.name, reason });
        log(`${bench.name.padEnd(40)} FAILED ${reason}`);
      }
    }
  } finally {
    await stack?.close();
  }

  const report: BenchReport = {
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    machine: { cpus: cpus().length, platform: `${process.platform} ${process.arch}`, node: process.version, postgres: stack?.postgresVersion ?? '-' },
    settings: { duration_seconds: opts.durationSeconds, pool_max: opts.poolMax, benchmarks: selected.map((b) => b.name) },
    figures,
    skipped,
    notes,
  };
  await writeReport(opts.reportFile, report);
  const missed = figures.filter((f) => !f.pass).length;
  log(`# ${figures.length} figures, ${missed} missed, ${skipped.length} skipped; report in ${path.relative(process.cwd(), opts.reportFile) || opts.reportFile}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
