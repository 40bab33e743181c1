/**
 * src/cli — the `vtl2-persist` command: a thin layer over the library that
 * parses arguments (node:util parseArgs), runs one command and maps outcomes to
 * exit codes: 0 success, 1 a failed check or an emulated boot-shim panic, 2 a usage error.
 */
import { parseArgs } from 'node:util';
import { Vtl2PersistError } from '../errors.js';
import { demoJson, demoText, runDemo, verdict } from './demo.js';
import { simulateFiles, simulateText } from './simulate.js';

const USAGE = `Usage: vtl2-persist <command> [options]

Emulates OpenHCL's persisted-state handoff: the OHCLPHDR header and the
mesh_protobuf SavedState payload in simulated VTL2 memory.

Commands:
  demo      Service one simulated VM once (fresh boot, save, restore) and
            show the memory maps, the header field by field, what carried
            over, and the verdict.
  simulate  Run servicing scenario files (boot, save, corrupt, boot, ...)
            through the emulated boot shim and print each step's outcome.

Options:
  --json    Machine-readable output (JSON on stdout).
  -h, --help
            Show this help (also: vtl2-persist <command> --help).

Exit codes: 0 success, 1 a failed check or an emulated openhcl_boot panic,
2 a usage error or an invalid input file.`;

const DEMO_USAGE = `Usage: vtl2-persist demo [--json]

Services one simulated VM once and shows what happens: x86, 2 NUMA nodes,
8 VPs, Host allocation mode, the release heuristic private pool. The first
boot finds no persisted header and builds the topology from the host;
usermode's servicing save writes the payload and then the 32-byte header; the
next boot finds the magic and restores the topology from them. Prints the VTL2
memory map after each boot, the header field by field, the payload against its
region, what carried over, and a verdict. Exits 1 if the restore does not
reproduce the first boot's memory map, pool, MMIO and persisted span.

Options:
  --json    Print {first_boot, save, restore, carried_over, verdict}.
  -h, --help`;

const SIMULATE_USAGE = `Usage: vtl2-persist simulate FILE... [--json]

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

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export function main(argv: readonly string[], out = process.stdout, err = process.stderr): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    err.write(`vtl2-persist: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (command === undefined) {
    (parsed.values.help ? out : err).write(`${USAGE}\n`);
    return parsed.values.help ? 0 : 2;
  }
  switch (command) {
    case 'demo': {
      if (parsed.values.help) return void out.write(`${DEMO_USAGE}\n`), 0;
      if (rest.length > 0) return usageError(err, `demo takes no arguments (got ${rest.join(' ')})`);
      const result = runDemo();
      out.write(parsed.values.json ? `${JSON.stringify(demoJson(result), null, 2)}\n` : `${demoText(result)}\n`);
      return verdict(result).ok ? 0 : 1;
    }
    case 'simulate': {
      if (parsed.values.help) return void out.write(`${SIMULATE_USAGE}\n`), 0;
      if (rest.length === 0) return usageError(err, 'simulate needs at least one scenario FILE (or - for stdin)');
      try {
        const { results, panicked } = simulateFiles(rest);
        out.write(parsed.values.json ? `${JSON.stringify(results, null, 2)}\n` : `${simulateText(results)}\n`);
        return panicked ? 1 : 0;
      } catch (e) {
        // An invalid scenario file or one that cannot be read is the caller's to fix: exit 2.
        if (e instanceof Vtl2PersistError || isFileError(e)) return usageError(err, (e as Error).message);
        throw e;
      }
    }
    case 'help':
      out.write(`${USAGE}\n`);
      return 0;
    default:
      return usageError(err, `unknown command ${JSON.stringify(command)}`);
  }
}

/** A failure to read a file (ENOENT, EACCES, EISDIR, …), as Node reports it. */
function isFileError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

function usageError(err: NodeJS.WritableStream, message: string): number {
  err.write(`vtl2-persist: ${message}\nRun 'vtl2-persist --help' for usage.\n`);
  return 2;
}
