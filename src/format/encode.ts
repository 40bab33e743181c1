import { EncodeError, type EncodeErrorCode } from './codec-error.js';
import { encodeSavedStateFast } from './encode-fast.js';
import type { SavedState, WireRange } from './saved-state.js';
import { U16_MAX, U32_MAX, U64_MAX } from './saved-state.js';
import { FIELD } from './schema.js';
import { varint32Size, varint64Size, WireType, writeVarint32, writeVarint53, writeVarint64 } from './wire.js';

/**
 * Encodes a state into exactly the bytes OpenHCL's mesh_protobuf encoder
 * writes (docs/format.md, "How the real encoder differs from a naive protobuf encoder"):
 * - fields in number order, plain minimal varints, no zigzag;
 * - a scalar equal to 0 is omitted;
 * - a nested message (range, vtl_type, igvm_type) whose encoding is empty is
 *   omitted, NOT written as `tag 00`...
 * - ...except an element of a repeated message field, which is always written
 *   (an all-default MemoryEntry is `0a 00`);
 * - the CPU lists are packed, zeros inside kept, an empty list omitted;
 * - an empty state is zero bytes.
 *
 * Values outside their Rust type (negative, fractional, a u64 of 2^64 or more,
 * a u32 vnode of 2^32, a u16 IGVM type of 2^16) throw `EncodeError` naming the
 * field: no real writer can produce them, and silently truncating would hide a
 * bug in the caller.
 */
export function encodeSavedState(state: SavedState): Uint8Array {
  // Plain states (bounds below 2^53, the usual case) take one pass; anything
  // else, valid or not, comes here for validation and the general encoder.
  const fast = fastEnabled ? encodeSavedStateFast(state) : undefined;
  if (fast !== undefined) return fast;
  validate(state);
  const mem = state.partitionMemory;
  const mmio = state.partitionMmio;
  const cpus3 = state.cpusWithMappedInterruptsNoIo;
  const cpus4 = state.cpusWithOutstandingIo;

  // Pass 1: every body size, computed once and kept for pass 2 (a nested
  // message's length prefix must be known before its bytes are written).
  const ranges = new RangeSizes(mem.length + mmio.length);
  // Plain arrays, not Int32Array: a typed array over 64 bytes gets an off-heap store, which
  // costs more than this whole pass for a typical map.
  const bodies = new Array<number>(mem.length + mmio.length).fill(0);
  let total = 0;
  for (let i = 0; i < mem.length; i++) {
    const e = mem[i]!;
    const body =
      nestedSize(ranges.measure(i, e.range)) + u32FieldSize(e.vnode) + nestedSize(u32FieldSize(e.vtlType)) + nestedSize(u32FieldSize(e.igvmType));
    bodies[i] = body;
    total += 1 + varint32Size(body) + body;
  }
  for (let i = 0; i < mmio.length; i++) {
    const e = mmio[i]!;
    const body = nestedSize(ranges.measure(mem.length + i, e.range)) + nestedSize(u32FieldSize(e.vtlType));
    bodies[mem.length + i] = body;
    total += 1 + varint32Size(body) + body;
  }
  const packed3 = packedSize(cpus3);
  const packed4 = packedSize(cpus4);
  if (packed3 > 0) total += 1 + varint32Size(packed3) + packed3;
  if (packed4 > 0) total += 1 + varint32Size(packed4) + packed4;

  // Pass 2: write.
  const buf = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < mem.length; i++) {
    const e = mem[i]!;
    buf[pos++] = KEY.partitionMemory;
    pos = writeVarint32(buf, pos, bodies[i]!);
    pos = ranges.write(buf, pos, i, KEY.memoryEntry.range);
    pos = writeU32Field(buf, pos, KEY.memoryEntry.vnode, e.vnode);
    pos = writeWrapped(buf, pos, KEY.memoryEntry.vtlType, e.vtlType);
    pos = writeWrapped(buf, pos, KEY.memoryEntry.igvmType, e.igvmType);
  }
  for (let i = 0; i < mmio.length; i++) {
    const e = mmio[i]!;
    buf[pos++] = KEY.partitionMmio;
    pos = writeVarint32(buf, pos, bodies[mem.length + i]!);
    pos = ranges.write(buf, pos, mem.length + i, KEY.mmioEntry.range);
    pos = writeWrapped(buf, pos, KEY.mmioEntry.vtlType, e.vtlType);
  }
  pos = writePacked(buf, pos, KEY.cpusWithMappedInterruptsNoIo, cpus3, packed3);
  writePacked(buf, pos, KEY.cpusWithOutstandingIo, cpus4, packed4);
  return buf;
}

let fastEnabled = true;

/**
 * Turns encodeSavedState's one-pass fast path on or off (default on). Only
 * for tests that check both paths agree; not part of the package API.
 * @internal
 */
export function setEncodeFastPath(on: boolean): void {
  fastEnabled = on;
}

/**
 * Every key this schema writes, as its single byte: all field numbers are
 * below 16, so each key is one varint byte (checked when the module loads).
 */
const KEY = {
  partitionMemory: key(FIELD.savedState.partitionMemory, WireType.Variable),
  partitionMmio: key(FIELD.savedState.partitionMmio, WireType.Variable),
  cpusWithMappedInterruptsNoIo: key(FIELD.savedState.cpusWithMappedInterruptsNoIo, WireType.Variable),
  cpusWithOutstandingIo: key(FIELD.savedState.cpusWithOutstandingIo, WireType.Variable),
  memoryEntry: {
    range: key(FIELD.memoryEntry.range, WireType.Variable),
    vnode: key(FIELD.memoryEntry.vnode, WireType.Varint),
    vtlType: key(FIELD.memoryEntry.vtlType, WireType.Variable),
    igvmType: key(FIELD.memoryEntry.igvmType, WireType.Variable),
  },
  mmioEntry: {
    range: key(FIELD.mmioEntry.range, WireType.Variable),
    vtlType: key(FIELD.mmioEntry.vtlType, WireType.Variable),
  },
  start: key(FIELD.range.start, WireType.Varint),
  end: key(FIELD.range.end, WireType.Varint),
  // MemoryVtlType and IgvmMemoryType: the wrapped number is field 1 of its message.
  wrapped: key(FIELD.vtlType.value, WireType.Varint),
} as const;

function key(field: number, wireType: number): number {
  if (field >= 16) throw new Error(`schema: the key of field ${field} is not one byte`);
  return (field << 3) | wireType;
}
if (FIELD.igvmType.value !== FIELD.vtlType.value) throw new Error('schema: MemoryVtlType and IgvmMemoryType must wrap the same field number');

/**
 * The ranges of one encode: each bound converted from bigint once (to a
 * number when below 2^53, the common case) and each range body measured once.
 */
class RangeSizes {
  private readonly starts: (number | bigint)[];
  private readonly ends: (number | bigint)[];
  private readonly sizes: number[];

  constructor(n: number) {
    this.starts = new Array<number | bigint>(n);
    this.ends = new Array<number | bigint>(n);
    this.sizes = new Array<number>(n).fill(0);
  }

  /** Records range `i` and returns its body size (0 for 0..0, which is then omitted). */
  measure(i: number, r: WireRange): number {
    const s = narrow(r.start);
    const e = narrow(r.end);
    this.starts[i] = s;
    this.ends[i] = e;
    const size = (s === 0 ? 0 : 1 + varintSize(s)) + (e === 0 ? 0 : 1 + varintSize(e));
    this.sizes[i] = size;
    return size;
  }

  /** Writes range `i` as a nested field with key `k`, unless its body is empty. */
  write(buf: Uint8Array, pos: number, i: number, k: number): number {
    const size = this.sizes[i]!;
    if (size === 0) return pos;
    buf[pos++] = k;
    buf[pos++] = size; // a range body is at most 22 bytes: one length byte
    const s = this.starts[i]!;
    const e = this.ends[i]!;
    if (s !== 0) {
      buf[pos++] = KEY.start;
      pos = writeVarint(buf, pos, s);
    }
    if (e !== 0) {
      buf[pos++] = KEY.end;
      pos = writeVarint(buf, pos, e);
    }
    return pos;
  }
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A u64 as a number when that is exact (below 2^53), else the bigint. */
function narrow(v: bigint): number | bigint {
  return v <= SAFE ? Number(v) : v;
}

function varintSize(v: number | bigint): number {
  if (typeof v === 'bigint') return varint64Size(v);
  return v < 0x1_0000_0000 ? varint32Size(v) : v < 2 ** 35 ? 5 : v < 2 ** 42 ? 6 : v < 2 ** 49 ? 7 : 8;
}

function writeVarint(buf: Uint8Array, pos: number, v: number | bigint): number {
  return typeof v === 'bigint' ? writeVarint64(buf, pos, v) : writeVarint53(buf, pos, v);
}

/** A singular nested message: omitted entirely when its body is empty. */
function nestedSize(body: number): number {
  return body === 0 ? 0 : 2 + body; // key + one length byte: every nested body here is < 128 bytes
}

function u32FieldSize(v: number): number {
  return v === 0 ? 0 : 1 + varint32Size(v);
}

function packedSize(list: readonly number[]): number {
  let n = 0;
  for (const v of list) n += varint32Size(v);
  return n;
}

/** `MemoryVtlType` / `IgvmMemoryType`: a message holding one varint, omitted when that is 0. */
function writeWrapped(buf: Uint8Array, pos: number, k: number, v: number): number {
  if (v === 0) return pos;
  buf[pos++] = k;
  buf[pos++] = 1 + varint32Size(v);
  buf[pos++] = KEY.wrapped;
  return writeVarint32(buf, pos, v);
}

function writeU32Field(buf: Uint8Array, pos: number, k: number, v: number): number {
  if (v === 0) return pos;
  buf[pos++] = k;
  return writeVarint32(buf, pos, v);
}

function writePacked(buf: Uint8Array, pos: number, k: number, list: readonly number[], size: number): number {
  if (list.length === 0) return pos;
  buf[pos++] = k;
  pos = writeVarint32(buf, pos, size);
  for (const v of list) pos = writeVarint32(buf, pos, v);
  return pos;
}

/**
 * Checks every value before anything is measured or written. The pass builds
 * no strings: a field path is formatted only once a value is found bad.
 */
function validate(state: SavedState): void {
  if (state === null || typeof state !== 'object') throw new EncodeError('missing_field', 'state', 'expected a SavedState object');
  const memory = list(state.partitionMemory, 'partition_memory');
  for (let i = 0; i < memory.length; i++) {
    const e = memory[i]!;
    if (e === null || typeof e !== 'object') throw bad('missing_field', 'partition_memory', i, '', 'expected a MemoryEntry object');
    checkRange(e.range, 'partition_memory', i);
    checkSmall(e.vnode, U32_MAX, 'partition_memory', i, 'vnode');
    checkSmall(e.vtlType, U32_MAX, 'partition_memory', i, 'vtl_type');
    checkSmall(e.igvmType, U16_MAX, 'partition_memory', i, 'igvm_type');
  }
  const mmio = list(state.partitionMmio, 'partition_mmio');
  for (let i = 0; i < mmio.length; i++) {
    const e = mmio[i]!;
    if (e === null || typeof e !== 'object') throw bad('missing_field', 'partition_mmio', i, '', 'expected an MmioEntry object');
    checkRange(e.range, 'partition_mmio', i);
    checkSmall(e.vtlType, U32_MAX, 'partition_mmio', i, 'vtl_type');
  }
  for (const name of ['cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io'] as const) {
    const cpus = list(name === 'cpus_with_outstanding_io' ? state.cpusWithOutstandingIo : state.cpusWithMappedInterruptsNoIo, name);
    for (let i = 0; i < cpus.length; i++) checkSmall(cpus[i]!, U32_MAX, name, i, '');
  }
}

function list<T>(value: readonly T[], path: string): readonly T[] {
  if (!Array.isArray(value)) throw new EncodeError('missing_field', path, 'expected an array');
  return value;
}

function checkRange(r: WireRange, listName: string, i: number): void {
  if (r === null || typeof r !== 'object') throw bad('missing_field', listName, i, 'range', 'a range needs start and end');
  checkU64(r.start, listName, i, 'range.start');
  checkU64(r.end, listName, i, 'range.end');
}

function checkU64(v: bigint, listName: string, i: number, field: string): void {
  if (typeof v !== 'bigint') throw bad('not_an_integer', listName, i, field, `expected a bigint u64, got ${describe(v)}`);
  if (v < 0n || v > U64_MAX) throw bad('value_out_of_range', listName, i, field, `${v} is not a u64 (0..2^64-1)`);
}

function checkSmall(v: number, max: number, listName: string, i: number, field: string): void {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return;
  const type = max === U16_MAX ? 'u16' : 'u32';
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw bad('not_an_integer', listName, i, field, `expected an integer ${type}, got ${describe(v)}`);
  }
  throw bad('value_out_of_range', listName, i, field, `${v} is not a ${type} (0..${max})`);
}

/** The error for list element `i`'s `field` (`""` for the element itself). */
function bad(code: EncodeErrorCode, listName: string, i: number, field: string, detail: string): EncodeError {
  return new EncodeError(code, `${listName}[${i}]${field === '' ? '' : `.${field}`}`, detail);
}

function describe(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}
