/**
 * `npm run coverage:cli [-- TEST_PATH… ] [--keep]`: line, branch and function coverage of src/cli as
 * the end-to-end tests exercise it. A report, not a gate: it exits non-zero only when the tests
 * fail (or the tooling itself breaks), never because a figure is low.
 *
 * Why a script: the e2e tests run the CLI as a separate node process (`node --import tsx
 * src/cli/bin.ts …` in test/support/cli.ts; the built JS in the fuzz layer), which in-process
 * coverage cannot see. Node writes V8 coverage for every process started with NODE_V8_COVERAGE
 * set, children inherit it, and each file records the source maps of what it ran (tsx's inline
 * maps, tsc's .js.map files), so c8 can fold every process back onto src/**.ts.
 *
 * Nothing is built: test/cli spawns src/cli/bin.ts through tsx (whose maps Node records), and the
 * fuzz layer (test/fuzz/cli.test.ts, pass it as a TEST_PATH) compiles its own temp copy with
 * tsconfig.build.json, which inherits `sourceMap: true`; compiled JS anywhere (that copy, dist/)
 * is mapped back through its .js.map. Building into dist/ here would only race with the package
 * test, whose `npm pack` empties dist/ first.
 *
 * Steps:
 * 1. `vitest run TEST_PATH…` (default test/cli) with NODE_V8_COVERAGE set, under
 *    test/coverage/vitest.config.ts so the tests' in-process runs are counted too;
 * 2. keep only the coverage of scripts in, or mapped back to, src/ (the raw files also hold
 *    node:internal, vitest and npm, hundreds of MB over a run);
 * 3. `c8 report`: a per-file table of src/cli (files no test loaded are listed at 0) with its
 *    total, then the total over all of src/ that those tests reached.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC_PREFIX = join(ROOT, 'src') + '/';
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const C8 = join(ROOT, 'node_modules', 'c8', 'bin', 'c8.js');

/** One V8 script coverage entry (only the fields this script reads). */
interface ScriptCoverage {
  url: string;
}
/** One entry of the source-map cache Node writes beside the coverage. */
interface SourceMapEntry {
  data?: { sources?: string[]; sourceRoot?: string } | null;
}
/** One NODE_V8_COVERAGE output file. */
interface ProcessCoverage {
  result: ScriptCoverage[];
  'source-map-cache'?: Record<string, SourceMapEntry>;
}

/** Runs a command from the repository root with inherited stdio; returns its exit status. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.error !== undefined) throw r.error;
  return r.status ?? 1;
}

/** The URL without `?query` / `#hash`: c8 looks source maps up by the bare file URL. */
function bareUrl(url: string): string {
  return url.replace(/[?#].*$/, '');
}

/** Whether a script is in src/, or was compiled from a file there (dist/ or a temp build). */
function fromSrc(url: string, map: SourceMapEntry | undefined): boolean {
  if (!url.startsWith('file://')) return false;
  const path = fileURLToPath(url);
  if (path.startsWith(SRC_PREFIX)) return true;
  const sources = map?.data?.sources ?? [];
  const root = map?.data?.sourceRoot ?? '';
  return sources.some((s) => {
    const abs = s.startsWith('file://') ? fileURLToPath(s) : resolve(dirname(path), root, s);
    return abs.startsWith(SRC_PREFIX);
  });
}

/** Copies the src-related part of every raw coverage file into `out`; returns how many processes reached src/. */
function filterCoverage(raw: string, out: string): { files: number; kept: number } {
  let files = 0;
  let kept = 0;
  for (const name of readdirSync(raw)) {
    if (!name.endsWith('.json')) continue;
    files++;
    let cov: ProcessCoverage;
    try {
      cov = JSON.parse(readFileSync(join(raw, name), 'utf8')) as ProcessCoverage;
    } catch {
      continue; // a child killed mid-write (a time-out test) leaves a truncated file
    }
    const maps: Record<string, SourceMapEntry> = {};
    for (const [url, entry] of Object.entries(cov['source-map-cache'] ?? {})) maps[bareUrl(url)] = entry;
    const result = cov.result
      .map((s) => ({ ...s, url: bareUrl(s.url) }))
      .filter((s) => fromSrc(s.url, maps[s.url]));
    if (result.length === 0) continue;
    const cache = Object.fromEntries(result.filter((s) => maps[s.url] !== undefined).map((s) => [s.url, maps[s.url]]));
    writeFileSync(join(out, name), JSON.stringify({ result, 'source-map-cache': cache }));
    kept++;
  }
  return { files, kept };
}

/** `c8 report` over the filtered coverage, remapped to src/ before `include` is applied. */
function c8Report(temp: string, reportDir: string, include: string, reporters: string[], all: string | undefined): number {
  const args = [C8, 'report', '--temp-directory', temp, '--reports-dir', reportDir, '--exclude-after-remap', '--include', include];
  if (all !== undefined) args.push('--all', '--src', all);
  for (const r of reporters) args.push('--reporter', r);
  return run(process.execPath, args);
}

function main(): number {
  const argv = process.argv.slice(2);
  const keep = argv.includes('--keep');
  const tests = argv.filter((a) => a !== '--keep');
  if (tests.length === 0) tests.push('test/cli');

  const tmp = mkdtempSync(join(tmpdir(), 'vtl2-persist-cli-coverage-'));
  const raw = join(tmp, 'raw');
  const filtered = join(tmp, 'src');
  mkdirSync(raw);
  mkdirSync(filtered);
  try {
    console.log(`coverage:cli: vitest run ${tests.join(' ')} (NODE_V8_COVERAGE=${raw})`);
    const testStatus = run(process.execPath, [VITEST, 'run', '--config', 'test/coverage/vitest.config.ts', ...tests], {
      ...process.env,
      NODE_V8_COVERAGE: raw,
    });

    const { files, kept } = filterCoverage(raw, filtered);
    console.log(`\ncoverage:cli: ${files} process coverage files, ${kept} of them ran code from src/`);
    console.log('\nsrc/cli, per file (spawned CLI runs + the tests\' in-process runs):');
    const a = c8Report(filtered, join(tmp, 'report-cli'), 'src/cli/**', ['text', 'text-summary'], 'src/cli');
    console.log('\nall of src/ reached by these tests (spawned + in-process):');
    const b = c8Report(filtered, join(tmp, 'report-src'), 'src/**', ['text-summary'], undefined);
    if (a !== 0 || b !== 0) {
      console.error('coverage:cli: c8 report failed');
      return testStatus !== 0 ? testStatus : 1;
    }
    if (testStatus !== 0) console.error(`\ncoverage:cli: the tests failed (exit ${testStatus}); the figures above are from a failing run`);
    return testStatus;
  } finally {
    if (keep) console.log(`coverage:cli: raw and filtered coverage kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main();
