/**
 * `vtl2-persist harden [SCENARIO]`: the hardening lab (src/sim/hardening). Sweeps the last save
 * of each scenario with hypothetical writer/reader changes and prints, per variant, the outcome
 * counts, the cost and the compatibility with the shipped openhcl_boot both ways.
 *
 * Exit codes: 0 the lab ran (its counts are findings), 2 a usage error, an unreadable or invalid
 * scenario file, or a scenario with nothing to sweep.
 */
import { Vtl2PersistError } from '../errors.js';
import { quoteInput } from '../format/json-text.js';
import { formatSize } from '../memory/range.js';
import { BEFORE_STATES, SWEEP_GRANULARITIES } from '../sim/crash-model.js';
import { defaultCrashSweepScenario, OUTCOME_CLASSES } from '../sim/crash-sweep.js';
import { CHECK_FAIL_ACTIONS, hardeningLab, type HardenReport, type LabSweep } from '../sim/hardening/lab.js';
import { hardenReportToJson } from '../sim/hardening/report-json.js';
import { VARIANT_NAMES, type VariantName } from '../sim/hardening/variants.js';
import type { Scenario } from '../sim/scenario-file.js';
import { oneOf, parseCommandArgs } from './args.js';
import { MAX_SAMPLE, seedAndSample } from './crash-sweep.js';
import { badInput, runGuarded, usage, type Io } from './io.js';
import { MAX_INPUT_HELP, MAX_INPUT_OPTION, maxInputOption } from './kit/input.js';
import { JsonStreamArray, printJson, printLines } from './kit/output.js';
import { readScenarioFiles } from './simulate.js';
import { table } from './text.js';

/** `vtl2-persist harden --help`. */
export const HARDEN_USAGE = `Usage: vtl2-persist harden [SCENARIO] [--variants LIST|all] [--granularity G]
                          [--before B] [--on-check-fail panic|fresh] [--seed N]
                          [--sample N] [--json]

The hardening lab. OpenHCL's persisted-state format has no integrity check,
so some torn saves restore a topology that is silently wrong (see
'crash-sweep'). This command sweeps the same crash points with HYPOTHETICAL
changes to the writer and the reader, none of which OpenHCL makes, and
reports for each:

  - the outcome counts with its writer and its reader (goal: 0 SILENT-WRONG);
  - the bytes it adds, the store units it adds, the payload it can hold, and
    the work its reader adds to the boot (counted: checks and bytes read);
  - what today's openhcl_boot (our exact emulation of it) does with the new
    writer's save, and what the new reader does with a shipped save, both for
    the complete save and over every crash point.

Variants ('real' is the shipped format, the baseline):
  real              payload, then the 32-byte header (today)
  crc32c-in-header  CRC-32C of the header and payload at header 0x24, after a
                    "C32C" marker; the reader rejects a mismatch
  invalidate-first  zero the magic first, write the magic last
  generation        a sequence number at header 0x20 and as payload field 5;
                    the reader accepts only a match
  ab-slots          two payload slots, the header names the complete one

SCENARIO is a scenario file, as for 'crash-sweep' (default: its built-in
scenario, a second servicing that saves a shorter payload).

Options:
  --variants LIST   Comma-separated variant names, or all (the default).
  --granularity byte|u64|cacheline|page
                    The crash model's store unit, as 'crash-sweep' (default byte).
  --before previous|zeros|random
                    What the persisted area held before the save, as
                    'crash-sweep' (default previous: for the variants, the
                    previous save as their own writer would have left it).
  --on-check-fail panic|fresh
                    What a hypothetical reader does when its check fails:
                    panic ("hypothetical reader would panic: ...", as today's
                    reader treats state it cannot use; the default) or fall
                    back to the fresh path.
  --seed N          Seed of --before random and of --sample (default 0).
  --sample N        Sweep only N crash points per sweep (at most ${MAX_SAMPLE}).
  --json            Print the reports as JSON: [{scenario, variants: [...]}].
${MAX_INPUT_HELP}
  -h, --help        Show this help.

Exit codes: 0 the lab ran (its counts are findings, not failures), 2 a usage
error, an invalid scenario file, or a scenario without a runnable save step.`;

/** Runs `vtl2-persist harden` with `argv` (the arguments after the command name); returns the exit code. */
export function runHarden(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'harden', () => {
    const { values: v, positionals } = parseCommandArgs(argv, {
      variants: { type: 'string' },
      granularity: { type: 'string' },
      before: { type: 'string' },
      'on-check-fail': { type: 'string' },
      seed: { type: 'string' },
      sample: { type: 'string' },
      json: { type: 'boolean' },
      ...MAX_INPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    });
    if (v.help) return void io.stdout.write(`${HARDEN_USAGE}\n`), 0;
    if (positionals.length > 1) throw usage(`harden takes at most one SCENARIO file (got ${positionals.map((p) => quoteInput(p)).join(' ')})`);
    const variants = parseVariants(v.variants ?? 'all');
    const granularity = oneOf('--granularity', v.granularity ?? 'byte', SWEEP_GRANULARITIES);
    const before = oneOf('--before', v.before ?? 'previous', BEFORE_STATES);
    const onCheckFail = oneOf('--on-check-fail', v['on-check-fail'] ?? 'panic', CHECK_FAIL_ACTIONS);
    const { seed, sample } = seedAndSample(v.seed, v.sample);

    const [file] = positionals;
    const scenarios: Scenario[] = file === undefined ? [defaultCrashSweepScenario()] : readScenarioFiles([file], io, maxInputOption(v['max-input']));
    const reports = scenarios.map((scenario) => {
      try {
        return hardeningLab(scenario, { variants, granularity, before, onCheckFail, seed, ...(sample !== undefined && { sample }) });
      } catch (e) {
        if (e instanceof Vtl2PersistError) throw badInput(e.message);
        throw e;
      }
    });
    if (v.json) printJson(io.stdout, new JsonStreamArray(() => reports.map(hardenReportToJson)));
    else printLines(io.stdout, [reports.map(hardenText).join('\n\n')]);
    return 0;
  });
}

/** `--variants`: names from {@link VARIANT_NAMES} (each once, in the order given) or `all`. */
function parseVariants(text: string): VariantName[] {
  if (text.trim().toLowerCase() === 'all') return [...VARIANT_NAMES];
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const bad = names.filter((n) => !(VARIANT_NAMES as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) throw usage(`--variants takes all or a comma-separated list of ${VARIANT_NAMES.join(', ')} (got ${quoteInput(text)})`);
  return [...new Set(names)] as VariantName[];
}

/** A sweep's counts in one cell: `new/old/fresh/panic/SILENT`. */
function countsCell(s: LabSweep): string {
  return OUTCOME_CLASSES.map((c) => String(s.tally.counts[c])).join('/');
}

/** The human report of one lab run. */
export function hardenText(r: HardenReport): string {
  const name = (v: string) => (v === 'real' ? 'real (shipped)' : v);
  const lines = [
    `hardening lab of ${JSON.stringify(r.scenario)}: granularity ${r.granularity}, before ${r.before}, seed ${r.seed}, a failed check: ${r.onCheckFail}${r.sample === null ? '' : `, sample ${r.sample}`}`,
    `  every variant but 'real' is HYPOTHETICAL: OpenHCL ships only 'real'. The swept save's payload is ${r.payloadLen} bytes.`,
    '',
    'its writer, its reader:',
    table(
      ['variant', 'points', ...OUTCOME_CLASSES.map((c) => (c === 'silent-wrong' ? 'SILENT-WRONG' : c))],
      r.variants.map((v) => [name(v.variant), String(v.hardened.points), ...OUTCOME_CLASSES.map((c) => String(v.hardened.tally.counts[c]))]),
    ),
    '',
    'cost:',
    table(
      ['variant', '+header', '+payload', '+units', 'payload capacity', 'boot work (complete save)'],
      r.variants.map((v) => [
        name(v.variant),
        `${v.cost.headerBytes} B`,
        `${v.cost.payloadBytes} B`,
        String(v.cost.extraUnits),
        formatSize(v.cost.capacity),
        `${v.cost.bootWork.checks} check${v.cost.bootWork.checks === 1 ? '' : 's'}, ${v.cost.bootWork.bytesRead} bytes read`,
      ]),
    ),
    '',
    'across versions (counts new/old/fresh/panic/SILENT-WRONG over the crash points):',
    table(
      ['variant', "today's reader, its writer", 'its reader, a shipped writer'],
      r.variants.map((v) => [name(v.variant), countsCell(v.shippedReader), countsCell(v.upgrade)]),
    ),
    '',
    'complete saves across versions:',
    ...r.variants.flatMap((v) => [
      `  ${name(v.variant)}:`,
      `    today's openhcl_boot on its save: ${v.compatibility.shippedReadsNew ? 'OK, ' : 'BREAKS, '}${v.compatibility.shippedReadsNewText}`,
      `    its reader on a shipped save:     ${v.compatibility.newReadsShipped ? 'OK, ' : 'BREAKS, '}${v.compatibility.newReadsShippedText}`,
    ]),
  ];
  const wrong = r.variants.filter((v) => v.hardened.tally.firstExamples['silent-wrong'] !== undefined);
  if (wrong.length > 0) {
    lines.push('', 'first SILENT-WRONG crash point of each variant that has one:');
    for (const v of wrong) {
      const o = v.hardened.tally.firstExamples['silent-wrong']!;
      lines.push(`  ${name(v.variant)} at k=${o.k}: ${o.torn.description}`, `      ${o.summary}`);
    }
  }
  return lines.join('\n');
}
