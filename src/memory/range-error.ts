/**
 * How `MemoryRange` (range.ts) reports input upstream `memory_range` would reject: the assertion
 * panics of `new`, `bounding_aligned`, `from_4k_gpn_range`, `split_at_offset` and
 * `aligned_subrange` (`MemoryRangeError`), `try_new`'s `InvalidMemoryRange`, and the u64 checks
 * a JavaScript caller needs on top. Split from range.ts, which re-exports it.
 */

import { Vtl2PersistError, describeValue } from '../errors.js';
import { ADDRESS_SPACE_END, formatHex } from './u64.js';

const PAGE_MASK = 0xfffn;

/** Stable reasons a {@link MemoryRangeError} is thrown. */
export type MemoryRangeErrorCode =
  | 'range_start_unaligned'
  | 'range_end_unaligned'
  | 'range_start_gt_end'
  | 'range_not_u64'
  | 'split_offset_too_large'
  | 'split_offset_unaligned'
  | 'alignment_not_power_of_two';

/**
 * Upstream assertion text for each code, verbatim: the boot-shim emulation prints it as the
 * panic message, and the range-algebra vectors compare it byte for byte.
 */
const ASSERTIONS: Readonly<Record<MemoryRangeErrorCode, string>> = {
  range_start_unaligned: 'assertion failed: range.start & (PAGE_SIZE - 1) == 0',
  range_end_unaligned: 'assertion failed: range.end & (PAGE_SIZE - 1) == 0',
  // `new`'s and `bounding_aligned`'s order assertions have the same text.
  range_start_gt_end: 'assertion failed: range.start <= range.end',
  // Rust's u64 cannot hold such a value, so this text is ours; see UPSTREAM_OVERFLOW_GUARDS.
  range_not_u64: 'value is not a u64',
  split_offset_too_large: 'assertion failed: offset <= self.len()',
  split_offset_unaligned: 'assertion failed: offset.is_multiple_of(PAGE_SIZE)',
  alignment_not_power_of_two: 'assertion failed: alignment.is_power_of_two()',
};

/**
 * Upstream's own guards against a computed bound passing 2^64, which this port reports as
 * `range_not_u64` (that is what they are: the bound would not be a u64) with upstream's text
 * as the `assertion`, so a caller sees the panic upstream prints.
 */
export const UPSTREAM_OVERFLOW_GUARDS = {
  /** `bounding_aligned`: rounding the end up would pass `u64::MAX`. */
  boundingEnd: 'assertion failed: range.end <= u64::MAX - (alignment - 1)',
  /** `from_4k_gpn_range`: the start page's address would pass 2^64. */
  gpnStart: 'assertion failed: range.start <= MAX',
  /** `from_4k_gpn_range`: the end page's address would pass 2^64. */
  gpnEnd: 'assertion failed: range.end <= MAX',
} as const;

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
  /**
   * The upstream assertion text, verbatim. For `range_not_u64` it is upstream's overflow guard
   * where upstream has one (`bounding_aligned`'s `range.end <= u64::MAX - (alignment - 1)`,
   * `from_4k_gpn_range`'s `range.start <= MAX` / `range.end <= MAX`), else our own
   * `value is not a u64`.
   */
  readonly assertion: string;
  /** See {@link MemoryRangeErrorFields.start}. */
  readonly start: bigint | undefined;
  /** See {@link MemoryRangeErrorFields.end}. */
  readonly end: bigint | undefined;
  /** See {@link MemoryRangeErrorFields.value}. */
  readonly value: bigint | undefined;

  constructor(
    code: MemoryRangeErrorCode,
    detail: string,
    fields: MemoryRangeErrorFields = {},
    overflowGuard?: (typeof UPSTREAM_OVERFLOW_GUARDS)[keyof typeof UPSTREAM_OVERFLOW_GUARDS],
  ) {
    const assertion = code === 'range_not_u64' && overflowGuard !== undefined ? overflowGuard : ASSERTIONS[code];
    super(code, `${assertion} (${detail})`);
    this.assertion = assertion;
    this.start = fields.start;
    this.end = fields.end;
    this.value = fields.value;
  }
}

/**
 * Upstream `InvalidMemoryRange`, the error of `MemoryRange::try_new`, as `MemoryRange.tryNew`
 * returns it for two u64 bounds. It is also a {@link MemoryRangeError} (code and `assertion` of
 * the first `new` check that fails) so callers written against that class keep working; what
 * it adds is upstream's own wording of the same failure.
 */
export class InvalidMemoryRange extends MemoryRangeError {
  /** The candidate start. */
  declare readonly start: bigint;
  /** The candidate end. */
  declare readonly end: bigint;

  constructor(code: MemoryRangeErrorCode, detail: string, start: bigint, end: bigint) {
    super(code, detail, { start, end });
  }

  /** Upstream's `Display` (thiserror): `unaligned or invalid memory range: 0x1001-0x2000`. */
  get display(): string {
    return `unaligned or invalid memory range: ${formatHex(this.start)}-${formatHex(this.end)}`;
  }

  /** Upstream's derived `Debug`: `InvalidMemoryRange { start: 4097, end: 8192 }` (decimal). */
  get debug(): string {
    return `InvalidMemoryRange { start: ${this.start}, end: ${this.end} }`;
  }
}

/** True for a bigint in `0..2^64`. */
export function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value < ADDRESS_SPACE_END;
}

/** Renders a candidate value for error details, tolerating values that are not bigints. */
export function showValue(value: unknown): string {
  return typeof value === 'bigint' ? formatHex(value) : describeValue(value);
}

/** Returns why `what` is not a u64, or undefined if it is one. */
export function notU64(what: string, value: unknown, fields: MemoryRangeErrorFields): MemoryRangeError | undefined {
  if (isU64(value)) return undefined;
  const got = typeof value === 'bigint' ? `${formatHex(value)} is outside 0..2^64` : `got a ${typeof value}`;
  return new MemoryRangeError('range_not_u64', `${what}: ${got}`, {
    ...fields,
    ...(typeof value === 'bigint' ? { value } : {}),
  });
}

/** Throws `range_not_u64` naming `what` unless `value` is a u64. */
export function expectU64(what: string, value: unknown, fields: MemoryRangeErrorFields = {}): asserts value is bigint {
  const bad = notU64(what, value, fields);
  if (bad) throw bad;
}

/**
 * Why `start..end` is not a valid range, as upstream `MemoryRange::new` checks it (start
 * aligned, end aligned, `start <= end`, after our u64 check), or undefined if it is valid.
 * `InvalidMemoryRange` instead when `tryNew` asks and both bounds are u64s.
 */
export function explainRange(start: unknown, end: unknown, forTryNew = false): MemoryRangeError | undefined {
  const fields = {
    ...(typeof start === 'bigint' ? { start } : {}),
    ...(typeof end === 'bigint' ? { end } : {}),
  };
  const range = `range ${showValue(start)}..${showValue(end)}`;
  const bad = notU64(`${range}: start`, start, fields) ?? notU64(`${range}: end`, end, fields);
  if (bad) return bad;
  const s = start as bigint;
  const e = end as bigint;
  const fail = (code: MemoryRangeErrorCode, detail: string): MemoryRangeError =>
    forTryNew ? new InvalidMemoryRange(code, detail, s, e) : new MemoryRangeError(code, detail, fields);
  if ((s & PAGE_MASK) !== 0n) return fail('range_start_unaligned', `${range}: start is not 4 KiB aligned`);
  if ((e & PAGE_MASK) !== 0n) return fail('range_end_unaligned', `${range}: end is not 4 KiB aligned`);
  if (s > e) return fail('range_start_gt_end', `${range}: start is above end`);
  return undefined;
}
