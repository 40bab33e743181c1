/**
 * `forEachPiece` (the callback walk the boot shim uses) against `walkRanges` (the iterator the
 * package exports): the same non-`neither` pieces in the same order, and the same error at the
 * same point, for sorted, unsorted, overlapping, empty and unaligned inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { walkRanges } from '../../src/memory/range-algebra.js';
import { forEachPiece } from '../../src/memory/range-walk.js';
import { MAX_ADDRESS, MemoryRange } from '../../src/memory/range.js';
import { sortByStartInPlace } from '../../src/memory/u64.js';

type Tagged = readonly [MemoryRange, string];

/** What a walk produced: each reported piece as text, then the error's class and message, if any. */
function viaIterator(left: Tagged[], right: Tagged[]): string[] {
  const out: string[] = [];
  try {
    for (const [piece, label] of walkRanges(left, right)) {
      if (label.kind === 'neither') continue;
      const l = label.kind === 'right' ? undefined : label.left;
      const r = label.kind === 'left' ? undefined : label.right;
      out.push(`${piece} ${label.kind} ${String(l)} ${String(r)}`);
    }
  } catch (e) {
    out.push(`threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
  return out;
}

function viaCallback(left: Tagged[], right: Tagged[]): string[] {
  const out: string[] = [];
  try {
    forEachPiece(left, right, (kind, piece, l, r) => out.push(`${piece} ${kind} ${String(l)} ${String(r)}`));
  } catch (e) {
    out.push(`threw ${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
  return out;
}

/** Bounds mostly page-aligned and near each other, sometimes unaligned or at the top of the space. */
const arbBound = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: 24n }).map((p) => p * 0x1000n), weight: 8 },
  { arbitrary: fc.bigInt({ min: 0n, max: 0x18000n }), weight: 1 },
  { arbitrary: fc.constantFrom(MAX_ADDRESS - 0x1000n, MAX_ADDRESS), weight: 1 },
);
const arbRange = fc.tuple(arbBound, arbBound).map(([a, b]) => MemoryRange.unchecked(a < b ? a : b, a < b ? b : a));
const arbList = (tag: string) =>
  fc
    .array(arbRange, { maxLength: 6 })
    .chain((ranges) => fc.boolean().map((sorted) => (sorted ? sortByStartInPlace(ranges, (r) => r.start) : ranges)))
    .map((ranges) => ranges.map((r, i): Tagged => [r, `${tag}${i}`]));

describe('forEachPiece', () => {
  it('reports what walkRanges yields, minus neither pieces, and fails where it fails', () => {
    fc.assert(
      fc.property(arbList('l'), arbList('r'), (left, right) => {
        expect(viaCallback(left, right)).toEqual(viaIterator(left, right));
      }),
      { numRuns: 3000 },
    );
  });

  it('stops at a throw from the visitor, after the pieces before it', () => {
    const left: Tagged[] = [[new MemoryRange(0x1000n, 0x3000n), 'a']];
    const right: Tagged[] = [[new MemoryRange(0x2000n, 0x4000n), 'b']];
    const seen: string[] = [];
    expect(() =>
      forEachPiece(left, right, (kind, piece) => {
        seen.push(`${piece} ${kind}`);
        if (kind === 'both') throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(seen).toEqual(['0x1000..0x2000 left', '0x2000..0x3000 both']);
  });

  it('closes an iterator input when the walk ends early', () => {
    let closed = false;
    const right: Iterable<Tagged> = {
      [Symbol.iterator]: () => {
        let done = false;
        return {
          next: () => (done ? { done: true, value: undefined } : ((done = true), { done: false, value: [new MemoryRange(0x1000n, 0x2000n), 'r'] as Tagged })),
          return: () => ((closed = true), { done: true, value: undefined }),
        };
      },
    };
    expect(() => forEachPiece([], right, () => { throw new Error('stop'); })).toThrow('stop');
    expect(closed).toBe(true);
  });
});

describe('sortByStartInPlace', () => {
  it('sorts as a stable Array.prototype.sort by start does, short lists and long', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 8n }), fc.nat()), { maxLength: 80 }), (items) => {
        const expected = [...items].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const copy = [...items];
        expect(sortByStartInPlace(copy, (i) => i[0])).toBe(copy);
        expect(copy).toEqual(expected);
      }),
    );
  });
});
