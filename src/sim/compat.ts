/**
 * The schema-version compatibility matrix: every shipped writer version
 * (upstream `save_restore::SavedState` before #2438, after #2438, after #2512) writes the same servicing save, every reader version
 * decodes each payload, and each reader's boot shim derives its sidecar
 * start-up from what it read, with the rule its own version shipped with
 * (upstream's restore-time sidecar rule as of that version: #2438, #2512, #3706).
 */
import { exampleAMap } from './examples.js';
import { isDeepStrictEqual } from 'node:util';
import { sidecarAction, type SidecarAction } from '../boot/sidecar.js';
import { DecodeError } from '../format/codec-error.js';
import type { MemoryEntry, MmioEntry } from '../format/saved-state.js';
import {
  SCHEMA_VERSIONS,
  cpuListsOf,
  decodeSavedStateV,
  encodeSavedStateV,
  type CpuListRead,
  type DecodedV1,
  type DecodedV2,
  type DecodedV3,
  type IgnoredField,
  type SavedStateOf,
  type SchemaVersion,
} from '../format/schema-versions.js';

/** The save every writer version writes, and the VM its readers restore into. */
export interface CompatScenario {
  /** `cpu_count` of the restoring VM (the host device tree's). */
  cpuCount: number;
  /**
   * The #2438 rule's `cpu_threshold`: sidecar was disabled on restore only when
   * `cpuCount < cpuThreshold`; `null` (upstream `None`) meant always. Upstream default 100.
   */
  cpuThreshold: number | null;
  /** CPUs with mapped device interrupts at save time (NVMe IO queues' CPUs). */
  mappedInterruptCpus: number[];
  /**
   * CPUs whose queues had outstanding IO at save time. An IO queue's CPU has
   * its interrupt mapped, so these are also CPUs with mapped interrupts; any
   * not listed in `mappedInterruptCpus` are treated as mapped too.
   */
  outstandingIoCpus: number[];
  /** Fields 1–2, identical for every writer version. */
  partitionMemory: MemoryEntry[];
  /** Field 2's entries (see `partitionMemory`). */
  partitionMmio: MmioEntry[];
}


/**
 * The default scenario: an 8-VP VM (`cpu_count` 8) saving for servicing with
 * NVMe IO queues on CPUs 1, 2 and 5 (so those have mapped interrupts), of which
 * only CPU 2's queue still has commands in flight; the #2438 threshold at its
 * default of 100. Fields 1–2 are the `/openhcl` map of worked example A
 * (64 MiB of VTL2 RAM at 128 MiB, Host mode, a 2 MiB private pool).
 */
export function defaultCompatScenario(): CompatScenario {
  return {
    cpuCount: 8,
    cpuThreshold: 100,
    mappedInterruptCpus: [1, 2, 5],
    outstandingIoCpus: [2],
    ...exampleAMap(),
  };
}

const sortedUnique = (list: readonly number[]) => [...new Set(list)].sort((a, b) => a - b);

/**
 * The state the writer of `version` builds from the scenario:
 * - v1: the memory map only;
 * - v2 (#2438): field 3 = every CPU with mapped interrupts, sorted;
 * - v3 (#2512, HEAD): field 3 = mapped CPUs without outstanding IO, field 4 =
 *   CPUs with outstanding IO; each sorted and de-duplicated, the two disjoint
 *   (upstream `nvme_interrupt_state`).
 */
export function writerState<V extends SchemaVersion>(version: V, scenario: CompatScenario): SavedStateOf<V> {
  const map = { partitionMemory: scenario.partitionMemory, partitionMmio: scenario.partitionMmio };
  const outstanding = sortedUnique(scenario.outstandingIoCpus);
  const mapped = sortedUnique([...scenario.mappedInterruptCpus, ...outstanding]);
  switch (version) {
    case 1:
      return map as SavedStateOf<V>;
    case 2:
      return { ...map, cpusWithMappedInterrupts: mapped } as SavedStateOf<V>;
    default:
      return { ...map, cpusWithMappedInterruptsNoIo: mapped.filter((c) => !outstanding.includes(c)), cpusWithOutstandingIo: outstanding } as SavedStateOf<V>;
  }
}

/**
 * The sidecar rule a reader version's boot shim applies on restore
 * (upstream's restore-time sidecar rule, today in `read_from_dt`, at each version):
 * - `none` — v1 readers (before #2438): nothing was persisted about CPUs, so
 *   restore leaves sidecar start-up unchanged;
 * - `#2438` — v2 readers: sidecar `DisabledServicing` (every CPU started by the
 *   kernel) when the single mapped-interrupt list (field 3) is non-empty and
 *   `cpu_count < cpu_threshold` (threshold `None`: always); otherwise unchanged;
 * - `#3706` — v3 readers at HEAD: the sorted, de-duplicated union of fields 3
 *   and 4 drives `sidecarAction` (per-CPU exclusion of exactly those CPUs, or
 *   DisabledServicing beyond the 400-entry override array).
 * The v3 schema also shipped with two earlier rules that this matrix does not
 * model: #2512 (the #2438 rule, tested on either list) and #3166 (per-CPU
 * overrides driven by the outstanding-IO list alone).
 */
export type SidecarRule = 'none' | '#2438' | '#3706';

/** Which rule each reader version applies. */
export const READER_SIDECAR_RULE: Readonly<Record<SchemaVersion, SidecarRule>> = { 1: 'none', 2: '#2438', 3: '#3706' };

/** What a reader's boot shim does to sidecar start-up on restore. */
export interface CompatSidecar {
  /** The rule the reader's version shipped with. */
  rule: SidecarRule;
  /**
   * The CPU list the rule derived from the payload (v2: field 3; v3: the union
   * of fields 3 and 4; v1: none). `per_cpu_exclusion` keeps exactly these CPUs
   * off sidecar; `DisabledServicing` keeps every CPU off it.
   */
  list: number[];
  /** What sidecar start-up does as a result. */
  action: SidecarAction;
}

/** One CPU-list field of a cell, as the reader saw it and as the writer wrote it. */
export interface CompatListCell extends CpuListRead {
  /**
   * What the WRITER did with this field number (the simulation knows; the
   * reader cannot): `not_in_writer_schema` — the writer's version predates the
   * field; `omitted_empty` — the writer had an empty list, which mesh omits;
   * `written` — the field is on the wire. The first two both read as `missing`.
   */
  writer: 'not_in_writer_schema' | 'omitted_empty' | 'written';
  /**
   * Writer and reader both declare the field, it was written, and they mean
   * different things by it: field 3 is ALL mapped CPUs in v2 and only those
   * without outstanding IO in v3 (a v3 reader takes a v2 list as "no
   * outstanding IO"; a v2 reader takes a v3 list as every mapped CPU).
   */
  reinterpreted: boolean;
}

/** One writer × reader cell. */
export interface CompatCell {
  /** The schema version that wrote the payload. */
  writer: SchemaVersion;
  /** The schema version that read it. */
  reader: SchemaVersion;
  /** Whether the reader decoded the payload; if not, the boot shim panics "failed to decode protobuf". */
  ok: boolean;
  /** The decode error (mesh's message, offset and path) when `ok` is false. */
  error: string | null;
  /** Fields 1–2 decoded equal to what the writer wrote. */
  memoryMapIntact: boolean;
  /** The CPU-list fields the reader's schema declares (none for v1). */
  lists: CompatListCell[];
  /** Top-level fields the reader's schema does not declare, skipped. */
  ignored: IgnoredField[];
  /** The reader's sidecar decision; `null` when the decode failed. */
  sidecar: CompatSidecar | null;
}

/** A writer's payload. */
export interface CompatWriter {
  /** The writer's schema version. */
  version: SchemaVersion;
  /** The payload it wrote for the scenario. */
  payload: Uint8Array;
  /** The tail of `payload` after fields 1–2: the CPU-list fields (fields are written in number order). */
  cpuFields: Uint8Array;
}

/** The full matrix run: the scenario, each writer's payload and the cells (rows: writers, columns: readers). */
export interface CompatReport {
  /** The scenario run, defaults filled in. */
  scenario: CompatScenario;
  /** Each writer's payload, v1 first. */
  writers: CompatWriter[];
  /** `matrix[w - 1][r - 1]`: writer w read by reader r. */
  matrix: CompatCell[][];
}

/** Runs every writer and reader on the scenario (the default one if omitted; a partial one overrides defaults). */
export function compatReport(scenario: Partial<CompatScenario> = {}): CompatReport {
  const s: CompatScenario = { ...defaultCompatScenario(), ...scenario };
  const mapLength = encodeSavedStateV(1, writerState(1, s)).length;
  const writers = SCHEMA_VERSIONS.map((version): CompatWriter => {
    const payload = encodeSavedStateV(version, writerState(version, s));
    return { version, payload, cpuFields: payload.subarray(mapLength) };
  });
  const matrix = writers.map((w) => SCHEMA_VERSIONS.map((reader) => cell(w, reader, s)));
  return { scenario: s, writers, matrix };
}

/** The 3×3 writer × reader matrix for the scenario: `matrix[w - 1][r - 1]`. */
export function compatMatrix(scenario: Partial<CompatScenario> = {}): CompatCell[][] {
  return compatReport(scenario).matrix;
}

function cell(w: CompatWriter, reader: SchemaVersion, s: CompatScenario): CompatCell {
  const base = { writer: w.version, reader };
  let decoded: DecodedV1 | DecodedV2 | DecodedV3;
  try {
    decoded = decodeSavedStateV(reader, w.payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ...base, ok: false, error: e.message, memoryMapIntact: false, lists: [], ignored: [], sidecar: null };
  }
  const written = writerState(w.version, s);
  const writerLists = writerCpuLists(w.version, s);
  const lists = cpuListsOf(decoded).map((read): CompatListCell => {
    const wrote = writerLists.get(read.field);
    return {
      ...read,
      writer: wrote === undefined ? 'not_in_writer_schema' : wrote.length === 0 ? 'omitted_empty' : 'written',
      reinterpreted: read.field === 3 && wrote !== undefined && wrote.length > 0 && w.version !== reader,
    };
  });
  const memoryMapIntact =
    isDeepStrictEqual(decoded.partitionMemory, written.partitionMemory) && isDeepStrictEqual(decoded.partitionMmio, written.partitionMmio);
  return { ...base, ok: true, error: null, memoryMapIntact, lists, ignored: decoded.ignored, sidecar: sidecarFor(reader, lists, s) };
}

/** The CPU lists the writer of `version` wrote, by field number (absent: not in its schema). */
function writerCpuLists(version: SchemaVersion, s: CompatScenario): Map<number, number[]> {
  const lists = new Map<number, number[]>();
  if (version === 2) lists.set(3, writerState(2, s).cpusWithMappedInterrupts);
  if (version === 3) {
    const v3 = writerState(3, s);
    lists.set(3, v3.cpusWithMappedInterruptsNoIo);
    lists.set(4, v3.cpusWithOutstandingIo);
  }
  return lists;
}

/** Applies the reader version's sidecar rule (see `SidecarRule`) to the lists it read. */
function sidecarFor(reader: SchemaVersion, lists: readonly CpuListRead[], s: CompatScenario): CompatSidecar {
  const rule = READER_SIDECAR_RULE[reader];
  switch (rule) {
    case 'none':
      return { rule, list: [], action: 'unchanged' };
    case '#2438': {
      const list = lists.find((l) => l.field === 3)?.values ?? [];
      const below = s.cpuThreshold === null || s.cpuCount < s.cpuThreshold;
      return { rule, list: [...list], action: list.length > 0 && below ? 'DisabledServicing' : 'unchanged' };
    }
    case '#3706': {
      const list = sortedUnique(lists.flatMap((l) => l.values));
      return { rule, list, action: sidecarAction(list, s.cpuCount) };
    }
  }
}
