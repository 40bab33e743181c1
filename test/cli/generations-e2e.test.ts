import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// `vtl2-persist simulate --generations` run as a user would. docs/examples/torn-save.json holds
// worked example A's inputs with 8 CPUs (pool carried at 0xbc00000, used ending at 0x8d8d000); its first
// save step's lists are no_io [7], outstanding [1, 5]. Stderr is a pipe here: no progress line.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FILE = 'docs/examples/torn-save.json';
function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'simulate', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const NAME = 'stale header over a shorter payload';

describe('vtl2-persist simulate --generations', () => {
  test('no drift: one line per generation, every invariant held, exit 0', () => {
    const { code, stdout, stderr } = cli([FILE, '--generations', '3']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `scenario ${NAME}: 3 generations, drift none, seed 0`,
        '  gen 0: fresh (no magic)',
        '  gen 1: restored (valid magic)',
        '  gen 2: restored (valid magic)',
        'invariants held at every restore (2 restores)',
        'no panic in 3 generations',
        '',
      ].join('\n'),
    );
  });

  test('used drift, seed 1: names generation 361 as the first panic, exit 1', () => {
    // used.end may grow by (0xbc00000 - 0x8d8d000) / 0x1000 = 11891 pages before it overlaps
    // the pool; seed 1's draws pass that at generation 361 (see test/sim/generations.test.ts).
    const { code, stdout, stderr } = cli([FILE, '--generations', '400', '--drift', 'used', '--seed', '1']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`scenario ${NAME}: 400 generations, drift used, seed 1`);
    expect(lines).toContain('  gen 360: restored (valid magic); used.end +54 pages -> 0xbbf3000');
    expect(lines).toContain('  gen 361: PANIC on the persisted path [walk_right_not_sorted]; used.end +40 pages -> 0xbc1b000');
    expect(lines).toContain('    openhcl_boot would panic: right not sorted');
    expect(lines.slice(-2)).toEqual(['invariants held at every restore (360 restores)', 'first panic at generation 361: walk_right_not_sorted']);
    expect(lines.some((l) => l.startsWith('  gen 362'))).toBe(false);
  });

  test('--json: the report per scenario', () => {
    const { code, stdout, stderr } = cli([FILE, '--generations', '400', '--drift', 'used', '--seed', '1', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const [r] = JSON.parse(stdout) as Record<string, unknown>[];
    expect(r).toMatchObject({
      scenario: NAME,
      seed: 1,
      drift: ['used'],
      generations: 400,
      first_panic_generation: 361,
      counts: { run: 362, restored: 360, fresh: 1, panicked: 1, violations: 0 },
      violations: [],
    });
    const results = r!['results'] as Record<string, unknown>[];
    expect(results[361]).toMatchObject({ generation: 361, path: 'panic', attempted_path: 'persisted', panic_kind: 'walk_right_not_sorted', panic: 'right not sorted' });
    expect(results[1]).toMatchObject({ path: 'persisted', save: { cpus_with_mapped_interrupts_no_io: [7], cpus_with_outstanding_io: [1, 5] } });
  });

  test('mmio and cpus drift hold every invariant: exit 0; the same seed prints the same report', () => {
    const args = [FILE, '--generations', '8', '--drift', 'mmio,cpus', '--seed', '9', '--json'];
    const a = cli(args);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(cli(args).stdout).toBe(a.stdout);
    expect((JSON.parse(a.stdout) as Record<string, unknown>[])[0]).toMatchObject({ first_panic_generation: null, counts: { run: 8, violations: 0 } });
  });

  test('a violated invariant exits 1 and is shown with before and after', () => {
    // An isolated (SNP) VM ignores the header (openhcl_boot's host_params/dt/mod.rs): no generation restores.
    const scenario = JSON.parse(readFileSync(join(ROOT, FILE), 'utf8')) as { shim_params: Record<string, unknown> };
    scenario.shim_params['isolation'] = 'Snp';
    const file = join(mkdtempSync(join(tmpdir(), 'vtl2-persist-generations-')), 'snp.json');
    writeFileSync(file, JSON.stringify(scenario));
    const { code, stdout, stderr } = cli([file, '--generations', '2']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain('    VIOLATED path: expected a restore, got the host path (isolated (Snp): header ignored)');
    expect(stdout).toContain("    VIOLATED sidecar_excluded_cpus: sidecar exclusion differs from the saved CPU lists' union: saved [1,5,7], after []");
    expect(stdout).toContain('2 invariant violations in 0 restores');
  });

  test.each([
    [['--generations', '0'], '--generations must be a positive integer (got "0")'],
    [['--generations', 'x'], '--generations must be a positive integer (got "x")'],
    [['--generations', '2', '--drift', 'used,heat'], '--drift takes a comma list of used, host-memory, mmio, cpus (got "used,heat")'],
    [['--generations', '2', '--seed=-4294967297'], '--seed must be an integer from -4294967296 to 4294967295 (negative values count back from 2^32; got "-4294967297")'],
    [['--generations', '2', '--seed', '4294967296'], '--seed must be an integer from -4294967296 to 4294967295 (negative values count back from 2^32; got "4294967296")'],
    [['--drift', 'used'], '--drift needs --generations N'],
    [['--seed', '3'], '--seed needs --generations N'],
  ])('usage error %j exits 2', (args, message) => {
    const { code, stdout, stderr } = cli([FILE, ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });

  test('--help documents the options', () => {
    const { code, stdout } = cli(['--help']);
    expect(code).toBe(0);
    for (const s of ['--generations N', '--drift KINDS', '--seed N', 'host-memory', 'rest of the lifecycle is ignored']) expect(stdout).toContain(s);
  });
});
