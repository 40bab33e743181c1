import { describe, expect, test } from 'vitest';
import { boot } from '../../src/boot/boot.js';
import {
  classifyBoot,
  CrashSweepError,
  crashSweep,
  defaultCrashSweepScenario,
  defaultCrashSweepScenarioJson,
  OUTCOME_CLASSES,
  sweepReportToJson,
  topologyDifferences,
  type OutcomeClass,
  type SweepReport,
  type SweepTopology,
} from '../../src/sim/crash-sweep.js';
import { runScenario, SimulatedVm } from '../../src/sim/runner.js';
import { parseScenarioFile, resolveBootInputs } from '../../src/sim/scenario-file.js';
import { loadBootVectorFile } from '../support/vectors.js';

/** The default scenario's inputs with another lifecycle. */
function withLifecycle(name: string, lifecycle: unknown[]) {
  return parseScenarioFile({ ...defaultCrashSweepScenarioJson(), name, lifecycle })[0]!;
}
const save = (noIo: number[], outstanding: number[]) => ({ op: 'save', cpus_with_mapped_interrupts_no_io: noIo, cpus_with_outstanding_io: outstanding });
const BOOT = { op: 'boot' };

/** The class of every crash point k, read back from the report's runs. */
function classAt(r: SweepReport): Map<number, OutcomeClass> {
  const m = new Map<number, OutcomeClass>();
  for (const s of r.segments) for (let k = s.from; k <= s.to; k++) m.set(k, s.class);
  return m;
}
const runs = (r: SweepReport) => r.segments.map((s) => [s.from, s.to, s.class, s.detail]);

describe('the default scenario', () => {
  test('is worked example A (the shared vector) with boot, save, boot, shorter save, boot', () => {
    const a = loadBootVectorFile('boot-worked-examples.json').find((v) => v.name === 'A')!;
    const json = defaultCrashSweepScenarioJson();
    for (const key of ['shim_params', 'host_dt', 'cmdline_options']) expect(json[key]).toEqual(a.input[key]);
    expect((json['lifecycle'] as { op: string }[]).map((s) => s.op)).toEqual(['boot', 'save', 'boot', 'save', 'boot']);
  });

  test('its second payload is the first one minus its tail: same 324-byte map, then shorter CPU lists', () => {
    // The facts the expected counts below rest on, checked on the writer's actual output.
    const steps = runScenario(defaultCrashSweepScenario()).steps;
    const [first, second] = [steps[1]!, steps[3]!] as { payload_hex: string; payload_len: number }[];
    expect(first!.payload_len).toBe(331);
    expect(second!.payload_len).toBe(327);
    expect(first!.payload_hex.slice(0, 2 * 324)).toBe(second!.payload_hex.slice(0, 2 * 324)); // the same /openhcl map
    expect(first!.payload_hex.slice(2 * 324)).toBe('1a0107' + '22020105'); // no_io [7], outstanding [1, 5]
    expect(second!.payload_hex.slice(2 * 324)).toBe('220103'); // outstanding [3]
    expect(steps.map((s) => ('path' in s ? s.path : s.op))).toEqual(['host', 'save', 'persisted', 'save', 'persisted']);
  });

  test('byte granularity: 327 restored-old, 25 silent-wrong, 8 restored-new', () => {
    // Old memory: header {magic, base 0x8001000, region 0x13000, payload_len 331} over
    //   M ‖ 1a 01 07 ‖ 22 02 01 05        (M = the 324-byte map; CPUs {1, 5, 7})
    // The swept save stores M ‖ 22 01 03 (327 bytes, one unit per byte), then the 32 header
    // bytes; 359 units, crash points k = 0..359 (360 points). Every boot reads 331 bytes.
    //
    // k = 0..324 (325 points): the first 324 payload bytes are M again, so memory is unchanged
    //   and the boot restores the old topology.
    // k = 325: byte 324 becomes 22 (was 1a): M ‖ 22 01 07 ‖ 22 02 01 05 decodes CPU 7 as
    //   outstanding instead of no_io; the boot takes the union, {1, 5, 7}: still the old one.
    // k = 326: byte 325 is 01, as it was: unchanged.      => restored-old: k = 0..326, 327 points
    // k = 327: byte 326 becomes 03: M ‖ 22 01 03 ‖ 22 02 01 05 — the new payload, then the stale
    //   tail of the old one, still inside the old length (stale header, shorter payload): {1, 3, 5},
    //   neither the old {1, 5, 7} nor the new {3}.
    // k = 328..351: header bytes 0..23 — magic, protobuf_base and protobuf_region_len — are
    //   written with the values they already had, so nothing changes.
    //                                                      => silent-wrong: k = 327..351, 25 points
    // k = 352: header byte 24, the low byte of protobuf_payload_len, goes 0x4b -> 0x47 (331 ->
    //   327; the other seven bytes are 01 00 … as before): the boot reads exactly the new payload.
    // k = 353..359: the remaining payload_len bytes are unchanged.
    //                                                      => restored-new: k = 352..359, 8 points
    // No panic (the framing never breaks) and no fresh boot (the magic never goes away).
    const r = crashSweep(defaultCrashSweepScenario(), { granularity: 'byte' });
    expect(r.units).toEqual({ payload: 327, header: 32, total: 359 });
    expect(r.points).toBe(360);
    expect(r.save).toMatchObject({ step: 3, payloadLen: 327, oldPayloadLen: 331, payloadAt: 0x8001000n, headerAt: 0x8000000n });
    expect(r.nextBootStep).toBe(4);
    expect(r.counts).toEqual({ 'restored-new': 8, 'restored-old': 327, fresh: 0, panic: 0, 'silent-wrong': 25 });
    expect(r.panicKinds).toEqual({});
    expect(runs(r)).toEqual([
      [0, 326, 'restored-old', 'sidecar excluded CPUs [1, 5, 7]'],
      [327, 351, 'silent-wrong', 'sidecar excluded CPUs [1, 3, 5]'],
      [352, 359, 'restored-new', 'sidecar excluded CPUs [3]'],
    ]);
    expect(r.firstExamples['restored-old']).toMatchObject({ k: 0, torn: { description: 'nothing written (stopped before the save)' } });
    expect(r.firstExamples['silent-wrong']).toMatchObject({
      k: 327,
      path: 'persisted',
      sidecarExcludedCpus: [1, 3, 5],
      differsFromOld: ['sidecar_excluded_cpus'],
      differsFromNew: ['sidecar_excluded_cpus'],
      torn: { payloadBytes: 327, headerBytes: 0, description: 'payload: 327 of 327 bytes written; header not written' },
    });
    expect(r.firstExamples['restored-new']).toMatchObject({
      k: 352,
      torn: { headerBytes: 25, description: 'payload complete; header: 25 of 32 bytes written (magic, protobuf_base, protobuf_region_len, 1 of 8 bytes of protobuf_payload_len)' },
    });
    expect(r.firstExamples.panic).toBeUndefined();
    expect(r.firstExamples.fresh).toBeUndefined();
  });

  test('u64 granularity: 41 restored-old, 4 silent-wrong, 1 restored-new', () => {
    // Units: the 327 payload bytes as 41 stores (40 of 8 bytes, then bytes 320..326), then the
    // header's 4 fields; 45 units, crash points k = 0..45 (46 points).
    // k = 0..40: stores 0..39 cover bytes 0..319, all inside the unchanged map M => restored-old
    //   (41 points). The byte-granularity states k = 325, 326 fall inside store 40 and are skipped.
    // k = 41: store 40 writes bytes 320..326, completing M ‖ 22 01 03 over the stale 22 02 01 05
    //   => silent-wrong, {1, 3, 5}; k = 42, 43, 44 write magic, protobuf_base and
    //   protobuf_region_len with unchanged values => still silent-wrong (4 points).
    // k = 45: protobuf_payload_len = 327, the save is complete => restored-new (1 point).
    const r = crashSweep(defaultCrashSweepScenario(), { granularity: 'u64' });
    expect(r.units).toEqual({ payload: 41, header: 4, total: 45 });
    expect(r.points).toBe(46);
    expect(r.counts).toEqual({ 'restored-new': 1, 'restored-old': 41, fresh: 0, panic: 0, 'silent-wrong': 4 });
    expect(runs(r)).toEqual([
      [0, 40, 'restored-old', 'sidecar excluded CPUs [1, 5, 7]'],
      [41, 44, 'silent-wrong', 'sidecar excluded CPUs [1, 3, 5]'],
      [45, 45, 'restored-new', 'sidecar excluded CPUs [3]'],
    ]);
    expect(r.firstExamples['silent-wrong']?.torn.description).toBe('payload: 327 of 327 bytes written; header not written');
    expect(r.firstExamples['restored-new']?.torn.description).toBe('save complete (payload and header written)');
  });

  test('is deterministic, and the references are the boots of k = 0 and k = N', () => {
    const a = crashSweep(defaultCrashSweepScenario(), { granularity: 'byte', seed: 7 });
    const b = crashSweep(defaultCrashSweepScenario(), { granularity: 'byte', seed: 7 });
    expect(JSON.stringify(sweepReportToJson(a))).toBe(JSON.stringify(sweepReportToJson(b)));
    expect(a.references.old).toMatchObject({ path: 'persisted', topology: { sidecar_excluded_cpus: [1, 5, 7] } });
    expect(a.references.new).toMatchObject({ path: 'persisted', topology: { sidecar_excluded_cpus: [3] } });
    // Only the CPU lists differ between the two saves: the map, pool and MMIO carry over.
    if (a.references.old.path === 'panic' || a.references.new.path === 'panic') throw new Error('unreachable');
    expect(topologyDifferences(a.references.old.topology, a.references.new.topology)).toEqual(['sidecar_excluded_cpus']);
  });
});

describe('hand-built cases', () => {
  test('first-ever servicing (no old header; torn header write): fresh until the magic is whole, then a torn header panics', () => {
    // Memory before the save is all zero. Payload (cpus no_io [2], outstanding [1]) = 330 bytes.
    // k = 0..330: payload bytes only; no magic => fresh (331 points). k = 331..337: 1..7 magic
    //   bytes => still no magic => fresh (7 more: 338).
    // k = 338..341 (8..11 header bytes): magic whole, protobuf_base still reads 0 (its low bytes
    //   00 10 00 of 0x8001000 leave it below the persisted region) => region [0, 0) or so is not
    //   inside [0x8000000, 0x8200000): protobuf_region_not_contained (4).
    // k = 342..354 (12..24 header bytes): base 0x8001000 is whole; region_len grows 0 -> 0x13000
    //   but payload_len is still 0, and an empty SavedState has no VTL2 RAM: vtl2_ram_mismatch
    //   (Host mode cross-check) (13).
    // k = 355: payload_len's low byte 0x4a: 74 bytes of 330 decode to a truncated message:
    //   protobuf_decode_failed (1).
    // k = 356..362: payload_len = 330 => restored-new (7). Total 338 + 4 + 13 + 1 + 7 = 363.
    const r = crashSweep(withLifecycle('first-ever', [BOOT, save([2], [1]), BOOT]), { granularity: 'byte' });
    expect(r.save.oldPayloadLen).toBeNull();
    expect(r.references.old.path).toBe('host');
    expect(r.counts).toEqual({ 'restored-new': 7, 'restored-old': 0, fresh: 338, panic: 18, 'silent-wrong': 0 });
    expect(r.panicKinds).toEqual({ protobuf_decode_failed: 1, protobuf_region_not_contained: 4, vtl2_ram_mismatch: 13 });
    expect(runs(r).map(([from, to, c]) => [from, to, c])).toEqual([
      [0, 337, 'fresh'],
      [338, 341, 'panic'],
      [342, 354, 'panic'],
      [355, 355, 'panic'],
      [356, 362, 'restored-new'],
    ]);
    expect(r.firstExamples.panic).toMatchObject({ k: 338, panicKind: 'protobuf_region_not_contained' });
    expect(r.firstExamples.fresh?.summary).toMatch(/^fresh boot from the host \(no magic\)/);
    // u64: 42 payload stores + magic = 43 fresh points; then base = 0 (region not contained),
    // then region_len written but payload_len 0 (vtl2_ram_mismatch); then complete.
    const u = crashSweep(withLifecycle('first-ever', [BOOT, save([2], [1]), BOOT]), { granularity: 'u64' });
    expect(u.counts).toEqual({ 'restored-new': 1, 'restored-old': 0, fresh: 43, panic: 3, 'silent-wrong': 0 });
    expect(u.panicKinds).toEqual({ protobuf_region_not_contained: 1, vtl2_ram_mismatch: 2 });
  });

  test('a LONGER second payload (stale header, scenario F1): the old length cuts it mid-field and the decode panics', () => {
    // Old: M ‖ 1a 01 02 ‖ 22 01 01 (330). New: M ‖ 1a 03 02 09 05 ‖ 22 02 01 07 (333, lists as
    // given, unsorted). k = 0..325: unchanged bytes (M, then 1a) => restored-old (326). From
    // k = 326 (byte 325: 03) the 330-byte read ends inside a field: protobuf_decode_failed,
    // through the payload (7) and header bytes 0..24 (25) = 32. k = 358..365 => restored-new (8).
    const r = crashSweep(withLifecycle('longer', [BOOT, save([2], [1]), BOOT, save([2, 9, 5], [1, 7]), BOOT]), { granularity: 'byte' });
    expect(r.counts).toEqual({ 'restored-new': 8, 'restored-old': 326, fresh: 0, panic: 32, 'silent-wrong': 0 });
    expect(r.panicKinds).toEqual({ protobuf_decode_failed: 32 });
    expect(r.firstExamples.panic).toMatchObject({ k: 326, path: 'panic', panicKind: 'protobuf_decode_failed' });
    expect(r.firstExamples.panic?.panic).toMatch(/^failed to decode protobuf/);
  });

  test('a shorter save whose payload is a PREFIX of the old one cannot be silent-wrong: the stale tail IS the old state', () => {
    // First save no_io [2, 3, 4], outstanding [1, 5]; second save empty lists: its payload is
    // exactly M, the old payload's first 324 bytes. Writing it changes no byte, and the old
    // length (333) decodes the old lists again => restored-old until payload_len's low byte
    // changes (0x4d -> 0x44) at header byte 24: k = 0..348 restored-old (324 + 1 + 24), 349..356
    // restored-new (8).
    const r = crashSweep(withLifecycle('prefix', [BOOT, save([2, 3, 4], [1, 5]), BOOT, save([], []), BOOT]), { granularity: 'byte' });
    expect(r.counts).toEqual({ 'restored-new': 8, 'restored-old': 349, fresh: 0, panic: 0, 'silent-wrong': 0 });
  });

  test('when both saves persist the same state, every crash point restores the new (= old) topology', () => {
    const r = crashSweep(withLifecycle('same', [BOOT, save([], [1]), BOOT, save([], [1]), BOOT]), { granularity: 'u64' });
    expect(r.counts).toEqual({ 'restored-new': 46, 'restored-old': 0, fresh: 0, panic: 0, 'silent-wrong': 0 });
  });

  test('every crash point boots with the inputs of the boot step after the save (here: SNP, so the header is ignored)', () => {
    const r = crashSweep(
      withLifecycle('snp', [BOOT, save([], [1]), BOOT, save([], [3]), { op: 'boot', shim_params_override: { isolation: 'Snp' } }]),
      { granularity: 'u64' },
    );
    expect(r.nextBootStep).toBe(4);
    expect(r.counts).toEqual({ 'restored-new': 0, 'restored-old': 0, fresh: 46, panic: 0, 'silent-wrong': 0 });
    expect(r.firstExamples.fresh?.summary).toContain('isolated (Snp): header ignored');
  });

  test('without a boot after the save, the last boot before it supplies the inputs; steps after the save are not run', () => {
    const r = crashSweep(withLifecycle('no next boot', [BOOT, save([], [1]), BOOT, save([], [3])]), { granularity: 'u64' });
    expect(r.nextBootStep).toBeNull();
    expect(r.counts['restored-new'] + r.counts['restored-old'] + r.counts['silent-wrong']).toBe(r.points);
  });

  test('a scenario without a runnable save step cannot be swept', () => {
    expect(() => crashSweep(withLifecycle('no save', [BOOT, BOOT]), { granularity: 'byte' })).toThrow(CrashSweepError);
    expect(() => crashSweep(withLifecycle('no save', [BOOT]), { granularity: 'byte' })).toThrow(/has no save step/);
    try {
      crashSweep(withLifecycle('save first', [save([], []), BOOT]), { granularity: 'byte' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CrashSweepError);
      expect((e as CrashSweepError).code).toBe('save_not_runnable');
    }
  });
});

describe('classification', () => {
  const vm = new SimulatedVm(defaultCrashSweepScenario());
  const inputs = resolveBootInputs(vm.scenario, { op: 'boot' });
  const bootInputs = { shim: inputs.shimParams, host: inputs.hostDt, cmdline: inputs.cmdlineOptions };
  const topo = (cpus: number[]): SweepTopology => {
    const r = crashSweep(withLifecycle('t', [BOOT, save([], cpus), BOOT]), { granularity: 'u64' });
    if (r.references.new.path === 'panic') throw new Error('unexpected panic');
    return r.references.new.topology;
  };

  test('panic, host path and persisted path decide first; a restored topology is compared with new, then old', () => {
    const fresh = boot(bootInputs, vm.memory.clone()); // all-zero memory: no magic
    expect(fresh.path).toBe('host');
    expect(classifyBoot(fresh, undefined, undefined)).toBe('fresh');

    vm.boot();
    vm.save({ outstanding: [3] });
    const restored = boot(bootInputs, vm.memory);
    expect(restored.path).toBe('persisted');
    const t3 = topo([3]);
    const t4 = topo([4]);
    expect(classifyBoot(restored, t4, t3)).toBe('restored-new');
    expect(classifyBoot(restored, t3, t4)).toBe('restored-old');
    expect(classifyBoot(restored, t3, t3)).toBe('restored-new'); // equal references: new wins
    expect(classifyBoot(restored, t4, undefined)).toBe('silent-wrong'); // a panicked reference matches nothing
    expect(classifyBoot(restored, undefined, undefined)).toBe('silent-wrong');
    expect(topologyDifferences(t3, t4)).toEqual(['sidecar_excluded_cpus']);

    vm.write(0x8000000n + 26n, Uint8Array.of(0x02)); // protobuf_payload_len 0x20147 > region len 0x13000
    const panicked = boot(bootInputs, vm.memory);
    expect(panicked).toMatchObject({ path: 'panic', panicKind: 'payload_len_gt_region_len' });
    expect(classifyBoot(panicked, t3, t3)).toBe('panic');
  });

  test('boot only reads guest memory, so the sweep may boot on its working copy', () => {
    const v = new SimulatedVm(defaultCrashSweepScenario());
    v.boot();
    v.save({ noIo: [1], outstanding: [2] });
    const before = v.memory.clone();
    expect(boot(bootInputs, v.memory).path).toBe('persisted');
    expect(v.memory.equals(before)).toBe(true);
  });
});

describe('sampling', () => {
  const scenario = defaultCrashSweepScenario();
  const exhaustive = classAt(crashSweep(scenario, { granularity: 'byte' }));

  test('a sample sweeps that many distinct points, chosen by the seed, each classified as the exhaustive sweep does', () => {
    const a = crashSweep(scenario, { granularity: 'byte', sample: 40, seed: 1 });
    const b = crashSweep(scenario, { granularity: 'byte', sample: 40, seed: 1 });
    const c = crashSweep(scenario, { granularity: 'byte', sample: 40, seed: 2 });
    expect(a.points).toBe(40);
    expect(a.sample).toBe(40);
    expect(OUTCOME_CLASSES.reduce((n, k) => n + a.counts[k], 0)).toBe(40);
    expect(JSON.stringify(sweepReportToJson(a))).toBe(JSON.stringify(sweepReportToJson(b)));
    const ks = a.sampledPoints!;
    expect(ks).toHaveLength(40);
    expect(new Set(ks).size).toBe(40);
    expect([...ks].sort((x, y) => x - y)).toEqual(ks);
    expect(ks.every((k) => Number.isInteger(k) && k >= 0 && k <= 359)).toBe(true);
    expect(c.sampledPoints).not.toEqual(ks);
    // Each sampled point lies in exactly one run of the report; its class is the exhaustive one.
    for (const k of ks) {
      const runsOfK = a.segments.filter((s) => s.from <= k && k <= s.to);
      expect(runsOfK).toHaveLength(1);
      expect(runsOfK[0]!.class).toBe(exhaustive.get(k));
    }
    expect(a.segments.reduce((n, s) => n + s.points, 0)).toBe(40);
  });

  test('a sample of at least N + 1 is the exhaustive sweep', () => {
    const r = crashSweep(scenario, { granularity: 'byte', sample: 10_000, seed: 3 });
    expect(r.points).toBe(360);
    expect(r.sampledPoints).toBeNull();
    expect(r.counts).toEqual({ 'restored-new': 8, 'restored-old': 327, fresh: 0, panic: 0, 'silent-wrong': 25 });
  });
});

test('the JSON form has no bigints and names u64 values in hex', () => {
  const json = sweepReportToJson(crashSweep(defaultCrashSweepScenario(), { granularity: 'u64' }));
  const back = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
  expect(back).toMatchObject({
    granularity: 'u64',
    seed: 0,
    sample: null,
    save: { payload_at: '0x8001000', header_at: '0x8000000', payload_len: 327, old_payload_len: 331, new_header: { protobuf_payload_len: '0x147' } },
    counts: { 'restored-new': 1, 'restored-old': 41, fresh: 0, panic: 0, 'silent-wrong': 4 },
    first_examples: { 'silent-wrong': { k: 41, sidecar_excluded_cpus: [1, 3, 5], differs_from_old: ['sidecar_excluded_cpus'] } },
  });
});
