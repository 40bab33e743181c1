import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadBootVectorFile } from '../support/vectors.js';

// `vtl2-persist simulate` run as a user would, on real scenario files.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const worked = loadBootVectorFile('boot-worked-examples.json');
const byName = (name: string) => worked.find((v) => v.name === name || v.name.startsWith(`${name}:`))!;
const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-simulate-'));
function scenarioFile(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('vtl2-persist simulate', () => {
  test('--json yields the documented result shape, equal to the real boot shim on worked example A', () => {
    const a = byName('A');
    const { code, stdout, stderr } = cli(['simulate', scenarioFile('a.json', a.input), '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [result] = JSON.parse(stdout) as { name: string; steps: Record<string, unknown>[] }[];
    expect(result!.name).toBe('A');
    expect(result!.steps).toHaveLength(a.expected.steps.length);
    a.expected.steps.forEach((want, i) => expect(result!.steps[i]).toMatchObject(want));
  });

  test('a scenario where openhcl_boot panics exits 1 and says so', () => {
    const hv0 = byName('HV0');
    const file = scenarioFile('hv0.json', hv0.input);
    const json = cli(['simulate', file, '--json']);
    expect(json.code).toBe(1);
    const steps = (JSON.parse(json.stdout) as { steps: Record<string, unknown>[] }[])[0]!.steps;
    const panic = steps.find((s) => s['path'] === 'panic')!;
    expect(panic).toMatchObject({ attempted_path: 'persisted', panic_kind: 'payload_len_gt_region_len' });
    const human = cli(['simulate', file]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/PANIC on the persisted path \[payload_len_gt_region_len\]\n\s+openhcl_boot would panic: protobuf payload len \d+ is larger than region len 77824/);
  });

  test('several files, an array file and stdin (-) run in order', () => {
    const a = scenarioFile('a2.json', byName('A').input);
    const both = scenarioFile('both.json', [byName('B').input, byName('C').input]);
    const { code, stdout } = cli(['simulate', a, both, '-', '--json'], JSON.stringify({ scenarios: [byName('HV4').input] }));
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { name: string }[]).map((r) => r.name)).toEqual(['A', 'B', 'C', byName('HV4').name]);
  });

  test('human output shows each boot path with its reason, the map, and the save', () => {
    const { code, stdout } = cli(['simulate', scenarioFile('a3.json', byName('A').input)]);
    expect(code).toBe(0);
    expect(stdout).toContain('1. boot: fresh, topology from the host (no magic)');
    expect(stdout).toContain('2. save: payload 330 bytes at 0x8001000, header at 0x8000000');
    expect(stdout).toContain('3. boot: restored from persisted state (valid magic)');
    expect(stdout).toMatch(/0xbe00000-0xc000000\s+VTL2_GPA_POOL\s+0\s+VTL2_PROTECTABLE/);
  });

  test.each([
    [['simulate'], /needs at least one scenario FILE/],
    [['simulate', join(dir, 'missing.json')], /^vtl2-persist simulate: cannot read .*missing\.json: no such file or directory\n$/],
    [['simulate', '-'], /bad JSON|line 1|JSON/i],
  ])('%j is a usage error (exit 2, message on stderr)', (args, message) => {
    const { code, stdout, stderr } = cli(args, '{"name": ');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  test('an invalid scenario names the bad field', () => {
    const input = structuredClone(byName('A').input) as { host_dt: { cpu_count: unknown } };
    input.host_dt.cpu_count = 'many';
    const { code, stderr } = cli(['simulate', scenarioFile('bad.json', input)]);
    expect(code).toBe(2);
    expect(stderr).toContain('host_dt.cpu_count');
  });

  test('--help documents the command', () => {
    const { code, stdout } = cli(['simulate', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: vtl2-persist simulate FILE\.\.\. \[--json\]/);
  });
});
