/**
 * The boot inputs back to JSON: the canonical forms of `ShimParams`, `HostDt`,
 * `CmdlineOptions` and `MemoryAllocationMode` in the scenario format, so that
 * `parse*(…ToJson(x))` gives `x` back (`./input-readers.ts`), and what boot results print.
 */
import { igvmTypeName } from '../memory/vtl-type.js';
import { formatHex, type MemoryRange } from '../memory/range.js';
import type { CmdlineOptions, HostDt, MemoryAllocationMode, ShimParams, VmbusInfo } from './types.js';

/** JSON form of a {@link MemoryAllocationMode}, as boot results print it. */
export type MemoryAllocationModeJson =
  | 'Host'
  | {
      /** The boot shim places VTL2 RAM itself. */
      Vtl2: {
        /** Requested VTL2 RAM size, hex, or null when the host gave none. */
        memory_size: string | null;
        /** Requested VTL2 MMIO size, hex, or null when the host gave none. */
        mmio_size: string | null;
      };
    };

/**
 * The boot result's `memory_allocation_mode`: `"Host"` or
 * `{"Vtl2": {"memory_size": "0x…"|null, "mmio_size": "0x…"|null}}` with lowercase hex, both
 * keys always present (exactly as `expected.steps[].memory_allocation_mode` in the vectors).
 */
export function memoryAllocationModeToJson(mode: MemoryAllocationMode): MemoryAllocationModeJson {
  if (mode.kind === 'Host') return 'Host';
  const hex = (v: bigint | null) => (v === null ? null : formatHex(v));
  return { Vtl2: { memory_size: hex(mode.memorySize), mmio_size: hex(mode.mmioSize) } };
}

/** A `MemoryRange` as `{start, end}` hex strings. */
function rangeJson(r: MemoryRange): { start: string; end: string } {
  return { start: formatHex(r.start), end: formatHex(r.end) };
}

/**
 * Canonical JSON of `ShimParams` in the scenario format: every key present, u64s as lowercase
 * hex, the inverse of `parseShimParams`. Useful for printing the inputs a boot really used.
 */
export function shimParamsToJson(p: ShimParams): Record<string, unknown> {
  return {
    isolation: p.isolation,
    memory_start: formatHex(p.memoryStart),
    memory_size: formatHex(p.memorySize),
    persisted_state: rangeJson(p.persistedState),
    used: rangeJson(p.used),
    parameter_region: {
      start: formatHex(p.parameterRegion.start),
      size: formatHex(p.parameterRegion.size),
      dt_page_index: p.parameterRegion.dtPageIndex,
      dt_size_pages: p.parameterRegion.dtSizePages,
    },
    vtl2_reserved_region: { start: formatHex(p.vtl2ReservedRegion.start), size: formatHex(p.vtl2ReservedRegion.size) },
    sidecar: { base: formatHex(p.sidecar.base), size: formatHex(p.sidecar.size) },
    log_buffer: rangeJson(p.logBuffer),
    heap: rangeJson(p.heap),
    imported_regions: p.importedRegions.map((r) => ({ ...rangeJson(r.range), accepted: r.accepted })),
  };
}

/** Canonical JSON of `HostDt` (IGVM type names when known, else the number); inverse of `parseHostDt`. */
export function hostDtToJson(dt: HostDt): Record<string, unknown> {
  const bus = (v: VmbusInfo | null) => (v === null ? null : { mmio: v.mmio.map(rangeJson), connection_id: v.connectionId });
  return {
    memory: dt.memory.map((e) => ({ range: rangeJson(e.range), mem_type: igvmTypeName(e.memType) ?? e.memType, vnode: e.vnode })),
    memory_allocation_mode: memoryAllocationModeToJson(dt.memoryAllocationMode),
    vmbus_vtl0: bus(dt.vmbusVtl0),
    vmbus_vtl2: bus(dt.vmbusVtl2),
    cpu_count: dt.cpuCount,
    device_dma_page_count: dt.deviceDmaPageCount === null ? null : formatHex(dt.deviceDmaPageCount),
  };
}

/**
 * Canonical JSON of `CmdlineOptions`: every key, object forms for the pool config and sidecar
 * (`{"kind": "Enabled", "enable_logging", "cpu_threshold"}` in full), no raw `cmdline`; the
 * inverse of `parseCmdlineOptions`.
 */
export function cmdlineOptionsToJson(c: CmdlineOptions): Record<string, unknown> {
  const pool = c.enableVtl2GpaPool;
  const sc = c.sidecar;
  return {
    enable_vtl2_gpa_pool:
      pool.kind === 'Pages' ? { kind: 'Pages', pages: formatHex(pool.pages) } : pool.kind === 'Off' ? { kind: 'Off' } : { kind: 'Heuristics', table: pool.table },
    vtl2_gpa_pool_numa_split: c.vtl2GpaPoolNumaSplit,
    sidecar: sc.kind === 'Enabled' ? { kind: 'Enabled', enable_logging: sc.enableLogging, cpu_threshold: sc.cpuThreshold } : { kind: sc.kind },
    confidential_debug: c.confidentialDebug,
    disable_nvme_keep_alive: c.disableNvmeKeepAlive,
  };
}
