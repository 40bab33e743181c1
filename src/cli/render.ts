/**
 * `vtl2-persist render map|bytes|sweep|harden INPUT`: the explorer's figures as standalone SVG files,
 * drawn by the same code the page uses (src/web/svg/) from the same data (src/sim/explore-data.ts),
 * no browser needed. The docs' figures are made with it (test/docs/figures.ts).
 */
import { Vtl2PersistError } from '../errors.js';
import { quoteInput } from '../format/json-text.js';
import type { ExploreSource } from '../sim/explore-source.js';
import { exploreData, type ExploreOptions } from '../sim/explore-data.js';
import type { ExploreData } from '../sim/explore-types.js';
import { bytesSvg } from '../web/svg/bytes-svg.js';
import { comparisonSvg, mapSvg } from '../web/svg/map-svg.js';
import { hardeningSvg } from '../web/svg/hardening-svg.js';
import { sweepSvg } from '../web/svg/sweep-svg.js';
import type { Theme } from '../web/svg/palette.js';
import { SWEEP_GRANULARITIES } from '../sim/crash-model.js';
import { gpaOption, oneOf, parseCommandArgs, parseUint } from './args.js';
import { readExploreInput } from './explore-input.js';
import { badInput, displayName, runGuarded, usage, type Io } from './io.js';
import { MAX_INPUT_HELP, MAX_INPUT_OPTION, maxInputOption } from './kit/input.js';
import { OUTPUT_POLICY_HELP, writeFileSafely } from './kit/output-file.js';

/** `vtl2-persist render --help`. */
export const RENDER_USAGE = `Usage: vtl2-persist render map|bytes|sweep|harden INPUT [-o FILE.svg [--force]]
                          [--step N] [--granularity G] [--theme light|dark]
                          [--base GPA] [--payload | --region] [--max-bytes N]

Draws one figure of INPUT as a standalone SVG file: the same figures the
explorer page ('vtl2-persist explore') shows, from the same data.

INPUT ('-' for standard input) is a region dump or a bare payload (told apart
as 'inspect' does), a SavedState JSON (encoded into the region image 'image'
builds, placed at its VTL2_PERSISTED_STATE_HEADER entry), or a scenario file
(its first scenario, run as 'simulate' runs it).

Figures:
  map     The memory map, on a segmented axis (gaps shrink to a break mark;
          exact bounds on hover). A dump, payload or state: the map the saved
          state describes. A scenario: the first two successful boots side by
          side with what moved, appeared or vanished (before and after the
          first servicing); with --step N the map of the boot at lifecycle
          step N (numbered from 1, as 'simulate' prints them).
  bytes   The annotated hex view: every byte coloured by the field it belongs
          to, its field path, value and meaning on hover. A scenario: the
          persisted region right after its last save.
  sweep   The crash-sweep heatmap of a scenario's last save: one cell per
          crash point, coloured by the outcome ('crash-sweep' counts them).
  harden  The hardening lab's heatmaps of a scenario's last save, one per
          variant ('harden' counts them; all HYPOTHETICAL but real).

Options:
  -o, --output FILE  Write the SVG to FILE ('-' or no -o: standard output).
${OUTPUT_POLICY_HELP}
  --step N           map of a scenario: the boot at lifecycle step N.
  --granularity byte|u64|cacheline|page
                     sweep, harden: the store unit, as 'crash-sweep' (default byte).
  --theme light|dark Colours (default light).
  --base GPA         GPA of a dump's first byte, as 'inspect --base'; for a
                     state, where its image is placed.
  --payload          INPUT is a bare payload (skip detection).
  --region           INPUT is a region dump (skip detection).
  --max-bytes N      bytes: show up to N bytes (default 65536); the rest is
                     counted, not drawn.
${MAX_INPUT_HELP}
  -h, --help

Exit codes: 0 the figure was written, 2 a usage error, an unreadable or
invalid INPUT, or a figure INPUT has no data for (a sweep of a dump, the map of
a payload that does not decode, a --step that is not a successful boot).`;

const FIGURES = ['map', 'bytes', 'sweep', 'harden'] as const;
type Figure = (typeof FIGURES)[number];

/** The map figure of explored data: a step's boot, the first comparison, the only boot, or the saved map. */
function mapFigure(data: ExploreData, step: number | undefined, theme: Theme, input: string): string {
  if (step !== undefined) {
    if (data.input.kind !== 'scenario') throw usage('--step is for a scenario file');
    const view = data.boots.find((b) => b.step === step - 1);
    if (view === undefined) throw badInput(`${displayName(input)}: lifecycle step ${step} is not a boot step`);
    if (view.map === undefined) throw badInput(`${displayName(input)}: the boot at step ${step} panicked: it built no memory map (${view.verdict.text})`);
    return mapSvg(view.map, { theme });
  }
  if (data.input.kind === 'scenario') {
    const first = data.comparisons[0];
    if (first !== undefined) {
      const before = data.boots[first.from]!.map!;
      const after = data.boots[first.to]!.map!;
      return comparisonSvg(before, after, first.changes, { theme, title: `memory map before and after servicing: ${before.title} → ${after.title}` });
    }
    const only = data.boots.find((b) => b.map !== undefined);
    if (only?.map === undefined) throw badInput(`${displayName(input)}: no boot of the scenario got through: there is no memory map to draw`);
    return mapSvg(only.map, { theme });
  }
  if (data.savedMap === null) throw badInput(`${displayName(input)}: the payload does not decode (see 'vtl2-persist inspect'): there is no saved memory map to draw`);
  return mapSvg(data.savedMap, { theme });
}

/** `vtl2-persist render map|bytes|sweep|harden INPUT [-o FILE.svg]`; returns the exit code. */
export function runRender(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'render', () => {
    const { values, positionals } = parseCommandArgs(argv, {
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      step: { type: 'string' },
      granularity: { type: 'string' },
      theme: { type: 'string' },
      base: { type: 'string' },
      payload: { type: 'boolean' },
      region: { type: 'boolean' },
      'max-bytes': { type: 'string' },
      ...MAX_INPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return void io.stdout.write(`${RENDER_USAGE}\n`), 0;
    const [figureName, input, ...rest] = positionals;
    if (figureName === undefined) throw usage(`missing the figure: ${FIGURES.join(', ')}`);
    if (!(FIGURES as readonly string[]).includes(figureName)) throw usage(`unknown figure ${quoteInput(figureName)}: expected ${FIGURES.join(', ')}`);
    const figure = figureName as Figure;
    if (input === undefined) throw usage('missing INPUT (a file, or - for standard input)');
    if (rest.length > 0) throw usage(`expected one INPUT, got ${rest.length + 1}: ${[input, ...rest].map((p) => quoteInput(p)).join(' ')}`);
    const theme = values.theme ?? 'light';
    if (theme !== 'light' && theme !== 'dark') throw usage(`--theme must be light or dark (got ${quoteInput(theme)})`);
    const granularity = oneOf('--granularity', values.granularity ?? 'byte', SWEEP_GRANULARITIES);
    if (values.granularity !== undefined && figure !== 'sweep' && figure !== 'harden') throw usage('--granularity goes with the sweep and harden figures');
    let step: number | undefined;
    if (values.step !== undefined) {
      if (figure !== 'map') throw usage('--step goes with the map figure');
      step = parseUint(values.step, 1_000_000);
      if (step === undefined || step === 0) throw usage(`--step must be a lifecycle step number from 1 (got ${quoteInput(values.step)})`);
    }
    let maxBytes: number | undefined;
    if (values['max-bytes'] !== undefined) {
      if (figure !== 'bytes') throw usage('--max-bytes goes with the bytes figure');
      maxBytes = parseUint(values['max-bytes'], 1 << 21);
      if (maxBytes === undefined || maxBytes === 0) throw usage(`--max-bytes must be a byte count from 1 to ${1 << 21} (got ${quoteInput(values['max-bytes'])})`);
    }
    if (values.payload && values.region) throw usage('--payload and --region exclude each other');
    if (values.force && (values.output === undefined || values.output === '-')) throw usage('--force goes with -o FILE');
    const base = values.base === undefined ? undefined : gpaOption('base', values.base);

    const source: ExploreSource = readExploreInput(input, io, { json: maxInputOption(values['max-input']) });
    if ((values.payload || values.region) && source.kind !== 'bytes') throw usage(`--${values.payload ? 'payload' : 'region'} is for raw bytes; ${displayName(input)} is JSON`);
    if (base !== undefined && source.kind === 'scenario') throw usage('--base is for raw bytes or a SavedState; a scenario places its region itself');
    if ((figure === 'sweep' || figure === 'harden') && source.kind !== 'scenario') {
      throw badInput(`the ${figure} figure needs a scenario file: ${displayName(input)} is ${source.kind === 'state' ? 'a SavedState' : 'raw bytes'}, which has no save to tear`);
    }
    const options: ExploreOptions = {
      sweep: figure === 'sweep',
      harden: figure === 'harden',
      granularity,
      mode: values.payload ? 'payload' : values.region ? 'region' : 'auto',
      ...(base !== undefined && { base }),
      ...(maxBytes !== undefined && { maxBytes }),
    };
    let data: ExploreData;
    try {
      data = exploreData(source, options);
    } catch (e) {
      // A state no region can hold, a scenario with no save to sweep: the input's fault, exit 2.
      if (e instanceof Vtl2PersistError) throw badInput(`${displayName(input)}: ${e.message}`);
      throw e;
    }
    let svg: string;
    if (figure === 'map') svg = mapFigure(data, step, theme, input);
    else if (figure === 'bytes') {
      if (data.bytes === null) throw badInput(`${displayName(input)}: no bytes to draw`);
      svg = bytesSvg(data.bytes, { theme, title: `${displayName(input)}: ${data.input.detection}` });
    } else if (figure === 'sweep') svg = sweepSvg(data.sweep!, { theme });
    else svg = hardeningSvg(data.hardening!, { theme });
    const out = new TextEncoder().encode(svg);
    if (values.output === undefined || values.output === '-') io.stdout.write(svg);
    else writeFileSafely(values.output, out, { force: values.force === true, inputs: [input] });
    return 0;
  });
}
