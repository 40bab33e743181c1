/**
 * The restore path: `read_persisted_region_header` and
 * `topology_from_persisted_state` (`openhcl_boot` `host_params/dt/mod.rs`), step by step and in
 * upstream order. Once a valid magic has been seen there is no fallback to the
 * host topology: every later failure is an emulated panic (`BootPanic`), whose text
 * restore-checks.ts builds (the inspector quotes the same texts). An optional recorder hears
 * each check as it passes (the decision trail, decision-trail.ts).
 */
import { DecodeError } from '../format/codec-error.js';
import { decodeSavedState } from '../format/decode.js';
import { readHeader, type HeaderRead, type PersistedStateHeader } from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { MemoryRange } from '../memory/range.js';
import { mergeAdjacentRanges } from '../memory/range-algebra.js';
import { MemoryVtlType, isRam, isVtl2 } from '../memory/vtl-type.js';
import { formatHex as hex } from '../memory/u64.js';
import { BumpHeap, type BumpHeapStats } from './bump-heap.js';
import { MAX_VTL2_RAM_RANGES, debugRange } from './address-space.js';
import type { Vtl2RamEntry } from './host-ram.js';
import { MAX_NUMA_NODES, parseHostVtl2Ram } from './host-ram.js';
import { asPanics } from './panic.js';
import {
  capacityPanic,
  decodeFailedPanic,
  headerEntryMissingPanic,
  headerNotAdjacentPanic,
  payloadLenPanic,
  protobufEntryMissingPanic,
  regionNotContainedPanic,
  vtl2RamMismatchPanic,
} from './restore-checks.js';
import type { TrailRecorder } from './decision-trail.js';
import type { HostDt, ShimParams } from './types.js';

const U64_MOD = 1n << 64n;

/** Capacity of the restore path's remaining fixed-size lists (upstream `MAX_CPU_COUNT`, `host_params/mod.rs`). */
const MAX_CPU_COUNT = 2048;
const MAX_VMBUS_MMIO = 2;

/**
 * Upstream `read_persisted_region_header`: the header is read only when the partition is not isolated (VBS, SNP
 * and TDX ignore it without reading it: the pages may not be accepted), and
 * only its magic decides. Returns the header read, or undefined for "take the
 * fresh path" with the reason. `trail` (bootWithTrail's recorder) hears the isolation and magic
 * checks.
 */
export function readPersistedHeader(
  shim: ShimParams,
  memory: GuestMemory,
  trail?: TrailRecorder,
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
  if (shim.isolation !== 'None') {
    const reason = `isolated (${shim.isolation}): header ignored`;
    trail?.('isolation', 'info', reason);
    trail?.('magic', 'skip', 'the header is not read');
    return { reason };
  }
  trail?.('isolation', 'pass', `not isolated: the header is read at ${hex(shim.persistedState.start)}`);
  const read = readHeader(memory, shim.persistedState.start);
  if (read.status === 'valid') {
    trail?.('magic', 'pass', `${hex(read.header.magic)} ("OHCLPHDR"): the restore path`);
    return { read };
  }
  const reason = read.status === 'draft_magic' ? 'byte-swapped draft magic (RDHPLCHO): not the shipped magic' : 'no magic';
  trail?.('magic', 'info', `${hex(read.header.magic)}: ${reason}; the fresh path`);
  return { reason };
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
 * decode still report them); `trail` (bootWithTrail's recorder) hears each check that passed.
 */
export function topologyFromPersistedState(
  shim: ShimParams,
  host: HostDt,
  memory: GuestMemory,
  header: PersistedStateHeader,
  onHeap: (stats: BumpHeapStats) => void = () => {},
  trail?: TrailRecorder,
  payloadReader?: (payload: Uint8Array) => SavedState,
): PersistedTopology {
  // 7.1: release builds wrap the addition; MemoryRange::new then asserts.
  const region = newRange(header.protobufBase, (header.protobufBase + header.protobufRegionLen) % U64_MOD);
  trail?.('region_range', 'pass', `${span(region)} (protobuf_base ${hex(header.protobufBase)} + protobuf_region_len ${hex(header.protobufRegionLen)})`);
  // 7.2
  if (!shim.persistedState.contains(region)) {
    throw regionNotContainedPanic(debugRange(region), debugRange(shim.persistedState));
  }
  trail?.('region_contained', 'pass', `region ${span(region)} within ${span(shim.persistedState)}`);
  // 7.3
  if (header.protobufPayloadLen > header.protobufRegionLen) {
    throw payloadLenPanic(header.protobufPayloadLen, header.protobufRegionLen);
  }
  trail?.('payload_fits', 'pass', `payload ${header.protobufPayloadLen} bytes, region ${header.protobufRegionLen} bytes`);
  // 7.4: the length is bounded by 7.2/7.3 (at most the 2 MiB region), so the read is bounded.
  const heap = new BumpHeap();
  let state: SavedState;
  try {
    const payload = memory.read(region.start, header.protobufPayloadLen);
    state = payloadReader === undefined ? decodeSavedState(payload, { onAppend: heap.onAppend }) : payloadReader(payload);
  } catch (e) {
    onHeap(heap.stats);
    if (e instanceof DecodeError) throw decodeFailedPanic(e);
    throw e;
  }
  onHeap(heap.stats);
  trail?.(
    'decoded',
    'pass',
    `${header.protobufPayloadLen} bytes: ${state.partitionMemory.length} memory and ${state.partitionMmio.length} MMIO entries; decode heap ${heap.stats.bytes} of ${heap.stats.capacity} bytes`,
  );

  // 7.5
  const exclusion = sortedUnion(state.cpusWithOutstandingIo, state.cpusWithMappedInterruptsNoIo);
  if (exclusion.length > MAX_CPU_COUNT) throw capacityPanic();
  trail?.('cpu_lists', 'pass', `${exclusion.length} CPU(s) to start in the kernel, at most ${MAX_CPU_COUNT}${exclusion.length === 0 ? '' : `: ${few(exclusion)}`}`);

  // 7.7: VTL2 RAM entries in saved order, tagged (igvm type, vnode), merged; the VTL type is ignored.
  const saved: (readonly [MemoryRange, { memType: number; vnode: number }])[] = [];
  for (const e of state.partitionMemory) {
    if (isRam(e.vtlType) && isVtl2(e.vtlType)) saved.push([MemoryRange.unchecked(e.range.start, e.range.end), { memType: e.igvmType, vnode: e.vnode }]);
  }
  // `ArrayVec::extend` pulls the merge one group at a time: the 65th group overflows before the
  // merge has looked at what follows it, so a later "not sorted"/"overlap" panic never happens.
  const vtl2Ram: Vtl2RamEntry[] = asPanics(() => {
    const list: Vtl2RamEntry[] = [];
    for (const [range, tag] of mergeAdjacentRanges(saved, (a, b) => a.memType === b.memType && a.vnode === b.vnode)) {
      if (list.length === MAX_VTL2_RAM_RANGES) throw capacityPanic();
      list.push({ range, memType: tag.memType, vnode: tag.vnode });
    }
    return list;
  });
  trail?.('vtl2_ram_merged', 'pass', `${saved.length} saved VTL2 RAM entries merged into ${vtl2Ram.length} (at most ${MAX_VTL2_RAM_RANGES}): ${few(vtl2Ram.map((e) => span(e.range)))}`);

  // 7.8: Host mode compares the merged saved RAM with the current host's unmerged VTL2 RAM.
  if (host.memoryAllocationMode.kind === 'Host') {
    const hostRam = parseHostVtl2Ram(shim, host);
    const same =
      hostRam.length === vtl2Ram.length &&
      hostRam.every((h, i) => {
        const s = vtl2Ram[i]!;
        return h.range.start === s.range.start && h.range.end === s.range.end && h.memType === s.memType && h.vnode === s.vnode;
      });
    if (!same) throw vtl2RamMismatchPanic(vtl2Ram, hostRam);
    trail?.('host_ram_match', 'pass', `the ${hostRam.length} host VTL2 RAM range(s) equal the saved ones`);
  } else {
    trail?.('host_ram_match', 'skip', `allocation mode ${host.memoryAllocationMode.kind}: nothing to compare`);
  }

  // 7.9: the FIRST entry of each type.
  const headerEntry = state.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_HEADER);
  if (headerEntry === undefined) throw headerEntryMissingPanic();
  trail?.('header_entry', 'pass', `first VTL2_PERSISTED_STATE_HEADER entry ${span(headerEntry.range)}`);
  const protobufEntry = state.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF);
  if (protobufEntry === undefined) throw protobufEntryMissingPanic();
  trail?.('protobuf_entry', 'pass', `first VTL2_PERSISTED_STATE_PROTOBUF entry ${span(protobufEntry.range)}`);

  // 7.10: no custom message upstream.
  if (headerEntry.range.end !== region.start) {
    throw headerNotAdjacentPanic(headerEntry.range.end, region.start);
  }
  trail?.('header_adjacent', 'pass', `the header entry ends at ${hex(headerEntry.range.end)}, where the protobuf region starts`);

  // 7.11
  const persistedSpan = newRange(headerEntry.range.start, protobufEntry.range.end);
  trail?.('persisted_span', 'pass', `${span(persistedSpan)} carried over`);

  // 7.12: pool ranges carried over in saved order.
  const poolRanges = rangesOfType(state.partitionMemory, MemoryVtlType.VTL2_GPA_POOL);
  if (poolRanges.length > MAX_NUMA_NODES) throw capacityPanic();
  trail?.('pool_ranges', 'pass', `${poolRanges.length} pool range(s), at most ${MAX_NUMA_NODES}${poolRanges.length === 0 ? '' : `: ${few(poolRanges.map(span))}`}`);

  // 7.13: MMIO from the saved state only; unknown types dropped.
  const vtl0Mmio = rangesOfType(state.partitionMmio, MemoryVtlType.VTL0_MMIO);
  const vtl2Mmio = rangesOfType(state.partitionMmio, MemoryVtlType.VTL2_MMIO);
  if (vtl0Mmio.length > MAX_VMBUS_MMIO || vtl2Mmio.length > MAX_VMBUS_MMIO) throw capacityPanic();
  trail?.('mmio_ranges', 'pass', `VTL0 MMIO ${few(vtl0Mmio.map(span))}; VTL2 MMIO ${few(vtl2Mmio.map(span))} (at most ${MAX_VMBUS_MMIO} each)`);

  return { vtl2Ram, persistedSpan, poolRanges, vtl0Mmio, vtl2Mmio, sidecarExclusion: exclusion, state, heap: heap.stats };
}

/**
 * `[...new Set([...a, ...b])].sort((x, y) => x - y)` without the intermediate arrays: the
 * distinct values in first-seen order, then sorted ascending. Saved lists are a handful of
 * CPUs, so duplicates are looked up in the output itself (`includes` compares as a Set does,
 * SameValueZero) until it grows past {@link SMALL_UNION}; only then is a Set built.
 */
function sortedUnion(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let seen: Set<number> | undefined;
  for (const list of [a, b]) {
    for (const v of list) {
      if (seen === undefined ? out.includes(v) : seen.has(v)) continue;
      out.push(v);
      if (seen !== undefined) seen.add(v);
      else if (out.length > SMALL_UNION) seen = new Set(out);
    }
  }
  return out.sort((x, y) => x - y);
}

/** Output length up to which {@link sortedUnion} finds duplicates by scanning instead of hashing. */
const SMALL_UNION = 16;

/** The saved ranges of entries of one VTL type, in saved order, as decoded (unchecked). */
function rangesOfType(entries: readonly { range: { start: bigint; end: bigint }; vtlType: number }[], vtlType: number): MemoryRange[] {
  const out: MemoryRange[] = [];
  for (const e of entries) if (e.vtlType === vtlType) out.push(MemoryRange.unchecked(e.range.start, e.range.end));
  return out;
}

/** `MemoryRange::new`, with its assertion failures as the panics they are. */
function newRange(start: bigint, end: bigint): MemoryRange {
  return asPanics(() => new MemoryRange(start, end));
}

/** `0x8001000..0x8014000`: a range as the trail shows it. */
function span(r: { start: bigint; end: bigint }): string {
  return `${hex(r.start)}..${hex(r.end)}`;
}

/** The first few items of a list for the trail (a list may hold millions), then how many more. */
function few(items: readonly (string | number)[]): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, 8).join(', ');
  return items.length > 8 ? `${shown}, … (${items.length - 8} more)` : shown;
}
