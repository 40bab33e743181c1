/**
 * Builds everything an explorer page shows (`ExploreData`, src/sim/explore-types.ts) for one
 * input, with the library alone: the inspector for the bytes and findings, the emulated boot
 * with its decision trail for each boot of a scenario, the map models, and the crash sweep.
 * Takes bytes and parsed JSON (src/cli/explore-input.ts reads files); never reads a file.
 */
import type { BootInputs, BootResult } from '../boot/boot.js';
import { bootWithTrail } from '../boot/decision-trail.js';
import { inspectBytes, type Inspection, type InspectMode } from '../boot/inspection.js';
import { ArgumentError } from '../errors.js';
import { encodeSavedState } from '../format/encode.js';
import { MemoryVtlType } from '../memory/vtl-type.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { formatHex as hex } from '../memory/u64.js';
import { IMAGE_LEN, buildImage } from '../usermode/region-image.js';
import { crashSweep, type SweepGranularity } from './crash-sweep.js';
import { byteView, DEFAULT_SHOWN_BYTES } from './explore-bytes.js';
import type { ExploreSource } from './explore-source.js';
import type { BootViewJson, ExploreData, HardeningViewJson, MapComparisonJson, TrailStepJson } from './explore-types.js';
import { bootMap, compareMaps, savedStateMap } from './memory-map-model.js';
import { SimulatedVm } from './runner.js';
import { resolveBootInputs, type Scenario, type Step } from './scenario-file.js';
import { hardeningLab } from './hardening/lab.js';
import { labSweepGrid, sweepGrid } from './sweep-grid.js';

export type { ExploreSource } from './explore-source.js';

/** Options of {@link exploreData}. */
export interface ExploreOptions {
  /** Raw bytes: automatic region/payload detection (as `inspect`), or forced. Default `auto`. */
  mode?: InspectMode;
  /**
   * GPA of the input's first byte (raw bytes; as `inspect --base`). For a state, where its
   * region image is placed (default: its VTL2_PERSISTED_STATE_HEADER entry's start, else 0).
   */
  base?: bigint;
  /** Sweep the scenario's last save (scenarios only; an ArgumentError otherwise). */
  sweep?: boolean;
  /** Add the hardening lab's sweeps of the scenario's last save, one per variant (scenarios only). */
  harden?: boolean;
  /** Store unit of the sweep and of the lab (default `byte`). */
  granularity?: SweepGranularity;
  /** Bytes shown in the byte view (default 64 KiB); the rest is counted and marked `truncated`. */
  maxBytes?: number;
}

/** The trail of one boot: the checks it made and its verdict (src/boot/decision-trail.ts). */
interface Trail {
  result: BootResult;
  steps: TrailStepJson[];
  verdict: BootViewJson['verdict'];
}

/** The one place the decision trail is asked for: the boot itself, with its recorder. */
function trailOf(inputs: BootInputs, memory: GuestMemory): Trail {
  const t = bootWithTrail(inputs, memory);
  return { result: t.result, steps: t.steps.map((s) => ({ check: s.check, question: s.question, outcome: s.outcome, detail: s.detail })), verdict: { ...t.verdict } };
}

function inspectionFindings(i: Inspection): ExploreData['findings'] {
  return i.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message }));
}

/** Bytes explored as `inspect` sees them. */
function fromBytes(name: string, bytes: Uint8Array, kind: 'region' | 'payload' | 'state' | 'scenario', detection: string | undefined, options: ExploreOptions, base?: bigint): ExploreData {
  const inspection = inspectBytes(bytes, { file: name, mode: options.mode ?? 'auto', ...(base !== undefined && { base }) });
  return {
    version: 1,
    input: { name, kind: kind === 'region' || kind === 'payload' ? inspection.kind : kind, detection: detection ?? inspection.detection },
    bytes: byteView(bytes, inspection, options.maxBytes ?? DEFAULT_SHOWN_BYTES),
    findings: inspectionFindings(inspection),
    savedMap: inspection.decoded === undefined ? null : savedStateMap(inspection.decoded, `saved state in ${name}`),
    boots: [],
    comparisons: [],
    sweep: null,
    hardening: null,
  };
}

const SAVE_WORDS = (s: Step | undefined, result: unknown): string => {
  if (s === undefined) return 'first boot';
  if (s.op === 'boot') return 'after a boot';
  if (s.op === 'corrupt') return 'after a corruption';
  const failed = typeof result === 'object' && result !== null && 'error' in result;
  if (failed) return 'after a failed save';
  return s.crashBeforeHeader ? 'after a torn save' : 'after a save';
};

function verdictWords(r: BootResult): string {
  if (r.path === 'panic') return `panic [${r.panicKind}]`;
  return r.path === 'persisted' ? 'restored' : 'fresh';
}

/**
 * A scenario run step by step on one guest memory (as `simulate` runs it): one boot view per
 * boot step, with the trail the boot recorded; the byte view of the persisted region right
 * after the last save that ran (or, without one, at the end), read at the persisted-state start
 * of the boot before it, one header page plus the 19-page payload region long.
 */
function fromScenario(name: string, scenario: Scenario, options: ExploreOptions): ExploreData {
  const vm = new SimulatedVm(scenario);
  const boots: BootViewJson[] = [];
  let regionAt = scenario.shimParams.persistedState.start;
  let snapshot: { bytes: Uint8Array; at: bigint; step: number } | undefined;
  let lastSave = -1;
  scenario.lifecycle.forEach((s, i) => {
    if (s.op === 'save') lastSave = i;
  });
  const take = (step: number) => {
    const len = IMAGE_LEN;
    snapshot = { bytes: vm.memory.read(regionAt, len), at: regionAt, step };
  };
  let previous: { step: Step; result: unknown } | undefined;
  scenario.lifecycle.forEach((step, i) => {
    if (step.op === 'boot') {
      const inputs = resolveBootInputs(scenario, step);
      // boot() only reads memory: the trail's boot and the runner's are the same boot.
      const trail = trailOf({ shim: inputs.shimParams, host: inputs.hostDt, cmdline: inputs.cmdlineOptions }, vm.memory);
      regionAt = inputs.shimParams.persistedState.start;
      const result = vm.step(step);
      const r = trail.result;
      boots.push({
        label: `step ${i + 1}: boot (${SAVE_WORDS(previous?.step, previous?.result)}): ${verdictWords(r)}`,
        step: i,
        trail: trail.steps,
        verdict: trail.verdict,
        ...(r.path !== 'panic' && { map: bootMap(r, `step ${i + 1}: ${r.path === 'persisted' ? 'restored' : 'fresh'} boot`) }),
      });
      previous = { step, result };
      return;
    }
    const result = vm.step(step);
    previous = { step, result };
    if (i === lastSave) take(i);
  });
  if (snapshot === undefined) take(scenario.lifecycle.length - 1);
  const snap = snapshot!;
  const when = lastSave >= 0 ? `after step ${snap.step + 1} (its last save)` : 'after its lifecycle (it has no save)';
  const data = fromBytes(name, snap.bytes, 'scenario', `scenario ${JSON.stringify(scenario.name)}: the persisted region at ${hex(snap.at)} ${when}`, { ...options, mode: 'region' }, snap.at);
  data.boots = boots;
  data.comparisons = comparisons(boots);
  if (options.sweep === true) data.sweep = sweepGrid(crashSweep(scenario, { granularity: options.granularity ?? 'byte' }));
  if (options.harden === true) data.hardening = hardeningView(scenario, options.granularity ?? 'byte');
  return data;
}

/** The lab's hardened sweep of every variant, as grids (before `previous`, a failed check panics). */
function hardeningView(scenario: Scenario, granularity: SweepGranularity): HardeningViewJson {
  const r = hardeningLab(scenario, { granularity });
  return {
    granularity,
    before: r.before,
    onCheckFail: r.onCheckFail,
    variants: r.variants.map((v) => ({ variant: v.variant, hypothetical: v.hypothetical, summary: v.summary, grid: labSweepGrid(scenario.name, granularity, v.hardened) })),
  };
}

/** Each successful boot's map against the previous successful boot's. */
function comparisons(boots: readonly BootViewJson[]): MapComparisonJson[] {
  const out: MapComparisonJson[] = [];
  let prev: number | undefined;
  boots.forEach((b, i) => {
    if (b.map === undefined) return;
    if (prev !== undefined) out.push({ from: prev, to: i, changes: compareMaps(boots[prev]!.map!, b.map) });
    prev = i;
  });
  return out;
}

/**
 * Everything the explorer shows for one input:
 * - raw bytes: the inspector's view (region dump or bare payload, detected as `inspect` does);
 * - a state: encoded with the library into the region image `image` builds (header page, then
 *   the payload region), placed at `options.base` or the state's own header entry, then as a dump;
 * - a scenario: run step by step (see the scenario notes above), its boots compared pairwise,
 *   with `sweep` the crash sweep of its last save, and with `harden` the hardening lab's.
 * @throws {ArgumentError} `sweep` or `harden` for an input that is not a scenario.
 * @throws {EncodeError} a state no writer could hold; {@link RegionImageError} a payload larger
 *   than its region; {@link CrashSweepError} a scenario without a runnable save to sweep.
 */
export function exploreData(source: ExploreSource, options: ExploreOptions = {}): ExploreData {
  if (options.sweep === true && source.kind !== 'scenario') {
    throw new ArgumentError('exploreData(options.sweep)', 'false for an input that is not a scenario (a sweep tears a scenario save)', true);
  }
  if (options.harden === true && source.kind !== 'scenario') {
    throw new ArgumentError('exploreData(options.harden)', 'false for an input that is not a scenario (the lab tears a scenario save)', true);
  }
  switch (source.kind) {
    case 'bytes':
      return fromBytes(source.name, source.bytes, 'region', undefined, options, options.base);
    case 'state': {
      const payload = encodeSavedState(source.state);
      const header = source.state.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_HEADER);
      const base = options.base ?? header?.range.start ?? 0n;
      const image = buildImage(payload, base);
      const detection = `SavedState JSON, encoded (${payload.length} bytes) into the region image 'image --base ${hex(base)}' writes`;
      return fromBytes(source.name, image, 'state', detection, { ...options, mode: 'region' }, base);
    }
    case 'scenario':
      return fromScenario(source.name, source.scenario, options);
  }
}
