import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hardeningLab } from '../../src/sim/hardening/lab.js';
import { hardenReportToJson } from '../../src/sim/hardening/report-json.js';
import { defaultCrashSweepScenario, defaultCrashSweepScenarioJson } from '../../src/sim/crash-sweep.js';
import { ROOT, runCli } from '../support/cli.js';

// `vtl2-persist harden` and `explore --harden` run as a user would: the real entry point, as
// separate processes.
const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-harden-'));

describe('vtl2-persist harden', { timeout: 60_000 }, () => {
  test('the table of the default scenario, every variant but real marked hypothetical; exit 0', async () => {
    const r = await runCli(['harden']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.text).toContain("every variant but 'real' is HYPOTHETICAL: OpenHCL ships only 'real'.");
    expect(r.text).toMatch(/^ {2}real \(shipped\) +360 +8 +327 +0 +0 +25$/m);
    expect(r.text).toMatch(/^ {2}crc32c-in-header +368 +8 +325 +0 +35 +0$/m);
    expect(r.text).toContain("today's openhcl_boot on its save: BREAKS, panics [header_end_ne_region_start]");
  });

  test('--json is the library report, byte for byte, and the same on every run', async () => {
    const args = ['harden', '--variants', 'crc32c-in-header,real', '--granularity', 'u64', '--before', 'random', '--seed', '9', '--on-check-fail', 'fresh', '--json'];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect(a.code).toBe(0);
    expect(a.text).toBe(b.text);
    const want = hardenReportToJson(hardeningLab(defaultCrashSweepScenario(), { variants: ['crc32c-in-header', 'real'], granularity: 'u64', before: 'random', seed: 9, onCheckFail: 'fresh' }));
    expect(JSON.parse(a.text)).toEqual([JSON.parse(JSON.stringify(want))]);
  });

  test('a scenario file, or standard input', async () => {
    const file = join(dir, 'two.json');
    writeFileSync(file, JSON.stringify([defaultCrashSweepScenarioJson(), { ...defaultCrashSweepScenarioJson(), name: 'again' }]));
    const r = await runCli(['harden', file, '--variants', 'real', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.text) as { scenario: string }[]).map((x) => x.scenario)).toEqual([defaultCrashSweepScenarioJson().name, 'again']);
    const s = await runCli(['harden', '-', '--variants', 'invalidate-first', '--granularity', 'page'], readFileSync(file));
    expect(s.code).toBe(0);
    expect(s.text).toMatch(/^ {2}invalidate-first +5 +1 +1 +3 +0 +0$/m);
  });

  test.each([
    [['--variants', 'rot13'], /--variants takes all or a comma-separated list of real, crc32c-in-header, invalidate-first, generation, ab-slots \(got "rot13"\)/],
    [['--variants', ','], /--variants takes all/],
    [['--granularity', 'word'], /--granularity must be one of byte, u64, cacheline, page \(got "word"\)/],
    [['--before', 'later'], /--before must be one of previous, zeros, random \(got "later"\)/],
    [['--on-check-fail', 'retry'], /--on-check-fail must be one of panic, fresh \(got "retry"\)/],
    [['--sample', '0'], /--sample must be a positive integer/],
    [['a.json', 'b.json'], /harden takes at most one SCENARIO file/],
    [[join(dir, 'missing.json')], /cannot read .*missing\.json: no such file or directory/],
  ])('%j is a usage or input error: exit 2, the message on stderr, nothing on stdout', async (args, message) => {
    const r = await runCli(['harden', ...args]);
    expect(r.code).toBe(2);
    expect(r.text).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^vtl2-persist harden: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('a scenario with no save to sweep: exit 2 naming it', async () => {
    const file = join(dir, 'nosave.json');
    writeFileSync(file, JSON.stringify({ ...defaultCrashSweepScenarioJson(), name: 'no save', lifecycle: [{ op: 'boot' }] }));
    const r = await runCli(['harden', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('vtl2-persist harden: scenario "no save" has no save step to sweep\n');
  });

  test('--help documents the variants, the options and the exit codes', async () => {
    const r = await runCli(['harden', '--help']);
    expect(r.code).toBe(0);
    for (const word of ['crc32c-in-header', 'invalidate-first', 'generation', 'ab-slots', '--on-check-fail', 'HYPOTHETICAL', 'Exit codes: 0']) expect(r.text).toContain(word);
  });
});

describe('explore --harden', { timeout: 60_000 }, () => {
  test("the page data holds one grid per variant with the lab's counts", async () => {
    const r = await runCli(['explore', join(ROOT, 'docs/examples/torn-save.json'), '--harden', '--json']);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.text) as { hardening: { variants: { variant: string; grid: { counts: Record<string, number>; cells: unknown[] } }[] } };
    const lab = JSON.parse((await runCli(['harden', join(ROOT, 'docs/examples/torn-save.json'), '--json'])).text) as { variants: { variant: string; hardened: { counts: Record<string, number>; points: number } }[] }[];
    expect(data.hardening.variants.map((v) => [v.variant, v.grid.counts, v.grid.cells.length])).toEqual(lab[0]!.variants.map((v) => [v.variant, v.hardened.counts, v.hardened.points]));
  });

  test('--harden on raw bytes or a state is an input error', async () => {
    const r = await runCli(['explore', join(ROOT, 'docs/examples/state.json'), '--harden', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--harden needs a scenario file: .*state\.json is a SavedState, which has no save to tear/);
  });
});
