import { describe, expect, test } from 'vitest';
import { Vtl2PersistError } from '../../src/errors.js';
import { crashSweep, defaultCrashSweepScenario, defaultCrashSweepScenarioJson, finishCrashSweep, planCrashSweep, type SweepOutcome } from '../../src/sim/crash-sweep.js';
import { blocks, runOnWorkers } from '../../src/sim/parallel.js';
import { parseScenarioFileText } from '../../src/sim/scenario-file.js';

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

  test('a library error in a worker is the same typed error as on the calling thread (code and message)', { timeout: 60_000 }, () => {
    const text = '{"name": 1}';
    let serial: unknown;
    try {
      parseScenarioFileText(text, 'bad.json');
    } catch (e) {
      serial = e;
    }
    expect(serial).toBeInstanceOf(Vtl2PersistError);
    const task = { kind: 'simulate' as const, files: [{ text, name: 'bad.json' }] };
    let pooled: unknown;
    try {
      runOnWorkers(task, 0, 1, 1);
    } catch (e) {
      pooled = e;
    }
    expect(pooled).toBeInstanceOf(Vtl2PersistError);
    expect([(pooled as Vtl2PersistError).code, (pooled as Vtl2PersistError).message]).toEqual([(serial as Vtl2PersistError).code, (serial as Vtl2PersistError).message]);
  });

  test('any other failure in a worker is an Error on the calling thread naming its units', { timeout: 60_000 }, () => {
    // Scenario 5 of a one-scenario sweep: the worker fails on an undefined scenario (a TypeError).
    const task = { kind: 'crash-sweep' as const, file: { text: JSON.stringify(defaultCrashSweepScenarioJson()), name: 'x.json' }, scenario: 5, options: { granularity: 'page' as const }, ks: [0, 1, 2] };
    let thrown: unknown;
    try {
      runOnWorkers(task, 0, 3, 2);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(Vtl2PersistError);
    expect((thrown as Error).message).toMatch(/^campaign worker for units [0-2]\.\.[0-2] failed: /);
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
