import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runCrashSweep } from '../../src/cli/crash-sweep.js';
import { defaultCrashSweepScenarioJson } from '../../src/sim/crash-sweep.js';

// `vtl2-persist crash-sweep` run as a process, through its entry point runCrashSweep.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY =
  "import('./src/cli/crash-sweep.ts').then(m => process.exitCode = m.runCrashSweep(process.argv.slice(1), {stdout: process.stdout, stderr: process.stderr}))";
function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', ENTRY, '--', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-crash-sweep-'));
function scenarioFile(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

type ReportJson = {
  scenario: string;
  granularity: string;
  seed: number;
  points: number;
  counts: Record<string, number>;
  panic_kinds: Record<string, number>;
  first_examples: Record<string, { k: number; summary: string }>;
  sampled_points: number[] | null;
};

// Each spawn starts tsx and sweeps a few hundred boots: allow for a loaded machine.
describe('vtl2-persist crash-sweep', { timeout: 60_000 }, () => {
  test('human output of the default scenario: counts, runs and the first example of each class; exit 0', () => {
    const { code, stdout, stderr } = cli([]);
    expect(stderr).toBe(''); // stderr is not a TTY: no progress line
    expect(code).toBe(0);
    expect(stdout).not.toContain('\x1b['); // not a TTY (and NO_COLOR): no colour
    expect(stdout).toContain('granularity byte, before previous, seed 0, exhaustive');
    expect(stdout).toContain('store units: 327 payload + 32 header = 359; crash points k = 0..359 (360 swept)');
    expect(stdout).toMatch(/^ {2}restored-new +8$/m);
    expect(stdout).toMatch(/^ {2}restored-old +327$/m);
    expect(stdout).toMatch(/^ {2}fresh +0$/m);
    expect(stdout).toMatch(/^ {2}panic +0$/m);
    expect(stdout).toMatch(/^ {2}SILENT-WRONG +25$/m);
    expect(stdout).toContain('panic kinds: none');
    expect(stdout).toMatch(/327\.\.351\s+25\s+SILENT-WRONG\s+sidecar excluded CPUs \[1, 3, 5\]/);
    expect(stdout).toContain('SILENT-WRONG at k=327: payload: 327 of 327 bytes written; header not written');
    expect(stdout).toContain('restored-new at k=352:');
    expect(stdout).toContain('restored-old at k=0: nothing written (stopped before the save)');
  });

  test('--json at u64 granularity gives the reports, and two runs print the same bytes', () => {
    const a = cli(['--granularity', 'u64', '--json']);
    const b = cli(['--granularity', 'u64', '--json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const [report] = JSON.parse(a.stdout) as ReportJson[];
    expect(report).toMatchObject({ granularity: 'u64', seed: 0, points: 46, sampled_points: null, panic_kinds: {} });
    expect(report!.counts).toEqual({ 'restored-new': 1, 'restored-old': 41, fresh: 0, panic: 0, 'silent-wrong': 4 });
    expect(report!.first_examples['silent-wrong']!.k).toBe(41);
  });

  test('--sample with --seed is deterministic; another seed picks other points', () => {
    const args = ['--sample', '25', '--seed', '42', '--json'];
    const a = cli(args);
    const b = cli(args);
    const c = cli(['--sample', '25', '--seed', '43', '--json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const [ra] = JSON.parse(a.stdout) as ReportJson[];
    const [rc] = JSON.parse(c.stdout) as ReportJson[];
    expect(ra!.points).toBe(25);
    expect(ra!.seed).toBe(42);
    expect(Object.values(ra!.counts).reduce((x, y) => x + y, 0)).toBe(25);
    expect(ra!.sampled_points).not.toEqual(rc!.sampled_points);
  });

  test('a scenario file or standard input (-); every scenario in it is swept', () => {
    const firstEver = { ...defaultCrashSweepScenarioJson(), name: 'first-ever', lifecycle: [{ op: 'boot' }, { op: 'save', cpus_with_outstanding_io: [1] }, { op: 'boot' }] };
    const file = scenarioFile('two.json', [defaultCrashSweepScenarioJson(), firstEver]);
    const fromFile = cli([file, '--granularity', 'u64', '--json']);
    expect(fromFile.code).toBe(0);
    const reports = JSON.parse(fromFile.stdout) as ReportJson[];
    expect(reports.map((r) => r.scenario)).toEqual([defaultCrashSweepScenarioJson()['name'], 'first-ever']);
    expect(reports[1]!.counts['fresh']).toBeGreaterThan(0);
    expect(reports[1]!.counts['panic']).toBeGreaterThan(0);
    const fromStdin = cli(['-', '--granularity', 'u64', '--json'], JSON.stringify([defaultCrashSweepScenarioJson(), firstEver]));
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    const human = cli([file, '--granularity', 'u64']);
    expect(human.stdout).toMatch(/panic kinds: protobuf_region_not_contained 1, vtl2_ram_mismatch 2/);
  });

  test('--fail-on makes the named classes fail the command (exit 1)', () => {
    expect(cli(['--granularity', 'u64', '--fail-on', 'silent-wrong,panic']).code).toBe(1);
    expect(cli(['--granularity', 'u64', '--fail-on', 'panic,fresh']).code).toBe(0);
  });

  test.each([
    [['--granularity', 'word'], /--granularity must be one of byte, u64, cacheline, page/],
    [['--seed=-4294967297'], /--seed must be an integer from -4294967296 to 4294967295/],
    [['--seed', '4294967296'], /--seed must be an integer/],
    [['--sample', '0'], /--sample must be a positive integer/],
    [['--fail-on', 'wrong'], /--fail-on takes a comma-separated list/],
    [['--frobnicate'], /unknown option "--frobnicate"/],
    [['a.json', 'b.json'], /at most one SCENARIO/],
    [[join(dir, 'missing.json')], /^vtl2-persist crash-sweep: cannot read .*missing\.json: no such file or directory\n$/],
    [['-'], /JSON/],
  ])('%j is a usage error (exit 2, message on stderr, nothing on stdout)', (args, message) => {
    const { code, stdout, stderr } = cli(args, '{"name": ');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  test('a scenario without a save step cannot be swept (exit 2)', () => {
    const file = scenarioFile('nosave.json', { ...defaultCrashSweepScenarioJson(), lifecycle: [{ op: 'boot' }] });
    const { code, stderr } = cli([file]);
    expect(code).toBe(2);
    expect(stderr).toContain('has no save step');
  });

  test('--help documents the command and its exit codes', () => {
    const { code, stdout } = cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: vtl2-persist crash-sweep \[SCENARIO\] \[--granularity G\] \[--before B\]/);
    expect(stdout).toContain('SILENT-WRONG');
    expect(stdout).toContain('Exit codes: 0 the sweep ran');
  });

  test('in-process: colour only on a TTY without NO_COLOR; progress on stderr only when stderr is a TTY', () => {
    const sink = (isTTY: boolean) => {
      const chunks: string[] = [];
      return { isTTY, chunks, write: (c: string) => chunks.push(c) };
    };
    const run = (stdoutTty: boolean, stderrTty: boolean, env: Record<string, string | undefined>) => {
      const stdout = sink(stdoutTty);
      const stderr = sink(stderrTty);
      expect(runCrashSweep(['--granularity', 'u64'], { stdout, stderr, env })).toBe(0);
      return { out: stdout.chunks.join(''), err: stderr.chunks.join('') };
    };
    const tty = run(true, true, {});
    expect(tty.out).toContain('\x1b[1;31mSILENT-WRONG\x1b[0m');
    expect(tty.err).toContain('\rcrash-sweep ');
    expect(tty.err).toContain('46/46 crash points');
    expect(tty.err.endsWith('\r\x1b[K')).toBe(true);
    expect(run(true, false, { NO_COLOR: '' }).out).not.toContain('\x1b['); // set to anything, even empty
    const noColor = run(true, false, { NO_COLOR: '1' });
    expect(noColor.out).not.toContain('\x1b[');
    expect(noColor.err).toBe('');
    // Same report text either way, once the colour codes are stripped.
    expect(tty.out.replace(/\x1b\[[0-9;]*m/g, '')).toBe(noColor.out);
  });
});
