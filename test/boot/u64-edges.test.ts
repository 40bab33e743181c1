/**
 * boot() never throws for any input it is given: every u64 the boot path adds or multiplies
 * (pool pages × 4096, the sum of VTL2 RAM, the host's DMA page count, VTL2 memory and MMIO
 * sizes, shim layout start + size) is at most 2^64 − 1 in the inputs, and whatever the u64
 * arithmetic does with it, the outcome is a boot RESULT: the wrapped value flowing on as in the
 * shipped (release, overflow-checks-off) openhcl_boot, or the panic upstream hits with it.
 *
 * The only error allowed is the documented pre-boot input error (`InputError`) of the input
 * parsers, for values no host or command line can express (a u64 field above 2^64 − 1).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { boot, type BootInputs, type BootResult } from '../../src/boot/boot.js';
import { InputError, parseBootCommandLine, parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import type { GpaPoolConfig, HostDt, ShimParams } from '../../src/boot/types.js';
import { selectMmio } from '../../src/boot/mmio.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryRange } from '../../src/memory/range.js';
import { IgvmMemoryType } from '../../src/memory/vtl-type.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';
import { bootScenarioArb } from './arbitraries.js';

const U64_MAX = (1n << 64n) - 1n;
const PAGE = 0x1000n;

/** The schema's panic_kind enum: a panic must carry one of the documented kinds. */
const PANIC_KINDS: readonly string[] = (() => {
  const schema = JSON.parse(readFileSync(new URL('../../schema/result.schema.json', import.meta.url), 'utf8')) as unknown;
  const found: string[][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'panic_kind' && x !== null && typeof x === 'object' && Array.isArray((x as { enum?: unknown }).enum)) {
          found.push((x as { enum: string[] }).enum);
        } else walk(x);
      }
    }
  };
  walk(schema);
  expect(found.length).toBeGreaterThan(0);
  return found[0] as string[];
})();

/** u64s biased to the edges: around 0, around 2^52 (× 4096 wraps to 0), 2^63, and 2^64 − 1. */
const u64Edge: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0n, 1n, (1n << 52n) - 1n, 1n << 52n, (1n << 52n) + 1n, 1n << 63n, U64_MAX - PAGE + 1n, U64_MAX - PAGE, U64_MAX - 1n, U64_MAX) },
  { weight: 2, arbitrary: fc.bigInt({ min: U64_MAX - 0x10_0000n, max: U64_MAX }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 1n << 32n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 52n) - 1n }).map((p) => p * PAGE) },
);
const pageAlignedEdge = u64Edge.map((v) => v & ~(PAGE - 1n));

const poolArb: fc.Arbitrary<GpaPoolConfig> = fc.oneof(
  u64Edge.filter((p) => p !== 0n).map((pages): GpaPoolConfig => ({ kind: 'Pages', pages })),
  fc.constantFrom<GpaPoolConfig>({ kind: 'Heuristics', table: 'Release' }, { kind: 'Heuristics', table: 'Debug' }, { kind: 'Off' }),
);

/** What boot() returned, or what it threw: the property fails on any throw. */
function run(inputs: BootInputs): BootResult {
  return boot(inputs, new GuestMemory());
}

function expectKnownResult(r: BootResult): void {
  expect(['host', 'persisted', 'panic']).toContain(r.path);
  if (r.path === 'panic') {
    expect(PANIC_KINDS).toContain(r.panicKind);
    expect(r.panic.length).toBeGreaterThan(0);
  }
}

type Edit = (inputs: { shim: ShimParams; host: HostDt }) => void;

/** One u64 edge written into one field the boot path does arithmetic on. */
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  u64Edge.map((v): Edit => ({ host }) => void (host.deviceDmaPageCount = v)),
  fc.tuple(fc.option(u64Edge), fc.option(u64Edge)).map(
    ([memorySize, mmioSize]): Edit =>
      ({ host }) =>
        void (host.memoryAllocationMode = { kind: 'Vtl2', memorySize, mmioSize }),
  ),
  fc.array(fc.tuple(pageAlignedEdge, pageAlignedEdge), { minLength: 1, maxLength: 3 }).map(
    (pairs): Edit =>
      ({ host }) => {
        const mmio = pairs.map(([a, b]) => (a <= b ? new MemoryRange(a, b) : new MemoryRange(b, a)));
        host.vmbusVtl2 = { mmio, connectionId: host.vmbusVtl2?.connectionId ?? 0 };
      },
  ),
  u64Edge.map((v): Edit => ({ shim }) => void (shim.memorySize = v)),
  pageAlignedEdge.map((v): Edit => ({ shim }) => void (shim.memoryStart = v)),
  u64Edge.map((v): Edit => ({ shim }) => void (shim.parameterRegion = { ...shim.parameterRegion, size: v })),
  pageAlignedEdge.map((v): Edit => ({ shim }) => void (shim.parameterRegion = { ...shim.parameterRegion, start: v })),
  u64Edge.map((v): Edit => ({ shim }) => void (shim.vtl2ReservedRegion = { ...shim.vtl2ReservedRegion, size: v })),
  u64Edge.map((v): Edit => ({ shim }) => void (shim.sidecar = { ...shim.sidecar, size: v })),
);

describe('boot() on u64 edges', () => {
  test('property: any pool size, DMA page count, memory or MMIO size up to 2^64-1 gives a result, never a throw', () => {
    // Kills: dropping the wrap on `pages * 4096` (AddressSpaceError escapes), on the MMIO sum or on
    // `next_multiple_of`, and any panic text without a kind (BootPanic's constructor throws).
    fc.assert(
      fc.property(bootScenarioArb, poolArb, fc.array(editArb, { maxLength: 3 }), (sc, pool, edits) => {
        const shim = { ...sc.shim };
        const host = { ...sc.host };
        for (const edit of edits) edit({ shim, host });
        expectKnownResult(run({ shim, host, cmdline: { ...sc.cmdline, enableVtl2GpaPool: pool } }));
      }),
      { numRuns: 400 },
    );
  });

  test('property: any decimal on OPENHCL_ENABLE_VTL2_GPA_POOL parses (above u64::MAX as Off) and boots to a result', () => {
    const digits = fc.oneof(
      u64Edge.map(String),
      fc.bigInt({ min: U64_MAX, max: U64_MAX + 0x10000n }).map(String),
      fc.stringMatching(/^\+?[0-9]{1,40}$/),
    );
    fc.assert(
      fc.property(bootScenarioArb, digits, (sc, value) => {
        const cmdline = parseBootCommandLine(`OPENHCL_ENABLE_VTL2_GPA_POOL=${value}`, sc.cmdline);
        const n = BigInt(value.replace(/^\+/, ''));
        // Upstream `parse::<u64>().unwrap_or(0)`, and 0 is Off: a value past u64::MAX is Off, not an error.
        expect(cmdline.enableVtl2GpaPool).toEqual(n === 0n || n > U64_MAX ? { kind: 'Off' } : { kind: 'Pages', pages: n });
        expectKnownResult(run({ shim: sc.shim, host: sc.host, cmdline }));
      }),
      { numRuns: 200 },
    );
  });

  test('property: a u64 field above 2^64-1 is the pre-boot InputError, anything else boots to a result', () => {
    const value = fc.oneof(u64Edge, fc.bigInt({ min: U64_MAX + 1n, max: U64_MAX + 0x10000n }));
    fc.assert(
      fc.property(value, fc.constantFrom('pool', 'dma'), (v, where) => {
        const hex = `0x${v.toString(16)}`;
        let inputs: BootInputs;
        try {
          const host = parseHostDt(where === 'dma' ? { ...(A_HOST_DT as object), device_dma_page_count: hex } : A_HOST_DT);
          const cmdline = parseCmdlineOptions(
            where === 'pool' ? { ...(A_CMDLINE_OPTIONS as object), enable_vtl2_gpa_pool: { kind: 'Pages', pages: hex } } : A_CMDLINE_OPTIONS,
          );
          inputs = { shim: parseShimParams(A_SHIM_PARAMS), host, cmdline };
        } catch (e) {
          // Kills: accepting a > u64 value (then boot() would see a non-u64 and throw).
          expect(e).toBeInstanceOf(InputError);
          expect(v > U64_MAX || (where === 'pool' && v === 0n)).toBe(true);
          return;
        }
        expect(v <= U64_MAX).toBe(true);
        expectKnownResult(run(inputs));
      }),
      { numRuns: 200 },
    );
  });
});

describe('regressions: the three inputs that used to make boot() throw', () => {
  const shim = (): ShimParams => parseShimParams(A_SHIM_PARAMS);
  const fail = (pool: string, dma: string): RegExp =>
    new RegExp(
      `^failed to allocate VTL2 pool on node 0: need 0xfffffffffffff000 bytes, pool total 0xfffffffffffff000 bytes \\(enable_vtl2_gpa_pool=${pool}, device_dma_page_count=${dma}, vp_count=\\d+, mem_size=0x[0-9a-f]+\\), highest_numa_node=0, free_ranges=\\[ .*\\]$`,
    );

  // Outcome (upstream, release build): u64::MAX pages × 4096 wraps to 0xffff_ffff_ffff_f000 bytes;
  // no node holds that, so allocate_private_pool panics "failed to allocate VTL2 pool on node 0".
  test('cmdline_options enable_vtl2_gpa_pool Pages 0xffffffffffffffff: the pool panic, as a result', () => {
    const cmdline = parseCmdlineOptions({ ...(A_CMDLINE_OPTIONS as object), enable_vtl2_gpa_pool: { kind: 'Pages', pages: '0xffffffffffffffff' } });
    const r = run({ shim: shim(), host: parseHostDt(A_HOST_DT), cmdline });
    expect(r).toMatchObject({ path: 'panic', attemptedPath: 'host', panicKind: 'pool_alloc_failed' });
    if (r.path === 'panic') expect(r.panic).toMatch(fail('Pages\\(18446744073709551615\\)', 'None'));
  });

  test('OPENHCL_ENABLE_VTL2_GPA_POOL=18446744073709551615 on the command line: the same panic', () => {
    const cmdline = parseCmdlineOptions({ ...(A_CMDLINE_OPTIONS as object), cmdline: 'OPENHCL_ENABLE_VTL2_GPA_POOL=18446744073709551615' });
    expect(cmdline.enableVtl2GpaPool).toEqual({ kind: 'Pages', pages: U64_MAX });
    const r = run({ shim: shim(), host: parseHostDt(A_HOST_DT), cmdline });
    expect(r).toMatchObject({ path: 'panic', panicKind: 'pool_alloc_failed' });
    if (r.path === 'panic') expect(r.panic).toMatch(fail('Pages\\(18446744073709551615\\)', 'None'));
  });

  // Under Heuristics the host's non-zero hint is the page count, so the same wrap and panic; the
  // hint prints as Rust's `{:#x?}` of `Some(u64)` (pretty, hex).
  test('host_dt device_dma_page_count 0xffffffffffffffff: the same panic, naming the hint', () => {
    const host = parseHostDt({ ...(A_HOST_DT as object), device_dma_page_count: '0xffffffffffffffff' });
    const cmdline = parseCmdlineOptions({ ...(A_CMDLINE_OPTIONS as object), enable_vtl2_gpa_pool: { kind: 'Heuristics', table: 'Release' } });
    const r = run({ shim: shim(), host, cmdline });
    expect(r).toMatchObject({ path: 'panic', panicKind: 'pool_alloc_failed' });
    if (r.path === 'panic') expect(r.panic).toMatch(fail('Heuristics\\(Release\\)', 'Some\\(\\n    0xffffffffffffffff,\\n\\)'));
  });

  // 2^52 pages × 4096 = 2^64 wraps to 0 bytes: allocate(0) is None, the split's per-node size is 0.
  test('Pages 2^52 wraps to a 0-byte pool: "cannot split VTL2 pool"', () => {
    const cmdline = parseCmdlineOptions({ ...(A_CMDLINE_OPTIONS as object), enable_vtl2_gpa_pool: { kind: 'Pages', pages: '0x10000000000000' } });
    const r = run({ shim: shim(), host: parseHostDt(A_HOST_DT), cmdline });
    expect(r).toMatchObject({ path: 'panic', panicKind: 'pool_split_zero' });
    if (r.path === 'panic') expect(r.panic).toMatch(/^cannot split VTL2 pool of size 0x0 bytes across 1 nodes, per node size 0x0 bytes; /);
  });

  // Vtl2 mode, memory_size u64::MAX on one node: `next_multiple_of(32 KiB)` wraps to 0, so no node
  // needs more RAM than the image's own range, and the boot goes on (kills a saturating or
  // throwing round-up, which would ask for 2^64 bytes and panic "failed to allocate").
  test('Vtl2 memory_size u64::MAX: the per-node need wraps to 0 and VTL2 RAM is the file range', () => {
    const s = shim();
    const host: HostDt = { ...parseHostDt(A_HOST_DT), memoryAllocationMode: { kind: 'Vtl2', memorySize: U64_MAX, mmioSize: null } };
    host.memory = host.memory.map((e) => ({ ...e, vnode: 0 }));
    const r = run({ shim: s, host, cmdline: parseCmdlineOptions({ ...(A_CMDLINE_OPTIONS as object), enable_vtl2_gpa_pool: { kind: 'Off' } }) });
    expectKnownResult(r);
    expect(r.path).not.toBe('panic');
    if (r.path !== 'panic') {
      const total = r.vtl2Ram.reduce((sum, e) => sum + e.range.len, 0n);
      expect(total).toBe(s.memorySize);
    }
  });

  // vtl2_reserved_region start + size past 2^64 wraps below the start (release build), so
  // add_common_ranges' MemoryRange::new fails its order assertion (kills keeping the old
  // overflow-checks "attempt to add with overflow" text, or a thrown range_not_u64).
  test('a shim range whose end passes 2^64 is the range-order panic, not an exception', () => {
    const base = shim();
    const s = { ...base, vtl2ReservedRegion: { start: base.vtl2ReservedRegion.start, size: U64_MAX - PAGE + 1n } };
    const r = run({ shim: s, host: parseHostDt(A_HOST_DT), cmdline: parseCmdlineOptions(A_CMDLINE_OPTIONS) });
    expect(r).toMatchObject({ path: 'panic', panicKind: 'range_start_gt_end', panic: 'assertion failed: range.start <= range.end' });
  });

  // parse_host_vtl2_ram's measured fallback is try_new(..).expect("range is valid"): its text,
  // with the error's derived Debug (decimal). Kills sharing MemoryRange::new's assertion text.
  test('the measured VTL2 RAM fallback past 2^64 panics with the expect text', () => {
    const base = shim();
    const host = parseHostDt(A_HOST_DT);
    expect(host.memoryAllocationMode.kind).toBe('Host');
    const s = { ...base, memorySize: U64_MAX - PAGE + 1n };
    const noProtectable = { ...host, memory: host.memory.filter((e) => e.memType !== IgvmMemoryType.VTL2_PROTECTABLE) };
    const r = run({ shim: s, host: noProtectable, cmdline: parseCmdlineOptions(A_CMDLINE_OPTIONS) });
    expect(r).toMatchObject({
      path: 'panic',
      panicKind: 'range_start_gt_end',
      panic: `range is valid: InvalidMemoryRange { start: ${base.memoryStart}, end: ${base.memoryStart - PAGE} }`,
    });
  });

  // Upstream tests the WRAPPING sum of the host's VTL2 MMIO lengths for 0, not the list's length:
  // empty ranges, or lengths adding up to exactly 2^64, take the carve path like an empty list.
  // Kills `hostVtl2.length !== 0` and an unwrapped sum.
  test.each([
    ['empty ranges', [new MemoryRange(0x1_0000_0000n, 0x1_0000_0000n)]],
    ['lengths summing to 2^64', [new MemoryRange(0n, 1n << 63n), new MemoryRange(0n, (1n << 63n) - PAGE), new MemoryRange(0n, PAGE)]],
  ])('Vtl2 mode, host VTL2 MMIO of %s: carved as if none were given', (_name, mmio) => {
    const base = parseHostDt(A_HOST_DT);
    const vtl2Mode = { ...base, memoryAllocationMode: { kind: 'Vtl2' as const, memorySize: null, mmioSize: null } };
    const none: HostDt = { ...vtl2Mode, vmbusVtl2: { mmio: [], connectionId: base.vmbusVtl2?.connectionId ?? 0 } };
    const given: HostDt = { ...vtl2Mode, vmbusVtl2: { mmio, connectionId: base.vmbusVtl2?.connectionId ?? 0 } };
    expect(selectMmio(shim(), given)).toEqual(selectMmio(shim(), none));
    expect(selectMmio(shim(), none).vtl2Mmio).toHaveLength(1);
  });
});
