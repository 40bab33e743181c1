/**
 * Benchmark 6 (used by jobs.ts): wall-clock speed-up of `crash-sweep --jobs 2` over `--jobs 1`, as a user sees it
 * (a whole CLI process each time: start-up, worker start-up, result transfer and output included).
 *
 * Self-contained: it writes its own campaign (the demo VM with host RAM 4..8 GiB split into 512
 * entries, so the swept payload is 8,551 bytes; three such scenarios in one file, 25,752 crash
 * points at byte granularity, ~4-5 s serially on this 2-core machine when it is quiet), then runs
 * `--jobs 1` and `--jobs 2` in pairs (order drawn per pair) and returns the per-pair ratios. It also
 * checks that both outputs are byte-identical, and, as a control, measures what two *processes*
 * gain on the same machine at the same moment: `--shard 1/2` and `--shard 2/2` run concurrently
 * (`process_ceiling` = serial time / the slower shard). When `process_ceiling` is well below 2,
 * the machine (or another tenant) is the limit, not the pool.
 *
 * Usage from test/bench (e.g. in run.ts):
 *   import { cliJobsBench } from './jobs-cli.js';
 *   const r = cliJobsBench({ cli: 'dist' });  // or { cli: 'tsx' } to run src/cli/bin.ts
 *   console.log(r.ratios, r.median);
 * `cli: 'dist'` runs dist/cli/bin.js (run `npm run build` first); `'tsx'` runs the sources
 * through `node --import tsx` (each worker then compiles the sources too: slower start-up).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options of {@link cliJobsBench}. */
export interface CliJobsBenchOptions {
  /** Which CLI to spawn: the built package (default) or the TypeScript sources under tsx. */
  cli?: 'dist' | 'tsx';
  /** A built `cli/bin.js` to spawn instead (the bench's fresh build); overrides `cli`. */
  bin?: string;
  /** Pairs of (--jobs 1, --jobs 2) runs; default 3. */
  pairs?: number;
  /** Repository root; default two levels up from this file (test/bench/). */
  root?: string;
  /** Host RAM entries per scenario (a power of two up to 512); default 512. */
  entries?: number;
  /** Scenarios in the campaign file; default 3. */
  scenarios?: number;
  /** Also measure two concurrent shard processes after each pair; default true. */
  control?: boolean;
}

/** What {@link cliJobsBench} measured; times in ms. */
export interface CliJobsBenchResult {
  crashPoints: number;
  serialMs: number[];
  jobs2Ms: number[];
  /** serialMs[i] / jobs2Ms[i], one per pair, in run order. */
  ratios: number[];
  median: number;
  /** Per pair: serial / max(shard 1/2, shard 2/2) run as two concurrent processes (undefined without control). */
  processCeiling?: number[];
  /** 1-minute load average before each pair (other tenants of the machine show up here). */
  loadBefore: number[];
}

/** The demo VM (docs/examples/demo-servicing.json) with 4..8 GiB of host RAM split into `entries` entries. */
function campaignJson(root: string, entries: number, scenarios: number): string {
  const base = JSON.parse(readFileSync(join(root, 'docs/examples/demo-servicing.json'), 'utf8')) as { name: string; host_dt: { memory: { range: { start: string; end: string } }[] } };
  const memory = base.host_dt.memory.flatMap((e) => {
    if (e.range.start !== '0x100000000' || e.range.end !== '0x200000000') return [e];
    const step = 0x1_0000_0000n / BigInt(entries);
    return Array.from({ length: entries }, (_, i) => ({ ...e, range: { start: `0x${(0x1_0000_0000n + BigInt(i) * step).toString(16)}`, end: `0x${(0x1_0000_0000n + BigInt(i + 1) * step).toString(16)}` } }));
  });
  const list = Array.from({ length: scenarios }, (_, i) => ({ ...structuredClone(base), name: `jobs bench #${i + 1}: host RAM in ${entries} entries`, host_dt: { ...base.host_dt, memory } }));
  return JSON.stringify(list, null, 2);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs the bench (synchronously; ~30-40 s for 3 pairs with the control). */
export function cliJobsBench(options: CliJobsBenchOptions = {}): CliJobsBenchResult {
  const root = options.root ?? fileURLToPath(new URL('../../', import.meta.url));
  const pairs = options.pairs ?? 3;
  const prefix = options.bin !== undefined ? [options.bin] : (options.cli ?? 'dist') === 'dist' ? [join(root, 'dist/cli/bin.js')] : ['--import', 'tsx', join(root, 'src/cli/bin.ts')];
  const dir = mkdtempSync(join(tmpdir(), 'vtl2-jobs-bench-'));
  const file = join(dir, 'campaign.json');
  writeFileSync(file, campaignJson(root, options.entries ?? 512, options.scenarios ?? 3));
  const run = (...args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [...prefix, 'crash-sweep', file, '--json', ...args], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`crash-sweep ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return { ms, out: r.stdout };
  };
  /** Two shard processes at once; returns the slower one's time. */
  const shardsConcurrently = (): number => {
    const script = `
      const { spawn } = require('node:child_process');
      const t = performance.now(); let left = 2; const ms = [];
      for (const s of ['1/2', '2/2']) {
        const c = spawn(process.execPath, ${JSON.stringify([...prefix, 'crash-sweep', file, '--json', '--jobs', '1'])}.concat(['--shard', s]), { stdio: ['ignore', 'ignore', 'inherit'] });
        c.on('exit', (code) => { if (code !== 0) process.exit(1); ms.push(performance.now() - t); if (--left === 0) console.log(Math.max(...ms)); });
      }`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the shard control failed: ${r.stderr}`);
    return Number(r.stdout.trim());
  };
  try {
    const reference = run('--jobs', '1');
    const crashPoints = (JSON.parse(reference.out) as { points: number }[]).reduce((n, r) => n + r.points, 0);
    const result: CliJobsBenchResult = { crashPoints, serialMs: [], jobs2Ms: [], ratios: [], median: 0, loadBefore: [] };
    if (options.control ?? true) result.processCeiling = [];
    let seed = 7;
    for (let p = 0; p < pairs; p++) {
      result.loadBefore.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
      // The order inside a pair is drawn (seeded), as in interleave.ts.
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      let one: ReturnType<typeof run>;
      let two: ReturnType<typeof run>;
      if (seed & 0x8000) {
        one = run('--jobs', '1');
        two = run('--jobs', '2');
      } else {
        two = run('--jobs', '2');
        one = run('--jobs', '1');
      }
      if (one.out !== reference.out || two.out !== reference.out) throw new Error('a run printed other bytes than the first --jobs 1 run');
      result.serialMs.push(one.ms);
      result.jobs2Ms.push(two.ms);
      result.ratios.push(one.ms / two.ms);
      result.processCeiling?.push(one.ms / shardsConcurrently());
    }
    result.median = median(result.ratios);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone: `npx tsx test/bench/jobs-cli.ts [dist|tsx] [pairs]`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cli = process.argv[2] === 'tsx' ? 'tsx' : 'dist';
  console.log(JSON.stringify(cliJobsBench({ cli, pairs: Number(process.argv[3] ?? 3) }), null, 2));
}
