import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Vtl2PersistError } from '../../src/errors.js';
import type { RangeAlgebraErrorCode, RangeWalkResult } from '../../src/memory/range-algebra.js';
import {
  flattenRanges,
  mergeAdjacentRanges,
  overlappingRanges,
  RangeAlgebraError,
  subtractRanges,
  walkRanges,
} from '../../src/memory/range-algebra.js';
import { MAX_ADDRESS, MemoryRange, MemoryRangeError, PAGE_SIZE } from '../../src/memory/range.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const TOP = MAX_ADDRESS - PAGE_SIZE; // start of the last page

type Tagged<T> = readonly [MemoryRange, T];

/** One walk piece as text, so expected partitions read like a table. */
function showPiece([range, label]: [MemoryRange, RangeWalkResult<unknown, unknown>]): string {
  switch (label.kind) {
    case 'neither':
      return `${range} neither`;
    case 'left':
      return `${range} left:${String(label.left)}`;
    case 'right':
      return `${range} right:${String(label.right)}`;
    case 'both':
      return `${range} both:${String(label.left)}/${String(label.right)}`;
  }
}

const walk = (left: Tagged<string>[], right: Tagged<string>[]): string[] =>
  [...walkRanges(left, right)].map(showPiece);

/** Pulls from `gen` until it throws; returns what was produced and the RangeAlgebraError. */
function pullUntilError<T>(gen: Iterable<T>): { produced: T[]; error: RangeAlgebraError } {
  const produced: T[] = [];
  try {
    for (const item of gen) produced.push(item);
  } catch (e) {
    expect(e).toBeInstanceOf(RangeAlgebraError);
    expect(e).toBeInstanceOf(Vtl2PersistError);
    return { produced, error: e as RangeAlgebraError };
  }
  return expect.fail(`expected a RangeAlgebraError after ${produced.length} items`);
}

describe('walkRanges', () => {
  const cases: [string, Tagged<string>[], Tagged<string>[], string[]][] = [
    ['no input: one Neither piece to MAX_ADDRESS', [], [], ['0x0..0xfffffffffffff000 neither']],
    [
      'left only, with a gap before it',
      [[R(0x1000n, 0x2000n), 'a']],
      [],
      ['0x0..0x1000 neither', '0x1000..0x2000 left:a', '0x2000..0xfffffffffffff000 neither'],
    ],
    [
      'right only, starting at 0',
      [],
      [[R(0n, 0x1000n), 'b']],
      ['0x0..0x1000 right:b', '0x1000..0xfffffffffffff000 neither'],
    ],
    [
      'right nested inside left',
      [[R(0x1000n, 0x4000n), 'a']],
      [[R(0x2000n, 0x3000n), 'b']],
      [
        '0x0..0x1000 neither',
        '0x1000..0x2000 left:a',
        '0x2000..0x3000 both:a/b',
        '0x3000..0x4000 left:a',
        '0x4000..0xfffffffffffff000 neither',
      ],
    ],
    [
      'partial overlap',
      [[R(0x1000n, 0x3000n), 'a']],
      [[R(0x2000n, 0x5000n), 'b']],
      [
        '0x0..0x1000 neither',
        '0x1000..0x2000 left:a',
        '0x2000..0x3000 both:a/b',
        '0x3000..0x5000 right:b',
        '0x5000..0xfffffffffffff000 neither',
      ],
    ],
    [
      'touching across sides do not overlap',
      [[R(0x1000n, 0x2000n), 'a']],
      [[R(0x2000n, 0x3000n), 'b']],
      ['0x0..0x1000 neither', '0x1000..0x2000 left:a', '0x2000..0x3000 right:b', '0x3000..0xfffffffffffff000 neither'],
    ],
    [
      'touching ranges on one side stay separate pieces, even with equal tags',
      [
        [R(0n, 0x1000n), 'a'],
        [R(0x1000n, 0x2000n), 'a'],
      ],
      [],
      ['0x0..0x1000 left:a', '0x1000..0x2000 left:a', '0x2000..0xfffffffffffff000 neither'],
    ],
    [
      'identical ranges',
      [[R(0x1000n, 0x2000n), 'a']],
      [[R(0x1000n, 0x2000n), 'b']],
      ['0x0..0x1000 neither', '0x1000..0x2000 both:a/b', '0x2000..0xfffffffffffff000 neither'],
    ],
    [
      'one right range spanning several left ranges',
      [
        [R(0x1000n, 0x2000n), 'a'],
        [R(0x5000n, 0x6000n), 'c'],
      ],
      [[R(0n, 0x8000n), 'b']],
      [
        '0x0..0x1000 right:b',
        '0x1000..0x2000 both:a/b',
        '0x2000..0x5000 right:b',
        '0x5000..0x6000 both:c/b',
        '0x6000..0x8000 right:b',
        '0x8000..0xfffffffffffff000 neither',
      ],
    ],
    [
      'empty ranges are skipped',
      [
        [R(0x1000n, 0x1000n), 'x'],
        [R(0x2000n, 0x3000n), 'a'],
      ],
      [[R(0x2000n, 0x2000n), 'y']],
      ['0x0..0x2000 neither', '0x2000..0x3000 left:a', '0x3000..0xfffffffffffff000 neither'],
    ],
    [
      'an unsorted empty range fetched early (while pos is still below it) is fine',
      [
        [R(0x3000n, 0x3000n), 'x'],
        [R(0x1000n, 0x2000n), 'a'],
      ],
      [],
      ['0x0..0x1000 neither', '0x1000..0x2000 left:a', '0x2000..0xfffffffffffff000 neither'],
    ],
    [
      'a range ending at MAX_ADDRESS leaves no trailing Neither piece',
      [[R(TOP, MAX_ADDRESS), 'a']],
      [[R(TOP - PAGE_SIZE, TOP), 'b']],
      [
        '0x0..0xffffffffffffd000 neither',
        '0xffffffffffffd000..0xffffffffffffe000 right:b',
        '0xffffffffffffe000..0xfffffffffffff000 left:a',
      ],
    ],
  ];

  it.each(cases)('%s', (_name, left, right, expected) => {
    expect(walk(left, right)).toEqual(expected);
  });
});

describe('walkRanges ordering panics', () => {
  const cases: [string, Tagged<string>[], Tagged<string>[], RangeAlgebraErrorCode, MemoryRange, bigint, string[]][] = [
    [
      'left out of order',
      [
        [R(0x2000n, 0x3000n), 'a'],
        [R(0x1000n, 0x2000n), 'c'],
      ],
      [],
      'walk_left_not_sorted',
      R(0x1000n, 0x2000n),
      0x3000n,
      ['0x0..0x2000 neither', '0x2000..0x3000 left:a'],
    ],
    [
      'right out of order',
      [],
      [
        [R(0x2000n, 0x3000n), 'b'],
        [R(0x1000n, 0x2000n), 'd'],
      ],
      'walk_right_not_sorted',
      R(0x1000n, 0x2000n),
      0x3000n,
      ['0x0..0x2000 neither', '0x2000..0x3000 right:b'],
    ],
    [
      'both out of order: left is consulted first',
      [
        [R(0x2000n, 0x3000n), 'a'],
        [R(0x1000n, 0x2000n), 'c'],
      ],
      [
        [R(0x2000n, 0x3000n), 'b'],
        [R(0x1000n, 0x2000n), 'd'],
      ],
      'walk_left_not_sorted',
      R(0x1000n, 0x2000n),
      0x3000n,
      ['0x0..0x2000 neither', '0x2000..0x3000 both:a/b'],
    ],
    [
      'overlapping ranges within one side panic when the second is fetched',
      [
        [R(0x1000n, 0x3000n), 'a'],
        [R(0x2000n, 0x4000n), 'c'],
      ],
      [],
      'walk_left_not_sorted',
      R(0x2000n, 0x4000n),
      0x3000n,
      ['0x0..0x1000 neither', '0x1000..0x3000 left:a'],
    ],
    [
      'fetch-time rule: an empty range fetched after pos passed its start panics',
      [],
      [
        [R(0x1000n, 0x3000n), 'b'],
        [R(0x2000n, 0x2000n), 'e'],
      ],
      'walk_right_not_sorted',
      R(0x2000n, 0x2000n),
      0x3000n,
      ['0x0..0x1000 neither', '0x1000..0x3000 right:b'],
    ],
    [
      'a right range fetched while the left side holds the walk back',
      [[R(0x1000n, 0x4000n), 'a']],
      [
        [R(0x1000n, 0x2000n), 'b'],
        [R(0x1000n, 0x3000n), 'd'],
      ],
      'walk_right_not_sorted',
      R(0x1000n, 0x3000n),
      0x2000n,
      ['0x0..0x1000 neither', '0x1000..0x2000 both:a/b'],
    ],
  ];

  it.each(cases)('%s', (_name, left, right, code, range, position, before) => {
    const { produced, error } = pullUntilError(walkRanges(left, right));
    expect(produced.map(showPiece)).toEqual(before);
    expect(error.code).toBe(code);
    expect(error.assertion).toBe(code === 'walk_left_not_sorted' ? 'left not sorted' : 'right not sorted');
    expect(error.range.equals(range)).toBe(true);
    expect(error.position).toBe(position);
    expect(error.previous).toBeUndefined();
  });

  it('names the range and position in the message', () => {
    const { error } = pullUntilError(
      walkRanges(
        [],
        [
          [R(0x2000n, 0x3000n), 0],
          [R(0x1000n, 0x2000n), 1],
        ],
      ),
    );
    expect(error.message).toBe('right not sorted (right range 0x1000..0x2000 starts below the walk position 0x3000)');
  });
});

describe('walkRanges laziness', () => {
  it('does not panic on unsorted input the consumer never reaches', () => {
    const gen = walkRanges(
      [
        [R(0x1000n, 0x2000n), 'a'],
        [R(0n, 0x1000n), 'c'],
      ],
      [],
    );
    expect(showPiece(gen.next().value as never)).toBe('0x0..0x1000 neither');
    expect(showPiece(gen.next().value as never)).toBe('0x1000..0x2000 left:a');
    expect(() => gen.next()).toThrow(RangeAlgebraError);
  });

  it('pulls input only as needed, so infinite inputs work', () => {
    let pulled = 0;
    function* everyOtherPage(): Generator<Tagged<number>> {
      for (let i = 0n; ; i++) {
        pulled++;
        yield [R(i * 0x2000n, i * 0x2000n + PAGE_SIZE), Number(i)];
      }
    }
    const gen = walkRanges(everyOtherPage(), []);
    const first = [gen.next(), gen.next(), gen.next()].map((r) => showPiece(r.value as never));
    expect(first).toEqual(['0x0..0x1000 left:0', '0x1000..0x2000 neither', '0x2000..0x3000 left:1']);
    expect(pulled).toBe(2);
  });

  it('releases its inputs when the consumer stops early', () => {
    const closed: string[] = [];
    function* side(name: string): Generator<Tagged<string>> {
      try {
        yield [R(0x1000n, 0x2000n), name];
        yield [R(0x3000n, 0x4000n), name];
      } finally {
        closed.push(name);
      }
    }
    for (const _piece of walkRanges(side('l'), side('r'))) break;
    expect(closed).toEqual(['l', 'r']);
  });

  it('releases its inputs when a piece assertion throws, and is done after it', () => {
    const closed: string[] = [];
    function* side(): Generator<Tagged<string>> {
      try {
        yield [MemoryRange.unchecked(0x1800n, 0x3000n), 'x'];
      } finally {
        closed.push('l');
      }
    }
    const gen = walkRanges(side(), []);
    expect(() => gen.next()).toThrow(MemoryRangeError);
    expect(closed).toEqual(['l']);
    expect(gen.next().done).toBe(true);
  });
});

describe('walkRanges on unaligned decoded ranges (MemoryRange.unchecked)', () => {
  // Upstream builds every piece with MemoryRange::new, so a piece bound taken from an unaligned
  // saved range asserts, even when that piece is one the consumer ignores.
  it.each([
    ['unaligned start ends the gap before it', MemoryRange.unchecked(0x1800n, 0x3000n), '0x0..0x1800', 'range_end_unaligned'],
    ['unaligned end ends the covered piece', MemoryRange.unchecked(0x1000n, 0x1800n), '0x1000..0x1800', 'range_end_unaligned'],
  ] as const)('%s', (_name, range, piece, code) => {
    const seen: string[] = [];
    let error: unknown;
    try {
      for (const [p] of walkRanges([[range, 'l'] as const], [])) seen.push(p.toString());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MemoryRangeError);
    expect((error as MemoryRangeError).code).toBe(code);
    expect((error as MemoryRangeError).assertion).toBe('assertion failed: range.end & (PAGE_SIZE - 1) == 0');
    expect((error as MemoryRangeError).message).toContain(piece);
    // Every piece before the bad one was yielded, none after.
    expect(seen.every((p) => p !== piece)).toBe(true);
  });

  it('merges an aligned run of unchecked ranges without asserting', () => {
    const a = MemoryRange.unchecked(0x1000n, 0x2000n);
    const b = MemoryRange.unchecked(0x2000n, 0x3000n);
    expect([...mergeAdjacentRanges([[a, 0] as const, [b, 0] as const])].map(([r]) => r.toString())).toEqual(['0x1000..0x3000']);
  });
});

describe('subtractRanges and overlappingRanges', () => {
  const cases: [string, MemoryRange[], MemoryRange[], string[], string[]][] = [
    ['hole in the middle', [R(0x1000n, 0x5000n)], [R(0x2000n, 0x3000n)], ['0x1000..0x2000', '0x3000..0x5000'], ['0x2000..0x3000']],
    ['nothing to subtract (empties dropped)', [R(0n, 0n), R(0x1000n, 0x2000n), R(0x2000n, 0x3000n)], [], ['0x1000..0x2000', '0x2000..0x3000'], []],
    ['fully covered', [R(0x1000n, 0x2000n)], [R(0n, 0x4000n)], [], ['0x1000..0x2000']],
    ['disjoint', [R(0x1000n, 0x2000n)], [R(0x3000n, 0x4000n)], ['0x1000..0x2000'], []],
    [
      'several on both sides',
      [R(0x1000n, 0x5000n), R(0x8000n, 0xa000n)],
      [R(0x2000n, 0x3000n), R(0x4000n, 0x9000n)],
      ['0x1000..0x2000', '0x3000..0x4000', '0x9000..0xa000'],
      ['0x2000..0x3000', '0x4000..0x5000', '0x8000..0x9000'],
    ],
    ['up to MAX_ADDRESS', [R(0n, MAX_ADDRESS)], [R(0x1000n, TOP)], ['0x0..0x1000', '0xffffffffffffe000..0xfffffffffffff000'], ['0x1000..0xffffffffffffe000']],
  ];

  it.each(cases)('%s', (_name, left, right, subtracted, overlapping) => {
    expect([...subtractRanges(left, right)].map(String)).toEqual(subtracted);
    expect([...overlappingRanges(left, right)].map(String)).toEqual(overlapping);
  });

  it('propagates ordering panics from the walk', () => {
    const unsorted = [R(0x2000n, 0x3000n), R(0x1000n, 0x2000n)];
    expect(pullUntilError(subtractRanges(unsorted, [])).error.code).toBe('walk_left_not_sorted');
    expect(pullUntilError(overlappingRanges([], unsorted)).error.code).toBe('walk_right_not_sorted');
  });
});

describe('mergeAdjacentRanges', () => {
  const merge = (items: Tagged<string>[]): string[] => [...mergeAdjacentRanges(items)].map(([r, t]) => `${r} ${t}`);

  const cases: [string, Tagged<string>[], string[]][] = [
    ['empty input', [], []],
    ['single range', [[R(0x1000n, 0x2000n), 'a']], ['0x1000..0x2000 a']],
    [
      'touching, same tag: merged',
      [
        [R(0n, 0x1000n), 'a'],
        [R(0x1000n, 0x2000n), 'a'],
      ],
      ['0x0..0x2000 a'],
    ],
    [
      'touching, different tag: separate',
      [
        [R(0n, 0x1000n), 'a'],
        [R(0x1000n, 0x2000n), 'b'],
      ],
      ['0x0..0x1000 a', '0x1000..0x2000 b'],
    ],
    [
      'gap, same tag: separate',
      [
        [R(0n, 0x1000n), 'a'],
        [R(0x2000n, 0x3000n), 'a'],
      ],
      ['0x0..0x1000 a', '0x2000..0x3000 a'],
    ],
    [
      'runs',
      [
        [R(0n, 0x1000n), 'a'],
        [R(0x1000n, 0x2000n), 'a'],
        [R(0x2000n, 0x3000n), 'b'],
        [R(0x3000n, 0x4000n), 'b'],
        [R(0x4000n, 0x5000n), 'a'],
      ],
      ['0x0..0x2000 a', '0x2000..0x4000 b', '0x4000..0x5000 a'],
    ],
    [
      'an empty range touching the next merges into it',
      [
        [R(0x1000n, 0x1000n), 'a'],
        [R(0x1000n, 0x2000n), 'a'],
      ],
      ['0x1000..0x2000 a'],
    ],
    [
      'an empty range with a different tag stays',
      [
        [R(0x1000n, 0x2000n), 'a'],
        [R(0x2000n, 0x2000n), 'b'],
        [R(0x2000n, 0x3000n), 'a'],
      ],
      ['0x1000..0x2000 a', '0x2000..0x2000 b', '0x2000..0x3000 a'],
    ],
  ];

  it.each(cases)('%s', (_name, items, expected) => {
    expect(merge(items)).toEqual(expected);
  });

  it('keeps the first tag of a group and uses the custom equality', () => {
    const sameLetter = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    const out = [
      ...mergeAdjacentRanges(
        [
          [R(0n, 0x1000n), 'A'],
          [R(0x1000n, 0x2000n), 'a'],
          [R(0x2000n, 0x3000n), 'b'],
        ],
        sameLetter,
      ),
    ].map(([r, t]) => `${r} ${t}`);
    expect(out).toEqual(['0x0..0x2000 A', '0x2000..0x3000 b']);
  });

  it('defaults to identity (Object.is) for object tags', () => {
    const items: Tagged<{ node: number }>[] = [
      [R(0n, 0x1000n), { node: 1 }],
      [R(0x1000n, 0x2000n), { node: 1 }],
    ];
    expect([...mergeAdjacentRanges(items)]).toHaveLength(2);
    expect([...mergeAdjacentRanges(items, (a, b) => a.node === b.node)]).toHaveLength(1);
  });

  const panics: [string, Tagged<string>[], RangeAlgebraErrorCode, string, MemoryRange, MemoryRange, string[]][] = [
    [
      'not sorted',
      [
        [R(0x2000n, 0x3000n), 'a'],
        [R(0x1000n, 0x2000n), 'a'],
      ],
      'merge_not_sorted',
      'ranges are not sorted',
      R(0x1000n, 0x2000n),
      R(0x2000n, 0x3000n),
      [],
    ],
    [
      'overlap',
      [
        [R(0x1000n, 0x3000n), 'a'],
        [R(0x2000n, 0x4000n), 'b'],
      ],
      'merge_overlap',
      'ranges overlap',
      R(0x2000n, 0x4000n),
      R(0x1000n, 0x3000n),
      [],
    ],
    [
      'unsorted and overlapping: sortedness is checked first',
      [
        [R(0x2000n, 0x4000n), 'a'],
        [R(0x1000n, 0x3000n), 'a'],
      ],
      'merge_not_sorted',
      'ranges are not sorted',
      R(0x1000n, 0x3000n),
      R(0x2000n, 0x4000n),
      [],
    ],
    [
      'overlap is checked against the group merged so far',
      [
        [R(0n, 0x1000n), 'a'],
        [R(0x1000n, 0x3000n), 'a'],
        [R(0x2000n, 0x4000n), 'a'],
      ],
      'merge_overlap',
      'ranges overlap',
      R(0x2000n, 0x4000n),
      R(0n, 0x3000n),
      [],
    ],
    [
      'an empty range inside the previous one overlaps it',
      [
        [R(0x1000n, 0x3000n), 'a'],
        [R(0x2000n, 0x2000n), 'a'],
      ],
      'merge_overlap',
      'ranges overlap',
      R(0x2000n, 0x2000n),
      R(0x1000n, 0x3000n),
      [],
    ],
    [
      'lazy: earlier groups are produced before the panic',
      [
        [R(0n, 0x1000n), 'a'],
        [R(0x3000n, 0x4000n), 'b'],
        [R(0x1000n, 0x2000n), 'c'],
      ],
      'merge_not_sorted',
      'ranges are not sorted',
      R(0x1000n, 0x2000n),
      R(0x3000n, 0x4000n),
      ['0x0..0x1000 a'],
    ],
  ];

  it.each(panics)('%s', (_name, items, code, assertion, range, previous, before) => {
    const { produced, error } = pullUntilError(mergeAdjacentRanges(items));
    expect(produced.map(([r, t]) => `${r} ${t}`)).toEqual(before);
    expect(error.code).toBe(code);
    expect(error.assertion).toBe(assertion);
    expect(error.message.startsWith(`${assertion} (`)).toBe(true);
    expect(error.range.equals(range)).toBe(true);
    expect(error.previous?.equals(previous)).toBe(true);
    expect(error.position).toBeUndefined();
  });

  it('names both ranges in the message', () => {
    const { error } = pullUntilError(
      mergeAdjacentRanges([
        [R(0x1000n, 0x3000n), 'a'],
        [R(0x2000n, 0x4000n), 'b'],
      ]),
    );
    expect(error.message).toBe(
      'ranges overlap (range 0x2000..0x4000 starts below the end of the preceding range 0x1000..0x3000)',
    );
  });
});

describe('flattenRanges', () => {
  const flatten = (ranges: MemoryRange[]): string[] => [...flattenRanges(ranges)].map(String);

  const cases: [string, MemoryRange[], string[]][] = [
    ['empty input', [], []],
    ['overlapping', [R(0n, 0x2000n), R(0x1000n, 0x3000n)], ['0x0..0x3000']],
    ['touching', [R(0n, 0x1000n), R(0x1000n, 0x2000n)], ['0x0..0x2000']],
    ['contained keeps the larger end', [R(0n, 0x4000n), R(0x1000n, 0x2000n)], ['0x0..0x4000']],
    ['same start', [R(0x1000n, 0x2000n), R(0x1000n, 0x5000n)], ['0x1000..0x5000']],
    ['gap', [R(0n, 0x1000n), R(0x2000n, 0x3000n)], ['0x0..0x1000', '0x2000..0x3000']],
    ['chain', [R(0n, 0x2000n), R(0x1000n, 0x3000n), R(0x3000n, 0x4000n), R(0x6000n, 0x7000n)], ['0x0..0x4000', '0x6000..0x7000']],
    [
      'an isolated empty range passes through',
      [R(0n, 0x1000n), R(0x3000n, 0x3000n), R(0x5000n, 0x6000n)],
      ['0x0..0x1000', '0x3000..0x3000', '0x5000..0x6000'],
    ],
    ['up to MAX_ADDRESS', [R(TOP - PAGE_SIZE, TOP), R(TOP, MAX_ADDRESS)], ['0xffffffffffffd000..0xfffffffffffff000']],
  ];

  it.each(cases)('%s', (_name, ranges, expected) => {
    expect(flatten(ranges)).toEqual(expected);
  });

  it('panics "ranges are not sorted", lazily', () => {
    const { produced, error } = pullUntilError(flattenRanges([R(0n, 0x1000n), R(0x3000n, 0x4000n), R(0x2000n, 0x5000n)]));
    expect(produced.map(String)).toEqual(['0x0..0x1000']);
    expect(error.code).toBe('flatten_not_sorted');
    expect(error.assertion).toBe('ranges are not sorted');
    expect(error.range.equals(R(0x2000n, 0x5000n))).toBe(true);
    expect(error.previous?.equals(R(0x3000n, 0x4000n))).toBe(true);
    expect(error.message).toBe(
      'ranges are not sorted (range 0x2000..0x5000 starts below the start of the preceding range 0x3000..0x4000)',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const MAX_PAGE = MAX_ADDRESS / PAGE_SIZE;
const NUM_RUNS = 300;

/** Where a generated list starts: at 0, anywhere, or within a few pages of the top. */
const arbBasePage = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: MAX_PAGE }),
  fc.bigInt({ min: MAX_PAGE - 40n, max: MAX_PAGE }),
);

/** Mostly small page counts (so ranges touch and interleave), sometimes huge ones. */
const arbPages = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: 3n }), weight: 4 },
  { arbitrary: fc.bigInt({ min: 0n, max: 1n << 36n }), weight: 1 },
);

const arbSteps = fc.array(fc.record({ gap: arbPages, len: arbPages, tag: fc.constantFrom('a', 'b') }), {
  maxLength: 12,
});

/** Sorted, non-overlapping (touching allowed, empty allowed) tagged ranges from `base`. */
function layOut(base: bigint, steps: { gap: bigint; len: bigint; tag: string }[]): Tagged<string>[] {
  const out: Tagged<string>[] = [];
  let cursor = base;
  for (const { gap, len, tag } of steps) {
    const start = cursor + gap;
    const end = start + len;
    if (end > MAX_PAGE) break;
    out.push([R(start * PAGE_SIZE, end * PAGE_SIZE), tag]);
    cursor = end;
  }
  return out;
}

const arbTagged = fc.tuple(arbBasePage, arbSteps).map(([base, steps]) => layOut(base, steps));

/** Two lists that usually share a base, so they interleave; sometimes independent. */
const arbPair = fc.oneof(
  fc.tuple(arbBasePage, arbSteps, arbSteps).map(([base, l, r]) => [layOut(base, l), layOut(base, r)] as const),
  fc.tuple(arbTagged, arbTagged),
);

const rangesOf = (items: readonly Tagged<unknown>[]): MemoryRange[] => items.map(([r]) => r);
const indexTagged = (ranges: readonly MemoryRange[]): Tagged<number>[] => ranges.map((r, i) => [r, i]);

/** Index of the range containing `addr`, or -1: the independent oracle. */
const coveringIndex = (ranges: readonly MemoryRange[], addr: bigint): number =>
  ranges.findIndex((r) => r.containsAddr(addr));
const covers = (ranges: readonly MemoryRange[], addr: bigint): boolean => coveringIndex(ranges, addr) >= 0;

/**
 * Every boundary of every list. Coverage by any of the lists is constant between consecutive
 * boundaries, so comparing membership at these points compares the address sets exactly.
 */
function boundaries(...lists: readonly (readonly MemoryRange[])[]): bigint[] {
  const points = new Set<bigint>([0n]);
  for (const list of lists) {
    for (const r of list) {
      points.add(r.start);
      points.add(r.end);
    }
  }
  return [...points].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function expectSameCoverage(a: readonly MemoryRange[], b: readonly MemoryRange[]): void {
  for (const p of boundaries(a, b)) expect(covers(a, p), `address ${p}`).toBe(covers(b, p));
}

/** Canonical address set: drop empties, sort, flatten. */
const canonical = (ranges: readonly MemoryRange[]): string[] =>
  [...flattenRanges([...ranges].filter((r) => !r.isEmpty()).sort((x, y) => (x.start < y.start ? -1 : 1)))].map(String);

describe('properties', () => {
  it('walkRanges partitions [0, MAX_ADDRESS) into consecutive non-empty pieces', () => {
    fc.assert(
      fc.property(arbPair, ([left, right]) => {
        const pieces = [...walkRanges(left, right)].map(([r]) => r);
        expect(pieces[0]?.start).toBe(0n);
        expect(pieces.at(-1)?.end).toBe(MAX_ADDRESS);
        pieces.forEach((piece, i) => {
          expect(piece.isEmpty()).toBe(false);
          if (i > 0) expect(piece.start).toBe(pieces[i - 1]?.end);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("walkRanges labels every address by its membership in left and right, with the covering ranges' tags", () => {
    fc.assert(
      fc.property(arbPair, ([l, r]) => {
        const left = rangesOf(l);
        const right = rangesOf(r);
        const pieces = [...walkRanges(indexTagged(left), indexTagged(right))];
        for (const p of boundaries(left, right, rangesOf(pieces))) {
          if (p === MAX_ADDRESS) continue;
          const found = pieces.find(([piece]) => piece.containsAddr(p));
          expect(found, `no piece holds ${p}`).toBeDefined();
          const label = found![1];
          const li = coveringIndex(left, p);
          const ri = coveringIndex(right, p);
          const expected: RangeWalkResult<number, number> =
            li >= 0 && ri >= 0
              ? { kind: 'both', left: li, right: ri }
              : li >= 0
                ? { kind: 'left', left: li }
                : ri >= 0
                  ? { kind: 'right', right: ri }
                  : { kind: 'neither' };
          expect(label, `address ${p}`).toEqual(expected);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('subtract ∪ overlapping = left, the two are disjoint, and subtract misses right', () => {
    fc.assert(
      fc.property(arbPair, ([l, r]) => {
        const left = rangesOf(l);
        const right = rangesOf(r);
        const sub = [...subtractRanges(left, right)];
        const ov = [...overlappingRanges(left, right)];
        expect(canonical([...sub, ...ov])).toEqual(canonical(left));
        for (const s of sub) {
          for (const o of ov) expect(s.overlaps(o)).toBe(false);
          // Empty right ranges cover nothing, yet upstream's `overlaps` formula says one strictly
          // inside `s` overlaps it, so they are left out of this check.
          for (const x of right) if (!x.isEmpty()) expect(s.overlaps(x)).toBe(false);
        }
        // And pointwise against the oracle, independently of flattenRanges.
        for (const p of boundaries(left, right, sub, ov)) {
          expect(covers(sub, p)).toBe(covers(left, p) && !covers(right, p));
          expect(covers(ov, p)).toBe(covers(left, p) && covers(right, p));
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  /** A direct array model of merging valid input, written independently of the generator. */
  function mergeModel(items: readonly Tagged<string>[]): Tagged<string>[] {
    const out: Tagged<string>[] = [];
    for (const [range, tag] of items) {
      const last = out.at(-1);
      if (last !== undefined && last[0].end === range.start && last[1] === tag) {
        out[out.length - 1] = [R(last[0].start, range.end), last[1]];
      } else {
        out.push([range, tag]);
      }
    }
    return out;
  }

  it('mergeAdjacentRanges matches the model, is idempotent and preserves the covered set', () => {
    const show = (xs: readonly Tagged<string>[]): string[] => xs.map(([range, tag]) => `${range} ${tag}`);
    fc.assert(
      fc.property(arbTagged, (items) => {
        const once = [...mergeAdjacentRanges(items)];
        expect(show(once)).toEqual(show(mergeModel(items)));
        expect(show([...mergeAdjacentRanges(once)])).toEqual(show(once));
        expectSameCoverage(rangesOf(once), rangesOf(items));
        once.forEach(([range, tag], i) => {
          const prev = once[i - 1];
          // Maximal: whatever still touches its predecessor has a different tag.
          if (prev !== undefined && range.start === prev[0].end) expect(tag).not.toBe(prev[1]);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  /** Ranges sorted by start that may overlap, touch or be empty, for flatten. */
  const arbSortedOverlapping = fc
    .tuple(
      arbBasePage,
      fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 16n }), fc.bigInt({ min: 0n, max: 16n })), { maxLength: 12 }),
    )
    .map(([base, spans]) =>
      spans
        .map(([offset, len]) => {
          const start = base + offset > MAX_PAGE ? MAX_PAGE : base + offset;
          const end = start + len > MAX_PAGE ? MAX_PAGE : start + len;
          return R(start * PAGE_SIZE, end * PAGE_SIZE);
        })
        .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)),
    );

  it('flattenRanges output is sorted, non-touching and covers the same set', () => {
    fc.assert(
      fc.property(fc.oneof(arbSortedOverlapping, arbTagged.map(rangesOf)), (ranges) => {
        const flat = [...flattenRanges(ranges)];
        flat.forEach((r, i) => {
          const prev = flat[i - 1];
          if (prev !== undefined) expect(r.start > prev.end).toBe(true);
        });
        expectSameCoverage(flat, ranges);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
