/**
 * Upstream's tests of the private-pool sizing (openhcl/openhcl_boot/src/host_params/dt/dma_hint.rs,
 * `mod test`, openvmm 1488a37b7), one vitest case per `#[test]`, asserting what upstream asserts.
 *
 * Mapping: `vtl2_calculate_dma_hint(table, vp_count, mem_size)` is
 * `vtl2CalculateDmaHint(vpCount, memSize, table)`; `pick_private_pool_size(cmdline, dt, vp, mem)`
 * is `pickPrivatePoolSize(config, hostDmaPageCount, vp, mem)` with `None` as null and upstream's
 * `Option<u64>` result as `bigint | undefined`.
 *
 * `test_vtl2_calculate_dma_hint_exact_matches` iterates upstream's tables; they are copied here
 * from dma_hint.rs rather than taken from `DMA_HINT_TABLES`, so a row mistyped in src/ fails too.
 *
 * Mutants these catch (checked by hand on a scratch copy of src/): no 2 MiB round-up of the
 * extrapolation (_release: 112 VPs gives 5273 pages before rounding); an exact match compared on
 * VP count only (_debug, _release, _exact_matches); a mistyped table row (_exact_matches); the
 * host hint winning over `Pages` or `Off`, or a host `Some(0)` not falling back to the heuristic
 * (test_right_pages_source). Upstream's 52-VP cases give the same ratios whether the second pass
 * reads the 64-VP rows or not, so the `max_vp` quirk survives them; test/boot/pool-size.test.ts
 * kills it.
 */
import { expect, test } from 'vitest';
import { pickPrivatePoolSize, vtl2CalculateDmaHint, type DmaHintTable } from '../../src/boot/pool-size.js';
import type { GpaPoolConfig } from '../../src/boot/types.js';

const ONE_MB = 0x10_0000n;
const PAGE_SIZE_4K = 0x1000n;

/** Upstream `LOOKUP_TABLE_RELEASE`: (vp_count, vtl2_memory_mb, dma_hint_mb). */
const LOOKUP_TABLE_RELEASE: readonly (readonly [number, number, number])[] = [
  [2, 96, 2], [2, 98, 4], [2, 100, 4], [2, 104, 4], [4, 108, 2], [4, 110, 6], [4, 112, 6], [4, 118, 8],
  [4, 130, 12], [8, 140, 4], [8, 148, 10], [8, 170, 20], [8, 176, 20], [16, 70, 2], [16, 234, 12],
  [16, 256, 20], [16, 268, 38], [16, 282, 54], [24, 420, 66], [32, 404, 22], [32, 516, 36], [32, 538, 74],
  [48, 558, 32], [48, 718, 52], [48, 730, 52], [48, 746, 78], [64, 712, 42], [64, 924, 68], [64, 938, 68],
  [96, 1030, 64], [96, 1042, 114], [96, 1058, 114], [96, 1340, 102], [96, 1358, 104], [96, 1382, 120],
  [112, 1566, 288], [128, 1342, 84], [128, 1360, 84], [896, 12912, 516],
];

/** Upstream `LOOKUP_TABLE_DEBUG`. */
const LOOKUP_TABLE_DEBUG: readonly (readonly [number, number, number])[] = [
  [4, 496, 4], [16, 512, 16], [32, 1024, 32], [32, 1536, 128], [64, 1024, 64], [128, 1024, 128],
];

const hint = (table: DmaHintTable, vpCount: number, memSize: bigint): bigint => vtl2CalculateDmaHint(vpCount, memSize, table);

test('dma_hint_rs.test_vtl2_calculate_dma_hint_release', () => {
  expect(hint('Release', 2, 0x620_0000n)).toBe((4n * ONE_MB) / PAGE_SIZE_4K);
  expect(hint('Release', 4, 0x6e0_0000n)).toBe((6n * ONE_MB) / PAGE_SIZE_4K);

  // VP count higher than the max of the lookup table.
  expect(hint('Release', 112, 0x700_0000n)).toBe((22n * ONE_MB) / PAGE_SIZE_4K);

  // Unusual VP count.
  expect(hint('Release', 52, 0x600_0000n)).toBe((8n * ONE_MB) / PAGE_SIZE_4K);
  expect(hint('Release', 52, 0x800_0000n)).toBe((10n * ONE_MB) / PAGE_SIZE_4K);
});

test('dma_hint_rs.test_vtl2_calculate_dma_hint_debug', () => {
  expect(hint('Debug', 4, 496n * ONE_MB)).toBe((4n * ONE_MB) / PAGE_SIZE_4K);
  expect(hint('Debug', 64, 1024n * ONE_MB)).toBe((64n * ONE_MB) / PAGE_SIZE_4K);
  expect(hint('Debug', 128, 1024n * ONE_MB)).toBe((128n * ONE_MB) / PAGE_SIZE_4K);
  // Extrapolate beyond the max memory size of the lookup table.
  expect(hint('Debug', 128, 2048n * ONE_MB)).toBe((256n * ONE_MB) / PAGE_SIZE_4K);
});

test('dma_hint_rs.test_vtl2_calculate_dma_hint_exact_matches', () => {
  for (const [mode, table] of [
    ['Release', LOOKUP_TABLE_RELEASE],
    ['Debug', LOOKUP_TABLE_DEBUG],
  ] as const) {
    for (const [vpCount, vtl2MemoryMb, dmaHintMb] of table) {
      const calculated = hint(mode, vpCount, BigInt(vtl2MemoryMb) * ONE_MB);
      const expected = (BigInt(dmaHintMb) * ONE_MB) / PAGE_SIZE_4K;
      expect(calculated, `Failed exact match test for vp_count=${vpCount}, vtl2_memory_mb=${vtl2MemoryMb}`).toBe(expected);
    }
  }
});

test('dma_hint_rs.test_right_pages_source', () => {
  // If these assertions fail, the cases below may need to be updated.
  expect(hint('Release', 16, 256n * ONE_MB)).not.toBe(1500n);
  expect(hint('Debug', 16, 256n * ONE_MB)).not.toBe(1500n);

  const off: GpaPoolConfig = { kind: 'Off' };
  const pages = (n: bigint): GpaPoolConfig => ({ kind: 'Pages', pages: n });
  const heuristics = (table: DmaHintTable): GpaPoolConfig => ({ kind: 'Heuristics', table });
  // Rust's `{:?}` of the config, for the failure message (JSON.stringify cannot take a bigint).
  const showConfig = (c: GpaPoolConfig): string =>
    c.kind === 'Off' ? 'Off' : c.kind === 'Pages' ? `Pages(${c.pages})` : `Heuristics(${c.table})`;
  const cases: [GpaPoolConfig, bigint | null, bigint | undefined][] = [
    [off, 1000n, undefined],
    [pages(2000n), 1000n, 2000n],
    [pages(2000n), null, 2000n],
    // The device tree overrides heuristics.
    [heuristics('Release'), 1500n, 1500n],
    [heuristics('Debug'), 0n, hint('Debug', 16, 256n * ONE_MB)],
    [heuristics('Debug'), null, hint('Debug', 16, 256n * ONE_MB)],
    [heuristics('Release'), 0n, hint('Release', 16, 256n * ONE_MB)],
    [heuristics('Release'), null, hint('Release', 16, 256n * ONE_MB)],
  ];
  for (const [cmdline, dt, expected] of cases) {
    expect(
      pickPrivatePoolSize(cmdline, dt, 16, 256n * ONE_MB),
      `Failed pick_private_pool_size test for cmdline=${showConfig(cmdline)}, dt=${String(dt)}`,
    ).toBe(expected);
  }
});
