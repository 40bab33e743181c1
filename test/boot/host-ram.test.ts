import { describe, expect, it } from 'vitest';

import { allocateVtl2Ram, freshVtl2Ram, isHardwareIsolated, parseHostVtl2Ram } from '../../src/boot/host-ram.js';
import type { Vtl2RamEntry } from '../../src/boot/host-ram.js';
import { selectMmio } from '../../src/boot/mmio.js';
import type { HostDt, HostMemoryEntry, Isolation, MemoryAllocationMode, ShimParams } from '../../src/boot/types.js';
import { MemoryRange } from '../../src/memory/range.js';
import { IgvmMemoryType, igvmTypeName } from '../../src/memory/vtl-type.js';
import { panicOf } from '../support/errors.js';
import { rangeToJson, type JsonRange } from '../support/json.js';
import { hostPathBoots, type BootResultJson } from '../support/vectors.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const MEMORY = IgvmMemoryType.MEMORY;
const PROTECTABLE = IgvmMemoryType.VTL2_PROTECTABLE;
const MiB = 1n << 20n;

/** A shim whose VTL2 file range is `[start, start + size)`; only the fields `allocate_vtl2_ram` reads matter. */
function shim(start: bigint, size: bigint, isolation: Isolation = 'None', imported: MemoryRange[] = []): ShimParams {
  return {
    isolation,
    memoryStart: start,
    memorySize: size,
    persistedState: R(start, start + 2n * MiB),
    used: R(start, start + 2n * MiB),
    parameterRegion: { start: start + MiB, size: 0x16a000n, dtPageIndex: 40, dtSizePages: 64 },
    vtl2ReservedRegion: { start: 0n, size: 0n },
    sidecar: { base: 0n, size: 0n },
    logBuffer: R(start + MiB, start + MiB + 0x2000n),
    heap: R(start + MiB + 0x2000n, start + MiB + 0x12000n),
    importedRegions: imported.map((range) => ({ range, accepted: false })),
  };
}

const mem = (start: bigint, end: bigint, vnode = 0, memType: number = MEMORY): HostMemoryEntry => ({
  range: R(start, end),
  memType,
  vnode,
});

function host(memory: HostMemoryEntry[], mode: MemoryAllocationMode = { kind: 'Host' }): HostDt {
  return {
    memory,
    memoryAllocationMode: mode,
    vmbusVtl0: { mmio: [R(0xf800_0000n, 0xfc00_0000n), R(0xf_c000_0000n, 0x10_0000_0000n)], connectionId: 4 },
    vmbusVtl2: { mmio: [], connectionId: 0x80_0074 },
    cpuCount: 2,
    deviceDmaPageCount: null,
  };
}

const vtl2 = (memorySize: bigint | null = null): MemoryAllocationMode => ({ kind: 'Vtl2', memorySize, mmioSize: null });

/** Entries as compact text, so expectations read like the vectors. */
const show = (entries: Vtl2RamEntry[]): string[] =>
  entries.map((e) => `${e.range} ${igvmTypeName(e.memType) ?? e.memType} n${e.vnode}`);

describe('parseHostVtl2Ram (upstream parse_host_vtl2_ram)', () => {
  const layout = [
    mem(0x0n, 0x800_0000n),
    mem(0x800_0000n, 0xa00_0000n, 0, PROTECTABLE),
    mem(0xa00_0000n, 0xc00_0000n, 0, PROTECTABLE),
    mem(0xc00_0000n, 0x1_0000_0000n),
    mem(0x1_0000_0000n, 0x1_0200_0000n, 1, PROTECTABLE),
  ];

  it.each<Isolation>(['None', 'Vbs'])('%s: every VTL2_PROTECTABLE entry, in host order, unmerged', (iso) => {
    expect(show(parseHostVtl2Ram(shim(0x800_0000n, 0x200_0000n, iso), host(layout)))).toEqual([
      '0x8000000..0xa000000 VTL2_PROTECTABLE n0',
      '0xa000000..0xc000000 VTL2_PROTECTABLE n0',
      '0x100000000..0x102000000 VTL2_PROTECTABLE n1',
    ]);
  });

  it('not hardware-isolated: host order is kept even when unsorted', () => {
    const unsorted = [layout[4]!, layout[1]!];
    expect(show(parseHostVtl2Ram(shim(0x800_0000n, 0x200_0000n), host(unsorted)))).toEqual([
      '0x100000000..0x102000000 VTL2_PROTECTABLE n1',
      '0x8000000..0xa000000 VTL2_PROTECTABLE n0',
    ]);
  });

  it.each<Isolation>(['None', 'Vbs', 'Snp', 'Tdx', 'Cca'])('%s: no VTL2_PROTECTABLE entry gives the measured range', (iso) => {
    expect(show(parseHostVtl2Ram(shim(0x800_0000n, 0x400_0000n, iso), host([mem(0n, 0x1_0000_0000n, 1)])))).toEqual([
      '0x8000000..0xc000000 VTL2_PROTECTABLE n0',
    ]);
  });

  it.each<Isolation>(['Snp', 'Tdx', 'Cca'])('%s: one range at memory_start sized max(host sum, memory_size), vnode 0', (iso) => {
    // Host sum 0x600_0000 beats memory_size 0x400_0000; the host's placement (and vnode 1) is ignored.
    const s = shim(0x2000_0000n, 0x400_0000n, iso);
    expect(show(parseHostVtl2Ram(s, host(layout)))).toEqual(['0x20000000..0x26000000 VTL2_PROTECTABLE n0']);
    // memory_size beats a smaller host sum.
    expect(show(parseHostVtl2Ram(shim(0x2000_0000n, 0x800_0000n, iso), host(layout)))).toEqual([
      '0x20000000..0x28000000 VTL2_PROTECTABLE n0',
    ]);
  });

  it('hardware isolation is SNP, TDX and CCA, not VBS', () => {
    expect((['None', 'Vbs', 'Snp', 'Tdx', 'Cca'] as const).map(isHardwareIsolated)).toEqual([false, false, true, true, true]);
  });

  it('more than 64 VTL2_PROTECTABLE entries overflow the ArrayVec', () => {
    const many = Array.from({ length: 65 }, (_, i) => mem(BigInt(i) * 0x1000n, BigInt(i + 1) * 0x1000n, 0, PROTECTABLE));
    expect(parseHostVtl2Ram(shim(0n, 0x1000n), host(many.slice(0, 64)))).toHaveLength(64);
    expect(panicOf(() => parseHostVtl2Ram(shim(0n, 0x1000n), host(many))).kind).toBe('capacity_exceeded');
  });
});

describe('allocateVtl2Ram (upstream allocate_vtl2_ram, Vtl2 mode)', () => {
  // File range [128 MiB, +64 MiB) on node 0; node 1 far above.
  const twoNodes = [mem(0n, 0x8000_0000n, 0), mem(0x1_0000_0000n, 0x1_8000_0000n, 1)];
  const file = shim(0x800_0000n, 0x400_0000n);

  it('steps 1–3: the host size is split evenly across the nodes (scenario B)', () => {
    expect(show(allocateVtl2Ram(file, host(twoNodes, vtl2(0x800_0000n)), 0x800_0000n))).toEqual([
      '0x8000000..0xc000000 MEMORY n0',
      '0x17c000000..0x180000000 MEMORY n1',
    ]);
  });

  it('step 2: no host size means memory_size', () => {
    // 64 MiB over 2 nodes: node 0's file piece covers its 32 MiB, node 1 gets 32 MiB.
    expect(show(allocateVtl2Ram(file, host(twoNodes), null))).toEqual([
      '0x8000000..0xc000000 MEMORY n0',
      '0x17e000000..0x180000000 MEMORY n1',
    ]);
  });

  it('step 2: a host size equal to memory_size is accepted', () => {
    expect(allocateVtl2Ram(file, host(twoNodes), 0x400_0000n)).toHaveLength(2);
  });

  it('step 2: a host size below memory_size panics with both sizes in bare hex', () => {
    const p = panicOf(() => allocateVtl2Ram(shim(0x3ae0_0000n, 0x800_0000n), host([mem(0n, 0x8000_0000n)]), 0x7e0_0000n));
    expect(p.message).toBe('host provided vtl2 ram size 7e00000 is smaller than measured size 8000000');
    expect(p.kind).toBe('host_vtl2_size_too_small');
  });

  it('step 3: the per-node need is rounded up to 32 KiB after integer division', () => {
    // 64 MiB / 3 = 0x1555555 → 0x1558000 per node (vector s1-0136).
    const three = [mem(0n, 0x8000_0000n, 0), mem(0x2_2000_0000n, 0x2_c000_0000n, 1), mem(0x2_c000_0000n, 0x3_9000_0000n, 2)];
    expect(show(allocateVtl2Ram(shim(0x17c0_0000n, 0x400_0000n), host(three), 0x400_0000n))).toEqual([
      '0x17c00000..0x1bc00000 MEMORY n0',
      '0x2beaa8000..0x2c0000000 MEMORY n1',
      '0x38eaa8000..0x390000000 MEMORY n2',
    ]);
  });

  it.each([
    { vnodes: [0, 2], text: 'index out of bounds: the len is 2 but the index is 2' },
    { vnodes: [1], text: 'index out of bounds: the len is 1 but the index is 1' },
    { vnodes: [0, 1, 3], text: 'index out of bounds: the len is 3 but the index is 3' },
    { vnodes: [0, 5, 6], text: 'index out of bounds: the len is 3 but the index is 5' },
  ])('step 3: vnodes $vnodes are not contiguous from 0', ({ vnodes, text }) => {
    const memory = vnodes.map((v, i) => mem(BigInt(i) * 0x1_0000_0000n, BigInt(i) * 0x1_0000_0000n + 0x8000_0000n, v));
    const p = panicOf(() => allocateVtl2Ram(file, host(memory), null));
    expect(p.message).toBe(text);
    expect(p.kind).toBe('index_out_of_bounds');
  });

  it('step 3: the index panic comes before a file range the host does not cover', () => {
    const memory = [mem(0x1_0000_0000n, 0x2_0000_0000n, 0), mem(0x2_0000_0000n, 0x3_0000_0000n, 2)];
    expect(panicOf(() => allocateVtl2Ram(file, host(memory), null)).kind).toBe('index_out_of_bounds');
  });

  it('step 3: an empty host map divides by zero', () => {
    const p = panicOf(() => allocateVtl2Ram(file, host([]), null));
    expect(p.message).toBe('attempt to divide by zero');
    expect(p.kind).toBe('arithmetic_overflow');
  });

  it('step 4: file pieces keep the host type and vnode and split at host boundaries', () => {
    const memory = [
      mem(0n, 0x900_0000n, 0, PROTECTABLE),
      mem(0x900_0000n, 0x1_0000_0000n, 1),
      mem(0x1_0000_0000n, 0x2_0000_0000n, 1),
    ];
    // 32 MiB per node. Node 0's 16 MiB file piece leaves 16 MiB, taken top-down below the file
    // range; node 1's 48 MiB piece exceeds its share, so node 1 allocates nothing.
    expect(show(allocateVtl2Ram(file, host(memory), null))).toEqual([
      '0x7000000..0x8000000 VTL2_PROTECTABLE n0',
      '0x8000000..0x9000000 VTL2_PROTECTABLE n0',
      '0x9000000..0xc000000 MEMORY n1',
    ]);
  });

  it('step 4: a file piece the host does not report panics with the piece', () => {
    const memory = [mem(0n, 0xa00_0000n), mem(0xb00_0000n, 0x1_0000_0000n)];
    const p = panicOf(() => allocateVtl2Ram(file, host(memory), null));
    expect(p.message).toBe(
      'used file range MemoryRange {\n    start: 0xa000000,\n    end: 0xb000000,\n} is not reported as ram by host memmap',
    );
    expect(p.kind).toBe('file_range_not_host_ram');
  });

  it('step 4: an unsorted host map panics as the lazy walk does', () => {
    const memory = [mem(0n, 0x1000_0000n), mem(0x1_0000_0000n, 0x2_0000_0000n), mem(0x2000_0000n, 0x3000_0000n)];
    expect(panicOf(() => allocateVtl2Ram(file, host(memory), null)).message).toBe('right not sorted');
    // The walk acts on pieces before it fetches the bad entry: an uncovered file range is seen first.
    const late = [mem(0x1_0000_0000n, 0x2_0000_0000n), mem(0n, 0x1000_0000n)];
    expect(panicOf(() => allocateVtl2Ram(file, host(late), null)).kind).toBe('file_range_not_host_ram');
  });

  describe('step 5: imported regions', () => {
    const oneNode = [mem(0n, 0x1000_0000n)];

    it('regions outside the file range are not free candidates', () => {
      // 128 MiB target: the file gives 64 MiB; the rest comes top-down, skipping the import.
      const s = shim(0x800_0000n, 0x400_0000n, 'None', [R(0xf00_0000n, 0x1000_0000n)]);
      expect(show(allocateVtl2Ram(s, host(oneNode), 0x800_0000n))).toEqual([
        '0x7000000..0x8000000 MEMORY n0',
        '0x8000000..0xc000000 MEMORY n0',
        '0xc000000..0xf000000 MEMORY n0',
      ]);
    });

    it('regions inside the file range are ignored', () => {
      const s = shim(0x800_0000n, 0x400_0000n, 'None', [R(0x800_0000n, 0x900_0000n)]);
      expect(show(allocateVtl2Ram(s, host(oneNode), null))).toEqual(['0x8000000..0xc000000 MEMORY n0']);
    });

    it('a region straddling the file range panics', () => {
      const s = shim(0x800_0000n, 0x400_0000n, 'None', [R(0x7f0_0000n, 0x810_0000n)]);
      const p = panicOf(() => allocateVtl2Ram(s, host(oneNode), null));
      expect(p.message).toBe(
        'imported range MemoryRange {\n    start: 0x7f00000,\n    end: 0x8100000,\n} overlaps vtl2 range and is not fully contained within vtl2 range',
      );
    });

    it('a region outside host RAM panics as a launch-context range', () => {
      const s = shim(0x800_0000n, 0x400_0000n, 'None', [R(0x2000_0000n, 0x2000_1000n)]);
      const p = panicOf(() => allocateVtl2Ram(s, host(oneNode), null));
      expect(p.message).toBe(
        'launch context range MemoryRange {\n    start: 0x20000000,\n    end: 0x20001000,\n} is not reported as ram by host memmap',
      );
      expect(p.kind).toBe('file_range_not_host_ram');
    });

    it('the TDX reset-vector page is exempt, on TDX only', () => {
      const reset = [R(0xffff_f000n, 0x1_0000_0000n)];
      expect(allocateVtl2Ram(shim(0x800_0000n, 0x400_0000n, 'Tdx', reset), host(oneNode), null)).toHaveLength(1);
      expect(panicOf(() => allocateVtl2Ram(shim(0x800_0000n, 0x400_0000n, 'Snp', reset), host(oneNode), null)).message).toMatch(
        /^launch context range /,
      );
    });
  });

  it('step 6: an over-sized file piece zeroes its node; other nodes are not reduced', () => {
    // 64 MiB file on node 0 against a 32 MiB share: node 1 still gets its full 32 MiB.
    const r = allocateVtl2Ram(file, host(twoNodes), null);
    expect(r.map((e) => e.range.len)).toEqual([0x400_0000n, 0x200_0000n]);
  });

  it('step 7: top-down over the node\'s candidates, highest first', () => {
    const memory = [
      mem(0n, 0x1000_0000n, 0),
      mem(0x1_0000_0000n, 0x1_0010_0000n, 1),
      mem(0x2_0000_0000n, 0x2_0010_0000n, 1),
    ];
    // 3 MiB target over 2 nodes = 1.5 MiB each; node 1: all of the higher 1 MiB, then 0.5 MiB from the lower.
    const r = allocateVtl2Ram(shim(0x800_0000n, 0x30_0000n), host(memory), null);
    expect(show(r)).toEqual([
      '0x8000000..0x8300000 MEMORY n0',
      '0x100080000..0x100100000 MEMORY n1',
      '0x200000000..0x200100000 MEMORY n1',
    ]);
  });

  it.each([
    { end: 0x1_0010_5000n, extra: 5n },
    { end: 0x1_0010_7000n, extra: 7n },
  ])('step 7: rounding the start down to 32 KiB takes $extra extra pages', ({ end, extra }) => {
    // 2 MiB over 2 nodes = 1 MiB each; node 1's only candidate ends off a 32 KiB boundary.
    const memory = [mem(0n, 0x1000_0000n, 0), mem(0x1_0000_0000n, end, 1)];
    const r = allocateVtl2Ram(shim(0x800_0000n, 0x20_0000n), host(memory), null);
    const node1 = r.find((e) => e.vnode === 1)!;
    expect(node1.range.start % 0x8000n).toBe(0n);
    expect(node1.range.len).toBe(MiB + extra * 0x1000n);
  });

  it('step 7: the rounding never goes below the candidate (a whole candidate is taken as is)', () => {
    const memory = [mem(0n, 0x1000_0000n, 0), mem(0x1_0000_1000n, 0x1_0010_1000n, 1)];
    const r = allocateVtl2Ram(shim(0x800_0000n, 0x20_0000n), host(memory), null);
    expect(show(r)[1]).toBe('0x100001000..0x100101000 MEMORY n1');
  });

  it('step 7: an exhausted node panics; there is no fallback to other nodes', () => {
    const memory = [mem(0n, 0x1_0000_0000n, 0), mem(0x1_0000_0000n, 0x1_0010_0000n, 1)];
    const p = panicOf(() => allocateVtl2Ram(file, host(memory), null));
    // Node 1 needs 32 MiB and has 1 MiB.
    expect(p.message).toBe('failed to allocate 0x1f00000 for vnode 0x1, no memory remaining for vnode');
    expect(p.kind).toBe('vtl2_ram_alloc_failed');
  });

  it('step 8: candidate host types are not filtered', () => {
    const memory = [
      mem(0n, 0x1000_0000n, 0),
      mem(0x1_0000_0000n, 0x1_0100_0000n, 1, IgvmMemoryType.PLATFORM_RESERVED),
      mem(0x1_0100_0000n, 0x1_0200_0000n, 1, IgvmMemoryType.PERSISTENT),
    ];
    // Node 1 needs 32 MiB: all of PERSISTENT (highest), then all of PLATFORM_RESERVED.
    expect(show(allocateVtl2Ram(file, host(memory), null))).toEqual([
      '0x8000000..0xc000000 MEMORY n0',
      '0x100000000..0x101000000 PLATFORM_RESERVED n1',
      '0x101000000..0x102000000 PERSISTENT n1',
    ]);
  });

  it('step 9: sorted by start, adjacent pieces not merged (scenario C)', () => {
    expect(show(allocateVtl2Ram(file, host([mem(0n, 0xe00_0000n)]), 0x600_0000n))).toEqual([
      '0x8000000..0xc000000 MEMORY n0',
      '0xc000000..0xe000000 MEMORY n0',
    ]);
  });
});

describe('freshVtl2Ram (fresh-path VTL2 RAM, topology_from_host_dt)', () => {
  const memory = [mem(0n, 0x800_0000n), mem(0x800_0000n, 0xc00_0000n, 0, PROTECTABLE), mem(0xc00_0000n, 0x1000_0000n)];

  it('Host mode is parse_host_vtl2_ram', () => {
    expect(show(freshVtl2Ram(shim(0x800_0000n, 0x200_0000n), host(memory)))).toEqual(['0x8000000..0xc000000 VTL2_PROTECTABLE n0']);
  });

  it('Vtl2 mode is allocate_vtl2_ram with the host size', () => {
    expect(show(freshVtl2Ram(shim(0x800_0000n, 0x200_0000n), host(memory, vtl2(0x400_0000n))))).toEqual([
      '0x8000000..0xa000000 VTL2_PROTECTABLE n0',
      '0xe000000..0x10000000 MEMORY n0',
    ]);
  });

  it('Vtl2 mode self-allocates on hardware-isolated guests too', () => {
    expect(show(freshVtl2Ram(shim(0x800_0000n, 0x200_0000n, 'Snp'), host(memory, vtl2(0x400_0000n))))).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Vectors: the real openhcl_boot's results.

interface BootStep extends BootResultJson {
  vtl2_ram?: { range: JsonRange; mem_type: string; vnode: number }[];
  vtl0_mmio?: JsonRange[];
  vtl2_mmio?: JsonRange[];
}

const MY_PANICS = new Set(['dt_error', 'host_vtl2_size_too_small', 'index_out_of_bounds', 'vtl2_ram_alloc_failed', 'file_range_not_host_ram', 'vtl0_mmio_not_2']);
const RAM_PANICS = new Set(['host_vtl2_size_too_small', 'index_out_of_bounds', 'vtl2_ram_alloc_failed', 'file_range_not_host_ram']);

const toJson = (entries: Vtl2RamEntry[]) =>
  entries.map((e) => ({
    range: rangeToJson(e.range),
    mem_type: igvmTypeName(e.memType) ?? e.memType,
    vnode: e.vnode,
  }));

describe('vectors: freshVtl2Ram against the real boot shim', () => {
  const boots = hostPathBoots<BootStep>();

  it('matches vtl2_ram on every host-path boot and panics where the real shim does', () => {
    let ramChecked = 0;
    let panicChecked = 0;
    let laterPanics = 0;
    for (const b of boots) {
      if (b.step.path === 'host') {
        expect(toJson(freshVtl2Ram(b.shim, b.host)), b.id).toEqual(b.step.vtl2_ram);
        ramChecked++;
      } else if (RAM_PANICS.has(b.step.panic_kind ?? '')) {
        const p = panicOf(() => freshVtl2Ram(b.shim, b.host));
        expect(p.message, b.id).toBe(b.step.panic);
        expect(p.kind, b.id).toBe(b.step.panic_kind);
        panicChecked++;
      } else {
        // The panic is someone else's (MMIO, pool, address space): VTL2 RAM must not panic first.
        expect(() => freshVtl2Ram(b.shim, b.host), b.id).not.toThrow();
        laterPanics++;
      }
    }
    console.log(
      `host-ram vectors: ${ramChecked} vtl2_ram results, ${panicChecked} RAM panics, ${laterPanics} later panics passed through`,
    );
    expect(ramChecked).toBeGreaterThan(150);
    expect(panicChecked).toBeGreaterThan(0);
  });

  it('every host-attempted panic of ours comes from freshVtl2Ram or selectMmio, in that order', () => {
    let checked = 0;
    for (const b of boots) {
      if (b.step.path !== 'panic' || !MY_PANICS.has(b.step.panic_kind ?? '')) continue;
      const p = panicOf(() => {
        freshVtl2Ram(b.shim, b.host);
        selectMmio(b.shim, b.host);
      });
      expect(p.message, b.id).toBe(b.step.panic);
      checked++;
    }
    console.log(`host-ram vectors: ${checked} host-path panics of ours reproduced`);
    expect(checked).toBeGreaterThan(0);
  });
});
