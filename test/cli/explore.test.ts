import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { defaultPageName, explorerScript, runExplore } from '../../src/cli/explore.js';
import { main } from '../../src/cli/main.js';
import type { ExploreData } from '../../src/web/explore-data.js';
import { ROOT } from '../support/cli.js';

// `vtl2-persist explore` in-process: where the page goes, what it holds, every misuse a one-line
// exit 2, and --open never failing the command. The page in a browser is test/browser's job.
const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-explore-'));
const at = (name: string) => join(dir, name);
const STATE = join(ROOT, 'docs/examples/state.json');
const SCENARIO = join(ROOT, 'docs/examples/torn-save.json');

/** Runs `vtl2-persist ARGV…` in-process through main() (or, with `env`, the command itself, whose Io carries it). */
function run(argv: string[], env?: Record<string, string | undefined>): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) => ({ write: (s: string | Uint8Array) => add(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')) });
  const stdout = sink((s) => (out += s));
  const stderr = sink((s) => (err += s));
  const code = env === undefined ? main(argv, stdout, stderr) : runExplore(argv.slice(1), { stdout, stderr, env });
  return { code, out, err };
}

/** The data embedded in a page. */
function embedded(html: string): ExploreData {
  const open = '<script type="application/json" id="explore-data">';
  const start = html.indexOf(open) + open.length;
  return JSON.parse(html.slice(start, html.indexOf('</script>', start))) as ExploreData;
}

describe('explore writes one page', () => {
  test('the default name is INPUT\'s base name with .html, in the current directory', () => {
    expect(defaultPageName('docs/examples/torn-save.json')).toBe('torn-save.html');
    expect(defaultPageName('/tmp/region.bin')).toBe('region.html');
    expect(defaultPageName('dump')).toBe('dump.html');
    expect(defaultPageName('.hidden')).toBe('.hidden.html');
    expect(defaultPageName('a.b.c')).toBe('a.b.html');
    const cwd = process.cwd();
    const here = at('default');
    mkdirSync(here);
    try {
      process.chdir(here);
      expect(run(['explore', STATE])).toEqual({ code: 0, out: '', err: '' });
      expect(existsSync(join(here, 'state.html'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  test('the page embeds exactly the data --json prints, and the bundled script', () => {
    const page = run(['explore', SCENARIO, '-o', '-']);
    expect(page.code).toBe(0);
    expect(page.out.startsWith('<!doctype html>\n')).toBe(true);
    const json = run(['explore', SCENARIO, '--json']);
    expect(json.code).toBe(0);
    const data = JSON.parse(json.out) as ExploreData;
    expect(embedded(page.out)).toEqual(data);
    expect(data.input).toMatchObject({ name: SCENARIO, kind: 'scenario' });
    expect(data.sweep).toBeNull();
    expect(page.out).toContain(explorerScript().slice(0, 200));
  });

  test('--sweep adds the sweep, --granularity u64 its 8-byte variant', () => {
    const byte = JSON.parse(run(['explore', SCENARIO, '--sweep', '--json']).out) as ExploreData;
    const u64 = JSON.parse(run(['explore', SCENARIO, '--sweep', '--granularity', 'u64', '--json']).out) as ExploreData;
    expect(byte.sweep?.granularity).toBe('byte');
    expect(u64.sweep?.granularity).toBe('u64');
    expect(u64.sweep!.cells.length).toBeLessThan(byte.sweep!.cells.length);
  });

  test('-o refuses an existing file without --force and replaces it with --force', () => {
    writeFileSync(at('old.html'), 'old');
    const r = run(['explore', STATE, '-o', at('old.html')]);
    expect(r).toEqual({ code: 2, out: '', err: `vtl2-persist explore: refusing to overwrite ${at('old.html')}: it exists (use --force to replace it)\n` });
    expect(readFileSync(at('old.html'), 'utf8')).toBe('old');
    expect(run(['explore', STATE, '-o', at('old.html'), '--force']).code).toBe(0);
    expect(readFileSync(at('old.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });

  test('- reads standard input (then -o is needed) and names it in the page', () => {
    let out = '';
    const stdout = { write: (t: string | Uint8Array) => void (out += typeof t === 'string' ? t : Buffer.from(t).toString('utf8')) };
    const code = runExplore(['-', '--json'], { stdout, stderr: stdout, stdin: readFileSync(STATE) });
    expect(code).toBe(0);
    expect((JSON.parse(out) as ExploreData).input).toMatchObject({ name: '-', kind: 'state' });
  });

  test('--base places a state\'s region image (the bytes view then names GPAs)', () => {
    const data = JSON.parse(run(['explore', STATE, '--base', '0x10000000', '--json']).out) as ExploreData;
    expect(data.bytes?.base).toBe('0x10000000');
  });
});

describe('explore misuse: one line, exit 2', () => {
  test.each<[string[], string]>([
    [['explore'], 'missing INPUT (a file, or - for standard input)'],
    [['explore', STATE, '--granularity', 'u64'], '--granularity goes with --sweep or --harden'],
    [['explore', SCENARIO, '--sweep', '--granularity', 'word'], '--granularity must be one of byte, u64, cacheline, page (got "word")'],
    [['explore', STATE, '--json', '-o', 'x.html'], '--json prints the data on standard output; it takes no -o or --open'],
    [['explore', STATE, '--force'], '--force goes with -o FILE'],
    [['explore', STATE, '--open', '-o', '-'], '--open needs a page file, not -o -'],
    [['explore', '-'], 'reading INPUT from standard input: give -o PAGE.html (or -o - for standard output)'],
    [['explore', STATE, '--payload', '--region'], '--payload and --region exclude each other'],
    [['explore', SCENARIO, '--base', '0x1000'], '--base is for raw bytes or a SavedState; a scenario places its region itself'],
    [['explore', STATE, '--base', '-1'], '--base "-1" is not a guest-physical address (a guest-physical address cannot be negative)'],
  ])('%j', (argv, message) => {
    const r = run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`vtl2-persist explore: ${message}\nRun 'vtl2-persist explore --help' for usage.\n`);
  });

  test.each<[string[], string]>([
    [['explore', at('missing.json')], `cannot read ${at('missing.json')}: no such file or directory`],
    [['explore', STATE, '--sweep', '-o', at('s.html')], `--sweep needs a scenario file: ${STATE} is a SavedState, which has no save to tear`],
  ])('bad input %j', (argv, message) => {
    const r = run(argv);
    expect(r).toEqual({ code: 2, out: '', err: `vtl2-persist explore: ${message}\n` });
  });

  test('a scenario with no save to sweep is a bad input, not a crash', () => {
    const scenario = JSON.parse(readFileSync(SCENARIO, 'utf8')) as { lifecycle: { op: string }[] };
    scenario.lifecycle = scenario.lifecycle.filter((s) => s.op !== 'save');
    writeFileSync(at('no-save.json'), JSON.stringify(scenario));
    const r = run(['explore', at('no-save.json'), '--sweep', '-o', at('no-save.html')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^vtl2-persist explore: .*no-save\.json: .+\n$/);
    expect(existsSync(at('no-save.html'))).toBe(false);
  });

  test('--help prints the usage', () => {
    const r = run(['explore', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: vtl2-persist explore INPUT/);
  });
});

describe.runIf(process.platform === 'linux')('--open', () => {
  test('starts xdg-open on the written page, detached', async () => {
    const bin = at('bin');
    mkdirSync(bin);
    const seen = at('opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > ${JSON.stringify(seen)}\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const r = run(['explore', STATE, '-o', at('opened.html'), '--open'], { PATH: `${bin}:/usr/bin:/bin` });
    expect(r).toEqual({ code: 0, out: '', err: '' });
    for (let i = 0; i < 100 && !existsSync(seen); i++) await new Promise((f) => setTimeout(f, 50));
    expect(readFileSync(seen, 'utf8')).toBe(at('opened.html'));
  });

  test('without an opener the page is still written, and the command says so (exit 0)', () => {
    const r = run(['explore', STATE, '-o', at('unopened.html'), '--open'], { PATH: at('empty-path') });
    expect(r).toEqual({ code: 0, out: `wrote ${at('unopened.html')}; no 'xdg-open' to open it with: open it in a browser yourself\n`, err: '' });
    expect(readFileSync(at('unopened.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });
});
