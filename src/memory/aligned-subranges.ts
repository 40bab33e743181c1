/**
 * Upstream `memory_range::AlignedSubranges` (`vm/vmcore/memory_range/src/lib.rs`): a range cut
 * into pieces that are as far as possible 2 MiB- and 1 GiB-aligned, so each can be mapped with
 * the largest pages. Like the Rust iterator it is lazy, and its u64 arithmetic wraps as in the
 * release build.
 */

import { expectU64, type MemoryRangeError } from './range-error.js';
import { MemoryRange } from './range.js';
import { U64_MAX } from './u64.js';

const TWO_MB = 0x20_0000n;
const ONE_GB = 0x4000_0000n;

/**
 * Iterator over the aligned sub-ranges of a range (upstream `AlignedSubranges`). Each piece ends
 * where the next one can start on a larger page boundary (2 MiB, then 1 GiB), measured with
 * addresses shifted by `offset`; no piece is longer than `maxLen`.
 *
 * `withOffset` / `withMaxRangeLen` return a new iterator, as upstream's by-value builders do.
 * Every piece, and the remainder after it, is built with `MemoryRange::new`, so wrapped
 * arithmetic near 2^64 (or an unchecked input range) fails there with upstream's assertion,
 * after the pieces before it were yielded; after a throw the iterator is done. With `maxLen` 0
 * it yields the empty range at the start forever, as upstream.
 */
export class AlignedSubranges implements IterableIterator<MemoryRange> {
  #range: MemoryRange;
  readonly #offset: bigint;
  readonly #maxLen: bigint;
  #done = false;

  /**
   * Upstream `AlignedSubranges::new` (offset 0, no length limit), or its builders' result.
   * @throws {MemoryRangeError} `range_not_u64` if `offset` or `maxLen` is not a u64.
   */
  constructor(range: MemoryRange, offset = 0n, maxLen = U64_MAX) {
    expectU64('AlignedSubranges offset', offset);
    expectU64('AlignedSubranges max range length', maxLen);
    this.#range = range;
    this.#offset = offset;
    this.#maxLen = maxLen;
  }

  /** Upstream `with_offset`: align as if every address were `offset` bytes higher. */
  withOffset(offset: bigint): AlignedSubranges {
    return new AlignedSubranges(this.#range, offset, this.#maxLen);
  }

  /** Upstream `with_max_range_len`: cap every piece at `maxLen` bytes. */
  withMaxRangeLen(maxLen: bigint): AlignedSubranges {
    return new AlignedSubranges(this.#range, this.#offset, maxLen);
  }

  /** The iterator itself, so it works with `for…of` and spread, as a Rust iterator is its own `IntoIterator`. */
  [Symbol.iterator](): this {
    return this;
  }

  /**
   * The next piece (upstream `Iterator::next`).
   * @throws {MemoryRangeError} where upstream's `MemoryRange::new` panics.
   */
  next(): IteratorResult<MemoryRange, undefined> {
    if (this.#done || this.#range.isEmpty()) {
      this.#done = true;
      return { done: true, value: undefined };
    }
    const offset = this.#offset;
    const start = (this.#range.start + offset) & U64_MAX;
    let end = (this.#range.end + offset) & U64_MAX;
    if (((end - start) & U64_MAX) > this.#maxLen) end = (start + this.#maxLen) & U64_MAX;
    for (const pageSize of [TWO_MB, ONE_GB]) {
      const mask = pageSize - 1n;
      const alignedStart = (start + mask) & ~mask & U64_MAX;
      // No page of this size fits: leave the end where the smaller pages put it.
      if (alignedStart >= (end & ~mask)) continue;
      if ((start & mask) !== 0n) {
        // End this piece where the next one can start aligned.
        if (alignedStart < end) end = alignedStart;
      } else {
        end &= ~mask;
      }
    }
    const pieceStart = (start - offset) & U64_MAX;
    const pieceEnd = (end - offset) & U64_MAX;
    try {
      // Upstream order: the remainder is built before the piece.
      this.#range = new MemoryRange(pieceEnd, this.#range.end);
      return { done: false, value: new MemoryRange(pieceStart, pieceEnd) };
    } catch (e) {
      this.#done = true;
      throw e as MemoryRangeError;
    }
  }
}
