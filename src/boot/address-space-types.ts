/**
 * The vocabulary of the boot shim's address-space manager (upstream `openhcl_boot` `memory.rs`):
 * its capacities, entry and input types, the builder's error, and the Rust `Debug` spellings the
 * upstream panic and error texts are built from. The manager itself is in address-space.ts, which
 * re-exports all of this.
 */

import { Vtl2PersistError } from '../errors.js';
import { formatHex, type MemoryRange } from '../memory/range.js';
import { MemoryVtlType, ReservedType, reservedTypeToVtlType } from '../memory/vtl-type.js';

/** `MAX_VTL2_RAM_RANGES` (upstream `host_params/mod.rs`): more VTL2 RAM entries make the builder fail with `RamLen`. */
export const MAX_VTL2_RAM_RANGES = 64;

/** Capacity of the builder's reserved list (`MAX_RESERVED_RANGES`, an `ArrayVec<_, 20>` in upstream `AddressSpaceManagerBuilder::init`). */
export const RESERVED_LIST_CAPACITY = 20;

/**
 * Capacity of the address space: `(MAX_VTL2_RAM_RANGES + MAX_RESERVED_MEM_RANGES) * 2` =
 * `(64 + 134) * 2` (upstream `memory.rs` `MAX_ADDRESS_RANGES`). Upstream it is an `ArrayVec`, so exceeding it panics.
 */
export const MAX_ADDRESS_SPACE_ENTRIES = (64 + 134) * 2;

/**
 * What an address-space entry is used for (upstream `AddressUsage`). Upstream wraps the reserved
 * kinds as `Reserved(ReservedMemoryType)`; here they are flattened into one string union, and
 * `debugUsage` restores the upstream Debug spelling where a message needs it.
 */
export type AddressUsage = 'Free' | 'Used' | ReservedType;

/** The usages {@link AddressSpaceManager.allocate} can assign (upstream `AllocationType`). */
export type AllocatableUsage = typeof ReservedType.Vtl2GpaPool | typeof ReservedType.SidecarNode | typeof ReservedType.TdxPageTables;

/** Which end of VTL2 memory an allocation is taken from (upstream `AllocationPolicy`). */
export type AllocationPolicy = 'LowMemory' | 'HighMemory';

/** One piece of the address space (upstream `AddressRange`). Never empty. */
export interface AddressRange {
  /** The piece's GPA range. */
  readonly range: MemoryRange;
  /** The vnode of the VTL2 RAM entry this piece lies in (a u32). */
  readonly vnode: number;
  /** What the piece is used for: free, used by the kernel, or one of the reserved kinds. */
  readonly usage: AddressUsage;
}

/** One VTL2 RAM entry given to the builder. */
export interface BuilderRamEntry {
  /** The RAM range. */
  readonly range: MemoryRange;
  /** NUMA node, a u32. */
  readonly vnode: number;
}

/**
 * The builder's inputs (upstream `AddressSpaceManagerBuilder::new` and its `with_*` methods).
 * Optional ranges that are absent are simply not reserved; upstream's callers pass `None` for
 * the VTL2 reserved region and the sidecar image when their size is 0 (upstream `add_common_ranges`).
 */
export interface AddressSpaceInit {
  /** VTL2 RAM, sorted by start and non-overlapping (else the walk panics "left not sorted"). */
  vtl2Ram: BuilderRamEntry[];
  /** Everything the loader placed (`ShimParams::used`); every reserved range must lie inside it. */
  bootshimUsed: MemoryRange;
  /** The persisted-state span; its first page is the header, the rest the payload. */
  persistedSpan: MemoryRange;
  /** The parameter region minus the reclaimed host-DT pages (normally two ranges). */
  configRanges: MemoryRange[];
  /** The VTL2 reserved region (VMSA, CPUID, secrets), if its size is not 0. */
  reserved?: MemoryRange;
  /** The sidecar image, if its size is not 0. */
  sidecarImage?: MemoryRange;
  /** The bootshim log buffer. */
  logBuffer?: MemoryRange;
  /**
   * TDX AP page tables. Upstream's builder accepts them, but no caller sets them today (they are
   * allocated after the topology instead, in x86 `setup_vtl2_memory`); kept for completeness.
   */
  pageTables?: MemoryRange;
  /** GPA pool ranges carried over from the previous instance; not required to lie inside `used`. */
  poolRanges: MemoryRange[];
}

/** Stable reasons an {@link AddressSpaceError} is thrown. */
export type AddressSpaceErrorCode =
  | 'ram_len'
  | 'already_initialized'
  | 'reserved_range_outside_bootshim_used'
  | 'invalid_argument';

/** Optional values carried by an {@link AddressSpaceError}. */
export interface AddressSpaceErrorFields {
  /** `RamLen`: the number of VTL2 RAM entries given. */
  readonly len?: number;
  /** `RamLen`: the maximum ({@link MAX_VTL2_RAM_RANGES}). */
  readonly max?: number;
  /** `ReservedRangeOutsideBootshimUsed`: only the part of the reserved range outside `used`. */
  readonly reserved?: MemoryRange;
  /** `ReservedRangeOutsideBootshimUsed`: the type of that reserved range. */
  readonly typ?: ReservedType;
  /** `ReservedRangeOutsideBootshimUsed`: the `used` range it was checked against. */
  readonly bootshimUsed?: MemoryRange;
}

/**
 * An upstream builder `Error` (`RamLen`, `AlreadyInitialized`, `ReservedRangeOutsideBootshimUsed`)
 * or, with code `invalid_argument`, an argument Rust's types could not even express (a vnode
 * that is not a u32, a length that is not a u64): the latter has no upstream counterpart and is
 * a bug in the caller, so {@link initOrPanic} does not turn it into a boot panic.
 *
 * `debug` is the error's Rust `{:?}` form, which is what upstream's
 * `.expect("failed to initialize address space manager")` prints after the colon.
 */
export class AddressSpaceError extends Vtl2PersistError {
  declare readonly code: AddressSpaceErrorCode;
  /** Rust `Debug` form of the upstream error value (our own text for `invalid_argument`). */
  readonly debug: string;
  /** See {@link AddressSpaceErrorFields.len}. */
  readonly len: number | undefined;
  /** See {@link AddressSpaceErrorFields.max}. */
  readonly max: number | undefined;
  /** See {@link AddressSpaceErrorFields.reserved}. */
  readonly reserved: MemoryRange | undefined;
  /** See {@link AddressSpaceErrorFields.typ}. */
  readonly typ: ReservedType | undefined;
  /** See {@link AddressSpaceErrorFields.bootshimUsed}. */
  readonly bootshimUsed: MemoryRange | undefined;

  constructor(code: AddressSpaceErrorCode, debug: string, fields: AddressSpaceErrorFields = {}) {
    super(code, debug);
    this.debug = debug;
    this.len = fields.len;
    this.max = fields.max;
    this.reserved = fields.reserved;
    this.typ = fields.typ;
    this.bootshimUsed = fields.bootshimUsed;
  }
}

/**
 * A `MemoryRange` formatted as Rust's `{:#x?}` prints upstream's derived `Debug`: multi-line,
 * 4-space indent, lowercase `0x` hex, trailing commas. This is the form in the panic
 * "vtl2 range … used by … not contained in vtl2 ram".
 */
export function debugRange(range: MemoryRange): string {
  return `MemoryRange {\n    start: ${formatHex(range.start)},\n    end: ${formatHex(range.end)},\n}`;
}

/**
 * A `MemoryRange` formatted as Rust's plain `{:?}`: one line and *decimal*, because the derived
 * `Debug` of a `u64` field prints in hex only when the `x` flag is given. `Result::expect` prints
 * its error with plain `{:?}`, so this is the form inside "failed to initialize address space
 * manager: …".
 */
export function debugRangePlain(range: MemoryRange): string {
  return `MemoryRange { start: ${range.start.toString(10)}, end: ${range.end.toString(10)} }`;
}

/** The Rust `{:?}` form of an upstream `AddressUsage`: `Free`, `Used` or `Reserved(<type>)`. */
export function debugUsage(usage: AddressUsage): string {
  return usage === 'Free' || usage === 'Used' ? usage : `Reserved(${usage})`;
}

/** The `MemoryVtlType` an entry is reported as (upstream `From<AddressUsage> for MemoryVtlType`): Free and Used are both VTL2_RAM. */
export function usageToVtlType(usage: AddressUsage): MemoryVtlType {
  return usage === 'Free' || usage === 'Used' ? MemoryVtlType.VTL2_RAM : reservedTypeToVtlType(usage);
}
