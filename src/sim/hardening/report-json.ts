/**
 * The hardening lab's report in JSON form (`vtl2-persist harden --json`): snake_case keys, u64
 * values as `0x…` strings, the same classified crash points as `crash-sweep --json`.
 */
import { formatHex } from '../../memory/range.js';
import { OUTCOME_CLASSES, referenceToJson, sweepOutcomeToJson } from '../sweep-outcome.js';
import type { HardenReport, LabSweep, VariantReport } from './lab.js';

/** One writer/reader sweep in JSON form. */
export function labSweepToJson(s: LabSweep): Record<string, unknown> {
  const first = s.tally.firstExamples;
  return {
    stores: s.stores.map((x) => ({ what: x.what, gpa: formatHex(x.gpa), length: x.length })),
    units: s.units,
    points: s.points,
    references: { old: referenceToJson(s.references.old), new: referenceToJson(s.references.new) },
    counts: s.tally.counts,
    panic_kinds: s.tally.panicKinds,
    first_examples: Object.fromEntries(OUTCOME_CLASSES.flatMap((c) => (first[c] === undefined ? [] : [[c, sweepOutcomeToJson(first[c])]]))),
    segments: s.tally.segments,
  };
}

/** One variant's measurements in JSON form. */
export function variantReportToJson(v: VariantReport): Record<string, unknown> {
  return {
    variant: v.variant,
    hypothetical: v.hypothetical,
    summary: v.summary,
    hardened: labSweepToJson(v.hardened),
    shipped_reader: labSweepToJson(v.shippedReader),
    upgrade: labSweepToJson(v.upgrade),
    compatibility: {
      shipped_reads_new: v.compatibility.shippedReadsNew,
      shipped_reads_new_text: v.compatibility.shippedReadsNewText,
      new_reads_shipped: v.compatibility.newReadsShipped,
      new_reads_shipped_text: v.compatibility.newReadsShippedText,
    },
    cost: {
      header_bytes: v.cost.headerBytes,
      payload_bytes: v.cost.payloadBytes,
      extra_units: v.cost.extraUnits,
      capacity: formatHex(v.cost.capacity),
      boot_work: { checks: v.cost.bootWork.checks, bytes_read: v.cost.bootWork.bytesRead },
    },
  };
}

/** A lab report in JSON form. */
export function hardenReportToJson(r: HardenReport): Record<string, unknown> {
  return {
    scenario: r.scenario,
    granularity: r.granularity,
    before: r.before,
    seed: r.seed,
    on_check_fail: r.onCheckFail,
    sample: r.sample,
    payload_len: r.payloadLen,
    variants: r.variants.map(variantReportToJson),
  };
}
