import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { crashSweep, defaultCrashSweepScenario, OUTCOME_CLASSES } from '../../src/sim/crash-sweep.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { sweepGrid } from '../../src/sim/sweep-grid.js';

const torn = parseScenarioFile(JSON.parse(readFileSync(new URL('../../docs/examples/torn-save.json', import.meta.url), 'utf8')))[0]!;

describe('sweepGrid', () => {
  test.each(['byte', 'u64'] as const)('default scenario, %s: one cell per crash point, counts equal the report and the cells', (granularity) => {
    const report = crashSweep(defaultCrashSweepScenario(), { granularity });
    const grid = sweepGrid(report);
    expect(grid.cells).toHaveLength(report.points);
    expect(grid.counts).toEqual(report.counts);
    for (const c of OUTCOME_CLASSES) expect(grid.cells.filter((x) => x.outcome === c).length).toBe(report.counts[c]);
    expect(grid.cells.map((c) => c.k)).toEqual(Array.from({ length: report.units.total + 1 }, (_, i) => i));
    // Each cell's class is its segment's.
    for (const s of report.segments) for (let k = s.from; k <= s.to; k++) expect(grid.cells[k]!.outcome).toBe(s.class);
  });

  test('byte granularity: k < payload length tears the payload at byte k, then the header, then done', () => {
    const report = crashSweep(torn, { granularity: 'byte' });
    const grid = sweepGrid(report);
    const n = report.save.payloadLen;
    expect(grid.payloadLen).toBe(n);
    expect(grid.cells[0]).toMatchObject({ k: 0, area: 'payload', offset: 0 });
    expect(grid.cells[n - 1]).toMatchObject({ area: 'payload', offset: n - 1 });
    expect(grid.cells[n]).toMatchObject({ area: 'header', offset: 0 });
    expect(grid.cells[n + 31]).toMatchObject({ area: 'header', offset: 31 });
    expect(grid.cells[n + 32]).toMatchObject({ area: 'done', offset: 0, outcome: 'restored-new' });
    expect(grid.cells[n + 8]!.summary).toContain('1 of 4 fields written (magic)');
    expect(grid.cells[n + 10]!.summary).toContain('10 of 32 bytes written');
    // The torn-save example: inside the header's first three fields the stale payload length wins.
    expect(grid.cells[n + 10]!.outcome).toBe('silent-wrong');
    expect(grid.counts).toEqual({ 'restored-new': 8, 'restored-old': 327, fresh: 0, panic: 0, 'silent-wrong': 25 });
  });

  test('u64 granularity: cells step 8 bytes, the header in four stores', () => {
    const report = crashSweep(torn, { granularity: 'u64' });
    const grid = sweepGrid(report);
    const p = report.units.payload;
    expect(p).toBe(Math.ceil(report.save.payloadLen / 8));
    expect(grid.cells[1]).toMatchObject({ area: 'payload', offset: 8 });
    expect(grid.cells.filter((c) => c.area === 'header').map((c) => c.offset)).toEqual([0, 8, 16, 24]);
    expect(grid.cells[p + 1]!.summary).toContain('1 of 4 fields written (magic)');
  });

  test('a sampled sweep: only the sampled points, counts still equal', () => {
    const report = crashSweep(torn, { granularity: 'byte', sample: 40, seed: 7 });
    const grid = sweepGrid(report);
    expect(grid.cells.map((c) => c.k)).toEqual(report.sampledPoints);
    expect(grid.counts).toEqual(report.counts);
  });
});
