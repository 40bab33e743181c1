/**
 * The validation upstream's host device-tree parser (`openhcl/host_fdt_parser/src/lib.rs`,
 * `ParsedDeviceTree::parse`) applies to the values a `HostDt` can express, in the parser's
 * order, and the sorting it does on the way (`ParsedDeviceTree` holds memory sorted by range and
 * each VMBus node's two MMIO gaps low first).
 *
 * `PartitionInfo::read_from_dt` (`openhcl_boot/src/host_params/dt/mod.rs`) parses the host DT
 * before it reads the persisted header or builds either topology, and maps a parse error to
 * `DtError::DeviceTree`; `shim_main` (`openhcl_boot/src/main.rs`) then panics with
 * `panic!("unable to read device tree params {:?}", e)`. Every type on the way derives `Debug`
 * (`DtError`, `host_fdt_parser::Error`, `ErrorKind`, `MemoryEntry`, `MemoryRange`), so the text
 * is the derived Debug chain, not `ErrorKind`'s `Display`:
 * `unable to read device tree params DeviceTree(Error(TooManyCpus))`.
 *
 * The parser checks nodes in the order the host wrote them. A `HostDt` has no node order, so this
 * follows the order openvmm's writer uses (`openvmm_core/src/worker/vm_loaders/igvm.rs`
 * `build_device_tree`): `cpus`, then the `memory@` nodes (in `HostDt.memory` order), then the
 * `bus` node with the VTL0 VMBus node before the VTL2 one, then `chosen` and `openhcl`; the
 * post-parse checks run after all nodes. VMBus node names are also that writer's:
 * `vmbus-vtl0@{:x}` / `vmbus-vtl2@{:x}` of the node's first `ranges` base as written.
 */
import type { MemoryRange } from '../memory/range.js';
import { igvmTypeName } from '../memory/vtl-type.js';
import { BootPanic } from './panic.js';
import type { HostDt, HostMemoryEntry, VmbusInfo } from './types.js';

/** `MAX_PARTITION_RAM_RANGES` (`openhcl_boot/src/host_params/mod.rs`): the parsed DT's memory capacity. */
export const MAX_PARTITION_RAM_RANGES = 1024;
/** `MAX_CPU_COUNT` (`openhcl_boot/src/host_params/mod.rs`): the parsed DT's CPU capacity. */
export const MAX_CPU_COUNT = 2048;
/** `VmbusInfo::mmio` is an `ArrayVec<MemoryRange, 2>`; `parse_vmbus` rejects more ranges. */
export const MAX_VMBUS_MMIO_RANGES = 2;

/**
 * Upstream `ParsedDeviceTree::parse` on `host`: the host DT as the boot shim holds it afterwards
 * (memory sorted by `(start, end)`, a VMBus node's two MMIO ranges swapped when the higher was
 * written first), or the `dt_error` panic of the first check it fails. Checks, in order:
 *
 * 1. `cpus`: more than {@link MAX_CPU_COUNT} enabled CPUs: `TooManyCpus` (`cpus.try_push`).
 * 2. each `memory@` entry, in list order (`insert_memory_entry`): a range equal to one already
 *    inserted (`binary_search_by_key` finds only exact matches): `MemoryRegOverlap { lower: the
 *    earlier entry, upper: this one }`; otherwise a 1025th entry: `TooManyMemoryEntries`.
 * 3. each VMBus node, VTL0 then VTL2 (`parse_vmbus`): more than 2 ranges:
 *    `TooManyVmbusMmioRanges { node_name, ranges }`; two ranges, after sorting, that overlap:
 *    `VmbusMmioOverlapsVmbusMmio { mmio_a: lower, mmio_b: higher }`.
 * 4. adjacent pairs of the sorted memory that overlap: `MemoryRegOverlap { lower, upper }`.
 * 5. for each memory entry in sorted order, each VTL0 then each VTL2 MMIO range that overlaps it:
 *    `VmbusMmioOverlapsRam { mmio, ram }`.
 * 6. each VTL0 range against each VTL2 range: `VmbusMmioOverlapsVmbusMmio { mmio_a: vtl0, mmio_b: vtl2 }`.
 *
 * "Overlap" is upstream `MemoryRange::overlaps` (`end > o.start && start < o.end`): touching
 * ranges do not overlap, and an empty range strictly inside another does. docs/boot-shim.md lists
 * the parser's checks a `HostDt` cannot express.
 * @throws {BootPanic} `dt_error`.
 */
export function parseHostDeviceTree(host: HostDt): HostDt {
  if (host.cpuCount > MAX_CPU_COUNT) throw deviceTreePanic('TooManyCpus');

  const memory: HostMemoryEntry[] = [];
  for (const entry of host.memory) {
    const { index, found } = searchByRange(memory, entry.range);
    if (found) throw deviceTreePanic(`MemoryRegOverlap { lower: ${debugEntry(memory[index]!)}, upper: ${debugEntry(entry)} }`);
    if (memory.length === MAX_PARTITION_RAM_RANGES) throw deviceTreePanic('TooManyMemoryEntries');
    // Hosts list memory in order, so the insertion point is usually the end: a push, not a splice.
    if (index === memory.length) memory.push(entry);
    else memory.splice(index, 0, entry);
  }

  const vmbusVtl0 = host.vmbusVtl0 && parseVmbus(host.vmbusVtl0, 'vmbus-vtl0');
  const vmbusVtl2 = host.vmbusVtl2 && parseVmbus(host.vmbusVtl2, 'vmbus-vtl2');

  for (let i = 1; i < memory.length; i++) {
    const lower = memory[i - 1]!;
    const upper = memory[i]!;
    if (lower.range.overlaps(upper.range)) throw deviceTreePanic(`MemoryRegOverlap { lower: ${debugEntry(lower)}, upper: ${debugEntry(upper)} }`);
  }
  const vtl0Mmio = vmbusVtl0?.mmio ?? [];
  const vtl2Mmio = vmbusVtl2?.mmio ?? [];
  // VTL0's ranges then VTL2's against each entry (two loops: no joined list per entry).
  const mmioOverlapsRam = (mmio: MemoryRange, ram: HostMemoryEntry): BootPanic =>
    deviceTreePanic(`VmbusMmioOverlapsRam { mmio: ${debugRange(mmio)}, ram: ${debugEntry(ram)} }`);
  for (const ram of memory) {
    for (const mmio of vtl0Mmio) if (mmio.overlaps(ram.range)) throw mmioOverlapsRam(mmio, ram);
    for (const mmio of vtl2Mmio) if (mmio.overlaps(ram.range)) throw mmioOverlapsRam(mmio, ram);
  }
  for (const a of vtl0Mmio) {
    for (const b of vtl2Mmio) {
      if (a.overlaps(b)) throw mmioOverlap(a, b);
    }
  }
  return { ...host, memory, vmbusVtl0, vmbusVtl2 };
}

/** Upstream `parse_vmbus`'s checks on a node's `ranges`, and its swap of an unsorted pair. */
function parseVmbus(node: VmbusInfo, baseName: string): VmbusInfo {
  const ranges = node.mmio;
  if (ranges.length > MAX_VMBUS_MMIO_RANGES) {
    // `node_name` is a `&str`, so Debug quotes it; openvmm names the node after its first base.
    const name = `${baseName}@${ranges[0]!.start.toString(16)}`;
    throw deviceTreePanic(`TooManyVmbusMmioRanges { node_name: ${JSON.stringify(name)}, ranges: ${ranges.length} }`);
  }
  if (ranges.length < 2) return { ...node, mmio: [...ranges] };
  const [first, second] = [ranges[0]!, ranges[1]!];
  // Strictly greater: two ranges with the same start keep their written order.
  const mmio = first.start > second.start ? [second, first] : [first, second];
  if (mmio[0]!.overlaps(mmio[1]!)) throw mmioOverlap(mmio[0]!, mmio[1]!);
  return { ...node, mmio };
}

/**
 * Rust's `binary_search_by_key(&entry.range, |k| k.range)` on a list kept sorted by
 * `MemoryRange`'s derived `Ord` (start, then end) with no equal keys: the match, or where to insert.
 */
function searchByRange(sorted: readonly HostMemoryEntry[], range: MemoryRange): { index: number; found: boolean } {
  let lo = 0;
  let hi = sorted.length;
  // Past the last key (a host listing memory in order): the search would end there too.
  const last = sorted[hi - 1]?.range;
  if (last !== undefined && (last.start < range.start || (last.start === range.start && last.end < range.end))) return { index: hi, found: false };
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = sorted[mid]!.range;
    const cmp = r.start !== range.start ? (r.start < range.start ? -1 : 1) : r.end !== range.end ? (r.end < range.end ? -1 : 1) : 0;
    if (cmp === 0) return { index: mid, found: true };
    if (cmp < 0) lo = mid + 1;
    else hi = mid;
  }
  return { index: lo, found: false };
}

function mmioOverlap(a: MemoryRange, b: MemoryRange): BootPanic {
  return deviceTreePanic(`VmbusMmioOverlapsVmbusMmio { mmio_a: ${debugRange(a)}, mmio_b: ${debugRange(b)} }`);
}

/** `{:?}` of `DtError::DeviceTree(host_fdt_parser::Error(kind))`, as `shim_main` panics with it. */
function deviceTreePanic(kindDebug: string): BootPanic {
  return new BootPanic('dt_error', `unable to read device tree params DeviceTree(Error(${kindDebug}))`);
}

/** Derived `Debug` of `MemoryRange`: decimal bounds. */
function debugRange(r: MemoryRange): string {
  return `MemoryRange { start: ${r.start}, end: ${r.end} }`;
}

/**
 * Derived `Debug` of `host_fdt_parser::MemoryEntry`. `mem_type` is igvm_defs' open enum, whose
 * generated Debug prints a known variant's name and an unknown value as `MemoryMapEntryType(n)`.
 */
function debugEntry(e: HostMemoryEntry): string {
  return `MemoryEntry { range: ${debugRange(e.range)}, mem_type: ${igvmTypeName(e.memType) ?? `MemoryMapEntryType(${e.memType})`}, vnode: ${e.vnode} }`;
}
