/**
 * A crash sweep (src/sim/crash-sweep.ts) laid out over the bytes it tore: one cell per swept
 * crash point, placed at the first byte the interrupted save had not yet written (payload
 * first, then the 32-byte header, as `write_persisted_info` stores them) and classed by the
 * boot that followed. The page's and the figure's heatmap are drawn from this.
 */
import { describeTorn, OUTCOME_CLASSES, type OutcomeClass, type SweepReport } from './crash-sweep.js';
import type { SweepCellJson, SweepGridJson } from './explore-types.js';

/** Bytes per store unit. */
function unitBytes(granularity: SweepReport['granularity']): number {
  return granularity === 'byte' ? 1 : 8;
}

/**
 * The grid of a sweep report. Each swept k (every 0..N, or the sampled points) gets the class
 * of the report's segment that holds it; k < payload units tears the payload at byte
 * k × unit, then the header at (k − payload units) × unit; k = N is the complete save
 * (`done`). The counts are the report's own, and equal the cells' tally by construction
 * (a mismatch is an internal error, thrown).
 */
export function sweepGrid(report: SweepReport): SweepGridJson {
  const unit = unitBytes(report.granularity);
  const { payload: payloadUnits, total } = report.units;
  const payloadLen = report.save.payloadLen;
  const ks = report.sampledPoints ?? Array.from({ length: total + 1 }, (_, i) => i);
  const cells: SweepCellJson[] = [];
  const tally = Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, 0])) as Record<OutcomeClass, number>;
  let s = 0;
  for (const k of ks) {
    while (s < report.segments.length && report.segments[s]!.to < k) s++;
    const segment = report.segments[s];
    if (segment === undefined || segment.from > k) throw new Error(`sweep grid: crash point ${k} is in no segment of the report (internal error)`);
    const area = k === total ? 'done' : k < payloadUnits ? 'payload' : 'header';
    const offset = area === 'payload' ? k * unit : area === 'header' ? (k - payloadUnits) * unit : 0;
    const payloadBytes = Math.min(k * unit, payloadLen);
    const headerBytes = Math.max(0, k - payloadUnits) * unit;
    const torn = describeTorn(k, total, payloadBytes, payloadLen, headerBytes, report.granularity);
    const detail = segment.detail === '' ? '' : ` (${segment.detail})`;
    cells.push({ k, area, offset, outcome: segment.class, summary: `k = ${k}: ${torn}; next boot: ${segment.class}${detail}` });
    tally[segment.class]++;
  }
  for (const c of OUTCOME_CLASSES) {
    if (tally[c] !== report.counts[c]) throw new Error(`sweep grid: ${tally[c]} ${c} cells but the report counts ${report.counts[c]} (internal error)`);
  }
  return { scenario: report.scenario, granularity: report.granularity, payloadLen, cells, counts: { ...report.counts } };
}
