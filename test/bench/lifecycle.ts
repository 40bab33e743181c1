/**
 * Benchmarks 3–4: the demo's full lifecycle (fresh boot → save → restore) and
 * the byte-granularity crash-consistency sweep of the same scenario.
 */
import { boot } from '../../src/boot/boot.js';
import { DEMO_CPUS, DEMO_VM, runDemo, verdict } from '../../src/cli/demo.js';
import { crashSweep, defaultCrashSweepScenario } from '../../src/sim/crash-sweep.js';
import { SimulatedVm } from '../../src/sim/runner.js';
import { parseScenarioFile, resolveBootInputs, type Scenario } from '../../src/sim/scenario-file.js';
import { keep, rate, type BenchRow } from './common.js';

/** The lifecycle target: 10,000 lifecycles per second on one core. */
export const LIFECYCLE_TARGET_PER_S = 10_000;

/** The demo as a scenario: the same VM, boot → save (demo CPUs) → boot. */
export function demoScenario(): Scenario {
  return parseScenarioFile({
    name: 'demo',
    ...structuredClone(DEMO_VM),
    lifecycle: [
      { op: 'boot' },
      { op: 'save', cpus_with_mapped_interrupts_no_io: DEMO_CPUS.noIo, cpus_with_outstanding_io: DEMO_CPUS.outstanding },
      { op: 'boot' },
    ],
  })[0]!;
}

/** Benchmark 3, and 3b: the same lifecycle when each one also parses the scenario JSON. */
export function lifecycleBenches(budgetMs: number): BenchRow[] {
  // A scenario is parsed once however many lifecycles it runs, so 3 parses outside the loop.
  const [scenario] = parseScenarioFile(DEMO_VM);
  for (const check of [runDemo(), runDemo(scenario!)]) {
    if (!verdict(check).ok) throw new Error(`the demo lifecycle does not restore: ${verdict(check).text}`);
  }
  const perS = rate(() => keep(runDemo(scenario!)), budgetMs, 20);
  const withParsePerS = rate(() => keep(runDemo()), budgetMs, 20);
  return [
    {
      id: 'lifecycle_demo',
      name: '3. demo lifecycle (fresh boot → save → restore)',
      unit: 'lifecycles/s',
      ours: perS,
      baseline: LIFECYCLE_TARGET_PER_S,
      baselineName: 'the issue target, 10,000 lifecycles/s on one core (a constant, not a measurement)',
      ratio: perS / LIFECYCLE_TARGET_PER_S,
      ratioMeaning: 'lifecycles/s / 10,000 (>= 1 meets the target)',
      target: '>= 10,000/s',
      met: perS >= LIFECYCLE_TARGET_PER_S,
      extra: {
        us_per_lifecycle: 1e6 / perS,
        includes: 'runDemo(parsed scenario): new SimulatedVm (fresh GuestMemory) + boot + save + header read + boot',
      },
    },
    {
      id: 'lifecycle_demo_with_parse',
      name: '3b. demo lifecycle incl. scenario JSON parse',
      unit: 'lifecycles/s',
      ours: withParsePerS,
      baseline: perS,
      baselineName: 'benchmark 3 in this run (the same lifecycle on a scenario parsed once)',
      ratio: withParsePerS / perS,
      ratioMeaning: 'with parse / without (the share of a lifecycle that parsing costs is 1 - ratio)',
      extra: { us_per_lifecycle: 1e6 / withParsePerS, includes: 'runDemo(): SimulatedVm.fromJson(DEMO_VM) + the lifecycle of 3' },
    },
  ];
}

/** Times whole sweeps for about `budgetMs` (at least one); returns ms per 1,000 crash points. */
function sweepMsPer1000(scenario: Scenario, budgetMs: number): { msPer1000: number; points: number; sweeps: number; counts: Record<string, number> } {
  const first = crashSweep(scenario, { granularity: 'byte' }); // warm-up and shape
  let sweeps = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    keep(crashSweep(scenario, { granularity: 'byte' }));
    sweeps++;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return { msPer1000: (elapsed / (sweeps * first.points)) * 1000, points: first.points, sweeps, counts: first.counts };
}

/** ms for 1,000 plain boots of the scenario's memory after its complete save (the restore boot the sweep repeats). */
function plainBootMsPer1000(scenario: Scenario, budgetMs: number): number {
  const vm = new SimulatedVm(scenario);
  const saveIndex = scenario.lifecycle.map((s) => s.op).lastIndexOf('save');
  for (const step of scenario.lifecycle.slice(0, saveIndex + 1)) vm.step(step);
  const inputs = resolveBootInputs(scenario, { op: 'boot' });
  const bootInputs = { shim: inputs.shimParams, host: inputs.hostDt, cmdline: inputs.cmdlineOptions };
  const memory = vm.memory;
  const perS = rate(() => keep(boot(bootInputs, memory)), budgetMs, 50);
  return 1e6 / perS;
}

export function sweepBenches(budgetMs: number): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const [id, name, scenario] of [
    ['sweep_demo', '4. crash sweep, demo scenario, byte', demoScenario()],
    ['sweep_default', '4b. crash sweep, default sweep scenario, byte', defaultCrashSweepScenario()],
  ] as const) {
    const sweep = sweepMsPer1000(scenario, budgetMs);
    const bootMs = plainBootMsPer1000(scenario, budgetMs);
    rows.push({
      id,
      name,
      unit: 'ms per 1,000 torn states',
      ours: sweep.msPer1000,
      baseline: bootMs,
      baselineName: '1,000 plain boots of the same memory after the complete save (same process)',
      ratio: sweep.msPer1000 / bootMs,
      ratioMeaning: 'sweep cost / plain-boot cost (overhead factor; lower is better, 1.0 = no overhead)',
      extra: { crash_points_per_sweep: sweep.points, sweeps_timed: sweep.sweeps, counts: sweep.counts },
    });
  }
  return rows;
}
