/** Shared helpers of `npm run bench` (never part of `npm test`; nothing here gates on time). */
import { quantile, windowRate } from './interleave.js';

/** The spread of a figure: quartiles, extremes, and how many samples (pairs or windows) it rests on. */
export interface Spread {
  q1: number;
  q3: number;
  min: number;
  max: number;
  n: number;
}

/** One benchmark's figure: ours, the baseline measured in the same run, and their ratio. */
export interface BenchRow {
  /** Short id, stable across runs (the `--json` key). */
  id: string;
  name: string;
  /** What `ours` and `baseline` count. */
  unit: string;
  ours: number;
  baseline: number;
  /** What the baseline is. */
  baselineName: string;
  /**
   * ours / baseline, oriented so that > 1 is "better than the baseline" for
   * throughputs, and is the plain quotient for costs (see `ratioMeaning`).
   */
  ratio: number;
  ratioMeaning: string;
  /**
   * The spread of `ratio` (or of `ours` when the baseline is a constant): over
   * the interleaved pairs, or over the timing windows.
   */
  spread?: Spread & { of: 'ratio' | 'ours'; over: 'pairs' | 'windows' | 'runs' };
  /** The target, if it has one, and whether this run met it. */
  target?: string;
  met?: boolean;
  /** Anything else worth reporting (sizes, counts, RSS samples, …). */
  extra?: Record<string, unknown>;
}

/**
 * Calls per second of `fn`, measured in `windows` short windows after a
 * warm-up: the median window and the quartiles. Used where the comparison is
 * against a constant (the lifecycle target), so there is no second task to
 * interleave with.
 */
export function windowedRate(fn: () => unknown, options: { windows: number; windowMs: number; batch?: number }): Spread & { median: number } {
  const { windows, windowMs, batch = 1 } = options;
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  const rates: number[] = [];
  for (let w = 0; w < windows; w++) rates.push(windowRate(fn, windowMs, batch));
  rates.sort((a, b) => a - b);
  return { median: quantile(rates, 0.5), q1: quantile(rates, 0.25), q3: quantile(rates, 0.75), min: rates[0]!, max: rates[rates.length - 1]!, n: windows };
}

/**
 * Milliseconds for a fixed bigint workload (3 million add-and-mask steps). It
 * does not depend on this project's code, so `npm run bench` runs it before
 * and after the benchmarks: on a shared host whose speed drifts, the two
 * figures show it, and they scale every other figure of the run.
 */
export function hostSpeedCheckMs(): number {
  let x = 0n;
  const start = performance.now();
  for (let i = 0; i < 3_000_000; i++) x = (x + BigInt(i)) & 0xffff_ffffn;
  keep(x);
  return performance.now() - start;
}

/** Defeats dead-code elimination of benchmarked results. */
export let sink: unknown;
export function keep(v: unknown): void {
  sink = v;
}
