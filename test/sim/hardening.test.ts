/**
 * The hardening lab. Every count below is derived in the comments from what each writer stores
 * and what each reader checks, on the default crash-sweep scenario (the second servicing saves
 * M ‖ 22 01 03, 327 bytes, over M ‖ 1a 01 07 ‖ 22 02 01 05, 331 bytes; M is the 324-byte
 * `/openhcl` map both share), not pasted from a run.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SWEEP_GRANULARITIES, BEFORE_STATES } from '../../src/sim/crash-model.js';
import { crashSweep, defaultCrashSweepScenario, defaultCrashSweepScenarioJson, prepareSweep } from '../../src/sim/crash-sweep.js';
import { HYPOTHETICAL_PANIC_KIND, hardeningLab, type HardenOptions, type LabSweep } from '../../src/sim/hardening/lab.js';
import { hardenReportToJson } from '../../src/sim/hardening/report-json.js';
import { VARIANT_NAMES, type VariantName } from '../../src/sim/hardening/variants.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import type { OutcomeClass } from '../../src/sim/sweep-outcome.js';

const scenario = defaultCrashSweepScenario();

/** The class of every crash point, in k order, from the sweep's runs. */
function classes(s: LabSweep): OutcomeClass[] {
  return s.tally.segments.flatMap((seg) => Array<OutcomeClass>(seg.points).fill(seg.class));
}

function lab(variant: VariantName, options: HardenOptions = {}) {
  return hardeningLab(scenario, { ...options, variants: [variant] }).variants[0]!;
}

/** Length of the common prefix of two byte arrays. */
function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

describe('the real variant is crashSweep', () => {
  test.each(SWEEP_GRANULARITIES.flatMap((g) => BEFORE_STATES.map((b) => [g, b] as const)))('%s granularity, before %s', (granularity, before) => {
    const sweep = crashSweep(scenario, { granularity, before, seed: 7 });
    const real = lab('real', { granularity, before, seed: 7 }).hardened;
    expect(real.tally.counts).toEqual(sweep.counts);
    expect(real.tally.segments).toEqual(sweep.segments);
    expect(real.points).toBe(sweep.points);
  });

  test('the default sweep still counts 327 restored-old, 8 restored-new, 25 SILENT-WRONG of 360', () => {
    expect(lab('real').hardened.tally.counts).toEqual({ 'restored-new': 8, 'restored-old': 327, fresh: 0, panic: 0, 'silent-wrong': 25 });
  });
});

describe('page granularity: every store is one unit', () => {
  // Before the save (`previous`) the area holds the previous state as each variant's own
  // writer leaves it. k = 0 restores it (restored-old); k = N is the complete save (restored-new).
  test.each([
    // Payload, header. k = 1: the new payload under the old header, whose length (331) takes
    // in the old payload's stale tail 22 02 01 05: CPUs {1, 3, 5}, neither save's.
    ['real', ['restored-old', 'silent-wrong', 'restored-new']],
    // Payload, marker and CRC, header. k = 1: the old CRC does not cover the mixed payload; k = 2:
    // the new CRC does not cover the old header. Both rejected: a panic.
    ['crc32c-in-header', ['restored-old', 'panic', 'panic', 'restored-new']],
    // Magic cleared, payload, other header fields, magic: k = 1..3 have no magic (fresh).
    ['invalidate-first', ['restored-old', 'fresh', 'fresh', 'fresh', 'restored-new']],
    // Payload (generation 2 first), header, generation. k = 1: the payload says 2, the header 1;
    // k = 2: the header's number is still 1. Both rejected.
    ['generation', ['restored-old', 'panic', 'panic', 'restored-new']],
    // Slot B, then the header. k = 1: the header still names slot A, which holds the old state.
    ['ab-slots', ['restored-old', 'restored-old', 'restored-new']],
  ] as const)('%s', (variant, want) => {
    const r = lab(variant, { granularity: 'page' });
    expect(classes(r.hardened)).toEqual(want);
    expect(r.hardened.points).toBe(want.length);
  });

  test('a failed check falls back to the fresh path with --on-check-fail fresh', () => {
    const r = lab('crc32c-in-header', { granularity: 'page', onCheckFail: 'fresh' });
    expect(classes(r.hardened)).toEqual(['restored-old', 'fresh', 'fresh', 'restored-new']);
    expect(r.hardened.tally.firstExamples.fresh!.summary).toMatch(/^fresh boot from the host \(hypothetical reader: CRC-32C mismatch: the header says 0x[0-9a-f]+, the header and payload give 0x[0-9a-f]+; the fresh path\)/);
  });

  test("a failed check's panic says it is the hypothetical reader's", () => {
    const p = lab('generation', { granularity: 'page' }).hardened.tally.firstExamples.panic!;
    expect(p.panicKind).toBe(HYPOTHETICAL_PANIC_KIND);
    expect(p.panic).toBe('hypothetical reader would panic: generation mismatch: the header says 1, the payload says 2');
  });
});

describe('byte granularity', () => {
  const setup = prepareSweep(scenario, 'previous', 0);
  const oldPayload = setup.old.read(setup.plan.stores[0].gpa, 331n);
  const newPayload = setup.plan.payload;
  const oldHeader = setup.old.read(setup.plan.stores[1].gpa, 32n);
  const newHeader = setup.plan.stores[1].bytes;
  let lastHeaderDiff = 31;
  while (oldHeader[lastHeaderDiff] === newHeader[lastHeaderDiff]) lastHeaderDiff--;

  test('the two saves differ where the comments below say', () => {
    expect(commonPrefix(oldPayload, newPayload)).toBe(324);
    expect(lastHeaderDiff).toBe(24); // protobuf_payload_len's low byte: 331 → 327
  });

  test('crc32c-in-header: the old state while memory is unchanged, the new once the header is whole, else rejected', () => {
    const r = lab('crc32c-in-header').hardened;
    // 327 payload + 8 marker/CRC + 32 header units. While the payload write has only rewritten
    // bytes equal to the old ones (k = 0..324) memory is exactly the old save: its CRC holds.
    const old = 1 + commonPrefix(oldPayload, newPayload);
    // The header's last differing byte is 24: from then on (k = N − 7 .. N) the header is the
    // new one, and the new CRC (already stored) covers it.
    const fresh = 32 - lastHeaderDiff;
    expect(r.points).toBe(327 + 8 + 32 + 1);
    expect(r.tally.counts).toEqual({ 'restored-new': fresh, 'restored-old': old, fresh: 0, panic: r.points - old - fresh, 'silent-wrong': 0 });
  });

  test('invalidate-first: every crash point between the first and the last store has no magic', () => {
    const r = lab('invalidate-first').hardened;
    // 8 (magic cleared) + 327 + 24 (header fields) + 8 (magic) units. From k = 1 a magic byte is
    // zero, and until k = N the magic is cleared or part-written: never OHCLPHDR.
    expect(r.points).toBe(8 + 327 + 24 + 8 + 1);
    expect(r.tally.counts).toEqual({ 'restored-new': 1, 'restored-old': 1, fresh: r.points - 2, panic: 0, 'silent-wrong': 0 });
  });

  test('generation: any change to the payload or the header shows as a mismatch', () => {
    const r = lab('generation').hardened;
    // Payload 28 02 ‖ M ‖ 22 01 03 (329) over 28 01 ‖ …: byte 0 (the key) is unchanged, so k = 0, 1
    // read the old state; from k = 2 the payload says 2, the header 1. The header store changes
    // nothing the check would miss; the number 1 → 2 lands with the generation store's first
    // byte, and the other 7 are zero as before: k = N − 7 .. N read the new state.
    expect(r.points).toBe(329 + 32 + 8 + 1);
    expect(r.tally.counts).toEqual({ 'restored-new': 8, 'restored-old': 2, fresh: 0, panic: r.points - 10, 'silent-wrong': 0 });
  });

  test('ab-slots: a header torn between protobuf_base and protobuf_payload_len is SILENT-WRONG', () => {
    const r = lab('ab-slots').hardened;
    // Slot B held the state before the previous one (the same 331-byte payload). Once the header's
    // protobuf_base names slot B (its second byte changes) and until protobuf_payload_len does
    // (byte 24), the reader reads the new payload with the old length: M ‖ 22 01 03 ‖ 22 02 01 05,
    // the same torn list as today's. Header bytes 10..24 are 15 crash points.
    expect(r.tally.counts['silent-wrong']).toBe(15);
    expect(r.tally.firstExamples['silent-wrong']!.summary).toContain('sidecar excluded CPUs [1, 3, 5] (old [1, 5, 7], new [3])');
  });
});

describe('no SILENT-WRONG with crc32c-in-header or invalidate-first', () => {
  // Any CPU lists in the two saves, any granularity, any before-state and seed, either failure
  // action. The same property fails for `real` and `ab-slots` (above), so it can fail.
  const cpuList = fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 4 });
  test('property', () => {
    // Cases where today's format does restore a wrong topology: the property must have met some.
    let dangerous = 0;
    fc.assert(
      fc.property(
        fc.record({ a: cpuList, b: cpuList, c: cpuList, d: cpuList }),
        // Weighted to where today's format goes wrong: fine units over a previous save.
        fc.oneof({ arbitrary: fc.constantFrom('byte' as const, 'u64' as const), weight: 3 }, { arbitrary: fc.constantFrom(...SWEEP_GRANULARITIES), weight: 1 }),
        fc.oneof({ arbitrary: fc.constant('previous' as const), weight: 3 }, { arbitrary: fc.constantFrom(...BEFORE_STATES), weight: 1 }),
        fc.nat({ max: 2 ** 32 - 1 }),
        fc.constantFrom('panic' as const, 'fresh' as const),
        (cpus, granularity, before, seed, onCheckFail) => {
          const json = defaultCrashSweepScenarioJson() as { lifecycle: Record<string, unknown>[] };
          Object.assign(json.lifecycle[1]!, { cpus_with_mapped_interrupts_no_io: cpus.a, cpus_with_outstanding_io: cpus.b });
          Object.assign(json.lifecycle[3]!, { cpus_with_mapped_interrupts_no_io: cpus.c, cpus_with_outstanding_io: cpus.d });
          const s = parseScenarioFile(json)[0]!;
          const r = hardeningLab(s, { variants: ['real', 'crc32c-in-header', 'invalidate-first'], granularity, before, seed, onCheckFail });
          if (r.variants[0]!.hardened.tally.counts['silent-wrong'] > 0) dangerous++;
          for (const v of r.variants.slice(1)) expect(v.hardened.tally.counts['silent-wrong'], `${v.variant}`).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
    expect(dangerous).toBeGreaterThan(0);
  }, 120_000);
});

describe('across versions', () => {
  test("today's openhcl_boot panics on ab-slots' slot B (the region must start after the header page)", () => {
    const r = lab('ab-slots');
    expect(r.compatibility.shippedReadsNew).toBe(false);
    expect(r.compatibility.shippedReadsNewText).toMatch(/^panics \[header_end_ne_region_start\]/);
    expect(r.compatibility.newReadsShipped).toBe(true);
  });

  test('the other variants are read by both readers alike', () => {
    for (const name of ['crc32c-in-header', 'invalidate-first', 'generation'] as const) {
      const c = lab(name).compatibility;
      expect(c, name).toEqual({ shippedReadsNew: true, shippedReadsNewText: 'restores the same topology', newReadsShipped: true, newReadsShippedText: 'restores the same topology' });
    }
  });

  test('over bytes no shipped writer clears, a generation test of zero misreads; a marker does not', () => {
    // Before-state random: the shipped writer stores 32 header bytes, and header 0x20.. keeps
    // whatever was there. The generation reader takes those bytes for a number and rejects the
    // shipped save; the CRC reader finds no "C32C" marker and reads it as today.
    expect(lab('generation', { before: 'random' }).compatibility.newReadsShippedText).toMatch(/generation mismatch: the header says \d+, the payload carries none/);
    expect(lab('crc32c-in-header', { before: 'random' }).compatibility.newReadsShipped).toBe(true);
  });

  test('the first servicing onto a hardened build is as exposed as today (its state is a shipped writer\'s)', () => {
    const realCounts = lab('real').hardened.tally.counts;
    for (const name of VARIANT_NAMES) expect(lab(name).upgrade.tally.counts, name).toEqual(realCounts);
  });
});

describe('cost', () => {
  test.each([
    // +header, +payload, +units at byte granularity, capacity, boot work (checks, bytes read)
    ['real', 0, 0, 0, 77824n, 0, 0],
    // The marker and CRC (8 bytes). Reading: the marker (4), the CRC (4), the header (32) and the payload (327).
    ['crc32c-in-header', 8, 0, 8, 77824n, 3, 4 + 4 + 32 + 327],
    // The magic is stored twice.
    ['invalidate-first', 0, 0, 8, 77824n, 0, 0],
    // The number (8) and field 5 (28 02); the reader reads the number and the payload's first 11 bytes.
    ['generation', 8, 2, 10, 77824n - 11n, 3, 8 + 11],
    // Half the region each (19 pages: slot A has 9).
    ['ab-slots', 0, 0, 0, 9n * 4096n, 1, 0],
  ] as const)('%s', (name, header, payload, units, capacity, checks, bytesRead) => {
    expect(lab(name).cost).toEqual({ headerBytes: header, payloadBytes: payload, extraUnits: units, capacity, bootWork: { checks, bytesRead } });
  });
});

test('the JSON form is deterministic and names every variant as hypothetical but real', () => {
  const a = JSON.stringify(hardenReportToJson(hardeningLab(scenario, { granularity: 'u64', before: 'random', seed: 3 })));
  const b = JSON.stringify(hardenReportToJson(hardeningLab(scenario, { granularity: 'u64', before: 'random', seed: 3 })));
  expect(a).toBe(b);
  const j = JSON.parse(a) as { variants: { variant: string; hypothetical: boolean }[] };
  expect(j.variants.map((v) => [v.variant, v.hypothetical])).toEqual(VARIANT_NAMES.map((n) => [n, n !== 'real']));
});
