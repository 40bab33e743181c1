/**
 * The decoded form of the persisted-state payload (`SavedState`).
 *
 * Field names are the camelCase of the proto names; `savedStateToJson` gives the
 * proto names. Every u64 is a bigint. The small numbers (u32 vnode and CPU ids,
 * the u32 VTL type and the u16 IGVM type) are JS numbers, always non-negative
 * integers in range after decoding.
 */

/** Largest u64; every u64 field holds a value in `0n..U64_MAX`. */
export { U64_MAX } from '../memory/u64.js';
/** Largest u32 (vnode, CPU ids, VTL type). */
export const U32_MAX = 0xffff_ffff;
/** Largest u16 (IGVM memory type). */
export const U16_MAX = 0xffff;

/**
 * A range exactly as it travels in the payload (`topology.MemoryRange`).
 *
 * Deliberately NOT a validated `MemoryRange`: the real decoder does not check
 * alignment or `start <= end` (upstream "TODO: enforce invariants during
 * de/serialization"), so a decoded state can hold any two u64 values and the
 * boot shim decides later what to make of them.
 */
export interface WireRange {
  /** First GPA of the range (u64). */
  start: bigint;
  /** GPA just past the range (u64); not checked against `start` here. */
  end: bigint;
}

/** One `partition_memory` entry: a RAM range of the partition and what VTL2 used it for. */
export interface MemoryEntry {
  /** The GPA range (field 1, `topology.MemoryRange`). */
  range: WireRange;
  /** NUMA node of the host memory entry the range came from (u32). */
  vnode: number;
  /** `MemoryVtlType` value (u32 open enum; see `src/memory/vtl-type.ts`). */
  vtlType: number;
  /** IGVM memory-map entry type of the host entry (u16 open enum). */
  igvmType: number;
}

/** One `partition_mmio` entry: a VMBus MMIO range and whose it is (VTL0_MMIO 5 / VTL2_MMIO 6). */
export interface MmioEntry {
  /** The GPA range (field 1). */
  range: WireRange;
  /** `MemoryVtlType` value (u32 open enum): `VTL0_MMIO` or `VTL2_MMIO` as OpenHCL writes it. */
  vtlType: number;
}

/** The whole payload (`openhcl.openhcl_boot.SavedState`, schema v3). */
export interface SavedState {
  /** Field 1: the `/openhcl` memory map's RAM entries, sorted by start when written by OpenHCL. */
  partitionMemory: MemoryEntry[];
  /** Field 2: the `/openhcl` memory map's MMIO entries. */
  partitionMmio: MmioEntry[];
  /** Field 3 (v2 name `cpus_with_mapped_interrupts`): CPUs with mapped device interrupts and no outstanding IO. */
  cpusWithMappedInterruptsNoIo: number[];
  /** Field 4 (v3): CPUs with outstanding NVMe IO. */
  cpusWithOutstandingIo: number[];
}

/** A fresh, empty state (encodes to zero bytes). */
export function emptySavedState(): SavedState {
  return { partitionMemory: [], partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] };
}
