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

/** Which inputs cover the piece a {@link WalkCursor} found (numbers: compared on every piece). */
const K_NEITHER = 0;
const K_LEFT = 1;
const K_RIGHT = 2;
const K_BOTH = 3;
type Kind = typeof K_NEITHER | typeof K_LEFT | typeof K_RIGHT | typeof K_BOTH;

/**
 * The partition logic both walk forms share: from the walk position, fetch what each side
 * holds (raising its ordering error) and work out the piece's end and which sides cover it.
 * The iterator ({@link RangeWalk}) wraps the outcome in label objects; {@link forEachPiece}
 * hands it to a callback without allocating anything per piece but the piece itself.
 */
class WalkCursor<T, U> {
  readonly lefts: WalkSide<T>;
  readonly rights: WalkSide<U>;
  /** Start of the next piece: 0, then each piece's end. */
  pos = 0n;
  /** Set by {@link find}: the found piece's end, coverage and the covering ranges' tags. */
  end = 0n;
  kind: Kind = K_NEITHER;
  left: T | undefined = undefined;
  right: U | undefined = undefined;

  constructor(left: Iterable<readonly [MemoryRange, T]>, right: Iterable<readonly [MemoryRange, U]>) {
    this.lefts = new WalkSide(left, 'left');
    this.rights = new WalkSide(right, 'right');
  }

  /**
   * Finds the piece starting at {@link pos}; false once the walk has reached MAX_ADDRESS.
   * Does not move {@link pos}: the caller does, after checking the piece.
   * @throws {RangeAlgebraError} an ordering error of the item fetched (left side first).
   */
  find(): boolean {
    const pos = this.pos;
    if (pos === MAX_ADDRESS) return false;
    const l = this.lefts.peekInRange(pos);
    const r = this.rights.peekInRange(pos);
    this.left = undefined;
    this.right = undefined;
    if (l !== undefined && r !== undefined) {
      const lr = l[0];
      const rr = r[0];
      if (pos < lr.start) {
        if (pos < rr.start) {
          this.end = minBig(lr.start, rr.start);
          this.kind = K_NEITHER;
        } else {
          this.end = minBig(lr.start, rr.end);
          this.kind = K_RIGHT;
          this.right = r[1];
        }
      } else if (pos < rr.start) {
        this.end = minBig(rr.start, lr.end);
        this.kind = K_LEFT;
        this.left = l[1];
      } else {
        this.end = minBig(lr.end, rr.end);
        this.kind = K_BOTH;
        this.left = l[1];
        this.right = r[1];
      }
    } else if (l !== undefined) {
      const lr = l[0];
      if (pos < lr.start) {
        this.end = lr.start;
        this.kind = K_NEITHER;
      } else {
        this.end = lr.end;
        this.kind = K_LEFT;
        this.left = l[1];
      }
    } else if (r !== undefined) {
      const rr = r[0];
      if (pos < rr.start) {
        this.end = rr.start;
        this.kind = K_NEITHER;
      } else {
        this.end = rr.end;
        this.kind = K_RIGHT;
        this.right = r[1];
      }
    } else {
      this.end = MAX_ADDRESS;
      this.kind = K_NEITHER;
    }
    return true;
  }

  /** Releases both inputs (see {@link WalkSide.close}). */
  close(): void {
    this.lefts.close();
    this.rights.close();
  }
}

/**
 * The walk as a hand-written iterator rather than a generator: it is the innermost loop of
 * every boot, and a generator's suspend/resume cost about a quarter of a fresh boot.
 * Closing (on `return()`, on exhaustion and on a throw) releases both inputs, as the Rust
 * iterator's drop would.
 */
class RangeWalk<T, U> implements IterableIterator<[MemoryRange, RangeWalkResult<T, U>]> {
  readonly #cursor: WalkCursor<T, U>;
  #done = false;

  constructor(left: Iterable<readonly [MemoryRange, T]>, right: Iterable<readonly [MemoryRange, U]>) {
    this.#cursor = new WalkCursor(left, right);
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<[MemoryRange, RangeWalkResult<T, U>], undefined> {
    if (this.#done) return { done: true, value: undefined };
    const c = this.#cursor;
    try {
      if (!c.find()) return this.return();
    } catch (e) {
      this.return();
      throw e;
    }
    const pos = c.pos;
    const end = c.end;
    let label: RangeWalkResult<T, U>;
    switch (c.kind) {
      case K_NEITHER:
        label = NEITHER;
        break;
      case K_LEFT:
        label = { kind: 'left', left: c.left as T };
        break;
      case K_RIGHT:
        label = { kind: 'right', right: c.right as U };
        break;
      default:
        label = { kind: 'both', left: c.left as T, right: c.right as U };
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
    c.pos = end;
    return { done: false, value: [piece, label] };
  }

  return(): IteratorResult<[MemoryRange, RangeWalkResult<T, U>], undefined> {
    if (!this.#done) {
      this.#done = true;
      this.#cursor.close();
    }
    return { done: true, value: undefined };
  }
}

/** The coverage {@link forEachPiece} reports: a piece covered by neither input is not reported. */
export type PieceKind = 'left' | 'right' | 'both';

const PIECE_KINDS: readonly (PieceKind | undefined)[] = [undefined, 'left', 'right', 'both'];

/**
 * {@link walkRanges} driven by a callback, for the boot shim's own walks (not part of the
 * package API): the same partition, the same ordering errors raised when the same item is
 * fetched, the same piece assertion, in the same order; a throw from `visit` ends the walk
 * as a throw from a `for…of` body would. The differences are allocation only: no iterator
 * results or label objects, and a piece covered by neither input is checked but never built
 * or reported. `left` is the left range's tag for `left` and `both` pieces (else undefined),
 * `right` likewise.
 *
 * @throws {RangeAlgebraError} as {@link walkRanges}; whatever `visit` throws.
 */
export function forEachPiece<T, U>(
  left: Iterable<readonly [MemoryRange, T]>,
  right: Iterable<readonly [MemoryRange, U]>,
  visit: (kind: PieceKind, piece: MemoryRange, left: T | undefined, right: U | undefined) => void,
): void {
  const c = new WalkCursor(left, right);
  try {
    while (c.find()) {
      const pos = c.pos;
      const end = c.end;
      const kind = c.kind;
      // As in RangeWalk.next: only `end` can fail the constructor's checks.
      if ((end & PAGE_MASK) !== 0n) new MemoryRange(pos, end);
      c.pos = end;
      if (kind !== K_NEITHER) visit(PIECE_KINDS[kind] as PieceKind, trustedRange(pos, end), c.left, c.right);
    }
  } finally {
    c.close();
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
