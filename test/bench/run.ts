/**
 * `npm run bench`: the five figures of docs/performance.md, each reported
 * against a baseline measured in (or fixed for) the same run, plus the
 * absolute number. Never part of `npm test` (vitest only runs
 * `test/**\/*.test.ts`) and never gates on wall-clock time: the exit code is 0
 * whether or not a target is met.
 *
 *   1. decode of a maximum-size payload vs protobufjs's pbjs static module (codec.ts)
 *   2. encode of the same payload, same baseline (codec.ts)
 *   3. demo lifecycle (fresh boot → save → restore) per second vs 10,000/s, and 3b the same
 *      including the scenario JSON parse, vs 3 (lifecycle.ts)
 *   4. byte-granularity crash sweep: ms per 1,000 torn states vs plain boots (lifecycle.ts)
 *   5. 1 TiB partition / 4 GiB VTL2 lifecycle: peak RSS of a child vs 64 MiB (scale.ts)
 *
 * Usage: npm run bench [-- --json] [-- --seconds N] [-- --only 1,2,...]
 * `--seconds` is the timing budget of each measurement (default 1).
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { codecBenches } from './codec.js';
import { hostSpeedCheckMs, type BenchRow } from './common.js';
import { lifecycleBenches, sweepBenches } from './lifecycle.js';
import { scaleBench } from './scale.js';

const { values } = parseArgs({
  options: { json: { type: 'boolean' }, seconds: { type: 'string', default: '1' }, only: { type: 'string' } },
});
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
const budgetMs = seconds * 1000;
const only = values.only === undefined ? undefined : new Set(values.only.split(',').map((s) => s.trim()));
const want = (n: string) => only === undefined || only.has(n);

const speedBefore = hostSpeedCheckMs();
const rows: BenchRow[] = [];
if (want('1') || want('2')) rows.push(...(await codecBenches(budgetMs)).filter((_, i) => want(String(i + 1))));
if (want('3')) rows.push(...lifecycleBenches(budgetMs));
if (want('4')) rows.push(...sweepBenches(budgetMs));
if (want('5')) rows.push(scaleBench());

const speedAfter = hostSpeedCheckMs();
const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu_model: cpus()[0]?.model ?? 'unknown',
  platform: `${process.platform}-${process.arch}`,
  seconds_per_measurement: seconds,
  // The same fixed workload before and after (see hostSpeedCheckMs); lower is faster.
  host_speed_check_ms: { before: Number(speedBefore.toFixed(1)), after: Number(speedAfter.toFixed(1)) },
};

if (values.json) {
  console.log(JSON.stringify({ machine, rows }, null, 2));
} else {
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
  const head = ['benchmark', 'unit', 'ours', 'baseline', 'ratio', 'target'];
  const body = rows.map((r) => [r.name, r.unit, fmt(r.ours), fmt(r.baseline), `${r.ratio.toFixed(2)}x`, r.target === undefined ? '-' : `${r.target} ${r.met ? 'MET' : 'NOT MET'}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(`node ${machine.node}, ${machine.cpus} CPUs (${machine.cpu_model}), ${seconds}s per measurement`);
  console.log(
    `host speed check (fixed workload, lower is faster): ${machine.host_speed_check_ms.before} ms before, ${machine.host_speed_check_ms.after} ms after\n`,
  );
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
  console.log('\nbaselines:');
  for (const r of rows) console.log(`  ${r.id}: ${r.baselineName}; ratio = ${r.ratioMeaning}`);
  const codec = rows.find((r) => r.id === 'decode_max_payload' || r.id === 'encode_max_payload');
  if (codec?.extra) console.log(`\ncodec payload: ${JSON.stringify(codec.extra)}`);
  for (const r of rows.filter((x) => x.id.startsWith('sweep') || x.id === 'rss_1tib')) console.log(`${r.id}: ${JSON.stringify(r.extra)}`);
}
