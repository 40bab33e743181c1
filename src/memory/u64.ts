/**
 * The u64 facts every layer shares: its bounds, release-build (wrapping) arithmetic, the `0x…`
 * hex Rust's `{:#x}` prints, and the order by start address that upstream's sorted lists use.
 * Defined once here so a bound or a format cannot drift between the codec, the boot shim and
 * the scenario reader.
 */

/** One past the largest u64 (2^64): the end of any physical address space. */
export const ADDRESS_SPACE_END = 1n << 64n;
/** 2^64 − 1: the largest u64, and the mask of a wrapping u64 operation. */
export const U64_MAX = ADDRESS_SPACE_END - 1n;
/** 2^32 − 1, as a bigint (u32 fields read from JSON or the wire). */
export const U32_MAX = 0xffff_ffffn;
/** 2^16 − 1, as a bigint (u16 fields: `igvm_type`). */
export const U16_MAX = 0xffffn;

/**
 * `a + b` on u64 as the shipped boot shim computes it: `openhcl_boot` is built with the
 * `boot-release` profile (inherits `release`, overflow checks off), so it wraps at 2^64.
 */
export function wrappingAdd(a: bigint, b: bigint): bigint {
  return (a + b) & U64_MAX;
}

/** `a * b` on u64 in a release build (wraps at 2^64); see {@link wrappingAdd}. */
export function wrappingMul(a: bigint, b: bigint): bigint {
  return (a * b) & U64_MAX;
}

/** Lowercase `0x` hex, as Rust's `{:#x}` prints; negatives only occur in error details. */
export function formatHex(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

/** Orders anything with a bigint `start` by it (ties equal): the sort of upstream's range lists. */
export function compareByStart(a: { readonly start: bigint }, b: { readonly start: bigint }): number {
  return a.start < b.start ? -1 : a.start > b.start ? 1 : 0;
}

/** Up to this many items {@link sortByStartInPlace} sorts by insertion; longer lists by `Array.prototype.sort`. */
const INSERTION_SORT_MAX = 32;

/**
 * Stable in-place sort by `startOf` (ties keep their order), as `Array.prototype.sort` with a
 * start comparator sorts. Short lists (the boot shim's usually are) are sorted by insertion,
 * which needs no comparator call per pair and one pass when the list is nearly sorted; a
 * longer list goes to the built-in sort, so an adversarial order cannot make it quadratic.
 */
export function sortByStartInPlace<T>(items: T[], startOf: (item: T) => bigint): T[] {
  if (items.length > INSERTION_SORT_MAX) {
    return items.sort((a, b) => {
      const sa = startOf(a);
      const sb = startOf(b);
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    });
  }
  for (let i = 1; i < items.length; i++) {
    const item = items[i]!;
    const start = startOf(item);
    let j = i;
    while (j > 0 && startOf(items[j - 1]!) > start) {
      items[j] = items[j - 1]!;
      j--;
    }
    if (j !== i) items[j] = item;
  }
  return items;
}
