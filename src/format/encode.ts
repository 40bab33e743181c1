import { EncodeError, type EncodeErrorCode } from './codec-error.js';
import type { MemoryEntry, MmioEntry, SavedState, WireRange } from './saved-state.js';
import { U16_MAX, U32_MAX, U64_MAX } from './saved-state.js';
import { FIELD } from './schema.js';
import { varint32Size, varint64Size, WireType, writeVarint32, writeVarint64 } from './wire.js';

/**
 * Encodes a state into exactly the bytes OpenHCL's mesh_protobuf encoder
 * writes (wire-format.md §3):
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
  const sizes = measure(state);
  const buf = new Uint8Array(sizes.total);
  const F = FIELD.savedState;
  let pos = 0;
  state.partitionMemory.forEach((entry, i) => {
    pos = writeKey(buf, pos, F.partitionMemory, WireType.Variable);
    pos = writeVarint32(buf, pos, sizes.memory[i]!);
    pos = writeMemoryEntry(buf, pos, entry);
  });
  state.partitionMmio.forEach((entry, i) => {
    pos = writeKey(buf, pos, F.partitionMmio, WireType.Variable);
    pos = writeVarint32(buf, pos, sizes.mmio[i]!);
    pos = writeMmioEntry(buf, pos, entry);
  });
  pos = writePacked(buf, pos, F.cpusWithMappedInterruptsNoIo, state.cpusWithMappedInterruptsNoIo, sizes.cpus3);
  pos = writePacked(buf, pos, F.cpusWithOutstandingIo, state.cpusWithOutstandingIo, sizes.cpus4);
  return buf;
}

/** Encoded sizes, computed (and every value checked) before anything is written. */
interface Sizes {
  total: number;
  memory: number[];
  mmio: number[];
  cpus3: number;
  cpus4: number;
}

function measure(state: SavedState): Sizes {
  validate(state);
  const F = FIELD.savedState;
  const memory = state.partitionMemory.map(memoryEntrySize);
  const mmio = state.partitionMmio.map(mmioEntrySize);
  const cpus3 = packedSize(state.cpusWithMappedInterruptsNoIo);
  const cpus4 = packedSize(state.cpusWithOutstandingIo);
  let total = 0;
  for (const n of memory) total += keySize(F.partitionMemory) + varint32Size(n) + n;
  for (const n of mmio) total += keySize(F.partitionMmio) + varint32Size(n) + n;
  if (cpus3 > 0) total += keySize(F.cpusWithMappedInterruptsNoIo) + varint32Size(cpus3) + cpus3;
  if (cpus4 > 0) total += keySize(F.cpusWithOutstandingIo) + varint32Size(cpus4) + cpus4;
  return { total, memory, mmio, cpus3, cpus4 };
}

function memoryEntrySize(e: MemoryEntry): number {
  const F = FIELD.memoryEntry;
  return (
    nestedSize(F.range, rangeSize(e.range)) +
    u32FieldSize(F.vnode, e.vnode) +
    nestedSize(F.vtlType, u32FieldSize(FIELD.vtlType.value, e.vtlType)) +
    nestedSize(F.igvmType, u32FieldSize(FIELD.igvmType.value, e.igvmType))
  );
}

function mmioEntrySize(e: MmioEntry): number {
  const F = FIELD.mmioEntry;
  return nestedSize(F.range, rangeSize(e.range)) + nestedSize(F.vtlType, u32FieldSize(FIELD.vtlType.value, e.vtlType));
}

function rangeSize(r: WireRange): number {
  return u64FieldSize(FIELD.range.start, r.start) + u64FieldSize(FIELD.range.end, r.end);
}

/** A singular nested message: omitted entirely when its body is empty. */
function nestedSize(field: number, body: number): number {
  return body === 0 ? 0 : keySize(field) + varint32Size(body) + body;
}

function u32FieldSize(field: number, v: number): number {
  return v === 0 ? 0 : keySize(field) + varint32Size(v);
}

function u64FieldSize(field: number, v: bigint): number {
  return v === 0n ? 0 : keySize(field) + varint64Size(v);
}

function packedSize(list: readonly number[]): number {
  let n = 0;
  for (const v of list) n += varint32Size(v);
  return n;
}

function keySize(field: number): number {
  return varint32Size(field << 3);
}

function writeKey(buf: Uint8Array, pos: number, field: number, wireType: number): number {
  return writeVarint32(buf, pos, ((field << 3) | wireType) >>> 0);
}

function writeMemoryEntry(buf: Uint8Array, pos: number, e: MemoryEntry): number {
  const F = FIELD.memoryEntry;
  pos = writeRange(buf, pos, F.range, e.range);
  pos = writeU32Field(buf, pos, F.vnode, e.vnode);
  pos = writeWrapped(buf, pos, F.vtlType, FIELD.vtlType.value, e.vtlType);
  return writeWrapped(buf, pos, F.igvmType, FIELD.igvmType.value, e.igvmType);
}

function writeMmioEntry(buf: Uint8Array, pos: number, e: MmioEntry): number {
  const F = FIELD.mmioEntry;
  pos = writeRange(buf, pos, F.range, e.range);
  return writeWrapped(buf, pos, F.vtlType, FIELD.vtlType.value, e.vtlType);
}

function writeRange(buf: Uint8Array, pos: number, field: number, r: WireRange): number {
  const F = FIELD.range;
  const body = u64FieldSize(F.start, r.start) + u64FieldSize(F.end, r.end);
  if (body === 0) return pos;
  pos = writeKey(buf, pos, field, WireType.Variable);
  pos = writeVarint32(buf, pos, body);
  if (r.start !== 0n) pos = writeVarint64(buf, writeKey(buf, pos, F.start, WireType.Varint), r.start);
  if (r.end !== 0n) pos = writeVarint64(buf, writeKey(buf, pos, F.end, WireType.Varint), r.end);
  return pos;
}

/** `MemoryVtlType` / `IgvmMemoryType`: a message holding one varint, omitted when that is 0. */
function writeWrapped(buf: Uint8Array, pos: number, field: number, inner: number, v: number): number {
  if (v === 0) return pos;
  pos = writeKey(buf, pos, field, WireType.Variable);
  pos = writeVarint32(buf, pos, u32FieldSize(inner, v));
  return writeU32Field(buf, pos, inner, v);
}

function writeU32Field(buf: Uint8Array, pos: number, field: number, v: number): number {
  return v === 0 ? pos : writeVarint32(buf, writeKey(buf, pos, field, WireType.Varint), v);
}

function writePacked(buf: Uint8Array, pos: number, field: number, list: readonly number[], size: number): number {
  if (list.length === 0) return pos;
  pos = writeKey(buf, pos, field, WireType.Variable);
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
