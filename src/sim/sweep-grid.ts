/**
 * A crash sweep (src/sim/crash-sweep.ts) laid out over the bytes it tore: one cell per swept
 * crash point, placed at the first byte the interrupted save had not yet written (payload
 * first, then the 32-byte header, as `write_persisted_info` stores them) and classed by the
 * boot that followed. The page's and the figure's heatmap are drawn from this.
 */
import { GRANULARITY_BYTES, splitStores, type SweepGranularity } from './crash-model.js';
import { describeTorn, OUTCOME_CLASSES, type OutcomeClass, type SweepReport } from './crash-sweep.js';
import type { SweepCellJson, SweepGridJson } from './explore-types.js';
import type { LabSweep } from './hardening/lab.js';

/**
 * The grid of a sweep report. Each swept k (every 0..N, or the sampled points) gets the class
 * of the report's segment that holds it; k < payload units tears the payload at byte
 * k × unit, then the header at (k − payload units) × unit; k = N is the complete save
 * (`done`). The counts are the report's own, and equal the cells' tally by construction
 * (a mismatch is an internal error, thrown).
 */
export function sweepGrid(report: SweepReport): SweepGridJson {
  // The payload and the header each start on a page boundary, so every unit but a store's last
  // is a full one.
  const unit = GRANULARITY_BYTES[report.granularity];
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

/**
 * The grid of one hardening-lab sweep (any writer's stores): each swept k gets the class of the
 * run that holds it and sits on the first unit the save had not yet written (its store's name
 * as the area, its offset in that store), k = N being `done`.
 */
export function labSweepGrid(scenario: string, granularity: SweepGranularity, sweep: LabSweep): SweepGridJson {
  const units = splitStores(
    sweep.stores.map((s) => ({ what: s.what, gpa: s.gpa, bytes: new Uint8Array(s.length) })),
    granularity,
  );
  const cells: SweepCellJson[] = [];
  let k = 0;
  for (const segment of sweep.tally.segments) {
    for (; k <= segment.to; k++) {
      if (k < segment.from) throw new Error(`sweep grid: crash point ${k} is in no run of the sweep (internal error)`);
      const u = units[k];
      const store = u === undefined ? undefined : sweep.stores[u.store]!;
      const where = store === undefined ? 'save complete' : `${store.what} byte ${Number(u!.gpa - store.gpa)} of ${store.length}`;
      const detail = segment.detail === '' ? '' : ` (${segment.detail})`;
      cells.push({ k, area: store?.what ?? 'done', offset: store === undefined ? 0 : Number(u!.gpa - store.gpa), outcome: segment.class, summary: `k = ${k}: the next unit is ${where}; next boot: ${segment.class}${detail}` });
    }
  }
  const payloadLen = sweep.stores.filter((s) => s.what === 'payload').reduce((n, s) => n + s.length, 0);
  return { scenario, granularity, payloadLen, cells, counts: { ...sweep.tally.counts }, stores: sweep.stores.map((s) => ({ what: s.what, bytes: s.length })) };
}
