/**
 * Interleaved A/B measurement: the method every ratio of `npm run bench` uses.
 *
 * A shared host changes speed over seconds (another tenant, frequency
 * scaling, GC of a neighbour). Measuring all of A and then all of B lets such
 * a change land between them and move the ratio. Here A and B alternate in
 * short windows, the order inside each pair is drawn at random (so neither
 * side always runs "second, on a warm cache"), a ratio is computed per pair,
 * and the figure is the median of those pair ratios with its spread. A drift
 * slower than one pair (two windows) cancels out of every pair ratio.
 *
 * tinybench and mitata time one task at a time; neither alternates two tasks
 * at window granularity, so the loop is ours (about 60 lines).
 */

/** Options of {@link interleave}; every field has a default. */
export interface InterleaveOptions {
  /** Number of A/B pairs. Default 30. */
  pairs?: number;
  /** Length of one window (one side of a pair), ms. Default 25. */
  windowMs?: number;
  /** Calls timed between clock reads. Default 1 (raise it for sub-µs calls). */
  batch?: number;
  /** Warm-up per side before the first pair, ms. Default 200. */
  warmupMs?: number;
  /** Seed of the per-pair order draw, so a run is repeatable in its order. Default 1. */
  seed?: number;
}

/** The figure of one interleaved comparison. */
export interface PairedRatio {
  /** Median of the per-pair ratios rateA / rateB. */
  median: number;
  /** Smallest and largest pair ratio. */
  min: number;
  max: number;
  /** First and third quartile of the pair ratios. */
  q1: number;
  q3: number;
  /** Number of pairs. */
  pairs: number;
  /** Median throughputs (calls per second) of each side over its windows. */
  aPerS: number;
  bPerS: number;
}

/** Calls `fn` in batches until `ms` have passed; returns calls per second. */
export function windowRate(fn: () => unknown, ms: number, batch: number): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (calls * 1000) / elapsed;
}

/** Quantile of a sorted array, linear between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * Measures `a` against `b` in alternating windows and returns the median of
 * the per-pair throughput ratios a/b (> 1: `a` is faster) with its spread.
 */
export function interleave(a: () => unknown, b: () => unknown, options: InterleaveOptions = {}): PairedRatio {
  const { pairs = 30, windowMs = 25, batch = 1, warmupMs = 200, seed = 1 } = options;
  windowRate(a, warmupMs, batch);
  windowRate(b, warmupMs, batch);
  let s = seed >>> 0;
  const coin = () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) & 0x8000) !== 0;
  const ratios: number[] = [];
  const aRates: number[] = [];
  const bRates: number[] = [];
  for (let p = 0; p < pairs; p++) {
    let ra: number;
    let rb: number;
    if (coin()) {
      ra = windowRate(a, windowMs, batch);
      rb = windowRate(b, windowMs, batch);
    } else {
      rb = windowRate(b, windowMs, batch);
      ra = windowRate(a, windowMs, batch);
    }
    ratios.push(ra / rb);
    aRates.push(ra);
    bRates.push(rb);
  }
  const sorted = (xs: number[]) => xs.slice().sort((x, y) => x - y);
  const r = sorted(ratios);
  return {
    median: quantile(r, 0.5),
    min: r[0]!,
    max: r[r.length - 1]!,
    q1: quantile(r, 0.25),
    q3: quantile(r, 0.75),
    pairs,
    aPerS: quantile(sorted(aRates), 0.5),
    bPerS: quantile(sorted(bRates), 0.5),
  };
}
