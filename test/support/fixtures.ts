/** Worked example A's inputs (shared/vectors/boot-worked-examples.json, "A"), verbatim. */
import type { Json } from './vectors.js';

export const A_SHIM_PARAMS: Json = {
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
};

export const A_HOST_DT: Json = {
  memory: [
    { range: { start: '0x0', end: '0x8000000' }, mem_type: 'MEMORY', vnode: 0 },
    { range: { start: '0x8000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
    { range: { start: '0xc000000', end: '0x80000000' }, mem_type: 'MEMORY', vnode: 0 },
    { range: { start: '0x100000000', end: '0x200000000' }, mem_type: 'MEMORY', vnode: 0 },
  ],
  memory_allocation_mode: 'Host',
  vmbus_vtl0: {
    mmio: [
      { start: '0xf8000000', end: '0xfc000000' },
      { start: '0xfc0000000', end: '0x1000000000' },
    ],
    connection_id: 4,
  },
  vmbus_vtl2: { mmio: [{ start: '0xf800000000', end: '0xf808000000' }], connection_id: 8388724 },
  cpu_count: 2,
  device_dma_page_count: null,
};

export const A_CMDLINE_OPTIONS: Json = {
  enable_vtl2_gpa_pool: { kind: 'Heuristics', table: 'Release' },
  vtl2_gpa_pool_numa_split: false,
};
