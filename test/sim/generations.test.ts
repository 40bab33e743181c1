import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../src/sim/crash-sweep.js';
import { DRIFT_KINDS, generationsReportToJson, runGenerations, type GenerationsReport } from '../../src/sim/generations.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario-file.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';

// Worked example A: boot fresh, save (no_io [2], outstanding [1]), boot. Its fresh boot puts the
// 2 MiB pool at the top of VTL2 RAM, [0xbe00000, 0xc000000); the image's `used` ends at 0x8d8d000.
const A_LIFECYCLE = [
  { op: 'boot' },
  { op: 'save', cpus_with_mapped_interrupts_no_io: [2], cpus_with_outstanding_io: [1] },
  { op: 'boot' },
];
const scenarioA = (shim: Record<string, unknown> = {}): Scenario =>
  parseScenario({ name: 'A', shim_params: { ...A_SHIM_PARAMS, ...shim }, host_dt: A_HOST_DT, cmdline_options: A_CMDLINE_OPTIONS, lifecycle: A_LIFECYCLE });

const failed = (r: GenerationsReport) => r.results.flatMap((g) => g.invariants.filter((i) => !i.ok).map((i) => `${g.generation} ${i.name}`));

describe('runGenerations', () => {
  test('no drift: every later generation restores, and every invariant holds', () => {
    const r = runGenerations(scenarioA(), { generations: 6, drift: [], seed: 0 });
    expect(r.results.map((g) => g.path)).toEqual(['host', 'persisted', 'persisted', 'persisted', 'persisted', 'persisted']);
    expect(r.firstPanicGeneration).toBeNull();
    expect(r.counts).toEqual({ run: 6, restored: 5, fresh: 1, panicked: 0, violations: 0 });
    expect(r.violations).toEqual([]);
    expect(r.results[0]!.invariants).toEqual([]); // generation 0 is the reference
    for (const g of r.results.slice(1)) {
      expect(g.save).toEqual({ noIo: [2], outstanding: [1] }); // the scenario's first save step's lists
      expect(g.drift).toEqual([]);
      expect(g.invariants.map((i) => [i.name, i.ok])).toEqual([
        ['save', true],
        ['path', true],
        ['pool_ranges', true],
        ['vtl0_mmio', true],
        ['vtl2_mmio', true],
        ['persisted_span', true],
        ['openhcl_memory_map', true],
        ['sidecar_excluded_cpus', true],
      ]);
    }
  });

  test('one generation is just the first boot', () => {
    const r = runGenerations(scenarioA(), { generations: 1, drift: ['used'], seed: 0 });
    expect(r.results).toHaveLength(1);
    expect(r.results[0]).toMatchObject({ generation: 0, path: 'host', reason: 'no magic' });
    expect(() => runGenerations(scenarioA(), { generations: 0, drift: [], seed: 0 })).toThrow(expect.objectContaining({ code: 'bad_generations' }));
  });

  test('used drift, seed 1: the image overlaps the carried pool at generation 375 and restore panics "right not sorted"', () => {
    // The layout: the pool is carried over at [0xbe00000, 0xc000000); the image's used range
    // starts ending at 0x8d8d000. Touching the pool is fine (scenario H), overlapping it panics,
    // so restore survives while used.end <= 0xbe00000, i.e. while the growth is at most
    // (0xbe00000 - 0x8d8d000) / 0x1000 = 0x3073 = 12403 pages.
    const usedEnd = 0x8d8d000;
    const poolStart = 0xbe00000;
    const budget = (poolStart - usedEnd) / 0x1000;
    expect(budget).toBe(12403);
    // The `used` stream (kind 0 of DRIFT_KINDS) draws 1 + floor(rng * 64) pages per generation.
    expect(DRIFT_KINDS.indexOf('used')).toBe(0);
    const expectedFirstPanic = (seed: number) => {
      const rng = mulberry32((seed + Math.imul(0x9e3779b9, 1)) >>> 0);
      let grown = 0;
      for (let g = 1; ; g++) {
        grown += 1 + Math.floor(rng() * 64);
        if (grown > budget) return { g, end: usedEnd + grown * 0x1000 };
      }
    };
    expect(expectedFirstPanic(1)).toEqual({ g: 375, end: 0xbe2e000 });

    const r = runGenerations(scenarioA(), { generations: 1000, drift: ['used'], seed: 1 });
    expect(r.firstPanicGeneration).toBe(375);
    expect(r.counts).toEqual({ run: 376, restored: 374, fresh: 1, panicked: 1, violations: 0 });
    expect(r.results[374]!.drift).toEqual(['used.end +41 pages -> 0xbdff000']); // still below the pool
    const last = r.results[375]!;
    expect(last).toMatchObject({ generation: 375, path: 'panic', attemptedPath: 'persisted', panicKind: 'walk_right_not_sorted', panic: 'right not sorted' });
    expect(last.drift).toEqual(['used.end +47 pages -> 0xbe2e000']); // 0x2e000 past the pool start
    expect(last.invariants).toEqual([]);
    // Until then, the pool and the rest stayed put.
    expect(failed(r)).toEqual([]);

    // Another seed grows differently and panics elsewhere, by the same rule.
    expect(expectedFirstPanic(2).g).toBe(385);
    expect(runGenerations(scenarioA(), { generations: 1000, drift: ['used'], seed: 2 }).firstPanicGeneration).toBe(385);
  });

  test('used drift into an image that already ends right below the pool: the first growth panics', () => {
    // used.end = 0xbe00000 touches the pool (scenario H: fine); any growth overlaps it.
    const r = runGenerations(scenarioA({ used: { start: '0x8000000', end: '0xbe00000' } }), { generations: 10, drift: ['used'], seed: 0 });
    expect(r.results[0]!.path).toBe('host');
    expect(r.firstPanicGeneration).toBe(1);
    expect(r.results[1]!.panicKind).toBe('walk_right_not_sorted');
  });

  test('mmio drift: the host moves its VMBus MMIO every generation, and restores ignore it', () => {
    const r = runGenerations(scenarioA(), { generations: 10, drift: ['mmio'], seed: 7 });
    expect(r.firstPanicGeneration).toBeNull();
    expect(failed(r)).toEqual([]);
    const hosts = r.results.slice(1).map((g) => g.drift[0]!);
    expect(new Set(hosts).size).toBe(9); // a different host MMIO layout each time
    for (const h of hosts) {
      expect(h).toMatch(/^host MMIO: vmbus_vtl0 \[0xf8000000-0x[0-9a-f]+, 0x[0-9a-f]+-0x[0-9a-f]+\]; vmbus_vtl2 \[0x[0-9a-f]+-0x[0-9a-f]+\]$/);
      expect(h).not.toContain('0xfc0000000-0x1000000000');
      expect(h).not.toContain('0xf800000000-0xf808000000');
    }
    const mmio = r.results.slice(1).map((g) => g.invariants.filter((i) => i.name.endsWith('_mmio')).map((i) => [i.name, i.ok]));
    expect(mmio.every((m) => JSON.stringify(m) === JSON.stringify([['vtl0_mmio', true], ['vtl2_mmio', true]]))).toBe(true);
  });

  test('host-memory drift: VTL0 RAM splits and shrinks; VTL2 RAM, pool, MMIO and span hold; the map check is skipped', () => {
    const r = runGenerations(scenarioA(), { generations: 30, drift: ['host-memory'], seed: 3 });
    expect(r.firstPanicGeneration).toBeNull();
    expect(failed(r)).toEqual([]);
    const drifts = r.results.slice(1).map((g) => g.drift[0]!);
    expect(drifts.some((d) => / split \[/.test(d))).toBe(true);
    expect(drifts.some((d) => / now ends at /.test(d))).toBe(true);
    expect(drifts.every((d) => !d.includes('[0x8000000, 0xc000000)'))).toBe(true); // never the VTL2_PROTECTABLE entry
    expect(r.results[1]!.invariants.map((i) => i.name)).not.toContain('openhcl_memory_map');
  });

  test('cpus drift: each save draws its lists, and each restore excludes exactly their union', () => {
    const r = runGenerations(scenarioA(), { generations: 12, drift: ['cpus'], seed: 11 });
    expect(failed(r)).toEqual([]);
    const lists = r.results.slice(1).map((g) => g.save!);
    expect(new Set(lists.map((l) => JSON.stringify(l))).size).toBeGreaterThan(1);
    for (const l of lists) for (const id of [...l.noIo, ...l.outstanding]) expect(id === 0 || id === 1).toBe(true); // cpu_count 2
  });

  test('an isolated VM ignores the header: every later generation is a violation, not a restore', () => {
    const r = runGenerations(scenarioA({ isolation: 'Snp' }), { generations: 3, drift: [], seed: 0 });
    expect(r.firstPanicGeneration).toBeNull();
    expect(failed(r)).toEqual(['1 path', '1 sidecar_excluded_cpus', '2 path', '2 sidecar_excluded_cpus']);
    expect(r.violations[0]).toEqual({ generation: 1, invariant: 'path', before: 'persisted', after: 'host' });
    expect(r.violations[1]).toEqual({ generation: 1, invariant: 'sidecar_excluded_cpus', before: [1, 2], after: [] });
  });

  test('deterministic: the same seed gives the same report; another seed a different one', () => {
    const all = [...DRIFT_KINDS];
    const run = (seed: number) => generationsReportToJson(runGenerations(scenarioA(), { generations: 25, drift: all, seed }));
    expect(run(5)).toEqual(run(5));
    expect(run(6)).not.toEqual(run(5));
    // Streams are per kind: adding kinds does not change the `used` draws.
    const usedOnly = runGenerations(scenarioA(), { generations: 25, drift: ['used'], seed: 5 }).results.map((g) => g.drift[0]);
    const withAll = runGenerations(scenarioA(), { generations: 25, drift: all, seed: 5 }).results.map((g) => g.drift.find((d) => d.startsWith('used')));
    expect(withAll).toEqual(usedOnly);
  });

  test('progress is reported once per generation', () => {
    const seen: number[] = [];
    runGenerations(scenarioA(), { generations: 4, drift: [], seed: 0, onProgress: (g) => seen.push(g) });
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  test('JSON form: snake_case, drift kinds in canonical order', () => {
    const json = generationsReportToJson(runGenerations(scenarioA(), { generations: 2, drift: ['cpus', 'mmio'], seed: 0 }));
    expect(json).toMatchObject({ scenario: 'A', seed: 0, drift: ['mmio', 'cpus'], generations: 2, first_panic_generation: null, violations: [] });
    const [g0, g1] = json['results'] as Record<string, unknown>[];
    expect(g0).toEqual({ generation: 0, path: 'host', reason: 'no magic', drift: [], invariants: [] });
    expect(g1).toMatchObject({ generation: 1, path: 'persisted', reason: 'valid magic', save: { cpus_with_mapped_interrupts_no_io: expect.any(Array), cpus_with_outstanding_io: expect.any(Array) } });
  });
});
