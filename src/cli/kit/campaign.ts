/**
 * What `simulate` and `crash-sweep` share as campaigns: `--jobs` and `--shard`, the choice of
 * worker threads, the identity of a run (so `merge` can refuse shards of different runs), and
 * a progress line with rate and ETA.
 */
import { createHash } from 'node:crypto';
import { defaultJobs } from '../../sim/parallel.js';
import type { ScenarioSource } from '../../sim/parallel-tasks.js';
import { parseJobs, parseShard, type Shard } from '../args.js';
import { progressLine, type Io } from '../io.js';

/** The option table entries of `--jobs` and `--shard`. */
export const CAMPAIGN_OPTIONS = { jobs: { type: 'string' }, shard: { type: 'string' } } as const;

/** Help lines for `--jobs` and `--shard`; `unit` names what is split ("scenarios", "crash points"). */
export function campaignHelp(unit: string): string {
  return `  --jobs N    Worker threads (1..256). Default: one per available core, and
              threads only for a campaign big enough to pay for them. The
              output is the same, byte for byte, for every N.
  --shard I/N Run only the I-th of N contiguous slices of the ${unit}
              (1 <= I <= N), e.g. one job of a CI matrix. With --json the
              output is a shard document; 'vtl2-persist merge' joins the N
              shard documents into the output of one unsharded run.`;
}

/** `--jobs` and `--shard` as given. */
export interface CampaignArgs {
  jobs: number | undefined;
  shard: Shard | undefined;
}

/** Reads `--jobs` and `--shard` (exit 2 for bad values). */
export function campaignArgs(values: { jobs?: string | undefined; shard?: string | undefined }): CampaignArgs {
  return { jobs: parseJobs(values.jobs), shard: parseShard(values.shard) };
}

/**
 * Worker threads to use for `units` units: `--jobs` when given (1 = in this thread), else every
 * core once there are at least `enough` units, below which thread start-up costs more than it saves.
 */
export function workersFor(jobs: number | undefined, units: number, enough: number): number {
  if (jobs !== undefined) return Math.min(jobs, Math.max(1, units));
  return units >= enough ? Math.min(defaultJobs(), units) : 1;
}

/**
 * The identity of a campaign run: a SHA-256 over the command, its options and its input texts.
 * Shards of one run share it; `merge` refuses to join documents whose identities differ.
 */
export function runIdentity(command: string, options: Record<string, unknown>, sources: readonly ScenarioSource[] | null): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ command, options, inputs: sources === null ? null : sources.map((s) => s.text) }));
  return h.digest('hex');
}

/** The header of a shard document (`--shard I/N --json`). */
export interface ShardHeader {
  command: 'simulate' | 'simulate --generations' | 'crash-sweep';
  index: number;
  count: number;
  run: string;
}

/**
 * A progress line on stderr when it is a terminal (nothing otherwise): `done/total unit`, the
 * rate and the time left, redrawn at most every 100 ms.
 */
export function progressMeter(io: Io, label: string, unit: string): { update(done: number, total: number): void; done(): void } | undefined {
  const line = progressLine(io, label);
  if (line === undefined) return undefined;
  const start = Date.now();
  let last = 0;
  return {
    update(done: number, total: number) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
      line.update(`${done}/${total} ${unit}, ${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)}/s, ETA ${eta === undefined ? '?' : `${eta}s`}`);
    },
    done: () => line.done(),
  };
}
