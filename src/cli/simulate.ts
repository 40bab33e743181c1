/**
 * `vtl2-persist simulate FILE…`: runs scenario files through the scenario
 * runner and prints each step's outcome (or the documented JSON results).
 */
import { readFileSync } from 'node:fs';
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
        `     pool: ${pools}; sidecar: ${String(s['sidecar_action'])}`,
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
