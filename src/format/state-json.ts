import { expectArray, expectObject } from '../errors.js';
import { formatHex } from '../memory/range.js';
import { igvmTypeFromName, igvmTypeName, vtlTypeFromName, vtlTypeName } from '../memory/vtl-type.js';
import { JsonInputError, field, joinPath, readList, readObject, readOpenEnum, readString, readU32, readU64, type OpenEnum } from './json-read.js';
import type { MemoryEntry, MmioEntry, SavedState, WireRange } from './saved-state.js';

/**
 * The canonical JSON form of a `SavedState`, used by the CLI, scenario files
 * and tests. Proto field names; every key always present; u64 values as
 * lowercase `"0x…"` strings (JSON numbers cannot hold 2^64−1); `vtl_type` and
 * `igvm_type` as the upstream name when known, else the number.
 */
export interface SavedStateJson {
  /** Field 1: the RAM entries of the `/openhcl` map. */
  partition_memory: MemoryEntryJson[];
  /** Field 2: the MMIO entries. */
  partition_mmio: MmioEntryJson[];
  /** Field 3: CPUs with mapped device interrupts and no outstanding IO. */
  cpus_with_mapped_interrupts_no_io: number[];
  /** Field 4: CPUs with outstanding IO. */
  cpus_with_outstanding_io: number[];
}

/** JSON form of a range: `{ "start": "0x…", "end": "0x…" }`. */
export interface RangeJson {
  /** First GPA, as a `0x` hex string (a u64 does not fit a JSON number). */
  start: string;
  /** GPA just past the range, as a `0x` hex string. */
  end: string;
}

/** JSON form of a `partition_memory` entry. */
export interface MemoryEntryJson {
  /** The GPA range. */
  range: RangeJson;
  /** NUMA node (u32). */
  vnode: number;
  /** The `MemoryVtlType` name (e.g. `VTL2_RAM`), or the bare number for a value without a name. */
  vtl_type: string | number;
  /** The IGVM memory type name (e.g. `VTL2_PROTECTABLE`), or the bare number for a value without a name. */
  igvm_type: string | number;
}

/** JSON form of a `partition_mmio` entry. */
export interface MmioEntryJson {
  /** The GPA range. */
  range: RangeJson;
  /** The `MemoryVtlType` name (`VTL0_MMIO`, `VTL2_MMIO`), or the bare number for a value without a name. */
  vtl_type: string | number;
}

/** Converts a state to its canonical JSON form (lossless; see `savedStateFromJson`). */
export function savedStateToJson(state: SavedState): SavedStateJson {
  expectObject(state, 'savedStateToJson(state)');
  for (const list of ['partitionMemory', 'partitionMmio', 'cpusWithMappedInterruptsNoIo', 'cpusWithOutstandingIo'] as const) {
    expectArray(state[list], `savedStateToJson(state.${list})`);
  }
  const range = (r: WireRange): RangeJson => ({ start: formatHex(r.start), end: formatHex(r.end) });
  return {
    partition_memory: state.partitionMemory.map((e) => ({
      range: range(e.range),
      vnode: e.vnode,
      vtl_type: vtlTypeName(e.vtlType) ?? e.vtlType,
      igvm_type: igvmTypeName(e.igvmType) ?? e.igvmType,
    })),
    partition_mmio: state.partitionMmio.map((e) => ({ range: range(e.range), vtl_type: vtlTypeName(e.vtlType) ?? e.vtlType })),
    cpus_with_mapped_interrupts_no_io: [...state.cpusWithMappedInterruptsNoIo],
    cpus_with_outstanding_io: [...state.cpusWithOutstandingIo],
  };
}

export {
  /**
   * {@link JsonInputError} under its former name, for callers of `savedStateFromJson` that
   * catch it (`instanceof StateJsonError` holds for every error the JSON readers throw).
   */
  JsonInputError as StateJsonError,
  /** {@link JsonInputErrorCode} under its former name; `bad_number` and `out_of_range` are now `bad_value`. */
  type JsonInputErrorCode as StateJsonErrorCode,
} from './json-read.js';

/** The root keys of a `SavedState` JSON; `$schema` (for editors) is allowed and ignored. */
const ROOT_KEYS = ['$schema', 'partition_memory', 'partition_mmio', 'cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io'];

/**
 * Reads a state from JSON, leniently in what it accepts and strictly in what it
 * means: u64 values as hex (`"0x…"`) or decimal strings, or JSON numbers when
 * they are exact (safe integers); u32/u16 values as numbers or such strings;
 * types as upstream names or numbers. Missing keys take their defaults (0, an
 * empty list), as a missing protobuf field does. Unknown keys are an error, so
 * that a misspelt field is not silently dropped (no `_` comment keys: a state file
 * is a payload, not a hand-annotated scenario). A top-level `"$schema"` string
 * (the JSON Schema an editor checks the file against, schema/saved-state.schema.json)
 * is allowed and ignored. Every value is read with the JSON reading kit (`./json-read.ts`).
 * @throws {JsonInputError} (also exported as `StateJsonError`); the message calls the root `state`.
 */
export function savedStateFromJson(value: unknown): SavedState {
  try {
    const root = readObject(value, '', ROOT_KEYS);
    const schema = field(root, '$schema');
    if (schema !== undefined) readString(schema, '$schema');
    return {
      partitionMemory: list(field(root, 'partition_memory'), 'partition_memory', memoryEntry),
      partitionMmio: list(field(root, 'partition_mmio'), 'partition_mmio', mmioEntry),
      cpusWithMappedInterruptsNoIo: list(field(root, 'cpus_with_mapped_interrupts_no_io'), 'cpus_with_mapped_interrupts_no_io', u32),
      cpusWithOutstandingIo: list(field(root, 'cpus_with_outstanding_io'), 'cpus_with_outstanding_io', u32),
    };
  } catch (e) {
    throw e instanceof JsonInputError ? e.about('state') : e;
  }
}

const VTL_TYPE: OpenEnum = { fromName: vtlTypeFromName, bits: 32, noun: 'type name' };
const IGVM_TYPE: OpenEnum = { fromName: igvmTypeFromName, bits: 16, noun: 'type name' };

function memoryEntry(value: unknown, path: string): MemoryEntry {
  const o = readObject(value, path, ['range', 'vnode', 'vtl_type', 'igvm_type']);
  return {
    range: range(field(o, 'range'), joinPath(path, 'range')),
    vnode: u32(field(o, 'vnode'), joinPath(path, 'vnode')),
    vtlType: openEnum(field(o, 'vtl_type'), joinPath(path, 'vtl_type'), VTL_TYPE),
    igvmType: openEnum(field(o, 'igvm_type'), joinPath(path, 'igvm_type'), IGVM_TYPE),
  };
}

function mmioEntry(value: unknown, path: string): MmioEntry {
  const o = readObject(value, path, ['range', 'vtl_type']);
  return { range: range(field(o, 'range'), joinPath(path, 'range')), vtlType: openEnum(field(o, 'vtl_type'), joinPath(path, 'vtl_type'), VTL_TYPE) };
}

/** A missing range is `0..0`, as a missing protobuf message is its default. */
function range(value: unknown, path: string): WireRange {
  if (value === undefined) return { start: 0n, end: 0n };
  const o = readObject(value, path, ['start', 'end']);
  return { start: parseU64(field(o, 'start'), joinPath(path, 'start')), end: parseU64(field(o, 'end'), joinPath(path, 'end')) };
}

function list<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  return value === undefined ? [] : readList(value, path, item);
}

/**
 * A u64 from a hex/decimal string or an exact JSON number (`readU64` of the JSON reading kit),
 * except that missing (`undefined`) means 0, as a missing protobuf field does.
 * @throws {JsonInputError} `wrong_type` or `bad_value`.
 */
export function parseU64(value: unknown, path: string): bigint {
  return value === undefined ? 0n : readU64(value, path);
}

function u32(value: unknown, path: string): number {
  return value === undefined ? 0 : readU32(value, path);
}

function openEnum(value: unknown, path: string, e: OpenEnum): number {
  return value === undefined ? 0 : readOpenEnum(value, path, e);
}
