import { Vtl2PersistError, expectArray, expectObject } from '../errors.js';
import { formatHex } from '../memory/range.js';
import { quoteInput } from './json-text.js';
import { igvmTypeFromName, igvmTypeName, vtlTypeFromName, vtlTypeName } from '../memory/vtl-type.js';
import type { MemoryEntry, MmioEntry, SavedState, WireRange } from './saved-state.js';
import { U16_MAX, U32_MAX, U64_MAX } from './saved-state.js';

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

/** Why a JSON value is not a valid `SavedState`. */
export type StateJsonErrorCode = 'wrong_type' | 'bad_number' | 'out_of_range' | 'unknown_name' | 'unknown_field';

/** A JSON value that does not describe a `SavedState`; `path` names the bad field. */
export class StateJsonError extends Vtl2PersistError {
  declare readonly code: StateJsonErrorCode;
  /** Proto-name path of the bad value, e.g. `partition_memory[2].range.end` (`""` for the root). */
  readonly path: string;

  constructor(code: StateJsonErrorCode, path: string, detail: string) {
    super(code, `${path === '' ? 'state' : path}: ${detail}`);
    this.path = path;
  }
}

/**
 * Reads a state from JSON, leniently in what it accepts and strictly in what it
 * means: u64 values as hex (`"0x…"`) or decimal strings, or JSON numbers when
 * they are exact (safe integers); u32/u16 values as numbers or such strings;
 * types as upstream names or numbers. Missing keys take their defaults (0, an
 * empty list), as a missing protobuf field does. Unknown keys are an error, so
 * that a misspelt field is not silently dropped. A top-level `"$schema"` string
 * (the JSON Schema an editor checks the file against, schema/saved-state.schema.json)
 * is allowed and ignored.
 */
export function savedStateFromJson(value: unknown): SavedState {
  const root = object(value, '', ['$schema', 'partition_memory', 'partition_mmio', 'cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io']);
  if (root['$schema'] !== undefined && typeof root['$schema'] !== 'string') {
    throw new StateJsonError('wrong_type', '$schema', `expected a string (a JSON Schema URI), got ${kindOf(root['$schema'])}`);
  }
  return {
    partitionMemory: list(root['partition_memory'], 'partition_memory', memoryEntry),
    partitionMmio: list(root['partition_mmio'], 'partition_mmio', mmioEntry),
    cpusWithMappedInterruptsNoIo: list(root['cpus_with_mapped_interrupts_no_io'], 'cpus_with_mapped_interrupts_no_io', u32),
    cpusWithOutstandingIo: list(root['cpus_with_outstanding_io'], 'cpus_with_outstanding_io', u32),
  };
}

function memoryEntry(value: unknown, path: string): MemoryEntry {
  const o = object(value, path, ['range', 'vnode', 'vtl_type', 'igvm_type']);
  return {
    range: range(o['range'], `${path}.range`),
    vnode: u32(o['vnode'], `${path}.vnode`),
    vtlType: typeValue(o['vtl_type'], `${path}.vtl_type`, vtlTypeFromName, U32_MAX),
    igvmType: typeValue(o['igvm_type'], `${path}.igvm_type`, igvmTypeFromName, U16_MAX),
  };
}

function mmioEntry(value: unknown, path: string): MmioEntry {
  const o = object(value, path, ['range', 'vtl_type']);
  return { range: range(o['range'], `${path}.range`), vtlType: typeValue(o['vtl_type'], `${path}.vtl_type`, vtlTypeFromName, U32_MAX) };
}

function range(value: unknown, path: string): WireRange {
  const o = object(value ?? {}, path, ['start', 'end']);
  return { start: parseU64(o['start'], `${path}.start`), end: parseU64(o['end'], `${path}.end`) };
}

function object(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StateJsonError('wrong_type', path, `expected an object, got ${kindOf(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      // The key is input: shown through quoteInput (escaped, cut) unless it is a plain short name.
      const shown = /^[A-Za-z_$][A-Za-z0-9_$]{0,59}$/.test(key) ? key : quoteInput(key, { max: 60 });
      throw new StateJsonError('unknown_field', path === '' ? shown : `${path}.${shown}`, `unknown field (expected one of ${keys.join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}

function list<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new StateJsonError('wrong_type', path, `expected an array, got ${kindOf(value)}`);
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

/** A u64 from a hex/decimal string or an exact JSON number; missing means 0. */
export function parseU64(value: unknown, path: string): bigint {
  return integer(value, path, U64_MAX, 'u64');
}

function u32(value: unknown, path: string): number {
  return Number(integer(value, path, BigInt(U32_MAX), 'u32'));
}

function typeValue(value: unknown, path: string, fromName: (name: string) => number | undefined, max: number): number {
  if (typeof value === 'string' && !/^(0x[0-9a-f]+|[0-9]+)$/i.test(value.trim())) {
    const v = fromName(value.trim());
    if (v === undefined) throw new StateJsonError('unknown_name', path, `unknown type name ${quoteInput(value)}`);
    return v;
  }
  return Number(integer(value, path, BigInt(max), max === U16_MAX ? 'u16' : 'u32'));
}

/**
 * `BigInt(s)` for a string already checked to be decimal or `0x` hex. V8 parses a BigInt from
 * a string several times slower than a number, and scenario files are mostly addresses, so
 * values that fit a double exactly (13 hex digits, 15 decimal digits) go through `Number`.
 */
function toBigInt(s: string): bigint {
  if (s.length > 15) return BigInt(s);
  return BigInt(s[1] === 'x' || s[1] === 'X' ? parseInt(s.slice(2), 16) : Number(s));
}

function integer(value: unknown, path: string, max: bigint, type: string): bigint {
  let v: bigint;
  if (value === undefined) return 0n;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new StateJsonError('bad_number', path, `${value} is not an exact integer; write large values as strings ("0x…")`);
    }
    v = BigInt(value);
  } else if (typeof value === 'string') {
    const s = value.trim();
    if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(s)) {
      throw new StateJsonError('bad_number', path, `${quoteInput(value)} is not a decimal or 0x-hex integer`);
    }
    v = toBigInt(s);
  } else {
    throw new StateJsonError('wrong_type', path, `expected an integer or a string, got ${kindOf(value)}`);
  }
  if (v < 0n || v > max) throw new StateJsonError('out_of_range', path, `${typeof value === 'string' ? quoteInput(value) : String(value)} does not fit a ${type} (0..${formatHex(max)})`);
  return v;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
