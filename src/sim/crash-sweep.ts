/**
 * Crash-consistency sweep (upstream `write_persisted_info`'s two writes; docs/servicing-walkthrough.md#what-a-torn-write-does): stop the machine after every store of a
 * servicing save, boot the next openhcl_boot instance from the torn memory, and classify what
 * it restores.
 *
 * The writer stores the payload first and the 32-byte header second, and zeroes nothing
 * (`write_persisted_info`). The stores split into units of the chosen granularity (one byte, an
 * 8-byte store, a 64-byte cache line or a 4 KiB page; src/sim/crash-model.ts). With N units there
 * are N + 1 crash points k = 0..N: k units written, k = 0 being "crashed before the save wrote
 * anything" and k = N "save complete". What the persisted area held before the save is the
 * lifecycle's (`previous`), all zeros or seeded random bytes.
 *
 * Each crash point's boot is classified against the boot from the memory before the save
 * ("old") and after it ("new"), as src/sim/sweep-outcome.ts describes. The path decides before
 * any comparison: when the swept save is the first ever (no magic in memory yet), the old
 * reference is itself a fresh boot and its crash points count as `fresh`, not `restored-old`.
 */
import { exampleAInputs } from './examples.js';
import { boot, type BootInputs } from '../boot/boot.js';
import { openhclMapToFdtNodes } from '../boot/device-tree.js';
import { Vtl2PersistError } from '../errors.js';
import { decodeHeader, HEADER_SIZE, type PersistedStateHeader } from '../format/header.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { formatHex, MemoryRange } from '../memory/range.js';
import { parseOpenhclMap, type ParsedOpenhclMap } from '../usermode/openhcl-map.js';
import { planSave, writePersistedState, type SaveCpuLists, type SavePlan } from '../usermode/writer.js';
import { crashPoints, describeTorn, prepareBefore, splitStores, type BeforeState, type SweepGranularity } from './crash-model.js';
import { SimulatedVm } from './runner.js';
import { headerToJson } from './result-json.js';
import { parseScenarioFile, resolveBootInputs, type BootStep, type SaveStep, type Scenario } from './scenario-file.js';
import {
  OUTCOME_CLASSES,
  referenceOutcome,
  referenceToJson,
  sweepOutcomeToJson,
  sweepPoints,
  tallyOutcomes,
  type OutcomeClass,
  type ReferenceOutcome,
  type SweepOutcome,
  type SweepSegment,
  type SweepTally,
  type SweepTopology,
  type TornState,
} from './sweep-outcome.js';

export { BEFORE_STATES, SWEEP_GRANULARITIES, describeTorn, mulberry32, type BeforeState, type SweepGranularity } from './crash-model.js';
export {
  OUTCOME_CLASSES,
  classifyBoot,
  topologyDifferences,
  type OutcomeClass,
  type ReferenceOutcome,
  type SweepOutcome,
  type SweepSegment,
  type SweepTopology,
  type TornState,
} from './sweep-outcome.js';

/** Options of {@link crashSweep}. */
export interface CrashSweepOptions {
  /** Store unit: one byte, one 8-byte store, a 64-byte cache line or a 4 KiB page (GPA-aligned). */
  granularity: SweepGranularity;
  /** What the persisted area held before the save (default `previous`: what the lifecycle left). */
  before?: BeforeState;
  /** Seed of the sampling PRNG and of the `random` before-state (default 0); always reported. */
  seed?: number;
  /**
   * Sweep only this many crash points, drawn without replacement from 0..N by a PRNG seeded
   * with `seed` (for huge payloads). Default: every crash point. A value of at least N + 1
   * sweeps every point.
   */
  sample?: number;
  /** Called after each crash point is classified (e.g. for a progress line). */
  onProgress?: (done: number, total: number) => void;
}

/** The result of {@link crashSweep}. */
export interface SweepReport {
  /** The scenario's name. */
  scenario: string;
  /** The store unit swept. */
  granularity: SweepGranularity;
  /** What the persisted area held before the save. */
  before: BeforeState;
  /** The seed of the sampling and of the `random` before-state (reported even when unused). */
  seed: number;
  /** `sample` as given, or null for an exhaustive sweep. */
  sample: number | null;
  /** The swept save: the scenario's last save step. */
  save: {
    /** Index of the save step in the lifecycle. */
    step: number;
    /** The save's field 3 list. */
    cpusWithMappedInterruptsNoIo: number[];
    /** The save's field 4 list. */
    cpusWithOutstandingIo: number[];
    /** GPA of the payload store. */
    payloadAt: bigint;
    /** Payload length in bytes. */
    payloadLen: number;
    /** GPA of the header store (the persisted region's start). */
    headerAt: bigint;
    /** The 32 header bytes in memory before the save (decoded; magic may be anything). */
    oldHeader: PersistedStateHeader;
    /** The header the save writes. */
    newHeader: PersistedStateHeader;
    /** `protobuf_payload_len` of the old header when its magic is valid, else null. */
    oldPayloadLen: number | null;
  };
  /** Index of the boot step whose inputs boot every crash point (null: the last boot's inputs, no later boot step). */
  nextBootStep: number | null;
  /** The save's store units: N = `total` = `payload` + `header`. */
  units: {
    /** Units of the payload store. */
    payload: number;
    /** Units of the header store (32 bytes, or 4 u64 stores). */
    header: number;
    /** All units, N. */
    total: number;
  };
  /** Crash points swept (N + 1 when exhaustive). */
  points: number;
  /** The crash points swept, ascending, when sampling (`sample` < N + 1); null when exhaustive. */
  sampledPoints: number[] | null;
  /** The two boots every crash point is classified against. */
  references: {
    /** The next boot from memory before the save (k = 0). */
    old: ReferenceOutcome;
    /** The next boot from memory after the complete save (k = N). */
    new: ReferenceOutcome;
  };
  /** Swept points per outcome class (every class present, zero or not). */
  counts: Record<OutcomeClass, number>;
  /** Panic kind → count, sorted by kind. */
  panicKinds: Record<string, number>;
  /** The first (lowest k) outcome of each class that occurred. */
  firstExamples: Partial<Record<OutcomeClass, SweepOutcome>>;
  /** The swept points as runs of one class, ascending. */
  segments: SweepSegment[];
}

/** Why a sweep cannot run: the scenario has nothing to sweep. */
export type CrashSweepErrorCode = 'no_save_step' | 'save_not_runnable';

/** A scenario that cannot be swept (no save step, or its save cannot run). */
export class CrashSweepError extends Vtl2PersistError {
  declare readonly code: CrashSweepErrorCode;
  constructor(code: CrashSweepErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * Sweeps the scenario's LAST save step. The lifecycle runs, as `runScenario` runs it, up to
 * that save on one memory; the memory then is the "old" state. Every crash point boots with
 * the inputs of the first boot step after the save (or, if none, of the last boot before it).
 * Steps after the save other than that boot are not run. The save's `crash_before_header` is
 * ignored: the sweep visits every stop point anyway.
 * @throws {CrashSweepError} when the scenario has no save step, or its save cannot run (no
 *   successful boot before it, or the writer fails, e.g. a payload larger than its region).
 */
export function crashSweep(scenario: Scenario, options: CrashSweepOptions): SweepReport {
  const plan = planCrashSweep(scenario, options);
  return finishCrashSweep(plan, sweepCrashPoints(plan, plan.ks, options.onProgress));
}

/**
 * A crash sweep up to its loop: everything {@link crashSweep} computes before it boots the
 * crash points, and what that loop needs. Deterministic in (scenario, options), so worker
 * threads (src/sim/parallel.ts) each plan the same sweep and take a slice of `ks`.
 */
export interface CrashSweepPlan {
  /** The report without what the crash points decide. */
  head: Omit<SweepReport, 'points' | 'sampledPoints' | keyof SweepTally>;
  /** Every crash point of the sweep, ascending. */
  ks: number[];
  /** The sweep's setup. */
  setup: SweepSetup;
  /** The store units of the save. */
  units: ReturnType<typeof splitStores>;
  /** The memory after the complete save, for the internal check at k = N. */
  complete: GuestMemory;
  /** The topologies of the two references (undefined for a panic). */
  topologies: { old: SweepTopology | undefined; new: SweepTopology | undefined };
  /** Describes memory at k from the bytes written so far of each store. */
  torn: (k: number, written: readonly number[]) => TornState;
}

/**
 * Plans a crash sweep: runs the lifecycle to the save, the complete save and both reference
 * boots, splits the stores and draws the crash points.
 * @throws {CrashSweepError} as {@link crashSweep}.
 */
export function planCrashSweep(scenario: Scenario, options: CrashSweepOptions): CrashSweepPlan {
  const { granularity } = options;
  const seed = options.seed ?? 0;
  const before = options.before ?? 'previous';
  const setup = prepareSweep(scenario, before, seed);
  const { saveIndex, save, bootInputs, plan, old } = setup;
  // The complete save, by the writer itself: it also checks the store bounds (throws if the
  // payload does not fit) and lets us verify that the units below add up to the same memory.
  const complete = old.clone();
  try {
    writePersistedState(complete, setup.parsed, setup.cpus);
  } catch (e) {
    if (e instanceof Vtl2PersistError) throw new CrashSweepError('save_not_runnable', `the save at lifecycle[${saveIndex}] fails: ${e.message}`);
    throw e;
  }

  const units = splitStores(plan.stores, granularity);
  const payloadUnits = units.filter((u) => u.store === 0).length;
  const headerGpa = plan.stores[1].gpa;
  const oldHeader = decodeHeader(old.read(headerGpa, HEADER_SIZE));
  const oldHeaderValid = oldHeader.magic === plan.header.magic;

  const references = { old: referenceOutcome(boot(bootInputs, old)), new: referenceOutcome(boot(bootInputs, complete)) };
  const topologies = {
    old: references.old.path === 'panic' ? undefined : references.old.topology,
    new: references.new.path === 'panic' ? undefined : references.new.topology,
  };

  const total = units.length;
  const torn = (k: number, written: readonly number[]): TornState => {
    const [payloadBytes = 0, headerBytes = 0] = written;
    return { payloadBytes, payloadLen: plan.payload.length, headerBytes, description: describeTorn(k, total, payloadBytes, plan.payload.length, headerBytes, granularity) };
  };
  const head = {
    scenario: scenario.name,
    granularity,
    before,
    seed,
    sample: options.sample ?? null,
    save: {
      step: saveIndex,
      cpusWithMappedInterruptsNoIo: [...save.cpusWithMappedInterruptsNoIo],
      cpusWithOutstandingIo: [...save.cpusWithOutstandingIo],
      payloadAt: plan.stores[0].gpa,
      payloadLen: plan.payload.length,
      headerAt: headerGpa,
      oldHeader,
      newHeader: plan.header,
      oldPayloadLen: oldHeaderValid ? Number(oldHeader.protobufPayloadLen) : null,
    },
    nextBootStep: setup.nextIndex < 0 ? null : setup.nextIndex,
    units: { payload: payloadUnits, header: total - payloadUnits, total },
    references,
  };
  return { head, ks: crashPoints(total, options.sample, seed), setup, units, complete, topologies, torn };
}

/**
 * Boots and classifies the crash points `ks` (ascending, a subset of `plan.ks`) of a planned
 * sweep. When `ks` reaches k = N it also checks that the units add up to the complete save.
 */
export function sweepCrashPoints(plan: CrashSweepPlan, ks: readonly number[], onProgress?: (done: number, total: number) => void): SweepOutcome[] {
  const { bootInputs, old } = plan.setup;
  const { outcomes, memory, applied } = sweepPoints(old, plan.units, ks, (m) => boot(bootInputs, m), plan.torn, plan.topologies, onProgress);
  if (applied === plan.units.length && !memory.equals(plan.complete)) {
    throw new Error('crash sweep: the store units do not add up to the complete save (internal error)');
  }
  return outcomes;
}

/** The report of a planned sweep from the outcomes of its crash points, in ascending k. */
export function finishCrashSweep(plan: CrashSweepPlan, outcomes: readonly SweepOutcome[]): SweepReport {
  const ks = outcomes.map((o) => o.k);
  return {
    ...plan.head,
    points: outcomes.length,
    sampledPoints: ks.length === plan.units.length + 1 ? null : ks,
    ...tallyOutcomes(outcomes),
  };
}

/** Everything a sweep of a scenario's last save needs, from running its lifecycle up to that save. */
export interface SweepSetup {
  /** Index of the swept save step. */
  saveIndex: number;
  /** The swept save step. */
  save: SaveStep;
  /** Index of the boot step after the save, or -1 (then the last boot's inputs boot every point). */
  nextIndex: number;
  /** The inputs every crash point boots with. */
  bootInputs: BootInputs;
  /** The `/openhcl` map the running instance's usermode parsed. */
  parsed: ParsedOpenhclMap;
  /** The save's CPU lists. */
  cpus: SaveCpuLists;
  /** The real writer's plan of the save. */
  plan: SavePlan;
  /** The memory before the save, its persisted area set to the before-state. */
  old: GuestMemory;
  /** The persisted area: the header page and the protobuf region. */
  area: MemoryRange;
}

/**
 * Runs the lifecycle up to the scenario's LAST save (as `runScenario` does, on one memory) and
 * gathers what a sweep of that save needs (see {@link crashSweep}).
 * @throws {CrashSweepError} when there is no save step or no running instance before it.
 */
export function prepareSweep(scenario: Scenario, before: BeforeState, seed: number): SweepSetup {
  const saveIndex = scenario.lifecycle.map((s) => s.op).lastIndexOf('save');
  if (saveIndex < 0) throw new CrashSweepError('no_save_step', `scenario ${JSON.stringify(scenario.name)} has no save step to sweep`);
  const save = scenario.lifecycle[saveIndex] as SaveStep;

  const vm = new SimulatedVm(scenario);
  let lastBootStep: BootStep | undefined;
  for (const step of scenario.lifecycle.slice(0, saveIndex)) {
    vm.step(step);
    if (step.op === 'boot') lastBootStep = step;
  }
  const last = vm.lastBoot;
  if (last === undefined || last.path === 'panic' || lastBootStep === undefined) {
    throw new CrashSweepError('save_not_runnable', `the save at lifecycle[${saveIndex}] has no running instance (no boot before it, or it panicked)`);
  }
  const nextIndex = scenario.lifecycle.findIndex((s, i) => i > saveIndex && s.op === 'boot');
  const nextStep = nextIndex < 0 ? lastBootStep : (scenario.lifecycle[nextIndex] as BootStep);
  const inputs = resolveBootInputs(scenario, nextStep);
  const bootInputs = { shim: inputs.shimParams, host: inputs.hostDt, cmdline: inputs.cmdlineOptions };

  const cpus = { noIo: save.cpusWithMappedInterruptsNoIo, outstanding: save.cpusWithOutstandingIo };
  const parsed = parseOpenhclMap(openhclMapToFdtNodes(last.openhclMemoryMap));
  const plan = planSave(parsed, cpus);
  const area = new MemoryRange(parsed.vtl2PersistedHeader.start, parsed.vtl2PersistedProtobufRegion.end);
  const old = vm.memory.clone();
  prepareBefore(old, area, before, seed);
  return { saveIndex, save, nextIndex, bootInputs, parsed, cpus, plan, old, area };
}

/** A report in JSON form: snake_case keys, u64 values as lowercase `0x…` strings. */
export function sweepReportToJson(r: SweepReport): Record<string, unknown> {
  const ref = referenceToJson;
  return {
    scenario: r.scenario,
    granularity: r.granularity,
    before: r.before,
    seed: r.seed,
    sample: r.sample,
    save: {
      step: r.save.step,
      cpus_with_mapped_interrupts_no_io: r.save.cpusWithMappedInterruptsNoIo,
      cpus_with_outstanding_io: r.save.cpusWithOutstandingIo,
      payload_at: formatHex(r.save.payloadAt),
      payload_len: r.save.payloadLen,
      header_at: formatHex(r.save.headerAt),
      old_header: headerToJson(r.save.oldHeader),
      new_header: headerToJson(r.save.newHeader),
      old_payload_len: r.save.oldPayloadLen,
    },
    next_boot_step: r.nextBootStep,
    units: r.units,
    points: r.points,
    sampled_points: r.sampledPoints,
    references: { old: ref(r.references.old), new: ref(r.references.new) },
    ...tallyToJson(r),
  };
}

/** The JSON of a sweep's tallies (the last four keys of {@link sweepReportToJson}). */
export function tallyToJson(t: SweepTally): Record<string, unknown> {
  return {
    counts: t.counts,
    panic_kinds: t.panicKinds,
    first_examples: Object.fromEntries(OUTCOME_CLASSES.flatMap((c) => (t.firstExamples[c] === undefined ? [] : [[c, sweepOutcomeToJson(t.firstExamples[c])]]))),
    segments: t.segments,
  };
}


/** The CPU lists of the default scenario's two saves (see {@link defaultCrashSweepScenarioJson}). */
export const DEFAULT_SWEEP_SAVES = {
  /** The first servicing's lists (the longer payload). */
  first: {
    /** Field 3. */
    cpus_with_mapped_interrupts_no_io: [7],
    /** Field 4. */
    cpus_with_outstanding_io: [1, 5],
  },
  /** The second servicing's lists: the swept save, 4 bytes shorter. */
  second: {
    /** Field 3 (empty, so not on the wire). */
    cpus_with_mapped_interrupts_no_io: [],
    /** Field 4. */
    cpus_with_outstanding_io: [3],
  },
} as const;

/**
 * The default crash-sweep scenario as scenario-format JSON: worked example A's inputs and the
 * lifecycle boot → save → boot → save → boot. The swept save is the SECOND one, and its
 * payload is shorter than the first (a stale header over a shorter payload): both encode the same 324-byte
 * `/openhcl` map, then the first adds no_io [7] and outstanding [1, 5] (`1a 01 07 22 02 01 05`,
 * 331 bytes in all) and the second only outstanding [3] (`22 01 03`, 327 bytes). The first
 * payload's tail stays in memory behind the second, so a crash between the two stores leaves
 * the old header's length (331) over `…22 01 03 | 22 02 01 05`: outstanding [3] and then the
 * stale outstanding [1, 5] — a topology equal to neither save's.
 */
export function defaultCrashSweepScenarioJson(): Record<string, unknown> {
  return {
    name: 'crash-sweep default: example A, second servicing saves a shorter payload',
    tags: ['crash-sweep', 'torn-write'],
    ...exampleAInputs(),
    lifecycle: [
      { op: 'boot' },
      { op: 'save', ...structuredClone(DEFAULT_SWEEP_SAVES.first) },
      { op: 'boot' },
      { op: 'save', ...structuredClone(DEFAULT_SWEEP_SAVES.second) },
      { op: 'boot' },
    ],
  };
}

/** The default crash-sweep scenario, parsed (see {@link defaultCrashSweepScenarioJson}). */
export function defaultCrashSweepScenario(): Scenario {
  return parseScenarioFile(defaultCrashSweepScenarioJson())[0]!;
}
