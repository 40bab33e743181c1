/**
 * The boot shim's inputs and outputs as data (handoff.md §2, §6–11;
 * shared/spec/scenario-format.md). Every 64-bit value is a bigint; ranges the
 * loader or host computed are validated `MemoryRange`s.
 */
import type { MemoryRange } from '../memory/range.js';

/** Isolation type of the partition. Only `None` reads the persisted header (handoff.md §6.2). */
export type Isolation = 'None' | 'Vbs' | 'Snp' | 'Tdx' | 'Cca';

/** The image's fixed layout, as `ShimParams::new` presents it: absolute GPAs (handoff.md §2). */
export interface ShimParams {
  isolation: Isolation;
  /** Start and size of VTL2 memory as the IGVM file laid it out (2 MiB multiples). */
  memoryStart: bigint;
  memorySize: bigint;
  /** The loader-reserved 2 MiB persisted region at `memoryStart`; the header is at its start. */
  persistedState: MemoryRange;
  /** Everything the loader placed: `[memory_start, end of page tables)`. */
  used: MemoryRange;
  /** Parameter ("config") region; pages `[dtPageIndex, dtPageIndex + dtSizePages)` hold the host DT and are reclaimed as RAM. */
  parameterRegion: { start: bigint; size: bigint; dtPageIndex: number; dtSizePages: number };
  /** VTL2 reserved region (x86: VMSA, CPUID, secrets; size 0 on aarch64). */
  vtl2ReservedRegion: { start: bigint; size: bigint };
  /** Sidecar image; size 0 when the file has none. */
  sidecar: { base: bigint; size: bigint };
  logBuffer: MemoryRange;
  heap: MemoryRange;
  /** Regions the loader imported (VTL2-allocation mode subtracts those outside the file range). */
  importedRegions: { range: MemoryRange; accepted: boolean }[];
}

/** One host memory-map entry (the host device tree's `memory` nodes). */
export interface HostMemoryEntry {
  range: MemoryRange;
  /** IGVM memory-map entry type (u16 open enum; 3 = VTL2_PROTECTABLE). */
  memType: number;
  vnode: number;
}

/** Who places VTL2 RAM: the host (VTL2_PROTECTABLE entries) or the boot shim itself. */
export type MemoryAllocationMode =
  | { kind: 'Host' }
  | { kind: 'Vtl2'; memorySize: bigint | null; mmioSize: bigint | null };

/** A VMBus node of the host DT. */
export interface VmbusInfo {
  mmio: MemoryRange[];
  connectionId: number;
}

/** The host device tree, already parsed (handoff.md §8). */
export interface HostDt {
  memory: HostMemoryEntry[];
  memoryAllocationMode: MemoryAllocationMode;
  vmbusVtl0: VmbusInfo | null;
  vmbusVtl2: VmbusInfo | null;
  cpuCount: number;
  /** Host DMA hint in pages; null or 0 means "use the heuristic". */
  deviceDmaPageCount: bigint | null;
}

/** `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG` / `OPENHCL_ENABLE_VTL2_GPA_POOL` (handoff.md §8.4). */
export type GpaPoolConfig =
  | { kind: 'Off' }
  | { kind: 'Pages'; pages: bigint }
  | { kind: 'Heuristics'; table: 'Release' | 'Debug' };

/** Sidecar boot option (`OPENHCL_SIDECAR`). */
export type SidecarOption = 'Enabled' | 'Disabled' | 'DisabledServicing';

/** Boot command-line options that matter to the handoff. */
export interface CmdlineOptions {
  enableVtl2GpaPool: GpaPoolConfig;
  /** `OPENHCL_VTL2_GPA_POOL_NUMA=split`: skip the single-node attempt. */
  vtl2GpaPoolNumaSplit: boolean;
  sidecar: SidecarOption;
}
