/**
 * The figures in docs/figures/ that `vtl2-persist render` draws: each is the output of one
 * `render` command line on an example file, so a figure in the docs is exactly what a user gets
 * from the command shown under it. test/docs/figures.test.ts regenerates each one and fails when
 * a committed copy is stale.
 *
 * Run `npx tsx test/docs/figures.ts` from the repository root to rewrite them.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Io } from '../../src/cli/io.js';
import { runRender } from '../../src/cli/render.js';

/** One generated figure: its file under docs/figures/ and the `render` arguments that draw it. */
export interface Figure {
  /** File name under docs/figures/. */
  file: string;
  /** The arguments after `vtl2-persist render` (INPUT paths relative to the repository root). */
  args: string[];
}

/** Every figure `render` draws for the docs. */
export const FIGURES: readonly Figure[] = [
  // docs/servicing-walkthrough.md, README.md: the address space before and after one servicing.
  { file: 'servicing-map.svg', args: ['map', 'docs/examples/torn-save.json'] },
  // docs/memory-layout.md: a fresh boot's whole address space, TiB-scale gaps included.
  { file: 'fresh-boot-map.svg', args: ['map', 'docs/examples/torn-save.json', '--step', '1'] },
  // docs/servicing-walkthrough.md: the region after the torn save (stale header over a shorter payload).
  { file: 'torn-save-bytes.svg', args: ['bytes', 'docs/examples/torn-save.json'] },
  // docs/header-layout.md: the example state's region image, byte by byte.
  { file: 'example-region-bytes.svg', args: ['bytes', 'docs/examples/state.json'] },
  // docs/robustness.md: the crash sweep of the torn-save scenario's last save.
  { file: 'torn-save-sweep.svg', args: ['sweep', 'docs/examples/torn-save.json'] },
  // docs/hardening.md: the same save swept with every hardening variant, at 8-byte stores.
  { file: 'torn-save-harden.svg', args: ['harden', 'docs/examples/torn-save.json', '--granularity', 'u64'] },
];

/** The figure as `vtl2-persist render ARGS` writes it to standard output (run from the repository root). */
export function renderFigure(f: Figure): string {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { stdout: { write: (s) => out.push(String(s)) }, stderr: { write: (s) => err.push(String(s)) } };
  const code = runRender(f.args, io);
  if (code !== 0) throw new Error(`render ${f.args.join(' ')} exited ${code}: ${err.join('')}`);
  return out.join('');
}

/** Where a figure is committed. */
export function figureUrl(f: Figure): URL {
  return new URL(`../../docs/figures/${f.file}`, import.meta.url);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.chdir(fileURLToPath(new URL('../../', import.meta.url)));
  for (const f of FIGURES) {
    writeFileSync(figureUrl(f), renderFigure(f));
    console.log(`docs/figures/${f.file}: vtl2-persist render ${f.args.join(' ')}`);
  }
}
