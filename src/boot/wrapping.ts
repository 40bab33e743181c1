/**
 * u64 arithmetic as the shipped boot shim does it. `openhcl_boot` ships built with the
 * `boot-release` Cargo profile, which inherits `release`, where overflow checks are off: `+`
 * and `*` on u64 WRAP at 2^64 instead of panicking. Building a `MemoryRange` from a wrapped end
 * then trips the range's own assertions, and those are the boot's panic.
 */
import { MemoryRange, MemoryRangeError } from '../memory/range.js';
import { BootPanic, asPanic } from './panic.js';

import { wrappingAdd } from '../memory/u64.js';

/** The u64 bound and wrapping arithmetic, defined once in `src/memory/u64.ts`. */
export { U64_MAX, wrappingAdd, wrappingMul } from '../memory/u64.js';
const PAGE_MASK = 0xfffn;

/**
 * `MemoryRange::new(start..start + len)` (`how` = `new`), or
 * `MemoryRange::try_new(start..start + len).expect("range is valid")` (`how` = `try_new_expect`),
 * with the addition wrapping as in the release build.
 *
 * `new`'s failures are its assertion texts ("assertion failed: range.start <= range.end" for a
 * wrapped end, which is always below `start`); `try_new_expect`'s is the `expect` text with
 * the error's derived Debug form, `range is valid: InvalidMemoryRange { start: S, end: E }`
 * (decimal), classed by the first check that fails (start alignment, end alignment, order).
 *
 * @throws {BootPanic} where upstream panics.
 */
export function rangeWithLen(start: bigint, len: bigint, how: 'new' | 'try_new_expect' = 'new'): MemoryRange {
  const end = wrappingAdd(start, len);
  if (how === 'try_new_expect' && ((start & PAGE_MASK) !== 0n || (end & PAGE_MASK) !== 0n || start > end)) {
    const kind =
      (start & PAGE_MASK) !== 0n ? 'range_start_unaligned' : (end & PAGE_MASK) !== 0n ? 'range_end_unaligned' : 'range_start_gt_end';
    throw new BootPanic(kind, `range is valid: InvalidMemoryRange { start: ${start}, end: ${end} }`);
  }
  try {
    return new MemoryRange(start, end);
  } catch (e) {
    if (e instanceof MemoryRangeError) throw asPanic(e);
    throw e;
  }
}
