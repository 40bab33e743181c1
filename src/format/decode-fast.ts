import type { MemoryEntry } from './saved-state.js';

/**
 * The fast path of `decodeSavedState` for a run of `partition_memory` elements.
 *
 * Nearly every element in a real payload has the same shape: one-byte keys,
 * one-byte lengths, varints of at most 7 bytes. For that shape alone this
 * reads elements with plain local arithmetic (no cursor object, no error
 * bookkeeping). At the first element of any other shape (a key or length over
 * one byte, an unknown field, a wrong wire type, a varint that runs past its
 * message, a u64 of 2^49 or more, a wrapped value or vnode of 2^28 or more)
 * it stops BEFORE any side effect of that element and returns its offset; the
 * caller reads it with the general reader, which applies every mesh rule and
 * produces every error. So this never decides acceptance: it only recognises
 * bytes whose meaning under the general rules is plain.
 *
 * What it accepts it reads as mesh does: a repeated `range` message merges
 * field by field (later bounds win, absent ones keep the earlier value), a
 * repeated scalar is last-wins, and `igvm_type` keeps its low 16 bits. A
 * property test (test/format/decode-fast.test.ts) checks that both paths agree
 * on arbitrary and mutated payloads.
 *
 * @param buf the payload.
 * @param pos offset of a top-level key.
 * @param end end of the payload.
 * @param list `partition_memory`, appended to.
 * @param onAppend called before each append, as the general path does.
 * @returns the offset of the first byte not consumed (`pos` if none was).
 */
export function readMemoryEntriesFast(
  buf: Uint8Array,
  pos: number,
  end: number,
  list: MemoryEntry[],
  onAppend: ((list: 'partition_memory', length: number) => void) | undefined,
): number {
  // A one-value cache of the last bound converted to a bigint. A memory map is
  // mostly contiguous, so one range's end is often the next one's start; the
  // reuse halves the `BigInt` allocations, the largest single cost here.
  // Bigints are immutable, so two ranges sharing one cannot tell.
  let lastNumber = -1;
  let lastBigint = 0n;
  // Locals rather than a scratch object or a helper per element: this loop is
  // the whole cost of a large decode, and V8 keeps locals in registers.
  elements: while (pos < end && buf[pos] === 0x0a) {
    let p = pos + 1;
    if (p >= end) break;
    const len = buf[p++]!;
    if (len >= 0x80) break;
    const e = p + len;
    if (e > end) break;
    let start = 0n;
    let stop = 0n;
    let vnode = 0;
    let vtlType = 0;
    let igvmType = 0;
    while (p < e) {
      const key = buf[p++]!;
      if (key === 0x10) {
        // vnode: a varint of at most 4 bytes (below 2^28, so it is its own u32 cut).
        let v = 0;
        let shift = 0;
        let b: number;
        do {
          if (p >= e || shift > 21) break elements;
          b = buf[p++]!;
          v |= (b & 0x7f) << shift;
          shift += 7;
        } while (b >= 0x80);
        vnode = v;
        continue;
      }
      // range (0x0a), vtl_type (0x1a), igvm_type (0x22): a message with a one-byte length.
      if (key !== 0x0a && key !== 0x1a && key !== 0x22) break elements;
      if (p >= e) break elements;
      const n = buf[p++]!;
      if (n >= 0x80) break elements;
      const me = p + n;
      if (me > e) break elements;
      while (p < me) {
        const k = buf[p++]!;
        if (k !== 0x08 && (k !== 0x10 || key !== 0x0a)) break elements;
        // A varint of at most 7 bytes (below 2^49, exact as a double): the
        // first four bytes with integer shifts, the rest by multiplication.
        let v = 0;
        let shift = 0;
        let b: number;
        do {
          if (p >= me) break elements;
          b = buf[p++]!;
          v |= (b & 0x7f) << shift;
          shift += 7;
        } while (b >= 0x80 && shift < 28);
        if (b >= 0x80) {
          let mul = 0x1000_0000;
          do {
            if (p >= me || mul > 2 ** 42) break elements;
            b = buf[p++]!;
            v += (b & 0x7f) * mul;
            mul *= 128;
          } while (b >= 0x80);
        }
        if (key === 0x0a) {
          if (v !== lastNumber) {
            lastNumber = v;
            lastBigint = BigInt(v);
          }
          if (k === 0x08) start = lastBigint;
          else stop = lastBigint;
        } else if (v >= 2 ** 28) {
          break elements; // the u32 cut of a wide varint is the general reader's job
        } else if (key === 0x1a) {
          vtlType = v;
        } else {
          igvmType = v & 0xffff;
        }
      }
    }
    onAppend?.('partition_memory', list.length);
    list.push({ range: { start, end: stop }, vnode, vtlType, igvmType });
    pos = e;
  }
  return pos;
}
