/**
 * VTL2 RAM on the fresh path (upstream `topology_from_host_dt`): either the host hands VTL2 its RAM
 * (`Host` allocation mode, `parse_host_vtl2_ram`) or the boot shim carves it out of the host's
 * memory map itself (`Vtl2` allocation mode, `allocate_vtl2_ram`).
 *
 * Every place where upstream `openhcl_boot` panics throws a {@link BootPanic} carrying the text
 * the real shim prints. Range-algebra ordering violations (an unsorted host map, say) surface as
 * the upstream assertion text ("right not sorted", …), exactly as the Rust iterators would panic.
 */
import { MAX_VTL2_RAM_RANGES } from './address-space.js';
import { formatHex, MemoryRange } from '../memory/range.js';
import { RangeAlgebraError, walkRanges } from '../memory/range-algebra.js';
import { IgvmMemoryType } from '../memory/vtl-type.js';
import { BootPanic, asPanic } from './panic.js';
import type { HostDt, HostMemoryEntry, Isolation, ShimParams } from './types.js';
import { rangeWithLen, U64_MAX } from './wrapping.js';

/**
 * One VTL2 RAM range: upstream `MemoryEntry` (range, IGVM memory-map type, NUMA vnode).
 * `memType` is the IGVM `MemoryMapEntryType` (a u16 open enum, {@link IgvmMemoryType}); on the
 * fresh path it is the host entry's type, or VTL2_PROTECTABLE for a synthesised range.
 */
export interface Vtl2RamEntry {
  /** The RAM itself: page-aligned, non-empty on the fresh path. */
  range: MemoryRange;
  /** IGVM memory-map type (u16 open enum): the host entry's, or VTL2_PROTECTABLE when synthesised. */
  memType: number;
  /** NUMA node: the host entry's, or 0 when synthesised. */
  vnode: number;
}

/** Upstream `MAX_NUMA_NODES`: capacity of the NUMA-node list in `allocate_vtl2_ram` (`host_params/mod.rs`). */
export const MAX_NUMA_NODES = 64;

/**
 * Granularity of VTL2 self-allocation since upstream #4076 (`ALIGNMENT_GRANULARITY` in
 * `allocate_vtl2_ram`):
 * per-node needs are rounded up to it and each top-down allocation's start is rounded down to it.
 */
export const VTL2_RAM_ALLOCATION_ALIGNMENT = 0x8000n;

/** The TDX reset-vector page: preaccepted by the loader but never host RAM (`allocate_vtl2_ram`'s launch-context check exempts it). */
const TDX_RESET_VECTOR_PAGE = 0xffff_f000n;


/**
 * True for the hardware-isolated kinds, whose `parse_host_vtl2_ram` trusts only the host's SIZE.
 * Upstream `IsolationType::is_hardware_isolated()` is true for SNP and TDX
 * (and CCA on aarch64) and false for VBS: VBS isolation is enforced by the hypervisor, which the
 * paravisor already trusts, so VBS guests take the host's VTL2_PROTECTABLE entries as given.
 */
export function isHardwareIsolated(isolation: Isolation): boolean {
  return isolation === 'Snp' || isolation === 'Tdx' || isolation === 'Cca';
}

/**
 * Upstream `parse_host_vtl2_ram`: the VTL2 RAM the host provides.
 *
 * - Not hardware-isolated (None, VBS): every host entry of type VTL2_PROTECTABLE, in host order,
 *   unmerged and unsorted (the host DT parser has already rejected overlaps).
 * - Hardware-isolated (SNP, TDX, CCA): the host's placement is not trusted, only its size, so the
 *   result is ONE range at `memory_start` of `max(sum of VTL2_PROTECTABLE lengths, memory_size)`,
 *   typed VTL2_PROTECTABLE, on vnode 0.
 * - Either way, an empty result falls back to the "measured" range
 *   `[memory_start, memory_start + memory_size)`, VTL2_PROTECTABLE, vnode 0.
 *
 * Used both by the fresh path (Host mode) and by the restore path's Host-mode cross-check (`topology_from_persisted_state`).
 *
 * @throws {BootPanic} `capacity_exceeded` when more than {@link MAX_VTL2_RAM_RANGES} host entries
 *   are VTL2_PROTECTABLE (upstream pushes into an `ArrayVec` of that capacity), or a range
 *   construction panic for a shim layout no loader would produce.
 */
export function parseHostVtl2Ram(shim: ShimParams, host: HostDt): Vtl2RamEntry[] {
  const protectable = host.memory.filter((e) => e.memType === IgvmMemoryType.VTL2_PROTECTABLE);
  const ram: Vtl2RamEntry[] = [];
  if (isHardwareIsolated(shim.isolation)) {
    // Upstream's `fold(0, |acc, e| acc + e.range.len())` wraps at 2^64 (release build, no overflow checks).
    const hostSize = protectable.reduce((sum, e) => (sum + e.range.len) & U64_MAX, 0n);
    const size = hostSize > shim.memorySize ? hostSize : shim.memorySize;
    ram.push({ range: rangeWithLen(shim.memoryStart, size), memType: IgvmMemoryType.VTL2_PROTECTABLE, vnode: 0 });
  } else {
    for (const e of protectable) {
      if (ram.length === MAX_VTL2_RAM_RANGES) {
        throw new BootPanic('capacity_exceeded', `capacity exceeded: more than ${MAX_VTL2_RAM_RANGES} VTL2_PROTECTABLE host memory entries`);
      }
      ram.push(copyEntry(e));
    }
  }
  if (ram.length === 0) {
    ram.push({
      range: rangeWithLen(shim.memoryStart, shim.memorySize, 'try_new_expect'),
      memType: IgvmMemoryType.VTL2_PROTECTABLE,
      vnode: 0,
    });
  }
  return ram;
}

/**
 * Upstream `allocate_vtl2_ram` (`Vtl2` allocation mode): VTL2 picks its own RAM.
 * `memorySize` is the host's `memory_size` from the `Vtl2` mode (null when absent).
 *
 * The steps, in upstream order (each panic fires at the step that detects it):
 * 1. NUMA nodes = sorted unique vnodes of the host map; `n` of them.
 * 2. Target = the host size (panic "host provided vtl2 ram size {:x} is smaller than measured
 *    size {:x}" if below `memory_size`), else `memory_size`.
 * 3. Per-node need = `ceil_32KiB(target / n)` (integer division first), seeded into an `n`-long
 *    array indexed by each host entry's vnode, so vnodes not contiguous from 0 panic with Rust's
 *    "index out of bounds: the len is {n} but the index is {vnode}" at the first offending entry.
 * 4. Walk the file range `[memory_start, +memory_size)` against the host map: Both pieces are
 *    VTL2 RAM (host type and vnode), host-only pieces are free candidates, file-only pieces panic
 *    "used file range {:#x?} is not reported as ram by host memmap".
 * 5. Imported regions outside the file range are removed from the candidates (partial overlap
 *    with the file range and non-host-RAM regions panic; the TDX reset-vector page is exempt).
 * 6. File pieces are charged to their node's need (saturating at 0; no rebalancing, upstream TODO).
 * 7. Each node with remaining need takes memory top-down from its own candidates (highest
 *    address first), `min(len, need)` from the top of each, with the allocation's start rounded
 *    down to 32 KiB; no cross-node fallback (panic "failed to allocate {:#x} for vnode {:#x}, no
 *    memory remaining for vnode").
 * 8. Candidates' host types are not filtered, so the result keeps whatever type the host gave.
 * 9. The result is sorted by start and NOT merged.
 *
 * Where the vectors do not decide, this follows upstream's code shape:
 * - The 32 KiB start rounding never goes below the candidate's start (the allocation must stay
 *   inside memory the host reported); when a whole candidate is taken no rounding happens at
 *   all. Rounding therefore only ever happens on a node's final allocation, so whether the extra
 *   (≤ 7 pages) is charged or not cannot change the outcome: the need is charged saturating.
 * - `n == 0` (an empty host map) divides by zero, which Rust checks in every build profile:
 *   panic "attempt to divide by zero".
 * - More than {@link MAX_NUMA_NODES} distinct vnodes, or more than {@link MAX_VTL2_RAM_RANGES}
 *   result entries, overflow upstream's fixed-capacity lists: `capacity_exceeded` panics.
 *
 * @throws {BootPanic} as listed above.
 */
export function allocateVtl2Ram(shim: ShimParams, host: HostDt, memorySize: bigint | null): Vtl2RamEntry[] {
  return algebraPanics(() => allocate(shim, host.memory, memorySize));
}

/**
 * VTL2 RAM on the fresh path (upstream `topology_from_host_dt`), by the host's allocation mode: `Host` →
 * {@link parseHostVtl2Ram}; `Vtl2` → {@link allocateVtl2Ram} with the host's `memory_size`.
 * Isolation does not change the choice: a hardware-isolated guest in `Vtl2` mode self-allocates
 * too (upstream's "TODO: decide if isolated guests always use VTL2 allocation mode").
 *
 * @throws {BootPanic} whatever the chosen function throws.
 */
export function freshVtl2Ram(shim: ShimParams, host: HostDt): Vtl2RamEntry[] {
  const mode = host.memoryAllocationMode;
  return mode.kind === 'Host' ? parseHostVtl2Ram(shim, host) : allocateVtl2Ram(shim, host, mode.memorySize);
}

function allocate(shim: ShimParams, memory: readonly HostMemoryEntry[], memorySize: bigint | null): Vtl2RamEntry[] {
  // Step 1: sorted unique vnodes (upstream binary-search-inserts into an ArrayVec of 64).
  const nodes = [...new Set(memory.map((e) => e.vnode))].sort((a, b) => a - b);
  if (nodes.length > MAX_NUMA_NODES) {
    throw new BootPanic('capacity_exceeded', `capacity exceeded: more than ${MAX_NUMA_NODES} NUMA nodes in the host memory map`);
  }
  const n = nodes.length;

  // Step 2.
  let target = shim.memorySize;
  if (memorySize !== null) {
    if (memorySize < shim.memorySize) {
      throw new BootPanic('host_vtl2_size_too_small', `host provided vtl2 ram size ${memorySize.toString(16)} is smaller than measured size ${shim.memorySize.toString(16)}`);
    }
    target = memorySize;
  }

  // Step 3.
  if (n === 0) throw new BootPanic('arithmetic_overflow', 'attempt to divide by zero');
  // `next_multiple_of` wraps in the release build: a target within 32 KiB of 2^64 on one node
  // needs 0 bytes per node, and the boot goes on with the file range alone, as upstream's does.
  const perNode = ceilTo(target / BigInt(n), VTL2_RAM_ALLOCATION_ALIGNMENT);
  const need: bigint[] = new Array<bigint>(n).fill(0n);
  for (const e of memory) {
    if (e.vnode >= n) {
      throw new BootPanic('index_out_of_bounds', `index out of bounds: the len is ${n} but the index is ${e.vnode}`);
    }
    need[e.vnode] = perNode;
  }

  // Step 4.
  const file = rangeWithLen(shim.memoryStart, shim.memorySize);
  const ram: Vtl2RamEntry[] = [];
  const freeAfterFile: Vtl2RamEntry[] = [];
  for (const [piece, label] of walkRanges(
    [[file, undefined] as const],
    memory.map((e) => [e.range, e] as const),
  )) {
    if (label.kind === 'both') {
      ram.push({ range: piece, memType: label.right.memType, vnode: label.right.vnode });
    } else if (label.kind === 'right') {
      freeAfterFile.push({ range: piece, memType: label.right.memType, vnode: label.right.vnode });
    } else if (label.kind === 'left') {
      throw new BootPanic('file_range_not_host_ram', `used file range ${debugRange(piece)} is not reported as ram by host memmap`);
    }
  }

  // Step 5. The filter is lazy in upstream (a `filter_map` feeding the walk), so its assertion
  // fires in walk order; a generator reproduces that.
  function* importedOutsideFile(): Generator<readonly [MemoryRange, undefined], void, undefined> {
    for (const { range } of shim.importedRegions) {
      if (file.contains(range)) continue;
      if (file.overlaps(range)) {
        // Kind from the scenario-format table ("vtl2 range" appears in the text).
        throw new BootPanic(
          'vtl2_range_outside',
          `imported range ${debugRange(range)} overlaps vtl2 range and is not fully contained within vtl2 range`,
        );
      }
      yield [range, undefined];
    }
  }
  const free: Vtl2RamEntry[] = [];
  for (const [piece, label] of walkRanges(
    importedOutsideFile(),
    freeAfterFile.map((e) => [e.range, e] as const),
  )) {
    if (label.kind === 'right') {
      free.push({ range: piece, memType: label.right.memType, vnode: label.right.vnode });
    } else if (label.kind === 'left') {
      if (shim.isolation === 'Tdx' && piece.start === TDX_RESET_VECTOR_PAGE && piece.len === 0x1000n) continue;
      // No table row matches this text; it is the same failure as a file range missing from the
      // host map, so it shares that kind.
      throw new BootPanic('file_range_not_host_ram', `launch context range ${debugRange(piece)} is not reported as ram by host memmap`);
    }
  }

  // Step 6.
  for (const e of ram) {
    const have = need[e.vnode] ?? 0n;
    need[e.vnode] = e.range.len > have ? 0n : have - e.range.len;
  }

  // Step 7.
  for (let node = 0; node < n; node++) {
    let required = need[node] ?? 0n;
    if (required === 0n) continue;
    for (let i = free.length - 1; i >= 0; i--) {
      const entry = free[i];
      if (entry === undefined || entry.vnode !== node || entry.range.isEmpty()) continue;
      const take = entry.range.len < required ? entry.range.len : required;
      let start = alignDown(entry.range.end - take, VTL2_RAM_ALLOCATION_ALIGNMENT);
      if (start < entry.range.start) start = entry.range.start;
      const alloc = new MemoryRange(start, entry.range.end);
      entry.range = new MemoryRange(entry.range.start, start);
      pushRam(ram, { range: alloc, memType: entry.memType, vnode: node });
      required = alloc.len >= required ? 0n : required - alloc.len;
      if (required === 0n) break;
    }
    if (required !== 0n) {
      throw new BootPanic('vtl2_ram_alloc_failed', `failed to allocate ${formatHex(required)} for vnode ${formatHex(BigInt(node))}, no memory remaining for vnode`);
    }
  }

  // Step 9. Starts are distinct (the pieces are disjoint and non-empty), so stability is moot.
  return ram.sort((a, b) => (a.range.start < b.range.start ? -1 : a.range.start > b.range.start ? 1 : 0));
}

function pushRam(ram: Vtl2RamEntry[], entry: Vtl2RamEntry): void {
  if (ram.length === MAX_VTL2_RAM_RANGES) {
    throw new BootPanic('capacity_exceeded', `capacity exceeded: more than ${MAX_VTL2_RAM_RANGES} VTL2 RAM ranges allocated`);
  }
  ram.push(entry);
}

function copyEntry(e: HostMemoryEntry): Vtl2RamEntry {
  return { range: e.range, memType: e.memType, vnode: e.vnode };
}

/** Rust's `u64::next_multiple_of` in a release build: the result wraps at 2^64. */
function ceilTo(value: bigint, alignment: bigint): bigint {
  return (((value + alignment - 1n) / alignment) * alignment) & U64_MAX;
}

function alignDown(value: bigint, alignment: bigint): bigint {
  return (value / alignment) * alignment;
}

/** Runs `f`, turning range-algebra ordering errors into the boot panics they are upstream. */
function algebraPanics<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeAlgebraError) throw asPanic(e);
    throw e;
  }
}

/** Rust's `{:#x?}` of a `MemoryRange`, as the vectors' range-bearing panics print it. */
function debugRange(r: MemoryRange): string {
  return `MemoryRange {\n    start: ${formatHex(r.start)},\n    end: ${formatHex(r.end)},\n}`;
}
