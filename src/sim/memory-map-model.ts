/**
 * The memory maps the explorer and the figures draw: the partition's address space as one boot
 * built it (its `/openhcl` map: RAM by VTL2 type, then the MMIO ranges) and as a SavedState
 * describes it (its partition_memory and partition_mmio entries, which usermode saves from that
 * same map), plus what changed between two of them. JSON-safe (u64 as `0x…`), so the same
 * objects feed the page and the SVG renderers.
 */
import type { BootSuccess } from '../boot/boot.js';
import type { SavedState } from '../format/saved-state.js';
import { formatHex as hex } from '../memory/u64.js';
import { MemoryVtlType, vtlTypeName } from '../memory/vtl-type.js';
import type { MapChangeJson, MapRangeJson, MapRangeKind, MemoryMapJson } from './explore-types.js';

const KIND_OF_TYPE: ReadonlyMap<number, MapRangeKind> = new Map<number, MapRangeKind>([
  [MemoryVtlType.VTL0, 'vtl0-ram'],
  [MemoryVtlType.VTL2_RAM, 'vtl2-ram'],
  [MemoryVtlType.VTL2_CONFIG, 'config'],
  [MemoryVtlType.VTL2_SIDECAR_IMAGE, 'sidecar'],
  [MemoryVtlType.VTL2_SIDECAR_NODE, 'sidecar'],
  [MemoryVtlType.VTL0_MMIO, 'vtl0-mmio'],
  [MemoryVtlType.VTL2_MMIO, 'vtl2-mmio'],
  [MemoryVtlType.VTL2_RESERVED, 'reserved'],
  [MemoryVtlType.VTL2_GPA_POOL, 'pool'],
  [MemoryVtlType.VTL2_TDX_PAGE_TABLES, 'tdx-page-tables'],
  [MemoryVtlType.VTL2_BOOTSHIM_LOG_BUFFER, 'log-buffer'],
  [MemoryVtlType.VTL2_PERSISTED_STATE_HEADER, 'persisted-header'],
  [MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF, 'persisted-protobuf'],
]);

/** The map kind of a `MemoryVtlType` value (an unnamed value, legal in the open enum, is `other`). */
export function mapKindOf(vtlType: number): MapRangeKind {
  return KIND_OF_TYPE.get(vtlType) ?? 'other';
}

/** A range before it becomes JSON: bigint bounds, so that sorting compares numbers, not strings. */
interface RawRange {
  start: bigint;
  end: bigint;
  vtlType: number;
  vnode: number | undefined;
}

function toJson(r: RawRange): MapRangeJson {
  const kind = mapKindOf(r.vtlType);
  const name = vtlTypeName(r.vtlType) ?? `type ${r.vtlType}`;
  const ram = kind === 'vtl0-ram' || kind === 'vtl2-ram';
  return {
    start: hex(r.start),
    end: hex(r.end),
    kind,
    label: ram && r.vnode !== undefined ? `${name} vnode ${r.vnode}` : name,
    ...(r.vnode !== undefined && { vnode: r.vnode }),
  };
}

/**
 * Most ranges a map holds. A boot's map has at most a few hundred (64 VTL2 RAM ranges, the MMIO,
 * the reserved pieces); a saved state is input and a 2 MiB payload can list a million entries,
 * which no figure can show and whose JSON alone would be ~100 MB. Past the cap the map keeps the
 * first ranges in address order and says how many it left out (`omitted`, and in the title).
 */
export const MAX_MAP_RANGES = 1024;

/** Sorted by start, then end (stable otherwise); ranges whose end is below their start are left out. */
function mapOf(title: string, ranges: RawRange[]): MemoryMapJson {
  const kept = ranges.filter((r) => r.end >= r.start);
  kept.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  if (kept.length > MAX_MAP_RANGES) {
    const omitted = kept.length - MAX_MAP_RANGES;
    return { title: `${title} (the first ${MAX_MAP_RANGES} of ${kept.length} ranges)`, ranges: kept.slice(0, MAX_MAP_RANGES).map(toJson), omitted };
  }
  return { title, ranges: kept.map(toJson) };
}

/**
 * The address space a successful boot built: its `/openhcl` memory map (upstream `write_dt`:
 * every RAM piece with its VTL2 type, then the VTL0 and VTL2 MMIO ranges), which is what
 * usermode reads and saves at servicing. The private pool, the persisted region, the log buffer
 * and the sidecar are pieces of that map; nothing is added that the boot did not report.
 */
export function bootMap(result: BootSuccess, title: string): MemoryMapJson {
  return mapOf(
    title,
    result.openhclMemoryMap.map((n) => ({
      start: n.range.start,
      end: n.range.end,
      vtlType: n.vtlType,
      vnode: n.kind === 'memory' ? n.vnode : undefined,
    })),
  );
}

/**
 * The address space a SavedState describes: its partition_memory entries (with their vnode)
 * and partition_mmio entries. A state is input, so its ranges may overlap; an entry whose end
 * is below its start cannot be drawn and is left out (the byte view and the findings show it).
 */
export function savedStateMap(state: SavedState, title: string): MemoryMapJson {
  return mapOf(title, [
    ...state.partitionMemory.map((e) => ({ start: e.range.start, end: e.range.end, vtlType: e.vtlType, vnode: e.vnode })),
    ...state.partitionMmio.map((e) => ({ start: e.range.start, end: e.range.end, vtlType: e.vtlType, vnode: undefined })),
  ]);
}

/** A range's identity for matching: what it is (kind and label, the label naming type and vnode). */
function identity(r: MapRangeJson): string {
  return `${r.kind}\u0000${r.label}`;
}

/**
 * What changed from `before` to `after`. A range is matched first exactly (same kind, label,
 * start and end: `same`); the ranges left are then paired by identity (same kind and label,
 * which names the VTL type and, for RAM, the vnode), the k-th unmatched one of an identity in
 * `before` with the k-th in `after`, in address order: `moved`; what is left is `vanished`
 * (only in `before`) or `appeared` (only in `after`). One entry per range of either map, in
 * address order of the later range (the earlier one for `vanished`).
 */
export function compareMaps(before: MemoryMapJson, after: MemoryMapJson): MapChangeJson[] {
  const exact = (r: MapRangeJson) => `${identity(r)}\u0000${r.start}\u0000${r.end}`;
  const pending = new Map<string, number[]>();
  before.ranges.forEach((r, i) => {
    const list = pending.get(exact(r));
    if (list === undefined) pending.set(exact(r), [i]);
    else list.push(i);
  });
  const usedBefore = new Set<number>();
  const changes: { change: MapChangeJson; at: bigint; order: number }[] = [];
  const leftAfter: number[] = [];
  after.ranges.forEach((r, j) => {
    const i = pending.get(exact(r))?.shift();
    if (i === undefined) return void leftAfter.push(j);
    usedBefore.add(i);
    changes.push({ change: { change: 'same', before: before.ranges[i]!, after: r }, at: BigInt(r.start), order: j });
  });
  const byIdentity = new Map<string, number[]>();
  before.ranges.forEach((r, i) => {
    if (usedBefore.has(i)) return;
    const list = byIdentity.get(identity(r));
    if (list === undefined) byIdentity.set(identity(r), [i]);
    else list.push(i);
  });
  for (const j of leftAfter) {
    const r = after.ranges[j]!;
    const i = byIdentity.get(identity(r))?.shift();
    if (i === undefined) changes.push({ change: { change: 'appeared', after: r }, at: BigInt(r.start), order: j });
    else {
      usedBefore.add(i);
      changes.push({ change: { change: 'moved', before: before.ranges[i]!, after: r }, at: BigInt(r.start), order: j });
    }
  }
  before.ranges.forEach((r, i) => {
    if (!usedBefore.has(i)) changes.push({ change: { change: 'vanished', before: r }, at: BigInt(r.start), order: after.ranges.length + i });
  });
  changes.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order));
  return changes.map((c) => c.change);
}
