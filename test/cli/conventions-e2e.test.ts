import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCrashSweep } from '../../src/cli/crash-sweep.js';
import { encodeSavedState } from '../../src/format/encode.js';
import { savedStateFromJson } from '../../src/format/state-json.js';
import { ROOT, runCli } from '../support/cli.js';

// The conventions every command shares (docs/cli.md, "Conventions"), end to end through the real
// entry point: --version and help, the one message for an unreadable file, JSON syntax errors with
// line and column, escaped and cut input in messages, negative numbers after options.

const dir = mkdtempSync(join(tmpdir(), 'vtl2-persist-conventions-'));
const at = (name: string) => join(dir, name);
const SCENARIO = 'docs/examples/torn-save.json';
const STATE = 'docs/examples/state.json';
const PAYLOAD = encodeSavedState(savedStateFromJson(JSON.parse(readFileSync(join(ROOT, STATE), 'utf8'))));
writeFileSync(at('payload.bin'), PAYLOAD);
writeFileSync(at('payload.hex'), `${Buffer.from(PAYLOAD).toString('hex').replace(/(..)/g, '$1 ')}\n`);
writeFileSync(at('bad.json'), '{\n  "a": 1,\n  "b" 2\n}\n');
mkdirSync(at('a-directory'));
const COMMANDS = ['demo', 'simulate', 'inspect', 'encode', 'decode', 'image', 'compat', 'crash-sweep'];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe.concurrent('--version and help', () => {
  test.each([['--version'], ['-V']])('%s prints the package version', async (flag) => {
    const r = await runCli([flag]);
    expect(r).toMatchObject({ code: 0, stderr: '', text: `vtl2-persist ${VERSION}\n` });
  });

  test('the version is read relative to the module: src/cli and dist/cli are both two levels below package.json', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(readFileSync(join(ROOT, 'src/cli/main.ts'), 'utf8')).toContain("new URL('../../package.json', import.meta.url)");
  });

  test.each(COMMANDS)('help %s prints exactly what %s --help prints', async (command) => {
    const [viaHelp, viaFlag] = await Promise.all([runCli(['help', command]), runCli([command, '--help'])]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stderr).toBe('');
    expect(viaHelp.text).toMatch(new RegExp(`^Usage: vtl2-persist ${command}`));
    expect(viaHelp.text).toBe(viaFlag.text);
  });

  test('help alone is the top-level help, which names --version and help COMMAND', async () => {
    const [help, flag] = await Promise.all([runCli(['help']), runCli(['--help'])]);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.text).toBe(flag.text);
    expect(help.text).toContain('--version');
    expect(help.text).toContain('help COMMAND');
  });

  test('help nope is an unknown command (exit 2)', async () => {
    const r = await runCli(['help', 'nope']);
    expect(r).toMatchObject({ code: 2, text: '' });
    expect(r.stderr).toBe(`vtl2-persist: unknown command "nope"\nRun 'vtl2-persist --help' for usage.\n`);
  });
});

/** Every way each command reads a file: [command, argv with FILE where the file goes]. */
const READERS: [string, string[]][] = [
  ['simulate', ['simulate', 'FILE']],
  ['simulate', ['simulate', 'FILE', '--generations', '2']],
  ['inspect', ['inspect', 'FILE']],
  ['inspect', ['inspect', at('payload.bin'), '--shim', 'FILE', '--host', SCENARIO]],
  ['inspect', ['inspect', at('payload.bin'), '--shim', SCENARIO, '--host', 'FILE']],
  ['inspect', ['inspect', at('payload.bin'), '--shim', SCENARIO, '--host', SCENARIO, '--cmdline', 'FILE']],
  ['encode', ['encode', 'FILE', '--hex']],
  ['decode', ['decode', 'FILE']],
  ['decode', ['decode', 'FILE', '--hex']],
  ['image', ['image', 'FILE', '--base', '0x8000000']],
  ['image', ['image', 'FILE', '--base', '0x8000000', '--payload']],
  ['crash-sweep', ['crash-sweep', 'FILE']],
];

describe.concurrent('an unreadable input file: "cannot read FILE: REASON", exit 2, in every command', () => {
  const cases = READERS.flatMap(([command, args]) => [
    [command, args, at('missing.json'), 'no such file or directory'] as const,
    [command, args, at('a-directory'), 'is a directory'] as const,
  ]);
  test.each(cases)('%s %j with %s', async (command, args, file, reason) => {
    const r = await runCli(args.map((a) => (a === 'FILE' ? file : a)));
    expect(r.stderr).toBe(`vtl2-persist ${command}: cannot read ${file}: ${reason}\n`);
    expect(r.code).toBe(2);
    expect(r.text).toBe('');
  });

  test.skipIf(process.getuid?.() === 0)('permission denied', async () => {
    writeFileSync(at('secret.json'), '{}');
    chmodSync(at('secret.json'), 0o000);
    const r = await runCli(['encode', at('secret.json'), '--hex']);
    expect(r).toMatchObject({ code: 2, stderr: `vtl2-persist encode: cannot read ${at('secret.json')}: permission denied\n` });
  });

  test.each(['simulate', 'inspect', 'encode', 'decode', 'crash-sweep'])('%s - when standard input is a directory', (command) => {
    const r = spawnSync('bash', ['-c', `${JSON.stringify(process.execPath)} --import tsx src/cli/bin.ts ${command} - < ${JSON.stringify(dir)}`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe(`vtl2-persist ${command}: cannot read <stdin>: is a directory\n`);
    expect(r.status).toBe(2);
  });
});

describe.concurrent('a JSON syntax error names its line and column, in every command that reads JSON', () => {
  const DETAIL = "not valid JSON at line 3, column 7: expected ':' after the property name, but found \"2\"";
  test.each<[string, string[], string]>([
    ['simulate', ['simulate', 'FILE'], `FILE: input: ${DETAIL}`],
    ['simulate', ['simulate', 'FILE', '--generations', '3'], `FILE: input: ${DETAIL}`],
    ['crash-sweep', ['crash-sweep', 'FILE'], `FILE: input: ${DETAIL}`],
    ['encode', ['encode', 'FILE', '--hex'], `FILE: ${DETAIL}`],
    ['image', ['image', 'FILE', '--base', '0x8000000'], `FILE: ${DETAIL}`],
    ['inspect', ['inspect', at('payload.bin'), '--shim', 'FILE', '--host', SCENARIO], `FILE: ${DETAIL}`],
    ['inspect', ['inspect', at('payload.bin'), '--shim', SCENARIO, '--host', 'FILE'], `FILE: ${DETAIL}`],
    ['inspect', ['inspect', at('payload.bin'), '--shim', SCENARIO, '--host', SCENARIO, '--cmdline', 'FILE'], `FILE: ${DETAIL}`],
  ])('%s %j', async (command, args, message) => {
    const r = await runCli(args.map((a) => (a === 'FILE' ? at('bad.json') : a)));
    expect(r.stderr).toBe(`vtl2-persist ${command}: ${message.replace('FILE', at('bad.json'))}\n`);
    expect(r.code).toBe(2);
  });

  test('from standard input too, named <stdin>', async () => {
    const r = await runCli(['encode', '-', '--hex'], '[1,\n 2,,]');
    expect(r).toMatchObject({ code: 2, stderr: 'vtl2-persist encode: <stdin>: not valid JSON at line 2, column 4: expected a value, but found ","\n' });
  });
});

describe.concurrent('input quoted in a message is escaped and cut', () => {
  test('a file name with control characters', async () => {
    const r = await runCli(['decode', 'evil\x1b[2J\x07name']);
    expect(r.stderr).toBe('vtl2-persist decode: cannot read evil\\x1b[2J\\x07name: no such file or directory\n');
  });

  test('an option value with an escape sequence, and a long one', async () => {
    const esc = await runCli(['crash-sweep', '--granularity', '\x1b[31mred']);
    expect(esc.stderr).toContain('--granularity must be one of byte, u64, cacheline, page (got "\\x1b[31mred")');
    const long = await runCli(['crash-sweep', '--fail-on', 'x'.repeat(1000)]);
    expect(long.stderr).toContain(`(got "${'x'.repeat(64)}"…(936 more))`);
    expect(long.stderr.length).toBeLessThan(400);
  });

  test('a value inside a JSON input file (SavedState type name, scenario name)', async () => {
    writeFileSync(at('evil-state.json'), JSON.stringify({ partition_memory: [{ vtl_type: `\u001b]0;pwned\u0007${'A'.repeat(100)}` }] }));
    const state = await runCli(['encode', at('evil-state.json'), '--hex']);
    expect(state.code).toBe(2);
    expect(state.stderr).toContain(`unknown type name "\\x1b]0;pwned\\x07${'A'.repeat(54)}"…(46 more)`);
    expect(state.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);

    const scenario = JSON.parse(readFileSync(join(ROOT, SCENARIO), 'utf8')) as Record<string, Record<string, unknown>>;
    scenario['shim_params']!['isolation'] = '\u009b2J';
    writeFileSync(at('evil-scenario.json'), JSON.stringify(scenario));
    const sim = await runCli(['simulate', at('evil-scenario.json')]);
    expect(sim.code).toBe(2);
    expect(sim.stderr).toContain('unknown name "\\x9b2J"');
  });

  test('an unknown option or command', async () => {
    expect((await runCli(['compat', '--\x1bx'])).stderr).toContain('unknown option "--\\x1bx"');
    expect((await runCli(['\x1b'])).stderr).toContain('unknown command "\\x1b"');
  });
});

describe.concurrent('negative numbers after options', () => {
  test.each<[string[], string]>([
    [['image', STATE, '--base', '-5'], '--base "-5" is not a guest-physical address (a guest-physical address cannot be negative)'],
    [['inspect', at('payload.bin'), '--base', '-0x1000'], '--base "-0x1000" is not a guest-physical address'],
    [['simulate', SCENARIO, '--generations', '-3'], '--generations must be a positive integer (got "-3")'],
    [['crash-sweep', '--sample', '-2'], '--sample must be a positive integer (got "-2")'],
    [['crash-sweep', '--seed', '-4294967297'], '--seed must be an integer from -4294967296 to 4294967295'],
    [['simulate', '-1'], '"-1" looks like a negative number, but no option before it takes a value'],
  ])('%j: a message naming the option, exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/unknown option|ambiguous|\n {4}at /);
  });

  test('--seed -1 counts back from 2^32: the same report as --seed 4294967295', async () => {
    const args = ['crash-sweep', '--granularity', 'u64', '--sample', '5', '--json'];
    const [neg, pos] = await Promise.all([runCli([...args, '--seed', '-1']), runCli([...args, '--seed', '4294967295'])]);
    expect(neg).toMatchObject({ code: 0, stderr: '' });
    expect(neg.text).toBe(pos.text);
    expect((JSON.parse(neg.text) as { seed: number }[])[0]!.seed).toBe(4294967295);
    const gen = await runCli(['simulate', SCENARIO, '--generations', '2', '--seed', '-1']);
    expect(gen.code).toBe(0);
    expect(gen.text).toContain('seed 4294967295');
  });

  test('an option followed by another option is missing its value', async () => {
    const r = await runCli(['image', STATE, '--base', '--payload']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('option --base needs a value, but is followed by the option "--payload"');
  });
});

describe.concurrent('inspect --hex and the boot emulation text', () => {
  test('inspect --hex reads hex text as decode --hex does: the same inspection as the bytes', async () => {
    const [hex, bin] = await Promise.all([runCli(['inspect', at('payload.hex'), '--hex', '--json']), runCli(['inspect', at('payload.bin'), '--json'])]);
    expect(hex).toMatchObject({ code: 0, stderr: '' });
    const strip = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), file: null });
    expect(strip(hex.text)).toEqual(strip(bin.text));
    expect((JSON.parse(hex.text) as { size: number }).size).toBe(PAYLOAD.length);
    const bad = await runCli(['inspect', at('bad.json'), '--hex']);
    expect(bad).toMatchObject({ code: 2, stderr: `vtl2-persist inspect: ${at('bad.json')} is not hex text (an even number of hex digits)\n` });
  });

  test('inspect --shim prints the decode heap as words; --json keeps the object', async () => {
    const args = ['inspect', at('payload.bin'), '--shim', SCENARIO, '--host', SCENARIO];
    const [text, json] = await Promise.all([runCli(args), runCli([...args, '--json'])]);
    const heap = (JSON.parse(json.text) as { boot: { bump_heap: { bytes: number; allocations: number; capacity: number } } }).boot.bump_heap;
    expect(heap.capacity).toBe(65536);
    expect(text.text).toContain(`  decode heap: ${heap.bytes} of ${heap.capacity} bytes (`);
    expect(text.text).toContain(`in ${heap.allocations} allocations\n    ${heap.capacity - heap.bytes} bytes left\n`);
    expect(text.text).not.toMatch(/decode heap: \{/);
  });
});

test('the crash-sweep progress line names the scenario once', () => {
  const chunks: string[] = [];
  const stderr = { isTTY: true, write: (c: string) => chunks.push(c) };
  expect(runCrashSweep(['--granularity', 'u64'], { stdout: { write: () => true }, stderr, env: {} })).toBe(0);
  const err = chunks.join('');
  expect(err.split('crash-sweep default').length - 1).toBe(1);
  expect(err).toContain('46/46 crash points');
  expect(err.endsWith('\r\x1b[K')).toBe(true);
});
