/**
 * src/cli — the `vtl2-persist` command: a thin layer over the library. Each
 * command parses its own arguments (src/cli/args.ts) and returns its exit
 * code: 0 success, 1 a failed check or an emulated boot-shim panic, 2 a usage
 * error or an unreadable/invalid input. Messages follow one shape,
 * `vtl2-persist COMMAND: MESSAGE` on stderr (src/cli/io.ts).
 */
import { readFileSync } from 'node:fs';
import { quoteInput } from '../format/json-text.js';
import { runEncode, runDecode, runImage } from './codec-commands.js';
import { runCompat } from './compat.js';
import { runCrashSweep } from './crash-sweep.js';
import { runDemoCommand } from './demo.js';
import { runEvolve } from './evolve.js';
import { runExplore } from './explore.js';
import { runHarden } from './harden.js';
import { runInspect } from './inspect.js';
import { fileErrorReason, isFileError, type Io } from './io.js';
import { OutputClosed } from './kit/output.js';
import { runRender } from './render.js';
import { runMerge } from './merge.js';
import { runSimulate } from './simulate.js';

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
  merge: { run: runMerge, summary: 'Join the --shard I/N --json documents of one campaign into its whole result.' },
  evolve: { run: runEvolve, summary: 'Check a proposed saved-state schema against every shipped reader.' },
  harden: { run: runHarden, summary: 'Sweep hypothetical format hardenings against torn saves and old readers.' },
  explore: { run: runExplore, summary: 'Write an offline HTML explorer page: bytes, memory map, decision trail, sweep.' },
  render: { run: runRender, summary: 'Draw a figure (memory map, annotated bytes, crash sweep) as an SVG file.' },
};

/** The top-level usage text. */
export const USAGE = `Usage: vtl2-persist <command> [options]
       vtl2-persist help [COMMAND]
       vtl2-persist --version

Emulates OpenHCL's persisted-state handoff: the OHCLPHDR header and the
mesh_protobuf SavedState payload in simulated VTL2 memory, and what
openhcl_boot does with them.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run 'vtl2-persist help COMMAND' (or 'vtl2-persist COMMAND --help') for a
command's options; 'vtl2-persist --version' (-V) prints the version. Every
command that reports takes --json; FILE arguments take - for standard input.

Exit codes: 0 success, 1 a failed check or an emulated openhcl_boot panic,
2 a usage error or an invalid input file.`;

/**
 * The package's version, read from package.json at run time. The path is relative to this
 * module, and package.json sits two levels up from both src/cli/main.ts (under tsx) and
 * dist/cli/main.js (after `npm run build`), so one lookup serves both.
 */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('package.json has no "version" string');
  return version;
}

/**
 * Runs the CLI with `argv` (without node and script); returns the exit code. A reader of
 * stdout that went away (EPIPE, {@link OutputClosed} from src/cli/kit/output.ts) ends the
 * command quietly with exit 0, as `cat` and `head` do.
 */
export function main(argv: readonly string[], out: Io['stdout'] = process.stdout, err: Io['stderr'] = process.stderr): number {
  try {
    return dispatch(argv, out, err);
  } catch (e) {
    if (e instanceof OutputClosed) return 0;
    throw e;
  }
}

/** Runs the command `argv` names. */
function dispatch(argv: readonly string[], out: Io['stdout'], err: Io['stderr']): number {
  const io: Io = { stdout: out, stderr: err };
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') return void out.write(`${USAGE}\n`), 0;
  if (command === '--version' || command === '-V') {
    try {
      return void out.write(`vtl2-persist ${packageVersion()}\n`), 0;
    } catch (e) {
      const reason = isFileError(e) ? fileErrorReason(e) : 'it is not valid';
      return void err.write(`vtl2-persist: cannot read package.json: ${reason}\n`), 2;
    }
  }
  if (command === 'help') {
    if (rest.length === 0) return void out.write(`${USAGE}\n`), 0;
    if (rest.length > 1) return void err.write(`vtl2-persist help: takes at most one COMMAND (got ${rest.length})\nRun 'vtl2-persist --help' for usage.\n`), 2;
    return lookup(rest[0]!, io)?.(['--help'], io) ?? 2;
  }
  if (command === undefined) return void err.write(`${USAGE}\n`), 2;
  return lookup(command, io)?.(rest, io) ?? 2;
}

/** The command's entry point, or undefined after reporting an unknown command. */
function lookup(command: string, io: Io): ((argv: readonly string[], io: Io) => number) | undefined {
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (entry === undefined) io.stderr.write(`vtl2-persist: unknown command ${quoteInput(command)}\nRun 'vtl2-persist --help' for usage.\n`);
  return entry?.run;
}
