/**
 * `vtl2-persist crash-sweep [SCENARIO]`: stops the machine after every store of a servicing
 * save, boots the next instance from the torn memory and classifies each outcome
 * (src/sim/crash-sweep.ts). Prints counts per class, panic kinds, the runs of consecutive
 * crash points, and the first example of each class; `--json` prints the reports.
 *
 * Exit codes: 0 the sweep ran (whatever it found: reporting silent-wrong or panic outcomes is
 * the sweep's job, not a failed check), 1 only when `--fail-on` names a class that occurred,
 * 2 a usage error, an unreadable or invalid scenario file, or a scenario with nothing to sweep.
 */
import { Vtl2PersistError } from '../errors.js';
import { quoteInput } from '../format/json-text.js';
import {
  BEFORE_STATES,
  SWEEP_GRANULARITIES,
  defaultCrashSweepScenario,
  finishCrashSweep,
  planCrashSweep,
  sweepCrashPoints,
  type CrashSweepPlan,
  OUTCOME_CLASSES,
  sweepReportToJson,
  type OutcomeClass,
  type SweepOutcome,
  type SweepReport,
} from '../sim/crash-sweep.js';
import { runOnWorkers } from '../sim/parallel.js';
import { sweepOutcomeToJson } from '../sim/sweep-outcome.js';
import type { Scenario } from '../sim/scenario-file.js';
import { oneOf, parseCommandArgs, parseSeed, parseUint, seedMessage, shardRange } from './args.js';
import { CAMPAIGN_OPTIONS, campaignArgs, campaignHelp, progressMeter, runIdentity, workersFor, type ShardHeader } from './kit/campaign.js';
import { badInput, colourOn, runGuarded, usage, type Io } from './io.js';
import { MAX_INPUT_HELP, MAX_INPUT_OPTION, maxInputOption } from './kit/input.js';
import { JsonStreamArray, printJson, printLines } from './kit/output.js';
import { readScenarioSources } from './simulate.js';
import { maxOf, table } from './text.js';

/** `vtl2-persist crash-sweep --help`. */
export const CRASH_SWEEP_USAGE = `Usage: vtl2-persist crash-sweep [SCENARIO] [--granularity G] [--before B]
                               [--seed N] [--sample N] [--fail-on CLASSES] [--json]
                               [--jobs N] [--shard I/N]

Crash-consistency sweep. Runs SCENARIO's lifecycle up to its
LAST save, then stops the machine after every store of that save (payload
first, then header, as usermode writes them), boots the next openhcl_boot
instance from the torn memory, and classifies each outcome:

  restored-new   restored from persisted state; equals a complete save's restore
  restored-old   restored from persisted state; equals the restore before the save
  fresh          no valid magic: topology from the host
  panic          openhcl_boot would panic (reported with its panic kind)
  SILENT-WRONG   restored, but the topology (the /openhcl map, pool ranges, MMIO,
                 sidecar-excluded CPUs) equals neither the old nor the new one

SCENARIO is a scenario file (docs/scenario-format.md; '-' reads standard
input; every scenario in it is swept). Each crash point boots with the inputs of
the first boot step after the save (or the last boot's inputs if there is none).
Without SCENARIO the built-in default runs: worked example A, boot, save
(no_io [7], outstanding [1,5]), boot, save (outstanding [3]: a SHORTER payload,
so the first payload's tail stays behind it), boot.

Options:
  --granularity byte|u64|cacheline|page
              The unit a crash can stop between: a byte, an 8-byte store, a
              64-byte cache line or a 4 KiB page, each aligned to its width
              in guest memory (so u64 tears the header at its four fields).
              Default: byte.
  --before previous|zeros|random
              What the persisted area held before the save: what the lifecycle
              left there (the previous save, on a second servicing), all zeros,
              or random bytes from the seed. Default: previous.
  --seed N    Seed of the sampling PRNG and of --before random (0..4294967295,
              default 0; a negative N counts back from 2^32, so -1 is
              4294967295). The sweep is deterministic: the same arguments
              always give the same report.
  --sample N  Sweep only N crash points, drawn by the seeded PRNG, instead of
              all of them (for large payloads; N at most 1000000). Default:
              every crash point.
  --fail-on CLASSES
              Comma-separated classes (e.g. silent-wrong,panic) that make the
              command exit 1 if any crash point falls in one of them.
  --json      Print the reports as JSON: [{scenario, counts, panic_kinds,
              first_examples, segments, ...}, ...].
${campaignHelp('crash points')}
${MAX_INPUT_HELP}
  -h, --help  Show this help.

Classes are coloured when stdout is a terminal and NO_COLOR is not set; while
the sweep runs, a progress line goes to stderr if stderr is a terminal.

Exit codes: 0 the sweep ran (outcomes are findings, not failures), 1 a class
named by --fail-on occurred, 2 a usage error, an invalid scenario file, or a
scenario without a runnable save step.`;

/** The most crash points `--sample` draws (an exhaustive sweep of a large save is the alternative). */
export const MAX_SAMPLE = 1_000_000;

/** Runs `vtl2-persist crash-sweep` with `argv` (the arguments after the command name); returns the exit code. */
export function runCrashSweep(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'crash-sweep', () => {
    const { values: v, positionals } = parseCommandArgs(argv, {
      granularity: { type: 'string' },
      before: { type: 'string' },
      seed: { type: 'string' },
      sample: { type: 'string' },
      'fail-on': { type: 'string' },
      json: { type: 'boolean' },
      ...CAMPAIGN_OPTIONS,
      ...MAX_INPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    });
    if (v.help) return void io.stdout.write(`${CRASH_SWEEP_USAGE}\n`), 0;
    if (positionals.length > 1) throw usage(`crash-sweep takes at most one SCENARIO file (got ${positionals.map((p) => quoteInput(p)).join(' ')})`);
    const granularity = oneOf('--granularity', v.granularity ?? 'byte', SWEEP_GRANULARITIES);
    const before = oneOf('--before', v.before ?? 'previous', BEFORE_STATES);
    const { seed, sample } = seedAndSample(v.seed, v.sample);
    let failOn: OutcomeClass[] = [];
    if (v['fail-on'] !== undefined) {
      const names = v['fail-on'].split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
      const bad = names.filter((n) => !(OUTCOME_CLASSES as readonly string[]).includes(n));
      if (bad.length > 0 || names.length === 0) {
        throw usage(`--fail-on takes a comma-separated list of ${OUTCOME_CLASSES.join(', ')} (got ${quoteInput(v['fail-on'])})`);
      }
      failOn = names as OutcomeClass[];
    }

    const [file] = positionals;
    const colour = colourOn(io);
    const { jobs, shard } = campaignArgs(v);
    const read = file === undefined ? undefined : readScenarioSources([file], io, maxInputOption(v['max-input']));
    const scenarios: Scenario[] = read === undefined ? [defaultCrashSweepScenario()] : read.scenarios;
    const options = { granularity, before, seed, ...(sample !== undefined && { sample }) };
    // Every sweep is planned first (a scenario with nothing to sweep is exit 2 before any work),
    // then all their crash points run, on this thread or on one pool of worker threads.
    const plans: CrashSweepPlan[] = [];
    const slices: number[][] = [];
    for (const scenario of scenarios) {
      try {
        plans.push(planCrashSweep(scenario, options));
      } catch (e) {
        // A scenario with nothing to sweep (no save step, …): the caller's to fix.
        if (e instanceof Vtl2PersistError) throw badInput(e.message);
        throw e;
      }
      const ks = plans[plans.length - 1]!.ks;
      const [from, to] = shard === undefined ? [0, ks.length] : shardRange(ks.length, shard);
      slices.push(ks.slice(from, to));
    }
    const points = slices.reduce((n, ks) => n + ks.length, 0);
    const workers = workersFor(jobs, points, ENOUGH_POINTS);
    let shardOutcomes: SweepOutcome[][];
    if (workers > 1) {
      const meter = progressMeter(io, 'crash-sweep: ', 'crash points');
      try {
        const task = { kind: 'crash-sweep' as const, file: read?.sources[0] ?? null, options, sweeps: slices.map((ks, scenario) => ({ scenario, ks })) };
        const all = runOnWorkers<SweepOutcome>(task, 0, points, workers, meter && ((d, n) => meter.update(d, n)));
        let at = 0;
        shardOutcomes = slices.map((ks) => all.slice(at, (at += ks.length)));
      } finally {
        meter?.done();
      }
    } else {
      shardOutcomes = plans.map((plan, i) => {
        // The scenario is named once; each update rewrites only the count after it.
        const meter = progressMeter(io, `crash-sweep ${quoteInput(scenarios[i]!.name, { quotes: false })}: `, 'crash points');
        try {
          return sweepCrashPoints(plan, slices[i]!, meter && ((d, n) => meter.update(d, n)));
        } finally {
          meter?.done();
        }
      });
    }
    const reports: SweepReport[] = plans.map((plan, i) => finishCrashSweep(plan, shardOutcomes[i]!));
    if (v.json && shard !== undefined) {
      const header: ShardHeader = { command: 'crash-sweep', ...shard, run: runIdentity('crash-sweep', options, read?.sources ?? null) };
      const docs = reports.map((r, i) => ({ ...sweepReportToJson(r), outcomes: shardOutcomes[i]!.map(sweepOutcomeToJson) }));
      printJson(io.stdout, { shard: header, reports: new JsonStreamArray(() => docs) });
    } else if (v.json) printJson(io.stdout, new JsonStreamArray(() => reports.map(sweepReportToJson)));
    else {
      const note = shard === undefined ? '' : `shard ${shard.index} of ${shard.count}: only this slice's crash points\n`;
      printLines(io.stdout, [note + reports.map((r) => crashSweepText(r, colour)).join('\n\n')]);
    }
    return reports.some((r) => failOn.some((c) => r.counts[c] > 0)) ? 1 : 0;
  });
}

/** Crash points from which a sweep without `--jobs` uses worker threads (each thread costs tens of ms to start). */
export const ENOUGH_POINTS = 4000;

/** `--seed` (default 0) and `--sample` (default: every crash point), as crash-sweep and harden read them. */
export function seedAndSample(seedText: string | undefined, sampleText: string | undefined): { seed: number; sample: number | undefined } {
  const seed = seedText === undefined ? 0 : parseSeed(seedText);
  if (seed === undefined) throw usage(seedMessage(seedText!));
  const sample = sampleText === undefined ? undefined : parseUint(sampleText, MAX_SAMPLE);
  if (sample === 0 || (sampleText !== undefined && sample === undefined)) throw usage(`--sample must be a positive integer (got ${quoteInput(sampleText!)}); the most is ${MAX_SAMPLE}`);
  return { seed, sample };
}

const COLOURS: Record<OutcomeClass, string> = {
  'restored-new': '\x1b[32m',
  'restored-old': '\x1b[36m',
  fresh: '\x1b[34m',
  panic: '\x1b[33m',
  'silent-wrong': '\x1b[1;31m',
};

/** The class as printed: silent-wrong in capitals (it is the finding to look at). */
function className(c: OutcomeClass, colour: boolean): string {
  const name = c === 'silent-wrong' ? 'SILENT-WRONG' : c;
  return colour ? `${COLOURS[c]}${name}\x1b[0m` : name;
}

/** The human report of one sweep. */
export function crashSweepText(r: SweepReport, colour = false): string {
  const last = r.units.total;
  const mode = r.sample === null || r.points === last + 1 ? 'exhaustive' : `sample of ${r.points} (seed ${r.seed})`;
  const oldLen = r.save.oldPayloadLen === null ? 'no valid header before it' : `old header's payload_len ${r.save.oldPayloadLen}`;
  const pad = (c: OutcomeClass) => ' '.repeat(Math.max(0, 12 - (c === 'silent-wrong' ? 12 : c.length)));
  const lines = [
    `crash sweep of ${JSON.stringify(r.scenario)}: granularity ${r.granularity}, before ${r.before}, seed ${r.seed}, ${mode}`,
    `  swept save: lifecycle[${r.save.step}], payload ${r.save.payloadLen} bytes at 0x${r.save.payloadAt.toString(16)} (${oldLen}), then header at 0x${r.save.headerAt.toString(16)}`,
    `  store units: ${r.units.payload} payload + ${r.units.header} header = ${last}; crash points k = 0..${last} (${r.points} swept)`,
    `  each boots with: ${r.nextBootStep === null ? 'the last boot before the save' : `lifecycle[${r.nextBootStep}]`}`,
    ...refLines(r),
    '',
    'outcomes:',
    ...OUTCOME_CLASSES.map((c) => `  ${className(c, colour)}${pad(c)}  ${String(r.counts[c]).padStart(String(r.points).length)}`),
    `panic kinds: ${Object.keys(r.panicKinds).length === 0 ? 'none' : Object.entries(r.panicKinds).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    '',
    'runs of crash points:',
    table(
      ['k', 'points', 'class', 'detail'],
      r.segments.map((s) => [s.from === s.to ? `${s.from}` : `${s.from}..${s.to}`, String(s.points), s.class === 'silent-wrong' ? 'SILENT-WRONG' : s.class, s.detail]),
    ),
    '',
    'first example of each class:',
    ...OUTCOME_CLASSES.flatMap((c) => {
      const o = r.firstExamples[c];
      if (o === undefined) return [];
      return [`  ${className(c, colour)} at k=${o.k}: ${o.torn.description}`, `      ${o.summary}`];
    }),
  ];
  return lines.join('\n');
}

/** The two reference lines, labels padded to one width. */
function refLines(r: SweepReport): string[] {
  const labels = ['reference old (k=0):', `reference new (k=${r.units.total}):`];
  const width = maxOf(labels.map((l) => l.length));
  return [r.references.old.summary, r.references.new.summary].map((s, i) => `  ${labels[i]!.padEnd(width)} ${s}`);
}
