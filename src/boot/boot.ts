/**
 * One run of the emulated openhcl_boot (handoff.md §6): read the persisted
 * header, build the topology on the restore path or the fresh path, apply the
 * sidecar exclusion, and derive what the kernel and usermode are told (§11).
 * A panic is a result, never an exception.
 */
import type { PersistedStateHeader } from '../format/header.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { MemoryRange } from '../memory/range.js';
import { subtractRanges } from '../memory/range-algebra.js';
import type { ReservedType } from '../memory/vtl-type.js';
import { AddressSpaceManager, initOrPanic, type AddressSpaceInit } from './address-space.js';
import type { BumpHeapStats } from './bump-heap.js';
import { buildE820, buildOpenhclMemoryMap, buildRootMemoryNodes, type OpenhclMapNode, type RootMemoryNode } from './device-tree.js';
import { freshVtl2Ram, type Vtl2RamEntry } from './host-ram.js';
import { selectMmio } from './mmio.js';
import { BootPanic, asPanic, asPanics, type PanicKind } from './panic.js';
import { readPersistedHeader, topologyFromPersistedState } from './persisted.js';
import { pickPrivatePoolSize } from './pool-size.js';
import { sidecarAction, type SidecarAction } from './sidecar.js';
import type { CmdlineOptions, GpaPoolConfig, HostDt, MemoryAllocationMode, ShimParams } from './types.js';

/** Pages of the persisted region a fresh boot reserves: 1 header page + 19 payload pages (§1.6). */
export const PERSISTED_SPAN_FRESH = 0x14000n;
const PAGE = 0x1000n;

/** Everything one boot takes. */
export interface BootInputs {
  shim: ShimParams;
  host: HostDt;
  cmdline: CmdlineOptions;
}

/** A boot that got through: the topology and everything derived from it. */
export interface BootSuccess {
  path: 'host' | 'persisted';
  /** Why this path: e.g. "no magic", "isolated (Snp): header ignored", "valid magic". */
  reason: string;
  vtl2Ram: Vtl2RamEntry[];
  poolRanges: MemoryRange[];
  hasVtl2Pool: boolean;
  vtl0Mmio: MemoryRange[];
  vtl2Mmio: MemoryRange[];
  sidecarExcludedCpus: number[];
  sidecarAction: SidecarAction;
  vtl2Ranges: { range: MemoryRange; vtlType: number }[];
  memreserve: { range: MemoryRange; type: ReservedType }[];
  e820: { addr: bigint; size: bigint; type: 'E820_RAM' | 'E820_RESERVED' }[];
  e820ExtUsed: boolean;
  /** The kernel's root `memory@` nodes (§11.2); not part of the scenario-format output. */
  rootMemoryNodes: RootMemoryNode[];
  openhclMemoryMap: OpenhclMapNode[];
  memoryAllocationMode: MemoryAllocationMode;
  vmbusConnectionIds: { vtl0: number | null; vtl2: number | null };
  persistedHeader?: PersistedStateHeader;
  bumpHeap?: BumpHeapStats;
}

/** A boot where the real openhcl_boot would panic. */
export interface BootPanicResult {
  path: 'panic';
  attemptedPath: 'host' | 'persisted';
  /** The text openhcl_boot prints. */
  panic: string;
  panicKind: PanicKind;
  persistedHeader?: PersistedStateHeader;
  bumpHeap?: BumpHeapStats;
}

export type BootResult = BootSuccess | BootPanicResult;

/** Runs openhcl_boot against `memory`. Never throws for an emulated panic. */
export function boot(inputs: BootInputs, memory: GuestMemory): BootResult {
  const { shim } = inputs;
  const header = readPersistedHeader(shim, memory);
  const attemptedPath = header.read === undefined ? 'host' : 'persisted';
  let bumpHeap: BumpHeapStats | undefined;
  const persistedHeader = header.read?.header;
  try {
    const success =
      header.read === undefined
        ? freshBoot(inputs, header.reason)
        : restoreBoot(inputs, memory, header.read.header, (stats) => (bumpHeap = stats));
    if (persistedHeader !== undefined) success.persistedHeader = persistedHeader;
    if (bumpHeap !== undefined) success.bumpHeap = bumpHeap;
    return success;
  } catch (thrown) {
    // Any MemoryRange / range-walk assertion that reaches here unconverted is still a panic
    // upstream; everything else is a bug in the emulator and propagates.
    const e = asPanic(thrown);
    if (!(e instanceof BootPanic)) throw e;
    return {
      path: 'panic',
      attemptedPath,
      panic: e.message,
      panicKind: e.kind,
      ...(persistedHeader && { persistedHeader }),
      ...(bumpHeap && { bumpHeap }),
    };
  }
}

type Topology = Pick<BootSuccess, 'vtl2Ram' | 'vtl0Mmio' | 'vtl2Mmio' | 'poolRanges' | 'sidecarExcludedCpus'> & {
  space: AddressSpaceManager;
};

/** §8: the topology from the host. */
function freshBoot(inputs: BootInputs, reason: string): BootSuccess {
  const { shim, host, cmdline } = inputs;
  const vtl2Ram = freshVtl2Ram(shim, host);
  const { vtl0Mmio, vtl2Mmio } = selectMmio(shim, host);
  const [persistedSpan] = asPanics(() => shim.persistedState.splitAtOffset(PERSISTED_SPAN_FRESH));
  const space = initOrPanic(addressSpaceInit(shim, vtl2Ram, persistedSpan, []));
  const poolRanges = shim.isolation === 'None' ? allocatePool(space, vtl2Ram, host, cmdline) : [];
  return finish(inputs, 'host', reason, { vtl2Ram, vtl0Mmio, vtl2Mmio, poolRanges, sidecarExcludedCpus: [], space });
}

/** §7: the topology from persisted state. */
function restoreBoot(
  inputs: BootInputs,
  memory: GuestMemory,
  header: PersistedStateHeader,
  onHeap: (stats: BumpHeapStats) => void,
): BootSuccess {
  const { shim, host } = inputs;
  const t = topologyFromPersistedState(shim, host, memory, header, onHeap);
  const space = initOrPanic(addressSpaceInit(shim, t.vtl2Ram, t.persistedSpan, t.poolRanges));
  return finish(inputs, 'persisted', 'valid magic', {
    vtl2Ram: t.vtl2Ram,
    vtl0Mmio: t.vtl0Mmio,
    vtl2Mmio: t.vtl2Mmio,
    poolRanges: t.poolRanges,
    sidecarExcludedCpus: t.sidecarExclusion,
    space,
  });
}

/**
 * The address-space builder's input: the path's VTL2 RAM, persisted span and carried-over pool,
 * plus the ranges both paths take from the current image (§2.6).
 */
function addressSpaceInit(shim: ShimParams, vtl2Ram: Vtl2RamEntry[], persistedSpan: MemoryRange, poolRanges: MemoryRange[]): AddressSpaceInit {
  const p = shim.parameterRegion;
  const param = asPanics(() => MemoryRange.withLen(p.start, p.size));
  const dtPages = asPanics(() => MemoryRange.withLen(p.start + BigInt(p.dtPageIndex) * PAGE, BigInt(p.dtSizePages) * PAGE));
  const init: AddressSpaceInit = {
    vtl2Ram,
    bootshimUsed: shim.used,
    persistedSpan,
    configRanges: asPanics(() => [...subtractRanges([param], [dtPages])]),
    logBuffer: shim.logBuffer,
    poolRanges,
  };
  if (shim.vtl2ReservedRegion.size !== 0n) {
    init.reserved = asPanics(() => MemoryRange.withLen(shim.vtl2ReservedRegion.start, shim.vtl2ReservedRegion.size));
  }
  if (shim.sidecar.size !== 0n) init.sidecarImage = asPanics(() => MemoryRange.withLen(shim.sidecar.base, shim.sidecar.size));
  return init;
}

/** §8.4: size the private pool, then allocate it on node 0 or split across the NUMA nodes. */
function allocatePool(space: AddressSpaceManager, vtl2Ram: Vtl2RamEntry[], host: HostDt, cmdline: CmdlineOptions): MemoryRange[] {
  const memSize = vtl2Ram.reduce((sum, e) => sum + e.range.len, 0n);
  const pages = pickPrivatePoolSize(cmdline.enableVtl2GpaPool, host.deviceDmaPageCount, host.cpuCount, memSize);
  if (pages === undefined) return [];
  const bytes = pages * PAGE;
  const context = `enable_vtl2_gpa_pool=${debugPoolConfig(cmdline.enableVtl2GpaPool)}, device_dma_page_count=${
    host.deviceDmaPageCount === null ? 'None' : `Some(${host.deviceDmaPageCount})`
  }, vp_count=${host.cpuCount}, mem_size=${hex(memSize)}`;
  if (!cmdline.vtl2GpaPoolNumaSplit) {
    const single = space.allocate(0, bytes, 'Vtl2GpaPool', 'HighMemory');
    if (single !== undefined) return [single];
  }
  const nodes = [...new Set(vtl2Ram.map((e) => e.vnode))].sort((a, b) => a - b);
  const n = BigInt(nodes.length);
  const perNode = ((bytes / n) / PAGE) * PAGE;
  if (perNode === 0n) {
    throw new BootPanic(`cannot split VTL2 pool of size ${hex(bytes)} bytes across ${n} nodes, per node size ${hex(perNode)} bytes; ${context}`);
  }
  const last = bytes - perNode * (n - 1n);
  const ranges: MemoryRange[] = [];
  nodes.forEach((vnode, i) => {
    const need = i === nodes.length - 1 ? last : perNode;
    const range = space.allocate(vnode, need, 'Vtl2GpaPool', 'HighMemory');
    if (range === undefined) {
      const free = nodes.flatMap((v) => space.freeRanges(v).map((r) => `n${v}:[${hex(r.start)}, ${hex(r.end)})`)).join(' ');
      throw new BootPanic(
        `failed to allocate VTL2 pool on node ${vnode}: need ${hex(need)} bytes, pool total ${hex(bytes)} bytes (${context}), highest_numa_node=${nodes[nodes.length - 1]}, free_ranges=[ ${free} ]`,
      );
    }
    ranges.push(range);
  });
  return ranges;
}

/** Rust's Debug form of the pool config, as the pool panics print it. */
function debugPoolConfig(c: GpaPoolConfig): string {
  return c.kind === 'Off' ? 'Off' : c.kind === 'Pages' ? `Pages(${c.pages})` : `Heuristics(${c.table})`;
}

/** §10–11: sidecar, VMBus ids, and what the kernel and usermode are told. */
function finish(inputs: BootInputs, path: 'host' | 'persisted', reason: string, t: Topology): BootSuccess {
  const { host } = inputs;
  const vtl2Ranges = t.space.vtl2Ranges();
  const { entries: e820, extUsed: e820ExtUsed } = buildE820(vtl2Ranges);
  const partitionRam = [...host.memory].sort((a, b) => (a.range.start < b.range.start ? -1 : a.range.start > b.range.start ? 1 : 0));
  return {
    path,
    reason,
    vtl2Ram: t.vtl2Ram,
    poolRanges: t.poolRanges,
    hasVtl2Pool: t.space.hasVtl2Pool(),
    vtl0Mmio: t.vtl0Mmio,
    vtl2Mmio: t.vtl2Mmio,
    sidecarExcludedCpus: t.sidecarExcludedCpus,
    sidecarAction: sidecarAction(t.sidecarExcludedCpus, host.cpuCount),
    vtl2Ranges,
    memreserve: t.space.reservedVtl2Ranges(),
    e820,
    e820ExtUsed,
    rootMemoryNodes: buildRootMemoryNodes(t.vtl2Ram),
    openhclMemoryMap: asPanics(() => buildOpenhclMemoryMap(partitionRam, vtl2Ranges, t.vtl0Mmio, t.vtl2Mmio)),
    memoryAllocationMode: host.memoryAllocationMode,
    vmbusConnectionIds: { vtl0: host.vmbusVtl0?.connectionId ?? null, vtl2: host.vmbusVtl2?.connectionId ?? null },
  };
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}
