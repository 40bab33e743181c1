/**
 * Backing ranges of a `GuestMemory`: the GPAs that have RAM behind them. Validated, sorted and
 * merged once at construction (`normalizeBacking`) into parallel start/end arrays, so the
 * per-access check (`checkBacked`) is one binary search that names the first hole it hits.
 */
import { ADDRESS_SPACE_END, GuestMemoryError, describe } from './guest-memory-error.js';
import { PAGE_MASK } from './page-store.js';
import { PAGE_SIZE, formatHex as hex } from './range.js';
import { compareByStart } from './u64.js';

/**
 * Validates, sorts and merges backing ranges once, so every access check is a
 * binary search. Adjacent ranges are merged so that an access spanning two of
 * them is accepted.
 *
 * @returns `[starts, ends]`: the merged ranges as parallel arrays, ascending, never touching.
 * @throws {GuestMemoryError} `bad_argument` for a non-iterable, a non-object or non-bigint
 *   range, bounds outside `0..2^64`, an unaligned bound, or an overlap.
 */
export function normalizeBacking(
  backing: Iterable<{ readonly start: bigint; readonly end: bigint }>,
): [bigint[], bigint[]] {
  const ranges: { start: bigint; end: bigint }[] = [];
  if (typeof backing !== 'object' || backing === null || typeof (backing as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new GuestMemoryError('bad_argument', 0n, 0n, `backing must be an iterable of {start, end} ranges, got ${describe(backing)}`);
  }
  for (const r of backing) {
    if (typeof r !== 'object' || r === null) {
      throw new GuestMemoryError('bad_argument', 0n, 0n, `every backing range must be a {start, end} object, got ${describe(r)}`);
    }
    const { start, end } = r;
    if (typeof start !== 'bigint' || typeof end !== 'bigint') {
      throw new GuestMemoryError(
        'bad_argument',
        typeof start === 'bigint' ? start : 0n,
        0n,
        `backing range {start: ${describe(start)}, end: ${describe(end)}} must have bigint bounds`,
      );
    }
    if (start < 0n || end < start || end > ADDRESS_SPACE_END) {
      throw new GuestMemoryError(
        'bad_argument',
        start,
        end - start,
        `backing range [${hex(start)}, ${hex(end)}) must satisfy 0 <= start <= end <= ${hex(ADDRESS_SPACE_END)}`,
      );
    }
    if ((start & PAGE_MASK) !== 0n || (end & PAGE_MASK) !== 0n) {
      throw new GuestMemoryError(
        'bad_argument',
        start,
        end - start,
        `backing range [${hex(start)}, ${hex(end)}) is not page-aligned (page size ${hex(PAGE_SIZE)})`,
      );
    }
    if (start !== end) ranges.push({ start, end });
  }
  ranges.sort(compareByStart);

  const starts: bigint[] = [];
  const ends: bigint[] = [];
  for (const { start, end } of ranges) {
    const last = ends.length - 1;
    const prevEnd = ends[last];
    if (prevEnd !== undefined && start < prevEnd) {
      throw new GuestMemoryError(
        'bad_argument',
        start,
        end - start,
        `backing range [${hex(start)}, ${hex(end)}) overlaps [${hex(starts[last] as bigint)}, ${hex(prevEnd)})`,
      );
    }
    if (prevEnd === start) ends[last] = end;
    else {
      starts.push(start);
      ends.push(end);
    }
  }
  return [starts, ends];
}

/**
 * Throws unless `[gpa, end)` (non-empty, `end = gpa + len`) lies inside one merged backing
 * range. The error reports the whole access and, in its message, the first hole it touches.
 *
 * @throws {GuestMemoryError} `unbacked`.
 */
export function checkBacked(
  starts: readonly bigint[],
  ends: readonly bigint[],
  op: string,
  gpa: bigint,
  len: bigint,
  end: bigint,
): void {
  // Binary search: i = index of the last range with start <= gpa, or -1.
  let lo = 0;
  let hi = starts.length - 1;
  let i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((starts[mid] as bigint) <= gpa) {
      i = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  let holeStart: bigint;
  if (i >= 0 && gpa < (ends[i] as bigint)) {
    const rangeEnd = ends[i] as bigint;
    // Merged ranges never touch, so whatever follows rangeEnd is a real hole.
    if (end <= rangeEnd) return;
    holeStart = rangeEnd;
  } else {
    holeStart = gpa;
  }
  const next = starts[i + 1];
  const holeEnd = next !== undefined && next < end ? next : end;
  throw new GuestMemoryError(
    'unbacked',
    gpa,
    len,
    `${op} of ${hex(len)} bytes at ${hex(gpa)} touches unbacked memory [${hex(holeStart)}, ${hex(holeEnd)}) (no backing range covers it)`,
  );
}
