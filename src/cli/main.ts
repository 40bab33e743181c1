/**
 * src/cli — the `vtl2-persist` command: a thin layer over the library. Each
 * command parses its own arguments (node:util parseArgs) and returns its exit
 * code: 0 success, 1 a failed check or an emulated boot-shim panic, 2 a usage
 * error or an unreadable/invalid input.
 */
import { runEncode, runDecode, runImage } from './codec-commands.js';
import { runCompat } from './compat.js';
import { runCrashSweep } from './crash-sweep.js';
import { runDemoCommand } from './demo.js';
import { runInspect } from './inspect.js';
import { runSimulate } from './simulate.js';

/** The streams a command writes to. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Every command, with the one line the top-level help shows for it. */
const COMMANDS: Record<string, { run: (argv: readonly string[], io: Io) => number; summary: string }> = {
  demo: { run: runDemoCommand, summary: 'Service one simulated VM once and show what carried over.' },
  simulate: { run: runSimulate, summary: 'Run servicing scenario files through the emulated boot shim.' },
  inspect: { run: runInspect, summary: 'Explain a persisted-state region dump or payload: header, topology, raw wire view.' },
  encode: { run: runEncode, summary: 'Encode a SavedState JSON file into payload bytes.' },
  decode: { run: runDecode, summary: 'Decode payload bytes into canonical SavedState JSON.' },
  image: { run: runImage, summary: 'Build a full persisted-region image (header page + payload region).' },
  compat: { run: runCompat, summary: 'Payload schema v1/v2/v3 writer x reader compatibility table.' },
  'crash-sweep': { run: runCrashSweep, summary: 'Stop a servicing save after every store and classify the next boot.' },
};

/** The top-level usage text. */
export const USAGE = `Usage: vtl2-persist <command> [options]

Emulates OpenHCL's persisted-state handoff: the OHCLPHDR header and the
mesh_protobuf SavedState payload in simulated VTL2 memory, and what
openhcl_boot does with them.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run 'vtl2-persist <command> --help' for a command's options. Every command that
reports takes --json; FILE arguments take - for standard input.

Exit codes: 0 success, 1 a failed check or an emulated openhcl_boot panic,
2 a usage error or an invalid input file.`;

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') return void out.write(`${USAGE}\n`), 0;
  if (command === undefined) return void err.write(`${USAGE}\n`), 2;
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (entry === undefined) {
    err.write(`vtl2-persist: unknown command ${JSON.stringify(command)}\nRun 'vtl2-persist --help' for usage.\n`);
    return 2;
  }
  return entry.run(rest, { stdout: out, stderr: err });
}
