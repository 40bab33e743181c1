import { describe, expect, test } from 'vitest';
import { Vtl2PersistError } from '../../src/errors.js';
import { crashSweep, defaultCrashSweepScenario, defaultCrashSweepScenarioJson, finishCrashSweep, planCrashSweep, sweepCrashPoints, type SweepOutcome } from '../../src/sim/crash-sweep.js';
import { blocks, runOnWorkers } from '../../src/sim/parallel.js';
import { parseScenarioFileText } from '../../src/sim/scenario-file.js';

describe('runOnWorkers', () => {
  test('a crash sweep on 3 worker threads gives the serial report, progress counted to the end', { timeout: 60_000 }, () => {
    const options = { granularity: 'u64' as const };
    const plan = planCrashSweep(defaultCrashSweepScenario(), options);
    const seen: number[] = [];
    const outcomes = runOnWorkers<SweepOutcome>({ kind: 'crash-sweep', file: null, options, sweeps: [{ scenario: 0, ks: plan.ks }] }, 0, plan.ks.length, 3, (done, total) => {
      expect(total).toBe(plan.ks.length);
      seen.push(done);
    });
    expect(finishCrashSweep(plan, outcomes)).toEqual(crashSweep(defaultCrashSweepScenario(), options));
    expect(seen.at(-1)).toBe(plan.ks.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  test('one pool for several sweeps: the units run end to end, and each sweep gets its own outcomes back', { timeout: 60_000 }, () => {
    const options = { granularity: 'u64' as const };
    const json = defaultCrashSweepScenarioJson();
    const file = { text: JSON.stringify([{ ...json, name: 'one' }, { ...json, name: 'two', lifecycle: (json['lifecycle'] as unknown[]).slice(0, 3) }]), name: 'two.json' };
    const scenarios = parseScenarioFileText(file.text, file.name);
    const plans = scenarios.map((sc) => planCrashSweep(sc, options));
    // Shard-like slices of each sweep, so the blocks of 3 workers cross the boundary between them.
    const sweeps = plans.map((p, scenario) => ({ scenario, ks: p.ks.slice(1, -1) }));
    const n = sweeps[0]!.ks.length + sweeps[1]!.ks.length;
    const all = runOnWorkers<SweepOutcome>({ kind: 'crash-sweep', file, options, sweeps }, 0, n, 3);
    expect(all.map((o) => o.k)).toEqual([...sweeps[0]!.ks, ...sweeps[1]!.ks]);
    expect(plans[0]!.ks).not.toEqual(plans[1]!.ks);
    expect(all).toEqual([...sweepCrashPoints(plans[0]!, sweeps[0]!.ks), ...sweepCrashPoints(plans[1]!, sweeps[1]!.ks)]);
  });

  test('units from..to only, in order', { timeout: 60_000 }, () => {
    const options = { granularity: 'page' as const };
    const plan = planCrashSweep(defaultCrashSweepScenario(), options);
    const outcomes = runOnWorkers<SweepOutcome>({ kind: 'crash-sweep', file: null, options, sweeps: [{ scenario: 0, ks: plan.ks }] }, 1, plan.ks.length, 2);
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
    const task = { kind: 'crash-sweep' as const, file: { text: JSON.stringify(defaultCrashSweepScenarioJson()), name: 'x.json' }, options: { granularity: 'page' as const }, sweeps: [{ scenario: 5, ks: [0, 1, 2] }] };
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
