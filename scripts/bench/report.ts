import { writeFile } from 'node:fs/promises';

/**
 * A target is either a ratio to the baseline measured in the same run
 * (`ratio_min`: value/baseline must reach it, `ratio_max`: must stay under it)
 * or an absolute bound on the value in its own unit.
 */
export type Target =
  | { kind: 'ratio_min'; value: number }
  | { kind: 'ratio_max'; value: number }
  | { kind: 'max'; value: number }
  | { kind: 'min'; value: number };

export interface Figure {
  benchmark: string;
  name: string;
  unit: string;
  value: number;
  /** What the baseline did in the same run; null where the figure has none (e.g. bytes re-sent). */
  baseline: number | null;
  ratio: number | null;
  target: Target;
  pass: boolean;
  /** Why the figure cannot be trusted (errors, unexpected answers), if so: it then counts as a miss. */
  invalid?: string;
}

export interface SkippedBenchmark {
  benchmark: string;
  reason: string;
}

export function figure(input: {
  benchmark: string;
  name: string;
  unit: string;
  value: number;
  baseline?: number | null;
  target: Target;
  invalid?: string | undefined;
}): Figure {
  const baseline = input.baseline ?? null;
  const ratio = baseline !== null && baseline !== 0 ? input.value / baseline : null;
  const t = input.target;
  let pass: boolean;
  if (t.kind === 'ratio_min') pass = ratio !== null && ratio >= t.value;
  else if (t.kind === 'ratio_max') pass = ratio !== null && ratio <= t.value;
  else if (t.kind === 'max') pass = input.value <= t.value;
  else pass = input.value >= t.value;
  return {
    benchmark: input.benchmark,
    name: input.name,
    unit: input.unit,
    value: input.value,
    baseline,
    ratio,
    target: t,
    pass: pass && !input.invalid,
    ...(input.invalid ? { invalid: input.invalid } : {}),
  };
}

function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function targetText(t: Target, unit: string): string {
  const v = Number(t.value.toFixed(2));
  switch (t.kind) {
    case 'ratio_min':
      return `ratio >= ${v}`;
    case 'ratio_max':
      return `ratio <= ${v}`;
    case 'max':
      return `<= ${v} ${unit}`;
    case 'min':
      return `>= ${v} ${unit}`;
  }
}

/** One line per figure: value, baseline, ratio, target, PASS/MISS. */
export function formatFigure(f: Figure): string {
  const label = `${f.benchmark} ${f.name}`.padEnd(40);
  const value = `${num(f.value)} ${f.unit}`.padEnd(16);
  const baseline = `baseline ${f.baseline === null ? '-' : num(f.baseline)}`.padEnd(18);
  const ratio = `ratio ${f.ratio === null ? '-' : f.ratio.toFixed(2)}`.padEnd(12);
  const target = `target ${targetText(f.target, f.unit)}`.padEnd(24);
  return `${label} ${value} ${baseline} ${ratio} ${target} ${f.pass ? 'PASS' : 'MISS'}${f.invalid ? ` (${f.invalid})` : ''}`;
}

export interface BenchReport {
  started_at: string;
  finished_at: string;
  machine: { cpus: number; platform: string; node: string; postgres: string };
  settings: Record<string, unknown>;
  figures: Figure[];
  skipped: SkippedBenchmark[];
  /** Extra measurements a benchmark wants on record (e.g. cold-cache timings, error counts). */
  notes: Record<string, unknown>;
}

export async function writeReport(file: string, report: BenchReport): Promise<void> {
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
