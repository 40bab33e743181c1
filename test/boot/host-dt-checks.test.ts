/**
 * host_fdt_parser's validation (`ParsedDeviceTree::parse`) on our host DT: one row per error kind
 * a `HostDt` can express, with the exact `{:?}` text `shim_main` panics with, then the order of
 * the checks, then the sorting the parse does for the rest of the boot.
 *
 * Mutants checked by hand against these rows (each fails at least one): `>` → `>=` in the CPU
 * and memory-capacity checks; dropping any one check; swapping `lower`/`upper` in either
 * `MemoryRegOverlap`; dropping the insert-time duplicate check (the empty-duplicate row); a
 * "non-empty intersection" overlap instead of upstream's formula (the empty-inside row);
 * iterating MMIO-major instead of RAM-major (the VmbusMmioOverlapsRam order row); not swapping
 * an unsorted VMBus pair; returning the host DT unsorted; not handing the restore path the
 * parsed DT; sorting the caller's list in place; comparing ranges by start only; parsing VTL2's
 * VMBus node before VTL0's; checking capacity before the duplicate.
 */
import { describe, expect, it } from 'vitest';
import { boot, type BootResult } from '../../src/boot/boot.js';
import { MAX_CPU_COUNT, MAX_PARTITION_RAM_RANGES, parseHostDeviceTree } from '../../src/boot/host-dt-checks.js';
import { parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import type { HostDt, HostMemoryEntry } from '../../src/boot/types.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryRange } from '../../src/memory/range.js';
import { exampleAInputs } from '../../src/sim/examples.js';
import { SimulatedVm } from '../../src/sim/runner.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const MEMORY = 0;
const VTL2_PROTECTABLE = 3;
const entry = (start: bigint, end: bigint, memType = MEMORY, vnode = 0): HostMemoryEntry => ({ range: R(start, end), memType, vnode });

/** Example A's host DT (valid, boots on the host path); each row edits a fresh copy. */
function hostA(edit: (h: HostDt) => void = () => {}): HostDt {
  const h = parseHostDt(A_HOST_DT);
  edit(h);
  return h;
}

function run(host: HostDt): BootResult {
  return boot({ shim: parseShimParams(A_SHIM_PARAMS), host, cmdline: parseCmdlineOptions(A_CMDLINE_OPTIONS) }, new GuestMemory());
}

const PREFIX = 'unable to read device tree params DeviceTree(Error(';
const A_HIGH = 'MemoryRange { start: 67645734912, end: 68719476736 }'; // 0xfc0000000..0x1000000000
const A_RAM1 = 'MemoryEntry { range: MemoryRange { start: 134217728, end: 201326592 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }';
const A_RAM3 = 'MemoryEntry { range: MemoryRange { start: 4294967296, end: 8589934592 }, mem_type: MEMORY, vnode: 0 }';

/** 1025 one-page MEMORY entries above A's RAM. */
const pages = (n: number): HostMemoryEntry[] =>
  Array.from({ length: n }, (_, i) => entry(0x3_0000_0000n + BigInt(i) * 0x1000n, 0x3_0000_1000n + BigInt(i) * 0x1000n));

const ROWS: [name: string, host: HostDt, kindDebug: string][] = [
  ['TooManyCpus: 2049 enabled CPUs', hostA((h) => void (h.cpuCount = MAX_CPU_COUNT + 1)), 'TooManyCpus'],
  [
    'MemoryRegOverlap (insert): an entry equal to an earlier one; lower is the earlier',
    hostA((h) => h.memory.push(entry(0x800_0000n, 0xc00_0000n, MEMORY, 1))),
    `MemoryRegOverlap { lower: ${A_RAM1}, upper: MemoryEntry { range: MemoryRange { start: 134217728, end: 201326592 }, mem_type: MEMORY, vnode: 1 } }`,
  ],
  [
    // Two empty ranges never overlap, so only the insert-time equality check catches this.
    'MemoryRegOverlap (insert): two equal empty entries, an unnamed mem_type printed as MemoryMapEntryType(n)',
    hostA((h) => h.memory.push(entry(0x2_0000_0000n, 0x2_0000_0000n, 7), entry(0x2_0000_0000n, 0x2_0000_0000n, 9, 2))),
    'MemoryRegOverlap { lower: MemoryEntry { range: MemoryRange { start: 8589934592, end: 8589934592 }, mem_type: MemoryMapEntryType(7), vnode: 0 }, upper: MemoryEntry { range: MemoryRange { start: 8589934592, end: 8589934592 }, mem_type: MemoryMapEntryType(9), vnode: 2 } }',
  ],
  ['TooManyMemoryEntries: a 1025th entry', hostA((h) => h.memory.push(...pages(MAX_PARTITION_RAM_RANGES + 1 - h.memory.length))), 'TooManyMemoryEntries'],
  [
    'TooManyVmbusMmioRanges: three VTL0 ranges; the node is named after the first base as written',
    hostA((h) => h.vmbusVtl0!.mmio.unshift(R(0xe000_0000n, 0xe100_0000n))),
    'TooManyVmbusMmioRanges { node_name: "vmbus-vtl0@e0000000", ranges: 3 }',
  ],
  [
    'VmbusMmioOverlapsVmbusMmio (in a node): written high first, reported after the swap',
    hostA((h) => void (h.vmbusVtl0!.mmio = [R(0xfc0000000n, 0x1000000000n), R(0xf800_0000n, 0xfc0001000n)])),
    `VmbusMmioOverlapsVmbusMmio { mmio_a: MemoryRange { start: 4160749568, end: 67645739008 }, mmio_b: ${A_HIGH} }`,
  ],
  [
    'MemoryRegOverlap (post-parse): adjacent sorted entries overlap; lower/upper by address, not list order',
    hostA((h) => void (h.memory = [entry(0xb00_0000n, 0x8000_0000n), ...h.memory.slice(0, 2)].reverse())),
    `MemoryRegOverlap { lower: ${A_RAM1}, upper: MemoryEntry { range: MemoryRange { start: 184549376, end: 2147483648 }, mem_type: MEMORY, vnode: 0 } }`,
  ],
  [
    // Upstream's `overlaps` is `end > o.start && start < o.end`: an empty range strictly inside does overlap.
    'MemoryRegOverlap (post-parse): an empty entry strictly inside another',
    hostA((h) => h.memory.push(entry(0x1_8000_0000n, 0x1_8000_0000n, VTL2_PROTECTABLE))),
    `MemoryRegOverlap { lower: ${A_RAM3}, upper: MemoryEntry { range: MemoryRange { start: 6442450944, end: 6442450944 }, mem_type: VTL2_PROTECTABLE, vnode: 0 } }`,
  ],
  [
    // `MemoryRange`'s derived Ord is (start, end): the shorter of two equal starts sorts first
    // (a start-only comparison would call them equal and report them at insert time, swapped).
    'MemoryRegOverlap (post-parse): equal starts sort by end',
    hostA((h) => h.memory.push(entry(0x1_0000_0000n, 0x1_0000_1000n, VTL2_PROTECTABLE))),
    `MemoryRegOverlap { lower: MemoryEntry { range: MemoryRange { start: 4294967296, end: 4294971392 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }, upper: ${A_RAM3} }`,
  ],
  [
    'VmbusMmioOverlapsRam: VTL2 MMIO inside RAM',
    hostA((h) => void (h.vmbusVtl2!.mmio = [R(0x1_8000_0000n, 0x1_9000_0000n)])),
    `VmbusMmioOverlapsRam { mmio: MemoryRange { start: 6442450944, end: 6710886400 }, ram: ${A_RAM3} }`,
  ],
  [
    'VmbusMmioOverlapsVmbusMmio (VTL0 × VTL2): mmio_a is the VTL0 range',
    hostA((h) => void (h.vmbusVtl2!.mmio = [R(0xfc8000000n, 0xfd0000000n)])),
    `VmbusMmioOverlapsVmbusMmio { mmio_a: ${A_HIGH}, mmio_b: MemoryRange { start: 67779952640, end: 67914170368 } }`,
  ],
];

describe('one row per host_fdt_parser error kind: a dt_error panic with the DeviceTree(…) Debug text', () => {
  it.each(ROWS)('%s', (_name, host, kindDebug) => {
    const r = run(host);
    expect(r).toMatchObject({ path: 'panic', attemptedPath: 'host', panicKind: 'dt_error', panic: `${PREFIX}${kindDebug}))` });
  });

  it('example A itself boots (touching ranges do not overlap), and so do the capacities exactly', () => {
    expect(run(hostA()).path).toBe('host');
    expect(run(hostA((h) => void (h.cpuCount = MAX_CPU_COUNT))).path).not.toBe('panic');
    const full = hostA((h) => h.memory.push(...pages(MAX_PARTITION_RAM_RANGES - h.memory.length)));
    expect(parseHostDeviceTree(full).memory).toHaveLength(MAX_PARTITION_RAM_RANGES);
  });

  it('TooManyVmbusMmioRanges names the VTL2 node vmbus-vtl2@…', () => {
    const r = run(hostA((h) => h.vmbusVtl2!.mmio.push(R(0xf9_0000_0000n, 0xf9_0000_1000n), R(0xfa_0000_0000n, 0xfa_0000_1000n))));
    expect(r).toMatchObject({ panic: `${PREFIX}TooManyVmbusMmioRanges { node_name: "vmbus-vtl2@f800000000", ranges: 3 }))` });
  });
});

describe('the checks run in upstream order (an input failing two gets the first)', () => {
  const first = (host: HostDt): string => {
    const r = run(host);
    if (r.path !== 'panic') throw new Error(`expected a panic, got ${r.path}`);
    return r.panic.slice(PREFIX.length).split(/[ )]/)[0]!;
  };
  const overlapRam = (h: HostDt) => void (h.memory[2] = entry(0xb00_0000n, 0x8000_0000n));
  const threeVtl0 = (h: HostDt) => void h.vmbusVtl0!.mmio.unshift(R(0xe000_0000n, 0xe100_0000n));

  it.each([
    ['cpus before memory', (h: HostDt) => (overlapRam(h), (h.cpuCount = 4096)), 'TooManyCpus'],
    ['a duplicate before the capacity (the 1025th entry is a duplicate)', (h: HostDt) => h.memory.push(...pages(1020), entry(0n, 0x800_0000n)), 'MemoryRegOverlap'],
    ['memory nodes before the VMBus nodes', (h: HostDt) => (threeVtl0(h), h.memory.push(entry(0n, 0x800_0000n))), 'MemoryRegOverlap'],
    ['the VMBus nodes (in-parse) before the post-parse memory overlap', (h: HostDt) => (overlapRam(h), threeVtl0(h)), 'TooManyVmbusMmioRanges'],
    ['post-parse memory overlap before MMIO over RAM', (h: HostDt) => (overlapRam(h), (h.vmbusVtl2!.mmio = [R(0x1_8000_0000n, 0x1_9000_0000n)])), 'MemoryRegOverlap'],
    ['MMIO over RAM before VTL0 × VTL2', (h: HostDt) => (h.vmbusVtl2!.mmio = [R(0xfc8000000n, 0xfd0000000n), R(0x1_8000_0000n, 0x1_9000_0000n)]), 'VmbusMmioOverlapsRam'],
  ])('%s', (_name, edit, kind) => {
    expect(first(hostA(edit))).toBe(kind);
  });

  it('VTL0 node before VTL2 node', () => {
    const r = run(hostA((h) => (threeVtl0(h), h.vmbusVtl2!.mmio.push(R(0xf9_0000_0000n, 0xf9_0000_1000n), R(0xfa_0000_0000n, 0xfa_0000_1000n)))));
    expect(r).toMatchObject({ panic: expect.stringContaining('"vmbus-vtl0@e0000000"') as unknown });
  });

  it('MMIO over RAM is RAM-major: the lowest RAM entry hit is reported, whichever VTL its MMIO is', () => {
    // VTL0 MMIO hits RAM3 (higher), VTL2 MMIO hits RAM1 (lower): upstream's outer loop is RAM.
    const r = run(hostA((h) => ((h.vmbusVtl0!.mmio[1] = R(0x1_8000_0000n, 0x1_9000_0000n)), (h.vmbusVtl2!.mmio = [R(0x900_0000n, 0xa00_0000n)]))));
    expect(r).toMatchObject({ panic: `${PREFIX}VmbusMmioOverlapsRam { mmio: MemoryRange { start: 150994944, end: 167772160 }, ram: ${A_RAM1} }))` });
  });
});

describe('where the parse sits in the boot', () => {
  it('before the restore path too: a DT error on a boot that found a valid header', () => {
    const [scenario] = parseScenarioFile({ ...exampleAInputs(), lifecycle: [] });
    const vm = new SimulatedVm(scenario!);
    expect(vm.boot().path).toBe('host');
    vm.save();
    const r = vm.boot({ hostDtOverride: { cpu_count: MAX_CPU_COUNT + 1 } });
    expect(r).toMatchObject({ path: 'panic', attemptedPath: 'persisted', panicKind: 'dt_error', panic: `${PREFIX}TooManyCpus))` });
    expect(r.path === 'panic' && r.persistedHeader !== undefined).toBe(true);
  });

  it('the restore path sees the parsed order too: two VTL2_PROTECTABLE entries written in reverse still restore', () => {
    // A with a second VTL2_PROTECTABLE entry on vnode 1. Unsorted, the Host-mode cross-check
    // (`parse_host_vtl2_ram` against the saved map) would fail `vtl2_ram_mismatch`.
    const a = exampleAInputs();
    const memory = [
      ...(a.host_dt['memory'] as unknown[]).slice(0, 3),
      { range: { start: '0x100000000', end: '0x104000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 1 },
      { range: { start: '0x104000000', end: '0x200000000' }, mem_type: 'MEMORY', vnode: 1 },
    ];
    a.host_dt['memory'] = memory;
    const [scenario] = parseScenarioFile({ ...a, lifecycle: [] });
    const vm = new SimulatedVm(scenario!);
    expect(vm.boot().path).toBe('host');
    vm.save();
    expect(vm.boot({ hostDtOverride: { memory: [...memory].reverse() } }).path).toBe('persisted');
  });

  it('a VMBus pair written high first is swapped, so VTL0 gets it low first (Host mode uses the list as parsed)', () => {
    const r = run(hostA((h) => h.vmbusVtl0!.mmio.reverse()));
    expect(r.path === 'host' && r.vtl0Mmio.map(String)).toEqual(hostA().vmbusVtl0!.mmio.map(String));
  });

  it('leaves the caller\'s host DT untouched', () => {
    const h = hostA((x) => x.memory.reverse());
    const before = h.memory.map((e) => String(e.range));
    parseHostDeviceTree(h);
    expect(h.memory.map((e) => String(e.range))).toEqual(before);
  });
});
