/**
 * The three shipped versions of the `SavedState` payload schema
 * (upstream `loader_defs` `shim.rs` `save_restore::SavedState` before #2438, after #2438, after
 * #2512; docs/format.md, "The payload"), each with its own writer and reader,
 * for compatibility tests:
 *
 * | version | top-level fields                                                                  |
 * |---------|-----------------------------------------------------------------------------------|
 * | v1      | 1 `partition_memory`, 2 `partition_mmio` (first shipped)                          |
 * | v2      | + 3 `cpus_with_mapped_interrupts`: ALL CPUs with mapped device interrupts (#2438) |
 * | v3      | 3 renamed `cpus_with_mapped_interrupts_no_io`, now only the CPUs WITHOUT          |
 * |         | outstanding IO; + 4 `cpus_with_outstanding_io` (#2512; current)                   |
 *
 * Field numbers and wire shapes never changed, so every version's writer emits
 * a subset of the v3 encoding and every version's reader is mesh_protobuf with
 * a smaller field table. That is exactly how they are built here:
 *
 * - Writers delegate to the v3 encoder (`encodeSavedState`) with the fields the
 *   version does not have left empty. mesh omits an empty packed list, so the
 *   bytes are exactly what that version's encoder writes: v1 writes fields 1–2
 *   only, v2 adds a packed field 3 when its list is non-empty.
 * - Readers decode with the v3 decoder after hiding the fields the version does
 *   not know (see `decodeSavedStateV`), so fields 1–2 are read with all of
 *   mesh's rules and an unknown field is skipped by wire type exactly as mesh
 *   skips it, including the errors that skipping can still raise.
 *
 * "Missing" versus "empty". The mesh decoder turns both an absent key and a
 * present-but-empty packed list (`1a 00`) into `[]`, so a reader's decoded
 * state cannot say which it saw. The readers here therefore also scan the
 * top-level keys (with `MeshReader`, the decoder's own framing rules) and
 * report, per CPU-list field they know: `missing` (no key), `empty` (keys, no
 * elements) or `values`. Note what that can and cannot show: a WRITER with an
 * empty list omits the field (mesh never writes `1a 00`), so every writer here
 * yields `missing` for an empty list, exactly as a writer whose schema lacks the
 * field does. `empty` only ever comes from hand-made bytes. A reader genuinely
 * cannot tell "writer had nothing to say" from "writer did not know the field".
 */
import { ArgumentError } from '../errors.js';
import { DecodeError, EncodeError } from './codec-error.js';
import { decodeSavedState } from './decode.js';
import { encodeSavedState } from './encode.js';
import { MeshReader } from './mesh-reader.js';
import type { MemoryEntry, MmioEntry, SavedState } from './saved-state.js';

/** A shipped payload schema version. */
export type SchemaVersion = 1 | 2 | 3;

/** Every schema version, oldest first. */
export const SCHEMA_VERSIONS: readonly SchemaVersion[] = [1, 2, 3];

/** A top-level `SavedState` field as one schema version declares it. */
export interface SchemaField {
  /** The protobuf field number. */
  field: number;
  /** The proto name in that version. */
  name: string;
}

/** The top-level fields each version's schema declares, in field-number order. */
export const SCHEMA_FIELDS: Readonly<Record<SchemaVersion, readonly SchemaField[]>> = {
  1: [
    { field: 1, name: 'partition_memory' },
    { field: 2, name: 'partition_mmio' },
  ],
  2: [
    { field: 1, name: 'partition_memory' },
    { field: 2, name: 'partition_mmio' },
    { field: 3, name: 'cpus_with_mapped_interrupts' },
  ],
  3: [
    { field: 1, name: 'partition_memory' },
    { field: 2, name: 'partition_mmio' },
    { field: 3, name: 'cpus_with_mapped_interrupts_no_io' },
    { field: 4, name: 'cpus_with_outstanding_io' },
  ],
};

/** What a v1 writer writes: the memory map only. */
export interface SavedStateV1 {
  /** Field 1: the `/openhcl` map's RAM entries. */
  partitionMemory: MemoryEntry[];
  /** Field 2: the `/openhcl` map's MMIO entries. */
  partitionMmio: MmioEntry[];
}

/** What a v2 writer writes. */
export interface SavedStateV2 extends SavedStateV1 {
  /** Field 3 in v2: every CPU with mapped device interrupts, with or without outstanding IO. */
  cpusWithMappedInterrupts: number[];
}

/** The writer input of each version (v3 is the current `SavedState`). */
export type SavedStateOf<V extends SchemaVersion> = {
  /** The v1 writer's input. */
  1: SavedStateV1;
  /** The v2 writer's input. */
  2: SavedStateV2;
  /** The v3 (current) writer's input. */
  3: SavedState;
}[V];

/**
 * Encodes `state` exactly as the writer of schema `version` did (mesh rules:
 * packed lists, an empty list omitted, fields in number order).
 *
 * - v1: fields 1–2; any CPU lists on the object are not part of v1 and are not written.
 * - v2: fields 1–2, then `cpusWithMappedInterrupts` as packed field 3.
 * - v3: `encodeSavedState`, unchanged.
 *
 * Throws `EncodeError` for a value the version's Rust types cannot hold, with
 * the field path in that version's proto names.
 */
export function encodeSavedStateV<V extends SchemaVersion>(version: V, state: SavedStateOf<V>): Uint8Array {
  if (state === null || typeof state !== 'object') throw new EncodeError('missing_field', 'state', 'expected a SavedState object');
  switch (version) {
    case 1: {
      const s = state as SavedStateV1;
      return encodeSavedState({ partitionMemory: s.partitionMemory, partitionMmio: s.partitionMmio, cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] });
    }
    case 2: {
      const s = state as SavedStateV2;
      // encodeSavedState checks the list (an array of u32); its errors get the v2 name below.
      try {
        return encodeSavedState({
          partitionMemory: s.partitionMemory,
          partitionMmio: s.partitionMmio,
          cpusWithMappedInterruptsNoIo: s.cpusWithMappedInterrupts,
          cpusWithOutstandingIo: [],
        });
      } catch (e) {
        // Same field number, v2 name.
        if (e instanceof EncodeError && e.path.startsWith(V3_FIELD3)) {
          const path = V2_FIELD3 + e.path.slice(V3_FIELD3.length);
          throw new EncodeError(e.code, path, e.message.slice(e.path.length + 2));
        }
        throw e;
      }
    }
    case 3:
      return encodeSavedState(state as SavedState);
    default:
      throw new ArgumentError('encodeSavedStateV(version)', 'a schema version (1, 2 or 3)', version);
  }
}

const V2_FIELD3 = 'cpus_with_mapped_interrupts';
const V3_FIELD3 = 'cpus_with_mapped_interrupts_no_io';

/** What a reader found for one CPU-list field its schema declares. */
export interface CpuListRead {
  /** The protobuf field number (3 or 4). */
  field: number;
  /** The field's name in the reader's schema. */
  name: string;
  /**
   * `missing`: no key for the field in the payload; `empty`: one or more keys
   * but no elements (e.g. `1a 00`); `values`: at least one element. Both
   * `missing` and `empty` decode to `[]`.
   */
  status: 'missing' | 'empty' | 'values';
  /** The decoded list (wire order, as mesh appends it). */
  values: number[];
  /** How many keys for the field the payload holds (packed blobs and unpacked elements alike). */
  occurrences: number;
}

/** A top-level field the reader's schema does not declare, skipped as mesh skips it. */
export interface IgnoredField {
  /** The protobuf field number (0 included: mesh skips field 0 too). */
  field: number;
  /** Number of keys with this field number. */
  occurrences: number;
  /** Bytes those keys and their payloads take. */
  bytes: number;
}

interface DecodedCommon {
  /** Field 1 as decoded. */
  partitionMemory: MemoryEntry[];
  /** Field 2 as decoded. */
  partitionMmio: MmioEntry[];
  /** Unknown top-level fields (field 0 included), in order of first appearance. */
  ignored: IgnoredField[];
}

/** What a v1 reader gets: the memory map. */
export interface DecodedV1 extends DecodedCommon {
  /** The reader's schema version. */
  version: 1;
}

/** What a v2 reader gets. */
export interface DecodedV2 extends DecodedCommon {
  /** The reader's schema version. */
  version: 2;
  /** Field 3, which a v2 reader takes to be every CPU with mapped interrupts. */
  cpusWithMappedInterrupts: CpuListRead;
}

/** What a v3 (current) reader gets. */
export interface DecodedV3 extends DecodedCommon {
  /** The reader's schema version. */
  version: 3;
  /** Field 3, which a v3 reader takes to be the CPUs with mapped interrupts and no outstanding IO. */
  cpusWithMappedInterruptsNoIo: CpuListRead;
  /** Field 4, the CPUs whose queues had IO in flight. */
  cpusWithOutstandingIo: CpuListRead;
}

/** The decoded shape of each reader version. */
export type DecodedOf<V extends SchemaVersion> = {
  /** What a v1 reader decodes. */
  1: DecodedV1;
  /** What a v2 reader decodes. */
  2: DecodedV2;
  /** What a v3 reader decodes. */
  3: DecodedV3;
}[V];

/** The CPU-list fields a decoded payload holds, in field order (none for v1). */
export function cpuListsOf(decoded: DecodedV1 | DecodedV2 | DecodedV3): CpuListRead[] {
  switch (decoded.version) {
    case 1:
      return [];
    case 2:
      return [decoded.cpusWithMappedInterrupts];
    case 3:
      return [decoded.cpusWithMappedInterruptsNoIo, decoded.cpusWithOutstandingIo];
  }
}

/** Field-number → name tables for each reader, for error paths (`<field N>` for the rest). */
const NAMES: Record<SchemaVersion, (string | undefined)[]> = {
  1: names(1),
  2: names(2),
  3: names(3),
};

function names(version: SchemaVersion): (string | undefined)[] {
  const table: (string | undefined)[] = [];
  for (const f of SCHEMA_FIELDS[version]) table[f.field] = f.name;
  return table;
}

/**
 * A field number no version declares, whose number differs from 3 and 4 only
 * in the four field bits of a key's first byte (see `hideField`).
 */
const HIDDEN_FIELD = 15;

/**
 * Decodes a payload as the reader of schema `version` does: mesh_protobuf with
 * that version's field table. Throws `DecodeError` where that reader's decoder
 * fails (the boot shim then panics "failed to decode protobuf"), with the path
 * in the reader's proto names.
 *
 * How: the v3 decoder is the reader; a field the version does not declare (3
 * or 4 for v1, 4 for v2) first has its key's field bits rewritten, in a copy,
 * to field 15, which no version declares. The key keeps its length and wire
 * type, so the v3 decoder skips it exactly as the older reader does (by wire
 * type, still failing on a truncated payload), offsets are unchanged, and a
 * malformed list that v3 would reject as field 3/4 (say fixed64 `19 …`, or a
 * cut varint inside a packed blob) is skipped as the older reader skips it.
 * A top-level scan of the ORIGINAL bytes, with the same framing rules, gives
 * each field's presence, the ignored fields, and the error path an older
 * reader reports for a framing error in a field it does not know.
 */
export function decodeSavedStateV<V extends SchemaVersion>(version: V, bytes: Uint8Array): DecodedOf<V> {
  if (version !== 1 && version !== 2 && version !== 3) throw new ArgumentError('decodeSavedStateV(version)', 'a schema version (1, 2 or 3)', version);
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('not_bytes', 0);
  const known = new Set(SCHEMA_FIELDS[version].map((f) => f.field));

  // 1. Top-level keys, with the reader's own names for error paths.
  const scan = scanTopLevel(bytes, NAMES[version]);

  // 2. Hide fields 3/4 that this version does not declare (the v3 decoder would read them).
  // The caller's bytes are copied once, before the first change.
  let input = bytes;
  for (const k of scan.keys) {
    if ((k.field !== 3 && k.field !== 4) || known.has(k.field)) continue;
    if (input === bytes) input = bytes.slice();
    input[k.keyOffset] = hideField(input[k.keyOffset]!);
  }

  // 3. Decode. Framing is unchanged by hiding, so the decode fails either
  //    before the scan's error (inside an earlier field) or at exactly it.
  let state: SavedState;
  try {
    state = decodeSavedState(input);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    if (scan.error !== undefined && e.code === scan.error.code && e.offset === scan.error.offset) throw scan.error;
    if (version === 2 && e.path.startsWith(V3_FIELD3)) throw renamed(e, V2_FIELD3 + e.path.slice(V3_FIELD3.length));
    throw e;
  }
  // No scan error is left here: the scan and the decode read the same framing, so a framing
  // error the scan found made the decode fail too.

  // 4. Presence and ignored fields from the scan.
  const list = (field: SchemaField, values: number[]): CpuListRead => {
    const occurrences = scan.keys.filter((k) => k.field === field.field).length;
    const status = occurrences === 0 ? 'missing' : values.length === 0 ? 'empty' : 'values';
    return { field: field.field, name: field.name, status, values, occurrences };
  };
  const ignored: IgnoredField[] = [];
  for (const k of scan.keys) {
    if (known.has(k.field)) continue;
    const seen = ignored.find((i) => i.field === k.field);
    if (seen === undefined) ignored.push({ field: k.field, occurrences: 1, bytes: k.end - k.keyOffset });
    else {
      seen.occurrences++;
      seen.bytes += k.end - k.keyOffset;
    }
  }
  const common = { partitionMemory: state.partitionMemory, partitionMmio: state.partitionMmio, ignored };
  const fields = SCHEMA_FIELDS[version];
  switch (version) {
    case 1:
      return { version: 1, ...common } satisfies DecodedV1 as DecodedOf<V>;
    case 2:
      return { version: 2, ...common, cpusWithMappedInterrupts: list(fields[2]!, state.cpusWithMappedInterruptsNoIo) } satisfies DecodedV2 as DecodedOf<V>;
    default:
      return {
        version: 3,
        ...common,
        cpusWithMappedInterruptsNoIo: list(fields[2]!, state.cpusWithMappedInterruptsNoIo),
        cpusWithOutstandingIo: list(fields[3]!, state.cpusWithOutstandingIo),
      } satisfies DecodedV3 as DecodedOf<V>;
  }
}

/** One top-level key: its (32-bit truncated) field number and where the field starts and ends. */
interface TopLevelKey {
  field: number;
  keyOffset: number;
  end: number;
}

/** Reads every top-level key with mesh's framing rules; stops at the first framing error. */
function scanTopLevel(bytes: Uint8Array, names: readonly (string | undefined)[]): { keys: TopLevelKey[]; error?: DecodeError } {
  const r = new MeshReader(bytes);
  const keys: TopLevelKey[] = [];
  try {
    while (r.pos < bytes.length) {
      const field = r.nextField(bytes.length, names);
      keys.push({ field, keyOffset: r.keyOffset, end: r.pos });
    }
  } catch (e) {
    if (e instanceof DecodeError) return { keys, error: e };
    throw e;
  }
  return { keys };
}

/**
 * Rewrites the first byte of a key for field 3 or 4 into a key for field 15.
 * A key's field number is key bits 3..34 (mesh truncates it to 32 bits), so for
 * field 3 or 4 bits 3..6 of the first byte hold the number and bits 7..34 are
 * zero; setting bits 3..6 to 1111 makes it 15 and keeps the continuation bit,
 * the wire type and every later byte, hence the key's length.
 */
function hideField(keyByte: number): number {
  return (keyByte & 0x87) | (HIDDEN_FIELD << 3);
}

/**
 * A copy of a decode error with a different path (field 3 keeps its number but not its v3 name).
 * The path is one segment: field 3 is a packed list, so an error inside it names only the list.
 */
function renamed(e: DecodeError, path: string): DecodeError {
  return new DecodeError(e.code, e.offset, e.wireType).within(path);
}
