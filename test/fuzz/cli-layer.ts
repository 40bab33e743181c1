/**
 * Fuzz layer 4: the real, built CLI, spawned as a child process on generated files.
 *
 * The in-process layer (properties.ts `checkCli`) calls `main()` with counting sinks, so it can
 * never see what only a process shows: an uncaught exception printed by Node, a stack trace, an
 * exit code Node chose (e.g. 134 for an out-of-memory abort, 7 for a throw in a handler), a
 * hang. Here every case spawns `node BIN/cli/bin.js …` with a per-case time limit and checks:
 *
 * - the process exits by itself (no signal, no time-out) with 0, 1 or 2;
 * - stderr holds no stack-trace line (`/^\s+at .+:\d+:\d+\)?$/m`) and no `Error:`-style uncaught
 *   report;
 * - exit 0 writes nothing on stderr;
 * - the child's peak resident memory (its own `process.resourceUsage().maxRSS`, written at exit
 *   by a preloaded hook) stays under {@link MAX_RSS_MIB} (or the case's `maxRssMiB`);
 * - where the case says so (the fixed hostile list), exactly the expected exit code.
 *
 * The CLI is compiled ONCE per process into a temp directory (`tsc -p tsconfig.build.json
 * --outDir TMP/dist`, src/format/proto copied beside it, as package.json's build script does),
 * never into dist/ (the package test packs dist/ concurrently). TMP gets a copy of package.json
 * (for `--version` and `"type": "module"`) and a symlink to the repository's node_modules.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { payloadBytes, regionCase, scenarioText, type RegionCase } from './arbitraries.js';
import { largePayloadOf } from './wire-arbitraries.js';
import { regionImage } from './properties.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A stack-trace line as Node prints it (`    at fn (file:1:2)` / `    at file:1:2`). */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;
/** Node's report of an uncaught exception or a fatal V8 error. */
const UNCAUGHT = /^(?:Uncaught |node:internal|\w*Error(?: \[\w+\])?: |FATAL ERROR|<--- Last few GCs --->)/m;

let built: { dir: string; bin: string; hook: string } | undefined;

/** Compiles src/ once into a temp directory and returns the path of its `cli/bin.js`. */
export function builtCli(): string {
  if (built !== undefined) return built.bin;
  const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-cli-fuzz-'));
  const out = join(dir, 'dist');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    // tsc exits non-zero on a type error but still emits (noEmitOnError is off); a missing bin is fatal.
    if (!existsSync(join(out, 'cli', 'bin.js'))) throw new Error(`cli fuzz: tsc did not emit the CLI: ${String((e as { stdout?: Buffer }).stdout ?? e)}`);
  }
  cpSync(join(ROOT, 'src', 'format', 'proto'), join(out, 'format', 'proto'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  // `evolve` reads the shipped schemas from the package's schema/ folder, beside dist/.
  cpSync(join(ROOT, 'schema'), join(dir, 'schema'), { recursive: true });
  // Preloaded into every child: reports its peak RSS (KiB) into the file the parent names. An
  // 'exit' listener runs for a normal end, process.exit() and the quiet EPIPE exit alike.
  writeFileSync(
    join(dir, 'rss-hook.mjs'),
    "import { writeFileSync } from 'node:fs';\n" +
      "const f = process.env.VTL2_FUZZ_RSS_FILE;\n" +
      "if (f) process.on('exit', () => { try { writeFileSync(f, String(process.resourceUsage().maxRSS)); } catch {} });\n",
  );
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  built = { dir, bin: join(out, 'cli', 'bin.js'), hook: join(dir, 'rss-hook.mjs') };
  return built.bin;
}

/** Removes the build and the case files. */
export function cleanupCli(): void {
  if (built !== undefined) rmSync(built.dir, { recursive: true, force: true });
  built = undefined;
}

/** One spawned command: argv (file arguments already absolute), stdin, the exit codes allowed. */
export interface SpawnCase {
  label: string;
  /** Arguments; the one equal to {@link FILE} is replaced by the path of `file`, written just before the spawn. */
  argv: string[];
  file?: string | Uint8Array;
  stdin?: Uint8Array;
  /** Exact exit codes accepted (default 0, 1, 2). */
  expect?: readonly number[];
  /** Per-case limit in ms (default 15 000). */
  timeoutMs?: number;
  /** A file (e.g. /dev/zero) opened as the child's stdin instead of `stdin`. */
  stdinPath?: string;
  /** Close the read end of stdout after this many bytes (what `| head -c N` does). */
  stdoutLimit?: number;
  /** Largest stderr accepted, in bytes (an error message must not repeat a huge input). */
  maxStderr?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Largest peak RSS accepted, in MiB (default {@link MAX_RSS_MIB}). */
  maxRssMiB?: number;
}

export interface SpawnResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdoutBytes: number;
  stderr: string;
  ms: number;
  timedOut: boolean;
  /** The child's peak resident set in KiB, as it reported at exit (undefined if it died first). */
  maxRssKiB: number | undefined;
}

/** The violations of the CLI contract in one result (empty when it holds). */
export function violations(c: SpawnCase, r: SpawnResult): string[] {
  const v: string[] = [];
  const allowed = c.expect ?? [0, 1, 2];
  if (r.timedOut) v.push(`did not finish within ${c.timeoutMs ?? DEFAULT_TIMEOUT} ms`);
  else if (r.status === null) v.push(`killed by ${String(r.signal)}`);
  else if (!allowed.includes(r.status)) v.push(`exit ${r.status}, expected ${allowed.join(' or ')}`);
  if (STACK_LINE.test(r.stderr)) v.push('stack trace on stderr');
  if (UNCAUGHT.test(r.stderr)) v.push('uncaught-exception report on stderr');
  if (r.status === 0 && r.stderr !== '') v.push('exit 0 with output on stderr');
  const rssCap = c.maxRssMiB ?? MAX_RSS_MIB;
  if (r.maxRssKiB !== undefined && r.maxRssKiB > rssCap * 1024) v.push(`peak RSS ${Math.round(r.maxRssKiB / 1024)} MiB (limit ${rssCap} MiB)`);
  if (c.maxStderr !== undefined && Buffer.byteLength(r.stderr) > c.maxStderr) v.push(`stderr of ${Buffer.byteLength(r.stderr)} bytes (limit ${c.maxStderr})`);
  return v;
}

const DEFAULT_TIMEOUT = 15_000;

/**
 * Peak resident memory a CLI run may reach, in MiB: Node itself is ~50 MiB, every input is
 * capped (2 MiB binary, 64 MiB JSON) and output is streamed, so "a few hundred MiB" is the
 * contract. A mutant that holds the million rows of a 2 MiB dump, or `Array.from`s a 50 MB
 * string for a message, goes past it.
 */
export const MAX_RSS_MIB = 400;
let caseDir: string | undefined;
let fileNo = 0;
const STDERR_KEEP = 4000;

function describe(c: SpawnCase, r: SpawnResult, v: string[]): string {
  return `vtl2-persist ${c.argv.join(' ')} [${c.label}]: ${v.join('; ')} (exit ${String(r.status)}, ${r.ms} ms)\nstderr: ${r.stderr.slice(0, STDERR_KEEP)}`;
}

/** Virtual-memory limit of a spawned CLI, in KiB (`ulimit -v`): a runaway allocation aborts the child instead of the machine. */
export const MEMORY_LIMIT_KIB = 3_000_000;

/** The command line that runs the built CLI under the memory limit. */
function command(argv: readonly string[]): [string, string[]] {
  const bin = builtCli();
  return ['/bin/sh', ['-c', `ulimit -v ${MEMORY_LIMIT_KIB}; exec "$0" "$@"`, process.execPath, '--import', pathToFileURL(built!.hook).href, bin, ...argv]];
}

let rssNo = 0;

/** A fresh file for one child's peak-RSS report, and a reader that removes it. */
function rssProbe(): { env: Record<string, string>; read: () => number | undefined } {
  caseDir ??= mkdtempSync(join(tmpdir(), 'vtl2-persist-cli-cases-'));
  const path = join(caseDir, `rss-${process.pid}-${rssNo++}.txt`);
  return {
    env: { VTL2_FUZZ_RSS_FILE: path },
    read: () => {
      if (!existsSync(path)) return undefined;
      const kib = Number(readFileSync(path, 'utf8'));
      rmSync(path, { force: true });
      return Number.isFinite(kib) ? kib : undefined;
    },
  };
}

/** The placeholder argument for the case's file. */
export const FILE = '@FILE';

/** Writes the case's file (if any) and returns the argv with its path; `release` removes it. */
function prepare(c: SpawnCase): { argv: string[]; release: () => void } {
  if (c.file === undefined) return { argv: c.argv, release: () => {} };
  caseDir ??= mkdtempSync(join(tmpdir(), 'vtl2-persist-cli-cases-'));
  const path = join(caseDir, `case-${fileNo++}.in`);
  writeFileSync(path, c.file);
  return { argv: c.argv.map((a) => (a === FILE ? path : a)), release: () => rmSync(path, { force: true }) };
}

/** Spawns one case synchronously (the fast-check property form). */
export function spawnCaseSync(c: SpawnCase): SpawnResult {
  const t0 = Date.now();
  const p = prepare(c);
  const rss = rssProbe();
  const [cmd, args] = command(p.argv);
  const r = spawnSync(cmd, args, {
    input: c.stdin ?? new Uint8Array(0),
    timeout: c.timeoutMs ?? DEFAULT_TIMEOUT,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', ...c.env, ...rss.env },
  });
  p.release();
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  return {
    status: r.status,
    signal: r.signal,
    stdoutBytes: r.stdout?.length ?? 0,
    stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8'),
    ms: Date.now() - t0,
    timedOut,
    maxRssKiB: rss.read(),
  };
}

/** Spawns one case asynchronously (for the pooled CI and long runs); stdout is counted, not kept. */
export function spawnCase(c: SpawnCase): Promise<SpawnResult> {
  return new Promise((done) => {
    const t0 = Date.now();
    const p = prepare(c);
    const rss = rssProbe();
    const [cmd, args] = command(p.argv);
    const stdinFd = c.stdinPath === undefined ? undefined : openSync(c.stdinPath, 'r');
    const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: '1', ...c.env, ...rss.env }, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'] });
    if (stdinFd !== undefined) closeSync(stdinFd);
    let stdoutBytes = 0;
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, c.timeoutMs ?? DEFAULT_TIMEOUT);
    child.stdout!.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (c.stdoutLimit !== undefined && stdoutBytes >= c.stdoutLimit) child.stdout!.destroy();
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += b.toString('utf8');
    });
    if (child.stdin !== null) {
      child.stdin.on('error', () => {}); // the CLI may exit before reading its stdin
      child.stdin.end(c.stdin ?? new Uint8Array(0));
    }
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      p.release();
      done({ status, signal, stdoutBytes, stderr, ms: Date.now() - t0, timedOut, maxRssKiB: rss.read() });
    });
  });
}

/** Throws unless the case meets the CLI contract (the property form). */
export function checkSpawned(c: SpawnCase): SpawnResult {
  const r = spawnCaseSync(c);
  const v = violations(c, r);
  if (v.length > 0) throw new Error(describe(c, r, v));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Generated cases
// ---------------------------------------------------------------------------------------------


/** Removes the case files. */
export function cleanupCases(): void {
  if (caseDir !== undefined) rmSync(caseDir, { recursive: true, force: true });
  caseDir = undefined;
}

/** Largest dense generated payload for the CLI (see wire-arbitraries.ts `largePayloadOf`); the 2 MiB dense rows are in cli-hostile.ts. */
export const CLI_DENSE_MAX = 256 * 1024;

/** What a generated CLI case feeds the command (plain data, so a counterexample prints readably). */
export type CliInput =
  | { k: 'payload'; bytes: Uint8Array; argv: 0 | 1 | 2 | 3 }
  | { k: 'region'; c: RegionCase; argv: 0 | 1 | 2 }
  | { k: 'scenario'; text: string; json: boolean };

/** Generated CLI inputs: hostile payloads (small and up to 2 MiB), region dumps and scenario files. */
export const cliInput: fc.Arbitrary<{ input: CliInput; stdin: boolean }> = fc.record({
  input: fc.oneof(
    { weight: 4, arbitrary: fc.record({ k: fc.constant('payload' as const), bytes: payloadBytes, argv: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3> }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('payload' as const), bytes: largePayloadOf(CLI_DENSE_MAX), argv: fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1> }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('region' as const), c: regionCase, argv: fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2> }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('scenario' as const), text: scenarioText, json: fc.boolean() }) },
  ),
  stdin: fc.boolean(),
});

const PAYLOAD_ARGV: readonly (readonly string[])[] = [['decode'], ['decode', '--json'], ['inspect', '--payload'], ['inspect']];
const REGION_ARGV: readonly (readonly string[])[] = [['inspect', '--region'], ['inspect', '--json'], ['inspect']];

/** The spawned command of a generated input (the file written to disk, or given on stdin with `-`). */
export function toSpawnCase(g: { input: CliInput; stdin: boolean }): SpawnCase {
  const i = g.input;
  const [cmd, data, label]: [readonly string[], Uint8Array | string, string] =
    i.k === 'payload'
      ? [PAYLOAD_ARGV[i.argv]!, i.bytes, `payload of ${i.bytes.length} bytes`]
      : i.k === 'region'
        ? [REGION_ARGV[i.argv]!, regionImage(i.c), 'region dump']
        : [i.json ? ['simulate', '--json'] : ['simulate'], i.text, `scenario text of ${i.text.length} chars`];
  if (g.stdin) return { label: `${label} on stdin`, argv: [...cmd, '-'], stdin: typeof data === 'string' ? Buffer.from(data) : data };
  return { label, argv: [...cmd, FILE], file: data };
}

/** The property form: one generated case, spawned synchronously. */
export const cliSpawnProperty = (): fc.IPropertyWithHooks<[{ input: CliInput; stdin: boolean }]> =>
  fc.property(cliInput, (g) => void checkSpawned(toSpawnCase(g)));

/**
 * Runs `cases` with up to `concurrency` children at once; returns the failures (each with its
 * index in the list, so a generated one is replayed with fc.sample at the same seed).
 */
export async function runPooled(cases: readonly SpawnCase[], concurrency: number): Promise<{ index: number; message: string }[]> {
  const failures: { index: number; message: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index]!;
      const r = await spawnCase(c);
      const v = violations(c, r);
      if (v.length > 0) failures.push({ index, message: describe(c, r, v) });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return failures.sort((a, b) => a.index - b.index);
}

/** `n` generated cases at `seed` (the same list every time: a failure's index replays it). */
export function generatedCases(seed: number, n: number): SpawnCase[] {
  return fc.sample(cliInput, { seed, numRuns: n }).map(toSpawnCase);
}
