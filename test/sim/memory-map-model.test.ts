import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { boot } from '../../src/boot/boot.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryVtlType, vtlTypeName } from '../../src/memory/vtl-type.js';
import { savedStateFromJson } from '../../src/format/state-json.js';
import { exampleAInputs } from '../../src/sim/examples.js';
import type { MemoryMapJson } from '../../src/sim/explore-types.js';
import { MAX_MAP_RANGES, bootMap, compareMaps, mapKindOf, savedStateMap } from '../../src/sim/memory-map-model.js';
import { parseScenarioFile, resolveBootInputs } from '../../src/sim/scenario-file.js';

const state = savedStateFromJson(JSON.parse(readFileSync(new URL('../../docs/examples/state.json', import.meta.url), 'utf8')));

function freshBoot() {
  const scenario = parseScenarioFile(exampleAInputs())[0]!;
  const inputs = resolveBootInputs(scenario, { op: 'boot' });
  const r = boot({ shim: inputs.shimParams, host: inputs.hostDt, cmdline: inputs.cmdlineOptions }, new GuestMemory());
  if (r.path === 'panic') throw new Error(r.panic);
  return r;
}

describe('mapKindOf', () => {
  test('every named MemoryVtlType has its kind; an unnamed value is other', () => {
    expect(mapKindOf(MemoryVtlType.VTL0)).toBe('vtl0-ram');
    expect(mapKindOf(MemoryVtlType.VTL2_RAM)).toBe('vtl2-ram');
    expect(mapKindOf(MemoryVtlType.VTL2_CONFIG)).toBe('config');
    expect(mapKindOf(MemoryVtlType.VTL2_SIDECAR_IMAGE)).toBe('sidecar');
    expect(mapKindOf(MemoryVtlType.VTL2_SIDECAR_NODE)).toBe('sidecar');
    expect(mapKindOf(MemoryVtlType.VTL0_MMIO)).toBe('vtl0-mmio');
    expect(mapKindOf(MemoryVtlType.VTL2_MMIO)).toBe('vtl2-mmio');
    expect(mapKindOf(MemoryVtlType.VTL2_RESERVED)).toBe('reserved');
    expect(mapKindOf(MemoryVtlType.VTL2_GPA_POOL)).toBe('pool');
    expect(mapKindOf(MemoryVtlType.VTL2_TDX_PAGE_TABLES)).toBe('tdx-page-tables');
    expect(mapKindOf(MemoryVtlType.VTL2_BOOTSHIM_LOG_BUFFER)).toBe('log-buffer');
    expect(mapKindOf(MemoryVtlType.VTL2_PERSISTED_STATE_HEADER)).toBe('persisted-header');
    expect(mapKindOf(MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF)).toBe('persisted-protobuf');
    expect(mapKindOf(99)).toBe('other');
  });
});

describe('bootMap', () => {
  const r = freshBoot();
  const map = bootMap(r, 'fresh');

  test('one range per /openhcl node, with its bounds, type and (for RAM) vnode', () => {
    expect(map.ranges).toHaveLength(r.openhclMemoryMap.length);
    const sorted = [...r.openhclMemoryMap].sort((a, b) => (a.range.start < b.range.start ? -1 : 1));
    map.ranges.forEach((m, i) => {
      const n = sorted[i]!;
      expect(BigInt(m.start)).toBe(n.range.start);
      expect(BigInt(m.end)).toBe(n.range.end);
      expect(m.kind).toBe(mapKindOf(n.vtlType));
      expect(m.label.startsWith(vtlTypeName(n.vtlType)!)).toBe(true);
      if (n.kind === 'memory') expect(m.vnode).toBe(n.vnode);
    });
  });

  test('sorted by start as numbers, never overlapping, and holding the pool and the persisted span', () => {
    for (let i = 1; i < map.ranges.length; i++) expect(BigInt(map.ranges[i]!.start) >= BigInt(map.ranges[i - 1]!.end)).toBe(true);
    const pool = map.ranges.filter((m) => m.kind === 'pool');
    expect(pool.map((p) => [BigInt(p.start), BigInt(p.end)])).toEqual(r.poolRanges.map((p) => [p.start, p.end]));
    expect(map.ranges.some((m) => m.kind === 'persisted-header')).toBe(true);
    expect(map.ranges.some((m) => m.kind === 'vtl2-mmio')).toBe(true);
  });

  test('RAM labels name the vnode; others do not', () => {
    expect(map.ranges.find((m) => m.kind === 'vtl0-ram')!.label).toBe('VTL0 vnode 0');
    expect(map.ranges.find((m) => m.kind === 'pool')!.label).toBe('VTL2_GPA_POOL');
  });
});

describe('savedStateMap', () => {
  test('the example state: its memory and MMIO entries, sorted', () => {
    const map = savedStateMap(state, 'state');
    expect(map.ranges).toHaveLength(state.partitionMemory.length + state.partitionMmio.length);
    expect(map.ranges.filter((r) => r.kind === 'vtl0-mmio' || r.kind === 'vtl2-mmio')).toHaveLength(state.partitionMmio.length);
  });

  test('sorts by numeric start (0x10 before 0x9 as strings would not) and drops end < start', () => {
    const map = savedStateMap(
      {
        partitionMemory: [
          { range: { start: 0x10n, end: 0x20n }, vnode: 1, vtlType: 1, igvmType: 0 },
          { range: { start: 0x9n, end: 0x10n }, vnode: 0, vtlType: 0, igvmType: 0 },
          { range: { start: 0x40n, end: 0x30n }, vnode: 0, vtlType: 0, igvmType: 0 },
        ],
        partitionMmio: [{ range: { start: 0x1_0000_0000_0000n, end: 0x1_0000_0010_0000n }, vtlType: 5 }],
        cpusWithMappedInterruptsNoIo: [],
        cpusWithOutstandingIo: [],
      },
      't',
    );
    expect(map.ranges.map((r) => r.start)).toEqual(['0x9', '0x10', '0x1000000000000']);
    expect(map.ranges[2]!.vnode).toBeUndefined();
  });
});

describe('compareMaps', () => {
  const m = (ranges: [string, string, string][]): MemoryMapJson => ({
    title: 't',
    ranges: ranges.map(([start, end, label]) => ({ start, end, label, kind: label === 'VTL2_GPA_POOL' ? 'pool' : 'vtl2-ram' })),
  });

  test('same, moved (same kind and label, other bounds), appeared, vanished, in address order', () => {
    const before = m([
      ['0x1000', '0x2000', 'VTL2_RAM vnode 0'],
      ['0x2000', '0x3000', 'VTL2_GPA_POOL'],
      ['0x5000', '0x6000', 'VTL2_RAM vnode 1'],
    ]);
    const after = m([
      ['0x1000', '0x2000', 'VTL2_RAM vnode 0'],
      ['0x3000', '0x4000', 'VTL2_GPA_POOL'],
      ['0x7000', '0x8000', 'VTL2_RAM vnode 2'],
    ]);
    const changes = compareMaps(before, after);
    expect(changes.map((c) => [c.change, c.before?.start ?? null, c.after?.start ?? null])).toEqual([
      ['same', '0x1000', '0x1000'],
      ['moved', '0x2000', '0x3000'],
      ['vanished', '0x5000', null],
      ['appeared', null, '0x7000'],
    ]);
  });

  test('identical maps are all same; one entry per range of either map', () => {
    const a = bootMap(freshBoot(), 'a');
    const changes = compareMaps(a, structuredClone(a));
    expect(changes).toHaveLength(a.ranges.length);
    expect(changes.every((c) => c.change === 'same')).toBe(true);
  });

  test('two ranges of one identity pair in address order', () => {
    const before = m([
      ['0x1000', '0x2000', 'VTL2_GPA_POOL'],
      ['0x8000', '0x9000', 'VTL2_GPA_POOL'],
    ]);
    const after = m([
      ['0x1000', '0x1800', 'VTL2_GPA_POOL'],
      ['0x8000', '0x8800', 'VTL2_GPA_POOL'],
    ]);
    expect(compareMaps(before, after).map((c) => [c.change, c.before!.start, c.after!.start])).toEqual([
      ['moved', '0x1000', '0x1000'],
      ['moved', '0x8000', '0x8000'],
    ]);
  });
});

describe('a saved map is capped: a 2 MiB payload can list a million entries', () => {
  // Mutant killed: the cap removed (a million-entry dump then puts ~100 MB of map JSON in the
  // explorer page), or applied one range early or late.
  const entries = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ range: { start: BigInt(i) * 0x1000n, end: BigInt(i + 1) * 0x1000n }, vnode: 0, vtlType: MemoryVtlType.VTL2_RAM, igvmType: 0 }));
  const withEntries = (n: number) => ({ ...state, partitionMemory: entries(n), partitionMmio: [] });

  test('at the cap every range is kept and nothing is said', () => {
    const m = savedStateMap(withEntries(MAX_MAP_RANGES), 'm');
    expect(m.ranges).toHaveLength(MAX_MAP_RANGES);
    expect(m.omitted).toBeUndefined();
    expect(m.title).toBe('m');
  });

  test('past it the first ranges in address order are kept and the rest counted', () => {
    // Given in reverse: the cap keeps the lowest addresses, not the first entries listed.
    const m = savedStateMap({ ...state, partitionMemory: entries(MAX_MAP_RANGES + 5).reverse(), partitionMmio: [] }, 'm');
    expect(m.ranges).toHaveLength(MAX_MAP_RANGES);
    expect(m.omitted).toBe(5);
    expect(m.title).toBe(`m (the first ${MAX_MAP_RANGES} of ${MAX_MAP_RANGES + 5} ranges)`);
    expect(m.ranges[0]!.start).toBe('0x0');
    expect(m.ranges[MAX_MAP_RANGES - 1]!.end).toBe(`0x${(MAX_MAP_RANGES * 0x1000).toString(16)}`);
  });
});
