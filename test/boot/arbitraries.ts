/**
 * fast-check arbitraries of VALID boot inputs: x86 images laid out the way the IGVM loader lays
 * them out (upstream `vm/loader/src/paravisor.rs` `load_openhcl_x64`), hosts the way a host describes them (Host and Vtl2 allocation
 * modes, 1–4 NUMA nodes, VMBus MMIO), and boot command lines (`openhcl_boot` `cmdline.rs`).
 *
 * Every arbitrary is a `fc.record` of plain integers/constants followed by a pure `.map` that
 * builds the inputs. The builders clamp or derive every dependent quantity (the image's memory
 * size grows to hold its content, a Host-mode VTL2_PROTECTABLE entry is placed around the
 * image, `mmio_size` is a fraction of the VTL0 high range, ...), so ANY combination of the
 * underlying values — in particular every shrink — still yields valid inputs.
 *
 * Validity here means what a real loader and host would produce:
 * - VTL2 memory at a 2 MiB-aligned base (128 MiB + k·2 MiB) with a 2 MiB-multiple size
 *   (32–256 MiB) that holds `used`;
 * - all host memory boundaries 2 MiB-aligned, entries sorted and non-overlapping, vnodes
 *   contiguous from 0, nodes' RAM contiguous (node 0 owns low memory and the first span above
 *   4 GiB, node i the i-th span after it);
 * - Host mode: the image inside one VTL2_PROTECTABLE entry of node 0, optionally one more
 *   VTL2_PROTECTABLE entry per node in its high span, never two adjacent same-vnode ones
 *   (the Host-mode restore cross-check compares them with the merged saved RAM and panics,
 *   scenario D);
 * - Vtl2 mode: only MEMORY entries; `memory_size` null or at least the image size; every node
 *   has ≥ 1 GiB, far more than its share;
 * - VMBus VTL0 MMIO: one range below 4 GiB and one above, large enough that the Vtl2-mode
 *   carve-out (`topology_from_host_dt`) leaves two ranges; VTL2 MMIO one range (Host mode) or none/one (Vtl2 mode).
 */
import fc from 'fast-check';
import type { CmdlineOptions, GpaPoolConfig, HostDt, HostMemoryEntry, Isolation, ShimParams } from '../../src/boot/types.js';
import { MemoryRange } from '../../src/memory/range.js';
import { IgvmMemoryType } from '../../src/memory/vtl-type.js';

export const PAGE = 0x1000n;
export const MIB = 1n << 20n;
export const GIB = 1n << 30n;
const TWO_MIB = 2n * MIB;

const alignUp = (v: bigint, a: bigint): bigint => ((v + a - 1n) / a) * a;
const pages = (n: number): bigint => BigInt(n) * PAGE;

// ---------------------------------------------------------------------------------------------
// Image (ShimParams)
// ---------------------------------------------------------------------------------------------

/** The loader's choices for one x86 IGVM image (`load_openhcl_x64`), before layout. */
export interface ImageSpec {
  /** VTL2 base = 128 MiB + baseSlot · 2 MiB. */
  baseSlot: number;
  /** Requested VTL2 memory size in 2 MiB units (16..128 = 32..256 MiB); grown to hold `used`. */
  sizeUnits: number;
  kernelPages: number;
  /** 0 = no sidecar. */
  sidecarPages: number;
  shimPages: number;
  initrdPages: number;
  /** Page tables = 5 + 2·pdeCount pages. */
  pdeCount: number;
}

/** Layout constants of `load_openhcl_x64` at 1488a37b7 (page counts from `loader_defs` `paravisor.rs`). */
export const RESERVED_REGION_PAGES = 4;
export const PARAMETER_REGION_PAGES = 362;
export const DT_PAGE_INDEX = 40;
export const DT_SIZE_PAGES = 64;
export const LOG_BUFFER_PAGES = 2;
export const HEAP_PAGES = 16;
export const PERSISTED_REGION_SIZE = TWO_MIB;
export const VTL2_BASE_DEFAULT = 128n * MIB;

export const imageSpecArb: fc.Arbitrary<ImageSpec> = fc.record({
  baseSlot: fc.integer({ min: 0, max: 960 }),
  sizeUnits: fc.integer({ min: 16, max: 128 }),
  kernelPages: fc.integer({ min: 256, max: 6144 }),
  sidecarPages: fc.oneof(fc.constant(0), fc.integer({ min: 64, max: 1024 })),
  shimPages: fc.integer({ min: 16, max: 256 }),
  initrdPages: fc.integer({ min: 0, max: 4096 }),
  pdeCount: fc.integer({ min: 1, max: 4 }),
});

/**
 * Lays out an image as the IGVM loader does on x86_64 (`load_openhcl_x64`): persisted region
 * (2 MiB), kernel, sidecar (2 MiB-aligned start, if any), shim, initrd, GDT, boot params,
 * command line, reserved region (4 pages), parameter region (362 pages), log buffer (2 pages),
 * heap (16 pages), page tables. `used` = `[memory_start, end of page tables)`; the memory size
 * is the requested one, grown to the next 2 MiB multiple that holds `used` if needed.
 */
export function buildShimParams(spec: ImageSpec, isolation: Isolation = 'None'): ShimParams {
  const memoryStart = VTL2_BASE_DEFAULT + BigInt(spec.baseSlot) * TWO_MIB;
  let off = PERSISTED_REGION_SIZE;
  off += pages(spec.kernelPages);
  let sidecar = { base: memoryStart + off, size: 0n };
  if (spec.sidecarPages > 0) {
    const base = alignUp(off, TWO_MIB);
    sidecar = { base: memoryStart + base, size: pages(spec.sidecarPages) };
    off = base + sidecar.size;
  }
  off += pages(spec.shimPages);
  off += pages(spec.initrdPages);
  off += pages(3); // GDT, boot params / ShimParamsRaw, command line
  const reserved = { start: memoryStart + off, size: pages(RESERVED_REGION_PAGES) };
  off += reserved.size;
  const parameterRegion = {
    start: memoryStart + off,
    size: pages(PARAMETER_REGION_PAGES),
    dtPageIndex: DT_PAGE_INDEX,
    dtSizePages: DT_SIZE_PAGES,
  };
  off += parameterRegion.size;
  const logBuffer = MemoryRange.withLen(memoryStart + off, pages(LOG_BUFFER_PAGES));
  off += pages(LOG_BUFFER_PAGES);
  const heap = MemoryRange.withLen(memoryStart + off, pages(HEAP_PAGES));
  off += pages(HEAP_PAGES);
  off += pages(5 + 2 * spec.pdeCount); // page tables
  const requested = BigInt(spec.sizeUnits) * TWO_MIB;
  const memorySize = requested >= off ? requested : alignUp(off, TWO_MIB);
  return {
    isolation,
    memoryStart,
    memorySize,
    persistedState: MemoryRange.withLen(memoryStart, PERSISTED_REGION_SIZE),
    used: new MemoryRange(memoryStart, memoryStart + off),
    parameterRegion,
    vtl2ReservedRegion: reserved,
    sidecar,
    logBuffer,
    heap,
    importedRegions: [],
  };
}

/** Valid non-isolated images. */
export const shimParamsArb: fc.Arbitrary<ShimParams> = imageSpecArb.map((s) => buildShimParams(s));

// ---------------------------------------------------------------------------------------------
// Host
// ---------------------------------------------------------------------------------------------

/** Where an extra VTL2_PROTECTABLE entry sits inside a node's high span. */
export type ProtPosition = 'start' | 'middle' | 'end';

/** A host's choices, independent of the image (the builder places them around it). */
export interface HostSpec {
  nodeCount: number;
  mode: 'Host' | 'Vtl2';
  /** End of node 0's RAM below 4 GiB. */
  lowTop: bigint;
  /** Size of each node's span above 4 GiB, in GiB (length 4; only the first nodeCount used). */
  highGib: number[];
  /** Optional gap before each node's span above node 0's, in GiB. */
  gapGib: number[];
  /** Host mode: 2 MiB units of VTL2_PROTECTABLE memory before / after the image. */
  protBeforeUnits: number;
  protAfterUnits: number;
  /** Host mode: extra VTL2_PROTECTABLE entry per node in its high span (units of 2 MiB; 0 = none). */
  extraProtUnits: number[];
  extraProtPos: ProtPosition[];
  /** Split low VTL0 memory once more at this 2 MiB slot below the image (0 = no split). */
  lowSplitSlot: number;
  /** Vtl2 mode: split the host entry at the image start. */
  splitAtImageStart: boolean;
  /**
   * Vtl2 mode: split the host entry at a 2 MiB boundary inside the image's free tail
   * `[alignUp(used.end, 2 MiB), file end)`, as fraction /8 of that tail (0 = no split).
   */
  tailSplitEighths: number;
  /** Vtl2 mode: `memory_size` = null, or image size + extra · 2 MiB. */
  vtl2MemoryExtraUnits: number | null;
  /** Vtl2 mode: `mmio_size` = null, or (VTL0 high range length) · k / 8. */
  mmioSizeEighths: number | null;
  /** Vtl2 mode: give the VTL2 VMBus a host MMIO range (else VTL2 carves one). */
  vtl2MmioInVtl2Mode: boolean;
  vtl0LowStart: bigint;
  vtl0HighStart: bigint;
  vtl0HighLen: bigint;
  vtl2MmioLen: bigint;
  cpuCount: number;
  deviceDmaPageCount: bigint | null;
}

const quad = <T>(a: fc.Arbitrary<T>) => fc.tuple(a, a, a, a).map((t) => [...t]);

export const hostSpecArb: fc.Arbitrary<HostSpec> = fc.record({
  nodeCount: fc.integer({ min: 1, max: 4 }),
  mode: fc.constantFrom<'Host' | 'Vtl2'>('Host', 'Vtl2'),
  lowTop: fc.constantFrom(0xc000_0000n, 0xa000_0000n),
  highGib: quad(fc.integer({ min: 1, max: 8 })),
  gapGib: quad(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 }))),
  protBeforeUnits: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
  protAfterUnits: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
  extraProtUnits: quad(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 64 }))),
  extraProtPos: quad(fc.constantFrom<ProtPosition>('start', 'middle', 'end')),
  lowSplitSlot: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 63 })),
  splitAtImageStart: fc.boolean(),
  tailSplitEighths: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })),
  vtl2MemoryExtraUnits: fc.option(fc.integer({ min: 0, max: 128 })),
  mmioSizeEighths: fc.option(fc.integer({ min: 1, max: 4 })),
  vtl2MmioInVtl2Mode: fc.boolean(),
  vtl0LowStart: fc.constantFrom(0xf800_0000n, 0xe000_0000n),
  vtl0HighStart: fc.constantFrom(0xf_c000_0000n, 0x10_0000_0000n, 0x20_0000_0000n),
  vtl0HighLen: fc.constantFrom(256n * MIB, 512n * MIB, GIB, 4n * GIB, 64n * GIB),
  vtl2MmioLen: fc.constantFrom(256n * MIB, 512n * MIB),
  cpuCount: fc.integer({ min: 1, max: 64 }),
  deviceDmaPageCount: fc.option(fc.bigInt({ min: 0n, max: 1024n })),
});

const FOUR_GIB = 4n * GIB;
const VTL0_MMIO_LOW_END = 0xfc00_0000n;
const VTL2_MMIO_START = 0xf8_0000_0000n;

function mem(start: bigint, end: bigint, memType: number, vnode: number): HostMemoryEntry {
  return { range: new MemoryRange(start, end), memType, vnode };
}

/** Splits `[start, end)` of one type/vnode at the given (sorted, in-range) points; empty pieces dropped. */
function splitEntries(start: bigint, end: bigint, at: bigint[], memType: number, vnode: number): HostMemoryEntry[] {
  const points = [start, ...at.filter((p) => p > start && p < end).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), end];
  const out: HostMemoryEntry[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const s = points[i]!;
    const e = points[i + 1]!;
    if (e > s) out.push(mem(s, e, memType, vnode));
  }
  return out;
}

/**
 * Builds the host for `shim` (what `topology_from_host_dt` reads): memory map, allocation mode, VMBus MMIO,
 * CPU count and DMA hint.
 */
export function buildHostDt(shim: ShimParams, s: HostSpec): HostDt {
  const ms = shim.memoryStart;
  const fileEnd = ms + shim.memorySize;
  const memory: HostMemoryEntry[] = [];
  const { MEMORY, VTL2_PROTECTABLE } = IgvmMemoryType;
  const lowSplit = s.lowSplitSlot === 0 ? [] : [BigInt(s.lowSplitSlot) * TWO_MIB];

  // Low memory (node 0), [0, lowTop).
  if (s.mode === 'Host') {
    const protStart = ms - BigInt(s.protBeforeUnits) * TWO_MIB;
    const protEnd = fileEnd + BigInt(s.protAfterUnits) * TWO_MIB;
    memory.push(...splitEntries(0n, protStart, lowSplit, MEMORY, 0));
    memory.push(mem(protStart, protEnd, VTL2_PROTECTABLE, 0));
    memory.push(mem(protEnd, s.lowTop, MEMORY, 0));
  } else {
    const at = [...lowSplit];
    if (s.splitAtImageStart) at.push(ms);
    if (s.tailSplitEighths !== 0) {
      const tailStart = alignUp(shim.used.end, TWO_MIB);
      const units = (fileEnd - tailStart) / TWO_MIB;
      const p = tailStart + ((units * BigInt(s.tailSplitEighths)) / 8n) * TWO_MIB;
      if (p > tailStart && p < fileEnd) at.push(p);
    }
    memory.push(...splitEntries(0n, s.lowTop, at, MEMORY, 0));
  }

  // One span per node above 4 GiB.
  let cursor = FOUR_GIB;
  for (let node = 0; node < s.nodeCount; node++) {
    if (node > 0) cursor += BigInt(s.gapGib[node] ?? 0) * GIB;
    const start = cursor;
    const end = start + BigInt(s.highGib[node] ?? 1) * GIB;
    cursor = end;
    const extra = BigInt(s.extraProtUnits[node] ?? 0) * TWO_MIB;
    if (s.mode === 'Host' && extra > 0n) {
      const pos = s.extraProtPos[node] ?? 'end';
      const ps = pos === 'start' ? start : pos === 'end' ? end - extra : alignUp(start + (end - start) / 2n, TWO_MIB);
      memory.push(...splitEntries(start, ps, [], MEMORY, node));
      memory.push(mem(ps, ps + extra, VTL2_PROTECTABLE, node));
      memory.push(...splitEntries(ps + extra, end, [], MEMORY, node));
    } else {
      memory.push(mem(start, end, MEMORY, node));
    }
  }

  const vtl0High = MemoryRange.withLen(s.vtl0HighStart, s.vtl0HighLen);
  const vtl0Mmio = [new MemoryRange(s.vtl0LowStart, VTL0_MMIO_LOW_END), vtl0High];
  let vtl2Mmio: MemoryRange[];
  let memoryAllocationMode: HostDt['memoryAllocationMode'];
  if (s.mode === 'Host') {
    memoryAllocationMode = { kind: 'Host' };
    vtl2Mmio = [MemoryRange.withLen(VTL2_MMIO_START, s.vtl2MmioLen)];
  } else {
    const mmioSize = s.mmioSizeEighths === null ? null : (s.vtl0HighLen * BigInt(s.mmioSizeEighths)) / 8n;
    const memorySize = s.vtl2MemoryExtraUnits === null ? null : shim.memorySize + BigInt(s.vtl2MemoryExtraUnits) * TWO_MIB;
    memoryAllocationMode = { kind: 'Vtl2', memorySize, mmioSize };
    if (s.vtl2MmioInVtl2Mode) {
      const len = mmioSize !== null && mmioSize > s.vtl2MmioLen ? alignUp(mmioSize, TWO_MIB) : s.vtl2MmioLen;
      vtl2Mmio = [MemoryRange.withLen(VTL2_MMIO_START, len)];
    } else {
      vtl2Mmio = [];
    }
  }

  return {
    memory,
    memoryAllocationMode,
    vmbusVtl0: { mmio: vtl0Mmio, connectionId: 4 },
    vmbusVtl2: { mmio: vtl2Mmio, connectionId: 0x80_0074 },
    cpuCount: s.cpuCount,
    deviceDmaPageCount: s.deviceDmaPageCount,
  };
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

export const gpaPoolConfigArb: fc.Arbitrary<GpaPoolConfig> = fc.oneof(
  fc.constant<GpaPoolConfig>({ kind: 'Off' }),
  fc.bigInt({ min: 1n, max: 2048n }).map((p): GpaPoolConfig => ({ kind: 'Pages', pages: p })),
  fc.constantFrom<'Release' | 'Debug'>('Release', 'Debug').map((table): GpaPoolConfig => ({ kind: 'Heuristics', table })),
);

export const cmdlineArb: fc.Arbitrary<CmdlineOptions> = fc.record({
  enableVtl2GpaPool: gpaPoolConfigArb,
  vtl2GpaPoolNumaSplit: fc.boolean(),
  sidecar: fc.oneof(
    fc.record({ kind: fc.constant('Enabled' as const), enableLogging: fc.boolean(), cpuThreshold: fc.option(fc.nat(), { nil: null }) }),
    fc.constant({ kind: 'DisabledCommandLine' as const }),
  ),
  confidentialDebug: fc.boolean(),
  disableNvmeKeepAlive: fc.boolean(),
});

// ---------------------------------------------------------------------------------------------
// Whole scenarios
// ---------------------------------------------------------------------------------------------

/** One valid set of boot inputs, with the specs it was built from (for reporting). */
export interface BootScenario {
  shim: ShimParams;
  host: HostDt;
  cmdline: CmdlineOptions;
  imageSpec: ImageSpec;
  hostSpec: HostSpec;
}

export function buildScenario(imageSpec: ImageSpec, hostSpec: HostSpec, cmdline: CmdlineOptions, isolation: Isolation = 'None'): BootScenario {
  const shim = buildShimParams(imageSpec, isolation);
  return { shim, host: buildHostDt(shim, hostSpec), cmdline, imageSpec, hostSpec };
}

/** Valid, non-isolated boot inputs (image + host + command line). */
export const bootScenarioArb: fc.Arbitrary<BootScenario> = fc
  .tuple(imageSpecArb, hostSpecArb, cmdlineArb)
  .map(([image, host, cmdline]) => buildScenario(image, host, cmdline));

/** Small CPU lists for a save (possibly empty, overlapping or unsorted: the writer stores them verbatim). */
export interface CpuLists {
  noIo: number[];
  outstanding: number[];
}

/** Mostly CPU ids a 64-VP guest has; sometimes one at or above 400 (sidecar DisabledServicing in `read_from_dt`). */
const cpuIdArb = fc.oneof({ weight: 6, arbitrary: fc.nat({ max: 63 }) }, { weight: 1, arbitrary: fc.nat({ max: 450 }) });

export const cpuListsArb: fc.Arbitrary<CpuLists> = fc.record({
  noIo: fc.array(cpuIdArb, { maxLength: 6 }),
  outstanding: fc.array(cpuIdArb, { maxLength: 6 }),
});

// ---------------------------------------------------------------------------------------------
// Validity oracle (so a test can check the arbitraries themselves)
// ---------------------------------------------------------------------------------------------

/**
 * Everything that makes a scenario "valid" in the sense above, checked independently of the
 * builders. Returns the problems found (empty for a valid scenario).
 */
export function scenarioProblems(sc: Pick<BootScenario, 'shim' | 'host'>): string[] {
  const problems: string[] = [];
  const bad = (cond: boolean, what: string) => {
    if (cond) problems.push(what);
  };
  const { shim, host } = sc;
  const ms = shim.memoryStart;
  const fileEnd = ms + shim.memorySize;
  const file = new MemoryRange(ms, fileEnd);

  // Image (the loader's preconditions and layout).
  bad(ms % TWO_MIB !== 0n || ms < VTL2_BASE_DEFAULT, `memory_start ${ms} not a 2 MiB multiple ≥ 128 MiB`);
  bad(shim.memorySize % TWO_MIB !== 0n || shim.memorySize < 32n * MIB || shim.memorySize > 256n * MIB, 'memory_size not a 2 MiB multiple in 32..256 MiB');
  bad(!shim.persistedState.equals(MemoryRange.withLen(ms, PERSISTED_REGION_SIZE)), 'persisted region is not the first 2 MiB');
  bad(shim.used.start !== ms || shim.used.end > fileEnd, 'used does not start at memory_start or does not fit memory_size');
  const order = [
    shim.persistedState.end,
    ...(shim.sidecar.size > 0n ? [shim.sidecar.base, shim.sidecar.base + shim.sidecar.size] : []),
    shim.vtl2ReservedRegion.start,
    shim.vtl2ReservedRegion.start + shim.vtl2ReservedRegion.size,
    shim.parameterRegion.start,
    shim.parameterRegion.start + shim.parameterRegion.size,
    shim.logBuffer.start,
    shim.logBuffer.end,
    shim.heap.start,
    shim.heap.end,
    shim.used.end,
  ];
  bad(order.some((v, i) => i > 0 && v < order[i - 1]!), 'layout out of order');
  bad(shim.sidecar.size > 0n && shim.sidecar.base % TWO_MIB !== 0n, 'sidecar not 2 MiB aligned');
  bad(shim.vtl2ReservedRegion.size !== pages(RESERVED_REGION_PAGES), 'reserved region is not 4 pages');
  bad(shim.parameterRegion.size !== pages(PARAMETER_REGION_PAGES), 'parameter region is not 362 pages');
  bad(shim.parameterRegion.dtPageIndex !== DT_PAGE_INDEX || shim.parameterRegion.dtSizePages !== DT_SIZE_PAGES, 'dt pages not 40..104');
  bad(shim.logBuffer.len !== pages(LOG_BUFFER_PAGES) || shim.heap.len !== pages(HEAP_PAGES), 'log buffer / heap size');

  // Host memory map.
  const m = host.memory;
  m.forEach((e, i) => {
    bad(e.range.start % TWO_MIB !== 0n || e.range.end % TWO_MIB !== 0n || e.range.isEmpty(), `host entry ${i} not 2 MiB aligned / empty`);
    const next = m[i + 1];
    if (next !== undefined) {
      bad(e.range.end > next.range.start, `host entries ${i}, ${i + 1} unsorted or overlapping`);
      bad(
        e.range.end === next.range.start && e.memType === IgvmMemoryType.VTL2_PROTECTABLE && next.memType === e.memType && next.vnode === e.vnode,
        `adjacent same-vnode VTL2_PROTECTABLE entries ${i}, ${i + 1} (scenario D)`,
      );
    }
  });
  const vnodes = [...new Set(m.map((e) => e.vnode))].sort((a, b) => a - b);
  bad(vnodes.length < 1 || vnodes.length > 4 || vnodes.some((v, i) => v !== i), `vnodes ${vnodes} not 0..n-1 with n in 1..4`);
  const prot = m.filter((e) => e.memType === IgvmMemoryType.VTL2_PROTECTABLE);
  const mode = host.memoryAllocationMode;
  if (mode.kind === 'Host') {
    bad(prot.filter((e) => e.range.contains(file)).length !== 1, 'Host mode: the image is not inside one VTL2_PROTECTABLE entry');
  } else {
    bad(prot.length !== 0, 'Vtl2 mode: VTL2_PROTECTABLE entries');
    bad(!coveredBy(file, m.map((e) => e.range)), 'Vtl2 mode: the image is not host RAM');
    bad(mode.memorySize !== null && mode.memorySize < shim.memorySize, 'Vtl2 mode: memory_size below the image size');
  }

  // VMBus MMIO.
  const v0 = host.vmbusVtl0?.mmio ?? [];
  bad(v0.length !== 2 || !(v0[0]!.end <= FOUR_GIB) || !(v0[1]!.start >= FOUR_GIB), 'VTL0 MMIO is not one range below and one above 4 GiB');
  const v2 = host.vmbusVtl2?.mmio ?? [];
  const allMmio = [...v0, ...v2];
  bad(allMmio.some((r) => m.some((e) => e.range.overlaps(r))), 'MMIO overlaps RAM');
  if (mode.kind === 'Host') bad(v2.length !== 1, 'Host mode: VTL2 MMIO is not one range');
  else {
    bad(v2.length > 1, 'Vtl2 mode: more than one VTL2 MMIO range');
    const size = mode.mmioSize ?? 0n;
    if (v2.length === 1) bad(v2[0]!.len < size, 'Vtl2 mode: VTL2 MMIO below mmio_size');
    else if (v0[1] !== undefined) {
      // topology_from_host_dt: carve max(mmio_size, clamp(len/2, 128 MiB, 1 GiB)) off the top; two ranges must remain.
      const half = v0[1].len / 2n;
      const dflt = half < 128n * MIB ? 128n * MIB : half > GIB ? GIB : half;
      bad((size > dflt ? size : dflt) >= v0[1].len, 'Vtl2 mode: the carve would empty the VTL0 high range');
    }
  }
  bad(host.cpuCount < 1 || host.cpuCount > 64, 'cpu_count');
  return problems;
}

function coveredBy(r: MemoryRange, ranges: MemoryRange[]): boolean {
  let at = r.start;
  for (const x of [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))) {
    if (x.start <= at && x.end > at) at = x.end;
  }
  return at >= r.end;
}
