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
 */
import { kMaxLength } from 'node:buffer';
import { Vtl2PersistError, describeValue } from '../errors.js';
import { PAGE_SIZE, formatHex as hex } from './range.js';

const PAGE_SHIFT = 12n;
const PAGE_MASK = PAGE_SIZE - 1n;
// Page size as a number: offsets within a page or a single access stay in
// number arithmetic, which (unlike bigint) does not allocate.
const PAGE_BYTES = Number(PAGE_SIZE);

// Below 2^53 an address converts to a double exactly, so page math can use
// number arithmetic instead of bigint shifts/masks (each of which allocates).
const SAFE_ADDR = BigInt(Number.MAX_SAFE_INTEGER);

function pageIndex(gpa: bigint): number {
  return gpa <= SAFE_ADDR ? Math.floor(Number(gpa) / PAGE_BYTES) : Number(gpa >> PAGE_SHIFT);
}

function pageOffset(gpa: bigint): number {
  return gpa <= SAFE_ADDR ? Number(gpa) % PAGE_BYTES : Number(gpa & PAGE_MASK);
}

/** One past the largest u64: the end of any physical address space. */
const ADDRESS_SPACE_END = 1n << 64n;
const U64_MAX = ADDRESS_SPACE_END - 1n;
const U32_MAX = 0xffff_ffff;
/** Longest Uint8Array this Node can allocate; `read` must stay below it to fail typed. */
const MAX_BUFFER_LEN = BigInt(kMaxLength);

/** Default `maxAccessLength`: 64 MiB, far above any real header/payload, far below "allocate until OOM". */
export const DEFAULT_MAX_ACCESS_LENGTH = 64n * 1024n * 1024n;

/**
 * Why an access (or a `GuestMemory` construction) was refused:
 * - `out_of_range`: `gpa + len` is beyond `limit` (including past 2^64);
 * - `unbacked`: some byte of the access lies outside every backing range;
 * - `access_too_large`: `len` exceeds `maxAccessLength` (or what one JS buffer can hold);
 * - `bad_value`: a value to store does not fit the width being written;
 * - `bad_argument`: a negative or non-bigint address/length, or invalid options.
 */
export type GuestMemoryErrorCode =
  | 'out_of_range'
  | 'unbacked'
  | 'access_too_large'
  | 'bad_value'
  | 'bad_argument';

/**
 * A refused guest-memory access. `gpa` and `len` describe the whole offending
 * access as the caller asked for it (not just the failing part), so a caller
 * can report exactly what it tried; the message names the failing part.
 */
export class GuestMemoryError extends Vtl2PersistError {
  declare readonly code: GuestMemoryErrorCode;
  /**
   * Start of the offending access. For construction errors: the start of the
   * bad backing range, or the bad `limit`. `0n` if the caller passed something
   * that is not a bigint at all.
   */
  readonly gpa: bigint;
  /**
   * Length of the offending access (8 for the u64 accessors, 4 for u32). For
   * construction errors: the bad range's length or the bad `maxAccessLength`.
   */
  readonly len: bigint;

  constructor(code: GuestMemoryErrorCode, gpa: bigint, len: bigint, message: string) {
    super(code, message);
    this.gpa = gpa;
    this.len = len;
  }
}

/** Construction options for {@link GuestMemory}. */
export interface GuestMemoryOptions {
  /**
   * Exclusive end of the address space, `0n..2^64`. Default `2n ** 64n` (the
   * whole u64 space). Need not be page-aligned.
   */
  limit?: bigint;
  /**
   * If given, only addresses inside these half-open `[start, end)` ranges are
   * accessible; the rest model GPAs with no RAM behind them. Ranges must be
   * page-aligned and non-overlapping (adjacent is fine; they are merged), in
   * any order; empty ranges are ignored. Ranges reaching past `limit` are
   * allowed — `limit` still wins. Default: everything below `limit`.
   */
  backing?: Iterable<{
    /** First backed GPA. */
    readonly start: bigint;
    /** GPA just past the backed range. */
    readonly end: bigint;
  }>;
  /**
   * Largest single `read`/`write`/`zero`, in bytes. Default
   * {@link DEFAULT_MAX_ACCESS_LENGTH} (64 MiB), so a length taken from hostile
   * memory (say 2^63) is refused before anything is allocated.
   */
  maxAccessLength?: bigint;
}

function describe(v: unknown): string {
  return typeof v === 'bigint' ? `${hex(v)}n` : describeValue(v);
}

function isAllZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) return false;
  }
  return true;
}

/**
 * Pages are carved from shared slabs of {@link SLAB_PAGES} pages rather than
 * allocated one by one: V8 gives every typed array above 64 bytes its own
 * off-heap backing store, which costs about 3 µs whatever the size, and a
 * servicing lifecycle touches only two or three pages of a fresh memory. A slab
 * is freed once none of its pages is referenced, so at worst a surviving page
 * keeps 256 KiB alive.
 */
const SLAB_PAGES = 64;
let slab: ArrayBuffer = new ArrayBuffer(0);
let slabNext = SLAB_PAGES;

/** A zeroed 4 KiB page at a page-aligned offset of a slab. */
function newPage(): Uint8Array {
  if (slabNext === SLAB_PAGES) {
    slab = new ArrayBuffer(SLAB_PAGES * PAGE_BYTES);
    slabNext = 0;
  }
  return new Uint8Array(slab, PAGE_BYTES * slabNext++, PAGE_BYTES);
}

/**
 * Compares two whole pages. Every page starts at a page-aligned offset of its
 * buffer ({@link newPage}), so a 32-bit view is always aligned and cuts the
 * loop to a quarter.
 */
function pagesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const wa = new Uint32Array(a.buffer, a.byteOffset, PAGE_BYTES / 4);
  const wb = new Uint32Array(b.buffer, b.byteOffset, PAGE_BYTES / 4);
  for (let i = 0; i < wa.length; i++) {
    if (wa[i] !== wb[i]) return false;
  }
  return true;
}

function pageIsZero(p: Uint8Array): boolean {
  const w = new Uint32Array(p.buffer, p.byteOffset, PAGE_BYTES / 4);
  for (let i = 0; i < w.length; i++) {
    if (w[i] !== 0) return false;
  }
  return true;
}

// Every u64/u32 access goes through this scratch buffer; it is only filled and
// drained within a single synchronous call, so sharing it is safe.
const SCRATCH = new Uint8Array(8);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);

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
    const out = new Uint8Array(Number(len));
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
    if (len !== 0n && this.#backingStarts !== undefined) this.#checkBacked(op, gpa, len, end);
  }

  #checkBacked(op: string, gpa: bigint, len: bigint, end: bigint): void {
    const starts = this.#backingStarts as readonly bigint[];
    const ends = this.#backingEnds as readonly bigint[];
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

  /** Copies memory into `out` (already validated; `out` starts zeroed or is overwritten in full). */
  #readInto(gpa: bigint, out: Uint8Array): void {
    const n = out.length;
    let idx = pageIndex(gpa);
    let off = pageOffset(gpa);
    for (let pos = 0; pos < n; idx++, off = 0) {
      const chunk = Math.min(PAGE_BYTES - off, n - pos);
      const page = this.#pages.get(idx);
      if (page !== undefined) out.set(page.subarray(off, off + chunk), pos);
      else out.fill(0, pos, pos + chunk);
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
      page.set(src.subarray(pos, pos + chunk), off);
      pos += chunk;
    }
  }
}

/**
 * Validates, sorts and merges backing ranges once, so every access check is a
 * binary search. Adjacent ranges are merged so that an access spanning two of
 * them is accepted.
 */
function normalizeBacking(
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
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));

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
