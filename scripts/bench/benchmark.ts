import type { Figure } from './report';
import type { BenchStack } from './stack';

export interface BenchContext {
  /** Started on first use: benchmarks that need no server never pay for it. */
  stack(): Promise<BenchStack>;
  log(line: string): void;
  /** Extra measurements kept in the JSON report under this benchmark's name. */
  note(key: string, value: unknown): void;
  /** Seconds of measured load per run (a warm-up comes on top). */
  durationSeconds: number;
}

export interface Benchmark {
  name: string;
  title: string;
  /**
   * API routes (as `METHOD /path` of the OpenAPI document) or files the
   * benchmark needs; when one is missing from this build it is skipped, saying why.
   */
  requires: { routes?: string[]; files?: string[] };
  run(ctx: BenchContext): Promise<Figure[]>;
}
