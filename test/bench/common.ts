/** Shared helpers of `npm run bench` (never part of `npm test`; nothing here gates on time). */

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
  /** The target, if it has one, and whether this run met it. */
  target?: string;
  met?: boolean;
  /** Anything else worth reporting (sizes, counts, RSS samples, …). */
  extra?: Record<string, unknown>;
}

/** How many windows {@link rate} splits its budget into. */
export const RATE_WINDOWS = 10;

/**
 * Runs `fn` in batches for about `budgetMs` after a warm-up; returns
 * operations per second: the median over {@link RATE_WINDOWS} equal windows of
 * the budget, so that a burst of noise from a shared host moves the figure
 * less than it would move a plain average. `batch` is how many calls are
 * timed together.
 */
export function rate(fn: () => unknown, budgetMs: number, batch = 100): number {
  const warmEnd = performance.now() + Math.min(200, budgetMs / 4);
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  const windowMs = budgetMs / RATE_WINDOWS;
  const rates: number[] = [];
  for (let w = 0; w < RATE_WINDOWS; w++) {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < windowMs) {
      for (let i = 0; i < batch; i++) fn();
      ops += batch;
      elapsed = performance.now() - start;
    }
    rates.push((ops * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  return (rates[(RATE_WINDOWS - 1) >> 1]! + rates[RATE_WINDOWS >> 1]!) / 2;
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
