// The MemoryRange items ported for issue 11 (bounding, from_4k_gpn_range, the page counts,
// alignment, offset_of, intersection, Ord, the formats, InvalidMemoryRange, AlignedSubranges):
// what the range-algebra vectors cannot show, i.e. the TypeScript side of them — typed errors,
// their codes and fields, arguments that are not u64s, iterator protocol. The vectors
// (range-vectors.test.ts) pin the values themselves.
import { describe, expect, it } from 'vitest';

import { AlignedSubranges } from '../../src/memory/aligned-subranges.js';
import { InvalidMemoryRange, MAX_ADDRESS, MemoryRange, MemoryRangeError } from '../../src/memory/range.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const U64_MAX = (1n << 64n) - 1n;

function thrown(fn: () => unknown): MemoryRangeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MemoryRangeError);
    return e as MemoryRangeError;
  }
  return expect.fail('expected a MemoryRangeError');
}

describe('bounding and boundingAligned', () => {
  it('rounds the start down and the end up', () => {
    expect(MemoryRange.bounding(0x1001n, 0x1fffn).toString()).toBe('0x1000..0x2000');
    expect(MemoryRange.boundingAligned(0x20_1000n, 0x20_1000n, 0x20_0000n).toString()).toBe('0x200000..0x400000');
    expect(MemoryRange.boundingAligned(0x20_0000n, 0x20_0000n, 0x20_0000n).toString()).toBe('0x200000..0x200000');
    expect(MemoryRange.bounding(0n, MAX_ADDRESS).toString()).toBe('0x0..0xfffffffffffff000');
  });

  it.each([
    ['start above end', () => MemoryRange.bounding(0x2000n, 0x1000n), 'range_start_gt_end', 'assertion failed: range.start <= range.end'],
    ['alignment 3', () => MemoryRange.boundingAligned(0n, 0x1000n, 3n), 'alignment_not_power_of_two', 'assertion failed: alignment.is_power_of_two()'],
    // Order of upstream's asserts: start <= end before the alignment check.
    ['start above end and alignment 0', () => MemoryRange.boundingAligned(2n, 1n, 0n), 'range_start_gt_end', 'assertion failed: range.start <= range.end'],
    [
      'end in the last page',
      () => MemoryRange.bounding(0n, MAX_ADDRESS + 1n),
      'range_not_u64',
      'assertion failed: range.end <= u64::MAX - (alignment - 1)',
    ],
    // An alignment below a page leaves the bounds unaligned, and MemoryRange::new refuses them.
    ['alignment below a page', () => MemoryRange.boundingAligned(0x10n, 0x20n, 0x10n), 'range_start_unaligned', 'assertion failed: range.start & (PAGE_SIZE - 1) == 0'],
    ['a number', () => MemoryRange.bounding(1 as unknown as bigint, 2n), 'range_not_u64', 'value is not a u64'],
  ] as const)('%s → %s', (_name, fn, code, assertion) => {
    const e = thrown(fn);
    expect([e.code, e.assertion]).toEqual([code, assertion]);
    expect(e.message.startsWith(`${assertion} (`)).toBe(true);
  });
});

describe('from4kGpnRange', () => {
  it('multiplies page numbers by 4 KiB, up to the last page', () => {
    expect(MemoryRange.from4kGpnRange(5n, 7n).toString()).toBe('0x5000..0x7000');
    expect(MemoryRange.from4kGpnRange(0n, MAX_ADDRESS / 0x1000n).end).toBe(MAX_ADDRESS);
  });

  it.each([
    ['start page past 2^52', 1n << 52n, 0n, 'assertion failed: range.start <= MAX'],
    // Start is checked before end (mutant: checking end first gives the end text).
    ['both past 2^52', 1n << 52n, 1n << 52n, 'assertion failed: range.start <= MAX'],
    ['end page past 2^52', 0n, 1n << 52n, 'assertion failed: range.end <= MAX'],
    ['start above end', 2n, 1n, 'assertion failed: range.start <= range.end'],
  ])('%s', (_name, start, end, assertion) => {
    const e = thrown(() => MemoryRange.from4kGpnRange(start, end));
    expect(e.assertion).toBe(assertion);
  });
});

describe('page numbers and counts', () => {
  it('start/end page numbers round down; 4 KiB counts round down, 2 MiB counts up', () => {
    const r = R(0x20_0000n, 0x40_1000n);
    expect([r.start4kGpn, r.end4kGpn, r.pageCount4k, r.pageCount2m]).toEqual([0x200n, 0x401n, 0x201n, 2n]);
    expect(MemoryRange.EMPTY.pageCount2m).toBe(0n);
  });

  it('counts of an inverted range use the wrapping len', () => {
    expect(MemoryRange.unchecked(0x1001n, 0x1000n).pageCount2m).toBe(1n << 43n);
  });
});

describe('alignment', () => {
  it('is the largest power of two dividing base + start and base + end', () => {
    expect(R(0x40_2000n, 0x60_2000n).alignment(0x1f_e000n)).toBe(0x20_0000n);
    expect(R(0n, 0x4000_0000n).alignment(0n)).toBe(0x4000_0000n);
  });

  it('is 1 when both sums are 0 (the shift by 64 is masked in release), and the sums wrap', () => {
    expect(MemoryRange.EMPTY.alignment(0n)).toBe(1n);
    expect(R(0x1000n, 0x2000n).alignment(U64_MAX - 0xfffn)).toBe(0x1000n);
  });

  it('rejects a base that is not a u64', () => {
    expect(thrown(() => MemoryRange.EMPTY.alignment(-1n)).code).toBe('range_not_u64');
  });
});

describe('offsetOf and intersection', () => {
  it('offsetOf is the offset of a contained address, undefined otherwise', () => {
    const r = R(0x1000n, 0x3000n);
    expect([r.offsetOf(0x1000n), r.offsetOf(0x2fffn), r.offsetOf(0x3000n), r.offsetOf(0n)]).toEqual([0n, 0x1fffn, undefined, undefined]);
    expect(thrown(() => r.offsetOf(2 as unknown as bigint)).code).toBe('range_not_u64');
  });

  it('intersection is the common part, the empty range where they touch, EMPTY where they are apart', () => {
    expect(R(0x1000n, 0x3000n).intersection(R(0x2000n, 0x5000n)).toString()).toBe('0x2000..0x3000');
    expect(R(0x1000n, 0x2000n).intersection(R(0x2000n, 0x3000n)).toString()).toBe('0x2000..0x2000');
    expect(R(0x1000n, 0x2000n).intersection(R(0x3000n, 0x4000n))).toBe(MemoryRange.EMPTY);
  });

  it('intersection builds with MemoryRange::new, so unaligned bounds of unchecked ranges throw', () => {
    expect(thrown(() => MemoryRange.unchecked(0x1800n, 0x3000n).intersection(R(0x1000n, 0x2000n))).code).toBe('range_start_unaligned');
  });
});

describe('compare (derived Ord)', () => {
  it('orders by start, then end, and sorts as Rust does', () => {
    const sorted = [R(0x2000n, 0x3000n), R(0x1000n, 0x4000n), R(0x1000n, 0x2000n)].sort((a, b) => a.compare(b)).map(String);
    expect(sorted).toEqual(['0x1000..0x2000', '0x1000..0x4000', '0x2000..0x3000']);
    expect(R(0x1000n, 0x2000n).compare(R(0x1000n, 0x2000n))).toBe(0);
  });
});

describe('formats', () => {
  it('Display, Debug and {:#x?} are upstream\'s; toString stays the Rust range notation', () => {
    const r = R(0x1000n, 0x2000n);
    expect(r.display()).toBe('0x1000-0x2000');
    expect(r.debug()).toBe('MemoryRange { start: 4096, end: 8192 }');
    expect(r.debugAltHex()).toBe('MemoryRange {\n    start: 0x1000,\n    end: 0x2000,\n}');
    expect(r.toString()).toBe('0x1000..0x2000');
  });
});

describe('tryNew returns InvalidMemoryRange', () => {
  it('with upstream\'s Display and Debug, and still a MemoryRangeError with new\'s assertion', () => {
    const e = MemoryRange.tryNew(0x6000n, 0x1n);
    expect(e).toBeInstanceOf(InvalidMemoryRange);
    const err = e as InvalidMemoryRange;
    expect(err.display).toBe('unaligned or invalid memory range: 0x6000-0x1');
    expect(err.debug).toBe('InvalidMemoryRange { start: 24576, end: 1 }');
    expect([err.code, err.assertion, err.start, err.end]).toEqual([
      'range_end_unaligned',
      'assertion failed: range.end & (PAGE_SIZE - 1) == 0',
      0x6000n,
      1n,
    ]);
  });

  it('but a plain range_not_u64 MemoryRangeError when a bound is not a u64', () => {
    const e = MemoryRange.tryNew(0n, 1n << 64n);
    expect(e).toBeInstanceOf(MemoryRangeError);
    expect(e).not.toBeInstanceOf(InvalidMemoryRange);
    expect((e as MemoryRangeError).code).toBe('range_not_u64');
  });
});

describe('AlignedSubranges', () => {
  it('cuts at 2 MiB and 1 GiB boundaries and caps each piece at maxLen', () => {
    const base = R(0x1f_f000n, 0x8020_1000n);
    expect([...new AlignedSubranges(base)].map(String)).toEqual([
      '0x1ff000..0x200000',
      '0x200000..0x40000000',
      '0x40000000..0x80000000',
      '0x80000000..0x80200000',
      '0x80200000..0x80201000',
    ]);
    // No whole 1 GiB page inside: only the 2 MiB cuts.
    expect([...new AlignedSubranges(R(0x1f_f000n, 0x4020_1000n))].map(String)).toEqual([
      '0x1ff000..0x200000',
      '0x200000..0x40200000',
      '0x40200000..0x40201000',
    ]);
    expect([...new AlignedSubranges(R(0n, 0x3000n)).withMaxRangeLen(0x1000n)].map(String)).toEqual([
      '0x0..0x1000',
      '0x1000..0x2000',
      '0x2000..0x3000',
    ]);
  });

  it('builders return new iterators and leave the original as it was', () => {
    const plain = new AlignedSubranges(R(0x40_2000n, 0x60_2000n));
    const capped = plain.withMaxRangeLen(0x1000n);
    expect([...capped]).toHaveLength(0x200);
    expect([...plain].map(String)).toEqual(['0x402000..0x602000']);
  });

  it('throws where upstream panics, after the pieces before it, and is done afterwards', () => {
    const it = new AlignedSubranges(R(0xffff_ffff_ffff_8000n, MAX_ADDRESS));
    expect(thrown(() => it.next()).assertion).toBe('assertion failed: range.start <= range.end');
    expect(it.next()).toEqual({ done: true, value: undefined });
  });

  it('rejects an offset or max length that is not a u64', () => {
    expect(thrown(() => new AlignedSubranges(MemoryRange.EMPTY).withOffset(-1n)).code).toBe('range_not_u64');
    expect(thrown(() => new AlignedSubranges(MemoryRange.EMPTY).withMaxRangeLen(1n << 64n)).code).toBe('range_not_u64');
  });
});
