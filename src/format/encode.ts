import { EncodeError } from './codec-error.js';
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
  const F = FIELD.savedState;
  if (state === null || typeof state !== 'object') throw new EncodeError('missing_field', 'state', 'expected a SavedState object');
  const memory = list(state.partitionMemory, 'partition_memory').map((e, i) => memoryEntrySize(e, `partition_memory[${i}]`));
  const mmio = list(state.partitionMmio, 'partition_mmio').map((e, i) => mmioEntrySize(e, `partition_mmio[${i}]`));
  const cpus3 = packedSize(list(state.cpusWithMappedInterruptsNoIo, 'cpus_with_mapped_interrupts_no_io'), 'cpus_with_mapped_interrupts_no_io');
  const cpus4 = packedSize(list(state.cpusWithOutstandingIo, 'cpus_with_outstanding_io'), 'cpus_with_outstanding_io');
  let total = 0;
  for (const n of memory) total += keySize(F.partitionMemory) + varint32Size(n) + n;
  for (const n of mmio) total += keySize(F.partitionMmio) + varint32Size(n) + n;
  if (cpus3 > 0) total += keySize(F.cpusWithMappedInterruptsNoIo) + varint32Size(cpus3) + cpus3;
  if (cpus4 > 0) total += keySize(F.cpusWithOutstandingIo) + varint32Size(cpus4) + cpus4;
  return { total, memory, mmio, cpus3, cpus4 };
}

function list<T>(value: readonly T[], path: string): readonly T[] {
  if (!Array.isArray(value)) throw new EncodeError('missing_field', path, 'expected an array');
  return value;
}

function memoryEntrySize(e: MemoryEntry, path: string): number {
  const F = FIELD.memoryEntry;
  if (e === null || typeof e !== 'object') throw new EncodeError('missing_field', path, 'expected a MemoryEntry object');
  return (
    nestedSize(F.range, rangeSize(e.range, `${path}.range`)) +
    u32FieldSize(F.vnode, checkU32(e.vnode, `${path}.vnode`)) +
    nestedSize(F.vtlType, u32FieldSize(FIELD.vtlType.value, checkU32(e.vtlType, `${path}.vtl_type`))) +
    nestedSize(F.igvmType, u32FieldSize(FIELD.igvmType.value, checkU16(e.igvmType, `${path}.igvm_type`)))
  );
}

function mmioEntrySize(e: MmioEntry, path: string): number {
  const F = FIELD.mmioEntry;
  if (e === null || typeof e !== 'object') throw new EncodeError('missing_field', path, 'expected an MmioEntry object');
  return (
    nestedSize(F.range, rangeSize(e.range, `${path}.range`)) +
    nestedSize(F.vtlType, u32FieldSize(FIELD.vtlType.value, checkU32(e.vtlType, `${path}.vtl_type`)))
  );
}

function rangeSize(r: WireRange, path: string): number {
  if (r === null || typeof r !== 'object') throw new EncodeError('missing_field', path, 'a range needs start and end');
  return u64FieldSize(FIELD.range.start, checkU64(r.start, `${path}.start`)) + u64FieldSize(FIELD.range.end, checkU64(r.end, `${path}.end`));
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

function packedSize(list: readonly number[], path: string): number {
  let n = 0;
  list.forEach((v, i) => (n += varint32Size(checkU32(v, `${path}[${i}]`))));
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

function checkU64(v: bigint, path: string): bigint {
  if (typeof v !== 'bigint') throw new EncodeError('not_an_integer', path, `expected a bigint u64, got ${describe(v)}`);
  if (v < 0n || v > U64_MAX) throw new EncodeError('value_out_of_range', path, `${v} is not a u64 (0..2^64-1)`);
  return v;
}

function checkU32(v: number, path: string): number {
  return checkSmall(v, U32_MAX, 'u32', path);
}

function checkU16(v: number, path: string): number {
  return checkSmall(v, U16_MAX, 'u16', path);
}

function checkSmall(v: number, max: number, type: string, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new EncodeError('not_an_integer', path, `expected an integer ${type}, got ${describe(v)}`);
  }
  if (v < 0 || v > max) throw new EncodeError('value_out_of_range', path, `${v} is not a ${type} (0..${max})`);
  return v;
}

function describe(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}
