/**
 * Worked example A of test/vectors/boot-worked-examples.json, the project's reference VM: x86, 64 MiB of
 * VTL2 RAM at 128 MiB (the IGVM loader's default base), Host allocation mode,
 * one NUMA node, 2 CPUs, the release heuristic pool (2 MiB). Copied here so the
 * library's demos and campaigns work without the shared vectors; tests check
 * the copy against the vector.
 */
import type { MemoryEntry, MmioEntry } from '../format/saved-state.js';
import { IgvmMemoryType as Igvm, MemoryVtlType as Vtl } from '../memory/vtl-type.js';

const EXAMPLE_A_INPUTS = {
  shim_params: {
    memory_start: '0x8000000',
    memory_size: '0x4000000',
    persisted_state: { start: '0x8000000', end: '0x8200000' },
    used: { start: '0x8000000', end: '0x8d8d000' },
    parameter_region: { start: '0x8c00000', size: '0x16a000', dt_page_index: 40, dt_size_pages: 64 },
    vtl2_reserved_region: { start: '0x8bfc000', size: '0x4000' },
    sidecar: { base: '0x8400000', size: '0x0' },
    log_buffer: { start: '0x8d6a000', end: '0x8d6c000' },
    heap: { start: '0x8d6c000', end: '0x8d7c000' },
    isolation: 'None',
    imported_regions: [],
  },
  host_dt: {
    memory: [
      { range: { start: '0x0', end: '0x8000000' }, mem_type: 'MEMORY', vnode: 0 },
      { range: { start: '0x8000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      { range: { start: '0xc000000', end: '0x80000000' }, mem_type: 'MEMORY', vnode: 0 },
      { range: { start: '0x100000000', end: '0x200000000' }, mem_type: 'MEMORY', vnode: 0 },
    ],
    memory_allocation_mode: 'Host',
    vmbus_vtl0: { mmio: [{ start: '0xf8000000', end: '0xfc000000' }, { start: '0xfc0000000', end: '0x1000000000' }], connection_id: 4 },
    vmbus_vtl2: { mmio: [{ start: '0xf800000000', end: '0xf808000000' }], connection_id: 8388724 },
    cpu_count: 2,
    device_dma_page_count: null,
  },
  cmdline_options: {
    enable_vtl2_gpa_pool: { kind: 'Heuristics', table: 'Release' },
    vtl2_gpa_pool_numa_split: false,
  },
} as const;

/** Example A's `shim_params`, `host_dt` and `cmdline_options` in scenario-format JSON (a fresh copy). */
export function exampleAInputs(): {
  /** The image layout: 64 MiB of VTL2 memory at 128 MiB, the 2 MiB persisted region at its start. */
  shim_params: Record<string, unknown>;
  /** The host device tree: Host allocation mode, one NUMA node, 2 CPUs. */
  host_dt: Record<string, unknown>;
  /** The command line: the release heuristic private pool. */
  cmdline_options: Record<string, unknown>;
} {
  return structuredClone(EXAMPLE_A_INPUTS) as never;
}

const mem = (start: bigint, end: bigint, vtlType: number, igvmType: number): MemoryEntry => ({ range: { start, end }, vnode: 0, vtlType, igvmType });
const vtl2 = (start: bigint, end: bigint, vtlType: number) => mem(start, end, vtlType, Igvm.VTL2_PROTECTABLE);
const vtl0 = (start: bigint, end: bigint) => mem(start, end, Vtl.VTL0, Igvm.MEMORY);

/**
 * The `/openhcl` memory map OpenHCL's first boot of example A produces, as
 * usermode saves it (`partition_memory` and `partition_mmio`, 324 bytes encoded).
 */
export function exampleAMap(): {
  /** The map's RAM entries, in address order (the payload's field 1). */
  partitionMemory: MemoryEntry[];
  /** The map's MMIO entries (the payload's field 2). */
  partitionMmio: MmioEntry[];
} {
  return {
    partitionMemory: [
      vtl0(0x0n, 0x800_0000n),
      vtl2(0x800_0000n, 0x800_1000n, Vtl.VTL2_PERSISTED_STATE_HEADER),
      vtl2(0x800_1000n, 0x801_4000n, Vtl.VTL2_PERSISTED_STATE_PROTOBUF),
      vtl2(0x801_4000n, 0x8bf_c000n, Vtl.VTL2_RAM),
      vtl2(0x8bf_c000n, 0x8c0_0000n, Vtl.VTL2_RESERVED),
      vtl2(0x8c0_0000n, 0x8c2_8000n, Vtl.VTL2_CONFIG),
      vtl2(0x8c2_8000n, 0x8c6_8000n, Vtl.VTL2_RAM),
      vtl2(0x8c6_8000n, 0x8d6_a000n, Vtl.VTL2_CONFIG),
      vtl2(0x8d6_a000n, 0x8d6_c000n, Vtl.VTL2_BOOTSHIM_LOG_BUFFER),
      vtl2(0x8d6_c000n, 0xbe0_0000n, Vtl.VTL2_RAM),
      vtl2(0xbe0_0000n, 0xc00_0000n, Vtl.VTL2_GPA_POOL),
      vtl0(0xc00_0000n, 0x8000_0000n),
      vtl0(0x1_0000_0000n, 0x2_0000_0000n),
    ],
    partitionMmio: [
      { range: { start: 0xf800_0000n, end: 0xfc00_0000n }, vtlType: Vtl.VTL0_MMIO },
      { range: { start: 0xf_c000_0000n, end: 0x10_0000_0000n }, vtlType: Vtl.VTL0_MMIO },
      { range: { start: 0xf8_0000_0000n, end: 0xf8_0800_0000n }, vtlType: Vtl.VTL2_MMIO },
    ],
  };
}
