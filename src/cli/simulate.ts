/**
 * `vtl2-persist simulate FILE…`: runs scenario files through the scenario
 * runner and prints each step's outcome (or the documented JSON results).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Vtl2PersistError } from '../errors.js';
import { runScenario, type ScenarioResult } from '../sim/runner.js';
import { parseScenarioFileText } from '../sim/scenario-file.js';
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

/** `vtl2-persist simulate --help`. */
export const SIMULATE_USAGE = `Usage: vtl2-persist simulate FILE... [--json]

Runs the scenarios in each FILE (a scenario object, an array of them, or
{"scenarios": [...]}; '-' reads standard input) against one simulated guest
memory per scenario, as shared/spec/scenario-format.md describes, and prints
each step's outcome: which path each boot took and why, the /openhcl memory
map, what each save wrote, or where openhcl_boot would panic.

Options:
  --json    Print the documented result shape: [{name, steps: [...]}, ...].
  -h, --help

Exit codes: 0 every boot succeeded, 1 some boot would panic in openhcl_boot,
2 a usage error or an invalid scenario file.`;

/** A failure to read a file (ENOENT, EACCES, EISDIR, …), as Node reports it. */
function isFileError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** Runs `vtl2-persist simulate` with the arguments after `simulate`; returns the exit code. */
export function runSimulate(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): number {
  const usage = (message: string) => (io.stderr.write(`vtl2-persist simulate: ${message}\nRun 'vtl2-persist simulate --help' for usage.\n`), 2);
  let values;
  let files: string[];
  try {
    ({ values, positionals: files } = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) return void io.stdout.write(`${SIMULATE_USAGE}\n`), 0;
  if (files.length === 0) return usage('simulate needs at least one scenario FILE (or - for stdin)');
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
