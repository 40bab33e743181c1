/**
 * Range algebra: exact ports of the upstream `memory_range` crate's `walk_ranges`,
 * `subtract_ranges`, `overlapping_ranges`, `merge_adjacent_ranges` and `flatten_ranges`
 * (`vm/vmcore/memory_range/src/lib.rs`).
 *
 * Every function returns a lazy iterator, like the Rust iterators it ports: input is pulled only as
 * far as the consumer pulls output, and an ordering panic surfaces only when the offending input
 * item is actually fetched. Boot-shim emulation depends on that timing, because upstream may
 * act on earlier pieces before it panics on a later one.
 */

import { ArgumentError, Vtl2PersistError } from '../errors.js';
import { formatHex as hex, MAX_ADDRESS, MemoryRange, PAGE_SIZE, trustedRange } from './range.js';

const PAGE_MASK = PAGE_SIZE - 1n;

/**
 * Stable reasons a {@link RangeAlgebraError} is thrown. The walk and merge codes equal the
 * scenario format's panic kinds; `flatten_not_sorted` is our own (its text matches merge's).
 */
export type RangeAlgebraErrorCode =
  | 'walk_left_not_sorted'
  | 'walk_right_not_sorted'
  | 'merge_not_sorted'
  | 'merge_overlap'
  | 'flatten_not_sorted';

/** Upstream panic text for each code, verbatim. */
const ASSERTIONS: Readonly<Record<RangeAlgebraErrorCode, string>> = {
  walk_left_not_sorted: 'left not sorted',
  walk_right_not_sorted: 'right not sorted',
  merge_not_sorted: 'ranges are not sorted',
  merge_overlap: 'ranges overlap',
  flatten_not_sorted: 'ranges are not sorted',
};

/** Values carried by a {@link RangeAlgebraError} so callers need not parse the message. */
export interface RangeAlgebraErrorFields {
  /** The input range that broke the ordering rule. */
  readonly range: MemoryRange;
  /** Walk only: the walk position at the moment `range` was fetched. */
  readonly position?: bigint;
  /** Merge and flatten only: the (possibly already merged) range `range` was compared with. */
  readonly previous?: MemoryRange;
}

/**
 * An input to the range algebra violated an ordering precondition that upstream asserts.
 *
 * `assertion` is the upstream panic text exactly (the boot-shim emulation prints it);
 * `message` is that text followed by a parenthesised detail naming the offending range.
 */
export class RangeAlgebraError extends Vtl2PersistError {
  declare readonly code: RangeAlgebraErrorCode;
  /** The upstream panic text, verbatim. */
  readonly assertion: string;
  /** See {@link RangeAlgebraErrorFields.range}. */
  readonly range: MemoryRange;
  /** See {@link RangeAlgebraErrorFields.position}. */
  readonly position: bigint | undefined;
  /** See {@link RangeAlgebraErrorFields.previous}. */
  readonly previous: MemoryRange | undefined;

  constructor(code: RangeAlgebraErrorCode, detail: string, fields: RangeAlgebraErrorFields) {
    const assertion = ASSERTIONS[code];
    super(code, `${assertion} (${detail})`);
    this.assertion = assertion;
    this.range = fields.range;
    this.position = fields.position;
    this.previous = fields.previous;
  }
}

/** The label of one piece of a {@link walkRanges} partition. */
export type RangeWalkResult<T, U> =
  | {
      /** The piece is in no range of either list. */
      kind: 'neither';
    }
  | {
      /** The piece is only in a range of the left list. */
      kind: 'left';
      /** The left range's value. */
      left: T;
    }
  | {
      /** The piece is only in a range of the right list. */
      kind: 'right';
      /** The right range's value. */
      right: U;
    }
  | {
      /** The piece is in a range of both lists. */
      kind: 'both';
      /** The left range's value. */
      left: T;
      /** The right range's value. */
      right: U;
    };

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * One side of a walk: upstream's `peek_in_range_ensure_sorted`. Holds at most one item and
 * fetches the next only when the held one is empty or already passed. Arrays are read by
 * index (the boot shim's inputs are arrays), anything else through its iterator.
 */
class WalkSide<T> {
  readonly #array: readonly (readonly [MemoryRange, T])[] | undefined;
  readonly #iter: Iterator<readonly [MemoryRange, T]> | undefined;
  #index = 0;
  readonly #side: 'left' | 'right';
  #held: readonly [MemoryRange, T] | undefined;
  // Upstream remembers exhaustion, so a finished input is never polled again.
  #exhausted = false;

  constructor(items: Iterable<readonly [MemoryRange, T]>, side: 'left' | 'right') {
    if (Array.isArray(items)) this.#array = items as readonly (readonly [MemoryRange, T])[];
    else this.#iter = items[Symbol.iterator]();
    this.#side = side;
  }

  #fetch(): readonly [MemoryRange, T] | undefined {
    if (this.#array !== undefined) return this.#index < this.#array.length ? this.#array[this.#index++] : undefined;
    const next = (this.#iter as Iterator<readonly [MemoryRange, T]>).next();
    return next.done === true ? undefined : next.value;
  }

  /** The held item once it is non-empty and ends above `pos`; undefined when the input is done. */
  peekInRange(pos: bigint): readonly [MemoryRange, T] | undefined {
    for (;;) {
      if (this.#held === undefined) {
        if (this.#exhausted) return undefined;
        const next = this.#fetch();
        if (next === undefined) {
          this.#exhausted = true;
          return undefined;
        }
        // Checked at fetch time and before the emptiness check, as upstream: an empty range
        // fetched while the walk is already past its start still panics.
        const range = next[0];
        if (range.start < pos) {
          const code = this.#side === 'left' ? 'walk_left_not_sorted' : 'walk_right_not_sorted';
          throw new RangeAlgebraError(
            code,
            `${this.#side} range ${range.toString()} starts below the walk position ${hex(pos)}`,
            { range, position: pos },
          );
        }
        this.#held = next;
      }
      const range = this.#held[0];
      if (range.start !== range.end && range.end > pos) return this.#held;
      this.#held = undefined;
    }
  }

  /** Releases the input early, as `for…of` would, when the walk stops before it is drained. */
  close(): void {
    if (this.#exhausted) return;
    this.#exhausted = true;
    this.#iter?.return?.();
  }
}

// Labels carry no per-piece state when nothing covers the piece, so one object serves all.
const NEITHER: { kind: 'neither' } = Object.freeze({ kind: 'neither' });

/**
 * The walk as a hand-written iterator rather than a generator: it is the innermost loop of
 * every boot, and a generator's suspend/resume cost about a quarter of a fresh boot.
 * Closing (on `return()`, on exhaustion and on a throw) releases both inputs, as the Rust
 * iterator's drop would.
 */
class RangeWalk<T, U> implements IterableIterator<[MemoryRange, RangeWalkResult<T, U>]> {
  readonly #lefts: WalkSide<T>;
  readonly #rights: WalkSide<U>;
  #pos = 0n;
  #done = false;

  constructor(left: Iterable<readonly [MemoryRange, T]>, right: Iterable<readonly [MemoryRange, U]>) {
    this.#lefts = new WalkSide(left, 'left');
    this.#rights = new WalkSide(right, 'right');
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<[MemoryRange, RangeWalkResult<T, U>], undefined> {
    if (this.#done) return { done: true, value: undefined };
    const pos = this.#pos;
    if (pos === MAX_ADDRESS) return this.return();
    let l: readonly [MemoryRange, T] | undefined;
    let r: readonly [MemoryRange, U] | undefined;
    try {
      l = this.#lefts.peekInRange(pos);
      r = this.#rights.peekInRange(pos);
    } catch (e) {
      this.return();
      throw e;
    }
    let end: bigint;
    let label: RangeWalkResult<T, U>;
    if (l !== undefined && r !== undefined) {
      const [lr, t] = l;
      const [rr, u] = r;
      if (pos < lr.start) {
        if (pos < rr.start) {
          end = minBig(lr.start, rr.start);
          label = NEITHER;
        } else {
          end = minBig(lr.start, rr.end);
          label = { kind: 'right', right: u };
        }
      } else if (pos < rr.start) {
        end = minBig(rr.start, lr.end);
        label = { kind: 'left', left: t };
      } else {
        end = minBig(lr.end, rr.end);
        label = { kind: 'both', left: t, right: u };
      }
    } else if (l !== undefined) {
      const [lr, t] = l;
      if (pos < lr.start) {
        end = lr.start;
        label = NEITHER;
      } else {
        end = lr.end;
        label = { kind: 'left', left: t };
      }
    } else if (r !== undefined) {
      const [rr, u] = r;
      if (pos < rr.start) {
        end = rr.start;
        label = NEITHER;
      } else {
        end = rr.end;
        label = { kind: 'right', right: u };
      }
    } else {
      end = MAX_ADDRESS;
      label = NEITHER;
    }
    // Upstream builds each piece with `MemoryRange::new`. Here `pos < end` always holds and
    // `pos` passed this same check as the previous piece's end (or is 0), so only `end` can
    // fail, and then the constructor raises the exact assertion.
    let piece: MemoryRange;
    if ((end & PAGE_MASK) === 0n) {
      piece = trustedRange(pos, end);
    } else {
      try {
        piece = new MemoryRange(pos, end);
      } catch (e) {
        this.return();
        throw e;
      }
    }
    this.#pos = end;
    return { done: false, value: [piece, label] };
  }

  return(): IteratorResult<[MemoryRange, RangeWalkResult<T, U>], undefined> {
    if (!this.#done) {
      this.#done = true;
      this.#lefts.close();
      this.#rights.close();
    }
    return { done: true, value: undefined };
  }
}

/**
 * Partitions `[0, MAX_ADDRESS)` into consecutive, non-empty pieces, each labelled by which
 * inputs cover it: `neither`, `left`, `right` or `both` (with the covering ranges' tags).
 * A piece ends at the next boundary of either side, so pieces keep input range boundaries.
 *
 * Each input must be sorted by start and non-overlapping. Empty ranges are skipped. An item
 * whose start is below the walk position *when it is fetched* throws `walk_left_not_sorted` or
 * `walk_right_not_sorted`; the left side is consulted first on every step, so if both sides are
 * out of order the left error wins.
 *
 * @throws {RangeAlgebraError} lazily, when the offending item is fetched.
 */
export function walkRanges<T, U>(
  left: Iterable<readonly [MemoryRange, T]>,
  right: Iterable<readonly [MemoryRange, U]>,
): IterableIterator<[MemoryRange, RangeWalkResult<T, U>]> {
  expectIterable(left, 'walkRanges(left)');
  expectIterable(right, 'walkRanges(right)');
  return new RangeWalk(left, right);
}

/** Once per call, at the API boundary: a non-iterable would otherwise fail deep inside the walk. */
function expectIterable(value: unknown, argument: string): void {
  if (typeof value !== 'object' || value === null || typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new ArgumentError(argument, 'an iterable of ranges', value);
  }
}

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
      let range = first.value[0];
      const tag = first.value[1];
      for (let peeked = items.peek(); peeked !== undefined; peeked = items.peek()) {
        const [nextRange, nextTag] = peeked.value;
        if (nextRange.start < range.start) {
          throw new RangeAlgebraError(
            'merge_not_sorted',
            `range ${nextRange.toString()} starts below the start of the preceding range ${range.toString()}`,
            { range: nextRange, previous: range },
          );
        }
        if (nextRange.start < range.end) {
          throw new RangeAlgebraError(
            'merge_overlap',
            `range ${nextRange.toString()} starts below the end of the preceding range ${range.toString()}`,
            { range: nextRange, previous: range },
          );
        }
        if (nextRange.start !== range.end || !this.#equals(nextTag, tag)) break;
        items.next();
        // Built without MemoryRange::new's alignment assertions, as the crate
        // does internally: the boot vectors show a bit-flipped (unaligned)
        // saved range merging on and then failing "ranges overlap", not an
        // alignment assertion.
        range = trustedRange(range.start, nextRange.end);
      }
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
      let range = first.value;
      for (let peeked = items.peek(); peeked !== undefined; peeked = items.peek()) {
        const next = peeked.value;
        if (next.start < range.start) {
          throw new RangeAlgebraError(
            'flatten_not_sorted',
            `range ${next.toString()} starts below the start of the preceding range ${range.toString()}`,
            { range: next, previous: range },
          );
        }
        if (next.start > range.end) break;
        items.next();
        range = new MemoryRange(range.start, maxBig(range.end, next.end));
      }
      yield range;
    }
  } finally {
    items.close();
  }
}
