/**
 * The campaigns that run on worker threads (src/sim/parallel.ts), as plain data a worker
 * receives, and the code a worker runs for a slice of one. Each task carries its inputs as
 * text (scenario files as read), so a worker parses exactly what the main thread parsed.
 */
import { defaultCrashSweepScenario, planCrashSweep, sweepCrashPoints, type CrashSweepOptions } from './crash-sweep.js';
import { runGenerations, type GenerationsOptions } from './generations.js';
import { runScenario } from './runner.js';
import { parseScenarioFileText, type Scenario } from './scenario-file.js';

/** A scenario file as the CLI read it: its text and the name its messages use. */
export interface ScenarioSource {
  text: string;
  name: string;
}

/** A campaign split by unit. */
export type ParallelTask =
  /** `simulate FILE…`: unit i is the i-th scenario of the files, in order; result a ScenarioResult. */
  | { kind: 'simulate'; files: ScenarioSource[] }
  /** `simulate --generations`: unit i is the i-th scenario; result a GenerationsReport. */
  | { kind: 'generations'; files: ScenarioSource[]; options: Omit<GenerationsOptions, 'onProgress'> }
  /**
   * `crash-sweep`: the sweeps of some scenarios of `file` (or of the default sweep scenario when
   * `file` is null), one pool for all of them; the units are every sweep's crash points `ks`,
   * end to end, in order; each result a SweepOutcome.
   */
  | { kind: 'crash-sweep'; file: ScenarioSource | null; options: Omit<CrashSweepOptions, 'onProgress'>; sweeps: { scenario: number; ks: number[] }[] };

/** The scenarios of some files, in order (as readScenarioFiles gives them). */
export function scenariosOf(files: readonly ScenarioSource[]): Scenario[] {
  return files.flatMap((f) => parseScenarioFileText(f.text, f.name));
}

/**
 * Runs units `from..to-1` of `task` and returns their results in order; `tick()` is called
 * after each unit.
 */
export function runTaskSlice(task: ParallelTask, from: number, to: number, tick: () => void): unknown[] {
  switch (task.kind) {
    case 'simulate':
    case 'generations': {
      const scenarios = scenariosOf(task.files).slice(from, to);
      return scenarios.map((s) => {
        const r = task.kind === 'simulate' ? runScenario(s) : runGenerations(s, task.options);
        tick();
        return r;
      });
    }
    case 'crash-sweep': {
      const scenarios = task.file === null ? [defaultCrashSweepScenario()] : scenariosOf([task.file]);
      const out: unknown[] = [];
      let first = 0;
      for (const sweep of task.sweeps) {
        // This sweep's units are first..first+ks.length-1; plan it only if the slice reaches it.
        const a = Math.max(from, first) - first;
        const b = Math.min(to, first + sweep.ks.length) - first;
        first += sweep.ks.length;
        if (a >= b) continue;
        const scenario = scenarios[sweep.scenario];
        if (scenario === undefined) throw new Error(`no scenario ${sweep.scenario} to sweep`);
        out.push(...sweepCrashPoints(planCrashSweep(scenario, task.options), sweep.ks.slice(a, b), tick));
      }
      return out;
    }
  }
}
