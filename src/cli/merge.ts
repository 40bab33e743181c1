/**
 * `vtl2-persist merge SHARD...`: joins the shard documents of one campaign (`simulate` or
 * `crash-sweep` run with `--shard I/N --json`) into exactly the JSON one unsharded run prints.
 */
import { quoteInput } from '../format/json-text.js';
import { tallyToJson } from '../sim/crash-sweep.js';
import { sweepOutcomeFromJson, tallyOutcomes } from '../sim/sweep-outcome.js';
import { parseCommandArgs } from './args.js';
import { badInput, displayName, readJson, runGuarded, usage, type Io } from './io.js';
import type { ShardHeader } from './kit/campaign.js';
import { MAX_INPUT_HELP, MAX_INPUT_OPTION, maxInputOption } from './kit/input.js';
import { JsonStreamArray, printJson } from './kit/output.js';

/** `vtl2-persist merge --help`. */
export const MERGE_USAGE = `Usage: vtl2-persist merge SHARD... [--max-input SIZE]

Joins the N shard documents of one campaign into the JSON that the same
command prints without --shard, byte for byte. A shard document is what
'simulate ... --shard I/N --json' or 'crash-sweep ... --shard I/N --json'
prints; give every shard of the run, in any order ('-' reads one from
standard input).

It refuses, with exit 2, a file that is not a shard document, shards of
different runs (another command, other options, other input files, or
another N), a shard given twice, and a missing shard.

Options:
${MAX_INPUT_HELP}
  -h, --help  Show this help.

Exit codes: 0 merged (and, for simulate, no boot would panic and no invariant
failed), 1 merged, and the campaign found a panic or a failed invariant (as
the unsharded simulate would exit), 2 a usage error or shards that do not
make one run.`;

const COMMANDS: readonly ShardHeader['command'][] = ['simulate', 'simulate --generations', 'crash-sweep'];

type Doc = { file: string; shard: ShardHeader; body: Record<string, unknown> };

/** Runs `vtl2-persist merge` with `argv` (the arguments after the command name); returns the exit code. */
export function runMerge(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'merge', () => {
    const { values: v, positionals: files } = parseCommandArgs(argv, { ...MAX_INPUT_OPTION, help: { type: 'boolean', short: 'h' } });
    if (v.help) return void io.stdout.write(`${MERGE_USAGE}\n`), 0;
    if (files.length === 0) throw usage('merge needs the shard documents to join (SHARD...)');
    const kind = maxInputOption(v['max-input']);
    const docs = files.map((file) => shardDoc(file, readJson(file, io, kind)));
    const ordered = checkOneRun(docs);
    const command = ordered[0]!.shard.command;
    if (command === 'crash-sweep') {
      printJson(io.stdout, new JsonStreamArray(() => mergeSweeps(ordered)));
      return 0;
    }
    const results = mergeScenarios(ordered);
    printJson(io.stdout, new JsonStreamArray(() => results));
    return results.some((r) => failed(command, r)) ? 1 : 0;
  });
}

/** Checks that `value` (read from `file`) is a shard document. */
function shardDoc(file: string, value: unknown): Doc {
  const name = displayName(file);
  const not = (why: string) => badInput(`${name} is not a shard document (${why}); make one with --shard I/N --json`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw not('expected a JSON object');
  const body = value as Record<string, unknown>;
  const s = body['shard'] as Record<string, unknown> | undefined;
  if (s === null || typeof s !== 'object') throw not('no "shard" header');
  const { command, index, count, run } = s as Record<string, unknown>;
  if (!COMMANDS.includes(command as ShardHeader['command'])) throw not(`"shard.command" is not one of ${COMMANDS.join(', ')}`);
  if (!Number.isSafeInteger(count) || (count as number) < 1 || !Number.isSafeInteger(index) || (index as number) < 1 || (index as number) > (count as number)) {
    throw not('"shard.index" and "shard.count" are not 1 <= I <= N');
  }
  if (typeof run !== 'string') throw not('"shard.run" is not a string');
  const list = command === 'crash-sweep' ? body['reports'] : body['results'];
  if (!Array.isArray(list)) throw not(`no "${command === 'crash-sweep' ? 'reports' : 'results'}" array`);
  if (command !== 'crash-sweep' && (!Number.isSafeInteger(body['first']) || !Number.isSafeInteger(body['total']))) throw not('no "first" and "total" counts');
  return { file: name, shard: { command: command as ShardHeader['command'], index: index as number, count: count as number, run }, body };
}

/** The documents in shard order, after checking that they are the N shards of one run. */
function checkOneRun(docs: Doc[]): Doc[] {
  const first = docs[0]!;
  for (const d of docs) {
    const same = d.shard.command === first.shard.command && d.shard.count === first.shard.count && d.shard.run === first.shard.run;
    if (!same) {
      throw badInput(
        `${d.file} is a shard of another run than ${first.file} (${d.shard.command} shard ${d.shard.index}/${d.shard.count} against ${first.shard.command} shard ${first.shard.index}/${first.shard.count}${d.shard.run === first.shard.run ? '' : ', other options or input files'})`,
      );
    }
  }
  const byIndex = new Map<number, Doc>();
  for (const d of docs) {
    const seen = byIndex.get(d.shard.index);
    if (seen !== undefined) throw badInput(`${seen.file} and ${d.file} are both shard ${d.shard.index} of ${d.shard.count}`);
    byIndex.set(d.shard.index, d);
  }
  const missing = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', …' : '');
    throw badInput(`shard${missing.length === 1 ? '' : 's'} ${shown} of ${first.shard.count} missing (got ${docs.length} of ${first.shard.count})`);
  }
  return [...byIndex.values()].sort((a, b) => a.shard.index - b.shard.index);
}

/** simulate: the shards' results, end to end, after checking that their slices tile the scenarios. */
function mergeScenarios(docs: Doc[]): unknown[] {
  const total = docs[0]!.body['total'] as number;
  const out: unknown[] = [];
  for (const d of docs) {
    if (d.body['first'] !== out.length || d.body['total'] !== total) {
      throw badInput(`${d.file}: shard ${d.shard.index} starts at scenario ${quoteInput(String(d.body['first']))}, expected ${out.length} (the shards do not tile one run)`);
    }
    out.push(...(d.body['results'] as unknown[]));
  }
  if (out.length !== total) throw badInput(`the shards hold ${out.length} results, the run has ${total} scenarios`);
  return out;
}

/** crash-sweep: per scenario, the shards' crash points end to end, and the tallies rebuilt from them. */
function mergeSweeps(docs: Doc[]): Record<string, unknown>[] {
  const lists = docs.map((d) => d.body['reports'] as Record<string, unknown>[]);
  const n = lists[0]!.length;
  const bad = docs.find((_, i) => lists[i]!.length !== n);
  if (bad !== undefined) throw badInput(`${bad.file} holds ${lists[docs.indexOf(bad)]!.length} reports, ${docs[0]!.file} ${n}`);
  return Array.from({ length: n }, (_, r) => {
    const parts = lists.map((l) => l[r]!);
    const outcomes = parts.flatMap((p, i) => {
      if (!Array.isArray(p['outcomes'])) throw badInput(`${docs[i]!.file}: report ${r + 1} has no "outcomes" array`);
      return (p['outcomes'] as Record<string, unknown>[]).map(sweepOutcomeFromJson);
    });
    for (let i = 1; i < outcomes.length; i++) {
      if (!(outcomes[i]!.k > outcomes[i - 1]!.k)) throw badInput(`report ${r + 1}: the shards' crash points overlap or are out of order at k = ${outcomes[i]!.k}`);
    }
    const base = parts[0]!;
    const units = base['units'] as { total: number };
    const derived: Record<string, unknown> = {
      points: outcomes.length,
      sampled_points: outcomes.length === units.total + 1 ? null : outcomes.map((o) => o.k),
      ...tallyToJson(tallyOutcomes(outcomes)),
    };
    // The keys in the order the unsharded report prints them; the shards' own tallies are dropped.
    return Object.fromEntries(Object.keys(base).filter((k) => k !== 'outcomes').map((k) => [k, k in derived ? derived[k] : base[k]]));
  });
}

/** Whether an unsharded simulate would exit 1 for this result. */
function failed(command: ShardHeader['command'], r: unknown): boolean {
  const o = r as Record<string, unknown>;
  if (command === 'simulate') return (o['steps'] as Record<string, unknown>[]).some((s) => s['op'] === 'boot' && s['path'] === 'panic');
  return o['first_panic_generation'] !== null || ((o['counts'] as Record<string, number>)['violations'] ?? 0) > 0;
}
