/**
 * How one crash point's boot is classified (docs/servicing-walkthrough.md#what-a-torn-write-does), against
 * two references: what the next boot restores from the memory before the save ("old") and after
 * the complete save ("new"):
 * - `restored-new`: persisted path, topology equal to the new reference's;
 * - `restored-old`: persisted path, topology equal to the old reference's;
 * - `fresh`: the header's magic was not found (or was ignored, or a check rejected it), host path;
 * - `panic`: openhcl_boot (or a hypothetical reader) would panic, with its panic kind;
 * - `silent-wrong`: persisted path, but the topology equals neither reference.
 * A topology is the `/openhcl` memory map, the pool ranges, the VTL0/VTL2 MMIO and the sidecar
 * exclusion list (the CPU lists' sorted union): what the next instance is told. When the two
 * references are equal, `restored-new` wins.
 */
import type { BootSuccess } from '../boot/boot.js';
import { openhclMapToJson } from '../boot/device-tree.js';
import type { RangeJson } from '../format/state-json.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { formatHex } from '../memory/range.js';
import type { StoreUnit } from './crash-model.js';

/** The outcome classes, in report order. */
export const OUTCOME_CLASSES = ['restored-new', 'restored-old', 'fresh', 'panic', 'silent-wrong'] as const;
/** How one crash point's boot turned out (see the module comment for each class's rule). */
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

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

/**
 * A boot as a sweep classifies it: the real boot shim's `BootResult`, or a hypothetical reader's
 * (src/sim/hardening), whose panics carry kinds the real one does not have.
 */
export type SweptBoot =
  | BootSuccess
  | {
      /** The boot panicked. */
      path: 'panic';
      /** The path it was on. */
      attemptedPath: 'host' | 'persisted';
      /** The panic text. */
      panic: string;
      /** Its stable kind. */
      panicKind: string;
    };

/** The parts of a boot's result that classification compares. */
export function topologyOf(r: BootSuccess): SweepTopology {
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

/** A reference boot (old or new) as the classification baseline. */
export function referenceOutcome(r: SweptBoot): ReferenceOutcome {
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
export function classifyBoot(result: SweptBoot, oldTopology: SweepTopology | undefined, newTopology: SweepTopology | undefined): OutcomeClass {
  if (result.path === 'panic') return 'panic';
  if (result.path === 'host') return 'fresh';
  const t = topologyOf(result);
  if (newTopology !== undefined && topologyDifferences(t, newTopology).length === 0) return 'restored-new';
  if (oldTopology !== undefined && topologyDifferences(t, oldTopology).length === 0) return 'restored-old';
  return 'silent-wrong';
}

/** One crash point's boot, classified and described. */
export function classifyOutcome(k: number, torn: TornState, result: SweptBoot, oldTopology: SweepTopology | undefined, newTopology: SweepTopology | undefined): SweepOutcome {
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


/** What a list of classified crash points adds up to. */
export interface SweepTally {
  /** Swept points per outcome class (every class present, zero or not). */
  counts: Record<OutcomeClass, number>;
  /** Panic kind → count, sorted by kind. */
  panicKinds: Record<string, number>;
  /** The first (lowest k) outcome of each class that occurred. */
  firstExamples: Partial<Record<OutcomeClass, SweepOutcome>>;
  /** The swept points as runs of one class, ascending. */
  segments: SweepSegment[];
}

/** Counts, panic kinds, first examples and runs of a sweep's outcomes (in ascending k). */
export function tallyOutcomes(outcomes: readonly SweepOutcome[]): SweepTally {
  const counts = Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, 0])) as Record<OutcomeClass, number>;
  const kinds = new Map<string, number>();
  const firstExamples: Partial<Record<OutcomeClass, SweepOutcome>> = {};
  for (const o of outcomes) {
    counts[o.class]++;
    if (o.panicKind !== undefined) kinds.set(o.panicKind, (kinds.get(o.panicKind) ?? 0) + 1);
    firstExamples[o.class] ??= o;
  }
  return {
    counts,
    panicKinds: Object.fromEntries([...kinds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    firstExamples,
    segments: segmentsOf(outcomes),
  };
}

/** One classified crash point in JSON form (snake_case keys). */
export function sweepOutcomeToJson(o: SweepOutcome): Record<string, unknown> {
  return {
    k: o.k,
    class: o.class,
    torn: { payload_bytes: o.torn.payloadBytes, payload_len: o.torn.payloadLen, header_bytes: o.torn.headerBytes, description: o.torn.description },
    path: o.path,
    ...(o.panicKind !== undefined && { panic_kind: o.panicKind, panic: o.panic }),
    ...(o.sidecarExcludedCpus !== undefined && { sidecar_excluded_cpus: o.sidecarExcludedCpus }),
    ...(o.differsFromOld !== undefined && { differs_from_old: o.differsFromOld }),
    ...(o.differsFromNew !== undefined && { differs_from_new: o.differsFromNew }),
    summary: o.summary,
  };
}

/**
 * The inverse of {@link sweepOutcomeToJson}, for `merge`, which rebuilds a sweep's tallies from
 * the outcomes its shards printed. Expects what sweepOutcomeToJson wrote (merge checked the
 * document's shape and identity first).
 */
export function sweepOutcomeFromJson(j: Record<string, unknown>): SweepOutcome {
  const torn = j['torn'] as { payload_bytes: number; payload_len: number; header_bytes: number; description: string };
  const o: SweepOutcome = {
    k: j['k'] as number,
    class: j['class'] as OutcomeClass,
    torn: { payloadBytes: torn.payload_bytes, payloadLen: torn.payload_len, headerBytes: torn.header_bytes, description: torn.description },
    path: j['path'] as SweepOutcome['path'],
    summary: j['summary'] as string,
  };
  if (j['panic_kind'] !== undefined) {
    o.panicKind = j['panic_kind'] as string;
    o.panic = j['panic'] as string;
  }
  if (j['sidecar_excluded_cpus'] !== undefined) o.sidecarExcludedCpus = j['sidecar_excluded_cpus'] as number[];
  if (j['differs_from_old'] !== undefined) o.differsFromOld = j['differs_from_old'] as string[];
  if (j['differs_from_new'] !== undefined) o.differsFromNew = j['differs_from_new'] as string[];
  return o;
}

/** A reference boot in JSON form. */
export function referenceToJson(x: ReferenceOutcome): Record<string, unknown> {
  return x.path === 'panic' ? { path: x.path, panic_kind: x.panicKind, panic: x.panic, summary: x.summary } : { path: x.path, summary: x.summary, topology: x.topology };
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


/** What {@link sweepPoints} did: every crash point classified, and the memory after the last. */
export interface SweptPoints {
  /** One outcome per crash point, in the order given. */
  outcomes: SweepOutcome[];
  /** A copy of the memory before the save with every unit up to the last crash point applied. */
  memory: GuestMemory;
  /** Units applied to `memory`. */
  applied: number;
}

/**
 * The loop every sweep shares: applies `units` to a copy of `old` one by one and, at each
 * crash point of `ks` (ascending), boots it with `read` and classifies the result against the
 * references. `torn` describes memory at k from the bytes written so far of each store.
 */
export function sweepPoints(
  old: GuestMemory,
  units: readonly StoreUnit[],
  ks: readonly number[],
  read: (memory: GuestMemory) => SweptBoot,
  torn: (k: number, written: readonly number[]) => TornState,
  references: { old: SweepTopology | undefined; new: SweepTopology | undefined },
  onProgress?: (done: number, total: number) => void,
): SweptPoints {
  const memory = old.clone();
  const written: number[] = [];
  const outcomes: SweepOutcome[] = [];
  let applied = 0;
  for (const k of ks) {
    for (; applied < k; applied++) {
      const u = units[applied]!;
      memory.write(u.gpa, u.bytes);
      written[u.store] = (written[u.store] ?? 0) + u.bytes.length;
    }
    // A boot only reads guest memory, so the working copy needs no clone.
    outcomes.push(classifyOutcome(k, torn(k, written), read(memory), references.old, references.new));
    onProgress?.(outcomes.length, ks.length);
  }
  return { outcomes, memory, applied };
}
