/**
 * The code the benchmarks measure: by default the built package (src/ compiled by tsc, as
 * `npm pack` ships it and an installed `vtl2-persist` runs it), else, with
 * `VTL2_BENCH_SUBJECT=src`, the TypeScript sources as tsx runs them. The two differ: tsx's
 * esbuild transform keeps function names by calling `__name` on every closure it creates,
 * which cost the lifecycle 7–20 % in back-to-back runs here (docs/performance.md, "Method").
 *
 * The build is made once per `npm run bench` (into node_modules/.cache, where its imports of
 * protobufjs resolve to the repository's copy), handed to `--repeat` children through
 * `VTL2_BENCH_BUILD`, and removed when the process that made it exits.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** What is measured, for the report. */
export const SUBJECT: 'dist' | 'src' = process.env['VTL2_BENCH_SUBJECT'] === 'src' ? 'src' : 'dist';

/** Compiles src/ into a fresh dir under node_modules/.cache (tsc, as `npm run build` does); returns the dir. */
export function buildDist(): string {
  const cache = join(REPO, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'vtl2-bench-dist-'));
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.build.json'), '--outDir', dir, '--declaration', 'false', '--sourceMap', 'false', '--declarationMap', 'false'], { stdio: 'inherit' });
  cpSync(join(REPO, 'src/format/proto'), join(dir, 'format/proto'), { recursive: true });
  return dir;
}

function sharedBuild(): string {
  const given = process.env['VTL2_BENCH_BUILD'];
  if (given !== undefined) return given;
  const dir = buildDist();
  process.env['VTL2_BENCH_BUILD'] = dir;
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The build measured (its `cli/bin.js` is what bench 6 spawns), or null when the sources are. */
export const BUILD: string | null = SUBJECT === 'dist' ? sharedBuild() : null;

/** `module` (a path under src/, without extension) from the build or the sources. */
async function load<T>(module: string, source: () => Promise<T>): Promise<T> {
  return BUILD === null ? source() : ((await import(pathToFileURL(join(BUILD, `${module}.js`)).href)) as T);
}

/** The modules the benchmarks call into. */
export const decode = await load('format/decode', () => import('../../src/format/decode.js'));
export const encode = await load('format/encode', () => import('../../src/format/encode.js'));
export const boot = await load('boot/boot', () => import('../../src/boot/boot.js'));
export const demo = await load('cli/demo', () => import('../../src/cli/demo.js'));
export const crashSweep = await load('sim/crash-sweep', () => import('../../src/sim/crash-sweep.js'));
export const scenarioFile = await load('sim/scenario-file', () => import('../../src/sim/scenario-file.js'));
export const runner = await load('sim/runner', () => import('../../src/sim/runner.js'));
