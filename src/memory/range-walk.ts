/**
 * `walk_ranges` (`vm/vmcore/memory_range/src/lib.rs`): the partition of the address space
 * that subtract and overlap are built on, and that the boot shim runs on every boot. Split
 * from range-algebra.ts, which re-exports it.
 */

import { formatHex as hex, MAX_ADDRESS, MemoryRange, PAGE_SIZE, trustedRange } from './range.js';
import { expectIterable, RangeAlgebraError } from './range-algebra-error.js';

const PAGE_MASK = PAGE_SIZE - 1n;

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
