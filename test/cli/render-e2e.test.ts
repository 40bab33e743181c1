import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { crashSweep } from '../../src/sim/crash-sweep.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { ROOT } from '../support/cli.js';
import { builtCli, cleanupCli } from '../fuzz/cli-layer.js';
import { FIGURES, renderFigure } from '../docs/figures.js';

// `vtl2-persist render` as a user runs it: the built CLI (tsc output), in a separate process.
const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-render-'));
afterAll(() => cleanupCli());

function render(args: string[], input?: Uint8Array | string) {
  const r = spawnSync(process.execPath, [builtCli(), 'render', ...args], { cwd: ROOT, input, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

describe('vtl2-persist render (built CLI)', () => {
  test('the docs figures are what the built CLI writes to standard output', { timeout: 120_000 }, () => {
    for (const f of FIGURES) {
      const r = render(f.args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(renderFigure(f));
    }
  });

  test('-o writes the file atomically and refuses to overwrite without --force', () => {
    const out = join(dir, 'map.svg');
    expect(render(['map', 'docs/examples/state.json', '-o', out]).code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const again = render(['map', 'docs/examples/state.json', '-o', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`vtl2-persist render: refusing to overwrite ${out}: it exists (use --force to replace it)\n`);
    expect(render(['map', 'docs/examples/state.json', '-o', out, '--force', '--theme', 'dark']).code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toBe(svg);
  });

  test("the sweep's cells and legend counts equal crash-sweep's", () => {
    const r = render(['sweep', 'docs/examples/torn-save.json', '--granularity', 'u64']);
    expect(r.code).toBe(0);
    const scenario = parseScenarioFile(JSON.parse(readFileSync(join(ROOT, 'docs/examples/torn-save.json'), 'utf8')))[0]!;
    const report = crashSweep(scenario, { granularity: 'u64' });
    expect([...r.stdout.matchAll(/<rect class="cell" /g)].length).toBe(report.points);
    for (const [cls, n] of Object.entries(report.counts)) expect(r.stdout).toContain(`data-count-for="${cls}" data-count="${n}"`);
  });

  test('reads standard input: a region dump from image', () => {
    const image = spawnSync(process.execPath, [builtCli(), 'image', 'docs/examples/state.json', '--base', '0x8000000'], { cwd: ROOT });
    expect(image.status).toBe(0);
    const r = render(['bytes', '-', '--base', '0x8000000'], image.stdout);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('data-path="header.protobuf_base"');
    expect(r.stdout).toContain('GPA 0x8000008');
  });

  test.each([
    [['map'], 'missing INPUT (a file, or - for standard input)'],
    [['chart', 'x'], 'unknown figure "chart": expected map, bytes, sweep, harden'],
    [['sweep', 'docs/examples/state.json'], 'the sweep figure needs a scenario file: docs/examples/state.json is a SavedState, which has no save to tear'],
    [['map', 'docs/examples/torn-save.json', '--step', '2'], 'docs/examples/torn-save.json: lifecycle step 2 is not a boot step'],
    [['bytes', 'docs/examples/state.json', '--step', '1'], '--step goes with the map figure'],
    [['map', join(dir, 'missing.bin')], `cannot read ${join(dir, 'missing.bin')}: no such file or directory`],
  ])('%j exits 2 with one line', (args, message) => {
    const r = render(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`vtl2-persist render: ${message}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('JSON that is neither a state nor a scenario, and a payload that does not decode, exit 2', () => {
    const odd = join(dir, 'odd.json');
    writeFileSync(odd, '{"hello": 1}');
    expect(render(['map', odd]).stderr).toContain('is JSON but neither a SavedState');
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, Uint8Array.of(0x0a, 0x05, 0x0a));
    const r = render(['map', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the payload does not decode');
    expect(render(['bytes', bad]).code).toBe(0);
  });

  test('--help', () => {
    const r = render(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Usage: vtl2-persist render map|bytes|sweep|harden INPUT')).toBe(true);
    expect(existsSync(builtCli())).toBe(true);
  });
});
