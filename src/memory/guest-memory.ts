/**
 * A simulated guest-physical address space for the persisted-state handoff.
 *
 * The old paravisor writes the header and payload into VTL2 memory and the
 * next instance's boot shim reads them back, so both sides need one shared,
 * byte-addressable GPA space. Real partitions are TiB-sized and the header
 * can sit near the top of a 2^64 space, so storage is sparse: only 4 KiB pages
 * that were actually written are allocated, and everything else reads as zero.
 *
 * Every access is validated in full before any byte moves, because the shim
 * must be able to try a hostile (address, length) pair read out of memory and
 * get a typed error back instead of a half-applied write or a 2^63-byte
 * allocation.
 *
 * This file holds the `GuestMemory` class itself; its options and error type
 * (guest-memory-error.ts), the page layer (page-store.ts) and backing-range
 * validation (backing.ts) live beside it and are re-exported from here.
 */
import { newBytes } from './byte-slab.js';
import { checkBacked, normalizeBacking } from './backing.js';
import {
  ADDRESS_SPACE_END,
  DEFAULT_MAX_ACCESS_LENGTH,
  GuestMemoryError,
  MAX_BUFFER_LEN,
  U32_MAX,
  U64_MAX,
  describe,
  type GuestMemoryOptions,
} from './guest-memory-error.js';
import { PAGE_BYTES, PAGE_MASK, PAGE_SHIFT, isAllZero, newPage, pageIndex, pageIsZero, pageOffset, pagesEqual } from './page-store.js';
import { formatHex as hex } from './range.js';

export { DEFAULT_MAX_ACCESS_LENGTH, GuestMemoryError, type GuestMemoryErrorCode, type GuestMemoryOptions } from './guest-memory-error.js';

// Every u64/u32 access goes through this scratch buffer; it is only filled and
// drained within a single synchronous call, so sharing it is safe.
const SCRATCH = new Uint8Array(8);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);

/**
 * Chunks up to this many bytes are copied by a loop: a `subarray` view per chunk (a header is
 * 32 bytes) cost more than copying the bytes one by one.
 */
const SMALL_COPY = 64;

/**
 * A sparse, page-granular guest-physical address space.
 *
 * Pages are keyed by page index (`gpa >> 12`) as a JS number: an index is at
 * most 2^52 − 1, which is exactly representable, and number keys make the
 * page map far cheaper than bigint or string keys.
 */
export class GuestMemory {
  /** Exclusive end of the address space (`0n..2^64`). */
  readonly limit: bigint;
  /** Largest single `read`/`write`/`zero` in bytes. */
  readonly maxAccessLength: bigint;

  /** Page index (number; < 2^52 so exact) → that page's 4 KiB. */
  readonly #pages = new Map<number, Uint8Array>();
  /** Sorted, merged backing ranges (parallel arrays for a tight binary search); `undefined` = all backed. */
  readonly #backingStarts: readonly bigint[] | undefined;
  readonly #backingEnds: readonly bigint[] | undefined;
  /**
   * Highest valid start of a u64/u32 access when no backing is configured and
   * the length cap allows it, else -1n (always take the full check). Lets the
   * hot fixed-width accessors validate with one comparison and no allocation.
   */
  readonly #fastLastU64: bigint;
  readonly #fastLastU32: bigint;

  /** @throws {GuestMemoryError} `bad_argument` for an invalid limit, length cap or backing range. */
  constructor(options: GuestMemoryOptions = {}) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new GuestMemoryError('bad_argument', 0n, 0n, `new GuestMemory(options): expected an options object, got ${describe(options)}`);
    }
    const limit = options.limit ?? ADDRESS_SPACE_END;
    if (typeof limit !== 'bigint' || limit < 0n || limit > ADDRESS_SPACE_END) {
      throw new GuestMemoryError(
        'bad_argument',
        typeof limit === 'bigint' ? limit : 0n,
        0n,
        `limit ${describe(limit)} must be a bigint in 0x0..${hex(ADDRESS_SPACE_END)}`,
      );
    }
    const maxAccessLength = options.maxAccessLength ?? DEFAULT_MAX_ACCESS_LENGTH;
    if (typeof maxAccessLength !== 'bigint' || maxAccessLength < 0n) {
      throw new GuestMemoryError(
        'bad_argument',
        0n,
        typeof maxAccessLength === 'bigint' ? maxAccessLength : 0n,
        `maxAccessLength ${describe(maxAccessLength)} must be a non-negative bigint`,
      );
    }
    this.limit = limit;
    this.maxAccessLength = maxAccessLength;

    if (options.backing === undefined) {
      this.#backingStarts = undefined;
      this.#backingEnds = undefined;
    } else {
      const [starts, ends] = normalizeBacking(options.backing);
      this.#backingStarts = starts;
      this.#backingEnds = ends;
    }
    const fast = options.backing === undefined;
    this.#fastLastU64 = fast && maxAccessLength >= 8n && limit >= 8n ? limit - 8n : -1n;
    this.#fastLastU32 = fast && maxAccessLength >= 4n && limit >= 4n ? limit - 4n : -1n;
  }

  /** Number of 4 KiB pages actually allocated (what the memory really costs). */
  get residentPages(): number {
    return this.#pages.size;
  }

  /**
   * GPAs of the allocated pages, ascending. The set is snapshotted when
   * iteration starts, so writing while iterating is safe. A page written only
   * with zeros may be absent, and `zero` of a whole page releases it.
   */
  *writtenPages(): Generator<bigint> {
    const indices = [...this.#pages.keys()].sort((a, b) => a - b);
    for (const idx of indices) yield BigInt(idx) << PAGE_SHIFT;
  }

  /**
   * Copies `len` bytes out of memory; never-written bytes read as zero and
   * reading never allocates pages.
   * @throws {GuestMemoryError} see {@link GuestMemoryErrorCode}.
   */
  read(gpa: bigint, len: bigint): Uint8Array {
    this.#check('read', gpa, len);
    if (len > MAX_BUFFER_LEN) {
      // Only reachable with a raised maxAccessLength; keeps the failure typed
      // instead of a RangeError from the Uint8Array constructor.
      throw new GuestMemoryError(
        'access_too_large',
        gpa,
        len,
        `read of ${hex(len)} bytes at ${hex(gpa)} is larger than one buffer can hold (${hex(MAX_BUFFER_LEN)})`,
      );
    }
    const out = newBytes(Number(len));
    this.#readInto(gpa, out);
    return out;
  }

  /**
   * Stores `bytes` at `gpa`. Nothing is written unless the whole access is valid.
   * @throws {GuestMemoryError} see {@link GuestMemoryErrorCode}.
   */
  write(gpa: bigint, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) {
      throw new GuestMemoryError(
        'bad_argument',
        typeof gpa === 'bigint' ? gpa : 0n,
        0n,
        `write at ${describe(gpa)}: data must be a Uint8Array, got ${describe(bytes)}`,
      );
    }
    this.#check('write', gpa, BigInt(bytes.length));
    this.#writeFrom(gpa, bytes);
  }

  /**
   * Sets `len` bytes to zero. Whole pages are released rather than cleared,
   * so zeroing a large region also gives its memory back.
   * @throws {GuestMemoryError} see {@link GuestMemoryErrorCode}.
   */
  zero(gpa: bigint, len: bigint): void {
    this.#check('zero', gpa, len);
    if (len === 0n) return;
    const end = gpa + len; // exclusive, <= 2^64
    const firstIdx = pageIndex(gpa);
    const lastIdx = Number((end - 1n) >> PAGE_SHIFT);
    const firstOff = pageOffset(gpa);
    // Offset one past the last byte within lastIdx's page: 1..4096.
    const lastEnd = Number(((end - 1n) & PAGE_MASK) + 1n);

    const clearPage = (idx: number): void => {
      const page = this.#pages.get(idx);
      if (page === undefined) return;
      const from = idx === firstIdx ? firstOff : 0;
      const to = idx === lastIdx ? lastEnd : PAGE_BYTES;
      if (from === 0 && to === PAGE_BYTES) this.#pages.delete(idx);
      else page.fill(0, from, to);
    };

    // A raised maxAccessLength can make the span billions of pages; walking
    // the (small) resident set is then far cheaper than walking the span.
    if (lastIdx - firstIdx + 1 > this.#pages.size) {
      for (const idx of [...this.#pages.keys()]) {
        if (idx >= firstIdx && idx <= lastIdx) clearPage(idx);
      }
    } else {
      for (let idx = firstIdx; idx <= lastIdx; idx++) clearPage(idx);
    }
  }

  /**
   * Reads a little-endian u64. Unaligned and page-crossing addresses are fine.
   * @throws {GuestMemoryError} see {@link GuestMemoryErrorCode}.
   */
  readU64(gpa: bigint): bigint {
    if (!(typeof gpa === 'bigint' && gpa >= 0n && gpa <= this.#fastLastU64)) this.#check('readU64', gpa, 8n);
    this.#gather(gpa, 8);
    return SCRATCH_VIEW.getBigUint64(0, true);
  }

  /**
   * Writes `value` (`0n..2^64−1`) as a little-endian u64. Unaligned and
   * page-crossing addresses are fine. Address errors are reported before value errors.
   * @throws {GuestMemoryError} `bad_value` if `value` is not a u64; otherwise see {@link GuestMemoryErrorCode}.
   */
  writeU64(gpa: bigint, value: bigint): void {
    if (!(typeof gpa === 'bigint' && gpa >= 0n && gpa <= this.#fastLastU64)) this.#check('writeU64', gpa, 8n);
    if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
      throw new GuestMemoryError(
        'bad_value',
        gpa,
        8n,
        `writeU64 at ${hex(gpa)}: value ${describe(value)} does not fit in a u64 (0x0..${hex(U64_MAX)})`,
      );
    }
    SCRATCH_VIEW.setBigUint64(0, value, true);
    this.#scatter(gpa, 8);
  }

  /**
   * Reads a little-endian u32 as a number (`0..2^32−1`).
   * @throws {GuestMemoryError} see {@link GuestMemoryErrorCode}.
   */
  readU32(gpa: bigint): number {
    if (!(typeof gpa === 'bigint' && gpa >= 0n && gpa <= this.#fastLastU32)) this.#check('readU32', gpa, 4n);
    this.#gather(gpa, 4);
    return SCRATCH_VIEW.getUint32(0, true);
  }

  /**
   * Writes `value` (an integer `0..2^32−1`) as a little-endian u32.
   * Address errors are reported before value errors.
   * @throws {GuestMemoryError} `bad_value` if `value` is not a u32; otherwise see {@link GuestMemoryErrorCode}.
   */
  writeU32(gpa: bigint, value: number): void {
    if (!(typeof gpa === 'bigint' && gpa >= 0n && gpa <= this.#fastLastU32)) this.#check('writeU32', gpa, 4n);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new GuestMemoryError(
        'bad_value',
        gpa,
        4n,
        `writeU32 at ${hex(gpa)}: value ${describe(value)} is not an integer in 0..${U32_MAX}`,
      );
    }
    SCRATCH_VIEW.setUint32(0, value, true);
    this.#scatter(gpa, 4);
  }

  /**
   * Copies `n` (<= 8) validated bytes at `gpa` into SCRATCH. A byte loop
   * rather than a DataView over the page: constructing a DataView per access
   * cost more than the rest of the accessor put together.
   */
  #gather(gpa: bigint, n: number): void {
    const off = pageOffset(gpa);
    if (off > PAGE_BYTES - n) {
      this.#readInto(gpa, SCRATCH.subarray(0, n));
      return;
    }
    const page = this.#pages.get(pageIndex(gpa));
    if (page === undefined) {
      SCRATCH.fill(0, 0, n);
      return;
    }
    for (let i = 0; i < n; i++) SCRATCH[i] = page[off + i] ?? 0;
  }

  /** Stores SCRATCH[0..n) (n <= 8) at validated `gpa`; the counterpart of `#gather`. */
  #scatter(gpa: bigint, n: number): void {
    const off = pageOffset(gpa);
    if (off > PAGE_BYTES - n) {
      this.#writeFrom(gpa, SCRATCH.subarray(0, n));
      return;
    }
    const idx = pageIndex(gpa);
    let page = this.#pages.get(idx);
    if (page === undefined) {
      if (isAllZero(SCRATCH, 0, n)) return;
      page = newPage();
      this.#pages.set(idx, page);
    }
    for (let i = 0; i < n; i++) page[off + i] = SCRATCH[i] ?? 0;
  }

  /**
   * An independent deep copy (same limit, backing and length cap); later
   * writes to either side are invisible to the other.
   */
  clone(): GuestMemory {
    const copy = new GuestMemory({
      limit: this.limit,
      maxAccessLength: this.maxAccessLength,
      backing: this.#backingRanges(),
    });
    for (const [idx, page] of this.#pages) {
      const dup = newPage();
      dup.set(page);
      copy.#pages.set(idx, dup);
    }
    return copy;
  }

  /**
   * Whether both hold the same bytes everywhere, treating unallocated pages as
   * zeros. Compares contents only: `limit`, backing and `maxAccessLength` are
   * not considered.
   */
  equals(other: GuestMemory): boolean {
    if (other === this) return true;
    for (const [idx, page] of this.#pages) {
      const theirs = other.#pages.get(idx);
      if (theirs === undefined ? !pageIsZero(page) : !pagesEqual(page, theirs)) return false;
    }
    for (const [idx, page] of other.#pages) {
      if (!this.#pages.has(idx) && !pageIsZero(page)) return false;
    }
    return true;
  }

  /** The normalized backing ranges, for `clone`; `undefined` when everything is backed. */
  #backingRanges(): { start: bigint; end: bigint }[] | undefined {
    const starts = this.#backingStarts;
    const ends = this.#backingEnds;
    if (starts === undefined || ends === undefined) return undefined;
    return starts.map((start, i) => ({ start, end: ends[i] as bigint }));
  }

  /**
   * Validates a whole access before anything is touched. Order of checks:
   * argument types/signs, then the address-space limit, then the length cap,
   * then backing — so an access that is both too long and off the end is
   * reported as `out_of_range`, the more fundamental fault.
   */
  #check(op: string, gpa: bigint, len: bigint): void {
    if (typeof gpa !== 'bigint' || gpa < 0n) {
      throw new GuestMemoryError(
        'bad_argument',
        typeof gpa === 'bigint' ? gpa : 0n,
        typeof len === 'bigint' ? len : 0n,
        `${op} at ${describe(gpa)}: address must be a non-negative bigint`,
      );
    }
    if (typeof len !== 'bigint' || len < 0n) {
      throw new GuestMemoryError(
        'bad_argument',
        gpa,
        typeof len === 'bigint' ? len : 0n,
        `${op} at ${hex(gpa)}: length ${describe(len)} must be a non-negative bigint`,
      );
    }
    const end = gpa + len;
    if (end > this.limit) {
      const wrap = end > ADDRESS_SPACE_END ? ' and would wrap past 2^64' : '';
      throw new GuestMemoryError(
        'out_of_range',
        gpa,
        len,
        `${op} of ${hex(len)} bytes at ${hex(gpa)} runs past the end of the address space${wrap} (limit ${hex(this.limit)})`,
      );
    }
    if (len > this.maxAccessLength) {
      throw new GuestMemoryError(
        'access_too_large',
        gpa,
        len,
        `${op} of ${hex(len)} bytes at ${hex(gpa)} exceeds the largest single access (maxAccessLength ${hex(this.maxAccessLength)})`,
      );
    }
    if (len !== 0n && this.#backingStarts !== undefined) checkBacked(this.#backingStarts, this.#backingEnds as readonly bigint[], op, gpa, len, end);
  }

  /** Copies memory into `out` (already validated; `out` starts zeroed or is overwritten in full). */
  #readInto(gpa: bigint, out: Uint8Array): void {
    const n = out.length;
    let idx = pageIndex(gpa);
    let off = pageOffset(gpa);
    for (let pos = 0; pos < n; idx++, off = 0) {
      const chunk = Math.min(PAGE_BYTES - off, n - pos);
      const page = this.#pages.get(idx);
      if (page === undefined) out.fill(0, pos, pos + chunk);
      else if (chunk <= SMALL_COPY) for (let i = 0; i < chunk; i++) out[pos + i] = page[off + i]!;
      else out.set(page.subarray(off, off + chunk), pos);
      pos += chunk;
    }
  }

  /** Copies `src` into memory (already validated); all-zero chunks never allocate a page. */
  #writeFrom(gpa: bigint, src: Uint8Array): void {
    const n = src.length;
    let idx = pageIndex(gpa);
    let off = pageOffset(gpa);
    for (let pos = 0; pos < n; idx++, off = 0) {
      const chunk = Math.min(PAGE_BYTES - off, n - pos);
      let page = this.#pages.get(idx);
      if (page === undefined) {
        if (isAllZero(src, pos, pos + chunk)) {
          pos += chunk;
          continue;
        }
        page = newPage();
        this.#pages.set(idx, page);
      }
      if (chunk === n) page.set(src, off);
      else if (chunk <= SMALL_COPY) for (let i = 0; i < chunk; i++) page[off + i] = src[pos + i]!;
      else page.set(src.subarray(pos, pos + chunk), off);
      pos += chunk;
    }
  }
}
