import { describe, expect, it } from 'vitest';

import {
  buildE820,
  buildOpenhclMemoryMap,
  E820_INLINE_CAPACITY,
  E820_MAX_ENTRIES,
  e820ToJson,
  openhclMapToFdtNodes,
  openhclMapToJson,
  type OpenhclMapNode,
  type Vtl2RangeEntry,
} from '../../src/boot/device-tree.js';
import { BootPanic } from '../../src/boot/panic.js';
import type { HostDt, HostMemoryEntry } from '../../src/boot/types.js';
import { MemoryRange } from '../../src/memory/range.js';
import { IgvmMemoryType, MemoryVtlType, vtlTypeFromName } from '../../src/memory/vtl-type.js';
import { parseOpenhclMap } from '../../src/usermode/openhcl-map.js';
import { rangeFromJson, typeNum, type JsonRange } from '../support/json.js';
import { effectiveBootInputs, loadBootVectors, vectorScenario, type Json } from '../support/vectors.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const V = MemoryVtlType;
const host = (start: bigint, end: bigint, memType: number, vnode = 0): HostMemoryEntry => ({ range: R(start, end), memType, vnode });
const vtl2 = (start: bigint, end: bigint, vtlType: number): Vtl2RangeEntry => ({ range: R(start, end), vtlType });

/** `n` consecutive one-page ranges alternating RAM / config, so nothing could be merged anyway. */
function pages(n: number, typeAt: (i: number) => number = (i) => (i % 2 === 0 ? V.VTL2_RAM : V.VTL2_CONFIG)): Vtl2RangeEntry[] {
  return Array.from({ length: n }, (_, i) => vtl2(BigInt(i) * 0x1000n, BigInt(i + 1) * 0x1000n, typeAt(i)));
}

/** Runs `f`, expecting a BootPanic; returns it. */
function panicOf(f: () => unknown): BootPanic {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BootPanic);
    return e as BootPanic;
  }
  return expect.fail('expected a BootPanic');
}

describe('buildE820 (upstream build_e820_map)', () => {
  const typeCases: [number, 'E820_RAM' | 'E820_RESERVED'][] = [
    [V.VTL2_RAM, 'E820_RAM'],
    [V.VTL2_CONFIG, 'E820_RESERVED'],
    [V.VTL2_SIDECAR_IMAGE, 'E820_RESERVED'],
    [V.VTL2_SIDECAR_NODE, 'E820_RESERVED'],
    [V.VTL2_RESERVED, 'E820_RESERVED'],
    [V.VTL2_GPA_POOL, 'E820_RESERVED'],
    [V.VTL2_TDX_PAGE_TABLES, 'E820_RESERVED'],
    [V.VTL2_BOOTSHIM_LOG_BUFFER, 'E820_RESERVED'],
    [V.VTL2_PERSISTED_STATE_HEADER, 'E820_RESERVED'],
    [V.VTL2_PERSISTED_STATE_PROTOBUF, 'E820_RESERVED'],
  ];
  it.each(typeCases)('vtl type %i → %s', (vtlType, e820Type) => {
    const map = buildE820([vtl2(0x20000n, 0x23000n, vtlType)]);
    expect(map).toEqual({ entries: [{ addr: 0x20000n, size: 0x3000n, type: e820Type }], extUsed: false });
  });

  it.each([
    ['VTL0', V.VTL0],
    ['VTL0_MMIO', V.VTL0_MMIO],
    ['VTL2_MMIO (vtl2() but not ram())', V.VTL2_MMIO],
    ['unknown 13', 13],
    ['unknown 0xffffffff', 0xffff_ffff],
  ])('%s panics "unexpected vtl2 ram type"', (_, vtlType) => {
    const p = panicOf(() => buildE820([vtl2(0n, 0x1000n, V.VTL2_RAM), vtl2(0x1000n, 0x2000n, vtlType)]));
    expect(p.message).toMatch(/^unexpected vtl2 ram type /);
    expect(p.message).toContain('0x1000');
  });

  it('keeps adjacent reserved entries of different types apart (header + payload are two)', () => {
    const map = buildE820([
      vtl2(0x8000000n, 0x8001000n, V.VTL2_PERSISTED_STATE_HEADER),
      vtl2(0x8001000n, 0x8014000n, V.VTL2_PERSISTED_STATE_PROTOBUF),
      vtl2(0x8014000n, 0x8100000n, V.VTL2_RAM),
    ]);
    expect(e820ToJson(map.entries)).toEqual([
      { addr: '0x8000000', size: '0x1000', type: 'E820_RESERVED' },
      { addr: '0x8001000', size: '0x13000', type: 'E820_RESERVED' },
      { addr: '0x8014000', size: '0xec000', type: 'E820_RAM' },
    ]);
  });

  it('an empty topology gives an empty map', () => {
    expect(buildE820([])).toEqual({ entries: [], extUsed: false });
  });

  // 128 inline, the extension from 129, a panic above 640.
  it.each([
    [1, false],
    [127, false],
    [128, false],
    [129, true],
    [639, true],
    [640, true],
  ])('%i entries: extUsed %s, every entry kept in order', (n, extUsed) => {
    const map = buildE820(pages(n));
    expect(map.extUsed).toBe(extUsed);
    expect(map.entries).toHaveLength(n);
    expect(map.entries.map((e) => e.addr)).toEqual(pages(n).map((p) => p.range.start));
  });

  it.each([641, 700])('%i entries panic "building e820 map must succeed" (e820_overflow)', (n) => {
    const p = panicOf(() => buildE820(pages(n)));
    expect(p.kind).toBe('e820_overflow');
    expect(p.message).toMatch(/^building e820 map must succeed/);
  });

  it('constants agree with boot_params + SETUP_E820_EXT', () => {
    expect(E820_INLINE_CAPACITY).toBe(128);
    expect(E820_MAX_ENTRIES).toBe(640);
  });

  it('checks per entry in order: an overflow at entry 641 wins over a bad type at 650', () => {
    const ranges = pages(700, (i) => (i === 650 ? V.VTL0 : V.VTL2_RAM));
    expect(panicOf(() => buildE820(ranges)).message).toMatch(/^building e820 map must succeed/);
  });

  it('checks per entry in order: a bad type at entry 3 wins over an overflow', () => {
    const ranges = pages(700, (i) => (i === 3 ? V.VTL0_MMIO : V.VTL2_RAM));
    expect(panicOf(() => buildE820(ranges)).message).toMatch(/^unexpected vtl2 ram type/);
  });
});

/** Shows nodes compactly so expected maps read like a table. */
function show(nodes: OpenhclMapNode[]): string[] {
  return nodes.map((n) =>
    n.kind === 'memory' ? `mem ${n.range} t${n.vtlType} n${n.vnode} i${n.igvmType}` : `mmio ${n.range} t${n.vtlType}`,
  );
}

describe('buildOpenhclMemoryMap (upstream write_dt, /openhcl)', () => {
  const MEM = IgvmMemoryType.MEMORY;
  const PROT = IgvmMemoryType.VTL2_PROTECTABLE;

  it('Left pieces are VTL0 with the host entry vnode and igvm type; Neither gaps are skipped', () => {
    const nodes = buildOpenhclMemoryMap([host(0x0n, 0x1000n, MEM, 0), host(0x3000n, 0x5000n, IgvmMemoryType.PERSISTENT, 1)], [], [], []);
    expect(show(nodes)).toEqual(['mem 0x0..0x1000 t0 n0 i0', 'mem 0x3000..0x5000 t0 n1 i2']);
  });

  it('splits at VTL2-type boundaries inside one host entry, keeping the host igvm type and vnode', () => {
    const nodes = buildOpenhclMemoryMap(
      [host(0x0n, 0x10000n, PROT, 2)],
      [
        vtl2(0x2000n, 0x3000n, V.VTL2_PERSISTED_STATE_HEADER),
        vtl2(0x3000n, 0x5000n, V.VTL2_PERSISTED_STATE_PROTOBUF),
        vtl2(0x5000n, 0x8000n, V.VTL2_RAM),
      ],
      [],
      [],
    );
    expect(show(nodes)).toEqual([
      'mem 0x0..0x2000 t0 n2 i3',
      'mem 0x2000..0x3000 t11 n2 i3',
      'mem 0x3000..0x5000 t12 n2 i3',
      'mem 0x5000..0x8000 t1 n2 i3',
      'mem 0x8000..0x10000 t0 n2 i3',
    ]);
  });

  it('splits one VTL2 range at a host-entry boundary (two nodes, each with its own host entry data)', () => {
    const nodes = buildOpenhclMemoryMap(
      [host(0x0n, 0x4000n, PROT, 0), host(0x4000n, 0x8000n, MEM, 1)],
      [vtl2(0x2000n, 0x6000n, V.VTL2_GPA_POOL)],
      [],
      [],
    );
    expect(show(nodes)).toEqual([
      'mem 0x0..0x2000 t0 n0 i3',
      'mem 0x2000..0x4000 t8 n0 i3',
      'mem 0x4000..0x6000 t8 n1 i0',
      'mem 0x6000..0x8000 t0 n1 i0',
    ]);
  });

  it('a header split across host entries makes usermode reject the DT ("multiple …")', () => {
    const nodes = buildOpenhclMemoryMap(
      [host(0x0n, 0x1000n, PROT), host(0x1000n, 0x10000n, PROT)],
      [vtl2(0x0n, 0x2000n, V.VTL2_PERSISTED_STATE_HEADER), vtl2(0x2000n, 0x4000n, V.VTL2_PERSISTED_STATE_PROTOBUF)],
      [],
      [],
    );
    expect(() => parseOpenhclMap(openhclMapToFdtNodes(nodes))).toThrow('multiple VTL2 persisted header ranges found');
  });

  it.each([
    ['before every host entry', [host(0x10000n, 0x20000n, PROT)], [vtl2(0x0n, 0x1000n, V.VTL2_RAM)], '0x0'],
    ['in a gap between host entries', [host(0x0n, 0x1000n, PROT), host(0x3000n, 0x4000n, PROT)], [vtl2(0x1000n, 0x2000n, V.VTL2_RAM)], '0x1000'],
    ['hanging past the last host entry', [host(0x0n, 0x2000n, PROT)], [vtl2(0x1000n, 0x3000n, V.VTL2_CONFIG)], '0x2000'],
  ])('a Right piece (%s) panics "vtl2 range … not contained in partition ram"', (_, hosts, ranges, pieceStart) => {
    const p = panicOf(() => buildOpenhclMemoryMap(hosts, ranges, [], []));
    expect(p.kind).toBe('vtl2_range_outside');
    expect(p.message).toMatch(/^vtl2 range [\s\S]* not contained in partition ram$/);
    expect(p.message).toContain(`start: ${pieceStart},`);
  });

  it('host entries are walked in start order (a stable sort of the given list)', () => {
    const nodes = buildOpenhclMemoryMap([host(0x4000n, 0x5000n, MEM, 1), host(0x0n, 0x2000n, PROT, 0)], [vtl2(0x0n, 0x1000n, V.VTL2_RAM)], [], []);
    expect(show(nodes)).toEqual(['mem 0x0..0x1000 t1 n0 i3', 'mem 0x1000..0x2000 t0 n0 i3', 'mem 0x4000..0x5000 t0 n1 i0']);
  });

  it('overlapping host entries panic "left not sorted"; unsorted vtl2 ranges "right not sorted"', () => {
    const overlap = panicOf(() => buildOpenhclMemoryMap([host(0x0n, 0x3000n, PROT), host(0x2000n, 0x4000n, PROT)], [], [], []));
    expect([overlap.kind, overlap.message]).toEqual(['walk_left_not_sorted', 'left not sorted']);
    const unsorted = panicOf(() =>
      buildOpenhclMemoryMap([host(0x0n, 0x8000n, PROT)], [vtl2(0x4000n, 0x5000n, V.VTL2_RAM), vtl2(0x1000n, 0x2000n, V.VTL2_CONFIG)], [], []),
    );
    expect([unsorted.kind, unsorted.message]).toEqual(['walk_right_not_sorted', 'right not sorted']);
  });

  it('appends one node per VTL0 MMIO range (5), then per VTL2 MMIO range (6), in DT order', () => {
    const nodes = buildOpenhclMemoryMap(
      [host(0x100000n, 0x200000n, MEM)],
      [],
      [R(0xe0000000n, 0xfc000000n), R(0x2000000000n, 0x2100000000n)],
      [R(0x1000n, 0x2000n)],
    );
    expect(show(nodes)).toEqual([
      'mem 0x100000..0x200000 t0 n0 i0',
      'mmio 0xe0000000..0xfc000000 t5',
      'mmio 0x2000000000..0x2100000000 t5',
      'mmio 0x1000..0x2000 t6',
    ]);
    // The JSON form is stable-sorted by start.
    expect(openhclMapToJson(nodes)).toEqual([
      { range: { start: '0x1000', end: '0x2000' }, vtl_type: 'VTL2_MMIO' },
      { range: { start: '0x100000', end: '0x200000' }, vtl_type: 'VTL0', vnode: 0, igvm_type: 'MEMORY' },
      { range: { start: '0xe0000000', end: '0xfc000000' }, vtl_type: 'VTL0_MMIO' },
      { range: { start: '0x2000000000', end: '0x2100000000' }, vtl_type: 'VTL0_MMIO' },
    ]);
  });

  it('openhclMapToJson keeps DT order for equal starts and prints unnamed types as numbers', () => {
    const nodes: OpenhclMapNode[] = [
      { kind: 'memory', range: R(0x1000n, 0x2000n), vtlType: 99, vnode: 3, igvmType: 0x1234 },
      { kind: 'mmio', range: R(0x1000n, 0x1000n), vtlType: V.VTL0_MMIO },
      { kind: 'mmio', range: R(0x0n, 0x1000n), vtlType: V.VTL2_MMIO },
    ];
    expect(openhclMapToJson(nodes)).toEqual([
      { range: { start: '0x0', end: '0x1000' }, vtl_type: 'VTL2_MMIO' },
      { range: { start: '0x1000', end: '0x2000' }, vtl_type: 99, vnode: 3, igvm_type: 0x1234 },
      { range: { start: '0x1000', end: '0x1000' }, vtl_type: 'VTL0_MMIO' },
    ]);
  });

  it('openhclMapToFdtNodes writes the /openhcl node properties (MMIO nodes: only reg and memory-type)', () => {
    const nodes = buildOpenhclMemoryMap([host(0xa000n, 0xc000n, PROT, 1)], [vtl2(0xa000n, 0xb000n, V.VTL2_RAM)], [R(0xf000n, 0x10000n)], []);
    expect(openhclMapToFdtNodes(nodes)).toEqual([
      { name: 'memory@a000', reg: [0xa000n, 0x1000n], memoryType: 1, numaNodeId: 1, igvmType: 3 },
      { name: 'memory@b000', reg: [0xb000n, 0x1000n], memoryType: 0, numaNodeId: 1, igvmType: 3 },
      { name: 'memory@f000', reg: [0xf000n, 0x1000n], memoryType: 5 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Vectors: the real boot shim's E820 and /openhcl map for every successful boot step.

/** The host DT's memory, sorted by start as upstream's host-DT parser sorts them. */
function hostMemory(hostDt: HostDt): HostMemoryEntry[] {
  return [...hostDt.memory].sort((a, b) => (a.range.start < b.range.start ? -1 : a.range.start > b.range.start ? 1 : 0));
}

describe('vectors: E820 and /openhcl map of every successful boot', () => {
  const DEFAULT_LIFECYCLE: Json[] = [{ op: 'boot' }, { op: 'save' }, { op: 'boot' }];
  const files = loadBootVectors().map(({ file, vectors }) => [file, vectors] as const);

  it.each(files)('%s', (_, scenarios) => {
    let boots = 0;
    let e820Entries = 0;
    let mapNodes = 0;
    let extUsed = 0;
    for (const sc of scenarios) {
      const scenario = vectorScenario(sc);
      const lifecycle = (sc.input['lifecycle'] as Json[] | undefined) ?? DEFAULT_LIFECYCLE;
      expect(lifecycle.length, sc.name).toBe(sc.expected.steps.length);
      lifecycle.forEach((step, i) => {
        const out = sc.expected.steps[i] as Json;
        if (step['op'] !== 'boot' || (out['path'] !== 'host' && out['path'] !== 'persisted')) return;
        const where = `${sc.name} step ${i}`;
        const vtl2Ranges = (out['vtl2_ranges'] as { range: JsonRange; vtl_type: unknown }[]).map((e) => ({
          range: rangeFromJson(e.range),
          vtlType: typeNum(e.vtl_type, vtlTypeFromName),
        }));
        const e820 = buildE820(vtl2Ranges);
        expect(e820ToJson(e820.entries), where).toEqual(out['e820']);
        expect(e820.extUsed, where).toBe(out['e820_ext_used']);

        const nodes = buildOpenhclMemoryMap(
          hostMemory(effectiveBootInputs(scenario, i).hostDt),
          vtl2Ranges,
          (out['vtl0_mmio'] as JsonRange[]).map(rangeFromJson),
          (out['vtl2_mmio'] as JsonRange[]).map(rangeFromJson),
        );
        expect(openhclMapToJson(nodes), where).toEqual(out['openhcl_memory_map']);

        boots++;
        e820Entries += e820.entries.length;
        mapNodes += nodes.length;
        if (e820.extUsed) extUsed++;
      });
    }
    console.log(`${_}: ${boots} boots checked (${e820Entries} E820 entries, ${extUsed} using the extension; ${mapNodes} /openhcl nodes)`);
    expect(boots).toBeGreaterThan(0);
  });
});

describe('root memory nodes (upstream write_dt)', () => {
  it('one node per VTL2 RAM entry, unmerged, with reg <start len> and the numa node', async () => {
    const { buildRootMemoryNodes } = await import('../../src/boot/device-tree.js');
    const { MemoryRange } = await import('../../src/memory/range.js');
    const nodes = buildRootMemoryNodes([
      { range: new MemoryRange(0x8000000n, 0xa000000n), vnode: 0 },
      { range: new MemoryRange(0xa000000n, 0xc000000n), vnode: 1 },
    ]);
    expect(nodes).toEqual([
      { name: 'memory@8000000', reg: [0x8000000n, 0x2000000n], numaNodeId: 0 },
      { name: 'memory@a000000', reg: [0xa000000n, 0x2000000n], numaNodeId: 1 },
    ]);
  });
});
