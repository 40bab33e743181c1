/**
 * Upstream's tests of the boot shim's address-space manager (openhcl/openhcl_boot/src/memory.rs,
 * `mod tests`, openvmm 1488a37b7), one vitest case per `#[test]`, asserting what upstream
 * asserts with the same values.
 *
 * Mapping: `AddressSpaceManagerBuilder::new(…).with_*(…).init()` is `AddressSpaceManager.init`
 * with an `AddressSpaceInit`; `AllocationType::GpaPool`/`SidecarNode` are the usages
 * `Vtl2GpaPool`/`SidecarNode`. Upstream's `allocate` returns an `AllocatedRange { range, vnode }`;
 * ours returns only the range, so where upstream asserts `range.vnode` we read the vnode of the
 * entry that now holds that range (`vnodeOf`). `MemoryEntry::mem_type` has no counterpart in the
 * builder (upstream's builder ignores it too).
 *
 * Mutants these catch (each checked by hand on a scratch copy of src/):
 * - HighMemory carving from the low end of the entry: test_allocate, _aligned, _numa, _unaligned;
 * - no 4 KiB round-up of `len`, or no early return for `len == 0`: test_unaligned_allocations;
 * - the aligned sub-range ignored when carving: test_allocate_aligned;
 * - the vnode filter dropped: test_allocate_numa and both two_numa_nodes tests;
 * - a reserved piece outside `used` accepted: test_invalid_init_ranges;
 * - the persisted span split at 0 instead of one page: test_persisted_range;
 * - pool ranges not setting `hasVtl2Pool`, or not reserved: test_single/multiple_pool_range(s);
 * - a GpaPool allocation not setting `hasVtl2Pool`: test_allocate, test_allocate_pool_single_numa_node.
 * Upstream's tests never have two free entries when allocating LowMemory, so scanning in reverse
 * for LowMemory survives them; test/boot/address-space.test.ts covers scan order.
 */
import { expect, test } from 'vitest';
import { AddressSpaceError, AddressSpaceManager, type AddressSpaceInit, type BuilderRamEntry } from '../../src/boot/address-space.js';
import { MemoryRange } from '../../src/memory/range.js';
import { MemoryVtlType, ReservedType } from '../../src/memory/vtl-type.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const ram = (start: bigint, end: bigint, vnode = 0): BuilderRamEntry => ({ range: R(start, end), vnode });

/** The vnode of the entry holding exactly `range`: upstream's `AllocatedRange::vnode`. */
function vnodeOf(m: AddressSpaceManager, range: MemoryRange): number | undefined {
  return m.entries().find((e) => e.range.equals(range))?.vnode;
}

/**
 * The layout most upstream tests share: 0..0x20000 on vnode 0, `used` 0..0xF000, persisted span
 * 0..0x2000, config 0x3000..0x4000 and 0x5000..0x6000, reserved 0x8000..0xA000, sidecar image
 * 0xA000..0xC000. So the only free memory is 0xF000..0x20000.
 */
function commonLayout(vtl2Ram: BuilderRamEntry[] = [ram(0x0n, 0x20000n)], bootshimUsed = R(0x0n, 0xf000n)): AddressSpaceManager {
  return AddressSpaceManager.init({
    vtl2Ram,
    bootshimUsed,
    persistedSpan: R(0x0n, 0x2000n),
    configRanges: [R(0x3000n, 0x4000n), R(0x5000n, 0x6000n)],
    reserved: R(0x8000n, 0xa000n),
    sidecarImage: R(0xa000n, 0xc000n),
    poolRanges: [],
  });
}

/** `used` 0..0x4000 with the persisted span 0..0x2000 and nothing else, as the pool tests build it. */
function poolLayout(vtl2Ram: BuilderRamEntry[], poolRanges: MemoryRange[] = []): AddressSpaceManager {
  return AddressSpaceManager.init({
    vtl2Ram,
    bootshimUsed: R(0x0n, 0x4000n),
    persistedSpan: R(0x0n, 0x2000n),
    configRanges: [],
    poolRanges,
  });
}

test('memory_rs.test_allocate', () => {
  const m = commonLayout();

  expect(m.allocate(undefined, 0x1000n, ReservedType.Vtl2GpaPool, 'HighMemory')).toEqual(R(0x1f000n, 0x20000n));
  expect(m.hasVtl2Pool()).toBe(true);
  expect(m.allocate(undefined, 0x2000n, ReservedType.Vtl2GpaPool, 'HighMemory')).toEqual(R(0x1d000n, 0x1f000n));
  expect(m.allocate(undefined, 0x3000n, ReservedType.Vtl2GpaPool, 'LowMemory')).toEqual(R(0xf000n, 0x12000n));
  expect(m.allocate(undefined, 0x1000n, ReservedType.Vtl2GpaPool, 'LowMemory')).toEqual(R(0x12000n, 0x13000n));

  expect(m.freeRanges(0)).toEqual([R(0x13000n, 0x1d000n)]);
});

test('memory_rs.test_allocate_aligned', () => {
  const m = commonLayout();

  let alignment = 4096n * 16n;
  let range = m.allocateAligned(undefined, 0x1000n, ReservedType.Vtl2GpaPool, 'LowMemory', alignment);
  expect(range).toBeDefined();
  expect(range!.start % alignment).toBe(0n);

  alignment = 4096n * 4n;
  range = m.allocateAligned(undefined, 0x1000n, ReservedType.Vtl2GpaPool, 'HighMemory', alignment);
  expect(range).toBeDefined();
  expect(range!.end % alignment).toBe(0n);
});

test('memory_rs.test_failed_alignment', () => {
  const m = commonLayout();
  const alignment = 1024n * 1024n * 2n;
  expect(m.allocateAligned(undefined, 0x1000n, ReservedType.Vtl2GpaPool, 'LowMemory', alignment)).toBeUndefined();
});

test('memory_rs.test_allocate_numa', () => {
  const m = commonLayout(
    [ram(0x0n, 0x20000n, 0), ram(0x20000n, 0x40000n, 1), ram(0x40000n, 0x60000n, 2), ram(0x60000n, 0x80000n, 3)],
    R(0x0n, 0x10000n),
  );

  let range = m.allocate(0, 0x1000n, ReservedType.Vtl2GpaPool, 'HighMemory')!;
  expect(range).toEqual(R(0x1f000n, 0x20000n));
  expect(vnodeOf(m, range)).toBe(0);

  range = m.allocate(0, 0x2000n, ReservedType.SidecarNode, 'HighMemory')!;
  expect(range).toEqual(R(0x1d000n, 0x1f000n));
  expect(vnodeOf(m, range)).toBe(0);

  range = m.allocate(2, 0x3000n, ReservedType.Vtl2GpaPool, 'HighMemory')!;
  expect(range).toEqual(R(0x5d000n, 0x60000n));
  expect(vnodeOf(m, range)).toBe(2);

  // Allocate all of node 3, then subsequent allocations fail.
  range = m.allocate(3, 0x20000n, ReservedType.SidecarNode, 'HighMemory')!;
  expect(range).toEqual(R(0x60000n, 0x80000n));
  expect(vnodeOf(m, range)).toBe(3);

  expect(m.allocate(3, 0x1000n, ReservedType.SidecarNode, 'HighMemory'), 'allocation should fail, no space left for node 3').toBeUndefined();
});

test('memory_rs.test_unaligned_allocations', () => {
  const m = commonLayout();

  expect(m.allocate(undefined, 0x1001n, ReservedType.Vtl2GpaPool, 'HighMemory')).toEqual(R(0x1e000n, 0x20000n));
  expect(m.allocate(undefined, 0xfffn, ReservedType.Vtl2GpaPool, 'HighMemory')).toEqual(R(0x1d000n, 0x1e000n));
  expect(m.allocate(undefined, 0n, ReservedType.Vtl2GpaPool, 'HighMemory')).toBeUndefined();
});

test('memory_rs.test_invalid_init_ranges', () => {
  const base = { vtl2Ram: [ram(0x0n, 0x20000n)], bootshimUsed: R(0x0n, 0xf000n), poolRanges: [] };
  const initError = (init: AddressSpaceInit): unknown => {
    try {
      AddressSpaceManager.init(init);
    } catch (e) {
      return e;
    }
    return undefined;
  };
  const outside = expect.objectContaining({ code: 'reserved_range_outside_bootshim_used' });

  // Config range completely outside of bootshim_used.
  let err = initError({ ...base, persistedSpan: R(0x0n, 0x2000n), configRanges: [R(0x10000n, 0x11000n)] });
  expect(err).toBeInstanceOf(AddressSpaceError);
  expect(err).toEqual(outside);

  // Config range partially overlapping with bootshim_used.
  err = initError({ ...base, persistedSpan: R(0x0n, 0x2000n), configRanges: [R(0xe000n, 0x10000n)] });
  expect(err).toBeInstanceOf(AddressSpaceError);
  expect(err).toEqual(outside);

  // Persisted region outside of bootshim_used.
  err = initError({ ...base, persistedSpan: R(0x10000n, 0x14000n), configRanges: [R(0xe000n, 0xf000n)] });
  expect(err).toBeInstanceOf(AddressSpaceError);
  expect(err).toEqual(outside);
});

test('memory_rs.test_persisted_range', () => {
  const init = (persistedSpan: MemoryRange): AddressSpaceManager =>
    AddressSpaceManager.init({
      vtl2Ram: [ram(0x0n, 0x20000n)],
      bootshimUsed: R(0x0n, 0xf000n),
      persistedSpan,
      configRanges: [R(0xe000n, 0xf000n)],
      poolRanges: [],
    });
  // Upstream zips expected with actual, so it checks the common prefix only; we do the same.
  const checkPrefix = (m: AddressSpaceManager, expected: [MemoryRange, number][]): void => {
    const actual = m.vtl2Ranges().map((r) => [r.range, r.vtlType] as [MemoryRange, number]);
    const n = Math.min(expected.length, actual.length);
    expect(actual.slice(0, n)).toEqual(expected.slice(0, n));
  };

  checkPrefix(init(R(0x0n, 0xe000n)), [
    [R(0x0n, 0x1000n), MemoryVtlType.VTL2_PERSISTED_STATE_HEADER],
    [R(0x1000n, 0xe000n), MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF],
    [R(0xe000n, 0xf000n), MemoryVtlType.VTL2_CONFIG],
    [R(0xf000n, 0x20000n), MemoryVtlType.VTL2_RAM],
  ]);

  // With free space between the state region and config.
  checkPrefix(init(R(0x0n, 0xa000n)), [
    [R(0x0n, 0x1000n), MemoryVtlType.VTL2_PERSISTED_STATE_HEADER],
    [R(0x1000n, 0xa000n), MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF],
    [R(0xa000n, 0xe000n), MemoryVtlType.VTL2_RAM],
    [R(0xe000n, 0xf000n), MemoryVtlType.VTL2_CONFIG],
    [R(0xf000n, 0x20000n), MemoryVtlType.VTL2_RAM],
  ]);
});

test('memory_rs.test_single_pool_range', () => {
  const m = poolLayout([ram(0x0n, 0x20000n)], [R(0x10000n, 0x18000n)]);

  expect(m.hasVtl2Pool()).toBe(true);
  // The pool range should be reserved.
  expect(m.reservedVtl2Ranges().some((r) => r.range.equals(R(0x10000n, 0x18000n)) && r.type === ReservedType.Vtl2GpaPool)).toBe(true);
});

test('memory_rs.test_multiple_pool_ranges', () => {
  const m = poolLayout([ram(0x0n, 0x20000n, 0), ram(0x100000n, 0x120000n, 1)], [R(0x10000n, 0x18000n), R(0x110000n, 0x118000n)]);

  expect(m.hasVtl2Pool()).toBe(true);
  // Both pool ranges should be reserved.
  const reserved = m.reservedVtl2Ranges().filter((r) => r.type === ReservedType.Vtl2GpaPool);
  expect(reserved.length).toBe(2);
  expect(reserved[0]!.range).toEqual(R(0x10000n, 0x18000n));
  expect(reserved[1]!.range).toEqual(R(0x110000n, 0x118000n));
});

test('memory_rs.test_allocate_pool_single_numa_node', () => {
  // With a single NUMA node, the pool is allocated as one range on node 0.
  const m = poolLayout([ram(0x0n, 0x100000n)]);

  const pool = m.allocate(0, 0x10000n, ReservedType.Vtl2GpaPool, 'HighMemory')!;
  expect(vnodeOf(m, pool)).toBe(0);
  expect(pool.len).toBe(0x10000n);
  expect(m.hasVtl2Pool()).toBe(true);
});

test('memory_rs.test_allocate_pool_two_numa_nodes_node0_fits', () => {
  // With 2 NUMA nodes and enough space on node 0, the pool is allocated entirely on node 0.
  const m = poolLayout([ram(0x0n, 0x100000n, 0), ram(0x200000n, 0x300000n, 1)]);

  const pool = m.allocate(0, 0x10000n, ReservedType.Vtl2GpaPool, 'HighMemory')!;
  expect(vnodeOf(m, pool)).toBe(0);
  expect(pool.len).toBe(0x10000n);
});

test('memory_rs.test_allocate_pool_two_numa_nodes_node0_exhausted', () => {
  // Node 0 has no free space after the bootshim, so the pool must come from node 1.
  const m = poolLayout([ram(0x0n, 0x4000n, 0), ram(0x200000n, 0x300000n, 1)]);

  // Node 0 allocation should fail (all used by the bootshim).
  expect(m.allocate(0, 0x10000n, ReservedType.Vtl2GpaPool, 'HighMemory')).toBeUndefined();

  // Node 1 should succeed.
  const pool = m.allocate(1, 0x10000n, ReservedType.Vtl2GpaPool, 'HighMemory')!;
  expect(vnodeOf(m, pool)).toBe(1);
  expect(pool.len).toBe(0x10000n);
});
