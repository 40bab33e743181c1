/**
 * The restore path: `read_persisted_region_header` and
 * `topology_from_persisted_state` (`openhcl_boot` `host_params/dt/mod.rs`), step by step and in
 * upstream order. Once a valid magic has been seen there is no fallback to the
 * host topology: every later failure is an emulated panic (`BootPanic`).
 */
import { DecodeError } from '../format/codec-error.js';
import { decodeSavedState } from '../format/decode.js';
import { readHeader, type HeaderRead, type PersistedStateHeader } from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { MemoryRange } from '../memory/range.js';
import { mergeAdjacentRanges } from '../memory/range-algebra.js';
import { MemoryVtlType, igvmTypeName, isRam, isVtl2 } from '../memory/vtl-type.js';
import { BumpHeap, type BumpHeapStats } from './bump-heap.js';
import { MAX_VTL2_RAM_RANGES, debugRange } from './address-space.js';
import type { Vtl2RamEntry } from './host-ram.js';
import { MAX_NUMA_NODES, parseHostVtl2Ram } from './host-ram.js';
import { BootPanic, asPanics } from './panic.js';
import type { HostDt, ShimParams } from './types.js';

const U64_MOD = 1n << 64n;

/** Capacity of the restore path's remaining fixed-size lists (upstream `MAX_CPU_COUNT`, `host_params/mod.rs`). */
const MAX_CPU_COUNT = 2048;
const MAX_VMBUS_MMIO = 2;

/**
 * Upstream `read_persisted_region_header`: the header is read only when the partition is not isolated (VBS, SNP
 * and TDX ignore it without reading it: the pages may not be accepted), and
 * only its magic decides. Returns the header read, or undefined for "take the
 * fresh path" with the reason.
 */
export function readPersistedHeader(
  shim: ShimParams,
  memory: GuestMemory,
):
  | {
      /** The header, whose magic is valid: take the restore path. */
      read: HeaderRead;
      /** Absent on the restore path. */
      reason?: undefined;
    }
  | {
      /** Absent on the fresh path. */
      read?: undefined;
      /** Why the fresh path, e.g. `no magic` or `isolated (Snp): header ignored`. */
      reason: string;
    } {
  if (shim.isolation !== 'None') return { reason: `isolated (${shim.isolation}): header ignored` };
  const read = readHeader(memory, shim.persistedState.start);
  if (read.status === 'valid') return { read };
  return { reason: read.status === 'draft_magic' ? 'byte-swapped draft magic (RDHPLCHO): not the shipped magic' : 'no magic' };
}

/** What the restore path derives from persisted state (before the address-space manager is built). */
export interface PersistedTopology {
  /** The saved VTL2 RAM, merged by (igvm type, vnode) with `merge_adjacent_ranges`. */
  vtl2Ram: Vtl2RamEntry[];
  /** Header and payload span carried over: first header entry's start to first payload entry's end. */
  persistedSpan: MemoryRange;
  /** Pool ranges carried over (the saved VTL2_GPA_POOL entries), in saved order. */
  poolRanges: MemoryRange[];
  /** VTL0 MMIO carried over (the saved `VTL0_MMIO` entries). */
  vtl0Mmio: MemoryRange[];
  /** VTL2 MMIO carried over (the saved `VTL2_MMIO` entries). */
  vtl2Mmio: MemoryRange[];
  /** Sorted, de-duplicated union of the two CPU lists (the sidecar exclusion list). */
  sidecarExclusion: number[];
  /** The decoded payload. */
  state: SavedState;
  /** What the decode cost the bump heap. */
  heap: BumpHeapStats;
}

/**
 * Upstream `topology_from_persisted_state`, every step in order. Throws `BootPanic` wherever openhcl_boot panics; `onHeap` receives
 * the decode heap's figures as soon as the decode has run (panics after the
 * decode still report them).
 */
export function topologyFromPersistedState(
  shim: ShimParams,
  host: HostDt,
  memory: GuestMemory,
  header: PersistedStateHeader,
  onHeap: (stats: BumpHeapStats) => void = () => {},
): PersistedTopology {
  // 7.1: release builds wrap the addition; MemoryRange::new then asserts.
  const region = newRange(header.protobufBase, (header.protobufBase + header.protobufRegionLen) % U64_MOD);
  // 7.2
  if (!shim.persistedState.contains(region)) {
    throw new BootPanic('protobuf_region_not_contained', `protobuf region ${debugRange(region)} is not contained within the persisted state region ${debugRange(shim.persistedState)}`);
  }
  // 7.3
  if (header.protobufPayloadLen > header.protobufRegionLen) {
    throw new BootPanic('payload_len_gt_region_len', `protobuf payload len ${header.protobufPayloadLen} is larger than region len ${header.protobufRegionLen}`);
  }
  // 7.4: the length is bounded by 7.2/7.3 (at most the 2 MiB region), so the read is bounded.
  const heap = new BumpHeap();
  let state: SavedState;
  try {
    state = decodeSavedState(memory.read(region.start, header.protobufPayloadLen), { onAppend: heap.onAppend });
  } catch (e) {
    onHeap(heap.stats);
    if (e instanceof DecodeError) throw new BootPanic('protobuf_decode_failed', `failed to decode protobuf: Error(ErrorInner { types: [], err: ${e.meshVariant} })`);
    throw e;
  }
  onHeap(heap.stats);

  // 7.5
  const exclusion = [...new Set([...state.cpusWithOutstandingIo, ...state.cpusWithMappedInterruptsNoIo])].sort((a, b) => a - b);
  if (exclusion.length > MAX_CPU_COUNT) throw capacity();

  // 7.7: VTL2 RAM entries in saved order, tagged (igvm type, vnode), merged; the VTL type is ignored.
  const saved = state.partitionMemory
    .filter((e) => isRam(e.vtlType) && isVtl2(e.vtlType))
    .map((e) => [MemoryRange.unchecked(e.range.start, e.range.end), { memType: e.igvmType, vnode: e.vnode }] as const);
  // `ArrayVec::extend` pulls the merge one group at a time: the 65th group overflows before the
  // merge has looked at what follows it, so a later "not sorted"/"overlap" panic never happens.
  const vtl2Ram: Vtl2RamEntry[] = asPanics(() => {
    const list: Vtl2RamEntry[] = [];
    for (const [range, tag] of mergeAdjacentRanges(saved, (a, b) => a.memType === b.memType && a.vnode === b.vnode)) {
      if (list.length === MAX_VTL2_RAM_RANGES) throw capacity();
      list.push({ range, memType: tag.memType, vnode: tag.vnode });
    }
    return list;
  });

  // 7.8: Host mode compares the merged saved RAM with the current host's unmerged VTL2 RAM.
  if (host.memoryAllocationMode.kind === 'Host') {
    const hostRam = parseHostVtl2Ram(shim, host);
    const same =
      hostRam.length === vtl2Ram.length &&
      hostRam.every((h, i) => {
        const s = vtl2Ram[i]!;
        return h.range.start === s.range.start && h.range.end === s.range.end && h.memType === s.memType && h.vnode === s.vnode;
      });
    if (!same) {
      throw new BootPanic(
        'vtl2_ram_mismatch',
        'assertion `left == right` failed: vtl2 ram from persisted state does not match host provided ram\n' +
          `  left: ${debugEntries(vtl2Ram)}\n right: ${debugEntries(hostRam)}`,
      );
    }
  }

  // 7.9: the FIRST entry of each type.
  const headerEntry = state.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_HEADER);
  if (headerEntry === undefined) throw new BootPanic('persisted_header_missing', 'persisted state header missing');
  const protobufEntry = state.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF);
  if (protobufEntry === undefined) throw new BootPanic('persisted_protobuf_missing', 'persisted state protobuf region missing');

  // 7.10: no custom message upstream.
  if (headerEntry.range.end !== region.start) {
    throw new BootPanic('header_end_ne_region_start', `assertion \`left == right\` failed\n  left: ${headerEntry.range.end}\n right: ${region.start}`);
  }

  // 7.11
  const persistedSpan = newRange(headerEntry.range.start, protobufEntry.range.end);

  // 7.12: pool ranges carried over in saved order.
  const poolRanges = state.partitionMemory
    .filter((e) => e.vtlType === MemoryVtlType.VTL2_GPA_POOL)
    .map((e) => MemoryRange.unchecked(e.range.start, e.range.end));
  if (poolRanges.length > MAX_NUMA_NODES) throw capacity();

  // 7.13: MMIO from the saved state only; unknown types dropped.
  const mmio = (type: number) =>
    state.partitionMmio.filter((e) => e.vtlType === type).map((e) => MemoryRange.unchecked(e.range.start, e.range.end));
  const vtl0Mmio = mmio(MemoryVtlType.VTL0_MMIO);
  const vtl2Mmio = mmio(MemoryVtlType.VTL2_MMIO);
  if (vtl0Mmio.length > MAX_VMBUS_MMIO || vtl2Mmio.length > MAX_VMBUS_MMIO) throw capacity();

  return { vtl2Ram, persistedSpan, poolRanges, vtl0Mmio, vtl2Mmio, sidecarExclusion: exclusion, state, heap: heap.stats };
}

/** `MemoryRange::new`, with its assertion failures as the panics they are. */
function newRange(start: bigint, end: bigint): MemoryRange {
  return asPanics(() => new MemoryRange(start, end));
}


/**
 * An `ArrayVec` overflowing its fixed capacity. These lists are filled with
 * `extend`/`collect` (the VTL2 RAM list is `vtl2_ram.extend(...)`), whose panic
 * is arrayvec's fixed text; no vector pins the text for the pool, MMIO and CPU
 * lists, so the same text is inferred there. The text names no list, hence
 * the explicit kind.
 */
function capacity(): BootPanic {
  return new BootPanic('capacity_exceeded', 'ArrayVec: capacity exceeded in extend/from_iter');
}

/** `[MemoryEntry { range: MemoryRange { start: 134217728, end: 201326592 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }]`, as Rust's `{:?}` prints the list. */
function debugEntries(entries: readonly Vtl2RamEntry[]): string {
  const one = (e: Vtl2RamEntry) =>
    `MemoryEntry { range: MemoryRange { start: ${e.range.start}, end: ${e.range.end} }, mem_type: ${igvmTypeName(e.memType) ?? `MemoryMapEntryType(${e.memType})`}, vnode: ${e.vnode} }`;
  return `[${entries.map(one).join(', ')}]`;
}

