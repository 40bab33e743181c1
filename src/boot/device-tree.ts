/**
 * What `openhcl_boot` tells the kernel and usermode about memory: the x86 E820 map (upstream
 * `main.rs` `build_e820_map`) and the `/openhcl` unified memory map (`dt.rs` `write_dt`), plus
 * their scenario-format JSON forms (docs/scenario-format.md#boot-results: `e820`,
 * `e820_ext_used` and `openhcl_memory_map`).
 *
 * These are pure functions of the topology the boot shim already computed; they never read
 * guest memory. Where upstream panics, they throw {@link BootPanic} with the upstream text, so
 * the boot entry point can report it like any other boot-shim panic.
 */
import type { RangeJson } from '../format/state-json.js';
import { formatHex, type MemoryRange } from '../memory/range.js';
import { sortByStartInPlace } from '../memory/u64.js';
import { RangeAlgebraError } from '../memory/range-algebra.js';
import { forEachPiece } from '../memory/range-walk.js';
import { igvmTypeName, MemoryVtlType, vtlTypeName } from '../memory/vtl-type.js';
import { BootPanic } from './panic.js';
import { ValueMemo, type KeyPart } from './value-memo.js';
import type { HostMemoryEntry } from './types.js';

/**
 * One item of the address-space manager's merged `vtl2_ranges()` view (upstream `memory.rs`): a
 * range and the `MemoryVtlType` it is reported as.
 */
export interface Vtl2RangeEntry {
  /** The range. */
  range: MemoryRange;
  /** `MemoryVtlType` value (u32 open enum). */
  vtlType: number;
}

/** The two E820 types the boot shim ever emits (Linux `E820_RAM` = 1, `E820_RESERVED` = 2). */
export type E820Type = 'E820_RAM' | 'E820_RESERVED';

/** One E820 entry as `boot_params.e820_map` / `SETUP_E820_EXT` hold it. */
export interface E820Entry {
  /** Start GPA (u64). */
  addr: bigint;
  /** Length in bytes (u64). */
  size: bigint;
  /** RAM the kernel may use, or reserved. */
  type: E820Type;
}

/** The E820 map handed to the x86 kernel (upstream `build_e820_map`). */
export interface E820Map {
  /**
   * Every entry in emission order. The first {@link E820_INLINE_CAPACITY} are in
   * `boot_params.e820_map`; the rest are in the `SETUP_E820_EXT` setup_data.
   */
  entries: E820Entry[];
  /** True iff more than {@link E820_INLINE_CAPACITY} entries exist, so the extension is chained. */
  extUsed: boolean;
}

/** `boot_params.e820_map` slots (its count, `e820_entries`, is a u8; the array holds 128). */
export const E820_INLINE_CAPACITY = 128;
/** Slots in the boot shim's `SETUP_E820_EXT` setup_data (20-byte packed entries). */
export const E820_EXT_CAPACITY = 512;
/** Total entries the boot shim can describe; one more panics (upstream `build_e820_map`: "building e820 map must succeed"). */
export const E820_MAX_ENTRIES = E820_INLINE_CAPACITY + E820_EXT_CAPACITY;

/** VTL2 types reported to the kernel as `E820_RESERVED`: every VTL2 RAM type except VTL2_RAM. */
const E820_RESERVED_TYPES: ReadonlySet<number> = new Set([
  MemoryVtlType.VTL2_CONFIG,
  MemoryVtlType.VTL2_SIDECAR_IMAGE,
  MemoryVtlType.VTL2_SIDECAR_NODE,
  MemoryVtlType.VTL2_RESERVED,
  MemoryVtlType.VTL2_GPA_POOL,
  MemoryVtlType.VTL2_TDX_PAGE_TABLES,
  MemoryVtlType.VTL2_BOOTSHIM_LOG_BUFFER,
  MemoryVtlType.VTL2_PERSISTED_STATE_HEADER,
  MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF,
]);

/**
 * Rust's `{:?}` of an open-enum `MemoryVtlType`: the name when it has one, else the tuple form.
 * Only used inside panic text, whose values scenario-format.md allows to be formatted freely.
 */
function debugVtlType(v: number): string {
  return vtlTypeName(v) ?? `MemoryVtlType(${v})`;
}

/** Rust's `{:#x?}` of a `MemoryRange`, as the vectors' other range-bearing panics print it. */
function debugRange(r: MemoryRange): string {
  return `MemoryRange {\n    start: ${formatHex(r.start)},\n    end: ${formatHex(r.end)},\n}`;
}

/**
 * Upstream `build_e820_map`: one entry per `vtl2_ranges()` item, in order.
 * VTL2_RAM becomes `E820_RAM`; the other VTL2 RAM types become `E820_RESERVED`. Entries are NOT
 * merged: adjacent reserved ranges of different VTL types (header and payload, say) stay two
 * entries, because the merged view only merges equal types.
 *
 * Checks run in upstream's per-entry order, so a bad type early in the list panics before an
 * overflow and an overflow at entry 641 panics before a bad type later on.
 *
 * @throws {BootPanic} "unexpected vtl2 ram type …" for a type that is not a VTL2 RAM type (VTL0,
 *   the MMIO types, unknown values). Upstream's text is not in the vectors; ours is the
 *   fixed prefix of its `panic!` in `build_e820_map`. The scenario kind table has no row for it, so it carries
 *   `e820_overflow`, the kind of the only other `build_e820_map` failure. The address-space
 *   manager never produces such a type, so a boot cannot reach this.
 * @throws {BootPanic} `e820_overflow` "building e820 map must succeed: OutOfE820Entries" when
 *   more than {@link E820_MAX_ENTRIES} entries are needed (upstream's `.expect` on the builder's
 *   error).
 */
export function buildE820(vtl2Ranges: readonly Vtl2RangeEntry[]): E820Map {
  const entries: E820Entry[] = [];
  for (const { range, vtlType } of vtl2Ranges) {
    let type: E820Type;
    if (vtlType === MemoryVtlType.VTL2_RAM) type = 'E820_RAM';
    else if (E820_RESERVED_TYPES.has(vtlType)) type = 'E820_RESERVED';
    else {
      throw new BootPanic('e820_overflow', `unexpected vtl2 ram type ${debugVtlType(vtlType)} for range ${debugRange(range)}`);
    }
    if (entries.length === E820_MAX_ENTRIES) {
      throw new BootPanic('e820_overflow', 'building e820 map must succeed: OutOfE820Entries');
    }
    entries.push({ addr: range.start, size: range.len, type });
  }
  return { entries, extUsed: entries.length > E820_INLINE_CAPACITY };
}

/** Scenario-format JSON of one E820 entry: u64 values as lowercase `"0x…"` strings. */
export interface E820EntryJson {
  /** Start GPA, hex. */
  addr: string;
  /** Length in bytes, hex. */
  size: string;
  /** `E820_RAM` or `E820_RESERVED`. */
  type: E820Type;
}

/**
 * The scenario-format `e820` list of a boot step. Takes the entries (not the whole map)
 * because the step's other key, `e820_ext_used`, is just {@link E820Map.extUsed}.
 */
export function e820ToJson(entries: readonly E820Entry[]): E820EntryJson[] {
  return entries.map((e) => ({ addr: formatHex(e.addr), size: formatHex(e.size), type: e.type }));
}

/**
 * One `/openhcl` `memory@` node (upstream `write_dt`). Memory nodes describe partition RAM and
 * what VTL2 uses it for; MMIO nodes carry only a range and VTL0_MMIO (5) or VTL2_MMIO (6).
 */
export type OpenhclMapNode =
  | {
      /** A `memory@` node under `/openhcl`. */
      kind: 'memory';
      /** The node's `reg` range. */
      range: MemoryRange;
      /** `openhcl,memory-type`: VTL0 (0) for RAM VTL2 does not use, else the VTL2 type. */
      vtlType: number;
      /** `numa-node-id`, always the HOST entry's vnode. */
      vnode: number;
      /** `microsoft,igvm-type`, always the HOST entry's type. */
      igvmType: number;
    }
  | {
      /** An MMIO node under `/openhcl`. */
      kind: 'mmio';
      /** The node's `reg` range. */
      range: MemoryRange;
      /** `openhcl,memory-type`: VTL0_MMIO (5) or VTL2_MMIO (6). */
      vtlType: number;
    };

/**
 * Upstream's `/openhcl` map (`write_dt` in `dt.rs`): `walk_ranges(partition_ram, vtl2_ranges())`,
 * then one node per VTL0 MMIO range (type 5) and per VTL2 MMIO range (type 6), in DT order.
 *
 * - Left (host RAM VTL2 does not use) → a memory node of type VTL0 (0);
 * - Both → a memory node of the VTL2 type, but with the HOST entry's igvm type and vnode, so
 *   nodes split at both host-entry and VTL2-type boundaries;
 * - Right (VTL2 memory outside every host entry) → panic;
 * - Neither → nothing.
 *
 * `partitionRam` is the host memory entries as parsed, unmerged. Upstream's host-DT parser
 * already sorts them; we stable-sort a copy by start as well, which changes nothing for sorted
 * input and keeps this function a complete description of the rule.
 *
 * @throws {BootPanic} `vtl2_range_outside` "vtl2 range … not contained in partition ram" for a
 *   Right piece (the vectors never hit it, so the text is upstream's `panic!` in `write_dt`; the range is printed
 *   like the vectors' other range-bearing panics).
 * @throws {BootPanic} `walk_left_not_sorted` / `walk_right_not_sorted` with upstream's walk text
 *   if host entries overlap or `vtl2Ranges` is unsorted.
 */
export function buildOpenhclMemoryMap(
  partitionRam: readonly HostMemoryEntry[],
  vtl2Ranges: readonly Vtl2RangeEntry[],
  vtl0Mmio: readonly MemoryRange[],
  vtl2Mmio: readonly MemoryRange[],
): OpenhclMapNode[] {
  // The memory nodes are a pure function of the values below, the same for every boot of a
  // VM whose topology is restored unchanged; the nodes are copied out (callers own them).
  const key: KeyPart[] = [partitionRam.length];
  for (const e of partitionRam) key.push(e.range.start, e.range.end, e.memType, e.vnode);
  for (const r of vtl2Ranges) key.push(r.range.start, r.range.end, r.vtlType);
  let memoryNodes = MAP_MEMO.get(key);
  if (memoryNodes === undefined) {
    memoryNodes = walkOpenhclMemory(partitionRam, vtl2Ranges);
    MAP_MEMO.set(key, memoryNodes);
  }
  const nodes: OpenhclMapNode[] = memoryNodes.map((n) => ({ kind: 'memory', range: n.range, vtlType: n.vtlType, vnode: n.vnode, igvmType: n.igvmType }));
  for (const range of vtl0Mmio) nodes.push({ kind: 'mmio', range, vtlType: MemoryVtlType.VTL0_MMIO });
  for (const range of vtl2Mmio) nodes.push({ kind: 'mmio', range, vtlType: MemoryVtlType.VTL2_MMIO });
  return nodes;
}

/** A memory node of the `/openhcl` map. */
type OpenhclMemoryNode = Extract<OpenhclMapNode, { kind: 'memory' }>;

/** Recent memory-node lists of {@link buildOpenhclMemoryMap} (never handed out: copied). */
const MAP_MEMO = new ValueMemo<readonly OpenhclMemoryNode[]>(4);

/** The memory nodes of {@link buildOpenhclMemoryMap}: the walk of host RAM against the VTL2 ranges. */
function walkOpenhclMemory(partitionRam: readonly HostMemoryEntry[], vtl2Ranges: readonly Vtl2RangeEntry[]): OpenhclMemoryNode[] {
  const host = stableSortByStart(partitionRam, (e) => e.range);
  const nodes: OpenhclMemoryNode[] = [];
  try {
    // forEachPiece reports no `neither` pieces: host RAM gaps with no VTL2 range make no node.
    forEachPiece(
      host.map((e) => [e.range, e] as const),
      vtl2Ranges.map((r) => [r.range, r.vtlType] as const),
      (kind, range, entry, vtlType) => {
        if (kind === 'right') throw new BootPanic('vtl2_range_outside', `vtl2 range ${debugRange(range)} not contained in partition ram`);
        const e = entry as HostMemoryEntry;
        nodes.push({ kind: 'memory', range, vtlType: kind === 'left' ? MemoryVtlType.VTL0 : (vtlType as number), vnode: e.vnode, igvmType: e.memType });
      },
    );
  } catch (err) {
    // The walk's ordering assertions are boot-shim panics too; re-raise them as such.
    if (err instanceof RangeAlgebraError && (err.code === 'walk_left_not_sorted' || err.code === 'walk_right_not_sorted')) {
      throw new BootPanic(err.code, err.assertion);
    }
    throw err;
  }
  return nodes;
}

/** A stable sort by range start (Array.prototype.sort is stable since ES2019), on a copy. */
function stableSortByStart<T>(items: readonly T[], rangeOf: (item: T) => MemoryRange): T[] {
  return sortByStartInPlace(items.slice(), (item) => rangeOf(item).start);
}

/** Scenario-format JSON of one `/openhcl` node: types by upstream name, numbers when unnamed. */
export type OpenhclMapNodeJson =
  | {
      /** The node's range. */
      range: RangeJson;
      /** `openhcl,memory-type` by `MemoryVtlType` name, or the number when unnamed. */
      vtl_type: string | number;
      /** `numa-node-id`. */
      vnode: number;
      /** `microsoft,igvm-type` by IGVM name, or the number when unnamed. */
      igvm_type: string | number;
    }
  | {
      /** The MMIO node's range. */
      range: RangeJson;
      /** `VTL0_MMIO` or `VTL2_MMIO` (or the number when unnamed). */
      vtl_type: string | number;
    };

/**
 * The scenario-format `openhcl_memory_map` (what usermode's parser ends up with): the nodes
 * STABLE-sorted by start, memory nodes as `{range, vtl_type, vnode, igvm_type}` and MMIO nodes
 * as `{range, vtl_type}`. The sort is stable because usermode uses `sort_by_key`, so nodes with
 * equal starts (an empty MMIO range, say) keep DT order.
 */
export function openhclMapToJson(nodes: readonly OpenhclMapNode[]): OpenhclMapNodeJson[] {
  return stableSortByStart(nodes, (n) => n.range).map((n) => {
    const range = { start: formatHex(n.range.start), end: formatHex(n.range.end) };
    const vtl_type = vtlTypeName(n.vtlType) ?? n.vtlType;
    return n.kind === 'memory'
      ? { range, vtl_type, vnode: n.vnode, igvm_type: igvmTypeName(n.igvmType) ?? n.igvmType }
      : { range, vtl_type };
  });
}

/**
 * The `/openhcl` `memory@` node as written into the FDT: the properties usermode's parser reads
 * (upstream `write_dt`, and `bootloader_fdt_parser`'s `parse_memory_openhcl`). Memory nodes carry `reg`, `numa-node-id`, `microsoft,igvm-type` and
 * `openhcl,memory-type`; MMIO nodes only `reg` and `openhcl,memory-type`.
 *
 * Structurally assignable to usermode's `OpenhclDtNode`, so the two sides meet only through
 * this shape, as they meet only through the FDT upstream.
 */
export interface OpenhclFdtNode {
  /** Node name, `memory@{start:x}` (lowercase hex, no `0x`). */
  name: string;
  /** `reg`: `<start len>` as two u64 cells. */
  reg: [bigint, bigint];
  /** `openhcl,memory-type`. */
  memoryType: number;
  /** `numa-node-id` (memory nodes only). */
  numaNodeId?: number;
  /** `microsoft,igvm-type` (memory nodes only; written as a u32 cell). */
  igvmType?: number;
}

/** The FDT `/openhcl` `memory@` children for `nodes`, in DT order (not sorted). */
export function openhclMapToFdtNodes(nodes: readonly OpenhclMapNode[]): OpenhclFdtNode[] {
  // Literal objects, not `{ ...base, … }`: V8 clones spread objects slowly, and this runs on every save.
  return nodes.map((n): OpenhclFdtNode => {
    const name = `memory@${n.range.start.toString(16)}`;
    const reg: [bigint, bigint] = [n.range.start, n.range.len];
    return n.kind === 'memory'
      ? { name, reg, memoryType: n.vtlType, numaNodeId: n.vnode, igvmType: n.igvmType }
      : { name, reg, memoryType: n.vtlType };
  });
}

/** A root `memory@{start:x}` node of the FDT handed to the kernel (upstream `write_dt`). */
export interface RootMemoryNode {
  /** The node name, `memory@` and the start in lowercase hex without `0x`. */
  name: string;
  /** `reg = <start len>` as two u64 cells. */
  reg: [bigint, bigint];
  /** `numa-node-id`: the RAM entry's vnode. */
  numaNodeId: number;
}

/**
 * One root `memory@` node (device_type "memory") per VTL2 RAM entry of the
 * topology: unmerged on the fresh path, merged on restore, so the list can
 * differ between the two while the `/openhcl` map does not (restore merges the saved RAM).
 */
export function buildRootMemoryNodes(vtl2Ram: readonly { range: MemoryRange; vnode: number }[]): RootMemoryNode[] {
  return vtl2Ram.map((e) => ({ name: `memory@${e.range.start.toString(16)}`, reg: [e.range.start, e.range.len], numaNodeId: e.vnode }));
}
