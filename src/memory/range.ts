/**
 * Page-aligned physical address ranges: a port of the upstream `memory_range::MemoryRange`
 * (`vm/vmcore/memory_range/src/lib.rs`).
 *
 * Every address and length is a `bigint` because guest physical addresses are u64 and a JS
 * number silently loses precision above 2^53.
 */

import { Vtl2PersistError, describeValue } from '../errors.js';
import { formatHex } from './u64.js';

/** The only page size the handoff uses (upstream `memory_range`'s `PAGE_SIZE`). */
export const PAGE_SIZE = 0x1000n;

/**
 * Upstream `MemoryRange::MAX_ADDRESS`: the highest page-aligned u64. No range can end above it,
 * which is why a range walk's last piece ends exactly here.
 */
export const MAX_ADDRESS = 0xffff_ffff_ffff_f000n;

const U64_LIMIT = 1n << 64n;
const PAGE_MASK = PAGE_SIZE - 1n;

/** Stable reasons a {@link MemoryRangeError} is thrown. */
export type MemoryRangeErrorCode =
  | 'range_start_unaligned'
  | 'range_end_unaligned'
  | 'range_start_gt_end'
  | 'range_not_u64'
  | 'split_offset_too_large'
  | 'split_offset_unaligned'
  | 'alignment_not_power_of_two';

/** Upstream assertion text for each code; the boot-shim emulation prints it verbatim. */
const ASSERTIONS: Readonly<Record<MemoryRangeErrorCode, string>> = {
  range_start_unaligned: 'assertion failed: range.start & (PAGE_SIZE - 1) == 0',
  range_end_unaligned: 'assertion failed: range.end & (PAGE_SIZE - 1) == 0',
  range_start_gt_end: 'assertion failed: range.start <= range.end',
  // Rust's u64 cannot hold such a value, so this text is ours rather than upstream's.
  range_not_u64: 'value is not a u64',
  split_offset_too_large: 'assertion failed: offset <= self.len()',
  split_offset_unaligned: 'assertion failed: offset % PAGE_SIZE == 0',
  alignment_not_power_of_two: 'assertion failed: alignment.is_power_of_two()',
};

/** Optional values carried by a {@link MemoryRangeError} so callers need not parse the message. */
export interface MemoryRangeErrorFields {
  /** Start of the range involved (the candidate start for constructor failures). */
  readonly start?: bigint;
  /** End of the range involved (the candidate end for constructor failures). */
  readonly end?: bigint;
  /** The offending scalar: a split offset, an alignment, or a value that is not a u64. */
  readonly value?: bigint;
}

/**
 * A `MemoryRange` operation was given input upstream would reject with an assertion panic.
 *
 * `assertion` is the upstream panic text exactly, because a later module turns it into the boot
 * shim's panic message; `message` is that text followed by a parenthesised detail for people.
 */
export class MemoryRangeError extends Vtl2PersistError {
  declare readonly code: MemoryRangeErrorCode;
  /** The upstream assertion text, verbatim (or our own text for `range_not_u64`). */
  readonly assertion: string;
  /** See {@link MemoryRangeErrorFields.start}. */
  readonly start: bigint | undefined;
  /** See {@link MemoryRangeErrorFields.end}. */
  readonly end: bigint | undefined;
  /** See {@link MemoryRangeErrorFields.value}. */
  readonly value: bigint | undefined;

  constructor(code: MemoryRangeErrorCode, detail: string, fields: MemoryRangeErrorFields = {}) {
    const assertion = ASSERTIONS[code];
    super(code, `${assertion} (${detail})`);
    this.assertion = assertion;
    this.start = fields.start;
    this.end = fields.end;
    this.value = fields.value;
  }
}

/** Lowercase `0x` hex, as Rust's `{:#x}` prints (defined in `./u64.ts`, re-exported here for its many users). */
export { formatHex } from './u64.js';

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * A byte count in the largest binary unit that keeps it readable: exact when it
 * divides evenly ("76 KiB"), else one decimal ("1.5 MiB"), and plain bytes
 * under 1 KiB ("330 bytes").
 */
export function formatSize(bytes: bigint): string {
  let unit = 0;
  let scale = 1n;
  while (unit < UNITS.length - 1 && bytes >= scale * 1024n) {
    scale *= 1024n;
    unit++;
  }
  if (unit === 0) return `${bytes} ${bytes === 1n ? 'byte' : 'bytes'}`;
  const whole = bytes / scale;
  const tenths = ((bytes % scale) * 10n) / scale;
  return tenths === 0n && bytes % scale === 0n ? `${whole} ${UNITS[unit]}` : `${whole}.${tenths} ${UNITS[unit]}`;
}

/** Renders a candidate value for error details, tolerating values that are not bigints. */
function showValue(value: unknown): string {
  return typeof value === 'bigint' ? formatHex(value) : describeValue(value);
}

/** Renders a candidate range for error details. */
function show(start: unknown, end: unknown): string {
  return `${showValue(start)}..${showValue(end)}`;
}

function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value < U64_LIMIT;
}

/** Returns why `what` is not a u64, or undefined if it is one. */
function notU64(what: string, value: unknown, fields: MemoryRangeErrorFields): MemoryRangeError | undefined {
  if (isU64(value)) return undefined;
  const got = typeof value === 'bigint' ? `${formatHex(value)} is outside 0..2^64` : `got a ${typeof value}`;
  return new MemoryRangeError('range_not_u64', `${what}: ${got}`, {
    ...fields,
    ...(typeof value === 'bigint' ? { value } : {}),
  });
}

/** Upstream `MemoryRange::new` checks, in upstream order, after our own u64 check. */
function validate(start: unknown, end: unknown): MemoryRangeError | undefined {
  // Ranges are built on every hot path; only a bad one pays for the detail strings below.
  if (
    typeof start === 'bigint' &&
    typeof end === 'bigint' &&
    start >= 0n &&
    end < U64_LIMIT &&
    (start & PAGE_MASK) === 0n &&
    (end & PAGE_MASK) === 0n &&
    start <= end
  ) {
    return undefined;
  }
  return explain(start, end);
}

/** Why `start..end` is not a valid range (the first failed check, in upstream order). */
function explain(start: unknown, end: unknown): MemoryRangeError | undefined {
  const fields = {
    ...(typeof start === 'bigint' ? { start } : {}),
    ...(typeof end === 'bigint' ? { end } : {}),
  };
  const range = `range ${show(start, end)}`;
  const bad = notU64(`${range}: start`, start, fields) ?? notU64(`${range}: end`, end, fields);
  if (bad) return bad;
  const s = start as bigint;
  const e = end as bigint;
  if ((s & PAGE_MASK) !== 0n) {
    return new MemoryRangeError('range_start_unaligned', `${range}: start is not 4 KiB aligned`, fields);
  }
  if ((e & PAGE_MASK) !== 0n) {
    return new MemoryRangeError('range_end_unaligned', `${range}: end is not 4 KiB aligned`, fields);
  }
  if (s > e) {
    return new MemoryRangeError('range_start_gt_end', `${range}: start is above end`, fields);
  }
  return undefined;
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
 * Invariants (enforced by the constructor, so every instance satisfies them): `start` and `end`
 * are u64 values, both are multiples of {@link PAGE_SIZE}, and `start <= end`. Consequently
 * `end <= MAX_ADDRESS`. Instances are immutable by type (`readonly`) but not frozen at run time:
 * ranges are built on every step of every boot, and `Object.freeze` alone cost about a tenth of a
 * boot (docs/performance.md).
 */
export class MemoryRange {
  /** The canonical empty range `0..0`, which upstream returns from failed sub-range operations. */
  static readonly EMPTY: MemoryRange = new MemoryRange(0n, 0n);

  /** First address in the range. */
  readonly start: bigint;
  /** First address after the range. */
  readonly end: bigint;

  /**
   * Validates like upstream `MemoryRange::new`: start aligned, then end aligned, then
   * `start <= end` (after checking both are u64s).
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

  /** Like the constructor, but returns the error so parsers can report it without try/catch. */
  static tryNew(start: bigint, end: bigint): MemoryRange | MemoryRangeError {
    return validate(start, end) ?? new MemoryRange(start, end);
  }

  /**
   * The range `[start, start + len)`.
   * @throws {MemoryRangeError} `range_not_u64` if `len` is not a u64 or the end would pass 2^64
   *   (upstream would overflow there), otherwise as the constructor.
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

  /** Number of bytes covered. */
  get len(): bigint {
    return this.end - this.start;
  }

  /** True when the range covers no address (any `x..x`, not only {@link EMPTY}). */
  isEmpty(): boolean {
    return this.start === this.end;
  }

  /** True when `start <= addr < end`. */
  containsAddr(addr: bigint): boolean {
    return this.start <= addr && addr < this.end;
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

  /** Value equality (ranges are compared by bounds, never by identity). */
  equals(other: MemoryRange): boolean {
    return this.start === other.start && this.end === other.end;
  }

  /**
   * Splits into `[start, start + offset)` and `[start + offset, end)`; either part may be empty.
   * @throws {MemoryRangeError} `split_offset_too_large` if `offset > len`, then
   *   `split_offset_unaligned` if `offset` is not page aligned (upstream's order).
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
    if (offset % PAGE_SIZE !== 0n) {
      throw new MemoryRangeError(
        'split_offset_unaligned',
        `offset ${formatHex(offset)} into range ${this.toString()} is not 4 KiB aligned`,
        { ...fields, value: offset },
      );
    }
    const mid = this.start + offset;
    return [new MemoryRange(this.start, mid), new MemoryRange(mid, this.end)];
  }

  /**
   * The largest sub-range whose bounds are multiples of `alignment`: start rounded up, end
   * rounded down. Returns {@link EMPTY} if they cross; if they merely meet, the result is the
   * empty range at that address, as upstream.
   *
   * Deliberate divergence: when rounding the start up would reach 2^64, upstream's `u64`
   * addition overflows (a panic with overflow checks, a wrap to a bogus low start in a release
   * build). The true rounded start is then above any possible end, so we return EMPTY.
   *
   * @throws {MemoryRangeError} `range_not_u64` if `alignment` is not a u64, else
   *   `alignment_not_power_of_two` (which includes 0).
   */
  alignedSubrange(alignment: bigint): MemoryRange {
    const fields = { start: this.start, end: this.end };
    if (!isU64(alignment)) throw notU64(`alignment for range ${this.toString()}`, alignment, fields) as MemoryRangeError;
    if (alignment === 0n || (alignment & (alignment - 1n)) !== 0n) {
      throw new MemoryRangeError(
        'alignment_not_power_of_two',
        `alignment ${formatHex(alignment)} for range ${this.toString()}`,
        { ...fields, value: alignment },
      );
    }
    const mask = alignment - 1n;
    const roundedUp = this.start + mask;
    if (roundedUp >= U64_LIMIT) return MemoryRange.EMPTY;
    const start = roundedUp & ~mask;
    const end = this.end & ~mask;
    return start <= end ? new MemoryRange(start, end) : MemoryRange.EMPTY;
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
