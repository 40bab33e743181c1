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

/**
 * Runs `fn` in batches for about `budgetMs` after a warm-up; returns
 * operations per second. `batch` is how many calls are timed together.
 */
export function rate(fn: () => unknown, budgetMs: number, batch = 100): number {
  const warmEnd = performance.now() + Math.min(200, budgetMs / 4);
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/** Defeats dead-code elimination of benchmarked results. */
export let sink: unknown;
export function keep(v: unknown): void {
  sink = v;
}
