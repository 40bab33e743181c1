/**
 * The size of the VTL2 private ("GPA") pool on the fresh path (upstream `host_params/dt/dma_hint.rs`):
 * the command-line choice, the host's DMA hint, and upstream's `vtl2_calculate_dma_hint`
 * heuristic. Placing the pool is the address-space manager's job, not this module's.
 */
import type { GpaPoolConfig } from './types.js';

/** One heuristic table row: `[vp_count, vtl2_memory_mb, dma_hint_mb]`. */
export type DmaHintRow = readonly [vpCount: number, vtl2MemoryMb: number, dmaHintMb: number];

/** Which heuristic table `Heuristics(…)` selects (`OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=release|debug`). */
export type DmaHintTable = 'Release' | 'Debug';

/**
 * The DMA-hint lookup tables, `LOOKUP_TABLE_RELEASE` and `LOOKUP_TABLE_DEBUG` of openhcl_boot
 * `host_params/dt/dma_hint.rs` (openvmm 1488a37b7): the single copy the emulator uses. Row
 * order matters: the first pass stops at the first exact match.
 */
export const DMA_HINT_TABLES: Readonly<Record<DmaHintTable, readonly DmaHintRow[]>> = Object.freeze({
  Release: Object.freeze([
    [2, 96, 2], [2, 98, 4], [2, 100, 4], [2, 104, 4], [4, 108, 2], [4, 110, 6],
    [4, 112, 6], [4, 118, 8], [4, 130, 12], [8, 140, 4], [8, 148, 10], [8, 170, 20],
    [8, 176, 20], [16, 70, 2], [16, 234, 12], [16, 256, 20], [16, 268, 38], [16, 282, 54],
    [24, 420, 66], [32, 404, 22], [32, 516, 36], [32, 538, 74], [48, 558, 32], [48, 718, 52],
    [48, 730, 52], [48, 746, 78], [64, 712, 42], [64, 924, 68], [64, 938, 68], [96, 1030, 64],
    [96, 1042, 114], [96, 1058, 114], [96, 1340, 102], [96, 1358, 104], [96, 1382, 120], [112, 1566, 288],
    [128, 1342, 84], [128, 1360, 84], [896, 12912, 516],
  ] as const satisfies readonly DmaHintRow[]),
  Debug: Object.freeze([
    [4, 496, 4], [16, 512, 16], [32, 1024, 32], [32, 1536, 128], [64, 1024, 64], [128, 1024, 128],
  ] as const satisfies readonly DmaHintRow[]),
});

const ONE_MB = 1n << 20n;
/** 4 KiB pages per MiB. */
const PAGES_PER_MB = 256n;
/** The extrapolated hint is rounded up to 2 MiB = 512 pages. */
const PAGES_PER_2MB = 512n;
/** Memory sizes from here up give 0 (upstream `MAX_DMA_HINT_MEM_SIZE`): `mem_mb` would no longer fit a u32. */
const MEM_SIZE_LIMIT = 0xf_ffff_fff0_0000n;
/** Seeds of the min/max ratio search (the second pass of `vtl2_calculate_dma_hint`); ratios are scaled by 1000 to avoid floats. */
const MIN_RATIO_SEED = 100_000;
const MAX_RATIO_SEED = 1_000;

/**
 * Upstream `vtl2_calculate_dma_hint`: the private-pool size, in 4 KiB pages,
 * for `vpCount` VPs and `memSize` bytes of VTL2 RAM, from the Release or Debug table.
 *
 * 1. `memSize == 0` or `memSize >= 0xFFFFFFFF00000` gives 0; else `mem_mb = memSize / 1 MiB`
 *    (floor).
 * 2. First pass over the table rows, in order:
 *    - a row with VP count == `vpCount` and memory == `mem_mb` truncated to u16 (upstream
 *      compares `mem_size_mb as u16`, so `mem_mb` wraps at 65 536) wins: `dma_mb * 256` pages,
 *      returned as is (not rounded);
 *    - other same-VP rows widen the min/max ratio `row_mem_mb * 1000 / dma_mb` (integer
 *      division) and mark that a same-VP row was seen;
 *    - rows with fewer VPs raise `min_vp`; rows with more VPs take `max_vp = min(max_vp, row)`
 *      where `max_vp` starts at `vpCount`.
 * 3. If no same-VP row was seen, a second pass widens the ratios with every row whose VP count is
 *    `min_vp` or `max_vp`. Ratios are seeded min = 100 000, max = 1 000.
 * 4. Extrapolation: `mem_mb * 1000 * 256 / ((min + max) / 2)`, rounded up to 512 pages.
 *
 * Upstream quirk, reproduced because the vectors show it: `max_vp` starts at the input and only
 * ever takes `min(max_vp, larger row)`, so it never leaves the input. The second pass therefore
 * sees only the nearest SMALLER VP count's rows (none if there is no smaller count, leaving
 * the seeds, whose average is 50 500), never the smallest VP count above it.
 *
 * `min_vp` starts at 1 as upstream's `u16` does; no table row has fewer than 2 VPs, so the seed
 * never matches a row. The VP count is compared as given: upstream's u16 cast cannot matter
 * because `MAX_CPU_COUNT` is 2048.
 */
export function vtl2CalculateDmaHint(vpCount: number, memSize: bigint, table: DmaHintTable): bigint {
  // A pure function of three primitives over frozen tables, and a campaign asks the same
  // question on every fresh boot of a VM: the last answer is kept.
  const m = lastHint;
  if (m !== undefined && m.vpCount === vpCount && m.memSize === memSize && m.table === table) return m.pages;
  const pages = calculateDmaHint(vpCount, memSize, table);
  lastHint = { vpCount, memSize, table, pages };
  return pages;
}

/** The latest {@link vtl2CalculateDmaHint} question and answer. */
let lastHint: { vpCount: number; memSize: bigint; table: DmaHintTable; pages: bigint } | undefined;

function calculateDmaHint(vpCount: number, memSize: bigint, table: DmaHintTable): bigint {
  if (memSize === 0n || memSize >= MEM_SIZE_LIMIT) return 0n;
  const memMb = memSize / ONE_MB;
  const memMbU16 = Number(memMb & 0xffffn);
  const rows = DMA_HINT_TABLES[table];

  let minRatio = MIN_RATIO_SEED;
  let maxRatio = MAX_RATIO_SEED;
  let sameVpSeen = false;
  let minVp = 1;
  let maxVp = vpCount;
  const ratio = (mb: number, dma: number): number => Math.floor((mb * 1000) / dma);

  for (const [vp, mb, dma] of rows) {
    if (vp < vpCount) {
      minVp = Math.max(minVp, vp);
    } else if (vp === vpCount) {
      if (mb === memMbU16) return BigInt(dma) * PAGES_PER_MB;
      sameVpSeen = true;
      minRatio = Math.min(minRatio, ratio(mb, dma));
      maxRatio = Math.max(maxRatio, ratio(mb, dma));
    } else {
      maxVp = Math.min(maxVp, vp);
    }
  }

  if (!sameVpSeen) {
    for (const [vp, mb, dma] of rows) {
      if (vp === minVp || vp === maxVp) {
        minRatio = Math.min(minRatio, ratio(mb, dma));
        maxRatio = Math.max(maxRatio, ratio(mb, dma));
      }
    }
  }

  const pages = (memMb * 1000n * PAGES_PER_MB) / BigInt(Math.floor((minRatio + maxRatio) / 2));
  return ((pages + PAGES_PER_2MB - 1n) / PAGES_PER_2MB) * PAGES_PER_2MB;
}

/**
 * Upstream `pick_private_pool_size`: the private-pool size in 4 KiB
 * pages, or `undefined` for no pool.
 *
 * - `Off` → `undefined`;
 * - `Pages(n)` → `n` (the host hint is ignored);
 * - `Heuristics(table)` with the host hint missing or 0 → {@link vtl2CalculateDmaHint} of
 *   (`vpCount`, `vtl2RamBytes`, table), which may be 0 (VTL2 RAM under 1 MiB): upstream returns
 *   `Some(0)`, and the pool split then panics "cannot split VTL2 pool";
 * - `Heuristics(_)` with a host hint k > 0 → k.
 *
 * The caller passes the host's CPU count as `vpCount` and the sum of the VTL2 RAM lengths as
 * `vtl2RamBytes`; isolated guests never get here (`topology_from_host_dt` allocates a pool only when isolation is None).
 */
export function pickPrivatePoolSize(
  config: GpaPoolConfig,
  hostDmaPageCount: bigint | null,
  vpCount: number,
  vtl2RamBytes: bigint,
): bigint | undefined {
  switch (config.kind) {
    case 'Off':
      return undefined;
    case 'Pages':
      return config.pages;
    case 'Heuristics':
      return hostDmaPageCount === null || hostDmaPageCount === 0n
        ? vtl2CalculateDmaHint(vpCount, vtl2RamBytes, config.table)
        : hostDmaPageCount;
  }
}
