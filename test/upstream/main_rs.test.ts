/**
 * Upstream's E820 tests of the boot shim (openhcl/openhcl_boot/src/main.rs, `mod test`, openvmm
 * 1488a37b7), one vitest case per `#[test]`, asserting what upstream asserts. The file's other
 * tests (`fdt_cpu_scaling`, `fdt_dtc_check_content`, `fdt_dtc_decompile`) write FDT blobs and are
 * not ported (docs/boot-shim.md, "Upstream tests we do not port").
 *
 * Mapping: `build_e820_map(&mut boot_params, &mut ext, &address_space)` is
 * `buildE820(manager.vtl2Ranges())`. Upstream's two outputs, `boot_params.e820_map` (128 slots)
 * and the `SETUP_E820_EXT` setup_data, are our one `entries` list, whose first 128 entries are
 * the inline ones (`E820_INLINE_CAPACITY`); upstream's `Ok(used_ext)` is `extUsed`. So
 * `check_e820`'s chain of the two is `entries` itself, and `e820_entries` is
 * `min(entries.length, 128)`.
 *
 * Mutants these catch (checked by hand on a scratch copy of src/): VTL2_CONFIG reported as
 * E820_RAM, or the persisted span not split into header and payload (test_e820_basic, which
 * checks every entry); `extUsed` from the wrong threshold, or entries dropped past some count
 * (test_e820_huge).
 */
import { expect, test } from 'vitest';
import { AddressSpaceManager } from '../../src/boot/address-space.js';
import { buildE820, E820_INLINE_CAPACITY, type E820Map, type E820Type } from '../../src/boot/device-tree.js';
import { subtractRanges } from '../../src/memory/range-algebra.js';
import { MemoryRange } from '../../src/memory/range.js';
import { ReservedType } from '../../src/memory/vtl-type.js';

const PAGE_SIZE = 0x1000n;
const ONE_MB = 0x10_0000n;
const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);

/**
 * Upstream's `new_address_space_manager`: every RAM range on vnode 0 (its `mem_type`
 * VTL2_PROTECTABLE has no counterpart in our builder), config = parameter range minus reclaim.
 */
function newAddressSpaceManager(
  ram: MemoryRange[],
  bootshimUsed: MemoryRange,
  persistedRange: MemoryRange,
  parameterRange: MemoryRange,
  reclaim: MemoryRange | undefined,
): AddressSpaceManager {
  return AddressSpaceManager.init({
    vtl2Ram: ram.map((range) => ({ range, vnode: 0 })),
    bootshimUsed,
    persistedSpan: persistedRange,
    configRanges: [...subtractRanges([parameterRange], reclaim === undefined ? [] : [reclaim])],
    poolRanges: [],
  });
}

/** Upstream's `check_e820`: the inline entries then the extension's, each (start..end, type). */
function checkE820(map: E820Map, expected: [bigint, bigint, E820Type][]): void {
  expect(map.entries.length).toBe(expected.length);
  map.entries.forEach((actual, i) => {
    const [start, end, type] = expected[i]!;
    expect(actual.addr).toBe(start);
    expect(actual.size).toBe(end - start);
    expect(actual.type).toBe(type);
  });
}

test('main_rs.test_e820_basic', () => {
  const persistedHeaderEnd = ONE_MB + PAGE_SIZE;
  const persistedEnd = ONE_MB + 4n * PAGE_SIZE;
  const persistedState = R(ONE_MB, persistedEnd);

  // Memmap with no parameter reclaim.
  let m = newAddressSpaceManager([R(ONE_MB, 4n * ONE_MB)], R(ONE_MB, 3n * ONE_MB), persistedState, R(2n * ONE_MB, 3n * ONE_MB), undefined);
  checkE820(buildE820(m.vtl2Ranges()), [
    [ONE_MB, persistedHeaderEnd, 'E820_RESERVED'],
    [persistedHeaderEnd, persistedEnd, 'E820_RESERVED'],
    [persistedEnd, 2n * ONE_MB, 'E820_RAM'],
    [2n * ONE_MB, 3n * ONE_MB, 'E820_RESERVED'],
    [3n * ONE_MB, 4n * ONE_MB, 'E820_RAM'],
  ]);

  const bootshimUsed = R(ONE_MB, 5n * ONE_MB);
  const parameterRange = R(2n * ONE_MB, 5n * ONE_MB);
  const reclaim = R(3n * ONE_MB, 4n * ONE_MB);
  const withReclaim = (last: [bigint, bigint, E820Type]): [bigint, bigint, E820Type][] => [
    [ONE_MB, persistedHeaderEnd, 'E820_RESERVED'],
    [persistedHeaderEnd, persistedEnd, 'E820_RESERVED'],
    [persistedEnd, 2n * ONE_MB, 'E820_RAM'],
    [2n * ONE_MB, 3n * ONE_MB, 'E820_RESERVED'],
    [3n * ONE_MB, 4n * ONE_MB, 'E820_RAM'],
    [4n * ONE_MB, 5n * ONE_MB, 'E820_RESERVED'],
    last,
  ];

  // Memmap with reclaim.
  m = newAddressSpaceManager([R(ONE_MB, 6n * ONE_MB)], bootshimUsed, persistedState, parameterRange, reclaim);
  checkE820(buildE820(m.vtl2Ranges()), withReclaim([5n * ONE_MB, 6n * ONE_MB, 'E820_RAM']));

  // Two memory ranges.
  m = newAddressSpaceManager([R(ONE_MB, 4n * ONE_MB), R(4n * ONE_MB, 10n * ONE_MB)], bootshimUsed, persistedState, parameterRange, reclaim);
  checkE820(buildE820(m.vtl2Ranges()), withReclaim([5n * ONE_MB, 10n * ONE_MB, 'E820_RAM']));

  // Memmap in 1 MiB chunks.
  const chunks = [1n, 2n, 3n, 4n, 5n, 6n, 7n].map((i) => R(i * ONE_MB, (i + 1n) * ONE_MB));
  m = newAddressSpaceManager(chunks, bootshimUsed, persistedState, parameterRange, reclaim);
  checkE820(buildE820(m.vtl2Ranges()), withReclaim([5n * ONE_MB, 8n * ONE_MB, 'E820_RAM']));
});

test('main_rs.test_e820_huge', () => {
  // 64 RAM ranges, then 256 allocations, to spill over into the extension
  // (boot_params.e820_map has E820_MAX_ENTRIES_ZEROPAGE = 128 entries).
  const E820_MAX_ENTRIES_ZEROPAGE = 128;
  const RAM_RANGES = 64n;
  const TOTAL_ALLOCATIONS = 256;
  expect(E820_INLINE_CAPACITY).toBe(E820_MAX_ENTRIES_ZEROPAGE);

  // 64 RAM ranges of 64 MiB each.
  const ranges: MemoryRange[] = [];
  for (let i = 0n; i < RAM_RANGES; i++) ranges.push(R(i * 64n * ONE_MB, i * 64n * ONE_MB + 64n * ONE_MB));

  const m = AddressSpaceManager.init({
    vtl2Ram: ranges.map((range) => ({ range, vnode: 0 })),
    bootshimUsed: R(0n, 2n * ONE_MB),
    persistedSpan: R(0n, ONE_MB),
    configRanges: [R(ONE_MB, 2n * ONE_MB)],
    poolRanges: [],
  });

  for (let i = 0; i < TOTAL_ALLOCATIONS; i++) {
    // Alternate GPA pool and sidecar node allocations, as otherwise adjacent ranges of the same
    // type are merged.
    const allocated = m.allocate(undefined, ONE_MB, i % 2 === 0 ? ReservedType.Vtl2GpaPool : ReservedType.SidecarNode, 'LowMemory');
    expect(allocated, 'should be able to allocate sidecar node').toBeDefined();
  }

  const totalRanges = m.vtl2Ranges().length;
  const map = buildE820(m.vtl2Ranges());

  // The extension is used.
  expect(map.extUsed, 'should use extension when there are many ranges').toBe(true);
  // The standard e820_map is full.
  const e820Entries = Math.min(map.entries.length, E820_INLINE_CAPACITY);
  expect(e820Entries).toBe(E820_MAX_ENTRIES_ZEROPAGE);
  // The extension has the overflow entries.
  const extEntries = map.entries.length - e820Entries;
  expect(extEntries).toBe(totalRanges - E820_MAX_ENTRIES_ZEROPAGE);
  // The expected number of entries in total.
  expect(e820Entries + extEntries).toBe(totalRanges);
});
