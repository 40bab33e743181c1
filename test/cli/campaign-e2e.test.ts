import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

/**
 * `--jobs`, `--shard` and `merge`, run as a user runs them. Every comparison is byte for byte:
 * worker threads and shards may change how the work is split, never what is printed.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-campaign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes shard outputs to files and merges them. */
function mergeOf(name: string, outputs: string[], order?: number[]): ReturnType<typeof cli> {
  const files = outputs.map((o, i) => {
    const f = join(dir, `${name}-${i + 1}.json`);
    writeFileSync(f, o);
    return f;
  });
  return cli('merge', ...(order ?? outputs.map((_, i) => i)).map((i) => files[i]!));
}

const readJson = (f: string): unknown => JSON.parse(readFileSync(join(ROOT, f), 'utf8'));
const EXAMPLES = ['docs/examples/demo-servicing.json', 'docs/examples/torn-save.json', 'docs/examples/demo-servicing.json'];
const TIMEOUT = 120_000;

describe('crash-sweep --jobs and --shard', () => {
  const whole = cli('crash-sweep', '--json', '--jobs', '1');
  const wholeText = cli('crash-sweep', '--jobs', '1');

  test('the serial run succeeds and is the reference', () => {
    expect(whole.status).toBe(0);
    expect(JSON.parse(whole.stdout)[0].points).toBe(360);
  });

  test('--jobs 2 and --jobs 3 print the same bytes as --jobs 1, text and JSON; stderr stays empty on a pipe', { timeout: TIMEOUT }, () => {
    for (const jobs of ['2', '3']) {
      const json = cli('crash-sweep', '--json', '--jobs', jobs);
      const text = cli('crash-sweep', '--jobs', jobs);
      expect(json.stdout).toBe(whole.stdout);
      expect(text.stdout).toBe(wholeText.stdout);
      expect([json.stderr, text.stderr]).toEqual(['', '']);
      expect([json.status, text.status]).toEqual([0, 0]);
    }
  });

  test('a file of two scenarios: one pool for both sweeps, the same bytes as one thread; shards merge', { timeout: TIMEOUT }, () => {
    const file = join(dir, 'two-sweeps.json');
    writeFileSync(file, JSON.stringify([readJson('docs/examples/torn-save.json'), readJson('docs/examples/demo-servicing.json')]));
    const one = cli('crash-sweep', file, '--granularity', 'u64', '--json', '--jobs', '1');
    expect(one.status).toBe(0);
    expect(JSON.parse(one.stdout)).toHaveLength(2);
    expect(cli('crash-sweep', file, '--granularity', 'u64', '--json', '--jobs', '3').stdout).toBe(one.stdout);
    const shards = [1, 2].map((i) => cli('crash-sweep', file, '--granularity', 'u64', '--json', '--jobs', '2', '--shard', `${i}/2`).stdout);
    expect(mergeOf('two', shards).stdout).toBe(one.stdout);
  });

  test.each([1, 2, 3])('shards 1..%i merged, in any order, are the whole run', { timeout: TIMEOUT }, (n) => {
    const shards = Array.from({ length: n }, (_, i) => cli('crash-sweep', '--json', '--jobs', String(1 + (i % 2)), '--shard', `${i + 1}/${n}`));
    for (const s of shards) expect(s.status).toBe(0);
    if (n > 1) expect(shards[0]!.stdout).not.toBe(shards[1]!.stdout);
    const merged = mergeOf(`sweep${n}`, shards.map((s) => s.stdout), Array.from({ length: n }, (_, i) => n - 1 - i));
    expect(merged.stderr).toBe('');
    expect(merged.stdout).toBe(whole.stdout);
  });

  test('more shards than crash points: the empty shards merge too (sampled sweep of 3 points, 5 shards)', { timeout: TIMEOUT }, () => {
    const one = cli('crash-sweep', '--json', '--sample', '3', '--seed', '9');
    const shards = [1, 2, 3, 4, 5].map((i) => cli('crash-sweep', '--json', '--sample', '3', '--seed', '9', '--shard', `${i}/5`));
    expect(shards.map((s) => JSON.parse(s.stdout).reports[0].points)).toEqual([0, 1, 0, 1, 1]);
    expect(mergeOf('sample', shards.map((s) => s.stdout)).stdout).toBe(one.stdout);
  });

  test.each([
    ['a shard given twice', (s: string[]) => [s[0]!, s[0]!], /both shard 1 of 2/],
    ['a missing shard', (s: string[]) => [s[1]!], /shard 1 of 2 missing/],
    ['a shard of another run (other seed)', (s: string[]) => [s[0]!, s[2]!], /another run/],
    ['an unsharded output', () => [whole.stdout], /is not a shard document/],
    ['not JSON', () => ['{"shard": '], /not valid JSON|expected/],
  ])('merge refuses %s with exit 2 and no stack trace', { timeout: TIMEOUT }, (_name, pick, message) => {
    const shards = [
      cli('crash-sweep', '--json', '--sample', '4', '--shard', '1/2').stdout,
      cli('crash-sweep', '--json', '--sample', '4', '--shard', '2/2').stdout,
      cli('crash-sweep', '--json', '--sample', '4', '--seed', '1', '--shard', '2/2').stdout,
    ];
    const r = mergeOf('bad', pick(shards));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});

describe('simulate --jobs and --shard', () => {
  test('multi-file simulate: --jobs 2 prints what --jobs 1 prints; shards merge to the whole', { timeout: TIMEOUT }, () => {
    const one = cli('simulate', '--json', '--jobs', '1', ...EXAMPLES);
    const two = cli('simulate', '--json', '--jobs', '2', ...EXAMPLES);
    expect(one.status).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(cli('simulate', '--jobs', '2', ...EXAMPLES).stdout).toBe(cli('simulate', '--jobs', '1', ...EXAMPLES).stdout);
    const shards = [1, 2].map((i) => cli('simulate', '--json', '--jobs', '2', '--shard', `${i}/2`, ...EXAMPLES));
    expect(shards.map((s) => JSON.parse(s.stdout).results.length)).toEqual([1, 2]);
    expect(mergeOf('sim', shards.map((s) => s.stdout)).stdout).toBe(one.stdout);
  });

  test('simulate --generations: --jobs 2 prints what --jobs 1 prints; shards merge to the whole', { timeout: TIMEOUT }, () => {
    const args = ['--generations', '4', '--drift', 'cpus,mmio', '--seed', '7', ...EXAMPLES];
    const one = cli('simulate', '--json', '--jobs', '1', ...args);
    expect(cli('simulate', '--json', '--jobs', '2', ...args).stdout).toBe(one.stdout);
    expect(cli('simulate', '--jobs', '2', ...args).stdout).toBe(cli('simulate', '--jobs', '1', ...args).stdout);
    const shards = [1, 2, 3, 4].map((i) => cli('simulate', '--json', '--shard', `${i}/4`, ...args));
    const merged = mergeOf('gen', shards.map((s) => s.stdout));
    expect(merged.stdout).toBe(one.stdout);
    expect(merged.status).toBe(one.status);
    // Shards of a simulate run are not shards of a --generations run.
    const plain = cli('simulate', '--json', '--shard', '1/4', ...EXAMPLES);
    expect(mergeOf('mixed', [plain.stdout, ...shards.slice(1).map((s) => s.stdout)]).status).toBe(2);
  });
});

describe('bad --jobs and --shard values', () => {
  test.each([
    ['crash-sweep', '--jobs', '0', /--jobs must be an integer from 1 to 256/],
    ['crash-sweep', '--jobs', 'x', /--jobs must be/],
    ['crash-sweep', '--jobs', '257', /--jobs must be/],
    ['crash-sweep', '--shard', '3/2', /--shard takes I\/N/],
    ['crash-sweep', '--shard', '0/2', /--shard takes I\/N/],
    ['crash-sweep', '--shard', '1/0', /--shard takes I\/N/],
    ['crash-sweep', '--shard', '1', /--shard takes I\/N/],
    ['simulate', '--jobs', '-1', /--jobs must be/],
    ['simulate', '--shard', 'a/b', /--shard takes I\/N/],
  ])('%s %s %s: exit 2', (command, option, value, message) => {
    const r = cli(command, option, value, ...(command === 'simulate' ? ['docs/examples/torn-save.json'] : []));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
