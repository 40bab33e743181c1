/**
 * The memory-type value sets carried in the persisted state (upstream `loader_defs` `shim.rs`
 * `MemoryVtlType` and `save_restore::IgvmMemoryType`, `openhcl_boot` `memory.rs`
 * `ReservedMemoryType`; docs/format.md, "The payload").
 *
 * Both are "open enums" upstream: plain integers where values outside the named set are legal
 * and must survive a round trip. So the types are `number`, the names are a lookup table, and
 * no function here rejects an unknown value. They are at most 32 bits wide, so a JS number
 * holds them exactly.
 */

import { Vtl2PersistError, describeValue } from '../errors.js';

/** Named `MemoryVtlType` values (a u32 upstream), with upstream's names. */
export const MemoryVtlType = {
  /** Memory for VTL0 (the guest). */
  VTL0: 0,
  /** Ordinary VTL2 RAM the kernel may use. */
  VTL2_RAM: 1,
  /** VTL2 config data (the parameter region), reserved to the kernel. */
  VTL2_CONFIG: 2,
  /** The sidecar's image, reserved to the kernel. */
  VTL2_SIDECAR_IMAGE: 3,
  /** Sidecar per-node memory, reserved to the kernel. */
  VTL2_SIDECAR_NODE: 4,
  /** MMIO for VTL0 (not RAM). */
  VTL0_MMIO: 5,
  /** MMIO for VTL2 (not RAM, but VTL2). */
  VTL2_MMIO: 6,
  /** VTL2 data the kernel and usermode must preserve (on SNP: VMSA, CPUID and secrets pages). */
  VTL2_RESERVED: 7,
  /** The VTL2 private pool usermode keeps across servicing (DMA buffers), reserved to the kernel. */
  VTL2_GPA_POOL: 8,
  /** Page tables for TDX application-processor start-up, reserved to the kernel. */
  VTL2_TDX_PAGE_TABLES: 9,
  /** The boot shim's in-memory log, reserved to the kernel. */
  VTL2_BOOTSHIM_LOG_BUFFER: 10,
  /** The page holding the 32-byte `OHCLPHDR` header, reserved to the kernel. */
  VTL2_PERSISTED_STATE_HEADER: 11,
  /** The pages holding the encoded `SavedState` payload, reserved to the kernel. */
  VTL2_PERSISTED_STATE_PROTOBUF: 12,
} as const;

/** A `MemoryVtlType` value: any u32, named or not. */
export type MemoryVtlType = number;

/** One of the upstream `MemoryVtlType` names. */
export type MemoryVtlTypeName = keyof typeof MemoryVtlType;

/** Named IGVM `MemoryMapEntryType` values (a u16 upstream), with upstream's names. */
export const IgvmMemoryType = {
  /** Normal guest RAM. */
  MEMORY: 0,
  /** Reserved by the platform; not usable as RAM. */
  PLATFORM_RESERVED: 1,
  /** Persistent memory (NVDIMM-like). */
  PERSISTENT: 2,
  /** RAM the host set aside for VTL2 (Host allocation mode places VTL2 RAM here). */
  VTL2_PROTECTABLE: 3,
  /** Specific-purpose memory (e.g. high-bandwidth), not general RAM. */
  SPECIFIC_PURPOSE: 4,
  /** Memory hidden from the guest. */
  HIDDEN: 5,
} as const;

/** An IGVM memory map entry type: any u16, named or not. */
export type IgvmMemoryType = number;

/** One of the upstream IGVM `MemoryMapEntryType` names. */
export type IgvmMemoryTypeName = keyof typeof IgvmMemoryType;

/** Name→value and value→name tables; Maps, so names like `toString` are not found by accident. */
function lookups<N extends string>(table: Readonly<Record<N, number>>) {
  const entries = Object.entries(table) as [N, number][];
  return {
    byValue: new Map(entries.map(([name, value]) => [value, name] as const)),
    byName: new Map<string, number>(entries),
  };
}

const VTL = lookups(MemoryVtlType);
const IGVM = lookups(IgvmMemoryType);

const NOT_RAM: ReadonlySet<number> = new Set([MemoryVtlType.VTL0_MMIO, MemoryVtlType.VTL2_MMIO]);
const NOT_VTL2: ReadonlySet<number> = new Set([MemoryVtlType.VTL0, MemoryVtlType.VTL0_MMIO]);

/**
 * `isRam` and `isVtl2` answered by value (indexed by the named values, 0..12), built once from
 * the sets above: both run for every saved entry of every restore, where two Map/Set lookups
 * each showed in the profile. Anything not an index of these arrays is unnamed: false.
 */
const RAM_BY_VALUE: readonly boolean[] = truthTable((v) => !NOT_RAM.has(v));
const VTL2_BY_VALUE: readonly boolean[] = truthTable((v) => !NOT_VTL2.has(v));

function truthTable(test: (v: number) => boolean): readonly boolean[] {
  const table: boolean[] = [];
  for (const v of VTL.byValue.keys()) table[v] = test(v);
  return Object.freeze(Array.from(table, (x) => x === true));
}

/**
 * Upstream `MemoryVtlType::ram()`: true for every named type except the two MMIO types.
 * Unknown values are not RAM.
 */
export function isRam(v: MemoryVtlType): boolean {
  return typeof v === 'number' && RAM_BY_VALUE[v] === true;
}

/**
 * Upstream `MemoryVtlType::vtl2()`: true for every named type except VTL0 and VTL0_MMIO (so
 * VTL2_MMIO counts). Unknown values are not VTL2.
 */
export function isVtl2(v: MemoryVtlType): boolean {
  return typeof v === 'number' && VTL2_BY_VALUE[v] === true;
}

/** The upstream name of a `MemoryVtlType`, or undefined for an unnamed value. */
export function vtlTypeName(v: MemoryVtlType): MemoryVtlTypeName | undefined {
  return VTL.byValue.get(v);
}

/** The value of an upstream `MemoryVtlType` name (exact spelling), or undefined. */
export function vtlTypeFromName(name: string): MemoryVtlType | undefined {
  return VTL.byName.get(name);
}

/** The upstream name of an IGVM memory type, or undefined for an unnamed value. */
export function igvmTypeName(v: IgvmMemoryType): IgvmMemoryTypeName | undefined {
  return IGVM.byValue.get(v);
}

/** The value of an upstream IGVM memory type name (exact spelling), or undefined. */
export function igvmTypeFromName(name: string): IgvmMemoryType | undefined {
  return IGVM.byName.get(name);
}

/** The address-space manager's reserved-range kinds (upstream `ReservedMemoryType`). */
export const ReservedType = {
  /** Config (parameter) region pages not reclaimed as RAM; `VTL2_CONFIG`. */
  Vtl2Config: 'Vtl2Config',
  /** The image's VTL2 reserved region; `VTL2_RESERVED`. */
  Vtl2Reserved: 'Vtl2Reserved',
  /** The sidecar image; `VTL2_SIDECAR_IMAGE`. */
  SidecarImage: 'SidecarImage',
  /** Sidecar per-node memory; `VTL2_SIDECAR_NODE`. */
  SidecarNode: 'SidecarNode',
  /** The private pool; `VTL2_GPA_POOL`. */
  Vtl2GpaPool: 'Vtl2GpaPool',
  /** TDX AP start-up page tables; `VTL2_TDX_PAGE_TABLES`. */
  TdxPageTables: 'TdxPageTables',
  /** The boot shim log buffer; `VTL2_BOOTSHIM_LOG_BUFFER`. */
  BootshimLogBuffer: 'BootshimLogBuffer',
  /** The persisted-state header page; `VTL2_PERSISTED_STATE_HEADER`. */
  PersistedStateHeader: 'PersistedStateHeader',
  /** The persisted-state payload pages; `VTL2_PERSISTED_STATE_PROTOBUF`. */
  PersistedStatePayload: 'PersistedStatePayload',
} as const;

/** One of the address-space manager's reserved-range kinds. */
export type ReservedType = (typeof ReservedType)[keyof typeof ReservedType];

/** Upstream `impl From<ReservedMemoryType> for MemoryVtlType` (`openhcl_boot` `memory.rs`). (The `Free` and `Used` usages, both VTL2_RAM, are not reserved types.) */
const RESERVED_TO_VTL: ReadonlyMap<string, MemoryVtlType> = new Map<ReservedType, MemoryVtlType>([
  ['Vtl2Config', MemoryVtlType.VTL2_CONFIG],
  ['Vtl2Reserved', MemoryVtlType.VTL2_RESERVED],
  ['SidecarImage', MemoryVtlType.VTL2_SIDECAR_IMAGE],
  ['SidecarNode', MemoryVtlType.VTL2_SIDECAR_NODE],
  ['Vtl2GpaPool', MemoryVtlType.VTL2_GPA_POOL],
  ['TdxPageTables', MemoryVtlType.VTL2_TDX_PAGE_TABLES],
  ['BootshimLogBuffer', MemoryVtlType.VTL2_BOOTSHIM_LOG_BUFFER],
  ['PersistedStateHeader', MemoryVtlType.VTL2_PERSISTED_STATE_HEADER],
  ['PersistedStatePayload', MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF],
]);

/** Stable reasons a {@link VtlTypeError} is thrown. */
export type VtlTypeErrorCode = 'unknown_reserved_type';

/**
 * A string that is not a {@link ReservedType} reached {@link reservedTypeToVtlType} (possible
 * only by bypassing the type checker, e.g. with data parsed from JSON).
 */
export class VtlTypeError extends Vtl2PersistError {
  declare readonly code: VtlTypeErrorCode;
  /** The rejected name (`name` itself is the error class name, as for every Error). */
  readonly reservedType: string;

  constructor(reservedType: string) {
    super('unknown_reserved_type', `unknown reserved memory type ${describeValue(reservedType)}`);
    this.reservedType = reservedType;
  }
}

/** True if `name` is one of the {@link ReservedType} names (exact spelling). */
export function isReservedType(name: string): name is ReservedType {
  return RESERVED_TO_VTL.has(name);
}

/**
 * The `MemoryVtlType` a reserved range is reported as (upstream `From<ReservedMemoryType>`).
 * @throws {VtlTypeError} `unknown_reserved_type` if `name` is not a {@link ReservedType}.
 */
export function reservedTypeToVtlType(name: ReservedType): MemoryVtlType {
  const vtlType = RESERVED_TO_VTL.get(name);
  if (vtlType === undefined) throw new VtlTypeError(name);
  return vtlType;
}
