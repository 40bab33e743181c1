/**
 * The shipped v3 payload as a schema model, built by hand from
 * vm/loader/loader_defs/src/shim.rs `save_restore` (openvmm 1488a37b7): what the Rust parser
 * must produce from schema/saved-state-v3.rs, and what the generic codec is checked with against
 * the specialised `SavedState` codec and the mesh-wire vectors.
 */
import type { FieldDef, SchemaModel, StructDef, TypeDef, TypeRef } from '../../src/format/model/model.js';
import { BUILTIN_TYPES } from '../../src/format/model/model.js';

const PACKAGE = 'openhcl.openhcl_boot';

const u16: TypeRef = { kind: 'scalar', name: 'u16' };
const u32: TypeRef = { kind: 'scalar', name: 'u32' };
const named = (name: string): TypeRef => ({ kind: 'named', name });

function field(name: string, number: number, type: TypeRef, doc = ''): FieldDef {
  return { name, number, type, doc };
}

/** `pub struct IgvmMemoryType(#[mesh(1)] u16);` */
const IGVM_MEMORY_TYPE: StructDef = {
  kind: 'struct',
  name: 'IgvmMemoryType',
  package: PACKAGE,
  tuple: true,
  fields: [field('0', 1, u16)],
  doc: 'A local newtype wrapper that represents a [`igvm_defs::MemoryMapEntryType`].\n\nThis is required to make it protobuf deriveable.',
};

const MEMORY_ENTRY: StructDef = {
  kind: 'struct',
  name: 'MemoryEntry',
  package: PACKAGE,
  tuple: false,
  fields: [
    field('range', 1, named('MemoryRange'), 'The range of memory.'),
    field('vnode', 2, u32, 'The numa vnode for this range.'),
    field('vtl_type', 3, named('MemoryVtlType'), 'The VTL type for this range.'),
    field('igvm_type', 4, named('IgvmMemoryType'), 'The IGVM type for this range, which was reported by the host originally.'),
  ],
  doc: 'A memory entry describing what range of address space described as memory is\nused for what.',
};

const MMIO_ENTRY: StructDef = {
  kind: 'struct',
  name: 'MmioEntry',
  package: PACKAGE,
  tuple: false,
  fields: [
    field('range', 1, named('MemoryRange'), 'The range of mmio.'),
    field('vtl_type', 2, named('MemoryVtlType'), 'The VTL type for this range, which should always be an mmio type.'),
  ],
  doc: 'A mmio entry describing what range of address space described as mmio is\nused for what.',
};

const SAVED_STATE: StructDef = {
  kind: 'struct',
  name: 'SavedState',
  package: PACKAGE,
  tuple: false,
  fields: [
    field('partition_memory', 1, { kind: 'vec', element: named('MemoryEntry') }, 'The memory entries describing memory for the whole partition.'),
    field('partition_mmio', 2, { kind: 'vec', element: named('MmioEntry') }, 'The mmio entries describing mmio for the whole partition.'),
    field('cpus_with_mapped_interrupts_no_io', 3, { kind: 'vec', element: u32 }),
    field('cpus_with_outstanding_io', 4, { kind: 'vec', element: u32 }),
  ],
  doc: 'The format for saved state between the previous instance of OpenHCL and the\nnext.',
};

/** The v3 `SavedState` model, built-ins (`MemoryRange`, `MemoryVtlType`) included. */
export const SAVED_STATE_V3_MODEL: SchemaModel = {
  source: 'rust',
  file: 'schema/saved-state-v3.rs',
  root: 'SavedState',
  types: new Map<string, TypeDef>([...BUILTIN_TYPES, IGVM_MEMORY_TYPE, MEMORY_ENTRY, MMIO_ENTRY, SAVED_STATE].map((t) => [t.name, t])),
};
