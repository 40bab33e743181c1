import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * The payload schema, loaded from our own `.proto` files through protobufjs.
 *
 * The `.proto` files are the one description of the payload: the codec takes
 * its field numbers from here and refuses to load if the schema no longer has
 * the shape the mesh rules below were written for. protobufjs's generic
 * encoder/decoder are NOT used for the payload itself: they differ from mesh on
 * groups, wire type 6, field 0, u16 truncation, plain-varint enums and message
 * merging, and they take `Long`, not bigint (docs/format.md, "What the real decoder accepts and rejects").
 */

/** protobufjs root holding `topology.MemoryRange` and the `openhcl.openhcl_boot` messages. */
export const schemaRoot: protobuf.Root = loadRoot();

function loadRoot(): protobuf.Root {
  const file = fileURLToPath(new URL('./proto/saved_state.proto', import.meta.url));
  // keepCase: the codec and the JSON form use the proto field names verbatim.
  const root = new protobuf.Root().loadSync(file, { keepCase: true });
  root.resolveAll();
  return root;
}

/** How the codec treats a field: a u64/u32/u16 varint, a nested message, or a packed u32 list. */
export type FieldShape = 'u64' | 'u32' | 'message' | 'repeated message' | 'repeated u32';

/**
 * Looks up a field's number and checks that the .proto still declares the shape the codec
 * implements; {@link FIELD} is built with it when the module loads (exported for the tests of
 * its two refusals).
 * @throws {Error} when the field is missing or has another shape: the codec would be wrong.
 */
export function protoField(type: string, name: string, shape: FieldShape): number {
  const f = schemaRoot.lookupType(type).fields[name];
  if (f === undefined) throw new Error(`schema: ${type}.${name} is missing from the .proto`);
  f.resolve();
  const kind = f.resolvedType !== null ? 'message' : f.type === 'uint64' ? 'u64' : f.type === 'uint32' ? 'u32' : f.type;
  const actual = f.repeated ? `repeated ${kind}` : kind;
  if (actual !== shape) throw new Error(`schema: ${type}.${name} is ${actual}, the codec implements ${shape}`);
  return f.id;
}

const BOOT = 'openhcl.openhcl_boot';

/** Field numbers of every message in the payload, taken from the `.proto` files. */
export const FIELD = {
  /** `topology.MemoryRange`: a GPA range as start and end (exclusive). */
  range: {
    /** `start` (u64). */
    start: protoField('topology.MemoryRange', 'start', 'u64'),
    /** `end` (u64). */
    end: protoField('topology.MemoryRange', 'end', 'u64'),
  },
  /** `MemoryVtlType`: a wrapper message around the u32 memory type. */
  vtlType: {
    /** `field1`, the wrapped value. */
    value: protoField(`${BOOT}.MemoryVtlType`, 'field1', 'u32'),
  },
  /** `IgvmMemoryType`: a wrapper message around the u16 IGVM type. */
  igvmType: {
    /** `field1`, the wrapped value. */
    value: protoField(`${BOOT}.IgvmMemoryType`, 'field1', 'u32'),
  },
  /** `MemoryEntry`: one RAM range of the `/openhcl` map. */
  memoryEntry: {
    /** `range` (message). */
    range: protoField(`${BOOT}.MemoryEntry`, 'range', 'message'),
    /** `vnode` (u32). */
    vnode: protoField(`${BOOT}.MemoryEntry`, 'vnode', 'u32'),
    /** `vtl_type` (message). */
    vtlType: protoField(`${BOOT}.MemoryEntry`, 'vtl_type', 'message'),
    /** `igvm_type` (message). */
    igvmType: protoField(`${BOOT}.MemoryEntry`, 'igvm_type', 'message'),
  },
  /** `MmioEntry`: one MMIO range of the `/openhcl` map. */
  mmioEntry: {
    /** `range` (message). */
    range: protoField(`${BOOT}.MmioEntry`, 'range', 'message'),
    /** `vtl_type` (message). */
    vtlType: protoField(`${BOOT}.MmioEntry`, 'vtl_type', 'message'),
  },
  /** `SavedState`: the payload itself. */
  savedState: {
    /** `partition_memory` (repeated message). */
    partitionMemory: protoField(`${BOOT}.SavedState`, 'partition_memory', 'repeated message'),
    /** `partition_mmio` (repeated message). */
    partitionMmio: protoField(`${BOOT}.SavedState`, 'partition_mmio', 'repeated message'),
    /** `cpus_with_mapped_interrupts_no_io` (repeated u32). */
    cpusWithMappedInterruptsNoIo: protoField(`${BOOT}.SavedState`, 'cpus_with_mapped_interrupts_no_io', 'repeated u32'),
    /** `cpus_with_outstanding_io` (repeated u32). */
    cpusWithOutstandingIo: protoField(`${BOOT}.SavedState`, 'cpus_with_outstanding_io', 'repeated u32'),
  },
} as const;
