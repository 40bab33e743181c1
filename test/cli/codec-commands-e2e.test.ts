import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, type CliRun } from '../support/cli.js';
import { ENCODE_USAGE, IMAGE_USAGE, runEncode, runImage, } from '../../src/cli/codec-commands.js';
import type { Io as CliIo } from '../../src/cli/io.js';
import { demoState } from '../../src/cli/demo.js';
import { savedStateToJson } from '../../src/format/state-json.js';
import { loadBootVectorFile } from '../support/vectors.js';

// `encode`, `decode` and `image` run as a user would: a separate node process per command, real
// files in a temp dir, standard input, raw bytes on stdout, exit codes and stderr.

type Command = 'runEncode' | 'runDecode' | 'runImage';
const COMMAND_NAME: Record<Command, string> = { runEncode: 'encode', runDecode: 'decode', runImage: 'image' };

/** Runs `vtl2-persist encode|decode|image ARGS…` through the real entry point. */
function cli(command: Command, args: string[], input?: Uint8Array | string): Promise<CliRun> {
  return runCli([COMMAND_NAME[command], ...args], input);
}

/** Worked example A of the shared vectors: the real usermode writer's payload and header. */
function exampleASave(): { payload: Buffer; header: Buffer } {
  const a = loadBootVectorFile('boot-worked-examples.json').find((v) => v.name === 'A')!;
  const save = a.expected.steps.find((s) => s['op'] === 'save')!;
  return { payload: Buffer.from(save['payload_hex'] as string, 'hex'), header: Buffer.from(save['header_hex'] as string, 'hex') };
}

/** The 78-byte example payload of docs/format.md (worked example A's memory map), with the CPU lists appended. */
const SPEC_EXAMPLE_HEX =
  '0a0d0a031080201a02080b220208030a130a070880201080800810011a02080c2202080312120a0c08808080800f10808080c00f1202080512140a0e0880808080fc011080808080800212020806' +
  '1a0301ac02' +
  '220100';

let dir: string;
const path = (name: string) => join(dir, name);
const demoJsonText = `${JSON.stringify(savedStateToJson(demoState()), null, 2)}\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vtl2-codec-'));
  writeFileSync(path('demo.json'), demoJsonText);
  writeFileSync(path('spec.bin'), Buffer.from(SPEC_EXAMPLE_HEX, 'hex'));
  writeFileSync(path('huge.bin'), new Uint8Array(0x13001));
  writeFileSync(path('bad-state.json'), '{"partition_memory": [{"range": {"start": "0x0", "end": "0x1000"}, "vnod": 1}]}');
  writeFileSync(path('too-big.json'), '{"partition_memory": [{"vnode": 4294967296}]}');
  writeFileSync(path('not-json.json'), '{"partition_memory": [');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('vtl2-persist encode / decode', () => {
  test("encode: worked example A's state (the demo state) encodes to the real 330-byte payload", async () => {
    const real = exampleASave().payload;
    expect(real.length).toBe(330);
    const toFile = await cli('runEncode', [path('demo.json'), '-o', path('a.bin')]);
    expect(toFile).toMatchObject({ code: 0, stderr: '', text: '' });
    expect(readFileSync(path('a.bin')).equals(real)).toBe(true);
    // Without -o the bytes go to stdout (a pipe here), byte for byte.
    const toStdout = await cli('runEncode', [path('demo.json')]);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout.equals(real)).toBe(true);
  });

  test('encode -o FILE then decode FILE: the canonical JSON comes back, and re-encodes to the same bytes', async () => {
    expect((await cli('runEncode', [path('demo.json'), '--output', path('rt.bin')])).code).toBe(0);
    const decoded = await cli('runDecode', [path('rt.bin')]);
    expect(decoded).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(decoded.text)).toEqual(savedStateToJson(demoState()));
    expect(decoded.text).toBe(demoJsonText);
    writeFileSync(path('rt.json'), decoded.text);
    const again = await cli('runEncode', [path('rt.json')]);
    expect(again.stdout.equals(readFileSync(path('rt.bin')))).toBe(true);
  });

  test('encode - then decode -: the round trip through standard input', async () => {
    const encoded = await cli('runEncode', ['-'], demoJsonText);
    expect(encoded.code).toBe(0);
    expect(encoded.stdout.equals(exampleASave().payload)).toBe(true);
    const decoded = await cli('runDecode', ['-'], encoded.stdout);
    expect(decoded.code).toBe(0);
    expect(JSON.parse(decoded.text)).toEqual(savedStateToJson(demoState()));
  });

  test('encode --hex / --json and decode --hex: text forms of the same bytes', async () => {
    const real = exampleASave().payload.toString('hex');
    const hexOut = await cli('runEncode', [path('demo.json'), '--hex']);
    expect(hexOut).toMatchObject({ code: 0, text: `${real}\n` });
    const jsonOut = await cli('runEncode', [path('demo.json'), '--json']);
    expect(JSON.parse(jsonOut.text)).toEqual({ length: 330, hex: real });
    const back = await cli('runDecode', ['--hex', '-'], hexOut.text);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.text)).toEqual(savedStateToJson(demoState()));
  });

  test("decode of the documented example payload gives its topology; encode gives the same bytes back", async () => {
    const decoded = await cli('runDecode', [path('spec.bin'), '--json']);
    expect(decoded.code).toBe(0);
    const state = JSON.parse(decoded.text) as ReturnType<typeof savedStateToJson>;
    expect(state.partition_memory).toEqual([
      { range: { start: '0x0', end: '0x1000' }, vnode: 0, vtl_type: 'VTL2_PERSISTED_STATE_HEADER', igvm_type: 'VTL2_PROTECTABLE' },
      { range: { start: '0x1000', end: '0x20000' }, vnode: 1, vtl_type: 'VTL2_PERSISTED_STATE_PROTOBUF', igvm_type: 'VTL2_PROTECTABLE' },
    ]);
    expect(state.partition_mmio.map((e) => e.vtl_type)).toEqual(['VTL0_MMIO', 'VTL2_MMIO']);
    expect(state.cpus_with_mapped_interrupts_no_io).toEqual([1, 300]);
    expect(state.cpus_with_outstanding_io).toEqual([0]);
    const encoded = await cli('runEncode', ['-', '--hex'], decoded.text);
    expect(encoded.text.trim()).toBe(SPEC_EXAMPLE_HEX);
  });

  test('decode of a payload the real decoder rejects: exit 1, the mesh error, offset, path and the boot-shim panic', async () => {
    // vtl_type written as a plain varint (`18 0b`), the naive enum encoding.
    const r = await cli('runDecode', ['-'], Buffer.from('0a02180b', 'hex'));
    expect(r.code).toBe(1);
    expect(r.text).toBe('');
    expect(r.stderr).toContain('expected a message at offset 2 (partition_memory[0].vtl_type)');
    expect(r.stderr).toContain('openhcl_boot would panic: failed to decode protobuf: Error(ErrorInner { types: [], err: ExpectedMessage })');
    const json = await cli('runDecode', ['-', '--json'], Buffer.from('0a02180b', 'hex'));
    expect(json.code).toBe(1);
    expect(JSON.parse(json.text)).toEqual({
      error: { code: 'expected_message', message: 'expected a message', mesh_variant: 'ExpectedMessage', offset: 2, path: 'partition_memory[0].vtl_type' },
    });
  });

  test('decode of a region dump says so', async () => {
    const image = Buffer.concat([exampleASave().header, Buffer.alloc(0x1000 - 32), exampleASave().payload]);
    const r = await cli('runDecode', ['-'], image);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing resource at offset 0/);
    expect(r.stderr).toMatch(/starts with the OHCLPHDR header magic: it is a region dump.*inspect/);
  });
});

describe.concurrent('vtl2-persist image', () => {
  test("image --base 0x8000000: the header page and the 19-page payload region, as worked example A's writer leaves them", async () => {
    const r = await cli('runImage', [path('demo.json'), '--base', '0x8000000', '-o', path('a.img')]);
    expect(r).toMatchObject({ code: 0, stderr: '', text: '' });
    const image = readFileSync(path('a.img'));
    const real = exampleASave();
    expect(image.length).toBe(0x14000);
    expect(image.subarray(0, 32).equals(real.header)).toBe(true);
    expect(image.subarray(32, 0x1000).every((b) => b === 0)).toBe(true);
    expect(image.subarray(0x1000, 0x1000 + 330).equals(real.payload)).toBe(true);
    expect(image.subarray(0x1000 + 330).every((b) => b === 0)).toBe(true);
    // The same bytes on stdout; the header follows --base.
    const piped = await cli('runImage', ['-', '--base', '0x1_0000_0000'], demoJsonText);
    expect(piped.code).toBe(0);
    expect(piped.stdout.length).toBe(0x14000);
    expect(piped.stdout.readBigUInt64LE(8)).toBe(0x1_0000_1000n);
    expect(piped.stdout.subarray(16).equals(image.subarray(16))).toBe(true);
  });

  test('image --payload places raw payload bytes as they are', async () => {
    const r = await cli('runImage', [path('spec.bin'), '--payload', '--base', '4096']);
    expect(r.code).toBe(0);
    expect(r.stdout.readBigUInt64LE(8)).toBe(0x2000n);
    expect(r.stdout.readBigUInt64LE(24)).toBe(BigInt(SPEC_EXAMPLE_HEX.length / 2));
    expect(r.stdout.subarray(0x1000, 0x1000 + SPEC_EXAMPLE_HEX.length / 2).toString('hex')).toBe(SPEC_EXAMPLE_HEX);
  });

  test('a payload longer than the 0x13000-byte region is a failed check: exit 1, nothing written', async () => {
    const r = await cli('runImage', [path('huge.bin'), '--payload', '--base', '0x8000000']);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/the payload is 77825 bytes .*holds only 0x13000/);
  });
});

describe.concurrent('usage and input errors exit 2 with a message on stderr', () => {
  test.each<[Command, string[], RegExp]>([
    ['runEncode', [], /missing STATE\.json/],
    ['runEncode', ['a.json', 'b.json'], /expected one STATE\.json, got 2/],
    ['runEncode', ['x.json', '--bogus'], /unknown option "--bogus"/],
    ['runEncode', ['x.json', '--hex', '--json'], /--hex and --json are alternatives/],
    ['runEncode', ['/nonexistent/state.json'], /^vtl2-persist encode: cannot read \/nonexistent\/state\.json: no such file or directory\n$/],
    ['runEncode', ['@bad-state.json'], /partition_memory\[0\]\.vnod: unknown field/],
    ['runEncode', ['@too-big.json'], /partition_memory\[0\]\.vnode: .*does not fit a u32/],
    ['runEncode', ['@not-json.json'], /not-json\.json: not valid JSON at line \d+, column \d+: /],
    ['runDecode', [], /missing PAYLOAD/],
    ['runDecode', ['--hex', '@demo.json'], /is not hex text/],
    ['runImage', ['@demo.json'], /--base GPA is required/],
    ['runImage', ['@demo.json', '--base', '0x8000800'], /--base 0x8000800 is not 4 KiB aligned/],
    ['runImage', ['@demo.json', '--base', 'lots'], /--base "lots" is not a guest-physical address/],
    ['runImage', ['@demo.json', '--base', '0xfffffffffffff000'], /would run past the top of the address space/],
  ])('%s %j', async (command, args, message) => {
    const r = await cli(command, args.map((a) => (a.startsWith('@') ? path(a.slice(1)) : a)));
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(message);
  });

  test.each<[Command, RegExp]>([
    ['runEncode', /^Usage: vtl2-persist encode STATE\.json/],
    ['runDecode', /^Usage: vtl2-persist decode PAYLOAD/],
    ['runImage', /^Usage: vtl2-persist image STATE\.json --base GPA/],
  ])('%s --help prints usage on stdout and exits 0', async (command, usage) => {
    const r = await cli(command, ['--help']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(usage);
    expect(r.stderr).toBe('');
  });
});

describe('binary output is never written to a terminal', () => {
  /** A stream that says it is a terminal, collecting what is written. */
  function tty(): Writable & { isTTY: boolean; data: string } {
    const chunks: Buffer[] = [];
    const s = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    }) as Writable & { isTTY: boolean; data: string };
    s.isTTY = true;
    Object.defineProperty(s, 'data', { get: () => Buffer.concat(chunks).toString('utf8') });
    return s;
  }

  test.each([
    ['encode', (io: CliIo) => runEncode([path('demo.json')], io)],
    ['image', (io: CliIo) => runImage([path('demo.json'), '--base', '0x8000000'], io)],
  ])('%s to a TTY stdout: exit 2, suggesting -o', (_name, run) => {
    const io = { stdout: tty(), stderr: tty() };
    expect(run(io)).toBe(2);
    expect(io.stdout.data).toBe('');
    expect(io.stderr.data).toMatch(/refusing to write the .* to a terminal; use -o FILE/);
  });

  test('with -o FILE (or --hex) a TTY stdout is fine', () => {
    const io = { stdout: tty(), stderr: tty() };
    expect(runEncode([path('demo.json'), '-o', path('tty.bin')], io)).toBe(0);
    expect(readFileSync(path('tty.bin')).equals(exampleASave().payload)).toBe(true);
    expect(runEncode([path('demo.json'), '--hex'], io)).toBe(0);
    expect(io.stdout.data.trim()).toBe(exampleASave().payload.toString('hex'));
    expect(io.stderr.data).toBe('');
  });

  test('the usage texts name every option', () => {
    for (const option of ['-o, --output FILE', '--hex', '--json']) expect(ENCODE_USAGE).toContain(option);
    for (const option of ['--base GPA', '--payload', '-o, --output FILE']) expect(IMAGE_USAGE).toContain(option);
  });
});
