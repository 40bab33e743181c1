/**
 * Upstream's tests of usermode's boot-DT parser (openhcl/bootloader_fdt_parser/src/lib.rs,
 * `mod tests`, openvmm 1488a37b7), as far as our API can express them.
 *
 * `test_basic` builds a whole boot DT from a `ParsedBootDtInfo`, parses it back and asserts the
 * two are equal. Our `parseOpenhclMap` is the `/openhcl` `memory@` part of that parser
 * (`parse_openhcl` / `parse_memory_openhcl`) on already-split nodes, not on FDT bytes. So the port
 * writes the `/openhcl` `memory@` children exactly as upstream's test `build_dt` does (name
 * `memory@{start:x}`, `reg = <start len>`, `openhcl,memory-type`, plus `numa-node-id` and
 * `microsoft,igvm-type` on memory entries) and asserts every `ParsedBootDtInfo` field that
 * `parse_openhcl` derives from them: `partition_memory_map`, `vtl0_mmio`, `config_ranges`,
 * `vtl2_reserved_range`, `private_pool_ranges`, `vtl2_persisted_header` and
 * `vtl2_persisted_protobuf_region`. The other fields (cpus, root `memory@` nodes, GIC/PMU,
 * `accepted-memory@`, `vtl0-alias-map`, isolation and allocation mode) and the FDT encoding
 * itself are outside our API; `test_basic_boottime` is not ported at all (docs/boot-shim.md,
 * "Upstream tests we do not port").
 *
 * Mutants this catches (checked by hand on a scratch copy of src/): config ranges taken from the
 * wrong type; the protobuf region read as the header; MMIO nodes of VTL2 counted as VTL0 MMIO;
 * the NUMA node or IGVM type of a memory node dropped or swapped.
 */
import { expect, test } from 'vitest';
import { MemoryRange } from '../../src/memory/range.js';
import { IgvmMemoryType, MemoryVtlType } from '../../src/memory/vtl-type.js';
import { parseOpenhclMap, type OpenhclDtNode, type OpenhclMapEntry } from '../../src/usermode/openhcl-map.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);

/** Upstream `AddressRange::Memory(Memory { range: MemoryRangeWithNode { range, vnode }, vtl_usage, igvm_type })`. */
const memory = (start: bigint, end: bigint, vnode: number, vtlType: number, igvmType: number): OpenhclMapEntry => ({
  kind: 'memory',
  range: R(start, end),
  vnode,
  vtlType,
  igvmType,
});
/** Upstream `AddressRange::Mmio(Mmio { range, vtl })`: `vtl_usage()` is VTL0_MMIO or VTL2_MMIO. */
const mmio = (start: bigint, end: bigint, vtl: 0 | 2): OpenhclMapEntry => ({
  kind: 'mmio',
  range: R(start, end),
  vtlType: vtl === 0 ? MemoryVtlType.VTL0_MMIO : MemoryVtlType.VTL2_MMIO,
});

/** The `/openhcl` `memory@` children upstream's test `build_dt` writes for `partition_memory_map`. */
function buildOpenhclNodes(map: readonly OpenhclMapEntry[]): OpenhclDtNode[] {
  return map.map((e) => {
    const node: OpenhclDtNode = { name: `memory@${e.range.start.toString(16)}`, reg: [e.range.start, e.range.len], memoryType: e.vtlType };
    return e.kind === 'memory' ? { ...node, numaNodeId: e.vnode, igvmType: e.igvmType } : node;
  });
}

test('bootloader_fdt_parser_rs.test_basic', () => {
  const { VTL0, VTL2_RAM, VTL2_CONFIG, VTL2_RESERVED, VTL2_PERSISTED_STATE_HEADER, VTL2_PERSISTED_STATE_PROTOBUF, VTL2_GPA_POOL } =
    MemoryVtlType;
  const { MEMORY, VTL2_PROTECTABLE } = IgvmMemoryType;

  // `orig_info`, the fields `parse_openhcl` reports.
  const orig = {
    partitionMemoryMap: [
      memory(0x0n, 0x1000n, 0, VTL0, MEMORY),
      mmio(0x1000n, 0x2000n, 0),
      mmio(0x3000n, 0x4000n, 0),
      memory(0x10000n, 0x20000n, 0, VTL2_RAM, VTL2_PROTECTABLE),
      memory(0x20000n, 0x30000n, 1, VTL2_CONFIG, VTL2_PROTECTABLE),
      memory(0x30000n, 0x40000n, 1, VTL2_CONFIG, VTL2_PROTECTABLE),
      memory(0x40000n, 0x50000n, 1, VTL2_RESERVED, VTL2_PROTECTABLE),
      memory(0x50000n, 0x51000n, 0, VTL2_PERSISTED_STATE_HEADER, VTL2_PROTECTABLE),
      memory(0x51000n, 0x52000n, 0, VTL2_PERSISTED_STATE_PROTOBUF, VTL2_PROTECTABLE),
      memory(0x60000n, 0x70000n, 0, VTL2_GPA_POOL, VTL2_PROTECTABLE),
      memory(0x1000000n, 0x2000000n, 0, VTL0, MEMORY),
      mmio(0x3000000n, 0x4000000n, 2),
    ],
    vtl0Mmio: [R(0x1000n, 0x2000n), R(0x3000n, 0x4000n)],
    configRanges: [R(0x20000n, 0x30000n), R(0x30000n, 0x40000n)],
    vtl2ReservedRange: R(0x40000n, 0x50000n),
    privatePoolRanges: [{ range: R(0x60000n, 0x70000n), vnode: 0 }],
    vtl2PersistedHeader: R(0x50000n, 0x51000n),
    vtl2PersistedProtobufRegion: R(0x51000n, 0x52000n),
  };

  const parsed = parseOpenhclMap(buildOpenhclNodes(orig.partitionMemoryMap));

  expect(parsed).toEqual(orig);
});
