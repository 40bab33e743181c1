/**
 * Page-aligned physical address ranges: a port of the upstream `memory_range::MemoryRange`
 * (`vm/vmcore/memory_range/src/lib.rs`), every public item of it. The error types are in
 * range-error.ts, the print formats in range-format.ts and `AlignedSubranges` in
 * aligned-subranges.ts; this module re-exports the first two.
 *
 * Every address and length is a `bigint` because guest physical addresses are u64 and a JS
 * number silently loses precision above 2^53. Where upstream does u64 arithmetic, this does it
 * as the release build does (overflow checks off: it wraps at 2^64), because that is how the
 * shipped boot shim and OpenHCL are built; test/vectors/range-algebra.jsonl.gz pins it down.
 */

import {
  explainRange,
  expectU64,
  isU64,
  MemoryRangeError,
  notU64,
  showValue,
  UPSTREAM_OVERFLOW_GUARDS,
} from './range-error.js';
import { debugAltHexRange, debugRange, displayRange } from './range-format.js';
import { ADDRESS_SPACE_END, formatHex, U64_MAX } from './u64.js';

export {
  InvalidMemoryRange,
  MemoryRangeError,
  type MemoryRangeErrorCode,
  type MemoryRangeErrorFields,
} from './range-error.js';
export { formatSize } from './range-format.js';

/** The only page size the handoff uses (upstream `memory_range`'s `PAGE_SIZE`). */
export const PAGE_SIZE = 0x1000n;

/**
 * Upstream `MemoryRange::MAX_ADDRESS`: the highest page-aligned u64. No range can end above it,
 * which is why a range walk's last piece ends exactly here.
 */
export const MAX_ADDRESS = 0xffff_ffff_ffff_f000n;

const PAGE_MASK = PAGE_SIZE - 1n;
const TWO_MB = 0x20_0000n;
/** Upstream `from_4k_gpn_range`'s `MAX`: `u64::MAX / PAGE_SIZE`, the last page number. */
const MAX_4K_GPN = U64_MAX / PAGE_SIZE;

/** Lowercase `0x` hex, as Rust's `{:#x}` prints (defined in `./u64.ts`, re-exported here for its many users). */
export { formatHex } from './u64.js';

/** Upstream `MemoryRange::new`'s checks; the detail strings are built only for a bad range. */
function validate(start: unknown, end: unknown): MemoryRangeError | undefined {
  // Ranges are built on every hot path, so the common case is one inline test.
  if (
    typeof start === 'bigint' &&
    typeof end === 'bigint' &&
    start >= 0n &&
    end < ADDRESS_SPACE_END &&
    (start & PAGE_MASK) === 0n &&
    (end & PAGE_MASK) === 0n &&
    start <= end
  ) {
    return undefined;
  }
  return explainRange(start, end);
}

/** `alignment.is_power_of_two()` (with our u64 check first), as `aligned_subrange` and `bounding_aligned` assert it. */
function expectPowerOfTwo(alignment: bigint, what: string, fields: { start?: bigint; end?: bigint }): void {
  expectU64(`alignment for ${what}`, alignment, fields);
  if (alignment === 0n || (alignment & (alignment - 1n)) !== 0n) {
    throw new MemoryRangeError('alignment_not_power_of_two', `alignment ${formatHex(alignment)} for ${what}`, {
      ...fields,
      value: alignment,
    });
  }
}

/** Set only around the constructor call in {@link trustedRange}, which then cannot throw. */
let skipChecks = false;

/**
 * A range with no checks at all, for src/memory's own algebra where both bounds are already
 * known to be u64s (they are bounds of existing ranges). Not exported from the package: every
 * other caller goes through the constructor or {@link MemoryRange.unchecked}. It still uses
 * the constructor, so every range shares one V8 hidden class and reads stay monomorphic.
 */
export function trustedRange(start: bigint, end: bigint): MemoryRange {
  skipChecks = true;
  const range = new MemoryRange(start, end);
  skipChecks = false;
  return range;
}

/**
 * An immutable half-open range `[start, end)` of guest physical addresses.
 *
 * Invariants (enforced by the constructor and every factory except {@link MemoryRange.unchecked}):
 * `start` and `end` are u64 values, both are multiples of {@link PAGE_SIZE}, and `start <= end`.
 * Consequently `end <= MAX_ADDRESS`. A range from `unchecked` (a decoded payload's) may break
 * them; every method then computes what upstream's release build computes on such a range.
 * Instances are immutable by type (`readonly`) but not frozen at run time: ranges are built on
 * every step of every boot, and `Object.freeze` alone cost about a tenth of a boot
 * (docs/performance.md).
 *
 * Upstream's `start()` / `end()` are the fields; `From<MemoryRange> for Range<u64>` is reading
 * them; `TryFrom<Range<u64>>` is {@link MemoryRange.tryNew}; derived `PartialEq` / `Ord` are
 * {@link MemoryRange.equals} / {@link MemoryRange.compare}.
 */
export class MemoryRange {
  /** Upstream `MemoryRange::EMPTY`: `0..0`, which upstream returns from failed sub-range operations. */
  static readonly EMPTY: MemoryRange = new MemoryRange(0n, 0n);

  /** First address in the range. */
  readonly start: bigint;
  /** First address after the range. */
  readonly end: bigint;

  /**
   * Upstream `MemoryRange::new`: start aligned, then end aligned, then `start <= end` (after
   * checking both are u64s).
   * @throws {MemoryRangeError} if any check fails.
   */
  constructor(start: bigint, end: bigint) {
    if (!skipChecks) {
      const bad = validate(start, end);
      if (bad) throw bad;
    }
    this.start = start;
    this.end = end;
  }

  /**
   * A range built WITHOUT the alignment and order checks, for values decoded
   * from a persisted payload: upstream's decoder fills `MemoryRange` fields
   * directly (its "TODO: enforce invariants during de/serialization"), so a
   * misaligned or reversed saved range only panics where upstream later calls
   * `MemoryRange::new` on it (merging, walking). Both bounds must still be u64s.
   * @throws {MemoryRangeError} `range_not_u64` only.
   */
  static unchecked(start: bigint, end: bigint): MemoryRange {
    if (!isU64(start) || !isU64(end)) throw (notU64('start', start, {}) ?? notU64('end', end, {})) as MemoryRangeError;
    return trustedRange(start, end);
  }

  /**
   * Upstream `MemoryRange::try_new` (and `TryFrom<Range<u64>>`): the constructor's checks, with
   * the failure returned so parsers can report it without try/catch. For u64 bounds the error is
   * an {@link InvalidMemoryRange}, whose `display` is upstream's error text.
   */
  static tryNew(start: bigint, end: bigint): MemoryRange | MemoryRangeError {
    // Validated once here: the constructor's identical checks would only repeat it.
    return validate(start, end) === undefined ? trustedRange(start, end) : (explainRange(start, end, true) as MemoryRangeError);
  }

  /**
   * The range `[start, start + len)`. Ours, not upstream's (which writes `new(start..start + len)`).
   * @throws {MemoryRangeError} `range_not_u64` if `len` is not a u64 or the end would pass 2^64,
   *   otherwise as the constructor.
   */
  static withLen(start: bigint, len: bigint): MemoryRange {
    if (!isU64(start) || !isU64(len)) {
      const fields = typeof start === 'bigint' ? { start } : {};
      throw (notU64(`start of range with length ${showValue(len)}`, start, fields) ??
        notU64(`length of range starting at ${showValue(start)}`, len, fields)) as MemoryRangeError;
    }
    // An end past 2^64 is reported by the constructor's u64 check.
    return new MemoryRange(start, start + len);
  }

  /**
   * Upstream `MemoryRange::bounding`: the smallest page-aligned range containing the byte
   * range `start..end` (`boundingAligned(start, end, PAGE_SIZE)`).
   * @throws {MemoryRangeError} as {@link MemoryRange.boundingAligned}.
   */
  static bounding(start: bigint, end: bigint): MemoryRange {
    return MemoryRange.boundingAligned(start, end, PAGE_SIZE);
  }

  /**
   * Upstream `MemoryRange::bounding_aligned`: start rounded down and end rounded up to
   * `alignment`. An alignment below a page can leave the bounds unaligned, and then the final
   * `MemoryRange::new` fails, as upstream's does.
   * @throws {MemoryRangeError} `range_not_u64`; `range_start_gt_end` if `start > end`;
   *   `alignment_not_power_of_two`; `range_not_u64` with upstream's guard text if rounding `end`
   *   up would pass `u64::MAX`; then as the constructor.
   */
  static boundingAligned(start: bigint, end: bigint, alignment: bigint): MemoryRange {
    const what = `bounding range ${showValue(start)}..${showValue(end)}`;
    expectU64(`start of ${what}`, start);
    expectU64(`end of ${what}`, end);
    const fields = { start, end };
    if (start > end) throw new MemoryRangeError('range_start_gt_end', `${what}: start is above end`, fields);
    expectPowerOfTwo(alignment, what, fields);
    const mask = alignment - 1n;
    if (end > U64_MAX - mask) {
      throw new MemoryRangeError(
        'range_not_u64',
        `${what}: end rounded up to ${formatHex(alignment)} passes 2^64`,
        { ...fields, value: alignment },
        UPSTREAM_OVERFLOW_GUARDS.boundingEnd,
      );
    }
    return new MemoryRange(start & ~mask, (end + mask) & ~mask);
  }

  /**
   * Upstream `MemoryRange::from_4k_gpn_range`: the range of 4 KiB page numbers `start..end`.
   * @throws {MemoryRangeError} `range_not_u64` (with upstream's guard text if a page number's
   *   address would pass 2^64: start checked first); `range_start_gt_end` if `start > end`.
   */
  static from4kGpnRange(start: bigint, end: bigint): MemoryRange {
    expectU64('start page number', start);
    expectU64('end page number', end);
    const fields = { start, end };
    const guard = (page: bigint, which: 'start' | 'end'): void => {
      if (page <= MAX_4K_GPN) return;
      const text = which === 'start' ? UPSTREAM_OVERFLOW_GUARDS.gpnStart : UPSTREAM_OVERFLOW_GUARDS.gpnEnd;
      throw new MemoryRangeError('range_not_u64', `${which} page ${formatHex(page)}: its address passes 2^64`, { ...fields, value: page }, text);
    };
    guard(start, 'start');
    guard(end, 'end');
    return new MemoryRange(start * PAGE_SIZE, end * PAGE_SIZE);
  }

  /** Upstream `len`: `end - start`, wrapping like the release build when `start > end`. */
  get len(): bigint {
    // The wrap is a comparison, not a mask: `len` is read on every hot path and each `&` allocates.
    const d = this.end - this.start;
    return d >= 0n ? d : d + ADDRESS_SPACE_END;
  }

  /** Upstream `start_4k_gpn`: the start as a 4 KiB page number (rounded down). */
  get start4kGpn(): bigint {
    return this.start / PAGE_SIZE;
  }

  /** Upstream `end_4k_gpn`: the end as a 4 KiB page number (rounded down). */
  get end4kGpn(): bigint {
    return this.end / PAGE_SIZE;
  }

  /** Upstream `page_count_4k`: {@link MemoryRange.len} in whole 4 KiB pages (rounded down). */
  get pageCount4k(): bigint {
    return this.len / PAGE_SIZE;
  }

  /** Upstream `page_count_2m`: {@link MemoryRange.len} in 2 MiB pages, rounded up. */
  get pageCount2m(): bigint {
    return (this.len + TWO_MB - 1n) / TWO_MB;
  }

  /** Upstream `is_empty`: true when the range covers no address (any `x..x`, not only {@link EMPTY}). */
  isEmpty(): boolean {
    return this.start === this.end;
  }

  /**
   * Upstream `alignment`: the largest power of two dividing both `base + start` and
   * `base + end` (sums wrap). Upstream shifts `1 << trailing_zeros`, so when both sums are 0
   * the shift is by 64, which the release build masks to 0: the answer is 1, not 2^64.
   * @throws {MemoryRangeError} `range_not_u64` if `base` is not a u64.
   */
  alignment(base: bigint): bigint {
    expectU64(`alignment base for range ${this.toString()}`, base, { start: this.start, end: this.end });
    const bits = ((base + this.start) | (base + this.end)) & U64_MAX;
    return bits === 0n ? 1n : bits & -bits;
  }

  /** Upstream `contains_addr`: true when `start <= addr < end`. */
  containsAddr(addr: bigint): boolean {
    return this.start <= addr && addr < this.end;
  }

  /**
   * Upstream `offset_of`: `addr - start` if the range contains `addr`, else undefined (`None`).
   * @throws {MemoryRangeError} `range_not_u64` if `addr` is not a u64.
   */
  offsetOf(addr: bigint): bigint | undefined {
    expectU64(`address in range ${this.toString()}`, addr, { start: this.start, end: this.end });
    return this.containsAddr(addr) ? addr - this.start : undefined;
  }

  /**
   * Upstream `contains`: `start <= o.start && end >= o.end`. An empty `other` lying within
   * (or on the edge of) this range counts as contained.
   */
  contains(other: MemoryRange): boolean {
    return this.start <= other.start && this.end >= other.end;
  }

  /** Upstream `overlaps`: `end > o.start && start < o.end`, so touching ranges do not overlap. */
  overlaps(other: MemoryRange): boolean {
    return this.end > other.start && this.start < other.end;
  }

  /**
   * Upstream `intersection`: `max(starts)..min(ends)`, or {@link EMPTY} if that is inverted.
   * Built with `MemoryRange::new`, so unaligned bounds of an unchecked range fail there.
   * @throws {MemoryRangeError} as the constructor.
   */
  intersection(other: MemoryRange): MemoryRange {
    const start = this.start > other.start ? this.start : other.start;
    const end = this.end < other.end ? this.end : other.end;
    return start <= end ? new MemoryRange(start, end) : MemoryRange.EMPTY;
  }

  /** Upstream derived `PartialEq`: value equality (ranges are compared by bounds, never by identity). */
  equals(other: MemoryRange): boolean {
    return this.start === other.start && this.end === other.end;
  }

  /**
   * Upstream derived `Ord` (`cmp`): by start, then by end; -1, 0 or 1 like a sort comparator
   * (`Less`, `Equal`, `Greater`), so `ranges.sort((a, b) => a.compare(b))` sorts as Rust does.
   */
  compare(other: MemoryRange): -1 | 0 | 1 {
    if (this.start !== other.start) return this.start < other.start ? -1 : 1;
    if (this.end !== other.end) return this.end < other.end ? -1 : 1;
    return 0;
  }

  /**
   * Upstream `split_at_offset`: `[start, start + offset)` and `[start + offset, end)`; either part
   * may be empty. As upstream, the pieces are built without `new`'s checks and `start + offset`
   * wraps, so a range from {@link MemoryRange.unchecked} splits into equally raw pieces.
   * @throws {MemoryRangeError} `split_offset_too_large` if `offset > len` (the wrapping
   *   {@link MemoryRange.len}), then `split_offset_unaligned` (upstream's order).
   */
  splitAtOffset(offset: bigint): [MemoryRange, MemoryRange] {
    const fields = { start: this.start, end: this.end };
    // Error details are built only on failure: this runs on every boot's hot path.
    if (!isU64(offset)) throw notU64(`split offset into range ${this.toString()}`, offset, fields) as MemoryRangeError;
    if (offset > this.len) {
      throw new MemoryRangeError(
        'split_offset_too_large',
        `offset ${formatHex(offset)} into range ${this.toString()} of length ${formatHex(this.len)}`,
        { ...fields, value: offset },
      );
    }
    if ((offset & PAGE_MASK) !== 0n) {
      throw new MemoryRangeError(
        'split_offset_unaligned',
        `offset ${formatHex(offset)} into range ${this.toString()} is not 4 KiB aligned`,
        { ...fields, value: offset },
      );
    }
    const mid = (this.start + offset) & U64_MAX;
    return [trustedRange(this.start, mid), trustedRange(mid, this.end)];
  }

  /**
   * Upstream `aligned_subrange`: the largest sub-range whose bounds are multiples of
   * `alignment`, start rounded up and end rounded down; {@link EMPTY} if they cross, the empty
   * range at that address if they merely meet.
   *
   * Rounding the start up wraps at 2^64 as in the release build, so near the top of the address
   * space the "sub-range" can start at 0 (`MAX_ADDRESS..MAX_ADDRESS` at 2 MiB gives
   * `0x0..0xffffffffffe00000`); the range-algebra vectors record exactly that.
   *
   * @throws {MemoryRangeError} `range_not_u64` if `alignment` is not a u64, else
   *   `alignment_not_power_of_two` (which includes 0), else as the constructor (an unchecked
   *   range with an alignment below a page).
   */
  alignedSubrange(alignment: bigint): MemoryRange {
    expectPowerOfTwo(alignment, `range ${this.toString()}`, { start: this.start, end: this.end });
    const mask = alignment - 1n;
    const start = (this.start + mask) & ~mask & U64_MAX;
    const end = this.end & ~mask;
    return start <= end ? new MemoryRange(start, end) : MemoryRange.EMPTY;
  }

  /** Upstream `Display`: `0x1000-0x2000`. (Our {@link MemoryRange.toString} is `0x1000..0x2000`.) */
  display(): string {
    return displayRange(this.start, this.end);
  }

  /** Upstream derived `Debug` (`{:?}`): `MemoryRange { start: 4096, end: 8192 }`. */
  debug(): string {
    return debugRange(this.start, this.end);
  }

  /** Upstream derived `Debug` as `{:#x?}` prints it: one `0x` hex field per line. */
  debugAltHex(): string {
    return debugAltHexRange(this.start, this.end);
  }

  /** `0x1000..0x3000`: lowercase hex in Rust's range notation, for logs and error details. */
  toString(): string {
    return `${formatHex(this.start)}..${formatHex(this.end)}`;
  }

  /** Hex strings, because `JSON.stringify` cannot serialise a bigint. */
  toJSON(): {
    /** `start` as a `0x` hex string. */
    start: string;
    /** `end` as a `0x` hex string. */
    end: string;
  } {
    return { start: formatHex(this.start), end: formatHex(this.end) };
  }
}
