import { DecodeError } from './codec-error.js';
import { readMemoryEntriesFast } from './decode-fast.js';
import { MeshReader } from './mesh-reader.js';
import type { MemoryEntry, MmioEntry, SavedState, WireRange } from './saved-state.js';
import { emptySavedState } from './saved-state.js';
import { FIELD } from './schema.js';

/** Field-number → proto-name tables, so that error paths use proto names. */
function names(fields: Record<string, number>, protoNames: Record<string, string>): (string | undefined)[] {
  const table: (string | undefined)[] = [];
  for (const [key, id] of Object.entries(fields)) table[id] = protoNames[key] ?? key;
  return table;
}
const RANGE_NAMES = names(FIELD.range, {});
const VALUE_NAMES = names(FIELD.vtlType, { value: 'field1' });
const MEMORY_ENTRY_NAMES = names(FIELD.memoryEntry, { vtlType: 'vtl_type', igvmType: 'igvm_type' });
const MMIO_ENTRY_NAMES = names(FIELD.mmioEntry, { vtlType: 'vtl_type' });
const SAVED_STATE_NAMES = names(FIELD.savedState, {
  partitionMemory: 'partition_memory',
  partitionMmio: 'partition_mmio',
  cpusWithMappedInterruptsNoIo: 'cpus_with_mapped_interrupts_no_io',
  cpusWithOutstandingIo: 'cpus_with_outstanding_io',
});

let fastEnabled = true;

/**
 * Turns decodeSavedState's fast path for memory entries on or off (default
 * on). Only for tests that check both paths agree; not part of the package API.
 * @internal
 */
export function setDecodeFastPath(on: boolean): void {
  fastEnabled = on;
}

/** A repeated field of `SavedState`, by proto name. */
export type SavedStateList =
  | 'partition_memory'
  | 'partition_mmio'
  | 'cpus_with_mapped_interrupts_no_io'
  | 'cpus_with_outstanding_io';

/** Options of `decodeSavedState`. */
export interface DecodeOptions {
  /**
   * Called for each list element in wire order, with the list's length before
   * the append, BEFORE a message element is decoded (mesh grows the `Vec`
   * first, so a failure inside the element has already paid for the growth). openhcl_boot decodes into a 64 KiB bump
   * heap that never frees, so whether a payload fits depends on exactly this
   * sequence of `Vec` growths. An exception thrown here aborts the decode and
   * propagates unchanged. Default: none.
   */
  onAppend?: (list: SavedStateList, length: number) => void;
}

/**
 * Decodes a persisted-state payload exactly as OpenHCL's mesh_protobuf decoder
 * does (docs/format.md, "What the real decoder accepts and rejects"): it accepts what the real decoder accepts, returns
 * the same state, and rejects what it rejects with a `DecodeError` naming the
 * mesh error, the byte offset and the field path.
 *
 * What that means in practice, beyond plain protobuf:
 * - a duplicated nested message is merged field by field (later fields win);
 *   a duplicated scalar is last-wins; repeated fields always append;
 * - packed and unpacked CPU lists mix freely;
 * - unknown fields and field 0 are skipped by wire type; groups (3, 4) and
 *   resource fields (7, or 6 with resources) are errors even when unknown;
 * - a known field with the wrong wire type is an error (`vtl_type` as a plain
 *   varint is "expected a message");
 * - varints may be non-minimal up to 10 bytes; u32/u16 fields keep the low bits;
 * - decoded ranges are not validated (alignment, start <= end).
 *
 * Allocation is bounded by the input: nothing is sized from a length field.
 * Any input other than a byte array is a `DecodeError` with code `not_bytes`.
 */
export function decodeSavedState(bytes: Uint8Array, options: DecodeOptions = {}): SavedState {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('not_bytes', 0);
  const r = new MeshReader(bytes);
  const onAppend = options.onAppend;
  const state = emptySavedState();
  const end = bytes.length;
  const F = FIELD.savedState;
  while (r.pos < end) {
    // Most of a payload is memory entries of one plain shape: read a run of
    // those without the general reader first (decode-fast.ts). It stops before
    // any element it does not recognise, which the switch below then reads.
    if (fastEnabled) {
      r.pos = readMemoryEntriesFast(bytes, r.pos, end, state.partitionMemory, onAppend);
      if (r.pos >= end) break;
    }
    switch (r.nextField(end, SAVED_STATE_NAMES)) {
      case F.partitionMemory: {
        const entry: MemoryEntry = { range: { start: 0n, end: 0n }, vnode: 0, vtlType: 0, igvmType: 0 };
        onAppend?.('partition_memory', state.partitionMemory.length);
        descend(r, 'partition_memory', state.partitionMemory.length, readMemoryEntry, entry);
        state.partitionMemory.push(entry);
        break;
      }
      case F.partitionMmio: {
        const entry: MmioEntry = { range: { start: 0n, end: 0n }, vtlType: 0 };
        onAppend?.('partition_mmio', state.partitionMmio.length);
        descend(r, 'partition_mmio', state.partitionMmio.length, readMmioEntry, entry);
        state.partitionMmio.push(entry);
        break;
      }
      case F.cpusWithMappedInterruptsNoIo:
        r.appendU32s(state.cpusWithMappedInterruptsNoIo, onAppend, 'cpus_with_mapped_interrupts_no_io');
        break;
      case F.cpusWithOutstandingIo:
        r.appendU32s(state.cpusWithOutstandingIo, onAppend, 'cpus_with_outstanding_io');
        break;
      // Anything else (unknown numbers, field 0) was skipped by nextField.
    }
  }
  return state;
}

/**
 * Decodes the last field's bytes as a nested message into `target`, merging
 * with what `target` already holds (mesh's behaviour for a repeated key), and
 * prefixes any error's path with `segment` (and `[index]` for list elements).
 */
function descend<T>(
  r: MeshReader,
  segment: string,
  index: number,
  read: (r: MeshReader, end: number, target: T) => void,
  target: T,
): void {
  if (!r.isMessage()) throw new DecodeError('expected_message', r.keyOffset).within(label(segment, index));
  const resume = r.pos;
  const end = r.dataEnd;
  r.pos = r.dataStart;
  try {
    read(r, end, target);
  } catch (e) {
    throw e instanceof DecodeError ? e.within(label(segment, index)) : e;
  }
  r.pos = resume;
}

function label(segment: string, index: number): string {
  return index < 0 ? segment : `${segment}[${index}]`;
}

function readMemoryEntry(r: MeshReader, end: number, entry: MemoryEntry): void {
  const F = FIELD.memoryEntry;
  while (r.pos < end) {
    switch (r.nextField(end, MEMORY_ENTRY_NAMES)) {
      case F.range:
        descend(r, 'range', -1, readRange, entry.range);
        break;
      case F.vnode:
        entry.vnode = r.u32();
        break;
      case F.vtlType:
        descend(r, 'vtl_type', -1, readVtlType, entry);
        break;
      case F.igvmType:
        descend(r, 'igvm_type', -1, readIgvmType, entry);
        break;
    }
  }
}

function readMmioEntry(r: MeshReader, end: number, entry: MmioEntry): void {
  const F = FIELD.mmioEntry;
  while (r.pos < end) {
    switch (r.nextField(end, MMIO_ENTRY_NAMES)) {
      case F.range:
        descend(r, 'range', -1, readRange, entry.range);
        break;
      case F.vtlType:
        descend(r, 'vtl_type', -1, readVtlType, entry);
        break;
    }
  }
}

function readRange(r: MeshReader, end: number, range: WireRange): void {
  const F = FIELD.range;
  while (r.pos < end) {
    switch (r.nextField(end, RANGE_NAMES)) {
      case F.start:
        range.start = r.u64();
        break;
      case F.end:
        range.end = r.u64();
        break;
    }
  }
}

/** `MemoryVtlType { u32 field1 }`; absent field1 leaves the current value (merge semantics). */
function readVtlType(r: MeshReader, end: number, entry: { vtlType: number }): void {
  while (r.pos < end) {
    if (r.nextField(end, VALUE_NAMES) === FIELD.vtlType.value) entry.vtlType = r.u32();
  }
}

/** `IgvmMemoryType { u16 field1 }`: the varint is cut to its low 16 bits. */
function readIgvmType(r: MeshReader, end: number, entry: { igvmType: number }): void {
  while (r.pos < end) {
    if (r.nextField(end, VALUE_NAMES) === FIELD.igvmType.value) entry.igvmType = r.u32() & 0xffff;
  }
}
