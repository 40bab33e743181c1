/**
 * One run of the emulated openhcl_boot (upstream `PartitionInfo::read_from_dt`): read the persisted
 * header, build the topology on the restore path or the fresh path, apply the
 * sidecar exclusion, and derive what the kernel and usermode are told (`build_e820_map`, `write_dt`).
 * A panic is a result, never an exception.
 */
import type { PersistedStateHeader } from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { MemoryRange } from '../memory/range.js';
import { formatHex as hex, sortByStartInPlace } from '../memory/u64.js';
import { subtractRanges } from '../memory/range-algebra.js';
import type { ReservedType } from '../memory/vtl-type.js';
import { AddressSpaceManager, initOrPanic, type AddressSpaceInit } from './address-space.js';
import type { BumpHeapStats } from './bump-heap.js';
import { buildE820, buildOpenhclMemoryMap, buildRootMemoryNodes, type OpenhclMapNode, type RootMemoryNode } from './device-tree.js';
import { freshVtl2Ram, type Vtl2RamEntry } from './host-ram.js';
import { parseHostDeviceTree } from './host-dt-checks.js';
import { dtErrorPanic, selectMmio } from './mmio.js';
import { BootPanic, asPanic, type PanicKind } from './panic.js';
import type { TrailRecorder } from './decision-trail.js';
import { readPersistedHeader, topologyFromPersistedState } from './persisted.js';
import { pickPrivatePoolSize } from './pool-size.js';
import { sidecarAction, type SidecarAction } from './sidecar.js';
import { rangeWithLen, wrappingAdd, wrappingMul } from './wrapping.js';
import { ValueMemo } from './value-memo.js';
import type { CmdlineOptions, GpaPoolConfig, HostDt, MemoryAllocationMode, ShimParams } from './types.js';

/** Pages of the persisted region a fresh boot reserves: 1 header page + 19 payload pages (upstream `PERSISTED_REGION_SIZE` in `topology_from_host_dt`). */
export const PERSISTED_SPAN_FRESH = 0x14000n;
const PAGE = 0x1000n;

/** Everything one boot takes. */
export interface BootInputs {
  /** The image's layout as the loader fixed it (this boot's, which may differ from the previous instance's). */
  shim: ShimParams;
  /** The host device tree of this boot. */
  host: HostDt;
  /** The boot command line's options. */
  cmdline: CmdlineOptions;
  /**
   * The payload decoder of a boot shim built with another `SavedState` definition (`evolve`
   * boots a proposed schema's reader); it returns the fields this boot shim uses, or throws a
   * `DecodeError`, which panics as the shipped decoder's does. Default: the shipped decoder,
   * with the bump heap's accounting (a replacement reader's heap use is not modelled).
   */
  payloadReader?: (payload: Uint8Array) => SavedState;
}

/** A boot that got through: the topology and everything derived from it. */
export interface BootSuccess {
  /** `host`: topology built from the host (fresh boot); `persisted`: restored from the saved state. */
  path: 'host' | 'persisted';
  /** Why this path: e.g. "no magic", "isolated (Snp): header ignored", "valid magic". */
  reason: string;
  /** VTL2 RAM by NUMA node, from the host (fresh) or from the saved memory map (restore). */
  vtl2Ram: Vtl2RamEntry[];
  /** The VTL2 private pool: newly allocated (fresh) or carried over unchanged (restore). */
  poolRanges: MemoryRange[];
  /** Whether the address space holds any pool range (upstream `has_vtl2_pool`). */
  hasVtl2Pool: boolean;
  /** MMIO given to VTL0. */
  vtl0Mmio: MemoryRange[];
  /** MMIO kept for VTL2. */
  vtl2Mmio: MemoryRange[];
  /** CPUs that must start in the kernel, not in sidecar, because they still have device interrupts or IO (restore only). */
  sidecarExcludedCpus: number[];
  /** What sidecar start-up does with `sidecarExcludedCpus`. */
  sidecarAction: SidecarAction;
  /** Every VTL2 range of the address space, in address order, with its VTL2 memory type. */
  vtl2Ranges: {
    /** The range. */
    range: MemoryRange;
    /** Its `MemoryVtlType` value. */
    vtlType: number;
  }[];
  /** The reserved VTL2 ranges, as the kernel's device-tree `memreserve` entries list them. */
  memreserve: {
    /** The range. */
    range: MemoryRange;
    /** What it is reserved for. */
    type: ReservedType;
  }[];
  /** The kernel's E820 map (upstream `build_e820_map`). */
  e820: {
    /** First byte's GPA. */
    addr: bigint;
    /** Length in bytes. */
    size: bigint;
    /** RAM the kernel may use, or reserved. */
    type: 'E820_RAM' | 'E820_RESERVED';
  }[];
  /** Whether the E820 map outgrew the boot parameters' inline table and spilled into the extension. */
  e820ExtUsed: boolean;
  /** The kernel's root `memory@` nodes (upstream `write_dt`); not part of the scenario-format output. */
  rootMemoryNodes: RootMemoryNode[];
  /** The `/openhcl` memory map usermode reads and, at servicing, saves back as `partition_memory`/`partition_mmio`. */
  openhclMemoryMap: OpenhclMapNode[];
  /** The allocation mode this boot ran in, passed on to usermode. */
  memoryAllocationMode: MemoryAllocationMode;
  /** The VMBus connection ids passed on to usermode. */
  vmbusConnectionIds: {
    /** VTL0 VMBus connection id; null without a VTL0 VMBus node. */
    vtl0: number | null;
    /** VTL2 VMBus connection id; null without a VTL2 VMBus node. */
    vtl2: number | null;
  };
  /** The header read from memory, when its magic was valid and it was read. */
  persistedHeader?: PersistedStateHeader;
  /** The restore path's bump-heap use while decoding the payload. */
  bumpHeap?: BumpHeapStats;
}

/** A boot where the real openhcl_boot would panic. */
export interface BootPanicResult {
  /** Always `panic`: narrow on `path` to tell a panic from a success. */
  path: 'panic';
  /** The path openhcl_boot was on when it panicked. */
  attemptedPath: 'host' | 'persisted';
  /** The text openhcl_boot prints. */
  panic: string;
  /** A stable classification of the panic, for assertions that should not depend on the text. */
  panicKind: PanicKind;
  /** The header read from memory, when its magic was valid and it was read. */
  persistedHeader?: PersistedStateHeader;
  /** Bump-heap use up to the panic (restore path only). */
  bumpHeap?: BumpHeapStats;
}

/** What one boot produced: a topology, or the panic the real boot shim would hit. */
export type BootResult = BootSuccess | BootPanicResult;

/**
 * Runs openhcl_boot against `memory`. Never throws for an emulated panic, and never throws
 * for inputs of the documented types (every 64-bit field a u64, as the input parsers in
 * inputs.ts guarantee): u64 arithmetic on them wraps as in the shipped release-profile boot
 * shim (see src/boot/wrapping.ts), and wherever the wrapped value leads upstream to a panic,
 * that panic is the result.
 *
 * `trail` (what `bootWithTrail` passes) hears each check as it is made, in upstream order; without
 * it nothing is recorded and nothing is formatted for it.
 */
export function boot(inputs: BootInputs, memory: GuestMemory, trail?: TrailRecorder): BootResult {
  const { shim } = inputs;
  // The header's checks are held back until the host DT has parsed, which upstream does first.
  const held: Parameters<TrailRecorder>[] | undefined = trail && [];
  const header = readPersistedHeader(shim, memory, held && ((...step) => held.push(step)));
  const attemptedPath = header.read === undefined ? 'host' : 'persisted';
  let bumpHeap: BumpHeapStats | undefined;
  const persistedHeader = header.read?.header;
  try {
    // Upstream parses the host DT before it reads the header; the header read has no effect on
    // memory, so reading it first only lets a DT panic report the path the header would choose.
    // Field by field, not `{ ...inputs, … }`: V8 clones spread objects slowly, and this runs every boot.
    const parsed: BootInputs = { shim: inputs.shim, host: parseHostDeviceTree(inputs.host), cmdline: inputs.cmdline };
    if (inputs.payloadReader !== undefined) parsed.payloadReader = inputs.payloadReader;
    if (trail !== undefined) {
      trail('host_dt', 'pass', `${parsed.host.cpuCount} CPU(s), ${parsed.host.memory.length} memory entries`);
      for (const step of held!) trail(...step);
    }
    const success =
      header.read === undefined
        ? freshBoot(parsed, header.reason, trail)
        : restoreBoot(parsed, memory, header.read.header, (stats) => (bumpHeap = stats), trail);
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

/** Fresh path (upstream `topology_from_host_dt`): the topology from the host. */
function freshBoot(inputs: BootInputs, reason: string, trail: TrailRecorder | undefined): BootSuccess {
  const { shim, host, cmdline } = inputs;
  const vtl2Ram = freshVtl2Ram(shim, host);
  trail?.('vtl2_ram', 'pass', `${vtl2Ram.length} range(s) (allocation mode ${host.memoryAllocationMode.kind}): ${ranges(vtl2Ram.map((e) => e.range))}`);
  const { vtl0Mmio, vtl2Mmio } = selectMmio(shim, host);
  trail?.('mmio', 'pass', `VTL0 MMIO ${ranges(vtl0Mmio)}; VTL2 MMIO ${ranges(vtl2Mmio)}`);
  const [persistedSpan] = shim.persistedState.splitAtOffset(PERSISTED_SPAN_FRESH);
  trail?.('fresh_span', 'pass', `${ranges([persistedSpan])} reserved (header page + 19 payload pages) in ${ranges([shim.persistedState])}`);
  const space = initOrPanic(addressSpaceInit(shim, vtl2Ram, persistedSpan, []));
  trail?.('address_space', 'pass', `VTL2 RAM ${ranges(vtl2Ram.map((e) => e.range))}`);
  const poolRanges = shim.isolation === 'None' ? allocatePool(space, vtl2Ram, host, cmdline) : [];
  if (shim.isolation !== 'None') trail?.('private_pool', 'skip', `isolated (${shim.isolation}): no private pool`);
  else trail?.('private_pool', 'pass', poolRanges.length === 0 ? 'none asked for' : ranges(poolRanges));
  return finish(inputs, 'host', reason, { vtl2Ram, vtl0Mmio, vtl2Mmio, poolRanges, sidecarExcludedCpus: [], space }, trail);
}

/** Restore path (upstream `topology_from_persisted_state`): the topology from persisted state. */
function restoreBoot(
  inputs: BootInputs,
  memory: GuestMemory,
  header: PersistedStateHeader,
  onHeap: (stats: BumpHeapStats) => void,
  trail: TrailRecorder | undefined,
): BootSuccess {
  const { shim, host } = inputs;
  const t = topologyFromPersistedState(shim, host, memory, header, onHeap, trail, inputs.payloadReader);
  const space = initOrPanic(addressSpaceInit(shim, t.vtl2Ram, t.persistedSpan, t.poolRanges));
  trail?.('address_space', 'pass', `VTL2 RAM ${ranges(t.vtl2Ram.map((e) => e.range))}; persisted span ${ranges([t.persistedSpan])}; pool ${ranges(t.poolRanges)}`);
  // `read_from_dt` takes the VMBus connection IDs from the host's nodes after either topology
  // (mod.rs:1141-1152); only the restore path has not asked for the nodes before.
  if (host.vmbusVtl0 === null) throw dtErrorPanic('Vtl0Vmbus');
  if (host.vmbusVtl2 === null) throw dtErrorPanic('Vtl2Vmbus');
  trail?.('vmbus_nodes', 'pass', `VTL0 connection ${host.vmbusVtl0.connectionId}, VTL2 connection ${host.vmbusVtl2.connectionId}`);
  return finish(inputs, 'persisted', 'valid magic', {
    vtl2Ram: t.vtl2Ram,
    vtl0Mmio: t.vtl0Mmio,
    vtl2Mmio: t.vtl2Mmio,
    poolRanges: t.poolRanges,
    sidecarExcludedCpus: t.sidecarExclusion,
    space,
  }, trail);
}

/**
 * The address-space builder's input: the path's VTL2 RAM, persisted span and carried-over pool,
 * plus the ranges both paths take from the current image (upstream `add_common_ranges` and the
 * config-region reclaim).
 */
function addressSpaceInit(shim: ShimParams, vtl2Ram: Vtl2RamEntry[], persistedSpan: MemoryRange, poolRanges: MemoryRange[]): AddressSpaceInit {
  const init: AddressSpaceInit = {
    vtl2Ram,
    bootshimUsed: shim.used,
    persistedSpan,
    configRanges: configRanges(shim.parameterRegion),
    logBuffer: shim.logBuffer,
    poolRanges,
  };
  if (shim.vtl2ReservedRegion.size !== 0n) {
    init.reserved = rangeWithLen(shim.vtl2ReservedRegion.start, shim.vtl2ReservedRegion.size);
  }
  if (shim.sidecar.size !== 0n) init.sidecarImage = rangeWithLen(shim.sidecar.base, shim.sidecar.size);
  return init;
}

/** Recent parameter-region layouts and their config ranges (every boot of a VM asks again). */
const CONFIG_MEMO = new ValueMemo<readonly MemoryRange[]>(4);

/** The parameter region minus the host-DT pages the kernel reclaims: the VTL2_CONFIG ranges. */
function configRanges(p: ShimParams['parameterRegion']): MemoryRange[] {
  const key = [p.start, p.size, p.dtPageIndex, p.dtSizePages];
  const known = CONFIG_MEMO.get(key);
  if (known !== undefined) return known.slice();
  // Upstream order: the reclaim range `try_new(dt_start()..dt_start() + dt_size()).expect("range
  // is valid")` first, then `MemoryRange::new(parameter_region_start..start + size)`; both sums
  // wrap in the release build, so an overflowing layout is a range panic, not an input error.
  const dtPages = rangeWithLen(wrappingAdd(p.start, BigInt(p.dtPageIndex) * PAGE), BigInt(p.dtSizePages) * PAGE, 'try_new_expect');
  const param = rangeWithLen(p.start, p.size);
  const ranges = [...subtractRanges([param], [dtPages])];
  CONFIG_MEMO.set(key, ranges.slice());
  return ranges;
}

/**
 * Upstream `allocate_private_pool` and its caller in `topology_from_host_dt`: size the private
 * pool, then allocate it on node 0 or split across the NUMA nodes.
 *
 * u64 overflow follows the shipped boot shim, which is built with the `boot-release` profile
 * (inherits `release`, where Cargo leaves overflow checks off), so u64 arithmetic WRAPS:
 * - `mem_size = vtl2_ram.iter().map(|e| e.range.len()).sum()` wraps at 2^64;
 * - `pool_size_bytes = vtl2_gpa_pool_size * HV_PAGE_SIZE` wraps: `Pages(u64::MAX)` (from
 *   `OPENHCL_ENABLE_VTL2_GPA_POOL=18446744073709551615`, or a host `device_dma_page_count` of
 *   u64::MAX under `Heuristics`) is 0xffff_ffff_ffff_f000 bytes, which no node can hold, so the
 *   boot panics "failed to allocate VTL2 pool on node 0" (`pool_alloc_failed`); a page count
 *   of 2^52 wraps to 0 bytes, which `allocate` refuses (len 0), so the split panics "cannot
 *   split VTL2 pool" (`pool_split_zero`). Both are results, as upstream's panics are; no input
 *   error is raised before the boot, since any u64 is a value a host or command line can give.
 * - The split's `per_node_size * (num_nodes - 1)` never exceeds the total, so it cannot wrap.
 */
function allocatePool(space: AddressSpaceManager, vtl2Ram: Vtl2RamEntry[], host: HostDt, cmdline: CmdlineOptions): MemoryRange[] {
  const memSize = vtl2Ram.reduce((sum, e) => wrappingAdd(sum, e.range.len), 0n);
  const pages = pickPrivatePoolSize(cmdline.enableVtl2GpaPool, host.deviceDmaPageCount, host.cpuCount, memSize);
  if (pages === undefined) return [];
  const bytes = wrappingMul(pages, PAGE);
  // `device_dma_page_count={:#x?}` is Rust's pretty hex Debug of an `Option<u64>`.
  const context = `enable_vtl2_gpa_pool=${debugPoolConfig(cmdline.enableVtl2GpaPool)}, device_dma_page_count=${
    host.deviceDmaPageCount === null ? 'None' : `Some(\n    ${hex(host.deviceDmaPageCount)},\n)`
  }, vp_count=${host.cpuCount}, mem_size=${hex(memSize)}`;
  if (!cmdline.vtl2GpaPoolNumaSplit) {
    const single = space.allocate(0, bytes, 'Vtl2GpaPool', 'HighMemory');
    if (single !== undefined) return [single];
  }
  const nodes = [...new Set(vtl2Ram.map((e) => e.vnode))].sort((a, b) => a - b);
  const n = BigInt(nodes.length);
  const perNode = ((bytes / n) / PAGE) * PAGE;
  if (perNode === 0n) {
    throw new BootPanic('pool_split_zero', `cannot split VTL2 pool of size ${hex(bytes)} bytes across ${n} nodes, per node size ${hex(perNode)} bytes; ${context}`);
  }
  const last = bytes - perNode * (n - 1n);
  const ranges: MemoryRange[] = [];
  nodes.forEach((vnode, i) => {
    const need = i === nodes.length - 1 ? last : perNode;
    const range = space.allocate(vnode, need, 'Vtl2GpaPool', 'HighMemory');
    if (range === undefined) {
      const free = nodes.flatMap((v) => space.freeRanges(v).map((r) => `n${v}:[${hex(r.start)}, ${hex(r.end)})`)).join(' ');
      throw new BootPanic('pool_alloc_failed', `failed to allocate VTL2 pool on node ${vnode}: need ${hex(need)} bytes, pool total ${hex(bytes)} bytes (${context}), highest_numa_node=${nodes[nodes.length - 1]}, free_ranges=[ ${free} ]`);
    }
    ranges.push(range);
  });
  return ranges;
}

/** Rust's Debug form of the pool config, as the pool panics print it. */
function debugPoolConfig(c: GpaPoolConfig): string {
  return c.kind === 'Off' ? 'Off' : c.kind === 'Pages' ? `Pages(${c.pages})` : `Heuristics(${c.table})`;
}

/** The rest of `read_from_dt` and `shim_main`: sidecar, VMBus ids, and what the kernel and usermode are told. */
function finish(inputs: BootInputs, path: 'host' | 'persisted', reason: string, t: Topology, trail: TrailRecorder | undefined): BootSuccess {
  const { host } = inputs;
  const vtl2Ranges = t.space.vtl2Ranges();
  const { entries: e820, extUsed: e820ExtUsed } = buildE820(vtl2Ranges);
  trail?.('e820', 'pass', `${e820.length} entries${e820ExtUsed ? ' (spilled into the extension table)' : ''}`);
  const partitionRam = sortByStartInPlace(host.memory.slice(), (e) => e.range.start);
  const success: BootSuccess = {
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
    openhclMemoryMap: buildOpenhclMemoryMap(partitionRam, vtl2Ranges, t.vtl0Mmio, t.vtl2Mmio),
    memoryAllocationMode: host.memoryAllocationMode,
    vmbusConnectionIds: { vtl0: host.vmbusVtl0?.connectionId ?? null, vtl2: host.vmbusVtl2?.connectionId ?? null },
  };
  if (trail !== undefined) {
    trail('openhcl_map', 'pass', `${success.openhclMemoryMap.length} nodes`);
    const cpus = success.sidecarExcludedCpus;
    trail('sidecar', 'info', cpus.length === 0 ? success.sidecarAction : `${success.sidecarAction} (CPUs ${cpus.slice(0, 8).join(', ')}${cpus.length > 8 ? `, … (${cpus.length - 8} more)` : ''} start in the kernel)`);
  }
  return success;
}

/** `0x8000000..0x8014000, …`: ranges as the trail shows them, at most a few (a list may be long). */
function ranges(list: readonly MemoryRange[]): string {
  if (list.length === 0) return 'none';
  const shown = list.slice(0, 8).map((r) => `${hex(r.start)}..${hex(r.end)}`).join(', ');
  return list.length > 8 ? `${shown}, … (${list.length - 8} more)` : shown;
}

