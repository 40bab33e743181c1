/**
 * Step results in the documented JSON shape (docs/scenario-format.md, "Results"): u64 values as
 * lowercase `0x` strings, types by upstream name. The types here are what `runScenario(...).steps`
 * holds, a union discriminated by `op` (and, for boots, by `path`), so a caller reading
 * `steps[i].vtl2_ram` must first prove the step was a boot that did not panic.
 */
import type { BootResult } from '../boot/boot.js';
import { e820ToJson, openhclMapToJson, type E820EntryJson, type OpenhclMapNodeJson } from '../boot/device-tree.js';
import { memoryAllocationModeToJson, type MemoryAllocationModeJson } from '../boot/inputs.js';
import type { PanicKind } from '../boot/panic.js';
import type { SidecarAction } from '../boot/sidecar.js';
import type { PersistedStateHeader } from '../format/header.js';
import type { RangeJson } from '../format/state-json.js';
import { formatHex as hex } from '../memory/range.js';
import type { MemoryRange } from '../memory/range.js';
import { igvmTypeName, vtlTypeName, type ReservedType } from '../memory/vtl-type.js';
import type { SaveStepErrorJson, SaveStepJson } from '../usermode/writer.js';

const range = (r: MemoryRange): RangeJson => ({ start: hex(r.start), end: hex(r.end) });

/** The four `OHCLPHDR` header fields (upstream `loader_defs` `src/shim.rs` `PersistedStateHeader`), as hex strings. */
export type PersistedHeaderJson = {
  /** `magic`: `0x4f48434c50484452` ("OHCLPHDR" in memory) when valid. */
  magic: string;
  /** `protobuf_base`: GPA of the payload region. */
  protobuf_base: string;
  /** `protobuf_region_len`: bytes in the payload region. */
  protobuf_region_len: string;
  /** `protobuf_payload_len`: bytes of encoded payload in the region. */
  protobuf_payload_len: string;
};

/**
 * Diagnostic cost of the persisted-payload decode on the boot shim's fixed-size bump heap. It is
 * our model of upstream's allocator, not something upstream reports, so nothing should depend on
 * its exact numbers; it is present only when a decode ran.
 */
export type BumpHeapJson = {
  /** Bytes allocated (nothing is freed). */
  bytes: number;
  /** Number of allocations. */
  allocations: number;
  /** Heap size in bytes. */
  capacity: number;
  /** True once an allocation did not fit (the boot panicked). */
  exhausted: boolean;
};

/** Keys a boot result may carry whatever its path. */
export type BootExtrasJson = {
  /** Present when the header's magic matched (the persisted path was attempted). */
  persisted_header?: PersistedHeaderJson;
  /** Present when the persisted payload was decoded (or a decode was attempted). */
  bump_heap?: BumpHeapJson;
};

/** A boot that got through, fresh from the host (`path: "host"`) or restored (`"persisted"`). */
export type BootSuccessJson = BootExtrasJson & {
  /** Narrows a step result to a boot. */
  op: 'boot';
  /** `host`: fresh boot from the host's view; `persisted`: restored from the saved state. */
  path: 'host' | 'persisted';
  /** Why this path was taken: `"no magic"`, `"valid magic"`, `"isolated (Snp): header ignored"`, … */
  reason: string;
  /** VTL2 RAM by NUMA node, from the host (fresh) or the saved map (restore). */
  vtl2_ram: {
    /** The RAM range. */
    range: RangeJson;
    /** IGVM type of the host entry, by name (a number when unnamed). */
    mem_type: string | number;
    /** NUMA node. */
    vnode: number;
  }[];
  /** The private pool: allocated (fresh) or carried over (restore). */
  pool_ranges: RangeJson[];
  /** Whether the address space holds a pool range. */
  has_vtl2_pool: boolean;
  /** MMIO given to VTL0. */
  vtl0_mmio: RangeJson[];
  /** MMIO kept for VTL2. */
  vtl2_mmio: RangeJson[];
  /** CPUs that start in the kernel rather than sidecar (the saved CPU lists' union). */
  sidecar_excluded_cpus: number[];
  /** What sidecar start-up does with that list. */
  sidecar_action: SidecarAction;
  /** Every VTL2 range of the address space, merged, in address order. */
  vtl2_ranges: {
    /** The range. */
    range: RangeJson;
    /** Its `MemoryVtlType`, by name (a number when unnamed). */
    vtl_type: string | number;
  }[];
  /** The reserved VTL2 ranges the kernel is told to leave alone. */
  memreserve: {
    /** The range. */
    range: RangeJson;
    /** What it is reserved for. */
    type: ReservedType;
  }[];
  /** The kernel's E820 map. */
  e820: E820EntryJson[];
  /** Whether the E820 map needed the extension beyond the inline table. */
  e820_ext_used: boolean;
  /** The `/openhcl` memory map usermode reads (and saves at servicing). */
  openhcl_memory_map: OpenhclMapNodeJson[];
  /** The allocation mode passed on to usermode. */
  memory_allocation_mode: MemoryAllocationModeJson;
  /** VMBus connection ids passed on to usermode. */
  vmbus_connection_ids: {
    /** VTL0's, or null without a VTL0 VMBus. */
    vtl0: number | null;
    /** VTL2's, or null without a VTL2 VMBus. */
    vtl2: number | null;
  };
};

/** A boot where the real `openhcl_boot` would panic. */
export type BootPanicJson = BootExtrasJson & {
  /** Narrows a step result to a boot. */
  op: 'boot';
  /** Narrows a boot result to a panic. */
  path: 'panic';
  /** The path the boot shim was on when it panicked. */
  attempted_path: 'host' | 'persisted';
  /** The text upstream would print (may span lines). */
  panic: string;
  /** `panic` up to its first newline. */
  panic_first_line: string;
  /** Stable code for the panic (docs/scenario-format.md, "Panic kinds"). */
  panic_kind: PanicKind;
};

/** A boot step's result: narrow on `path` to read either side. */
export type BootStepResult = BootSuccessJson | BootPanicJson;

/** A save step's result: narrow with `'error' in s`. */
export type SaveStepResult = SaveStepJson | SaveStepErrorJson;

/** A corrupt step that changed memory. */
export type CorruptAppliedJson = {
  /** Narrows a step result to a corruption. */
  op: 'corrupt';
  /** The latest boot's `persisted_state.start`, which every offset is relative to. */
  applied_at: string;
  /** The 32 bytes at `applied_at` afterwards, as lowercase hex. */
  header_hex_after: string;
};

/** A corrupt step guest memory refused (e.g. an offset past the end of the 64-bit space). */
export type CorruptErrorJson = {
  /** Narrows a step result to a corruption. */
  op: 'corrupt';
  /** Guest memory's refusal message. */
  error: string;
};

/** A corrupt step's result: narrow with `'error' in s`. */
export type CorruptStepResult = CorruptAppliedJson | CorruptErrorJson;

/** One lifecycle step's result, discriminated by `op`. */
export type StepResult = BootStepResult | SaveStepResult | CorruptStepResult;

/** The four header fields, as a boot result reports them when the magic matched. */
export function headerToJson(h: PersistedStateHeader): PersistedHeaderJson {
  return {
    magic: hex(h.magic),
    protobuf_base: hex(h.protobufBase),
    protobuf_region_len: hex(h.protobufRegionLen),
    protobuf_payload_len: hex(h.protobufPayloadLen),
  };
}

/**
 * A boot step's result object. Key order is part of the output (the CLI prints it and tests
 * compare text), so it is fixed here: the path-specific keys, then `persisted_header`, then
 * `bump_heap`.
 */
export function bootResultToJson(r: BootResult): BootStepResult {
  const extras: BootExtrasJson = {
    ...(r.persistedHeader && { persisted_header: headerToJson(r.persistedHeader) }),
    ...(r.bumpHeap && { bump_heap: { ...r.bumpHeap } }),
  };
  if (r.path === 'panic') {
    return {
      op: 'boot',
      path: 'panic',
      attempted_path: r.attemptedPath,
      panic: r.panic,
      panic_first_line: r.panic.split('\n')[0]!,
      panic_kind: r.panicKind,
      ...extras,
    };
  }
  return {
    op: 'boot',
    path: r.path,
    reason: r.reason,
    vtl2_ram: r.vtl2Ram.map((e) => ({ range: range(e.range), mem_type: igvmTypeName(e.memType) ?? e.memType, vnode: e.vnode })),
    pool_ranges: r.poolRanges.map(range),
    has_vtl2_pool: r.hasVtl2Pool,
    vtl0_mmio: r.vtl0Mmio.map(range),
    vtl2_mmio: r.vtl2Mmio.map(range),
    sidecar_excluded_cpus: r.sidecarExcludedCpus,
    sidecar_action: r.sidecarAction,
    vtl2_ranges: r.vtl2Ranges.map((e) => ({ range: range(e.range), vtl_type: vtlTypeName(e.vtlType) ?? e.vtlType })),
    memreserve: r.memreserve.map((e) => ({ range: range(e.range), type: e.type })),
    e820: e820ToJson(r.e820),
    e820_ext_used: r.e820ExtUsed,
    openhcl_memory_map: openhclMapToJson(r.openhclMemoryMap),
    memory_allocation_mode: memoryAllocationModeToJson(r.memoryAllocationMode),
    vmbus_connection_ids: r.vmbusConnectionIds,
    ...extras,
  };
}
