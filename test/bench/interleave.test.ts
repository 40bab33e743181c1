import { afterEach, describe, expect, test, vi } from 'vitest';
import { interleave, quantile } from './interleave.js';

/**
 * The bench method on a fake clock: `a` costs twice what `b` costs, while
 * the "host" changes speed underneath. A sequential method (all of A, then
 * all of B) would report whatever the drift made of it; the interleaved
 * median must still say 0.5.
 */
function fakeHost(speedAt: (t: number) => number) {
  let t = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => t);
  const work = (cost: number) => () => {
    t += cost * speedAt(t);
  };
  return { a: work(2), b: work(1) };
}

describe('interleave', () => {
  afterEach(() => vi.restoreAllMocks());

  test('a step change in host speed cancels out of the median pair ratio', () => {
    // The host gets three times slower halfway through the run.
    const { a, b } = fakeHost((t) => (t < 305 ? 1 : 3));
    const r = interleave(a, b, { pairs: 31, windowMs: 10, warmupMs: 10 });
    expect(r.median).toBeCloseTo(0.5, 9);
    expect(r.q1).toBeCloseTo(0.5, 9);
    expect(r.q3).toBeCloseTo(0.5, 9);
    expect(r.pairs).toBe(31);
    // The one pair that straddles the change is visible in the extremes.
    expect(r.max - r.min).toBeGreaterThan(0.05);
  });

  test('the order inside a pair is drawn, so a steady ramp biases pairs both ways', () => {
    // Always running A first under a host that keeps slowing would put every
    // pair ratio on the same side of 0.5.
    const { a, b } = fakeHost((t) => 1 + t / 200);
    const r = interleave(a, b, { pairs: 40, windowMs: 10, warmupMs: 10 });
    expect(r.min).toBeLessThan(0.5);
    expect(r.max).toBeGreaterThan(0.5);
    expect(Math.abs(r.median - 0.5)).toBeLessThan(0.05);
  });

  test('the per-side rates are the median window rates', () => {
    const { a, b } = fakeHost(() => 1);
    const r = interleave(a, b, { pairs: 5, windowMs: 20, warmupMs: 0 });
    expect(r.aPerS).toBeCloseTo(500, 6); // 2 ms per call
    expect(r.bPerS).toBeCloseTo(1000, 6);
  });

  test.each([
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[5], 0.75, 5],
    [[0, 10], 1, 10],
  ])('quantile(%j, %d) = %d', (xs, q, want) => {
    expect(quantile(xs, q)).toBe(want);
  });
});
