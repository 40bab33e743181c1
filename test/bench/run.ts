/**
 * `npm run bench`: the figures of docs/performance.md. Never part of
 * `npm test` (vitest only runs `test/**\/*.test.ts`) and never gates on
 * wall-clock time: the exit code is 0 whether or not a target is met.
 *
 *   1. decode of a maximum-size payload vs protobufjs's pbjs static module (codec.ts)
 *   2. encode of the same payload, same baseline (codec.ts)
 *   3. demo lifecycle (fresh boot → save → restore) vs 50,000/s; 3b the same with
 *      scenario JSON in and result JSON out, vs the Rust harness's 2,700/s (lifecycle.ts)
 *   4. byte-granularity crash sweep: cost per torn state vs a plain boot (lifecycle.ts)
 *   5. 240 TiB partition / 64 GiB VTL2 lifecycle: peak RSS of a child vs 64 MiB (scale.ts)
 *   6. crash-sweep --jobs 2 vs --jobs 1, as a user runs it (jobs.ts, jobs-cli.ts)
 *
 * Every same-run ratio is interleaved (interleave.ts): short alternating
 * windows of ours and the baseline, a ratio per pair, the median reported
 * with its quartiles and extremes.
 *
 * Usage: npm run bench [-- --json] [-- --pairs N] [-- --window-ms N] [-- --only 1,2,...]
 *                      [-- --repeat K]
 * `--repeat K` runs the whole suite K times, each in a fresh process (so
 * that each run's JIT and GC history is its own), prints each run's table,
 * then every figure's spread across the runs.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { codecBenches } from './codec.js';
import { hostSpeedCheckMs, type BenchRow } from './common.js';
import { quantile } from './interleave.js';
import { jobsBench } from './jobs.js';
import { lifecycleBenches, sweepBenches } from './lifecycle.js';
import { scaleBench } from './scale.js';
import { SUBJECT } from './subject.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    pairs: { type: 'string', default: '30' },
    'window-ms': { type: 'string', default: '25' },
    only: { type: 'string' },
    repeat: { type: 'string', default: '1' },
  },
});
const positive = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return n;
};
const pairs = positive('pairs', values.pairs);
const windowMs = positive('window-ms', values['window-ms']);
const repeat = positive('repeat', values.repeat);

interface RunReport {
  machine: Record<string, unknown>;
  rows: BenchRow[];
}

if (repeat > 1) {
  const self = fileURLToPath(import.meta.url);
  // Children inherit VTL2_BENCH_BUILD (./subject.ts), so the build is made once.
  const childArgs = ['--import', 'tsx', self, '--json', '--pairs', String(pairs), '--window-ms', String(windowMs), ...(values.only ? ['--only', values.only] : [])];
  const runs: RunReport[] = [];
  for (let i = 0; i < repeat; i++) {
    const out = execFileSync(process.execPath, childArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    const run = JSON.parse(out) as RunReport;
    runs.push(run);
    if (!values.json) {
      console.log(`\n=== run ${i + 1} of ${repeat} ===`);
      printTable(run);
    }
  }
  const across = acrossRuns(runs);
  if (values.json) console.log(JSON.stringify({ runs, across }, null, 2));
  else printAcross(across, repeat);
} else {
  const run = await runOnce();
  if (values.json) console.log(JSON.stringify(run, null, 2));
  else printTable(run);
}

async function runOnce(): Promise<RunReport> {
  const only = values.only === undefined ? undefined : new Set(values.only.split(',').map((s) => s.trim()));
  const want = (n: string) => only === undefined || only.has(n);
  const method = { pairs, windowMs };
  const speedBefore = hostSpeedCheckMs();
  const rows: BenchRow[] = [];
  if (want('1') || want('2')) rows.push(...(await codecBenches(method)).filter((_, i) => want(String(i + 1))));
  if (want('3')) rows.push(...lifecycleBenches(method));
  if (want('4')) rows.push(...sweepBenches(method));
  if (want('5')) rows.push(scaleBench());
  if (want('6')) rows.push(jobsBench());
  const speedAfter = hostSpeedCheckMs();
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    pairs,
    window_ms: windowMs,
    subject: SUBJECT === 'dist' ? 'the built package (tsc output, as installed)' : 'the TypeScript sources under tsx',
    // The same fixed workload before and after (see hostSpeedCheckMs); lower is faster.
    host_speed_check_ms: { before: Number(speedBefore.toFixed(1)), after: Number(speedAfter.toFixed(1)) },
  };
  return { machine, rows };
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3);
}

function spreadText(r: BenchRow): string {
  const s = r.spread;
  if (s === undefined) return '-';
  const f = s.of === 'ratio' ? (x: number) => `${x.toFixed(2)}x` : fmt;
  return `${s.of} IQR ${f(s.q1)}–${f(s.q3)}, min–max ${f(s.min)}–${f(s.max)}, ${s.n} ${s.over}`;
}

function printTable(run: RunReport): void {
  const m = run.machine as { node: string; cpus: number; cpu_model: string; pairs: number; window_ms: number; subject: string; host_speed_check_ms: { before: number; after: number } };
  const head = ['benchmark', 'unit', 'ours', 'baseline', 'ratio', 'target', 'spread'];
  const body = run.rows.map((r) => [r.name, r.unit, fmt(r.ours), fmt(r.baseline), `${r.ratio.toFixed(2)}x`, r.target === undefined ? '-' : `${r.target} ${r.met ? 'MET' : 'NOT MET'}`, spreadText(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(`node ${m.node}, ${m.cpus} CPUs (${m.cpu_model}); interleaved: ${m.pairs} pairs of ${m.window_ms} ms windows`);
  console.log(`measured: ${m.subject} (VTL2_BENCH_SUBJECT=src measures the sources)`);
  console.log(`host speed check (fixed workload, lower is faster): ${m.host_speed_check_ms.before} ms before, ${m.host_speed_check_ms.after} ms after\n`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log('\nbaselines:');
  for (const r of run.rows) console.log(`  ${r.id}: ${r.baselineName}; ratio = ${r.ratioMeaning}`);
  for (const r of run.rows) if (r.extra) console.log(`${r.id}: ${JSON.stringify(r.extra)}`);
}

/** Per figure across runs: each run's ratio, their median and range, and in how many runs the target was met. */
interface Across {
  id: string;
  name: string;
  target?: string;
  ratios: number[];
  median: number;
  min: number;
  max: number;
  met_runs?: number;
}

function acrossRuns(runs: RunReport[]): Across[] {
  const ids = runs[0]?.rows.map((r) => r.id) ?? [];
  return ids.map((id) => {
    const rows = runs.map((run) => run.rows.find((r) => r.id === id)!);
    const ratios = rows.map((r) => r.ratio);
    const sorted = ratios.slice().sort((a, b) => a - b);
    const first = rows[0]!;
    return {
      id,
      name: first.name,
      target: first.target,
      ratios,
      median: quantile(sorted, 0.5),
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
      met_runs: first.target === undefined ? undefined : rows.filter((r) => r.met).length,
    };
  });
}

function printAcross(across: Across[], repeat: number): void {
  console.log(`\n=== across ${repeat} runs (each ratio is that run's median) ===`);
  for (const a of across) {
    const met = a.met_runs === undefined ? '' : `  ${a.target}: MET in ${a.met_runs} of ${repeat}`;
    console.log(`${a.name}: median ${a.median.toFixed(2)}x, range ${a.min.toFixed(2)}–${a.max.toFixed(2)}x [${a.ratios.map((r) => r.toFixed(2)).join(', ')}]${met}`);
  }
}
