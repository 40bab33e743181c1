/**
 * Step results in the documented JSON shape (shared/spec/scenario-format.md,
 * "Output"): u64 as lowercase 0x strings, types by upstream name.
 */
import type { BootResult } from '../boot/boot.js';
import { e820ToJson, openhclMapToJson } from '../boot/device-tree.js';
import { memoryAllocationModeToJson } from '../boot/inputs.js';
import type { PersistedStateHeader } from '../format/header.js';
import { formatHex as hex } from '../memory/range.js';
import type { MemoryRange } from '../memory/range.js';
import { igvmTypeName, vtlTypeName } from '../memory/vtl-type.js';

const range = (r: MemoryRange) => ({ start: hex(r.start), end: hex(r.end) });

/** The four header fields, as a boot result reports them when the magic matched. */
export function headerToJson(h: PersistedStateHeader) {
  return {
    magic: hex(h.magic),
    protobuf_base: hex(h.protobufBase),
    protobuf_region_len: hex(h.protobufRegionLen),
    protobuf_payload_len: hex(h.protobufPayloadLen),
  };
}

/** A boot step's result object. */
export function bootResultToJson(r: BootResult): Record<string, unknown> {
  const extras = {
    ...(r.persistedHeader && { persisted_header: headerToJson(r.persistedHeader) }),
    ...(r.bumpHeap && { bump_heap: { ...r.bumpHeap } }),
  };
  if (r.path === 'panic') {
    return {
      op: 'boot',
      path: 'panic',
      attempted_path: r.attemptedPath,
      panic: r.panic,
      panic_first_line: r.panic.split('\n')[0],
      panic_kind: r.panicKind,
      ...extras,
    };
  }
  return {
    op: 'boot',
    path: r.path,
    reason: r.reason,
    vtl2_ram: r.vtl2Ram.map((e) => ({ range: range(e.range), mem_type: igvmTypeName(e.memType) ?? e.memType, vnode: e.vnode })),
    pool_ranges: r.poolRanges.map(range),
    has_vtl2_pool: r.hasVtl2Pool,
    vtl0_mmio: r.vtl0Mmio.map(range),
    vtl2_mmio: r.vtl2Mmio.map(range),
    sidecar_excluded_cpus: r.sidecarExcludedCpus,
    sidecar_action: r.sidecarAction,
    vtl2_ranges: r.vtl2Ranges.map((e) => ({ range: range(e.range), vtl_type: vtlTypeName(e.vtlType) ?? e.vtlType })),
    memreserve: r.memreserve.map((e) => ({ range: range(e.range), type: e.type })),
    e820: e820ToJson(r.e820),
    e820_ext_used: r.e820ExtUsed,
    openhcl_memory_map: openhclMapToJson(r.openhclMemoryMap),
    memory_allocation_mode: memoryAllocationModeToJson(r.memoryAllocationMode),
    vmbus_connection_ids: r.vmbusConnectionIds,
    ...extras,
  };
}
