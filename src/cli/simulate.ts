/**
 * `vtl2-persist simulate FILE…`: runs scenario files through the scenario
 * runner and prints each step's outcome (or the documented JSON results).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Vtl2PersistError } from '../errors.js';
import { DRIFT_KINDS, generationsReportToJson, runGenerations, type DriftKind, type GenerationsReport } from '../sim/generations.js';
import { runScenario, type ScenarioResult } from '../sim/runner.js';
import { parseScenarioFileText, type Scenario } from '../sim/scenario-file.js';
import { table } from './text.js';

/** Reads a file, or standard input for `-`. */
export function readInput(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8');
}

/** Outcome of running the files: results per scenario, and whether any boot panicked. */
export interface SimulateOutcome {
  results: ScenarioResult[];
  panicked: boolean;
}

/**
 * Parses and runs every scenario of every file, in order.
 * @throws {Vtl2PersistError} `InputError` for a file that is not a valid scenario file.
 */
export function simulateFiles(files: readonly string[]): SimulateOutcome {
  const results: ScenarioResult[] = [];
  for (const file of files) {
    for (const scenario of parseScenarioFileText(readInput(file), file === '-' ? '<stdin>' : file)) results.push(runScenario(scenario));
  }
  const panicked = results.some((r) => r.steps.some((s) => s['path'] === 'panic'));
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

/** Every scenario of every file, in order. @throws {Vtl2PersistError} for an invalid file. */
function readScenarios(files: readonly string[]): Scenario[] {
  return files.flatMap((file) => parseScenarioFileText(readInput(file), file === '-' ? '<stdin>' : file));
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

/** `vtl2-persist simulate --help`. */
export const SIMULATE_USAGE = `Usage: vtl2-persist simulate FILE... [--json]
       vtl2-persist simulate FILE... --generations N [--drift KINDS] [--seed N] [--json]

Runs the scenarios in each FILE (a scenario object, an array of them, or
{"scenarios": [...]}; '-' reads standard input) against one simulated guest
memory per scenario, as shared/spec/scenario-format.md describes, and prints
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
            Run N generations (N >= 1) per scenario, generation 0 included.
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
  --seed N  Seed of the drift (0..4294967295, default 0). The same arguments
            always give the same report.
  -h, --help

With --generations, a progress line goes to stderr if stderr is a terminal.

Exit codes: 0 every boot succeeded (and every invariant held), 1 some boot
would panic in openhcl_boot (or an invariant was violated), 2 a usage error or
an invalid scenario file.`;

/** A non-negative decimal or 0x-hex integer no larger than `max`, else undefined. */
function parseUint(text: string, max: number): number | undefined {
  if (!/^(?:0x[0-9a-f]+|[0-9]+)$/i.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}

/** A failure to read a file (ENOENT, EACCES, EISDIR, …), as Node reports it. */
function isFileError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** Runs `vtl2-persist simulate` with the arguments after `simulate`; returns the exit code. */
export function runSimulate(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream & { isTTY?: boolean } }): number {
  const usage = (message: string) => (io.stderr.write(`vtl2-persist simulate: ${message}\nRun 'vtl2-persist simulate --help' for usage.\n`), 2);
  let values;
  let files: string[];
  try {
    ({ values, positionals: files } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        generations: { type: 'string' },
        drift: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) return void io.stdout.write(`${SIMULATE_USAGE}\n`), 0;
  if (files.length === 0) return usage('simulate needs at least one scenario FILE (or - for stdin)');
  if (values.generations !== undefined || values.drift !== undefined || values.seed !== undefined) {
    if (values.generations === undefined) return usage(`${values.drift !== undefined ? '--drift' : '--seed'} needs --generations N`);
    const generations = parseUint(values.generations, Number.MAX_SAFE_INTEGER);
    if (generations === undefined || generations < 1) return usage(`--generations must be a positive integer (got ${JSON.stringify(values.generations)})`);
    const seed = values.seed === undefined ? 0 : parseUint(values.seed, 0xffff_ffff);
    if (seed === undefined) return usage(`--seed must be an integer from 0 to 4294967295 (got ${JSON.stringify(values.seed)})`);
    const drift = (values.drift ?? '').split(',').map((d) => d.trim()).filter((d) => d !== '');
    const bad = drift.filter((d) => !(DRIFT_KINDS as readonly string[]).includes(d));
    if (bad.length > 0) return usage(`--drift takes a comma list of ${DRIFT_KINDS.join(', ')} (got ${JSON.stringify(values.drift)})`);
    let scenarios: Scenario[];
    try {
      scenarios = readScenarios(files);
    } catch (e) {
      if (e instanceof Vtl2PersistError || isFileError(e)) return usage((e as Error).message);
      throw e;
    }
    const progress = io.stderr.isTTY === true;
    const reports = scenarios.map((scenario) => {
      let last = 0;
      const onProgress = (g: number) => {
        const now = Date.now();
        if (now - last < 100 && g + 1 < generations) return;
        last = now;
        io.stderr.write(`\rsimulate ${scenario.name}: generation ${g + 1}/${generations}`);
      };
      try {
        return runGenerations(scenario, { generations, drift: drift as DriftKind[], seed, ...(progress && { onProgress }) });
      } finally {
        if (progress) io.stderr.write('\r\x1b[K');
      }
    });
    io.stdout.write(values.json ? `${JSON.stringify(reports.map(generationsReportToJson), null, 2)}\n` : `${reports.map(generationsText).join('\n\n')}\n`);
    return reports.some((r) => r.firstPanicGeneration !== null || r.counts.violations > 0) ? 1 : 0;
  }
  try {
    const { results, panicked } = simulateFiles(files);
    io.stdout.write(values.json ? `${JSON.stringify(results, null, 2)}\n` : `${simulateText(results)}\n`);
    return panicked ? 1 : 0;
  } catch (e) {
    // An invalid scenario file or one that cannot be read is the caller's to fix: exit 2.
    if (e instanceof Vtl2PersistError || isFileError(e)) return usage((e as Error).message);
    throw e;
  }
}
