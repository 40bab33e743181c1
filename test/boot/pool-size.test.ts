import { describe, expect, it } from 'vitest';

import { DMA_HINT_TABLES, pickPrivatePoolSize, vtl2CalculateDmaHint } from '../../src/boot/pool-size.js';
import type { GpaPoolConfig } from '../../src/boot/types.js';
import { hostPathBoots, type BootResultJson } from '../support/vectors.js';

const MiB = 1n << 20n;

describe('DMA_HINT_TABLES', () => {
  // Upstream declares the tables as `&[(u16, u16, u16); 39]` and `…; 6]` and documents them as
  // sorted by VP count, then memory (openhcl_boot host_params/dt/dma_hint.rs). A dropped,
  // duplicated or swapped row breaks one of these.
  it.each([
    { table: 'Release' as const, rows: 39, first: [2, 96, 2], last: [896, 12912, 516] },
    { table: 'Debug' as const, rows: 6, first: [4, 496, 4], last: [128, 1024, 128] },
  ])('$table: $rows rows of u16, sorted by (vp_count, vtl2_memory_mb)', ({ table, rows, first, last }) => {
    const t = DMA_HINT_TABLES[table];
    expect(t).toHaveLength(rows);
    expect(t[0]).toEqual(first);
    expect(t.at(-1)).toEqual(last);
    for (const row of t) for (const v of row) expect(Number.isInteger(v) && v >= 0 && v <= 0xffff).toBe(true);
    for (let i = 1; i < t.length; i++) {
      const [a, b] = [t[i - 1]!, t[i]!];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
    }
  });
});

describe('vtl2CalculateDmaHint (upstream vtl2_calculate_dma_hint)', () => {
  it.each([
    { memSize: 0n, why: 'no memory' },
    { memSize: 0xf_ffff_fff0_0000n, why: 'the upper limit itself' },
    { memSize: 0xff_ffff_ffff_f000n, why: 'beyond the limit' },
  ])('step 1: $why gives 0', ({ memSize }) => {
    expect(vtl2CalculateDmaHint(2, memSize, 'Release')).toBe(0n);
  });

  it('step 1: just below the limit is computed', () => {
    expect(vtl2CalculateDmaHint(2, 0xf_ffff_fff0_0000n - MiB, 'Release')).toBeGreaterThan(0n);
  });

  it('step 2: an exact (vp, mem_mb) row gives dma_mb * 256 pages', () => {
    expect(vtl2CalculateDmaHint(2, 96n * MiB, 'Release')).toBe(2n * 256n);
    expect(vtl2CalculateDmaHint(112, 1566n * MiB, 'Release')).toBe(288n * 256n);
    expect(vtl2CalculateDmaHint(896, 12912n * MiB, 'Release')).toBe(516n * 256n);
    expect(vtl2CalculateDmaHint(32, 1536n * MiB, 'Debug')).toBe(128n * 256n);
  });

  it('step 1: mem_mb is floored, so a partial MiB still matches exactly', () => {
    expect(vtl2CalculateDmaHint(4, 496n * MiB + MiB - 1n, 'Debug')).toBe(4n * 256n);
  });

  it('step 2: mem_mb is compared as a u16, so 65 536 + 96 MiB matches the 96 MiB row', () => {
    expect(vtl2CalculateDmaHint(2, (65536n + 96n) * MiB, 'Release')).toBe(512n);
  });

  it('steps 2 and 4: same-VP rows bound the ratio, then extrapolate and round up to 512 pages', () => {
    // VP 2 ratios: 96000/2 = 48000, 98000/4 = 24500, 100000/4 = 25000, 104000/4 = 26000.
    // min 24500, max 48000, mean 36250: 200 * 1000 * 256 / 36250 = 1412 → 1536.
    expect(vtl2CalculateDmaHint(2, 200n * MiB, 'Release')).toBe(1536n);
    // Debug VP 32: 1024000/32 = 32000, 1536000/128 = 12000; mean 22000:
    // 2048 * 256000 / 22000 = 23831 → 24064.
    expect(vtl2CalculateDmaHint(32, 2048n * MiB, 'Debug')).toBe(24064n);
  });

  it('step 3: with no same-VP row, only the nearest smaller VP count\'s rows count (upstream quirk)', () => {
    // VP 3: min_vp = 2 and max_vp stays 3, so only the VP 2 rows: the same 1536 as VP 2.
    // (Taking the VP 4 rows as well, as the name `max_vp` suggests, would give 2048; the
    // vectors side with the quirk.)
    expect(vtl2CalculateDmaHint(3, 200n * MiB, 'Release')).toBe(1536n);
    // VP 1000: only the VP 896 row, ratio 12912000/516 = 25023 for both bounds:
    // 4096 * 256000 / 25023 = 41905 → 41984.
    expect(vtl2CalculateDmaHint(1000, 4096n * MiB, 'Release')).toBe(41984n);
  });

  it('step 3: with no smaller VP count either, the seeds 100 000 and 1 000 decide', () => {
    // Mean 50500: 200 * 256000 / 50500 = 1013 → 1024.
    expect(vtl2CalculateDmaHint(1, 200n * MiB, 'Release')).toBe(1024n);
    // Debug has no row below VP 4; VP 3 would use (4, 496, 4) if max_vp moved: 512 instead.
    expect(vtl2CalculateDmaHint(3, 200n * MiB, 'Debug')).toBe(1024n);
  });

  it('VTL2 RAM under 1 MiB gives 0', () => {
    expect(vtl2CalculateDmaHint(2, 0x8_0000n, 'Release')).toBe(0n);
    expect(vtl2CalculateDmaHint(64, MiB - 0x1000n, 'Debug')).toBe(0n);
  });

  it('an extrapolated result is always a multiple of 512 pages', () => {
    for (const vp of [1, 2, 3, 5, 17, 64, 100, 200, 2048]) {
      for (const mb of [1n, 3n, 97n, 1000n, 5000n]) {
        expect(vtl2CalculateDmaHint(vp, mb * MiB, 'Release') % 512n).toBe(0n);
      }
    }
  });
});

describe('pickPrivatePoolSize (upstream pick_private_pool_size)', () => {
  const heuristics: GpaPoolConfig = { kind: 'Heuristics', table: 'Release' };

  it.each([
    { config: { kind: 'Off' } as GpaPoolConfig, hint: null, want: undefined, why: 'Off: no pool' },
    { config: { kind: 'Off' } as GpaPoolConfig, hint: 4096n, want: undefined, why: 'Off ignores the host hint' },
    { config: { kind: 'Pages', pages: 16n } as GpaPoolConfig, hint: null, want: 16n, why: 'Pages(n): n' },
    { config: { kind: 'Pages', pages: 16n } as GpaPoolConfig, hint: 4096n, want: 16n, why: 'Pages(n) ignores the host hint' },
    { config: heuristics, hint: null, want: 1536n, why: 'Heuristics without a hint: the heuristic' },
    { config: heuristics, hint: 0n, want: 1536n, why: 'Heuristics with a hint of 0: the heuristic' },
    { config: heuristics, hint: 1210n, want: 1210n, why: 'Heuristics with a hint: the hint, unrounded' },
    { config: { kind: 'Heuristics', table: 'Debug' } as GpaPoolConfig, hint: null, want: 1024n, why: 'the Debug table' },
  ])('$why', ({ config, hint, want }) => {
    expect(pickPrivatePoolSize(config, hint, 2, 200n * MiB)).toBe(want);
  });

  it('a heuristic of 0 is a pool of 0 pages, not "no pool"', () => {
    expect(pickPrivatePoolSize(heuristics, null, 2, 0x8_0000n)).toBe(0n);
  });
});

// ---------------------------------------------------------------------------------------------
// Vectors: the real openhcl_boot's pool sizes.

interface BootStep extends BootResultJson {
  vtl2_ram?: { range: { start: string; end: string } }[];
  pool_ranges?: { start: string; end: string }[];
}

const len = (r: { start: string; end: string }): bigint => BigInt(r.end) - BigInt(r.start);

describe('vectors: pickPrivatePoolSize against the real boot shim', () => {
  it('the pool the real shim allocated is pickPrivatePoolSize(...) pages', () => {
    let pools = 0;
    let heuristic = 0;
    let noPool = 0;
    let panics = 0;
    for (const { id, shim, host, cmdline, step } of hostPathBoots<BootStep>()) {
      const pick = (ramBytes: bigint) =>
        pickPrivatePoolSize(cmdline.enableVtl2GpaPool, host.deviceDmaPageCount, host.cpuCount, ramBytes);
      if (step.path === 'host') {
        const ramBytes = step.vtl2_ram!.reduce((sum, e) => sum + len(e.range), 0n);
        const poolBytes = step.pool_ranges!.reduce((sum, r) => sum + len(r), 0n);
        if (poolBytes !== 0n) {
          expect(pick(ramBytes), id).toBeDefined();
          expect(pick(ramBytes)! * 4096n, id).toBe(poolBytes);
          pools++;
          if (cmdline.enableVtl2GpaPool.kind === 'Heuristics' && !host.deviceDmaPageCount) heuristic++;
        } else if (shim.isolation === 'None') {
          // No pool on a non-isolated guest: the command line turned it off.
          expect(pick(ramBytes), id).toBeUndefined();
          noPool++;
        }
      } else if (step.panic_kind === 'pool_alloc_failed' || step.panic_kind === 'pool_split_zero') {
        // The pool panics print the pool size and the VTL2 RAM size the heuristic saw.
        const text = step.panic!;
        const total = /pool total (0x[0-9a-f]+)|pool of size (0x[0-9a-f]+)/.exec(text)!;
        const memSize = BigInt(/mem_size=(0x[0-9a-f]+)/.exec(text)![1]!);
        expect(pick(memSize)! * 4096n, id).toBe(BigInt((total[1] ?? total[2])!));
        panics++;
      }
    }
    console.log(
      `pool-size vectors: ${pools} pools (${heuristic} from the heuristic), ${noPool} pool-less boots, ${panics} pool panics`,
    );
    expect(pools).toBeGreaterThan(50);
    expect(heuristic).toBeGreaterThan(0);
  });
});
