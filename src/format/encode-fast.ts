import { newBytes } from '../memory/byte-slab.js';
import type { SavedState } from './saved-state.js';
import { writeVarint32, writeVarint53 } from './wire.js';

/**
 * The fast path of `encodeSavedState`: one pass over a state whose every
 * value is plain (bigint bounds below 2^53, integer small fields in range,
 * objects where objects belong), writing into a reused scratch buffer and
 * returning a copy of the written bytes (from a shared slab when short: src/memory/byte-slab.ts).
 *
 * It returns `undefined`, having written nothing anyone sees, at the first
 * value that is not plain, valid or not; the caller then runs the general
 * encoder, which validates everything and reports the exact `EncodeError`.
 * So this never decides what is valid and never formats an error.
 *
 * Why it is faster than the general two passes: every nested body here is
 * shorter than 128 bytes (a memory entry's is at most 44), so each length
 * is one byte that can be written after its body, and nothing has to be
 * measured or remembered between passes. `Number(bound)` followed by a range
 * check replaces two bigint comparisons: below 2^53 the conversion is exact,
 * and every bigint outside 0..2^53-1 converts to a double outside it too.
 *
 * The bytes are those of the general encoder (test/format/encode-fast.test.ts
 * compares both on arbitrary states): fields in number order, zero scalars and
 * empty singular messages omitted, every list element written, CPU lists packed.
 */
export function encodeSavedStateFast(state: SavedState): Uint8Array | undefined {
  if (state === null || typeof state !== 'object') return undefined;
  const mem = state.partitionMemory;
  const mmio = state.partitionMmio;
  const cpus3 = state.cpusWithMappedInterruptsNoIo;
  const cpus4 = state.cpusWithOutstandingIo;
  if (!Array.isArray(mem) || !Array.isArray(mmio) || !Array.isArray(cpus3) || !Array.isArray(cpus4)) return undefined;
  // Worst cases: a memory element is 2 + 44 bytes, an MMIO element 2 + 32, a CPU id 5.
  const bound = 46 * mem.length + 34 * mmio.length + 5 * (cpus3.length + cpus4.length) + 12;
  let buf = scratch;
  if (buf.length < bound) buf = scratch = new Uint8Array(Math.max(bound, 2 * scratch.length));
  let pos = 0;
  // `Number(bigint)` is the largest single cost of an encode. A memory map is
  // mostly contiguous, so a range's start usually equals the previous end:
  // comparing two bigints is several times cheaper than converting one.
  let lastBig = -1n;
  let lastNumber = -1;
  for (let i = 0; i < mem.length; i++) {
    const e = mem[i]!;
    if (e === null || typeof e !== 'object') return undefined;
    const r = e.range;
    if (r === null || typeof r !== 'object' || typeof r.start !== 'bigint' || typeof r.end !== 'bigint') return undefined;
    const s = r.start === lastBig ? lastNumber : Number(r.start);
    const t = Number(r.end);
    lastBig = r.end;
    lastNumber = t;
    const { vnode, vtlType, igvmType } = e;
    if (!(s >= 0 && s <= MAX && t >= 0 && t <= MAX) || !isU32(vnode) || !isU32(vtlType) || !isU16(igvmType)) return undefined;
    buf[pos] = 0x0a;
    const lenAt = pos + 1;
    pos = writeRange(buf, lenAt + 1, s, t);
    if (vnode !== 0) {
      buf[pos++] = 0x10;
      pos = writeVarint32(buf, pos, vnode);
    }
    pos = writeWrapped(buf, pos, 0x1a, vtlType);
    pos = writeWrapped(buf, pos, 0x22, igvmType);
    buf[lenAt] = pos - lenAt - 1;
  }
  for (let i = 0; i < mmio.length; i++) {
    const e = mmio[i]!;
    if (e === null || typeof e !== 'object') return undefined;
    const r = e.range;
    if (r === null || typeof r !== 'object' || typeof r.start !== 'bigint' || typeof r.end !== 'bigint') return undefined;
    const s = Number(r.start);
    const t = Number(r.end);
    const vtlType = e.vtlType;
    if (!(s >= 0 && s <= MAX && t >= 0 && t <= MAX) || !isU32(vtlType)) return undefined;
    buf[pos] = 0x12;
    const lenAt = pos + 1;
    pos = writeRange(buf, lenAt + 1, s, t);
    pos = writeWrapped(buf, pos, 0x12, vtlType);
    buf[lenAt] = pos - lenAt - 1;
  }
  pos = writePacked(buf, pos, 0x1a, cpus3);
  if (pos < 0) return undefined;
  pos = writePacked(buf, pos, 0x22, cpus4);
  if (pos < 0) return undefined;
  const out = newBytes(pos);
  out.set(buf.subarray(0, pos));
  return out;
}

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * Reused between calls (the encoder is synchronous); grows to the largest
 * state seen, which the 19-page payload region keeps near 180 KiB in practice.
 */
let scratch = new Uint8Array(4096);

function isU32(v: unknown): v is number {
  return typeof v === 'number' && v >>> 0 === v;
}

function isU16(v: unknown): v is number {
  return typeof v === 'number' && (v & 0xffff) === v;
}

/** A `range` field (key 0x0a) at `pos`, omitted when both bounds are 0; returns the end. */
function writeRange(buf: Uint8Array, pos: number, s: number, t: number): number {
  if (s === 0 && t === 0) return pos;
  buf[pos] = 0x0a;
  const lenAt = pos + 1;
  pos += 2;
  if (s !== 0) {
    buf[pos++] = 0x08;
    pos = writeVarint53(buf, pos, s);
  }
  if (t !== 0) {
    buf[pos++] = 0x10;
    pos = writeVarint53(buf, pos, t);
  }
  buf[lenAt] = pos - lenAt - 1;
  return pos;
}

/** A wrapper message `{ field1 = v }` with key `k`, omitted when `v` is 0. */
function writeWrapped(buf: Uint8Array, pos: number, k: number, v: number): number {
  if (v === 0) return pos;
  buf[pos] = k;
  buf[pos + 2] = 0x08;
  const after = writeVarint32(buf, pos + 3, v);
  buf[pos + 1] = after - pos - 2;
  return after;
}

/** A packed u32 list with key `k`, omitted when empty; -1 if an element is not a u32. */
function writePacked(buf: Uint8Array, pos: number, k: number, list: readonly unknown[]): number {
  if (list.length === 0) return pos;
  let size = 0;
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isU32(v)) return -1;
    size += v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
  }
  buf[pos++] = k;
  pos = writeVarint32(buf, pos, size);
  for (let i = 0; i < list.length; i++) pos = writeVarint32(buf, pos, list[i] as number);
  return pos;
}
