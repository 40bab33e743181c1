/**
 * Benchmark 6: a campaign with `--jobs 2` against `--jobs 1`, as a user runs it: the built CLI,
 * a whole process each time (start-up, worker start-up, result transfer and output included),
 * on a crash sweep of three scenarios, 25,752 crash points (jobs-cli.ts). The CLI is the build
 * the other benchmarks measure (./subject.ts; plain JS, as installed): under tsx every worker
 * would first compile the sources, start-up cost no installed copy pays. The control: what two processes
 * gain on the same machine at the same moment (two shards side by side).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './common.js';
import { quantile } from './interleave.js';
import { cliJobsBench } from './jobs-cli.js';
import { BUILD, buildDist } from './subject.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The goal of issue 14 for two threads on this 2-core machine. */
export const JOBS_TARGET = 1.8;

export function jobsBench(pairs = 3): BenchRow {
  // The build the other benchmarks measure, or (measuring the sources) a build of its own:
  // under tsx every worker would first compile the sources, which is not what a user runs.
  const own = BUILD === null;
  const dir = BUILD ?? buildDist();
  try {
    const r = cliJobsBench({ bin: join(dir, 'cli/bin.js'), pairs, root: REPO });
    const sorted = (xs: number[]) => xs.slice().sort((x, y) => x - y);
    const ratios = sorted(r.ratios);
    const ceiling = sorted(r.processCeiling ?? []);
    return {
      id: 'jobs_2_vs_1',
      name: `6. crash-sweep --jobs 2 vs --jobs 1 (built CLI, ${r.crashPoints} crash points)`,
      unit: 'ms per campaign',
      ours: quantile(sorted(r.jobs2Ms), 0.5),
      baseline: quantile(sorted(r.serialMs), 0.5),
      baselineName: 'the same command with --jobs 1 (whole processes, order drawn per pair)',
      ratio: r.median,
      ratioMeaning: 'median over pairs of (--jobs 1 time / --jobs 2 time); higher is better',
      spread: { of: 'ratio', over: 'pairs', q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75), min: ratios[0]!, max: ratios[ratios.length - 1]!, n: pairs },
      target: `>= ${JOBS_TARGET}x`,
      met: r.median >= JOBS_TARGET,
      extra: {
        crash_points: r.crashPoints,
        ratios: r.ratios,
        process_ceiling: r.processCeiling,
        process_ceiling_median: ceiling.length > 0 ? quantile(ceiling, 0.5) : null,
        load_before: r.loadBefore,
        control: 'process_ceiling = --jobs 1 time / the slower of --shard 1/2 and 2/2 run as two processes at once',
      },
    };
  } finally {
    if (own) rmSync(dir, { recursive: true, force: true });
  }
}
