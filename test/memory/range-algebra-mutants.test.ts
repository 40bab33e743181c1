/**
 * What range-algebra.test.ts leaves open, written for mutation testing (`npm run mutate`); each
 * test names the src/memory/range-walk.ts, range-algebra.ts or range-algebra-error.ts mutants it
 * kills.
 *
 * Mostly the iterator protocol, seen from the inputs: what is pulled, when an input is released,
 * and what a finished iterator does. The Rust iterators these port own their inputs, so upstream
 * never polls an input after it ended (`Fuse`/`Peekable` remember it) and drops both when the
 * walk is dropped; a JavaScript input sees that as `next()` and `return()` calls. Those inputs
 * are counting iterators (not arrays), because arrays are read by index and have nothing to
 * release. Then the argument checks and one panic text.
 */
import { describe, expect, it } from 'vitest';

import { ArgumentError } from '../../src/errors.js';
import {
  flattenRanges,
  mergeAdjacentRanges,
  overlappingRanges,
  RangeAlgebraError,
  subtractRanges,
  walkRanges,
} from '../../src/memory/range-algebra.js';
import { MemoryRange } from '../../src/memory/range.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);

/** An iterable over `items` that counts what its consumer does to it. */
class Probe<T> implements Iterable<T> {
  /** `next()` calls, including the one that reported the end. */
  nexts = 0;
  /** `next()` calls after the end was reported. */
  pollsAfterEnd = 0;
  /** `return()` calls. */
  returns = 0;
  #ended = false;

  constructor(
    private readonly items: readonly T[],
    private readonly withReturn = true,
  ) {}

  [Symbol.iterator](): Iterator<T> {
    let i = 0;
    const it: Iterator<T> = {
      next: () => {
        this.nexts++;
        if (this.#ended) this.pollsAfterEnd++;
        if (i < this.items.length) return { done: false, value: this.items[i++]! };
        this.#ended = true;
        return { done: true, value: undefined };
      },
    };
    if (this.withReturn) {
      it.return = () => {
        this.returns++;
        return { done: true, value: undefined };
      };
    }
    return it;
  }
}

const tagged = (...ranges: MemoryRange[]) => ranges.map((r, i) => [r, String(i)] as const);
const show = (pieces: Iterable<[MemoryRange, { kind: string }]>) => [...pieces].map(([r, l]) => `${r} ${l.kind}`);

describe('walkRanges over iterables', () => {
  // Mutant: WalkSide's `Array.isArray(items)` → true (an iterable read as an empty array).
  it('walks iterables as it walks arrays', () => {
    const left = tagged(R(0x1000n, 0x3000n));
    const right = tagged(R(0x2000n, 0x4000n));
    const want = ['0x0..0x1000 neither', '0x1000..0x2000 left', '0x2000..0x3000 both', '0x3000..0x4000 right', '0x4000..0xfffffffffffff000 neither'];
    expect(show(walkRanges(left, right))).toEqual(want);
    expect(show(walkRanges(new Probe(left), new Probe(right)))).toEqual(want);
  });

  // Mutants: WalkSide.peekInRange's `if (this.#exhausted) return undefined` dropped (the ended
  // left side is polled on every later step), and close()'s `if (this.#exhausted) return`
  // dropped (an ended input would be released too).
  it('polls an ended input never again and does not release it; drains each input exactly once', () => {
    const left = new Probe(tagged(R(0n, 0x1000n)));
    const right = new Probe(tagged(R(0x2000n, 0x3000n), R(0x4000n, 0x5000n), R(0x6000n, 0x7000n)));
    expect(show(walkRanges(left, right))).toHaveLength(8);
    expect({ nexts: left.nexts, polls: left.pollsAfterEnd, returns: left.returns }).toEqual({ nexts: 2, polls: 0, returns: 0 });
    expect({ nexts: right.nexts, polls: right.pollsAfterEnd, returns: right.returns }).toEqual({ nexts: 4, polls: 0, returns: 0 });
  });

  // Mutant: close()'s `this.#iter?.return?.()` → `this.#iter?.return()` (a TypeError for an
  // iterator without `return`), and → `this.#iter.return?.()` (a TypeError for an array).
  it('stopping early is fine for an iterator without return() and for arrays', () => {
    const left = new Probe(tagged(R(0n, 0x1000n), R(0x2000n, 0x3000n)), false);
    const gen = walkRanges(left, tagged(R(0x1000n, 0x2000n)));
    expect(gen.next().done).toBe(false);
    expect(gen.return!().done).toBe(true);
    expect(left.nexts).toBe(1);
  });

  // Mutants: RangeWalk.next's `if (this.#done)` guard dropped, and return()'s `this.#done = true`
  // → false: a walk stopped by return() would carry on where it was.
  it('after return() the walk is finished: next() is done and pulls nothing', () => {
    const left = new Probe(tagged(R(0n, 0x1000n), R(0x2000n, 0x3000n)));
    const right = new Probe(tagged(R(0x1000n, 0x2000n)));
    const gen = walkRanges(left, right);
    expect(gen.next().done).toBe(false);
    gen.return!();
    expect({ l: left.returns, r: right.returns }).toEqual({ l: 1, r: 1 });
    const pulled = left.nexts + right.nexts;
    expect(gen.next()).toEqual({ done: true, value: undefined });
    expect(left.nexts + right.nexts).toBe(pulled);
    // Released once, whatever the caller repeats.
    gen.return!();
    expect({ l: left.returns, r: right.returns }).toEqual({ l: 1, r: 1 });
  });

  // Mutant: the catch around the two peeks losing its `this.return()`: the right input would
  // stay open after the left one broke the ordering rule.
  it('an ordering panic on the left releases the right input and finishes the walk', () => {
    const left = new Probe(tagged(R(0x2000n, 0x3000n), R(0x1000n, 0x2000n)));
    const right = new Probe(tagged(R(0x4000n, 0x5000n), R(0x6000n, 0x7000n)));
    const gen = walkRanges(left, right);
    expect(() => [...gen]).toThrow(expect.objectContaining({ code: 'walk_left_not_sorted' }));
    expect({ l: left.returns, r: right.returns }).toEqual({ l: 1, r: 1 });
    expect(gen.next().done).toBe(true);
  });

  // Mutant: WalkSide.#fetch's `next.done === true` → false: the value a generator returns
  // (as opposed to yields) would be walked as one more range. for…of ignores it, and so must we.
  it('ignores the return value of a generator input', () => {
    function* side(): Generator<readonly [MemoryRange, string], readonly [MemoryRange, string]> {
      yield [R(0x1000n, 0x2000n), 'yielded'];
      return [R(0x3000n, 0x4000n), 'returned'];
    }
    expect(show(walkRanges(side(), []))).toEqual(['0x0..0x1000 neither', '0x1000..0x2000 left', '0x2000..0xfffffffffffff000 neither']);
  });

  it('is its own iterator', () => {
    const gen = walkRanges([], []);
    expect(gen[Symbol.iterator]()).toBe(gen);
  });
});

describe('subtractRanges and overlappingRanges over iterables', () => {
  // Mutant: untagged()'s `Array.isArray(ranges)` → true (an iterable has no `.map`).
  it.each([
    ['subtractRanges', subtractRanges, ['0x1000..0x2000']],
    ['overlappingRanges', overlappingRanges, ['0x2000..0x3000']],
  ] as const)('%s reads iterables lazily, as it reads arrays', (_name, op, want) => {
    const left = new Probe([R(0x1000n, 0x3000n)]);
    const right = new Probe([R(0x2000n, 0x4000n)]);
    expect([...op(left, right)].map(String)).toEqual(want);
    expect([...op([R(0x1000n, 0x3000n)], [R(0x2000n, 0x4000n)])].map(String)).toEqual(want);
    expect(left.pollsAfterEnd + right.pollsAfterEnd).toBe(0);
  });

  // The first piece each yields comes before either input ends, so both are still open then.
  it.each([
    ['subtractRanges', subtractRanges, [R(0x1000n, 0x2000n), R(0x3000n, 0x4000n)], [R(0x5000n, 0x6000n), R(0x7000n, 0x8000n)]],
    ['overlappingRanges', overlappingRanges, [R(0x1000n, 0x2000n), R(0x3000n, 0x4000n)], [R(0x1000n, 0x2000n), R(0x3000n, 0x4000n)]],
  ] as const)('%s releases both inputs when the consumer stops early', (_name, op, l, r) => {
    const left = new Probe(l);
    const right = new Probe(r);
    for (const _ of op(left, right)) break;
    expect({ l: left.returns, r: right.returns }).toEqual({ l: 1, r: 1 });
  });
});

describe('mergeAdjacentRanges over iterables', () => {
  const eq = (a: string, b: string) => a === b;

  // Mutant: Lookahead's `Array.isArray(items)` → true.
  it('merges iterables as it merges arrays', () => {
    const items = [[R(0n, 0x1000n), 'a'], [R(0x1000n, 0x2000n), 'a'], [R(0x2000n, 0x3000n), 'b']] as const;
    const want = ['0x0..0x2000 a', '0x2000..0x3000 b'];
    expect([...mergeAdjacentRanges(items, eq)].map(([r, t]) => `${r} ${t}`)).toEqual(want);
    expect([...mergeAdjacentRanges(new Probe(items), eq)].map(([r, t]) => `${r} ${t}`)).toEqual(want);
  });

  // Mutants: Lookahead.peek's `!this.#exhausted` → true (the ended input polled again on the
  // next pull), and Lookahead.close()'s `if (this.#exhausted) return` dropped.
  it('polls an ended input never again and does not release it', () => {
    const input = new Probe([[R(0n, 0x1000n), 'a'], [R(0x2000n, 0x3000n), 'a']] as const);
    const gen = mergeAdjacentRanges(input, eq);
    expect([...gen]).toHaveLength(2);
    expect(gen.next().done).toBe(true);
    expect({ nexts: input.nexts, polls: input.pollsAfterEnd, returns: input.returns }).toEqual({ nexts: 3, polls: 0, returns: 0 });
  });

  // Mutants: MergeAdjacent.next's `if (this.#done)` guard dropped and return()'s
  // `this.#done = true` → false; Lookahead.close()'s optional `return?.()`.
  it('after return() it is finished and has released its input once; an input without return() is fine', () => {
    const input = new Probe([[R(0n, 0x1000n), 'a'], [R(0x2000n, 0x3000n), 'a'], [R(0x4000n, 0x5000n), 'a']] as const);
    const gen = mergeAdjacentRanges(input, eq);
    expect(gen.next().value?.[0].toString()).toBe('0x0..0x1000');
    gen.return!();
    gen.return!();
    expect(input.returns).toBe(1);
    const pulled = input.nexts;
    expect(gen.next()).toEqual({ done: true, value: undefined });
    expect(input.nexts).toBe(pulled);

    const bare = new Probe([[R(0n, 0x1000n), 'a'], [R(0x2000n, 0x3000n), 'a']] as const, false);
    const early = mergeAdjacentRanges(bare, eq);
    early.next();
    expect(early.return!().done).toBe(true);
    expect(gen[Symbol.iterator]()).toBe(gen);
  });

  // Mutant: Lookahead.peek's `next.done === true` → false (a generator's return value merged).
  it('ignores the return value of a generator input', () => {
    function* items(): Generator<readonly [MemoryRange, string], readonly [MemoryRange, string]> {
      yield [R(0n, 0x1000n), 'a'];
      return [R(0x1000n, 0x2000n), 'a'];
    }
    expect([...mergeAdjacentRanges(items(), eq)].map(([r, t]) => `${r} ${t}`)).toEqual(['0x0..0x1000 a']);
  });

  // Mutant: the merge_not_sorted detail emptied (range-algebra.test.ts pins the overlap text).
  it('names both ranges in the not-sorted message', () => {
    expect(() => [...mergeAdjacentRanges([[R(0x2000n, 0x3000n), 'a'], [R(0x1000n, 0x4000n), 'a']] as const, eq)]).toThrow(
      expect.objectContaining({
        code: 'merge_not_sorted',
        message: 'ranges are not sorted (range 0x1000..0x4000 starts below the start of the preceding range 0x2000..0x3000)',
      }),
    );
  });

  // Mutant: the catch in MergeAdjacent.next losing its `this.return()`.
  it('an ordering panic releases the input and finishes the merge', () => {
    const input = new Probe([[R(0x2000n, 0x3000n), 'a'], [R(0x1000n, 0x2000n), 'a'], [R(0x4000n, 0x5000n), 'a']] as const);
    const gen = mergeAdjacentRanges(input, eq);
    expect(() => gen.next()).toThrow(RangeAlgebraError);
    expect(input.returns).toBe(1);
    expect(gen.next().done).toBe(true);
  });
});

describe('flattenRanges over iterables', () => {
  // Mutant: Lookahead's `Array.isArray(items)` → true.
  it('flattens iterables as it flattens arrays, and polls an ended input never again', () => {
    const ranges = [R(0n, 0x2000n), R(0x1000n, 0x3000n), R(0x5000n, 0x6000n)];
    const input = new Probe(ranges);
    expect([...flattenRanges(input)].map(String)).toEqual(['0x0..0x3000', '0x5000..0x6000']);
    expect([...flattenRanges(ranges)].map(String)).toEqual(['0x0..0x3000', '0x5000..0x6000']);
    expect({ nexts: input.nexts, polls: input.pollsAfterEnd, returns: input.returns }).toEqual({ nexts: 4, polls: 0, returns: 0 });
  });

  // Mutant: the generator's `finally { items.close() }` emptied.
  it('releases its input when the consumer stops early, and when it panics', () => {
    const input = new Probe([R(0n, 0x1000n), R(0x2000n, 0x3000n), R(0x4000n, 0x5000n)]);
    for (const _ of flattenRanges(input)) break;
    expect(input.returns).toBe(1);
    const unsorted = new Probe([R(0x2000n, 0x3000n), R(0x1000n, 0x4000n), R(0x8000n, 0x9000n)]);
    expect(() => [...flattenRanges(unsorted)]).toThrow(expect.objectContaining({ code: 'flatten_not_sorted' }));
    expect(unsorted.returns).toBe(1);
  });

  // Mutants of the merged end `maxBig(range.end, next.end)`: each row has the larger end on a
  // different side, so neither "always the first" nor "always the second" survives.
  it.each([
    ['the later range ends beyond', [R(0n, 0x2000n), R(0x1000n, 0x3000n)], ['0x0..0x3000']],
    ['the later range ends inside', [R(0n, 0x4000n), R(0x1000n, 0x2000n), R(0x4000n, 0x5000n)], ['0x0..0x5000']],
    ['both end together', [R(0n, 0x2000n), R(0x1000n, 0x2000n), R(0x3000n, 0x4000n)], ['0x0..0x2000', '0x3000..0x4000']],
  ])('the merged end is the larger end: %s', (_name, ranges, want) => {
    expect([...flattenRanges(ranges)].map(String)).toEqual(want);
  });
});

describe('argument checks', () => {
  // Mutants: each argument name and the expected texts emptied, and expectIterable's
  // `typeof value[Symbol.iterator] !== 'function'` → false (a plain object would pass the check
  // and fail deep inside the walk with a TypeError).
  const notIterable = { length: 0 };
  it.each([
    ['walkRanges(left)', () => walkRanges(notIterable as never, [])],
    ['walkRanges(right)', () => walkRanges([], notIterable as never)],
    ['subtractRanges(left)', () => subtractRanges(notIterable as never, [])],
    ['subtractRanges(right)', () => subtractRanges([], notIterable as never)],
    ['overlappingRanges(left)', () => overlappingRanges(notIterable as never, [])],
    ['overlappingRanges(right)', () => overlappingRanges([], notIterable as never)],
    ['mergeAdjacentRanges(iter)', () => mergeAdjacentRanges(notIterable as never)],
    ['flattenRanges(iter)', () => flattenRanges(notIterable as never)],
  ] as const)('%s: an object without Symbol.iterator is an ArgumentError at the call', (argument, call) => {
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow(expect.objectContaining({ argument, expected: 'an iterable of ranges' }));
  });

  it('mergeAdjacentRanges(equals): not a function is an ArgumentError', () => {
    expect(() => mergeAdjacentRanges([], 5 as never)).toThrow(expect.objectContaining({ argument: 'mergeAdjacentRanges(equals)', expected: 'a function' }));
  });
});
