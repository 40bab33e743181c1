/**
 * Usermode's reading of the `/openhcl` memory map the boot shim wrote (upstream `parse_openhcl`): a
 * port of the relevant part of `bootloader_fdt_parser`. Its result (`ParsedBootDtInfo`
 * upstream) is what the writer later persists (`write_persisted_info`), so every rule that decides what gets
 * saved lives here.
 *
 * Errors are upstream `anyhow` bails; they make `read_vtl2_params` fail, so usermode never
 * starts. We surface them as {@link UsermodeParseError} with the upstream text.
 */
import { Vtl2PersistError, expectArray } from '../errors.js';
import { MemoryRange } from '../memory/range.js';
import { sortByStartInPlace } from '../memory/u64.js';
import { isRam, MemoryVtlType, vtlTypeName } from '../memory/vtl-type.js';

/**
 * One `/openhcl` `memory@` child as usermode finds it in the FDT. Properties may be missing,
 * because usermode must cope with whatever the DT holds; the boot shim's writer always sets
 * the ones its node kind needs.
 */
export interface OpenhclDtNode {
  /** Node name (`memory@…`), used in error text as upstream does. */
  name: string;
  /** `reg` as u64 cells; memory nodes need exactly two (`<start len>`). */
  reg?: readonly bigint[];
  /** `openhcl,memory-type` (u32). */
  memoryType?: number;
  /** `numa-node-id` (u32), required on memory nodes. */
  numaNodeId?: number;
  /** `microsoft,igvm-type` (u32 cell, truncated to the u16 IGVM type as upstream's `as u16`). */
  igvmType?: number;
}

/** A RAM entry of the map: a range of partition memory and what VTL2 uses it for. */
export interface OpenhclMemoryEntry {
  /** Narrows the entry to a RAM entry. */
  kind: 'memory';
  /** The node's `reg` range. */
  range: MemoryRange;
  /** `numa-node-id` of the node. */
  vnode: number;
  /** `MemoryVtlType`: VTL0 (0) or a VTL2 RAM type. */
  vtlType: number;
  /** IGVM memory-map type of the host entry (u16). */
  igvmType: number;
}

/** An MMIO entry: VTL0_MMIO (5) for `Vtl::Vtl0`, VTL2_MMIO (6) for `Vtl::Vtl2`. */
export interface OpenhclMmioEntry {
  /** Narrows the entry to an MMIO entry. */
  kind: 'mmio';
  /** The node's `reg` range. */
  range: MemoryRange;
  /** `MemoryVtlType`: VTL0_MMIO (5) or VTL2_MMIO (6). */
  vtlType: number;
}

/** One entry of usermode's `partition_memory_map`. */
export type OpenhclMapEntry = OpenhclMemoryEntry | OpenhclMmioEntry;

/** The parts of upstream `ParsedBootDtInfo` derived from `/openhcl` (`bootloader_fdt_parser` `parse_openhcl`). */
export interface ParsedOpenhclMap {
  /** Every `/openhcl` entry, stable-sorted by start (upstream `sort_by_key`). */
  partitionMemoryMap: OpenhclMapEntry[];
  /** VTL2_CONFIG ranges, in map order. */
  configRanges: MemoryRange[];
  /** The single VTL2_RESERVED range, or `MemoryRange.EMPTY` when there is none. */
  vtl2ReservedRange: MemoryRange;
  /** VTL2_GPA_POOL ranges with their vnode, in map order. */
  privatePoolRanges: {
    /** The pool range. */
    range: MemoryRange;
    /** Its NUMA node. */
    vnode: number;
  }[];
  /** The single VTL2_PERSISTED_STATE_HEADER range. */
  vtl2PersistedHeader: MemoryRange;
  /** The single VTL2_PERSISTED_STATE_PROTOBUF range (the payload region). */
  vtl2PersistedProtobufRegion: MemoryRange;
  /** VTL0 MMIO ranges, in map order. */
  vtl0Mmio: MemoryRange[];
}

/** Stable reasons a {@link UsermodeParseError} is thrown. */
export type UsermodeParseErrorCode =
  | 'missing_memory_type'
  | 'missing_reg'
  | 'invalid_reg_size'
  | 'missing_numa_node_id'
  | 'missing_igvm_type'
  | 'invalid_memory_range'
  | 'invalid_mmio_range'
  | 'invalid_mmio_vtl_usage'
  | 'multiple_reserved_ranges'
  | 'no_persisted_header'
  | 'multiple_persisted_headers'
  | 'no_persisted_protobuf_region'
  | 'multiple_persisted_protobuf_regions';

/**
 * `bootloader_fdt_parser` rejected the `/openhcl` map. `message` starts with the upstream bail
 * or context text (for example "multiple VTL2 persisted header ranges found").
 */
export class UsermodeParseError extends Vtl2PersistError {
  declare readonly code: UsermodeParseErrorCode;
  /** The DT node at fault, when one node is (missing properties, bad ranges or types). */
  readonly node: string | undefined;

  constructor(code: UsermodeParseErrorCode, message: string, node?: string) {
    super(code, message);
    this.node = node;
  }
}

const U64_LIMIT = 1n << 64n;

/** `{:?}` of the open-enum `MemoryVtlType`, as the upstream bail prints it. */
function debugVtlType(v: number): string {
  return vtlTypeName(v) ?? `MemoryVtlType(${v})`;
}

/** `MemoryRange::try_new(start..start + len)`; an end past 2^64 is as invalid as a bad range. */
function rangeFromReg(node: OpenhclDtNode, start: bigint, len: bigint, code: UsermodeParseErrorCode, context: string): MemoryRange {
  const end = start + len;
  const r = end >= U64_LIMIT ? undefined : MemoryRange.tryNew(start, end);
  if (r instanceof MemoryRange) return r;
  const why = r === undefined ? 'end overflows u64' : r.assertion;
  throw new UsermodeParseError(code, `${context}: ${why} (${node.name})`, node.name);
}

/** Upstream `parse_memory_openhcl` for one `/openhcl` `memory@` child. */
function parseNode(node: OpenhclDtNode): OpenhclMapEntry {
  if (node.memoryType === undefined) {
    throw new UsermodeParseError('missing_memory_type', `${node.name} missing openhcl,memory-type`, node.name);
  }
  const vtlUsage = node.memoryType;
  const reg = node.reg;
  if (isRam(vtlUsage)) {
    // `parse_memory`: reg must be exactly <start len>; then the NUMA node; then the IGVM type.
    if (reg === undefined) throw new UsermodeParseError('missing_reg', `${node.name} missing reg`, node.name);
    if (reg.length !== 2) throw new UsermodeParseError('invalid_reg_size', `${node.name} invalid reg size`, node.name);
    if (node.numaNodeId === undefined) {
      throw new UsermodeParseError('missing_numa_node_id', `${node.name} missing numa-node-id`, node.name);
    }
    const range = rangeFromReg(node, reg[0] as bigint, reg[1] as bigint, 'invalid_memory_range', 'invalid memory range');
    if (node.igvmType === undefined) {
      throw new UsermodeParseError('missing_igvm_type', `${node.name} missing microsoft,igvm-type`, node.name);
    }
    return { kind: 'memory', range, vnode: node.numaNodeId, vtlType: vtlUsage, igvmType: node.igvmType & 0xffff };
  }
  // Not RAM: an MMIO node. Upstream reads two cells without a size check, then the type.
  if (reg === undefined || reg.length < 2) {
    throw new UsermodeParseError('missing_reg', `${node.name} missing reg`, node.name);
  }
  const range = rangeFromReg(node, reg[0] as bigint, reg[1] as bigint, 'invalid_mmio_range', 'invalid mmio range');
  if (vtlUsage !== MemoryVtlType.VTL0_MMIO && vtlUsage !== MemoryVtlType.VTL2_MMIO) {
    throw new UsermodeParseError(
      'invalid_mmio_vtl_usage',
      `invalid vtl_usage ${debugVtlType(vtlUsage)} type for mmio node`,
      node.name,
    );
  }
  return { kind: 'mmio', range, vtlType: vtlUsage };
}

/**
 * The single range of one type, by upstream's iterator idiom: the first match, then an error
 * if a second exists. `missing` is the error when none exists; undefined means "EMPTY".
 */
function single(
  found: { first: MemoryRange | undefined; count: number },
  missing: [UsermodeParseErrorCode, string] | undefined,
  multiple: [UsermodeParseErrorCode, string],
): MemoryRange {
  if (found.first === undefined) {
    if (missing === undefined) return MemoryRange.EMPTY;
    throw new UsermodeParseError(missing[0], missing[1]);
  }
  if (found.count > 1) throw new UsermodeParseError(multiple[0], multiple[1]);
  return found.first;
}

/**
 * Upstream `bootloader_fdt_parser` for the `/openhcl` `memory@` children (`parse_openhcl`, `parse_memory_openhcl`).
 *
 * Each node is parsed in DT order (so the first bad node reports), the map is stable-sorted by
 * start, and the derived fields are computed in upstream's order: config ranges, reserved
 * range, pool ranges, persisted header, persisted protobuf region, VTL0 MMIO.
 *
 * Splitting matters here: the boot shim splits a VTL2 range at every host-entry boundary
 * (`write_dt`'s `walk_ranges`), so a header or payload range straddling two host entries arrives as two nodes
 * and is rejected with a "multiple …" error.
 *
 * @throws {UsermodeParseError} with the upstream text: "invalid vtl_usage … type for mmio node",
 *   "multiple VTL2 reserved ranges found", "no VTL2 persisted header range found", "multiple
 *   VTL2 persisted header ranges found", "no VTL2 persisted protobuf region range found",
 *   "multiple VTL2 persisted protobuf region ranges found", or a missing/invalid property.
 */
export function parseOpenhclMap(nodes: readonly OpenhclDtNode[]): ParsedOpenhclMap {
  expectArray(nodes, 'parseOpenhclMap(nodes)');
  const parsed = nodes.map(parseNode);
  // Stable, as Rust's `sort_by_key` is.
  const map = sortByStartInPlace(parsed, (e) => e.range.start);

  // Every derived field in one pass over the map (each used to be a filter of its own); the
  // errors are then raised in upstream's order: reserved, header, protobuf region.
  const configRanges: MemoryRange[] = [];
  const privatePoolRanges: { range: MemoryRange; vnode: number }[] = [];
  const vtl0Mmio: MemoryRange[] = [];
  const reserved = { first: undefined as MemoryRange | undefined, count: 0 };
  const header = { first: undefined as MemoryRange | undefined, count: 0 };
  const protobuf = { first: undefined as MemoryRange | undefined, count: 0 };
  const note = (found: { first: MemoryRange | undefined; count: number }, range: MemoryRange): void => {
    if (found.count++ === 0) found.first = range;
  };
  for (const e of map) {
    if (e.kind === 'mmio') {
      if (e.vtlType === MemoryVtlType.VTL0_MMIO) vtl0Mmio.push(e.range);
      continue;
    }
    switch (e.vtlType) {
      case MemoryVtlType.VTL2_CONFIG:
        configRanges.push(e.range);
        break;
      case MemoryVtlType.VTL2_RESERVED:
        note(reserved, e.range);
        break;
      case MemoryVtlType.VTL2_GPA_POOL:
        privatePoolRanges.push({ range: e.range, vnode: e.vnode });
        break;
      case MemoryVtlType.VTL2_PERSISTED_STATE_HEADER:
        note(header, e.range);
        break;
      case MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF:
        note(protobuf, e.range);
        break;
    }
  }
  const vtl2ReservedRange = single(reserved, undefined, ['multiple_reserved_ranges', 'multiple VTL2 reserved ranges found']);
  const vtl2PersistedHeader = single(
    header,
    ['no_persisted_header', 'no VTL2 persisted header range found'],
    ['multiple_persisted_headers', 'multiple VTL2 persisted header ranges found'],
  );
  const vtl2PersistedProtobufRegion = single(
    protobuf,
    ['no_persisted_protobuf_region', 'no VTL2 persisted protobuf region range found'],
    ['multiple_persisted_protobuf_regions', 'multiple VTL2 persisted protobuf region ranges found'],
  );

  return {
    partitionMemoryMap: map,
    configRanges,
    vtl2ReservedRange,
    privatePoolRanges,
    vtl2PersistedHeader,
    vtl2PersistedProtobufRegion,
    vtl0Mmio,
  };
}
