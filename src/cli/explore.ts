/**
 * `vtl2-persist explore INPUT`: writes the offline explorer page, one self-contained HTML file
 * (src/web/page.ts) drawn from the same library results `inspect`, `simulate` and
 * `crash-sweep` print (src/sim/explore-data.ts), with the bundled page script inlined.
 *
 * Exit codes: 0 the page (or, with --json, its data) was written, whatever the boots in it did
 * (showing a panic is the page's job, as with crash-sweep); 2 a usage error or an unreadable or
 * invalid INPUT.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vtl2PersistError } from '../errors.js';
import { exploreData } from '../sim/explore-data.js';
import { bundleExplorer, type EsbuildLike } from '../web/bundle.js';
import type { ExploreData } from '../web/explore-data.js';
import { explorerHtml } from '../web/page.js';
import { SWEEP_GRANULARITIES } from '../sim/crash-model.js';
import { gpaOption, oneOf, onePositional, parseCommandArgs } from './args.js';
import { readExploreInput } from './explore-input.js';
import { badInput, displayName, isFileError, runGuarded, usage, type Io } from './io.js';
import { MAX_INPUT_HELP, MAX_INPUT_OPTION, maxInputOption } from './kit/input.js';
import { OUTPUT_POLICY_HELP, writeFileSafely } from './kit/output-file.js';
import { printJson } from './kit/output.js';

/** `vtl2-persist explore --help`. */
export const EXPLORE_USAGE = `Usage: vtl2-persist explore INPUT [-o PAGE.html [--force]] [--open]
                            [--sweep] [--harden] [--granularity G] [--base GPA]
                            [--payload | --region] [--json]

Writes an explorer page for INPUT: ONE self-contained HTML file (styles,
data and script inlined; it fetches nothing and opens from file://) with five
views:
  Bytes           every byte of the header page and payload coloured by the
                  field it belongs to; hover, focus or click one for its field
                  path, wire type, value and meaning (what 'inspect' says);
                  unknown fields and the byte a decode fails at are marked
  Memory map      the partition's address space per boot (and as the saved
                  state describes it); for a scenario, before vs after
  Decision trail  per boot, the checks openhcl_boot made in order, each passed
                  or failed, ending in the path taken or the panic
  Crash sweep     with --sweep: the outcome of a torn write at every byte of
                  the last save, with the counts 'crash-sweep' reports
  Hardening       with --harden: the same sweep once per hardening variant of
                  'harden' (all HYPOTHETICAL but real), heatmaps side by side

INPUT ('-' for standard input) is told apart by its content: a region dump
(header page first, as 'image' writes it), a bare payload, a SavedState JSON
(shown as the region 'image' would build) or a scenario file (run step by
step; the bytes are the persisted region after its last save).

Options:
  -o, --output FILE  Where to write the page ('-' for standard output).
                     Default: INPUT's file name with its extension replaced
                     by .html, in the current directory (torn-save.json gives
                     torn-save.html); for standard input -o is required.
  --open             Open the written page with the system's opener
                     (xdg-open, open or start). Without one the page is still
                     written and the command says so; it never fails for that.
  --sweep            Add the crash sweep of a scenario's last save (a
                     scenario INPUT only).
  --harden           Add the hardening lab's sweeps of a scenario's last save
                     (a scenario INPUT only), as 'harden' runs them.
  --granularity byte|u64|cacheline|page
                     The store unit of --sweep and --harden (as 'crash-sweep');
                     default byte.
  --base GPA         Guest-physical address of INPUT's first byte (raw bytes,
                     as 'inspect --base'); for a SavedState, where its region
                     image is placed (default: its VTL2_PERSISTED_STATE_HEADER
                     entry's start).
  --payload          INPUT is a bare payload (skip detection), as 'inspect'.
  --region           INPUT is a region dump even without a magic.
  --json             Print the page's data (the ExploreData object) as JSON
                     on standard output instead of writing a page.
${OUTPUT_POLICY_HELP}
${MAX_INPUT_HELP}
  -h, --help

Exit codes: 0 the page was written (whatever the boots in it did), 2 a usage
error or an invalid or unreadable INPUT.`;

/** The default page name for INPUT: its base name, extension replaced by `.html`, in the current directory. */
export function defaultPageName(input: string): string {
  const base = basename(input);
  const dot = base.lastIndexOf('.');
  return `${dot > 0 ? base.slice(0, dot) : base}.html`;
}

let cachedScript: string | undefined;

/**
 * The bundled page script. The built package has it beside the compiled CLI
 * (dist/web/explorer.js, written by scripts/build-web.mjs); run from source (tsx) or from a
 * bare `tsc` build, where it was never bundled, it is bundled here from the entry module with
 * esbuild, a development dependency that is then present.
 * @throws {CliFailure} exit 2 when neither the bundle nor esbuild is there (a broken install).
 */
export function explorerScript(): string {
  if (cachedScript !== undefined) return cachedScript;
  try {
    cachedScript = readFileSync(new URL('../web/explorer.js', import.meta.url), 'utf8');
    return cachedScript;
  } catch (e) {
    if (!isFileError(e) || e.code !== 'ENOENT') throw e;
  }
  const entry = ['main.ts', 'main.js'].map((name) => new URL(`../web/explorer/${name}`, import.meta.url)).find((u) => existsSync(u));
  let esbuild: EsbuildLike | undefined;
  try {
    esbuild = createRequire(import.meta.url)('esbuild') as EsbuildLike;
  } catch {
    esbuild = undefined;
  }
  if (entry === undefined || esbuild === undefined) {
    throw badInput('the explorer page script (dist/web/explorer.js) is missing from this installation; run npm run build');
  }
  cachedScript = bundleExplorer(esbuild, fileURLToPath(entry));
  return cachedScript;
}

/** The command that opens a file with the desktop's default application on `platform`. */
function opener(platform: NodeJS.Platform): { command: string; args: (file: string) => string[] } {
  if (platform === 'darwin') return { command: 'open', args: (f) => [f] };
  if (platform === 'win32') return { command: 'cmd', args: (f) => ['/c', 'start', '""', f] };
  return { command: 'xdg-open', args: (f) => [f] };
}

/** Whether `command` is an executable file in one of PATH's directories. */
function onPath(command: string, path: string | undefined): boolean {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory: try the next.
    }
  }
  return false;
}

/**
 * Starts the opener on `file`, detached (the command does not wait for the browser). A missing
 * opener is reported on stdout and is not a failure: the page is written either way.
 */
function openPage(file: string, io: Io): void {
  const env = io.env ?? process.env;
  const { command, args } = opener(process.platform);
  if (process.platform !== 'win32' && !onPath(command, env['PATH'])) {
    io.stdout.write(`wrote ${displayName(file)}; no '${command}' to open it with: open it in a browser yourself\n`);
    return;
  }
  const child = spawn(command, args(file), { detached: true, stdio: 'ignore', env: env as NodeJS.ProcessEnv });
  // A failure to start (e.g. a race with PATH) must not become an uncaught 'error' event.
  child.on('error', () => undefined);
  child.unref();
}

/** `vtl2-persist explore`: see {@link EXPLORE_USAGE}. */
export function runExplore(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'explore', () => {
    const { values, positionals } = parseCommandArgs(argv, {
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      open: { type: 'boolean' },
      sweep: { type: 'boolean' },
      harden: { type: 'boolean' },
      granularity: { type: 'string' },
      base: { type: 'string' },
      payload: { type: 'boolean' },
      region: { type: 'boolean' },
      json: { type: 'boolean' },
      ...MAX_INPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return void io.stdout.write(`${EXPLORE_USAGE}\n`), 0;
    const input = onePositional(positionals, 'INPUT');
    const granularity = oneOf('--granularity', values.granularity ?? 'byte', SWEEP_GRANULARITIES);
    if (values.granularity !== undefined && !values.sweep && !values.harden) throw usage('--granularity goes with --sweep or --harden');
    if (values.json && (values.output !== undefined || values.open)) throw usage('--json prints the data on standard output; it takes no -o or --open');
    if (values.force && (values.output === undefined || values.output === '-')) throw usage('--force goes with -o FILE');
    if (values.open && values.output === '-') throw usage('--open needs a page file, not -o -');
    if (values.payload && values.region) throw usage('--payload and --region exclude each other');
    const base = values.base === undefined ? undefined : gpaOption('base', values.base);
    const output = values.json ? undefined : values.output ?? (input === '-' ? undefined : defaultPageName(input));
    if (!values.json && output === undefined) throw usage('reading INPUT from standard input: give -o PAGE.html (or -o - for standard output)');

    const source = readExploreInput(input, io, { json: maxInputOption(values['max-input']) });
    for (const flag of ['sweep', 'harden'] as const) {
      if (values[flag] && source.kind !== 'scenario') {
        throw badInput(`--${flag} needs a scenario file: ${displayName(input)} is ${source.kind === 'state' ? 'a SavedState' : 'raw bytes'}, which has no save to tear`);
      }
    }
    if ((values.payload || values.region) && source.kind !== 'bytes') throw usage(`--${values.payload ? 'payload' : 'region'} is for raw bytes; ${displayName(input)} is JSON`);
    if (base !== undefined && source.kind === 'scenario') throw usage('--base is for raw bytes or a SavedState; a scenario places its region itself');
    let data: ExploreData;
    try {
      data = exploreData(source, {
        sweep: values.sweep === true,
        harden: values.harden === true,
        granularity,
        mode: values.payload ? 'payload' : values.region ? 'region' : 'auto',
        ...(base !== undefined && { base }),
      });
    } catch (e) {
      // A state no region can hold, a scenario with no save to sweep: the input's fault, exit 2.
      if (e instanceof Vtl2PersistError) throw badInput(`${displayName(input)}: ${e.message}`);
      throw e;
    }
    if (values.json) return printJson(io.stdout, data), 0;

    const html = explorerHtml(data, explorerScript());
    if (output === '-') return void io.stdout.write(html), 0;
    writeFileSafely(output!, new TextEncoder().encode(html), { force: values.force === true, inputs: [input] });
    if (values.open) openPage(output!, io);
    return 0;
  });
}

