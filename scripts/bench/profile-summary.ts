/**
 * `npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [top] [--from <s>] [--to <s>]`
 *
 * Summarises a V8 CPU profile (as `npm run bench -- --profile <dir>` writes for
 * the API process): self time by function and by package or source folder, so
 * a missed target points at the code that spends the time. The profile spans
 * the whole process, baseline runs included (the API idles then): the busy
 * share per second it prints first shows when the API was under load, and
 * `--from`/`--to` (seconds since the profile started) keep only that window.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> (scoped ones whole), or the project folder two levels deep. */
function area(url: string): string {
  if (!url) return '(native/idle)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  const project = /\/(api|shared|scripts|desktop)\/(src\/)?([^/]+)/.exec(url);
  return project ? `${project[1]}/${project[3]}` : url;
}

/** Share of each second's samples that were not idle: where the API's own load ran. */
function busyTimeline(profile: CpuProfile, byId: Map<number, ProfileNode>, at: number[]): string {
  const all = new Map<number, number>();
  const busy = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    const second = Math.floor(at[i]! / 1e6);
    all.set(second, (all.get(second) ?? 0) + 1);
    if (byId.get(id)!.callFrame.functionName !== '(idle)') busy.set(second, (busy.get(second) ?? 0) + 1);
  });
  return [...all].map(([second, n]) => `${second}:${Math.round((100 * (busy.get(second) ?? 0)) / n)}`).join(' ');
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : Number(args.splice(i, 2)[1]);
  };
  const from = option('--from') ?? 0;
  const to = option('--to') ?? Infinity;
  const [file, topArg] = args;
  if (!file || Number.isNaN(from) || Number.isNaN(to)) throw new Error('usage: profile-summary <file.cpuprofile> [top] [--from <s>] [--to <s>]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let elapsed = 0;
  const at = profile.timeDeltas.map((delta) => (elapsed += delta));
  console.log(`busy % by second since the start: ${busyTimeline(profile, byId, at)}`);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (at[i]! >= from * 1e6 && at[i]! < to * 1e6) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
      byArea.set(name, (byArea.get(name) ?? 0) + us);
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      continue;
    }
    const key = `${name} ${frame.url.replace(/^.*?\/(node_modules|api|shared|scripts)\//, '$1/')}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byArea.set(area(frame.url), (byArea.get(area(frame.url)) ?? 0) + us);
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title} (of ${(total / 1e6).toFixed(1)} s sampled)`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
    }
  };
  print('self time by area', byArea);
  print('self time by function', byFunction);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
