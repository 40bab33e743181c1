/**
 * CI run of the CLI fuzz layer (cli-layer.ts): the real CLI, built once into a temp directory,
 * spawned on a few hundred generated files (fixed seed) and on the fixed hostile list
 * (cli-hostile.ts). Long runs: `npm run fuzz` (property `cli`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileCases, PENDING } from './cli-hostile.js';
import { builtCli, cleanupCases, cleanupCli, generatedCases, MAX_RSS_MIB, runPooled, spawnCase, STACK_LINE, violations } from './cli-layer.js';

const SEED = 20240611;
/** Generated cases in CI: ~0.3 s of CPU each, two at a time (~40 s on an idle 2-core machine; minutes under heavy load). */
const CASES = 200;
let dir: string;

beforeAll(() => {
  builtCli();
  dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-cli-hostile-'));
}, 180_000);
afterAll(() => {
  cleanupCases();
  cleanupCli();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('CLI fuzz layer (spawned, built CLI)', () => {
  it('the contract check can fail: a stack trace, an exit 0 with stderr, exit 7 and a time-out are violations', () => {
    const ok = { status: 0, signal: null, stdoutBytes: 0, stderr: '', ms: 1, timedOut: false, maxRssKiB: 60_000 } as const;
    const c = { label: 't', argv: [] };
    expect(violations(c, ok)).toEqual([]);
    expect(violations(c, { ...ok, status: 1, stderr: 'TypeError: x\n    at f (file.js:1:2)\n' })).toHaveLength(2);
    expect(violations(c, { ...ok, stderr: 'warning' })).toHaveLength(1);
    expect(violations(c, { ...ok, status: 7 })).toHaveLength(1);
    expect(violations(c, { ...ok, status: null, timedOut: true })).toHaveLength(1);
    expect(violations({ ...c, expect: [2] }, { ...ok, status: 1, stderr: 'x' })).toHaveLength(1);
    expect(violations(c, { ...ok, maxRssKiB: (MAX_RSS_MIB + 1) * 1024 })).toHaveLength(1);
    expect(violations({ ...c, maxRssMiB: 1000 }, { ...ok, maxRssKiB: (MAX_RSS_MIB + 1) * 1024 })).toEqual([]);
    expect(STACK_LINE.test('    at node:internal/main:1:2')).toBe(true);
  });

  it('the peak-RSS meter measures the child: a run that holds 600 MiB is reported as such', async () => {
    // The meter is the child's own maxRSS, written by the preloaded hook: if the hook were not
    // loaded (or read the parent), a quiet 60 MiB run and this one would look alike.
    const small = await spawnCase({ label: 'version', argv: ['--version'] });
    expect(small.maxRssKiB).toBeGreaterThan(10 * 1024);
    expect(small.maxRssKiB).toBeLessThan(MAX_RSS_MIB * 1024);
    const big = await spawnCase({ label: 'hold 600 MiB', argv: ['--version'], env: { NODE_OPTIONS: `--import=data:text/javascript,globalThis.k=Buffer.alloc(${600 * 1024 * 1024},1)` } });
    expect(big.maxRssKiB).toBeGreaterThan(600 * 1024);
    expect(violations({ label: 'hold', argv: [] }, big).join()).toMatch(/peak RSS/);
  });

  it(`${CASES} generated cases (seed ${SEED}): exit 0/1/2, no stack trace, silent stderr on exit 0, within the time limit`, async () => {
    const cases = generatedCases(SEED, CASES);
    const failures = await runPooled(cases, 2);
    console.log(`fuzz cli: ${cases.length} spawned cases, seed ${SEED}, ${failures.length} failures`);
    expect(failures.map((f) => `#${f.index} (replay: npm run fuzz -- --property cli --seed ${SEED} --path ${f.index}): ${f.message}`)).toEqual([]);
  }, 900_000);

  it('the fixed hostile list (docs/robustness.md rows): the exact exit code, bounded time and memory', async () => {
    const all = hostileCases(dir, false);
    const run = all.filter((c) => !PENDING.has(c.label));
    const failures: string[] = [];
    for (const c of run) {
      const r = await spawnCase(c);
      const v = violations(c, r);
      if (v.length > 0) failures.push(`${c.label}: ${v.join('; ')} (exit ${String(r.status)}, ${r.ms} ms) ${r.stderr.slice(0, 300)}`);
    }
    console.log(`fuzz cli hostile list: ${run.length} cases run, ${all.length - run.length} pending`);
    expect(failures).toEqual([]);
  }, 600_000);
});
