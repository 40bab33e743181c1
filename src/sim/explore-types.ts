/**
 * The data an explorer page is drawn from: one JSON-safe object the CLI computes with the
 * library (src/sim/explore-data.ts builds it) and embeds in the page, and the same pieces the
 * standalone SVG figures take. Every u64 is a `0x…` hex string here (JSON has no bigint); offsets
 * into the input are plain numbers (an input is at most a few MiB). Types only: nothing here runs.
 * They live in src/sim, which builds them, so that src/sim never imports src/web;
 * src/web/explore-data.ts re-exports them for the page.
 */
import type { SweepGranularity } from './crash-model.js';

/** What a range of the partition's address space is, for colouring and the legend. */
export type MapRangeKind =
  | 'vtl0-ram'
  | 'vtl2-ram'
  | 'config'
  | 'persisted-header'
  | 'persisted-protobuf'
  | 'pool'
  | 'sidecar'
  | 'log-buffer'
  | 'reserved'
  | 'tdx-page-tables'
  | 'vtl0-mmio'
  | 'vtl2-mmio'
  | 'other';

/** One range of a memory map. */
export interface MapRangeJson {
  /** First byte's GPA, `0x…`. */
  start: string;
  /** One past the last byte, `0x…`. */
  end: string;
  /** What it is. */
  kind: MapRangeKind;
  /** Its type as upstream names it, e.g. `VTL2_GPA_POOL`, plus `vnode N` for RAM. */
  label: string;
  /** NUMA node, for RAM ranges. */
  vnode?: number;
}

/** A partition's address space as one boot (or one saved state) describes it. */
export interface MemoryMapJson {
  /** e.g. "boot 3 (persisted)", "saved state in region.bin". */
  title: string;
  /** Sorted by start (then end). A boot's ranges never overlap; a saved state's may (it is input). */
  ranges: MapRangeJson[];
  /** Ranges left out past the cap (src/sim/memory-map-model.ts `MAX_MAP_RANGES`); absent when none were. */
  omitted?: number;
}

/** How a range differs between two maps. */
export interface MapChangeJson {
  /** `moved`: same kind and label, other bounds; `appeared`/`vanished`: only in one map. */
  change: 'same' | 'moved' | 'appeared' | 'vanished';
  /** The range in the earlier map (absent for `appeared`). */
  before?: MapRangeJson;
  /** The range in the later map (absent for `vanished`). */
  after?: MapRangeJson;
}

/** Two maps side by side and what changed from the first to the second. */
export interface MapComparisonJson {
  /** Index into {@link ExploreData.boots} of the earlier boot. */
  from: number;
  /** Index into {@link ExploreData.boots} of the later boot. */
  to: number;
  /** One entry per range of either map. */
  changes: MapChangeJson[];
}

/** A run of input bytes that belongs to one field. */
export interface ByteSpanJson {
  /** First byte, as an offset into {@link ByteViewJson.hex}'s bytes. */
  start: number;
  /** One past the last byte. */
  end: number;
  /** What the bytes are: a header field, a wire field's tag/length/value, an unknown field, the byte a decode fails at, padding. */
  kind: 'header' | 'tag' | 'length' | 'value' | 'unknown' | 'error' | 'padding';
  /** Field path, e.g. `header.protobuf_base`, `partition_memory[3].range.end`. */
  path: string;
  /** Nesting depth of the field (0 = header field or top-level payload field). */
  depth: number;
  /** Wire type name (`varint`, `len`, `i64`, …) for wire fields. */
  wireType?: string;
  /** The value in hex, e.g. `0x8001000`. */
  valueHex?: string;
  /** The value in decimal. */
  valueDec?: string;
  /** What it means, in words (the same text `inspect` prints). */
  meaning: string;
}

/** The input's bytes with every byte attributed to a field. */
export interface ByteViewJson {
  /** GPA of the first byte, when known. */
  base: string | null;
  /** Total input length in bytes. */
  length: number;
  /** The shown bytes as lowercase hex (at most {@link ByteViewJson.shown} bytes). */
  hex: string;
  /** How many bytes are shown (the rest is cut off for size; `truncated` says so). */
  shown: number;
  /** Whether `shown` < `length`. */
  truncated: boolean;
  /** Non-overlapping, sorted by start, covering what is attributed. Spans past `shown` are dropped. */
  spans: ByteSpanJson[];
  /** Offset of the byte a decode failed at, if it failed. */
  errorOffset: number | null;
}

/** One check openhcl_boot made (src/boot/decision-trail.ts `TrailStep`). */
export interface TrailStepJson {
  /** Stable id, e.g. `magic`, `region_contained`. */
  check: string;
  /** The question in words. */
  question: string;
  /** `fail` is where the boot panicked; `skip` = not asked on this path; `info` = a fact. */
  outcome: 'pass' | 'fail' | 'skip' | 'info';
  /** What was seen. */
  detail: string;
}

/** One boot of the explored input. */
export interface BootViewJson {
  /** e.g. "step 3: boot (after a torn save)". */
  label: string;
  /** The lifecycle step index, for scenarios; 0 otherwise. */
  step: number;
  /** The checks in order. */
  trail: TrailStepJson[];
  /** Where the boot ended: the path taken or the panic ("openhcl_boot would panic: …"). */
  verdict: {
    /** The path taken, or `panic`. */
    path: 'persisted' | 'host' | 'panic';
    /** One line: "restored from persisted state (…)", "fresh boot, …" or "openhcl_boot would panic: …". */
    text: string;
  };
  /** The address space this boot built (absent after a panic). */
  map?: MemoryMapJson;
}

/** The crash-sweep outcome classes, in report order (as src/sim/crash-sweep.ts). */
export type OutcomeClassJson = 'restored-new' | 'restored-old' | 'fresh' | 'panic' | 'silent-wrong';

/** One crash point of a sweep, placed on the bytes it had written. */
export interface SweepCellJson {
  /** Crash point: store units written before the stop. */
  k: number;
  /**
   * Which store the next unit belongs to: the torn write's position. `payload` or `header` for
   * the shipped writer; for a hardening variant's, one of the grid's `stores` names; `done` after
   * the last.
   */
  area: string;
  /** Offset within the area of the first unwritten byte. */
  offset: number;
  /** The class of the boot after this crash. */
  outcome: OutcomeClassJson;
  /** One line for people (the sweep's own summary of the point). */
  summary: string;
}

/** A crash sweep laid out as a grid over the save's bytes. */
export interface SweepGridJson {
  /** The scenario swept. */
  scenario: string;
  /** Store unit. */
  granularity: SweepGranularity;
  /** Payload length of the swept save. */
  payloadLen: number;
  /** One cell per swept crash point, in k order. */
  cells: SweepCellJson[];
  /** Cells per class: equal to `crash-sweep --json`'s counts. */
  counts: Record<OutcomeClassJson, number>;
  /**
   * The writer's stores in order, when it is not the shipped writer's payload-then-header
   * (a hardening variant's): each names an `area` of the cells.
   */
  stores?: {
    /** The store's name, as the cells' `area`. */
    what: string;
    /** Its length in bytes. */
    bytes: number;
  }[];
}

/** The hardening lab's sweeps, one heatmap per variant (`explore --harden`). */
export interface HardeningViewJson {
  /** The crash model's store unit. */
  granularity: SweepGranularity;
  /** What the persisted area held before the save. */
  before: string;
  /** What a hypothetical reader does on a failed check. */
  onCheckFail: string;
  /** One per variant, `real` (the shipped format) first. */
  variants: {
    /** The variant's name. */
    variant: string;
    /** False only for `real`. */
    hypothetical: boolean;
    /** What its writer and reader do. */
    summary: string;
    /** Its writer with its reader, over every crash point. */
    grid: SweepGridJson;
  }[];
}

/** Everything an explorer page shows. */
export interface ExploreData {
  /** Format version of this object. */
  version: 1;
  /** The explored input. */
  input: {
    /** File name as given (`-` for stdin). */
    name: string;
    /** What it was taken as. */
    kind: 'region' | 'payload' | 'state' | 'scenario';
    /** Why (the inspector's detection sentence, or "scenario file"). */
    detection: string;
  };
  /** The annotated bytes (for a scenario: the persisted region after its last save). */
  bytes: ByteViewJson | null;
  /** The inspector's findings about the bytes. */
  findings: {
    /** Stable finding code, as `inspect --json` gives it. */
    code: string;
    /** `error`: openhcl_boot would panic on it, or a writer is broken. */
    severity: 'error' | 'warning' | 'info';
    /** The finding in words. */
    message: string;
  }[];
  /** The map the saved state itself describes (partition_memory + partition_mmio), when it decodes. */
  savedMap: MemoryMapJson | null;
  /** Boots, in order (scenarios: one per boot step). */
  boots: BootViewJson[];
  /** Consecutive successful boots compared ("before vs after"). */
  comparisons: MapComparisonJson[];
  /** With --sweep: the crash sweep. */
  sweep: SweepGridJson | null;
  /** With --harden: the hardening lab's sweeps. */
  hardening: HardeningViewJson | null;
}
