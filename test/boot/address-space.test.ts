import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { AddressRange, AddressSpaceInit, AllocatableUsage, AllocationPolicy } from '../../src/boot/address-space.js';
import {
  AddressSpaceError,
  AddressSpaceManager,
  debugRange,
  debugRangePlain,
  debugUsage,
  initOrPanic,
  MAX_ADDRESS_SPACE_ENTRIES,
  MAX_VTL2_RAM_RANGES,
  usageToVtlType,
} from '../../src/boot/address-space.js';
import { BootPanic } from '../../src/boot/panic.js';
import type { PanicKind } from '../../src/boot/panic.js';
import type { ShimParams } from '../../src/boot/types.js';
import { flattenRanges } from '../../src/memory/range-algebra.js';
import { MemoryRange } from '../../src/memory/range.js';
import { MemoryVtlType, vtlTypeFromName, vtlTypeName } from '../../src/memory/vtl-type.js';
import type { ReservedType } from '../../src/memory/vtl-type.js';
import { rangeFromJson } from '../support/json.js';
import { effectiveBootInputs, loadBootVectors, vectorScenario, type BootVector } from '../support/vectors.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const MiB = 0x10_0000n;
const PAGE = 0x1000n;

/** One entry as text, so expected address spaces read like a table. */
const showEntry = (e: AddressRange): string => `${e.range} v${e.vnode} ${e.usage}`;
const show = (m: AddressSpaceManager): string[] => m.entries().map(showEntry);
const showVtl2 = (m: AddressSpaceManager): string[] =>
  m.vtl2Ranges().map((r) => `${r.range} ${vtlTypeName(r.vtlType) ?? r.vtlType}`);
const showReserved = (m: AddressSpaceManager): string[] => m.reservedVtl2Ranges().map((r) => `${r.range} ${r.type}`);

/**
 * A small x86-like layout: 16 MiB of VTL2 RAM on vnode 0 at 0, `used` = [0, 1 MiB), a 20-page
 * persisted span at 0, a reserved region, two config ranges with a reclaimed gap, a log buffer.
 */
function baseInit(overrides: Partial<AddressSpaceInit> = {}): AddressSpaceInit {
  return {
    vtl2Ram: [{ range: R(0n, 16n * MiB), vnode: 0 }],
    bootshimUsed: R(0n, MiB),
    persistedSpan: R(0n, 0x14000n),
    configRanges: [R(0x80000n, 0x88000n), R(0x90000n, 0x98000n)],
    reserved: R(0x7c000n, 0x80000n),
    logBuffer: R(0x98000n, 0x9a000n),
    poolRanges: [],
    ...overrides,
  };
}

const BASE_ENTRIES = [
  '0x0..0x1000 v0 PersistedStateHeader',
  '0x1000..0x14000 v0 PersistedStatePayload',
  '0x14000..0x7c000 v0 Used',
  '0x7c000..0x80000 v0 Vtl2Reserved',
  '0x80000..0x88000 v0 Vtl2Config',
  '0x88000..0x90000 v0 Used',
  '0x90000..0x98000 v0 Vtl2Config',
  '0x98000..0x9a000 v0 BootshimLogBuffer',
  '0x9a000..0x100000 v0 Used',
  '0x100000..0x1000000 v0 Free',
];

/** Runs `f` and returns what it threw, failing the test if it returned. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return expect.fail('expected an exception');
}

function expectPanic(f: () => unknown, message: string, kind: PanicKind): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(BootPanic);
  expect((e as BootPanic).message).toBe(message);
  expect((e as BootPanic).kind).toBe(kind);
}

function expectBuilderError(init: AddressSpaceInit, code: AddressSpaceError['code'], debug: string, manager?: AddressSpaceManager): AddressSpaceError {
  const e = thrown(() => AddressSpaceManager.init(init, manager));
  expect(e).toBeInstanceOf(AddressSpaceError);
  expect((e as AddressSpaceError).code).toBe(code);
  expect((e as AddressSpaceError).debug).toBe(debug);
  // The callers' `.expect(…)` wraps it.
  expectPanic(() => initOrPanic(init, manager), `failed to initialize address space manager: ${debug}`, 'address_space_init_failed');
  return e as AddressSpaceError;
}

describe('Rust Debug formatting', () => {
  it('debugRange is {:#x?}: multi-line, 4-space indent, trailing commas', () => {
    expect(debugRange(R(0x34200000n, 0x37327000n))).toBe('MemoryRange {\n    start: 0x34200000,\n    end: 0x37327000,\n}');
    expect(debugRange(R(0n, 0n))).toBe('MemoryRange {\n    start: 0x0,\n    end: 0x0,\n}');
  });
  it('debugRangePlain is {:?}: one line, decimal', () => {
    expect(debugRangePlain(R(0x100000n, 0x101000n))).toBe('MemoryRange { start: 1048576, end: 1052672 }');
  });
  it('debugUsage wraps reserved types in Reserved(…)', () => {
    expect(['Free', 'Used', 'Vtl2GpaPool'].map((u) => debugUsage(u as 'Free'))).toEqual(['Free', 'Used', 'Reserved(Vtl2GpaPool)']);
  });
  it('usageToVtlType follows upstream From<AddressUsage> for MemoryVtlType', () => {
    const table: [Parameters<typeof usageToVtlType>[0], number][] = [
      ['Free', 1], ['Used', 1], ['Vtl2Config', 2], ['Vtl2Reserved', 7], ['SidecarImage', 3], ['SidecarNode', 4],
      ['Vtl2GpaPool', 8], ['TdxPageTables', 9], ['BootshimLogBuffer', 10], ['PersistedStateHeader', 11], ['PersistedStatePayload', 12],
    ];
    for (const [usage, vtl] of table) expect(usageToVtlType(usage), usage).toBe(vtl);
  });
});

describe('AddressSpaceManager.init (upstream AddressSpaceManagerBuilder::init)', () => {
  it('builds the base layout: Used / reserved pieces inside used, Free outside', () => {
    const m = AddressSpaceManager.init(baseInit());
    expect(show(m)).toEqual(BASE_ENTRIES);
    expect(m.hasVtl2Pool()).toBe(false);
    expect(showReserved(m)).toEqual([
      '0x0..0x1000 PersistedStateHeader',
      '0x1000..0x14000 PersistedStatePayload',
      '0x7c000..0x80000 Vtl2Reserved',
      '0x80000..0x88000 Vtl2Config',
      '0x90000..0x98000 Vtl2Config',
      '0x98000..0x9a000 BootshimLogBuffer',
    ]);
  });

  it('sorts the reserved list by start whatever the input order, and takes sidecar/page tables', () => {
    const m = AddressSpaceManager.init(
      baseInit({
        configRanges: [R(0x90000n, 0x98000n), R(0x80000n, 0x88000n)],
        sidecarImage: R(0x40000n, 0x50000n),
        pageTables: R(0x20000n, 0x21000n),
      }),
    );
    expect(showReserved(m)).toEqual([
      '0x0..0x1000 PersistedStateHeader',
      '0x1000..0x14000 PersistedStatePayload',
      '0x20000..0x21000 TdxPageTables',
      '0x40000..0x50000 SidecarImage',
      '0x7c000..0x80000 Vtl2Reserved',
      '0x80000..0x88000 Vtl2Config',
      '0x90000..0x98000 Vtl2Config',
      '0x98000..0x9a000 BootshimLogBuffer',
    ]);
  });

  it('returns the manager it was given', () => {
    const mgr = new AddressSpaceManager();
    expect(AddressSpaceManager.init(baseInit(), mgr)).toBe(mgr);
    expect(show(mgr)).toEqual(BASE_ENTRIES);
  });

  describe('RamLen (MAX_VTL2_RAM_RANGES: at most 64 VTL2 RAM entries)', () => {
    const ram = (n: number) => Array.from({ length: n }, (_, i) => ({ range: R(BigInt(i) * MiB, BigInt(i + 1) * MiB), vnode: 0 }));
    it('64 entries are accepted', () => {
      const m = AddressSpaceManager.init(baseInit({ vtl2Ram: ram(MAX_VTL2_RAM_RANGES) }));
      expect(m.entries().length).toBe(BASE_ENTRIES.length + 62); // 64 MiB: the last Free piece is split 63 times
    });
    it('65 entries give RamLen { len: 65, max: 64 }', () => {
      const e = expectBuilderError(baseInit({ vtl2Ram: ram(65) }), 'ram_len', 'RamLen { len: 65, max: 64 }');
      expect([e.len, e.max]).toEqual([65, 64]);
    });
    it('is checked before AlreadyInitialized', () => {
      const mgr = AddressSpaceManager.init(baseInit());
      expectBuilderError(baseInit({ vtl2Ram: ram(65) }), 'ram_len', 'RamLen { len: 65, max: 64 }', mgr);
    });
  });

  describe('AlreadyInitialized', () => {
    it('a manager with entries refuses a second init and is left unchanged', () => {
      const mgr = AddressSpaceManager.init(baseInit());
      expectBuilderError(baseInit(), 'already_initialized', 'AlreadyInitialized', mgr);
      expect(show(mgr)).toEqual(BASE_ENTRIES);
    });
    it('a failed init leaves the manager empty, so it can be initialised afterwards', () => {
      const mgr = new AddressSpaceManager();
      expect(() => AddressSpaceManager.init(baseInit({ poolRanges: [R(0n, MiB)] }), mgr)).toThrow(BootPanic);
      expectBuilderError(
        baseInit({ configRanges: [R(MiB, 2n * MiB)] }),
        'reserved_range_outside_bootshim_used',
        'ReservedRangeOutsideBootshimUsed { reserved: MemoryRange { start: 1048576, end: 2097152 }, typ: Vtl2Config, bootshim_used: MemoryRange { start: 0, end: 1048576 } }',
        mgr,
      );
      expect(show(mgr)).toEqual([]);
      expect(show(AddressSpaceManager.init(baseInit(), mgr))).toEqual(BASE_ENTRIES);
    });
  });

  describe('persisted span split (header page, then payload)', () => {
    it('a 1-page span gives a header and an empty (absent) payload', () => {
      const m = AddressSpaceManager.init(baseInit({ persistedSpan: R(0n, PAGE) }));
      expect(show(m).slice(0, 2)).toEqual(['0x0..0x1000 v0 PersistedStateHeader', '0x1000..0x7c000 v0 Used']);
      expect(showReserved(m).map((s) => s.split(' ')[1])).not.toContain('PersistedStatePayload');
    });
    it('the empty payload sorts before a range with the same start (stable order), so no panic', () => {
      const m = AddressSpaceManager.init(baseInit({ persistedSpan: R(0n, PAGE), configRanges: [R(PAGE, 0x5000n)] }));
      expect(show(m).slice(0, 3)).toEqual([
        '0x0..0x1000 v0 PersistedStateHeader',
        '0x1000..0x5000 v0 Vtl2Config',
        '0x5000..0x7c000 v0 Used',
      ]);
    });
    it.each([
      ['empty span', R(0x8000n, 0x8000n)],
      ['empty span at 0', R(0n, 0n)],
    ])('a span under 1 page panics in split_at_offset (%s)', (_, span) => {
      expectPanic(() => AddressSpaceManager.init(baseInit({ persistedSpan: span })), 'assertion failed: offset <= self.len()', 'range_start_gt_end');
    });
    it('the split panic comes before any reserved-range check', () => {
      expectPanic(
        () => AddressSpaceManager.init(baseInit({ persistedSpan: R(0n, 0n), configRanges: [R(100n * MiB, 101n * MiB)] })),
        'assertion failed: offset <= self.len()',
        'range_start_gt_end',
      );
    });
  });

  describe('ReservedRangeOutsideBootshimUsed (reserved ranges walked against used)', () => {
    const used = R(0n, MiB);
    const usedDbg = 'MemoryRange { start: 0, end: 1048576 }';
    it.each<[string, Partial<AddressSpaceInit>, MemoryRange, ReservedType]>([
      ['config completely outside', { configRanges: [R(MiB, MiB + PAGE)] }, R(MiB, MiB + PAGE), 'Vtl2Config'],
      // upstream test_invalid_init_ranges case 1: only the part outside `used` is reported
      ['config partly outside', { configRanges: [R(0xff000n, 0x101000n)] }, R(0x100000n, 0x101000n), 'Vtl2Config'],
      ['log buffer partly outside', { logBuffer: R(0xfe000n, 0x104000n) }, R(0x100000n, 0x104000n), 'BootshimLogBuffer'],
      ['sidecar image far outside', { sidecarImage: R(8n * MiB, 10n * MiB) }, R(8n * MiB, 10n * MiB), 'SidecarImage'],
      ['persisted payload running past used', { persistedSpan: R(0xf0000n, 0x104000n) }, R(0x100000n, 0x104000n), 'PersistedStatePayload'],
    ])('%s', (_, over, piece, typ) => {
      const e = expectBuilderError(
        baseInit({ bootshimUsed: used, ...over }),
        'reserved_range_outside_bootshim_used',
        `ReservedRangeOutsideBootshimUsed { reserved: ${debugRangePlain(piece)}, typ: ${typ}, bootshim_used: ${usedDbg} }`,
      );
      expect(e.reserved?.equals(piece)).toBe(true);
      expect(e.typ).toBe(typ);
      expect(e.bootshimUsed?.equals(used)).toBe(true);
    });
    it('a reserved range partly below used reports the part below', () => {
      const init = baseInit({ bootshimUsed: R(0x10000n, MiB), persistedSpan: R(0x10000n, 0x24000n), reserved: R(0xc000n, 0x12000n) });
      // The sort puts the reserved region first; its piece below `used` is the first Right piece.
      expectBuilderError(
        init,
        'reserved_range_outside_bootshim_used',
        'ReservedRangeOutsideBootshimUsed { reserved: MemoryRange { start: 49152, end: 65536 }, typ: Vtl2Reserved, bootshim_used: MemoryRange { start: 65536, end: 1048576 } }',
      );
    });
    it('the lowest outside piece is the one reported', () => {
      const e = thrown(() => AddressSpaceManager.init(baseInit({ configRanges: [R(3n * MiB, 4n * MiB), R(2n * MiB, 2n * MiB + PAGE)] })));
      expect((e as AddressSpaceError).reserved?.toString()).toBe('0x200000..0x201000');
    });
    it('touching the end of used is fine', () => {
      const m = AddressSpaceManager.init(baseInit({ logBuffer: R(MiB - 0x2000n, MiB) }));
      expect(show(m)).toContain('0xfe000..0x100000 v0 BootshimLogBuffer');
    });
    it('overlapping reserved ranges panic "right not sorted" (the walk, step 4)', () => {
      expectPanic(() => AddressSpaceManager.init(baseInit({ reserved: R(0x84000n, 0x8c000n) })), 'right not sorted', 'walk_right_not_sorted');
    });
    it('more than 20 reserved entries overflow the ArrayVec', () => {
      const configs = Array.from({ length: 16 }, (_, i) => R(0x20000n + BigInt(i) * PAGE, 0x20000n + BigInt(i + 1) * PAGE));
      // header, payload, 16 config, reserved, log buffer = 20: fits.
      expect(AddressSpaceManager.init(baseInit({ configRanges: configs })).reservedVtl2Ranges().length).toBe(20);
      expectPanic(
        () => AddressSpaceManager.init(baseInit({ configRanges: configs, sidecarImage: R(0x40000n, 0x41000n) })),
        'ArrayVec: capacity exceeded in extend/from_iter',
        'capacity_exceeded',
      );
    });
  });

  describe('pool ranges (with_pool_ranges)', () => {
    it('are reserved as Vtl2GpaPool and set hasVtl2Pool, in address order', () => {
      const m = AddressSpaceManager.init(baseInit({ poolRanges: [R(14n * MiB, 16n * MiB), R(4n * MiB, 5n * MiB)] }));
      expect(m.hasVtl2Pool()).toBe(true);
      expect(show(m).slice(-5)).toEqual([
        '0x9a000..0x100000 v0 Used',
        '0x100000..0x400000 v0 Free',
        '0x400000..0x500000 v0 Vtl2GpaPool',
        '0x500000..0xe00000 v0 Free',
        '0xe00000..0x1000000 v0 Vtl2GpaPool',
      ]);
    });
    it('a pool range exactly touching used is fine (scenario H, last boot)', () => {
      const m = AddressSpaceManager.init(baseInit({ poolRanges: [R(MiB, 2n * MiB)] }));
      expect(show(m).slice(-3)).toEqual(['0x9a000..0x100000 v0 Used', '0x100000..0x200000 v0 Vtl2GpaPool', '0x200000..0x1000000 v0 Free']);
    });
    it('a pool range overlapping used panics "right not sorted" (scenario H)', () => {
      expectPanic(
        () => AddressSpaceManager.init(baseInit({ poolRanges: [R(MiB - PAGE, 2n * MiB)] })),
        'right not sorted',
        'walk_right_not_sorted',
      );
    });
    it('a pool range overlapping a reserved piece panics "right not sorted"', () => {
      expectPanic(() => AddressSpaceManager.init(baseInit({ poolRanges: [R(0x84000n, 0x86000n)] })), 'right not sorted', 'walk_right_not_sorted');
    });
    it('overlapping pool ranges panic "right not sorted"', () => {
      expectPanic(
        () => AddressSpaceManager.init(baseInit({ poolRanges: [R(4n * MiB, 6n * MiB), R(5n * MiB, 7n * MiB)] })),
        'right not sorted',
        'walk_right_not_sorted',
      );
    });
    it('an empty pool range still sets hasVtl2Pool and adds no entry', () => {
      const m = AddressSpaceManager.init(baseInit({ poolRanges: [R(4n * MiB, 4n * MiB)] }));
      expect(m.hasVtl2Pool()).toBe(true);
      expect(show(m)).toEqual(BASE_ENTRIES);
    });
    it('an empty pool range sharing the start of a used piece sorts after it and panics "right not sorted"', () => {
      // Rust's sort of at most 20 elements is an insertion sort (stable); the walk then fetches
      // the empty range after passing its start.
      expectPanic(() => AddressSpaceManager.init(baseInit({ poolRanges: [R(0x14000n, 0x14000n)] })), 'right not sorted', 'walk_right_not_sorted');
    });
    it('a pool range outside VTL2 RAM panics "vtl2 range … used by Reserved(Vtl2GpaPool) …"', () => {
      expectPanic(
        () => AddressSpaceManager.init(baseInit({ poolRanges: [R(15n * MiB, 17n * MiB)] })),
        'vtl2 range MemoryRange {\n    start: 0x1000000,\n    end: 0x1100000,\n} used by Reserved(Vtl2GpaPool) not contained in vtl2 ram',
        'vtl2_range_outside',
      );
    });
  });

  describe('VTL2 RAM walk (entries never merged)', () => {
    it('used extending past VTL2 RAM panics with the {:#x?} range and {:?} usage', () => {
      // Scenario s1-0134 (grown image): RAM ends at 0x34200000 but used runs on to 0x374b9000.
      const init: AddressSpaceInit = {
        vtl2Ram: [{ range: R(0x30200000n, 0x34200000n), vnode: 0 }],
        bootshimUsed: R(0x30200000n, 0x374b9000n),
        persistedSpan: R(0x30200000n, 0x30214000n),
        configRanges: [R(0x3732b000n, 0x37353000n), R(0x37393000n, 0x37495000n)],
        reserved: R(0x37327000n, 0x3732b000n),
        logBuffer: R(0x37495000n, 0x37497000n),
        poolRanges: [],
      };
      expectPanic(
        () => initOrPanic(init),
        'vtl2 range MemoryRange {\n    start: 0x34200000,\n    end: 0x37327000,\n} used by Used not contained in vtl2 ram',
        'vtl2_range_outside',
      );
    });
    it('a reserved range in a hole between RAM entries panics with its reserved usage', () => {
      const init = baseInit({
        vtl2Ram: [{ range: R(0n, 0x80000n), vnode: 0 }, { range: R(0x88000n, 16n * MiB), vnode: 0 }],
      });
      expectPanic(
        () => AddressSpaceManager.init(init),
        'vtl2 range MemoryRange {\n    start: 0x80000,\n    end: 0x88000,\n} used by Reserved(Vtl2Config) not contained in vtl2 ram',
        'vtl2_range_outside',
      );
    });
    it('overlapping VTL2 RAM panics "left not sorted" when the second entry is fetched', () => {
      const init = baseInit({ vtl2Ram: [{ range: R(0n, 16n * MiB), vnode: 0 }, { range: R(4n * MiB, 8n * MiB), vnode: 0 }] });
      expectPanic(() => AddressSpaceManager.init(init), 'left not sorted', 'walk_left_not_sorted');
    });
    it('with unsorted VTL2 RAM, a used piece below the first entry panics first (the walk is lazy)', () => {
      const init = baseInit({ vtl2Ram: [{ range: R(2n * MiB, 16n * MiB), vnode: 0 }, { range: R(0n, 2n * MiB), vnode: 0 }] });
      expectPanic(
        () => AddressSpaceManager.init(init),
        'vtl2 range MemoryRange {\n    start: 0x0,\n    end: 0x1000,\n} used by Reserved(PersistedStateHeader) not contained in vtl2 ram',
        'vtl2_range_outside',
      );
    });
    it('pieces keep RAM-entry boundaries and vnodes, and are never merged', () => {
      const m = AddressSpaceManager.init(
        baseInit({
          vtl2Ram: [
            { range: R(0n, 0x40000n), vnode: 0 },
            { range: R(0x40000n, 0x84000n), vnode: 1 },
            { range: R(0x84000n, 2n * MiB), vnode: 1 },
            { range: R(2n * MiB, 3n * MiB), vnode: 1 },
            { range: R(4n * MiB, 5n * MiB), vnode: 2 },
          ],
        }),
      );
      expect(show(m)).toEqual([
        '0x0..0x1000 v0 PersistedStateHeader',
        '0x1000..0x14000 v0 PersistedStatePayload',
        '0x14000..0x40000 v0 Used',
        '0x40000..0x7c000 v1 Used',
        '0x7c000..0x80000 v1 Vtl2Reserved',
        '0x80000..0x84000 v1 Vtl2Config',
        '0x84000..0x88000 v1 Vtl2Config',
        '0x88000..0x90000 v1 Used',
        '0x90000..0x98000 v1 Vtl2Config',
        '0x98000..0x9a000 v1 BootshimLogBuffer',
        '0x9a000..0x100000 v1 Used',
        '0x100000..0x200000 v1 Free',
        '0x200000..0x300000 v1 Free',
        '0x400000..0x500000 v2 Free',
      ]);
      expect(m.freeRanges(1).map(String)).toEqual(['0x100000..0x200000', '0x200000..0x300000']);
      expect(m.freeRanges(2).map(String)).toEqual(['0x400000..0x500000']);
      expect(m.freeRanges(0)).toEqual([]);
    });
    it('empty RAM entries are skipped', () => {
      const m = AddressSpaceManager.init(baseInit({ vtl2Ram: [{ range: R(0n, 0n), vnode: 3 }, { range: R(0n, 16n * MiB), vnode: 0 }] }));
      expect(show(m)).toEqual(BASE_ENTRIES);
    });
    it('a vnode that is not a u32 is an invalid_argument error that initOrPanic does not wrap', () => {
      const init = baseInit({ vtl2Ram: [{ range: R(0n, 16n * MiB), vnode: -1 }] });
      for (const f of [() => AddressSpaceManager.init(init), () => initOrPanic(init)]) {
        const e = thrown(f);
        expect(e).toBeInstanceOf(AddressSpaceError);
        expect((e as AddressSpaceError).code).toBe('invalid_argument');
      }
    });
  });
});

describe('allocate / allocateAligned (upstream allocate, allocate_aligned)', () => {
  /** RAM [0, 16 MiB) v0 + [16, 32 MiB) v1, used [0, 1 MiB + 4 KiB): Free from 0x101000. */
  const twoNodes = (): AddressSpaceManager =>
    AddressSpaceManager.init(
      baseInit({
        vtl2Ram: [{ range: R(0n, 16n * MiB), vnode: 0 }, { range: R(16n * MiB, 32n * MiB - PAGE), vnode: 1 }],
        bootshimUsed: R(0n, MiB + PAGE),
      }),
    );
  const FREE = ['0x101000..0x1000000 v0 Free', '0x1000000..0x1fff000 v1 Free'];
  const tail = (m: AddressSpaceManager, n: number): string[] => show(m).slice(-n);

  it('length 0 gives undefined and changes nothing', () => {
    const m = twoNodes();
    expect(m.allocate(undefined, 0n, 'Vtl2GpaPool', 'LowMemory')).toBeUndefined();
    expect(m.allocateAligned(0, 0n, 'Vtl2GpaPool', 'HighMemory', 2n * MiB)).toBeUndefined();
    expect(tail(m, 2)).toEqual(FREE);
    expect(m.hasVtl2Pool()).toBe(false);
  });

  it.each<[string, bigint, AllocationPolicy, number | undefined, string, string[]]>([
    ['0x1001 rounds up to 0x2000 (Low)', 0x1001n, 'LowMemory', undefined, '0x101000..0x103000',
      ['0x101000..0x103000 v0 SidecarNode', '0x103000..0x1000000 v0 Free', '0x1000000..0x1fff000 v1 Free']],
    ['0x1001 rounds up to 0x2000 (High)', 0x1001n, 'HighMemory', undefined, '0x1ffd000..0x1fff000',
      ['0x101000..0x1000000 v0 Free', '0x1000000..0x1ffd000 v1 Free', '0x1ffd000..0x1fff000 v1 SidecarNode']],
    ['1 byte is one page', 1n, 'LowMemory', undefined, '0x101000..0x102000',
      ['0x101000..0x102000 v0 SidecarNode', '0x102000..0x1000000 v0 Free', '0x1000000..0x1fff000 v1 Free']],
    ['High on vnode 0 takes the top of vnode 0', 0x3000n, 'HighMemory', 0, '0xffd000..0x1000000',
      ['0x101000..0xffd000 v0 Free', '0xffd000..0x1000000 v0 SidecarNode', '0x1000000..0x1fff000 v1 Free']],
    ['Low on vnode 1 takes the bottom of vnode 1', 0x3000n, 'LowMemory', 1, '0x1000000..0x1003000',
      ['0x101000..0x1000000 v0 Free', '0x1000000..0x1003000 v1 SidecarNode', '0x1003000..0x1fff000 v1 Free']],
    ['a whole entry leaves no free piece', 0xeff000n, 'LowMemory', 0, '0x101000..0x1000000',
      ['0x101000..0x1000000 v0 SidecarNode', '0x1000000..0x1fff000 v1 Free']],
    ['Low skips an entry that is too short', 0xf00000n, 'LowMemory', undefined, '0x1000000..0x1f00000',
      ['0x101000..0x1000000 v0 Free', '0x1000000..0x1f00000 v1 SidecarNode', '0x1f00000..0x1fff000 v1 Free']],
  ])('%s', (_, len, policy, vnode, got, after) => {
    const m = twoNodes();
    expect(m.allocate(vnode, len, 'SidecarNode', policy)?.toString()).toBe(got);
    expect(tail(m, after.length)).toEqual(after);
    expect(m.hasVtl2Pool()).toBe(false);
  });

  it.each<[string, bigint, number | undefined]>([
    ['longer than any free entry', 0x1000000n, undefined],
    ['longer than any free entry on the vnode', 0xf00000n, 0],
    ['a vnode with no memory', PAGE, 7],
  ])('no fit gives undefined and changes nothing: %s', (_, len, vnode) => {
    const m = twoNodes();
    for (const policy of ['LowMemory', 'HighMemory'] as const) expect(m.allocate(vnode, len, 'Vtl2GpaPool', policy)).toBeUndefined();
    expect(tail(m, 2)).toEqual(FREE);
    expect(m.hasVtl2Pool()).toBe(false);
  });

  it('only Free entries are taken (Used and reserved are never allocated)', () => {
    const m = AddressSpaceManager.init(baseInit({ vtl2Ram: [{ range: R(0n, MiB), vnode: 0 }] }));
    expect(m.allocate(undefined, PAGE, 'Vtl2GpaPool', 'LowMemory')).toBeUndefined();
  });

  it('a Vtl2GpaPool allocation sets hasVtl2Pool; TdxPageTables and SidecarNode do not', () => {
    const m = twoNodes();
    m.allocate(undefined, PAGE, 'TdxPageTables', 'LowMemory');
    m.allocate(undefined, PAGE, 'SidecarNode', 'LowMemory');
    expect(m.hasVtl2Pool()).toBe(false);
    expect(m.allocate(undefined, 2n * MiB, 'Vtl2GpaPool', 'HighMemory')?.toString()).toBe('0x1dff000..0x1fff000');
    expect(m.hasVtl2Pool()).toBe(true);
    expect(showReserved(m).slice(-3)).toEqual(['0x101000..0x102000 TdxPageTables', '0x102000..0x103000 SidecarNode', '0x1dff000..0x1fff000 Vtl2GpaPool']);
    expect(showVtl2(m).slice(-5)).toEqual([
      '0x9a000..0x101000 VTL2_RAM',
      '0x101000..0x102000 VTL2_TDX_PAGE_TABLES',
      '0x102000..0x103000 VTL2_SIDECAR_NODE',
      '0x103000..0x1dff000 VTL2_RAM',
      '0x1dff000..0x1fff000 VTL2_GPA_POOL',
    ]);
  });

  describe('aligned', () => {
    it('LowMemory aligns only the start', () => {
      const m = twoNodes();
      expect(m.allocateAligned(undefined, 0x3000n, 'TdxPageTables', 'LowMemory', 2n * MiB)?.toString()).toBe('0x200000..0x203000');
      expect(tail(m, 4)).toEqual([
        '0x101000..0x200000 v0 Free',
        '0x200000..0x203000 v0 TdxPageTables',
        '0x203000..0x1000000 v0 Free',
        '0x1000000..0x1fff000 v1 Free',
      ]);
    });
    it('HighMemory aligns only the end', () => {
      const m = twoNodes();
      // v1 ends at 0x1fff000, so its 2 MiB-aligned sub-range ends at 0x1e00000.
      expect(m.allocateAligned(undefined, 0x3000n, 'Vtl2GpaPool', 'HighMemory', 2n * MiB)?.toString()).toBe('0x1dfd000..0x1e00000');
      expect(tail(m, 3)).toEqual(['0x1000000..0x1dfd000 v1 Free', '0x1dfd000..0x1e00000 v1 Vtl2GpaPool', '0x1e00000..0x1fff000 v1 Free']);
      expect(m.hasVtl2Pool()).toBe(true);
    });
    it('a 2 MiB aligned 2 MiB allocation (TDX page tables) is aligned at both ends', () => {
      const m = twoNodes();
      expect(m.allocateAligned(undefined, 2n * MiB, 'TdxPageTables', 'LowMemory', 2n * MiB)?.toString()).toBe('0x200000..0x400000');
    });
    it('an entry whose aligned sub-range is too short is skipped even if the entry is long enough', () => {
      const m = AddressSpaceManager.init(
        baseInit({
          vtl2Ram: [{ range: R(0n, 0x3ff000n), vnode: 0 }, { range: R(0x401000n, 0x800000n), vnode: 0 }],
          bootshimUsed: R(0n, MiB + PAGE),
        }),
      );
      // [0x101000, 0x3ff000) is 0x2fe000 long, but its 2 MiB-aligned part is only [0x200000, 0x200000).
      expect(m.allocateAligned(undefined, 2n * MiB, 'TdxPageTables', 'LowMemory', 2n * MiB)?.toString()).toBe('0x600000..0x800000');
    });
    it.each([
      ['alignment larger than any entry (empty aligned sub-ranges)', 1n << 40n, PAGE],
      // Both free entries are long enough (0xeff000, 0xfff000), but their 2 MiB-aligned parts are 0xe00000.
      ['aligned sub-ranges shorter than len', 2n * MiB, 0xe01000n],
    ])('an unsatisfiable alignment gives undefined: %s', (_, alignment, len) => {
      const m = twoNodes();
      for (const policy of ['LowMemory', 'HighMemory'] as const) {
        expect(m.allocateAligned(undefined, len, 'Vtl2GpaPool', policy, alignment)).toBeUndefined();
      }
      expect(m.allocate(undefined, len, 'SidecarNode', 'LowMemory')).toBeDefined(); // unaligned it fits
      expect(m.hasVtl2Pool()).toBe(false);
    });
    it('a non-power-of-two alignment panics once an entry is scanned', () => {
      const m = twoNodes();
      expectPanic(() => m.allocateAligned(undefined, PAGE, 'Vtl2GpaPool', 'LowMemory', 0x3000n), 'assertion failed: alignment.is_power_of_two()', 'range_start_unaligned');
      // With nothing to scan there is no panic.
      expect(new AddressSpaceManager().allocateAligned(undefined, PAGE, 'Vtl2GpaPool', 'LowMemory', 0x3000n)).toBeUndefined();
    });
  });

  it('a length that rounds past u64 overflows; a non-u64 length or vnode is invalid_argument', () => {
    const m = twoNodes();
    expectPanic(() => m.allocate(undefined, (1n << 64n) - 1n, 'Vtl2GpaPool', 'LowMemory'), 'attempt to multiply with overflow', 'arithmetic_overflow');
    expect(m.allocate(undefined, (1n << 64n) - PAGE, 'Vtl2GpaPool', 'LowMemory')).toBeUndefined();
    for (const f of [() => m.allocate(undefined, -1n, 'Vtl2GpaPool', 'LowMemory'), () => m.allocate(0.5, PAGE, 'Vtl2GpaPool', 'LowMemory')]) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(AddressSpaceError);
      expect((e as AddressSpaceError).code).toBe('invalid_argument');
    }
  });

  it(`the address space holds at most ${MAX_ADDRESS_SPACE_ENTRIES} entries`, () => {
    const m = AddressSpaceManager.init(baseInit({ vtl2Ram: [{ range: R(0n, MiB + 0x400000n), vnode: 0 }] }));
    const start = m.entries().length;
    let n = start;
    // Each Low allocation of one page from the free tail adds one entry until the vector is full.
    while (n < MAX_ADDRESS_SPACE_ENTRIES) {
      expect(m.allocate(undefined, PAGE, 'SidecarNode', 'LowMemory')).toBeDefined();
      n = m.entries().length;
    }
    expect(n).toBe(MAX_ADDRESS_SPACE_ENTRIES);
    const before = show(m);
    expectPanic(() => m.allocate(undefined, PAGE, 'SidecarNode', 'LowMemory'), 'called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity', 'capacity_exceeded');
    expect(show(m)).toEqual(before);
    // Taking a whole free entry needs no new entry, so it still works when full.
    const last = m.entries().at(-1) as AddressRange;
    expect(m.allocate(undefined, last.range.len, 'SidecarNode', 'HighMemory')?.equals(last.range)).toBe(true);
  });
});

describe('views (upstream vtl2_ranges, reserved_vtl2_ranges, free_ranges)', () => {
  it('vtl2Ranges merges Free and Used across RAM-entry and vnode boundaries; reservedVtl2Ranges does not merge', () => {
    const m = AddressSpaceManager.init(
      baseInit({
        vtl2Ram: [
          { range: R(0n, 0x84000n), vnode: 0 },
          { range: R(0x84000n, 0x200000n), vnode: 1 },
          { range: R(0x200000n, 0x300000n), vnode: 2 },
          { range: R(0x400000n, 0x500000n), vnode: 2 },
        ],
        poolRanges: [R(0x280000n, 0x300000n), R(0x400000n, 0x480000n)],
      }),
    );
    expect(showVtl2(m)).toEqual([
      '0x0..0x1000 VTL2_PERSISTED_STATE_HEADER',
      '0x1000..0x14000 VTL2_PERSISTED_STATE_PROTOBUF',
      '0x14000..0x7c000 VTL2_RAM',
      '0x7c000..0x80000 VTL2_RESERVED',
      '0x80000..0x88000 VTL2_CONFIG', // two entries (v0 and v1) merged
      '0x88000..0x90000 VTL2_RAM',
      '0x90000..0x98000 VTL2_CONFIG',
      '0x98000..0x9a000 VTL2_BOOTSHIM_LOG_BUFFER',
      '0x9a000..0x280000 VTL2_RAM', // Used v1 + Free v1 + Free v2
      '0x280000..0x300000 VTL2_GPA_POOL',
      '0x400000..0x480000 VTL2_GPA_POOL', // a gap: not merged
      '0x480000..0x500000 VTL2_RAM',
    ]);
    expect(showReserved(m)).toEqual([
      '0x0..0x1000 PersistedStateHeader',
      '0x1000..0x14000 PersistedStatePayload',
      '0x7c000..0x80000 Vtl2Reserved',
      '0x80000..0x84000 Vtl2Config',
      '0x84000..0x88000 Vtl2Config',
      '0x90000..0x98000 Vtl2Config',
      '0x98000..0x9a000 BootshimLogBuffer',
      '0x280000..0x300000 Vtl2GpaPool',
      '0x400000..0x480000 Vtl2GpaPool',
    ]);
  });

  it('"1 MiB chunks" (upstream test_e820_basic): many RAM entries give one merged VTL2_RAM run', () => {
    const m = AddressSpaceManager.init(
      baseInit({ vtl2Ram: Array.from({ length: 16 }, (_, i) => ({ range: R(BigInt(i) * MiB, BigInt(i + 1) * MiB), vnode: i % 2 })) }),
    );
    expect(m.entries().length).toBe(BASE_ENTRIES.length + 14); // the Free tail is 15 pieces
    expect(showVtl2(m).at(-1)).toBe('0x9a000..0x1000000 VTL2_RAM');
  });

  it('touching allocations of the same type merge in vtl2Ranges but stay separate in reservedVtl2Ranges', () => {
    const m = AddressSpaceManager.init(baseInit());
    m.allocate(0, PAGE, 'SidecarNode', 'LowMemory');
    m.allocate(0, PAGE, 'SidecarNode', 'LowMemory');
    expect(showVtl2(m).slice(-2)).toEqual(['0x100000..0x102000 VTL2_SIDECAR_NODE', '0x102000..0x1000000 VTL2_RAM']);
    expect(showReserved(m).slice(-2)).toEqual(['0x100000..0x101000 SidecarNode', '0x101000..0x102000 SidecarNode']);
  });

  it('entries() is a snapshot', () => {
    const m = AddressSpaceManager.init(baseInit());
    const snap = m.entries();
    snap.pop();
    expect(show(m)).toEqual(BASE_ENTRIES);
    expect(Object.isFrozen(m.entries()[0])).toBe(true);
  });

  it('an empty manager has empty views', () => {
    const m = new AddressSpaceManager();
    expect([m.vtl2Ranges(), m.reservedVtl2Ranges(), m.freeRanges(0), m.entries(), m.hasVtl2Pool()]).toEqual([[], [], [], [], false]);
  });
});

// ---------------------------------------------------------------------------------------------
// Vectors: the real boot shim's vtl2_ranges / memreserve for every successful boot.

interface JRange {
  start: string | number;
  end: string | number;
}

interface BootResult {
  op: 'boot';
  path: string;
  vtl2_ram: { range: JRange; vnode: number }[];
  pool_ranges: JRange[];
  has_vtl2_pool: boolean;
  vtl2_ranges: { range: JRange; vtl_type: string | number }[];
  memreserve: { range: JRange; type: string }[];
}

/** The shim params a boot step ran with: `shim_params` replaces the base, `shim_params_override` merges shallowly. */
function effectiveShimParams(s: BootVector, stepIndex: number): ShimParams {
  const scenario = vectorScenario(s);
  expect(scenario.lifecycle[stepIndex]?.op, `${s.name} step ${stepIndex}`).toBe('boot');
  return effectiveBootInputs(scenario, stepIndex).shimParams;
}

/** The union of same-type rows (they are pieces of one range split at RAM-entry boundaries). */
function union(rows: MemoryRange[]): MemoryRange | undefined {
  const merged = [...flattenRanges(rows.slice().sort((a, b) => (a.start < b.start ? -1 : 1)))];
  expect(merged.length, 'one range per singleton type').toBeLessThanOrEqual(1);
  return merged[0];
}

const IGNORED_MEMRESERVE = new Set(['SidecarNode', 'TdxPageTables']);

function initFromVector(s: BootVector, stepIndex: number, r: BootResult): AddressSpaceInit {
  const shim = effectiveShimParams(s, stepIndex);
  const of = (type: string): MemoryRange[] => r.memreserve.filter((m) => m.type === type).map((m) => rangeFromJson(m.range));
  const persisted = union([...of('PersistedStateHeader'), ...of('PersistedStatePayload')]);
  expect(persisted, `${s.name}: persisted span`).toBeDefined();
  const opt = (type: string): Partial<AddressSpaceInit> => {
    const u = union(of(type));
    const key = ({ Vtl2Reserved: 'reserved', SidecarImage: 'sidecarImage', BootshimLogBuffer: 'logBuffer' } as const)[type as 'Vtl2Reserved'];
    return u === undefined ? {} : { [key]: u };
  };
  return {
    vtl2Ram: r.vtl2_ram.map((e) => ({ range: rangeFromJson(e.range), vnode: e.vnode })).sort((a, b) => (a.range.start < b.range.start ? -1 : 1)),
    bootshimUsed: shim.used,
    persistedSpan: persisted as MemoryRange,
    configRanges: of('Vtl2Config'),
    ...opt('Vtl2Reserved'),
    ...opt('SidecarImage'),
    ...opt('BootshimLogBuffer'),
    poolRanges: r.pool_ranges.map(rangeFromJson),
  };
}

const vtlNum = (t: string | number): number => (typeof t === 'number' ? t : (vtlTypeFromName(t) ?? Number.NaN));

describe('vectors: vtl2Ranges / reservedVtl2Ranges of every successful boot', () => {
  it('match the real boot shim', () => {
    let checked = 0;
    const perFile: string[] = [];
    for (const { file, vectors: scenarios } of loadBootVectors()) {
      let n = 0;
      for (const s of scenarios) {
        s.expected.steps.forEach((step, i) => {
          if (step.op !== 'boot' || (step['path'] !== 'host' && step['path'] !== 'persisted')) return;
          const r = step as unknown as BootResult;
          const where = `${file}: ${s.name} step ${i}`;
          const m = initOrPanic(initFromVector(s, i, r));
          expect(
            m.vtl2Ranges().map((x) => `${x.range} ${x.vtlType}`),
            where,
          ).toEqual(r.vtl2_ranges.map((x) => `${rangeFromJson(x.range)} ${vtlNum(x.vtl_type)}`));
          expect(
            m.reservedVtl2Ranges().map((x) => `${x.range} ${x.type}`),
            where,
          ).toEqual(r.memreserve.filter((x) => !IGNORED_MEMRESERVE.has(x.type)).map((x) => `${rangeFromJson(x.range)} ${x.type}`));
          expect(m.hasVtl2Pool(), where).toBe(r.has_vtl2_pool);
          n++;
        });
      }
      perFile.push(`${file}: ${n}`);
      checked += n;
    }
    console.log(`address-space vectors: ${checked} boot steps checked (${perFile.join(', ')})`);
    expect(checked).toBeGreaterThan(250);
  });

  it('scenario H: the pool carried over into a grown `used` panics "right not sorted"', () => {
    const h = loadBootVectors()[0].vectors.find((s) => s.name === 'H') as BootVector;
    const first = h.expected.steps[0] as unknown as BootResult;
    expect(h.expected.steps[2]?.['panic']).toBe('right not sorted');
    // The restore reuses the first boot's map; only `used` differs (it now overlaps the pool).
    const init = { ...initFromVector(h, 0, first), bootshimUsed: effectiveShimParams(h, 2).used };
    expectPanic(() => initOrPanic(init), 'right not sorted', 'walk_right_not_sorted');
    // The last boot's `used` only touches the pool: fine (and it is checked by the vector test too).
    const ok = { ...init, bootshimUsed: effectiveShimParams(h, 3).used };
    expect(initOrPanic(ok).hasVtl2Pool()).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: the address space always partitions the VTL2 RAM exactly.

interface Layout {
  init: AddressSpaceInit;
}

/** Random VTL2 RAM (entries on random vnodes, some gaps), `used` inside one contiguous run, reserved ranges inside `used`, pools outside it. */
const layoutArb: fc.Arbitrary<Layout> = fc
  .record({
    basePages: fc.bigInt({ min: 0n, max: 1n << 30n }),
    entries: fc.array(fc.record({ pages: fc.bigInt({ min: 1n, max: 64n }), gap: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 8n })), vnode: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 10 }),
    runPick: fc.nat(),
    usedA: fc.nat(),
    usedB: fc.nat(),
    cuts: fc.array(fc.nat(), { maxLength: 12 }),
    roles: fc.array(fc.constantFrom('none', 'config', 'reserved', 'sidecar', 'log', 'persisted'), { maxLength: 14 }),
    pools: fc.array(fc.record({ piece: fc.nat(), a: fc.nat(), b: fc.nat() }), { maxLength: 4 }),
  })
  .map(({ basePages, entries, runPick, usedA, usedB, cuts, roles, pools }) => {
    let page = basePages;
    const vtl2Ram = entries.map((e, i) => {
      if (i > 0) page += e.gap;
      const range = R(page * PAGE, (page + e.pages) * PAGE);
      page += e.pages;
      return { range, vnode: e.vnode };
    });
    // Contiguous runs of RAM (in pages).
    const runs = [...flattenRanges(vtl2Ram.map((e) => e.range))];
    const run = runs[runPick % runs.length] as MemoryRange;
    const runPages = run.len / PAGE;
    let a = BigInt(usedA) % (runPages + 1n);
    let b = BigInt(usedB) % (runPages + 1n);
    if (a > b) [a, b] = [b, a];
    // At least one page, for the persisted header.
    if (a === b) {
      if (b < runPages) b += 1n;
      else a -= 1n;
    }
    const used = R(run.start + a * PAGE, run.start + b * PAGE);
    // Cut `used` into segments and give each a role.
    const usedPages = used.len / PAGE;
    const points = [...new Set([0n, usedPages, ...cuts.map((c) => BigInt(c) % (usedPages + 1n))])].sort((x, y) => (x < y ? -1 : 1));
    const segments = points.slice(1).map((p, i) => R(used.start + (points[i] as bigint) * PAGE, used.start + p * PAGE));
    const init: AddressSpaceInit = { vtl2Ram, bootshimUsed: used, persistedSpan: segments[0] as MemoryRange, configRanges: [], poolRanges: [] };
    const persistedAt = roles.indexOf('persisted');
    const persistedIdx = persistedAt >= 0 && persistedAt < segments.length ? persistedAt : 0;
    init.persistedSpan = segments[persistedIdx] as MemoryRange;
    segments.forEach((seg, i) => {
      if (i === persistedIdx) return;
      const role = roles[i] ?? 'none';
      if (role === 'config') init.configRanges.push(seg);
      else if (role === 'reserved' && init.reserved === undefined) init.reserved = seg;
      else if (role === 'sidecar' && init.sidecarImage === undefined) init.sidecarImage = seg;
      else if (role === 'log' && init.logBuffer === undefined) init.logBuffer = seg;
    });
    // Pools: sub-ranges of the RAM outside `used`, at most one per piece.
    const outside = vtl2Ram.flatMap((e) =>
      [R(e.range.start, e.range.start > used.start ? e.range.start : e.range.end < used.start ? e.range.end : used.start),
        R(e.range.start > used.end ? e.range.start : e.range.end < used.end ? e.range.end : used.end, e.range.end)].filter((r) => !r.isEmpty()),
    );
    const taken = new Set<number>();
    for (const p of pools) {
      if (outside.length === 0) break;
      const k = p.piece % outside.length;
      if (taken.has(k)) continue;
      taken.add(k);
      const piece = outside[k] as MemoryRange;
      const n = piece.len / PAGE;
      // Non-empty: an empty pool range sharing a start with a used piece panics (a unit test pins that).
      let x = BigInt(p.a) % n;
      let y = BigInt(p.b) % n;
      if (x > y) [x, y] = [y, x];
      y += 1n;
      init.poolRanges.push(R(piece.start + x * PAGE, piece.start + y * PAGE));
    }
    return { init };
  });

const allocArb = fc.record({
  vnode: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  len: fc.oneof(fc.bigInt({ min: 0n, max: 0x20000n }), fc.bigInt({ min: 0n, max: 0x80000n })),
  usage: fc.constantFrom<AllocatableUsage>('Vtl2GpaPool', 'SidecarNode', 'TdxPageTables'),
  policy: fc.constantFrom<AllocationPolicy>('LowMemory', 'HighMemory'),
  alignment: fc.option(fc.constantFrom(0x1000n, 0x2000n, 0x10000n, 0x200000n), { nil: undefined }),
});

/** vtl2Ranges() must be sorted, disjoint, merged, and cover exactly the VTL2 RAM; entries must lie in RAM with its vnode. */
function checkPartition(m: AddressSpaceManager, init: AddressSpaceInit): void {
  const ranges = m.vtl2Ranges();
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1] as (typeof ranges)[number];
    const cur = ranges[i] as (typeof ranges)[number];
    expect(cur.range.start >= prev.range.end).toBe(true);
    if (cur.range.start === prev.range.end) expect(cur.vtlType).not.toBe(prev.vtlType);
  }
  const covered = [...flattenRanges(ranges.map((r) => r.range))].map(String);
  const ram = [...flattenRanges(init.vtl2Ram.map((e) => e.range).filter((r) => !r.isEmpty()))].map(String);
  expect(covered).toEqual(ram);
  const sum = (rs: MemoryRange[]) => rs.reduce((s, r) => s + r.len, 0n);
  expect(sum(ranges.map((r) => r.range))).toBe(sum(init.vtl2Ram.map((e) => e.range)));
  const entries = m.entries();
  for (const [i, e] of entries.entries()) {
    expect(e.range.isEmpty()).toBe(false);
    if (i > 0) expect(e.range.start >= (entries[i - 1] as AddressRange).range.end).toBe(true);
    expect(init.vtl2Ram.some((r) => r.vnode === e.vnode && r.range.contains(e.range))).toBe(true);
  }
}

describe('properties', () => {
  it('init partitions the VTL2 RAM exactly, with reserved ranges and pools in place', () => {
    fc.assert(
      fc.property(layoutArb, ({ init }) => {
        const m = AddressSpaceManager.init(init);
        checkPartition(m, init);
        const reservedLen = m.reservedVtl2Ranges().reduce((s, r) => s + r.range.len, 0n);
        const expected = [init.persistedSpan, ...init.configRanges, init.reserved, init.sidecarImage, init.logBuffer, ...init.poolRanges]
          .filter((r): r is MemoryRange => r !== undefined)
          .reduce((s, r) => s + r.len, 0n);
        expect(reservedLen).toBe(expected);
        expect(m.hasVtl2Pool()).toBe(init.poolRanges.length > 0);
        expect(m.vtl2Ranges().filter((r) => r.vtlType === MemoryVtlType.VTL2_GPA_POOL).reduce((s, r) => s + r.range.len, 0n)).toBe(
          init.poolRanges.reduce((s, r) => s + r.len, 0n),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('allocations carve first-fit Free memory and keep the partition exact', () => {
    fc.assert(
      fc.property(layoutArb, fc.array(allocArb, { maxLength: 12 }), ({ init }, allocs) => {
        const m = AddressSpaceManager.init(init);
        for (const a of allocs) {
          const before = m.entries();
          const got =
            a.alignment === undefined
              ? m.allocate(a.vnode, a.len, a.usage, a.policy)
              : m.allocateAligned(a.vnode, a.len, a.usage, a.policy, a.alignment);
          const len = ((a.len + PAGE - 1n) / PAGE) * PAGE;
          const fits = (e: AddressRange) =>
            e.usage === 'Free' && e.range.len >= len && (a.vnode === undefined || e.vnode === a.vnode) &&
            (a.alignment === undefined || e.range.alignedSubrange(a.alignment).len >= len);
          const ordered = a.policy === 'LowMemory' ? before : before.slice().reverse();
          const chosen = len === 0n ? undefined : ordered.find(fits);
          if (chosen === undefined) {
            expect(got).toBeUndefined();
            expect(m.entries()).toEqual(before);
            continue;
          }
          expect(got).toBeDefined();
          const r = got as MemoryRange;
          expect(r.len).toBe(len);
          expect(chosen.range.contains(r)).toBe(true);
          if (a.alignment !== undefined) {
            const edge = a.policy === 'LowMemory' ? r.start : r.end;
            expect(edge % a.alignment).toBe(0n);
          }
          const sub = a.alignment === undefined ? chosen.range : chosen.range.alignedSubrange(a.alignment);
          expect(a.policy === 'LowMemory' ? r.start === sub.start : r.end === sub.end).toBe(true);
          expect(m.entries().some((e) => e.range.equals(r) && e.usage === a.usage && e.vnode === chosen.vnode)).toBe(true);
          if (a.usage === 'Vtl2GpaPool') expect(m.hasVtl2Pool()).toBe(true);
          checkPartition(m, init);
        }
      }),
      { numRuns: 300 },
    );
  });
});
