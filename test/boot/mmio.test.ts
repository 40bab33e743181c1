import { describe, expect, it } from 'vitest';

import { freshVtl2Ram } from '../../src/boot/host-ram.js';
import { dtErrorPanic, selectMmio, selectVtl2MmioRange } from '../../src/boot/mmio.js';
import { ArgumentError } from '../../src/errors.js';
import type { HostDt, Isolation, MemoryAllocationMode, ShimParams } from '../../src/boot/types.js';
import { MemoryRange } from '../../src/memory/range.js';
import { panicOf } from '../support/errors.js';
import { rangeToJson, type JsonRange } from '../support/json.js';
import { hostPathBoots, type BootResultJson } from '../support/vectors.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const MiB = 1n << 20n;
const GiB = 1n << 30n;

function shim(isolation: Isolation = 'None'): ShimParams {
  const start = 0x800_0000n;
  return {
    isolation,
    memoryStart: start,
    memorySize: 0x400_0000n,
    persistedState: R(start, start + 2n * MiB),
    used: R(start, start + 2n * MiB),
    parameterRegion: { start: start + MiB, size: 0x16a000n, dtPageIndex: 40, dtSizePages: 64 },
    vtl2ReservedRegion: { start: 0n, size: 0n },
    sidecar: { base: 0n, size: 0n },
    logBuffer: R(start + MiB, start + MiB + 0x2000n),
    heap: R(start + MiB + 0x2000n, start + MiB + 0x12000n),
    importedRegions: [],
  };
}

const LOW = R(0xf800_0000n, 0xfc00_0000n);
const HIGH = R(0xf_c000_0000n, 0x10_0000_0000n); // 1 GiB at 63 GiB
const HOST_VTL2 = R(0xf8_0000_0000n, 0xf8_1000_0000n); // 256 MiB

const vtl2Mode = (mmioSize: bigint | null = null): MemoryAllocationMode => ({ kind: 'Vtl2', memorySize: null, mmioSize });

function host(mode: MemoryAllocationMode, vtl0: MemoryRange[] | null, vtl2: MemoryRange[] | null): HostDt {
  return {
    memory: [{ range: R(0n, 0x8000_0000n), memType: 0, vnode: 0 }],
    memoryAllocationMode: mode,
    vmbusVtl0: vtl0 === null ? null : { mmio: vtl0, connectionId: 4 },
    vmbusVtl2: vtl2 === null ? null : { mmio: vtl2, connectionId: 0x80_0074 },
    cpuCount: 2,
    deviceDmaPageCount: null,
  };
}

const text = (ranges: MemoryRange[]): string[] => ranges.map(String);
const pick = (s: ShimParams, h: HostDt) => {
  const { vtl0Mmio, vtl2Mmio } = selectMmio(s, h);
  return { vtl0: text(vtl0Mmio), vtl2: text(vtl2Mmio) };
};

describe('selectMmio (topology_from_host_dt MMIO selection)', () => {
  describe('not isolated, Host mode: the host lists as given', () => {
    it('keeps both lists, whatever their shape', () => {
      const three = [HIGH, LOW, R(0x20_0000_0000n, 0x21_0000_0000n)];
      expect(pick(shim(), host({ kind: 'Host' }, three, [HOST_VTL2]))).toEqual({ vtl0: text(three), vtl2: text([HOST_VTL2]) });
      expect(pick(shim(), host({ kind: 'Host' }, [LOW, HIGH], []))).toEqual({ vtl0: text([LOW, HIGH]), vtl2: [] });
    });

    it('a missing VMBus node is DtError::Vtl0Vmbus, then Vtl2Vmbus (mod.rs:650-660)', () => {
      const msg = (h: HostDt) => panicOf(() => selectMmio(shim(), h)).message;
      expect(msg(host({ kind: 'Host' }, null, null))).toBe('unable to read device tree params Vtl0Vmbus');
      expect(msg(host({ kind: 'Host' }, null, [HOST_VTL2]))).toBe('unable to read device tree params Vtl0Vmbus');
      expect(msg(host({ kind: 'Host' }, [LOW, HIGH], null))).toBe('unable to read device tree params Vtl2Vmbus');
    });

    it('returns copies, not the host arrays', () => {
      const h = host({ kind: 'Host' }, [LOW, HIGH], [HOST_VTL2]);
      const r = selectMmio(shim(), h);
      expect(r.vtl0Mmio).not.toBe(h.vmbusVtl0!.mmio);
      expect(r.vtl2Mmio).not.toBe(h.vmbusVtl2!.mmio);
    });
  });

  describe('isolated or Vtl2 mode', () => {
    it.each<[string, Isolation, MemoryAllocationMode]>([
      ['VBS in Host mode', 'Vbs', { kind: 'Host' }],
      ['SNP in Host mode', 'Snp', { kind: 'Host' }],
      ['TDX in Host mode', 'Tdx', { kind: 'Host' }],
      ['not isolated in Vtl2 mode', 'None', vtl2Mode()],
    ])('%s carves from VTL0 (step 3: half of vtl0_mmio[1])', (_, iso, mode) => {
      // vtl0_mmio[1] is 1 GiB: half is 512 MiB, inside [128 MiB, 1 GiB].
      expect(pick(shim(iso), host(mode, [LOW, HIGH], []))).toEqual({
        vtl0: ['0xf8000000..0xfc000000', '0xfc0000000..0xfe0000000'],
        vtl2: ['0xfe0000000..0x1000000000'],
      });
    });

    it('step 2: a host VTL2 MMIO list is used as given with the VTL0 list untouched', () => {
      expect(pick(shim(), host(vtl2Mode(256n * MiB), [LOW, HIGH], [HOST_VTL2]))).toEqual({
        vtl0: text([LOW, HIGH]),
        vtl2: text([HOST_VTL2]),
      });
      // An isolated guest in Host mode checks against a host size of 0.
      expect(pick(shim('Snp'), host({ kind: 'Host' }, [LOW], [HOST_VTL2]))).toEqual({ vtl0: text([LOW]), vtl2: text([HOST_VTL2]) });
    });

    it('step 2: host VTL2 MMIO smaller than mmio_size is NotEnoughVtl2Mmio (summed over ranges)', () => {
      const split = [R(0xf8_0000_0000n, 0xf8_0800_0000n), R(0xf9_0000_0000n, 0xf9_0800_0000n)]; // 2 × 128 MiB
      expect(pick(shim(), host(vtl2Mode(256n * MiB), [LOW, HIGH], split)).vtl2).toEqual(text(split));
      const p = panicOf(() => selectMmio(shim(), host(vtl2Mode(256n * MiB + 0x1000n), [LOW, HIGH], split)));
      expect(p.message).toBe('unable to read device tree params NotEnoughVtl2Mmio');
      expect(p.kind).toBe('dt_error');
    });

    it.each([
      { len: 256n * MiB, carve: 128n * MiB, why: 'half is exactly the 128 MiB floor' },
      { len: 200n * MiB, carve: 128n * MiB, why: 'half (100 MiB) is raised to 128 MiB' },
      { len: 4n * GiB, carve: GiB, why: 'half (2 GiB) is capped at 1 GiB' },
      { len: 1536n * MiB, carve: 768n * MiB, why: 'half is inside the bounds' },
    ])('step 3: clamp(vtl0_mmio[1].len / 2, 128 MiB, 1 GiB): $why', ({ len, carve }) => {
      const high = R(0x10_0000_0000n, 0x10_0000_0000n + len);
      expect(pick(shim(), host(vtl2Mode(), [LOW, high], []))).toEqual({
        vtl0: text([LOW, R(high.start, high.end - carve)]),
        vtl2: text([R(high.end - carve, high.end)]),
      });
    });

    it('step 3: a larger host mmio_size wins over the default; a smaller one does not', () => {
      expect(pick(shim(), host(vtl2Mode(768n * MiB), [LOW, HIGH], [])).vtl2).toEqual(['0xfd0000000..0x1000000000']);
      expect(pick(shim(), host(vtl2Mode(64n * MiB), [LOW, HIGH], [])).vtl2).toEqual(['0xfe0000000..0x1000000000']);
    });

    it.each([
      { vtl0: [LOW], text: 'index out of bounds: the len is 1 but the index is 1' },
      { vtl0: [], text: 'index out of bounds: the len is 0 but the index is 1' },
    ])('step 3: a missing vtl0_mmio[1] indexes out of bounds ($vtl0.length ranges)', ({ vtl0, text }) => {
      const p = panicOf(() => selectMmio(shim(), host(vtl2Mode(), vtl0, [])));
      expect(p.message).toBe(text);
      expect(p.kind).toBe('index_out_of_bounds');
    });

    it('step 3: the carve path asks for the VTL2 node first (mod.rs:602), then the VTL0 node', () => {
      const msg = (h: HostDt) => panicOf(() => selectMmio(shim(), h)).message;
      expect(msg(host(vtl2Mode(), null, null))).toBe('unable to read device tree params Vtl2Vmbus');
      expect(msg(host(vtl2Mode(), [LOW, HIGH], null))).toBe('unable to read device tree params Vtl2Vmbus');
      expect(msg(host(vtl2Mode(), null, []))).toBe('unable to read device tree params Vtl0Vmbus');
      // With host VTL2 MMIO too small, the missing VTL0 node still comes first (mod.rs:613-617).
      expect(msg(host(vtl2Mode(0x1000_0000n), null, [R(0xf_0000_0000n, 0xf_0000_1000n)]))).toBe('unable to read device tree params Vtl0Vmbus');
    });

    it('step 4: carves from the end of the highest range starting at or above 4 GiB', () => {
      const a = R(0x1_0000_0000n, 0x1_8000_0000n); // starts exactly at 4 GiB, 2 GiB long
      const b = R(0x2_0000_0000n, 0x2_4000_0000n); // 1 GiB, the highest
      expect(pick(shim(), host(vtl2Mode(), [a, b], []))).toEqual({
        vtl0: text([a, R(b.start, b.start + 512n * MiB)]),
        vtl2: text([R(b.end - 512n * MiB, b.end)]),
      });
    });

    it('step 4: ranges below 4 GiB are never used, however large', () => {
      const big = R(0x4000_0000n, 0xfff0_0000n); // 3 GiB below 4 GiB
      const small = R(0x1_0000_0000n, 0x1_0800_0000n); // 128 MiB above
      // Default size 128 MiB (clamped): the whole of `small` goes, leaving one VTL0 range.
      expect(panicOf(() => selectMmio(shim(), host(vtl2Mode(), [big, small], []))).kind).toBe('vtl0_mmio_not_2');
      const p = panicOf(() => selectMmio(shim(), host(vtl2Mode(), [LOW, R(0x8000_0000n, 0xf000_0000n)], [])));
      expect(p.message).toBe('unable to read device tree params NotEnoughVtl0Mmio');
      expect(p.kind).toBe('dt_error');
    });

    it('step 4: the highest range too small is NotEnoughVtl0Mmio, even if a lower one is big enough', () => {
      const big = R(0x1_0000_0000n, 0x3_0000_0000n); // 8 GiB
      const top = R(0x10_0000_0000n, 0x10_2000_0000n); // 512 MiB, the highest
      expect(panicOf(() => selectMmio(shim(), host(vtl2Mode(GiB), [big, top], []))).message).toBe(
        'unable to read device tree params NotEnoughVtl0Mmio',
      );
      // Vector s1-0013: mmio_size 2 GiB against a 1 GiB high range.
      expect(panicOf(() => selectMmio(shim(), host(vtl2Mode(2n * GiB), [LOW, HIGH], []))).message).toBe(
        'unable to read device tree params NotEnoughVtl0Mmio',
      );
    });

    it('step 5: consuming a whole VTL0 range leaves 1 range: "vtl0 mmio ranges are not 2"', () => {
      const high = R(0x10_0000_0000n, 0x10_0800_0000n); // 128 MiB: the clamped default takes all of it
      const p = panicOf(() => selectMmio(shim(), host(vtl2Mode(), [LOW, high], [])));
      expect(p.kind).toBe('vtl0_mmio_not_2');
      expect(p.message).toBe(
        'vtl0 mmio ranges are not 2 [\n    MemoryRange {\n        start: 0xf8000000,\n        end: 0xfc000000,\n    },\n]',
      );
      // Exactly the size of the range, from the host: same outcome.
      expect(panicOf(() => selectMmio(shim(), host(vtl2Mode(GiB), [LOW, HIGH], []))).kind).toBe('vtl0_mmio_not_2');
    });

    it('step 5: three VTL0 ranges stay three after the carve, which is not 2 either', () => {
      const third = R(0x20_0000_0000n, 0x21_0000_0000n);
      expect(panicOf(() => selectMmio(shim(), host(vtl2Mode(), [LOW, HIGH, third], []))).message).toMatch(
        /^vtl0 mmio ranges are not 2 \[\n/,
      );
    });

    it('step 5: an unsorted VTL0 list panics in the subtraction walk', () => {
      // vtl0_mmio[1] is LOW (64 MiB → 128 MiB default); the highest ≥ 4 GiB is HIGH, listed first.
      expect(panicOf(() => selectMmio(shim(), host(vtl2Mode(), [HIGH, LOW], []))).message).toBe('left not sorted');
    });
    it('step 4 looks at the LAST high range in list order, as upstream walks backwards (unsorted list)', () => {
      // vtl0_mmio[1] is the small 4 GiB range; mmio_size 1 GiB. The highest-starting range is big
      // enough, but it is listed first: upstream never looks at it. Kills "pick the highest start".
      const big = R(0x10_0000_0000n, 0x12_0000_0000n);
      const small = R(0x1_0000_0000n, 0x1_0800_0000n);
      expect(panicOf(() => selectMmio(shim(), host(vtl2Mode(GiB), [big, small], []))).message).toBe(
        'unable to read device tree params NotEnoughVtl0Mmio',
      );
    });
  });

  it('dtErrorPanic prints the DtError variant name', () => {
    expect(dtErrorPanic('Vtl2Vmbus').message).toBe('unable to read device tree params Vtl2Vmbus');
  });
});

describe('selectVtl2MmioRange (upstream select_vtl2_mmio_range; its own test is test/upstream/mmio_rs.test.ts)', () => {
  const carve = (mmio: MemoryRange[], size: bigint): string => String(selectVtl2MmioRange(mmio, size));
  const notEnough = 'unable to read device tree params NotEnoughVtl0Mmio';

  it('takes the size off the end of the last range starting at or above 4 GiB', () => {
    expect(carve([LOW, HIGH], 256n * MiB)).toBe('0xff0000000..0x1000000000');
    // Exactly at 4 GiB counts as high (kills `>` for `>=`).
    expect(carve([LOW, R(4n * GiB, 5n * GiB)], 128n * MiB)).toBe('0x138000000..0x140000000');
  });

  it('a range below 4 GiB is skipped even when listed last (kills `break` on the first low range)', () => {
    expect(carve([HIGH, LOW], 128n * MiB)).toBe('0xff8000000..0x1000000000');
  });

  it('the last high range too small is NotEnoughVtl0Mmio: an earlier, bigger one is not tried', () => {
    const big = R(0x1_0000_0000n, 0x3_0000_0000n);
    const top = R(0x10_0000_0000n, 0x10_2000_0000n); // 512 MiB
    expect(panicOf(() => selectVtl2MmioRange([big, top], GiB)).message).toBe(notEnough);
    // One byte short fails, the exact length succeeds with the whole range (kills `<=`).
    expect(panicOf(() => selectVtl2MmioRange([top], top.len + 0x1000n)).kind).toBe('dt_error');
    expect(carve([top], top.len)).toBe(String(top));
  });

  it('an unsorted list: the last-listed high range, not the highest', () => {
    const a = R(0x1_0000_0000n, 0x2_0000_0000n);
    const b = R(0x10_0000_0000n, 0x11_0000_0000n);
    expect(carve([b, a], 128n * MiB)).toBe('0x1f8000000..0x200000000');
  });

  it('size 0 is an empty range at the end; an unaligned size is MemoryRange::new\'s panic', () => {
    expect(carve([LOW, HIGH], 0n)).toBe('0x1000000000..0x1000000000');
    expect(panicOf(() => selectVtl2MmioRange([HIGH], 0x800n)).kind).toBe('range_start_unaligned');
  });

  it('no range at all, or only low ones, is NotEnoughVtl0Mmio', () => {
    expect(panicOf(() => selectVtl2MmioRange([], 0n)).message).toBe(notEnough);
    expect(panicOf(() => selectVtl2MmioRange([LOW], 0n)).message).toBe(notEnough);
  });

  it.each<[string, () => unknown, string]>([
    ['mmio not an array', () => selectVtl2MmioRange(null as never, 0n), 'selectVtl2MmioRange(mmio): expected an array'],
    ['an element not a MemoryRange', () => selectVtl2MmioRange([LOW, { start: 0n, end: 0n } as never], 0n), 'selectVtl2MmioRange(mmio[1]): expected a MemoryRange'],
    ['vtl2Size a number', () => selectVtl2MmioRange([HIGH], 4096 as never), 'selectVtl2MmioRange(vtl2Size): expected a bigint'],
    ['vtl2Size negative', () => selectVtl2MmioRange([HIGH], -4096n), 'selectVtl2MmioRange(vtl2Size): expected a u64'],
  ])('bad arguments, %s: ArgumentError', (_what, call, message) => {
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow(message);
  });
});

// ---------------------------------------------------------------------------------------------
// Vectors: the real openhcl_boot's results.

interface BootStep extends BootResultJson {
  vtl0_mmio?: JsonRange[];
  vtl2_mmio?: JsonRange[];
}

const MMIO_PANICS = new Set(['dt_error', 'vtl0_mmio_not_2']);
const RAM_PANICS = new Set(['host_vtl2_size_too_small', 'index_out_of_bounds', 'vtl2_ram_alloc_failed', 'file_range_not_host_ram']);
const json = (ranges: MemoryRange[]): JsonRange[] => ranges.map(rangeToJson);

describe('vectors: selectMmio against the real boot shim', () => {
  it('matches vtl0_mmio / vtl2_mmio on every host-path boot and panics where the real shim does', () => {
    let checked = 0;
    let carved = 0;
    let panics = 0;
    let passed = 0;
    for (const b of hostPathBoots<BootStep>()) {
      if (b.step.path === 'host') {
        const r = selectMmio(b.shim, b.host);
        expect(json(r.vtl0Mmio), b.id).toEqual(b.step.vtl0_mmio);
        expect(json(r.vtl2Mmio), b.id).toEqual(b.step.vtl2_mmio);
        if (b.shim.isolation !== 'None' || b.host.memoryAllocationMode.kind === 'Vtl2') carved++;
        checked++;
      } else if (RAM_PANICS.has(b.step.panic_kind ?? '')) {
        // Upstream computes VTL2 RAM first; those panics are host-ram.test.ts's.
        continue;
      } else if (MMIO_PANICS.has(b.step.panic_kind ?? '')) {
        expect(() => freshVtl2Ram(b.shim, b.host), b.id).not.toThrow();
        const p = panicOf(() => selectMmio(b.shim, b.host));
        expect(p.message, b.id).toBe(b.step.panic);
        expect(p.kind, b.id).toBe(b.step.panic_kind);
        panics++;
      } else {
        expect(() => selectMmio(b.shim, b.host), b.id).not.toThrow();
        passed++;
      }
    }
    console.log(
      `mmio vectors: ${checked} MMIO results (${carved} isolated or Vtl2 mode), ${panics} MMIO panics, ${passed} later panics passed through`,
    );
    expect(checked).toBeGreaterThan(150);
    expect(panics).toBeGreaterThan(0);
  });
});
