/**
 * The page layer under `GuestMemory`: GPA → (page index, offset) math, the slab allocator
 * that hands out zeroed 4 KiB pages, and whole-page comparisons. Kept apart from the access
 * checks so the hot arithmetic (which avoids allocating bigints) is in one place.
 */
import { PAGE_SIZE } from './range.js';

/** log2 of the page size, for bigint shifts on addresses above 2^53. */
export const PAGE_SHIFT = 12n;
/** Offset-within-page mask, as a bigint. */
export const PAGE_MASK = PAGE_SIZE - 1n;
/**
 * Page size as a number: offsets within a page or a single access stay in number arithmetic,
 * which (unlike bigint) does not allocate.
 */
export const PAGE_BYTES = Number(PAGE_SIZE);

// Below 2^53 an address converts to a double exactly, so page math can use
// number arithmetic instead of bigint shifts/masks (each of which allocates).
const SAFE_ADDR = BigInt(Number.MAX_SAFE_INTEGER);

/** `gpa >> 12` as a number (at most 2^52 − 1, so exact), without a bigint shift below 2^53. */
export function pageIndex(gpa: bigint): number {
  return gpa <= SAFE_ADDR ? Math.floor(Number(gpa) / PAGE_BYTES) : Number(gpa >> PAGE_SHIFT);
}

/** `gpa & 0xfff` as a number, without a bigint mask below 2^53. */
export function pageOffset(gpa: bigint): number {
  return gpa <= SAFE_ADDR ? Number(gpa) % PAGE_BYTES : Number(gpa & PAGE_MASK);
}

/** Whether `bytes[from..to)` are all zero: an all-zero write to an absent page must not allocate it. */
export function isAllZero(bytes: Uint8Array, from: number, to: number): boolean {
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
export function newPage(): Uint8Array {
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
export function pagesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const wa = new Uint32Array(a.buffer, a.byteOffset, PAGE_BYTES / 4);
  const wb = new Uint32Array(b.buffer, b.byteOffset, PAGE_BYTES / 4);
  for (let i = 0; i < wa.length; i++) {
    if (wa[i] !== wb[i]) return false;
  }
  return true;
}

/** Whether a whole page is zero: `equals` treats such a page as equal to an absent one. */
export function pageIsZero(p: Uint8Array): boolean {
  const w = new Uint32Array(p.buffer, p.byteOffset, PAGE_BYTES / 4);
  for (let i = 0; i < w.length; i++) {
    if (w[i] !== 0) return false;
  }
  return true;
}
