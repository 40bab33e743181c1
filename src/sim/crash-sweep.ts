/**
 * Crash-consistency sweep (upstream `write_persisted_info`'s two writes; docs/servicing-walkthrough.md#what-a-torn-write-does): stop the machine after every store of a
 * servicing save, boot the next openhcl_boot instance from the torn memory, and classify what
 * it restores.
 *
 * The writer stores the payload first and the 32-byte header second, and zeroes nothing
 * (`write_persisted_info`). A "store unit" is one byte (granularity `byte`) or one 8-byte store (granularity
 * `u64`: the payload in 8-byte chunks from its start, the last one possibly shorter, then the
 * header's four u64 fields). With N units there are N + 1 crash points k = 0..N: k units
 * written, k = 0 being "crashed before the save wrote anything" and k = N "save complete".
 *
 * Each crash point's boot is classified against two references — what the next boot restores
 * from the memory before the save (k = 0, "old") and after it (k = N, "new"):
 * - `restored-new`: persisted path, topology equal to the new reference's;
 * - `restored-old`: persisted path, topology equal to the old reference's;
 * - `fresh`: the header's magic was not found (or was ignored), host path;
 * - `panic`: openhcl_boot would panic (with its panic kind);
 * - `silent-wrong`: persisted path, but the topology equals neither reference.
 * A topology is the `/openhcl` memory map, the pool ranges, the VTL0/VTL2 MMIO and the sidecar
 * exclusion list (the CPU lists' sorted union) — what the next instance is told. When the two
 * references are equal, `restored-new` wins. The path decides before any comparison: when the
 * swept save is the first ever (no magic in memory yet), the old reference is itself a fresh boot and its
 * crash points count as `fresh`, not `restored-old`.
 */
import { exampleAInputs } from './examples.js';
import { boot, type BootResult, type BootSuccess } from '../boot/boot.js';
import { openhclMapToFdtNodes, openhclMapToJson } from '../boot/device-tree.js';
import { Vtl2PersistError } from '../errors.js';
import { decodeHeader, HEADER_FIELDS, HEADER_SIZE, type PersistedStateHeader } from '../format/header.js';
import type { RangeJson } from '../format/state-json.js';
import { formatHex } from '../memory/range.js';
import { parseOpenhclMap } from '../usermode/openhcl-map.js';
import { planSave, writePersistedState, type SavePlan } from '../usermode/writer.js';
import { SimulatedVm } from './runner.js';
import { headerToJson } from './result-json.js';
import { parseScenarioFile, resolveBootInputs, type BootStep, type SaveStep, type Scenario } from './scenario-file.js';

/** How finely a save's stores are split: single bytes, or 8-byte stores. */
export type SweepGranularity = 'byte' | 'u64';

/** The outcome classes, in report order. */
export const OUTCOME_CLASSES = ['restored-new', 'restored-old', 'fresh', 'panic', 'silent-wrong'] as const;
/** How one crash point's boot turned out (see the module comment for each class's rule). */
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

/** Options of {@link crashSweep}. */
export interface CrashSweepOptions {
  /** Store unit: one byte, or one 8-byte store as a u64-wide writer would tear. */
  granularity: SweepGranularity;
  /** Seed of the sampling PRNG (default 0). Only matters with `sample`; always reported. */
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

/** The topology a boot hands on: what classification compares (JSON form, u64 as hex strings). */
export interface SweepTopology {
  /** The boot path that produced it. */
  path: 'host' | 'persisted';
  /** The `/openhcl` memory map in scenario-result JSON. */
  openhcl_memory_map: unknown[];
  /** The private pool ranges. */
  pool_ranges: RangeJson[];
  /** VTL0 MMIO ranges. */
  vtl0_mmio: RangeJson[];
  /** VTL2 MMIO ranges. */
  vtl2_mmio: RangeJson[];
  /** CPUs kept off sidecar on start-up. */
  sidecar_excluded_cpus: number[];
}

/** One reference boot (old = before the save, new = after it). */
export type ReferenceOutcome =
  | {
      /** The reference boot succeeded on this path. */
      path: 'host' | 'persisted';
      /** What it handed on: the classification baseline. */
      topology: SweepTopology;
      /** One line for people. */
      summary: string;
    }
  | {
      /** The reference boot itself panicked. */
      path: 'panic';
      /** The panic's stable kind. */
      panicKind: string;
      /** The panic text. */
      panic: string;
      /** One line for people. */
      summary: string;
    };

/** What memory held when the machine stopped. */
export interface TornState {
  /** Payload bytes written (of `payloadLen`). */
  payloadBytes: number;
  /** Length of the swept save's payload in bytes. */
  payloadLen: number;
  /** Header bytes written (of 32). */
  headerBytes: number;
  /** e.g. "payload: 326 of 327 bytes written; header not written". */
  description: string;
}

/** One crash point's classified boot. */
export interface SweepOutcome {
  /** Store units written before the stop (0..N). */
  k: number;
  /** The outcome class of this crash point's boot. */
  class: OutcomeClass;
  /** What memory held when the machine stopped. */
  torn: TornState;
  /** The path the boot took, or `panic`. */
  path: 'host' | 'persisted' | 'panic';
  /** For `panic`: the stable kind and the first line of the message. */
  panicKind?: string;
  /** For `panic`: the first line of the panic text. */
  panic?: string;
  /** For successful boots: the sidecar exclusion list restored. */
  sidecarExcludedCpus?: number[];
  /** For `silent-wrong`: which topology components differ from each reference. */
  differsFromOld?: string[];
  /** For `silent-wrong`: the components that differ from the new reference. */
  differsFromNew?: string[];
  /** One line for people. */
  summary: string;
}

/** A run of consecutive swept crash points with the same class (and panic kind / topology). */
export interface SweepSegment {
  /** First crash point (k) of the run. */
  from: number;
  /** Last crash point (k) of the run, inclusive. */
  to: number;
  /** How many swept points the run holds (to − from + 1 when exhaustive). */
  points: number;
  /** The class every point of the run shares. */
  class: OutcomeClass;
  /** Panic kind, restored CPU list, …: what the points of the run share. */
  detail: string;
}

/** The result of {@link crashSweep}. */
export interface SweepReport {
  /** The scenario's name. */
  scenario: string;
  /** The store unit swept. */
  granularity: SweepGranularity;
  /** The sampling seed (reported even for an exhaustive sweep). */
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

/** One store unit: `bytes` at `gpa`, part of the payload or the header store. */
interface StoreUnit {
  what: 'payload' | 'header';
  gpa: bigint;
  bytes: Uint8Array;
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
  const { granularity } = options;
  const seed = options.seed ?? 0;
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
  const old = vm.memory.clone();
  // The complete save, by the writer itself: it also checks the store bounds (throws if the
  // payload does not fit) and lets us verify that the units below add up to the same memory.
  const complete = old.clone();
  try {
    writePersistedState(complete, parsed, cpus);
  } catch (e) {
    if (e instanceof Vtl2PersistError) throw new CrashSweepError('save_not_runnable', `the save at lifecycle[${saveIndex}] fails: ${e.message}`);
    throw e;
  }

  const units = storeUnits(plan, granularity);
  const payloadUnits = units.filter((u) => u.what === 'payload').length;
  const headerGpa = plan.stores[1].gpa;
  const oldHeader = decodeHeader(old.read(headerGpa, HEADER_SIZE));
  const oldHeaderValid = oldHeader.magic === plan.header.magic;

  const references = { old: reference(boot(bootInputs, old)), new: reference(boot(bootInputs, complete)) };
  const oldTopology = references.old.path === 'panic' ? undefined : references.old.topology;
  const newTopology = references.new.path === 'panic' ? undefined : references.new.topology;

  const total = units.length;
  const ks = crashPoints(total, options.sample, seed);
  const outcomes: SweepOutcome[] = [];
  const working = old.clone();
  let applied = 0;
  let payloadBytes = 0;
  let headerBytes = 0;
  for (const k of ks) {
    for (; applied < k; applied++) {
      const u = units[applied]!;
      working.write(u.gpa, u.bytes);
      if (u.what === 'payload') payloadBytes += u.bytes.length;
      else headerBytes += u.bytes.length;
    }
    const torn: TornState = {
      payloadBytes,
      payloadLen: plan.payload.length,
      headerBytes,
      description: describeTorn(k, total, payloadBytes, plan.payload.length, headerBytes, granularity),
    };
    // boot() only reads guest memory, so the working copy needs no clone.
    outcomes.push(classify(k, torn, boot(bootInputs, working), oldTopology, newTopology));
    options.onProgress?.(outcomes.length, ks.length);
  }
  if (applied === total && !working.equals(complete)) {
    throw new Error('crash sweep: the store units do not add up to the complete save (internal error)');
  }

  const counts = Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, 0])) as Record<OutcomeClass, number>;
  const kinds = new Map<string, number>();
  const firstExamples: Partial<Record<OutcomeClass, SweepOutcome>> = {};
  for (const o of outcomes) {
    counts[o.class]++;
    if (o.panicKind !== undefined) kinds.set(o.panicKind, (kinds.get(o.panicKind) ?? 0) + 1);
    firstExamples[o.class] ??= o;
  }
  return {
    scenario: scenario.name,
    granularity,
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
    nextBootStep: nextIndex < 0 ? null : nextIndex,
    units: { payload: payloadUnits, header: total - payloadUnits, total },
    points: ks.length,
    sampledPoints: ks.length === total + 1 ? null : ks,
    references,
    counts,
    panicKinds: Object.fromEntries([...kinds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    firstExamples,
    segments: segmentsOf(outcomes),
  };
}

/** The save's stores split into units, in store order: payload first, then header (as `write_persisted_info` writes them). */
function storeUnits(plan: SavePlan, granularity: SweepGranularity): StoreUnit[] {
  const units: StoreUnit[] = [];
  for (const store of plan.stores) {
    const step = granularity === 'byte' ? 1 : 8;
    for (let off = 0; off < store.bytes.length; off += step) {
      units.push({ what: store.what, gpa: store.gpa + BigInt(off), bytes: store.bytes.subarray(off, Math.min(off + step, store.bytes.length)) });
    }
  }
  return units;
}

/** The crash points to sweep, ascending: all of 0..total, or a seeded sample of them. */
function crashPoints(total: number, sample: number | undefined, seed: number): number[] {
  const all = Array.from({ length: total + 1 }, (_, i) => i);
  if (sample === undefined || sample >= all.length) return all;
  if (!Number.isSafeInteger(sample) || sample < 0) throw new RangeError(`sample must be a non-negative integer, got ${sample}`);
  // Partial Fisher–Yates with a seeded PRNG: the first `sample` slots are a uniform subset.
  const next = mulberry32(seed);
  for (let i = 0; i < sample; i++) {
    const j = i + Math.floor(next() * (all.length - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, sample).sort((a, b) => a - b);
}

/** mulberry32: a tiny deterministic PRNG over 32-bit state; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What memory held when the machine stopped after `k` of `total` store units, in words (the
 * `torn.description` of each outcome; also used by src/sim/sweep-grid.ts for its cells).
 */
export function describeTorn(k: number, total: number, payloadBytes: number, payloadLen: number, headerBytes: number, granularity: SweepGranularity): string {
  if (k === 0) return 'nothing written (stopped before the save)';
  if (k === total) return 'save complete (payload and header written)';
  if (headerBytes === 0) return `payload: ${payloadBytes} of ${payloadLen} bytes written; header not written`;
  const done = HEADER_FIELDS.filter((f) => f.offset + 8 <= headerBytes).map((f) => f.name);
  const partial = HEADER_FIELDS.find((f) => f.offset < headerBytes && headerBytes < f.offset + 8);
  const fields =
    granularity === 'u64' || partial === undefined
      ? `${done.length} of 4 fields written (${done.join(', ')})`
      : `${headerBytes} of 32 bytes written (${[...done, `${headerBytes - partial.offset} of 8 bytes of ${partial.name}`].join(', ')})`;
  return `payload complete; header: ${fields}`;
}

/** The parts of a boot's result that classification compares. */
function topologyOf(r: BootSuccess): SweepTopology {
  const range = (x: { start: bigint; end: bigint }) => ({ start: formatHex(x.start), end: formatHex(x.end) });
  return {
    path: r.path,
    openhcl_memory_map: openhclMapToJson(r.openhclMemoryMap),
    pool_ranges: r.poolRanges.map(range),
    vtl0_mmio: r.vtl0Mmio.map(range),
    vtl2_mmio: r.vtl2Mmio.map(range),
    sidecar_excluded_cpus: [...r.sidecarExcludedCpus],
  };
}

const COMPONENTS = ['openhcl_memory_map', 'pool_ranges', 'vtl0_mmio', 'vtl2_mmio', 'sidecar_excluded_cpus'] as const;

/** The topology components in which `a` and `b` differ (the path is not compared). */
export function topologyDifferences(a: SweepTopology, b: SweepTopology): string[] {
  return COMPONENTS.filter((c) => JSON.stringify(a[c]) !== JSON.stringify(b[c]));
}

function reference(r: BootResult): ReferenceOutcome {
  if (r.path === 'panic') return { path: 'panic', panicKind: r.panicKind, panic: firstLine(r.panic), summary: `panic [${r.panicKind}]: ${firstLine(r.panic)}` };
  const topology = topologyOf(r);
  return { path: r.path, topology, summary: `${r.path === 'host' ? 'fresh (host path)' : 'restored'}; ${topologySummary(topology)}` };
}

function topologySummary(t: SweepTopology): string {
  const list = (rs: { start: string; end: string }[]) => (rs.length === 0 ? 'none' : rs.map((r) => `${r.start}-${r.end}`).join(', '));
  return `sidecar excluded CPUs [${t.sidecar_excluded_cpus.join(', ')}], pool ${list(t.pool_ranges)}, ${t.openhcl_memory_map.length} /openhcl nodes`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/**
 * Classifies one boot against the references: a panic or the host path decide by themselves;
 * a restored topology is compared with the new reference first, then the old one. A reference
 * that panicked matches nothing.
 */
export function classifyBoot(result: BootResult, oldTopology: SweepTopology | undefined, newTopology: SweepTopology | undefined): OutcomeClass {
  if (result.path === 'panic') return 'panic';
  if (result.path === 'host') return 'fresh';
  const t = topologyOf(result);
  if (newTopology !== undefined && topologyDifferences(t, newTopology).length === 0) return 'restored-new';
  if (oldTopology !== undefined && topologyDifferences(t, oldTopology).length === 0) return 'restored-old';
  return 'silent-wrong';
}

function classify(k: number, torn: TornState, result: BootResult, oldTopology: SweepTopology | undefined, newTopology: SweepTopology | undefined): SweepOutcome {
  const cls = classifyBoot(result, oldTopology, newTopology);
  if (result.path === 'panic') {
    const panic = firstLine(result.panic);
    return { k, class: cls, torn, path: 'panic', panicKind: result.panicKind, panic, summary: `panic [${result.panicKind}] on the ${result.attemptedPath} path: ${panic}` };
  }
  const t = topologyOf(result);
  const outcome: SweepOutcome = { k, class: cls, torn, path: result.path, sidecarExcludedCpus: t.sidecar_excluded_cpus, summary: '' };
  if (cls === 'fresh') {
    outcome.summary = `fresh boot from the host (${result.reason}); ${topologySummary(t)}`;
  } else if (cls === 'silent-wrong') {
    outcome.differsFromOld = oldTopology === undefined ? ['(old reference panicked)'] : topologyDifferences(t, oldTopology);
    outcome.differsFromNew = newTopology === undefined ? ['(new reference panicked)'] : topologyDifferences(t, newTopology);
    const cpus = (x: SweepTopology | undefined) => (x === undefined ? 'n/a' : `[${x.sidecar_excluded_cpus.join(', ')}]`);
    outcome.summary =
      `restored a topology equal to neither reference: differs from old in ${outcome.differsFromOld.join(', ')}; ` +
      `from new in ${outcome.differsFromNew.join(', ')}; sidecar excluded CPUs ${cpus(t)} (old ${cpus(oldTopology)}, new ${cpus(newTopology)})`;
  } else {
    outcome.summary = `restored the ${cls === 'restored-new' ? 'new' : 'old'} topology; ${topologySummary(t)}`;
  }
  return outcome;
}

/** A report in JSON form: snake_case keys, u64 values as lowercase `0x…` strings. */
export function sweepReportToJson(r: SweepReport): Record<string, unknown> {
  const outcome = (o: SweepOutcome) => ({
    k: o.k,
    class: o.class,
    torn: { payload_bytes: o.torn.payloadBytes, payload_len: o.torn.payloadLen, header_bytes: o.torn.headerBytes, description: o.torn.description },
    path: o.path,
    ...(o.panicKind !== undefined && { panic_kind: o.panicKind, panic: o.panic }),
    ...(o.sidecarExcludedCpus !== undefined && { sidecar_excluded_cpus: o.sidecarExcludedCpus }),
    ...(o.differsFromOld !== undefined && { differs_from_old: o.differsFromOld }),
    ...(o.differsFromNew !== undefined && { differs_from_new: o.differsFromNew }),
    summary: o.summary,
  });
  const ref = (x: ReferenceOutcome) =>
    x.path === 'panic' ? { path: x.path, panic_kind: x.panicKind, panic: x.panic, summary: x.summary } : { path: x.path, summary: x.summary, topology: x.topology };
  return {
    scenario: r.scenario,
    granularity: r.granularity,
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
    counts: r.counts,
    panic_kinds: r.panicKinds,
    first_examples: Object.fromEntries(OUTCOME_CLASSES.flatMap((c) => (r.firstExamples[c] === undefined ? [] : [[c, outcome(r.firstExamples[c])]]))),
    segments: r.segments,
  };
}

function segmentsOf(outcomes: readonly SweepOutcome[]): SweepSegment[] {
  const segments: SweepSegment[] = [];
  for (const o of outcomes) {
    const detail =
      o.class === 'panic' ? (o.panicKind ?? '') : o.sidecarExcludedCpus === undefined ? '' : `sidecar excluded CPUs [${o.sidecarExcludedCpus.join(', ')}]`;
    const prev = segments[segments.length - 1];
    if (prev !== undefined && prev.class === o.class && prev.detail === detail) {
      prev.to = o.k;
      prev.points++;
    } else {
      segments.push({ from: o.k, to: o.k, points: 1, class: o.class, detail });
    }
  }
  return segments;
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
