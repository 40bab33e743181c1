/**
 * The boot shim's inputs and outputs as data (upstream `ShimParams`, `ParsedDeviceTree`,
 * `PartitionInfo`; docs/scenario-format.md). Every 64-bit value is a bigint; ranges the
 * loader or host computed are validated `MemoryRange`s.
 */
import type { MemoryRange } from '../memory/range.js';

/** Isolation type of the partition. Only `None` reads the persisted header (upstream `read_persisted_region_header`). */
export type Isolation = 'None' | 'Vbs' | 'Snp' | 'Tdx' | 'Cca';

/** The image's fixed layout, as `ShimParams::new` presents it: absolute GPAs (`host_params/shim_params.rs`). */
export interface ShimParams {
  /** The partition's isolation type; only `None` makes the boot shim read the persisted header. */
  isolation: Isolation;
  /** Start and size of VTL2 memory as the IGVM file laid it out (2 MiB multiples). */
  memoryStart: bigint;
  /** Bytes of VTL2 memory from `memoryStart` (upstream `memory_size`). */
  memorySize: bigint;
  /** The loader-reserved 2 MiB persisted region at `memoryStart`; the header is at its start. */
  persistedState: MemoryRange;
  /** Everything the loader placed: `[memory_start, end of page tables)`. */
  used: MemoryRange;
  /** Parameter ("config") region; pages `[dtPageIndex, dtPageIndex + dtSizePages)` hold the host DT and are reclaimed as RAM. */
  parameterRegion: {
    /** GPA of the region's first byte. */
    start: bigint;
    /** Bytes in the region. */
    size: bigint;
    /** First 4 KiB page of the region holding the host device tree. */
    dtPageIndex: number;
    /** Pages of the region the device tree may occupy. */
    dtSizePages: number;
  };
  /** VTL2 reserved region (x86: VMSA, CPUID, secrets; size 0 on aarch64). */
  vtl2ReservedRegion: {
    /** GPA of the region's first byte. */
    start: bigint;
    /** Bytes in the region; 0 when there is none. */
    size: bigint;
  };
  /** Sidecar image; size 0 when the file has none. */
  sidecar: {
    /** GPA where the sidecar image is loaded. */
    base: bigint;
    /** Bytes of the image; 0 means no sidecar. */
    size: bigint;
  };
  /** The boot shim's log buffer, reported to the kernel as `VTL2_BOOTSHIM_LOG_BUFFER`. */
  logBuffer: MemoryRange;
  /** The boot shim's own heap (upstream `heap`), not handed on as RAM. */
  heap: MemoryRange;
  /** Regions the loader imported (VTL2-allocation mode subtracts those outside the file range). */
  importedRegions: {
    /** The imported pages. */
    range: MemoryRange;
    /** Whether the loader already accepted them (isolated VMs accept memory before use). */
    accepted: boolean;
  }[];
}

/** One host memory-map entry (the host device tree's `memory` nodes). */
export interface HostMemoryEntry {
  /** The entry's GPA range, page aligned. */
  range: MemoryRange;
  /** IGVM memory-map entry type (u16 open enum; 3 = VTL2_PROTECTABLE). */
  memType: number;
  /** NUMA node the range belongs to (the device tree's `numa-node-id`). */
  vnode: number;
}

/** Who places VTL2 RAM: the host (VTL2_PROTECTABLE entries) or the boot shim itself. */
export type MemoryAllocationMode =
  | {
      /** The host placed VTL2 RAM as `VTL2_PROTECTABLE` entries. */
      kind: 'Host';
    }
  | {
      /** The boot shim carves VTL2 RAM out of VTL0 RAM itself. */
      kind: 'Vtl2';
      /** Bytes of VTL2 RAM the host asked for (at least the image's `memorySize`); null: the image's size. */
      memorySize: bigint | null;
      /** Minimum bytes of VTL2 MMIO the host asked for; null: no minimum beyond the boot shim's default. */
      mmioSize: bigint | null;
    };

/** A VMBus node of the host DT. */
export interface VmbusInfo {
  /** The MMIO gaps the host gives this VMBus (usually one below and one above 4 GiB). */
  mmio: MemoryRange[];
  /** The VMBus message connection id the host assigned. */
  connectionId: number;
}

/** The host device tree, already parsed (upstream `ParsedDeviceTree`, as `topology_from_host_dt` reads it). */
export interface HostDt {
  /** The host's memory map, VTL0 and VTL2 entries alike. */
  memory: HostMemoryEntry[];
  /** Whether the host or the boot shim places VTL2 RAM. */
  memoryAllocationMode: MemoryAllocationMode;
  /** The VTL0 VMBus node; null when the host gave none. */
  vmbusVtl0: VmbusInfo | null;
  /** The VTL2 VMBus node; null when the host gave none. */
  vmbusVtl2: VmbusInfo | null;
  /** Number of virtual processors (the device tree's `cpus` nodes). */
  cpuCount: number;
  /** Host DMA hint in pages; null or 0 means "use the heuristic". */
  deviceDmaPageCount: bigint | null;
}

/** `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG` / `OPENHCL_ENABLE_VTL2_GPA_POOL` (upstream `cmdline.rs` `Vtl2GpaPoolConfig`). */
export type GpaPoolConfig =
  | {
      /** No private pool. */
      kind: 'Off';
    }
  | {
      /** A fixed pool size. */
      kind: 'Pages';
      /** Pool size in 4 KiB pages. */
      pages: bigint;
    }
  | {
      /** Size the pool from the VM's shape with one of the DMA-hint tables. */
      kind: 'Heuristics';
      /** Which table: the release build's or the debug build's. */
      table: 'Release' | 'Debug';
    };

/**
 * Upstream `cmdline.rs` `SidecarOptions`. `enableLogging` and `cpuThreshold` are carried, not
 * modelled: upstream hands `enable_logging` to the sidecar kernel (`start_sidecar`), which we do
 * not run, and at this revision nothing reads `cpu_threshold` (`read_from_dt` has a TODO to use
 * or remove it; only the #2438-era rule compared it with the VP count, see `src/sim/compat.ts`).
 */
export type SidecarOption =
  | {
      /** Sidecar may start the APs (if the image has it and the platform allows). Upstream `Enabled`. */
      kind: 'Enabled';
      /** `OPENHCL_SIDECAR=log`: the sidecar kernel logs. */
      enableLogging: boolean;
      /** VP count below which a restore would skip sidecar; null is upstream `None`. Default 100. */
      cpuThreshold: number | null;
    }
  | {
      /** `OPENHCL_SIDECAR=off`. Upstream `DisabledCommandLine`. */
      kind: 'DisabledCommandLine';
    }
  | {
      /** The boot shim turned sidecar off for a servicing restore. Upstream `DisabledServicing`. */
      kind: 'DisabledServicing';
    };

/**
 * Upstream `cmdline.rs` `BootCommandLineOptions`, every field. The pool fields drive the
 * private-pool allocation we model; `sidecar`, `confidentialDebug` and `disableNvmeKeepAlive`
 * are carried so results and JSON show them, but change nothing we model (see each field).
 */
export interface CmdlineOptions {
  /** How big the VTL2 private pool is (from `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG` or `OPENHCL_ENABLE_VTL2_GPA_POOL`). */
  enableVtl2GpaPool: GpaPoolConfig;
  /** `OPENHCL_VTL2_GPA_POOL_NUMA=split`: skip the single-node attempt. */
  vtl2GpaPoolNumaSplit: boolean;
  /**
   * `OPENHCL_SIDECAR`. Carried only: the restore-time sidecar gate reads the default options,
   * not these (`./sidecar.ts`), and sidecar start-up itself is not modelled.
   */
  sidecar: SidecarOption;
  /**
   * `OPENHCL_CONFIDENTIAL_DEBUG`. Carried only: upstream it makes an isolated VM trust the host
   * (parse the host's command line, take its VTL0 alias map), none of which we model.
   */
  confidentialDebug: boolean;
  /**
   * `OPENHCL_DISABLE_NVME_KEEP_ALIVE`. Carried only: upstream it adds `disabled` to the kernel's
   * `OPENHCL_NVME_KEEP_ALIVE=`, a command line we do not build.
   */
  disableNvmeKeepAlive: boolean;
}
