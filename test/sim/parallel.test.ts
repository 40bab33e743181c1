import { describe, expect, test } from 'vitest';
import { crashSweep, defaultCrashSweepScenario, finishCrashSweep, planCrashSweep, type SweepOutcome } from '../../src/sim/crash-sweep.js';
import { blocks, runOnWorkers } from '../../src/sim/parallel.js';

describe('runOnWorkers', () => {
  test('a crash sweep on 3 worker threads gives the serial report, progress counted to the end', { timeout: 60_000 }, () => {
    const options = { granularity: 'u64' as const };
    const plan = planCrashSweep(defaultCrashSweepScenario(), options);
    const seen: number[] = [];
    const outcomes = runOnWorkers<SweepOutcome>({ kind: 'crash-sweep', file: null, scenario: 0, options, ks: plan.ks }, 0, plan.ks.length, 3, (done, total) => {
      expect(total).toBe(plan.ks.length);
      seen.push(done);
    });
    expect(finishCrashSweep(plan, outcomes)).toEqual(crashSweep(defaultCrashSweepScenario(), options));
    expect(seen.at(-1)).toBe(plan.ks.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  test('units from..to only, in order', { timeout: 60_000 }, () => {
    const options = { granularity: 'page' as const };
    const plan = planCrashSweep(defaultCrashSweepScenario(), options);
    const outcomes = runOnWorkers<SweepOutcome>({ kind: 'crash-sweep', file: null, scenario: 0, options, ks: plan.ks }, 1, plan.ks.length, 2);
    expect(outcomes.map((o) => o.k)).toEqual(plan.ks.slice(1));
  });

  test("a worker's failure is an Error on the calling thread, naming its units", { timeout: 60_000 }, () => {
    const task = { kind: 'simulate' as const, files: [{ text: '{"name": 1}', name: 'bad.json' }] };
    expect(() => runOnWorkers(task, 0, 1, 1)).toThrow(/campaign worker for units 0\.\.0 failed: .*bad\.json/);
  });
});

describe('blocks', () => {
  test.each([
    [10, 3, [[0, 3], [3, 6], [6, 10]]],
    [2, 5, [[0, 1], [1, 2]]],
    [0, 4, []],
    [7, 1, [[0, 7]]],
  ])('%i units in at most %i blocks', (units, parts, want) => {
    expect(blocks(units, parts)).toEqual(want);
  });
});
