/**
 * Range algebra: exact ports of the upstream `memory_range` crate's `walk_ranges`,
 * `subtract_ranges`, `overlapping_ranges`, `merge_adjacent_ranges` and `flatten_ranges`
 * (`vm/vmcore/memory_range/src/lib.rs`).
 *
 * Every function returns a lazy iterator, like the Rust iterators it ports: input is pulled only as
 * far as the consumer pulls output, and an ordering panic surfaces only when the offending input
 * item is actually fetched. Boot-shim emulation depends on that timing, because upstream may
 * act on earlier pieces before it panics on a later one.
 *
 * The walk itself is in range-walk.ts and the error type in range-algebra-error.ts; both are
 * re-exported here, so this stays the one module to import.
 */

import { ArgumentError } from '../errors.js';
import { MemoryRange, trustedRange } from './range.js';
import { expectIterable, RangeAlgebraError } from './range-algebra-error.js';
import { walkRanges } from './range-walk.js';

export { RangeAlgebraError, type RangeAlgebraErrorCode, type RangeAlgebraErrorFields } from './range-algebra-error.js';
export { walkRanges, type RangeWalkResult } from './range-walk.js';

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** Ranges tagged with nothing; arrays map eagerly (reading an array has no effects to delay). */
function untagged(ranges: Iterable<MemoryRange>): Iterable<readonly [MemoryRange, undefined]> {
  return Array.isArray(ranges) ? (ranges as readonly MemoryRange[]).map((r) => [r, undefined] as const) : untaggedLazy(ranges);
}

function* untaggedLazy(ranges: Iterable<MemoryRange>): Generator<readonly [MemoryRange, undefined], void, undefined> {
  for (const range of ranges) yield [range, undefined];
}

/**
 * The parts of `left` not covered by `right` (the `left` pieces of {@link walkRanges}).
 * Same ordering preconditions and lazy errors as the walk.
 */
export function subtractRanges(
  left: Iterable<MemoryRange>,
  right: Iterable<MemoryRange>,
): Generator<MemoryRange, void, undefined> {
  expectIterable(left, 'subtractRanges(left)');
  expectIterable(right, 'subtractRanges(right)');
  return subtractRangesLazy(left, right);
}

function* subtractRangesLazy(
  left: Iterable<MemoryRange>,
  right: Iterable<MemoryRange>,
): Generator<MemoryRange, void, undefined> {
  for (const [piece, label] of walkRanges(untagged(left), untagged(right))) {
    if (label.kind === 'left') yield piece;
  }
}

/**
 * The parts covered by both `left` and `right` (the `both` pieces of {@link walkRanges}).
 * Same ordering preconditions and lazy errors as the walk.
 */
export function overlappingRanges(
  left: Iterable<MemoryRange>,
  right: Iterable<MemoryRange>,
): Generator<MemoryRange, void, undefined> {
  expectIterable(left, 'overlappingRanges(left)');
  expectIterable(right, 'overlappingRanges(right)');
  return overlappingRangesLazy(left, right);
}

function* overlappingRangesLazy(
  left: Iterable<MemoryRange>,
  right: Iterable<MemoryRange>,
): Generator<MemoryRange, void, undefined> {
  for (const [piece, label] of walkRanges(untagged(left), untagged(right))) {
    if (label.kind === 'both') yield piece;
  }
}

/**
 * Rust's `Peekable` reduced to what `next_if` needs: one item of lookahead, and no polling of
 * the input after it reports exhaustion.
 */
class Lookahead<I> {
  readonly #array: readonly I[] | undefined;
  readonly #iter: Iterator<I> | undefined;
  #index = 0;
  #peeked: { readonly value: I } | undefined;
  #exhausted = false;

  constructor(items: Iterable<I>) {
    // Arrays are read by index: cheaper than their iterator, and reading has no effects to order.
    if (Array.isArray(items)) this.#array = items as readonly I[];
    else this.#iter = items[Symbol.iterator]();
  }

  /** The next item without consuming it. */
  peek(): { readonly value: I } | undefined {
    if (this.#peeked === undefined && !this.#exhausted) {
      if (this.#array !== undefined) {
        if (this.#index < this.#array.length) this.#peeked = { value: this.#array[this.#index++] as I };
        else this.#exhausted = true;
      } else {
        const next = (this.#iter as Iterator<I>).next();
        if (next.done === true) this.#exhausted = true;
        else this.#peeked = { value: next.value };
      }
    }
    return this.#peeked;
  }

  /** Consumes and returns the next item. */
  next(): { readonly value: I } | undefined {
    const item = this.peek();
    this.#peeked = undefined;
    return item;
  }

  /** Releases the input early, as `for…of` would. */
  close(): void {
    if (this.#exhausted) return;
    this.#exhausted = true;
    this.#iter?.return?.();
  }
}

/**
 * Joins each range into the group before it iff it starts exactly at the group's end and its
 * tag equals the group's tag; yields each group with its FIRST tag. Touching ranges with
 * different tags, and ranges separated by a gap, stay separate.
 *
 * `equals` is called as `equals(nextTag, groupTag)`, mirroring Rust's `next_tag == &tag`.
 * Because Rust's `Peekable::next_if` checks the item after a group before the group is
 * returned, an error in item k+1 surfaces when group k is pulled.
 *
 * @throws {RangeAlgebraError} `merge_not_sorted` if a start is below the group's start, then
 *   `merge_overlap` if a start is below the group's end.
 */
export function mergeAdjacentRanges<T>(
  iter: Iterable<readonly [MemoryRange, T]>,
  equals: (a: T, b: T) => boolean = Object.is,
): IterableIterator<[MemoryRange, T]> {
  expectIterable(iter, 'mergeAdjacentRanges(iter)');
  if (typeof equals !== 'function') throw new ArgumentError('mergeAdjacentRanges(equals)', 'a function', equals);
  return new MergeAdjacent(iter, equals);
}

/** {@link mergeAdjacentRanges} as a hand-written iterator (it runs on every boot; see RangeWalk). */
class MergeAdjacent<T> implements IterableIterator<[MemoryRange, T]> {
  readonly #items: Lookahead<readonly [MemoryRange, T]>;
  readonly #equals: (a: T, b: T) => boolean;
  #done = false;

  constructor(iter: Iterable<readonly [MemoryRange, T]>, equals: (a: T, b: T) => boolean) {
    this.#items = new Lookahead(iter);
    this.#equals = equals;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<[MemoryRange, T], undefined> {
    if (this.#done) return { done: true, value: undefined };
    try {
      const items = this.#items;
      const first = items.next();
      if (first === undefined) return this.return();
      const [firstRange, tag] = first.value;
      // Upstream keeps two bounds: `start` of the range absorbed last (what "not sorted" is
      // checked against) and `end = max(end, next.end)`; the group is built once, at the end.
      let last = firstRange;
      let end = firstRange.end;
      for (let peeked = items.peek(); peeked !== undefined; peeked = items.peek()) {
        const [nextRange, nextTag] = peeked.value;
        if (nextRange.start < last.start) {
          throw new RangeAlgebraError(
            'merge_not_sorted',
            `range ${nextRange.toString()} starts below the start of the preceding range ${last.toString()}`,
            { range: nextRange, previous: last },
          );
        }
        if (nextRange.start < end) {
          // Reported against the group merged so far, whose end is what was compared.
          const group = trustedRange(firstRange.start, end);
          throw new RangeAlgebraError(
            'merge_overlap',
            `range ${nextRange.toString()} starts below the end of the preceding range ${group.toString()}`,
            { range: nextRange, previous: group },
          );
        }
        if (nextRange.start !== end || !this.#equals(nextTag, tag)) break;
        items.next();
        last = nextRange;
        end = maxBig(end, nextRange.end);
      }
      // Upstream's `MemoryRange::new(first.start()..end)`: an unaligned or inverted group panics
      // here, after the checks above (the boot vectors show a bit-flipped saved range merging
      // on and then failing "ranges overlap" inside the loop, before this).
      const range = new MemoryRange(firstRange.start, end);
      return { done: false, value: [range, tag] };
    } catch (e) {
      this.return();
      throw e;
    }
  }

  return(): IteratorResult<[MemoryRange, T], undefined> {
    if (!this.#done) {
      this.#done = true;
      this.#items.close();
    }
    return { done: true, value: undefined };
  }
}

/**
 * Unions ranges sorted by start: overlapping or touching ranges merge into one, so the output
 * is sorted with a gap between any two consecutive ranges. An empty input range not touching
 * its neighbours passes through unchanged, as upstream.
 *
 * @throws {RangeAlgebraError} `flatten_not_sorted` (text "ranges are not sorted") if a start is
 *   below the start of the range being built; raised when the group before it is pulled.
 */
export function flattenRanges(iter: Iterable<MemoryRange>): Generator<MemoryRange, void, undefined> {
  expectIterable(iter, 'flattenRanges(iter)');
  return flattenRangesLazy(iter);
}

function* flattenRangesLazy(iter: Iterable<MemoryRange>): Generator<MemoryRange, void, undefined> {
  const items = new Lookahead(iter);
  try {
    for (let first = items.next(); first !== undefined; first = items.next()) {
      // Upstream checks "not sorted" against the start of the range absorbed last, keeps
      // `end = max(end, next.end)` and builds the group once, with `MemoryRange::new`, so an
      // unaligned or inverted group (even a lone range) panics when it is yielded.
      let last = first.value;
      let end = last.end;
      for (let peeked = items.peek(); peeked !== undefined; peeked = items.peek()) {
        const next = peeked.value;
        if (next.start < last.start) {
          throw new RangeAlgebraError(
            'flatten_not_sorted',
            `range ${next.toString()} starts below the start of the preceding range ${last.toString()}`,
            { range: next, previous: last },
          );
        }
        if (next.start > end) break;
        items.next();
        last = next;
        end = maxBig(end, next.end);
      }
      yield new MemoryRange(first.value.start, end);
    }
  } finally {
    items.close();
  }
}
