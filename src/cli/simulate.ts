/**
 * `vtl2-persist simulate FILE…`: runs scenario files through the scenario
 * runner and prints each step's outcome (or the documented JSON results).
 */
import { Vtl2PersistError } from '../errors.js';
import { quoteInput } from '../format/json-text.js';
import { DRIFT_KINDS, generationsReportToJson, runGenerations, type DriftKind, type GenerationsReport } from '../sim/generations.js';
import { runOnWorkers } from '../sim/parallel.js';
import type { ScenarioSource } from '../sim/parallel-tasks.js';
import { runScenario, type ScenarioResult } from '../sim/runner.js';
import { parseScenarioFileText, type Scenario } from '../sim/scenario-file.js';
import { parseCommandArgs, parseSeed, parseUint, seedMessage, shardRange } from './args.js';
import { CAMPAIGN_OPTIONS, campaignArgs, campaignHelp, progressMeter, runIdentity, workersFor, type ShardHeader } from './kit/campaign.js';
import { badInput, displayName, progressLine, readText, runGuarded, usage, type Io } from './io.js';
import { MAX_INPUT_HELP, MAX_INPUT_OPTION, jsonInput, maxInputOption, type InputKind } from './kit/input.js';
import { JsonStreamArray, Writer, printJson, printLines } from './kit/output.js';
import { table } from './text.js';

/**
 * Reads and parses scenario files (or `-`), in order.
 * @throws {CliFailure} exit 2 for a file that cannot be read or is not a valid scenario file.
 */
export function readScenarioFiles(files: readonly string[], io: Io, kind: InputKind = jsonInput()): Scenario[] {
  return readScenarioSources(files, io, kind).scenarios;
}

/**
 * {@link readScenarioFiles}, also returning each file's text as read, which a campaign hands
 * to its worker threads so that they parse exactly the same input.
 * @throws {CliFailure} as readScenarioFiles.
 */
export function readScenarioSources(files: readonly string[], io: Io, kind: InputKind = jsonInput()): { sources: ScenarioSource[]; scenarios: Scenario[] } {
  const sources: ScenarioSource[] = [];
  const scenarios: Scenario[] = [];
  // One file read and parsed before the next is read, so the first bad file is the one reported.
  for (const file of files) {
    const source = { text: readText(file, io, kind), name: displayName(file) };
    try {
      scenarios.push(...parseScenarioFileText(source.text, source.name));
    } catch (e) {
      if (e instanceof Vtl2PersistError) throw badInput(e.message);
      throw e;
    }
    sources.push(source);
  }
  return { sources, scenarios };
}

/** Outcome of running the files: results per scenario, and whether any boot panicked. */
export interface SimulateOutcome {
  results: ScenarioResult[];
  panicked: boolean;
}

/**
 * Parses and runs every scenario of every file, in order.
 * @throws {CliFailure} exit 2 for a file that cannot be read or is not a valid scenario file.
 */
export function simulateFiles(files: readonly string[], io: Io): SimulateOutcome {
  const results = readScenarioFiles(files, io).map((scenario) => runScenario(scenario));
  const panicked = results.some((r) => r.steps.some((s) => s.op === 'boot' && s.path === 'panic'));
  return { results, panicked };
}

type Step = Record<string, unknown>;
type RangeJson = { start: string; end: string };

/** The human form: per scenario, one block per step; boots show their outcome and memory map. */
export function simulateText(results: readonly ScenarioResult[]): string {
  return results.map((r) => [`scenario ${r.name}`, ...r.steps.map((s, i) => stepText(s, i))].join('\n')).join('\n\n');
}

function stepText(s: Step, i: number): string {
  const head = `  ${i + 1}. ${String(s['op'])}`;
  switch (s['op']) {
    case 'boot': {
      if (s['path'] === 'panic') {
        return `${head}: PANIC on the ${String(s['attempted_path'])} path [${String(s['panic_kind'])}]\n     openhcl_boot would panic: ${String(s['panic']).split('\n').join('\n     ')}`;
      }
      const map = (s['openhcl_memory_map'] as { range: RangeJson; vtl_type: string | number; vnode?: number; igvm_type?: string | number }[]).map(
        (n) => [`${n.range.start}-${n.range.end}`, String(n.vtl_type), n.vnode === undefined ? '' : String(n.vnode), n.igvm_type === undefined ? '' : String(n.igvm_type)],
      );
      const pools = (s['pool_ranges'] as RangeJson[]).map((p) => `${p.start}-${p.end}`).join(', ') || 'none';
      return [
        `${head}: ${s['path'] === 'persisted' ? 'restored from persisted state' : 'fresh, topology from the host'} (${String(s['reason'])})`,
        `     pool: ${pools}; sidecar: ${String(s['sidecar_action'])}${
          (s['sidecar_excluded_cpus'] as number[]).length > 0 ? ` (CPUs ${(s['sidecar_excluded_cpus'] as number[]).join(', ')} start in the kernel)` : ''
        }`,
        table(['range', 'type', 'vnode', 'igvm type'], map, '     '),
      ].join('\n');
    }
    case 'save':
      return 'error' in s
        ? `${head}: FAILED: ${String(s['error'])}`
        : `${head}: payload ${String(s['payload_len'])} bytes at ${String(s['payload_written_at'])}, ${
            s['header_hex'] === null ? 'header NOT written (torn save)' : `header at ${String(s['header_written_at'])}`
          }`;
    default:
      return 'error' in s ? `${head}: FAILED: ${String(s['error'])}` : `${head}: applied at ${String(s['applied_at'])}; header now ${String(s['header_hex_after'])}`;
  }
}

/** The human form of a generations campaign: one line per generation, its violations, and the verdict. */
export function generationsText(r: GenerationsReport): string {
  const lines = [`scenario ${r.scenario}: ${r.generations} generation${r.generations === 1 ? '' : 's'}, drift ${r.drift.join(',') || 'none'}, seed ${r.seed}`];
  for (const g of r.results) {
    const head = `  gen ${g.generation}: `;
    const drift = g.drift.length > 0 ? `; ${g.drift.join('; ')}` : '';
    const save = g.save?.error !== undefined ? `; save FAILED: ${g.save.error}` : '';
    if (g.path === 'panic') {
      lines.push(`${head}PANIC on the ${String(g.attemptedPath)} path [${String(g.panicKind)}]${save}${drift}`);
      lines.push(`    openhcl_boot would panic: ${String(g.panic).split('\n').join('\n    ')}`);
    } else {
      lines.push(`${head}${g.path === 'persisted' ? 'restored' : 'fresh'} (${String(g.reason)})${save}${drift}`);
    }
    for (const i of g.invariants) if (!i.ok) lines.push(`    VIOLATED ${i.name}: ${i.detail}`);
  }
  const restores = r.counts.restored;
  lines.push(
    r.counts.violations === 0
      ? `invariants held at every restore (${restores} restore${restores === 1 ? '' : 's'})`
      : `${r.counts.violations} invariant violation${r.counts.violations === 1 ? '' : 's'} in ${restores} restore${restores === 1 ? '' : 's'}`,
  );
  const p = r.firstPanicGeneration === null ? undefined : r.results[r.firstPanicGeneration];
  lines.push(p === undefined ? `no panic in ${r.counts.run} generations` : `first panic at generation ${p.generation}: ${String(p.panicKind)}`);
  return lines.join('\n');
}

/** Scenarios from which a campaign without `--jobs` uses worker threads. */
export const ENOUGH_SCENARIOS = 64;

/** The most generations `--generations` runs: each keeps its report, so the bound keeps memory bounded. */
export const MAX_GENERATIONS = 1_000_000;

/** `vtl2-persist simulate --help`. */
export const SIMULATE_USAGE = `Usage: vtl2-persist simulate FILE... [--json] [--jobs N] [--shard I/N]
       vtl2-persist simulate FILE... --generations N [--drift KINDS] [--seed N] [--json]
                                 [--jobs N] [--shard I/N]

Runs the scenarios in each FILE (a scenario object, an array of them, or
{"scenarios": [...]}; '-' reads standard input) against one simulated guest
memory per scenario (the format: docs/scenario-format.md), and prints
each step's outcome: which path each boot took and why, the /openhcl memory
map, what each save wrote, or where openhcl_boot would panic.

With --generations N, each scenario's VM is serviced over and over instead:
generation 0 is its first boot (its lifecycle runs up to that boot step; the
rest of the lifecycle is ignored), and each later generation saves (with the
first save step's CPU lists) and boots again, up to N generations in all or
the first panic. At each restore it checks against generation 0 that the pool
ranges, VTL0/VTL2 MMIO, persisted span and /openhcl map are unchanged, and
that the sidecar exclusion is the saved CPU lists' union.

Options:
  --json    Print the documented result shape: [{name, steps: [...]}, ...], or
            with --generations: [{scenario, seed, drift, first_panic_generation,
            counts, violations, results: [...]}, ...].
  --generations N
            Run N generations (1 <= N <= 1000000) per scenario, generation 0
            included.
  --drift KINDS
            Comma list of what changes between generations, cumulatively
            (default: nothing):
              used         the image grows: used.end + 1..64 pages each time,
                           until it overlaps the carried pool (a panic)
              host-memory  the host splits or shrinks VTL0 RAM entries
                           (the /openhcl map check is then skipped)
              mmio         the host moves its VMBus MMIO windows (restore
                           ignores them: the MMIO checks must hold)
              cpus         each save's CPU lists are drawn at random
  --seed N  Seed of the drift (0..4294967295, default 0; a negative N counts
            back from 2^32, so -1 is 4294967295). The same arguments always
            give the same report.
${campaignHelp('scenarios')}
${MAX_INPUT_HELP}
  -h, --help

With --generations, a progress line goes to stderr if stderr is a terminal.

Exit codes: 0 every boot succeeded (and every invariant held), 1 some boot
would panic in openhcl_boot (or an invariant was violated), 2 a usage error or
an invalid scenario file.`;

/** Runs `vtl2-persist simulate` with the arguments after `simulate`; returns the exit code. */
export function runSimulate(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'simulate', () => {
    try {
      return simulateBody(argv, io);
    } catch (e) {
      // A scenario the runner cannot run (no boot step for --generations, …) is the caller's to fix.
      if (e instanceof Vtl2PersistError) throw badInput(e.message);
      throw e;
    }
  });
}

/** The command proper; `runSimulate` maps library errors to exit 2. */
function simulateBody(argv: readonly string[], io: Io): number {
  const { values, positionals: files } = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    generations: { type: 'string' },
    drift: { type: 'string' },
    seed: { type: 'string' },
    ...CAMPAIGN_OPTIONS,
    ...MAX_INPUT_OPTION,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return void io.stdout.write(`${SIMULATE_USAGE}\n`), 0;
  if (files.length === 0) throw usage('simulate needs at least one scenario FILE (or - for stdin)');
  const kind = maxInputOption(values['max-input']);
  const campaign = campaignArgs(values);
  if (values.generations === undefined && values.drift === undefined && values.seed === undefined) {
    // Every file is read and checked first (a bad one is a clean exit 2 before any output);
    // then the scenarios run and print one at a time.
    const { sources, scenarios: all } = readScenarioSources(files, io, kind);
    const [from, to] = campaign.shard === undefined ? [0, all.length] : shardRange(all.length, campaign.shard);
    const scenarios = all.slice(from, to);
    const workers = workersFor(campaign.jobs, scenarios.length, ENOUGH_SCENARIOS);
    const meter = workers > 1 ? progressMeter(io, 'simulate: ', 'scenarios') : undefined;
    // With worker threads the results arrive all at once, sliced as the shard asked.
    const pooled =
      workers > 1
        ? runOnWorkers<ScenarioResult>({ kind: 'simulate', files: sources }, from, to, workers, meter && ((d, n) => meter.update(d, n)))
        : undefined;
    meter?.done();
    let panicked = false;
    const run = function* () {
      for (const [i, scenario] of scenarios.entries()) {
        const r = pooled?.[i] ?? runScenario(scenario);
        panicked ||= r.steps.some((s) => s.op === 'boot' && s.path === 'panic');
        yield r;
      }
    };
    if (values.json && campaign.shard !== undefined) {
      const shard: ShardHeader = { command: 'simulate', ...campaign.shard, run: runIdentity('simulate', {}, sources) };
      printJson(io.stdout, { shard, first: from, total: all.length, results: new JsonStreamArray(run) });
    } else if (values.json) printJson(io.stdout, new JsonStreamArray(run));
    else {
      const w = new Writer(io.stdout);
      let first = true;
      if (campaign.shard !== undefined) w.line(`shard ${campaign.shard.index} of ${campaign.shard.count}: scenarios ${from + 1}..${to} of ${all.length}\n`);
      for (const r of run()) {
        w.line(`${first ? '' : '\n'}${simulateText([r])}`);
        first = false;
      }
      w.end();
    }
    return panicked ? 1 : 0;
  }
  if (values.generations === undefined) throw usage(`${values.drift !== undefined ? '--drift' : '--seed'} needs --generations N`);
  const generations = parseUint(values.generations, MAX_GENERATIONS);
  if (generations === undefined || generations < 1) {
    throw usage(`--generations must be a positive integer (got ${quoteInput(values.generations)}); the most is ${MAX_GENERATIONS}`);
  }
  const seed = values.seed === undefined ? 0 : parseSeed(values.seed);
  if (seed === undefined) throw usage(seedMessage(values.seed!));
  const drift = (values.drift ?? '').split(',').map((d) => d.trim()).filter((d) => d !== '');
  const bad = drift.filter((d) => !(DRIFT_KINDS as readonly string[]).includes(d));
  if (bad.length > 0) throw usage(`--drift takes a comma list of ${DRIFT_KINDS.join(', ')} (got ${quoteInput(values.drift!)})`);
  const { sources, scenarios: all } = readScenarioSources(files, io, kind);
  const [from, to] = campaign.shard === undefined ? [0, all.length] : shardRange(all.length, campaign.shard);
  const scenarios = all.slice(from, to);
  const options = { generations, drift: drift as DriftKind[], seed };
  const workers = workersFor(campaign.jobs, scenarios.length, ENOUGH_SCENARIOS);
  let reports: GenerationsReport[];
  if (workers > 1) {
    const meter = progressMeter(io, 'simulate: ', 'scenarios');
    try {
      reports = runOnWorkers<GenerationsReport>({ kind: 'generations', files: sources, options }, from, to, workers, meter && ((d, n) => meter.update(d, n)));
    } finally {
      meter?.done();
    }
  } else {
    reports = scenarios.map((scenario) => {
      const line = progressLine(io, `simulate ${quoteInput(scenario.name, { quotes: false })}: `);
      let last = 0;
      const onProgress = (g: number) => {
        const now = Date.now();
        if (now - last < 100 && g + 1 < generations) return;
        last = now;
        line?.update(`generation ${g + 1}/${generations}`);
      };
      try {
        return runGenerations(scenario, { ...options, ...(line && { onProgress }) });
      } finally {
        line?.done();
      }
    });
  }
  if (values.json && campaign.shard !== undefined) {
    const shard: ShardHeader = { command: 'simulate --generations', ...campaign.shard, run: runIdentity('simulate --generations', options, sources) };
    printJson(io.stdout, { shard, first: from, total: all.length, results: new JsonStreamArray(() => reports.map(generationsReportToJson)) });
    return reports.some((r) => r.firstPanicGeneration !== null || r.counts.violations > 0) ? 1 : 0;
  }
  if (!values.json && campaign.shard !== undefined) io.stdout.write(`shard ${campaign.shard.index} of ${campaign.shard.count}: scenarios ${from + 1}..${to} of ${all.length}\n\n`);
  if (values.json) printJson(io.stdout, new JsonStreamArray(() => reports.map(generationsReportToJson)));
  else printLines(io.stdout, [reports.map(generationsText).join('\n\n')]);
  return reports.some((r) => r.firstPanicGeneration !== null || r.counts.violations > 0) ? 1 : 0;
}
