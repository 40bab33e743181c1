import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildImage } from '../../src/usermode/region-image.js';
import { demoState } from '../../src/cli/demo.js';
import { runInspect } from '../../src/cli/inspect.js';
import { encodeSavedState } from '../../src/format/encode.js';
import { savedStateToJson } from '../../src/format/state-json.js';
import { runCli, type CliRun } from '../support/cli.js';
import { loadBootVectorFile } from '../support/vectors.js';

// `inspect` run as a user would: a separate node process, real files in a temp dir, exit codes,
// human output and --json.

/** Runs `vtl2-persist inspect ARGS…` through the real entry point. */
function inspect(args: string[], input?: Uint8Array): Promise<CliRun> {
  return runCli(['inspect', ...args], input);
}

/** `inspect --json`: the parsed output, plus the exit code. */
async function inspectJson(args: string[], input?: Uint8Array): Promise<{ code: number | null; json: InspectJson; stderr: string }> {
  const r = await inspect([...args, '--json'], input);
  return { code: r.code, json: JSON.parse(r.text) as InspectJson, stderr: r.stderr };
}

interface WireRowJson {
  offset: number;
  end: number;
  depth: number;
  path: string;
  field: number;
  name: string | null;
  wire_type: number;
  unknown: boolean;
  value?: string;
  data_hex?: string;
  repeat?: number;
}
interface InspectJson {
  kind: 'region' | 'payload';
  detection: string;
  base: string | null;
  header: null | { status: string; magic: string; magic_ascii: string; protobuf_base: string; protobuf_region_len: string; protobuf_payload_len: string; hex: string; fields: { name: string; value: string; decimal: string }[] };
  payload: null | { file_offset: number; gpa: string | null; length: number; declared_length: string | null };
  findings: { code: string; severity: string; message: string }[];
  decoded: unknown;
  decode_error: null | { code: string; offset: number; path: string };
  wire: null | { rows: WireRowJson[]; error: null | { code: string; offset: number; path: string } };
  boot_inputs?: { loaded_at: string; header_read_at: string; synthesized_header: string | null };
  boot?: Record<string, unknown>;
}

const BASE = 0x800_0000n;
const PAYLOAD = encodeSavedState(demoState());
const DEMO_JSON = savedStateToJson(demoState());

let dir: string;
const path = (name: string) => join(dir, name);

/** The demo image with header fields overwritten. */
function patched(fields: { magic?: Buffer; protobufBase?: bigint; payloadLen?: bigint }): Buffer {
  const image = Buffer.from(buildImage(PAYLOAD, BASE));
  if (fields.magic) fields.magic.copy(image, 0);
  if (fields.protobufBase !== undefined) image.writeBigUInt64LE(fields.protobufBase, 8);
  if (fields.payloadLen !== undefined) image.writeBigUInt64LE(fields.payloadLen, 24);
  return image;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vtl2-inspect-'));
  writeFileSync(path('state.json'), JSON.stringify(DEMO_JSON));
  writeFileSync(path('good.img'), buildImage(PAYLOAD, BASE));
  writeFileSync(path('payload.bin'), PAYLOAD);
  writeFileSync(path('draft.img'), patched({ magic: Buffer.from('RDHPLCHO', 'latin1') }));
  writeFileSync(path('unaligned.img'), patched({ protobufBase: BASE + 0x1010n }));
  writeFileSync(path('huge-len.img'), patched({ payloadLen: 1n << 63n }));
  writeFileSync(path('outside.img'), patched({ protobufBase: BASE + 0x30_0000n }));
  // vtl_type written as a plain varint: the real decoder rejects it, so openhcl_boot panics.
  writeFileSync(path('bad-payload.img'), buildImage(Buffer.from('0a02180b', 'hex'), BASE));
  // An unknown length-delimited field 9 at the top level, and one inside a memory entry (with vnode 5).
  writeFileSync(path('unknown.bin'), Buffer.concat([Buffer.from('4a02abcd' + '0a06' + '4a02abcd' + '1005', 'hex'), PAYLOAD]));
  // Cut inside partition_mmio[0]: its length (0x12 at offset 0x105) overruns the buffer.
  writeFileSync(path('cut.bin'), PAYLOAD.subarray(0, 0x110));
  const a = loadBootVectorFile('boot-worked-examples.json').find((v) => v.name === 'A')!.input;
  writeFileSync(path('shim.json'), JSON.stringify(a['shim_params']));
  writeFileSync(path('host.json'), JSON.stringify(a['host_dt']));
  writeFileSync(path('scenario.json'), JSON.stringify(a));
  writeFileSync(path('cmdline.json'), JSON.stringify({ enable_vtl2_gpa_pool: 'release' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('inspect a region dump', () => {
  test('image then inspect --json: the header fields, no findings, the decoded topology', async () => {
    const image = (await runCli(['image', path('state.json'), '--base', '0x8000000', '-o', path('cli.img')])).code;
    expect(image).toBe(0);
    const { code, json } = await inspectJson([path('cli.img'), '--base', '0x8000000']);
    expect(code).toBe(0);
    expect(json.kind).toBe('region');
    expect(json.detection).toMatch(/OHCLPHDR magic/);
    expect(json.base).toBe('0x8000000');
    expect(json.header).toMatchObject({
      status: 'valid',
      magic: '0x524448504c43484f',
      magic_ascii: 'OHCLPHDR',
      protobuf_base: '0x8001000',
      protobuf_region_len: '0x13000',
      protobuf_payload_len: '0x14a',
    });
    expect(json.header!.fields.map((f) => [f.name, f.value, f.decimal])).toEqual([
      ['magic', '0x524448504c43484f', ''],
      ['protobuf_base', '0x8001000', '134221824'],
      ['protobuf_region_len', '0x13000', '77824'],
      ['protobuf_payload_len', '0x14a', '330'],
    ]);
    expect(json.findings).toEqual([]);
    expect(json.payload).toEqual({ file_offset: 0x1000, gpa: '0x8001000', length: 330, declared_length: '0x14a' });
    expect(json.decoded).toEqual(DEMO_JSON);
    expect(json.decode_error).toBeNull();
    expect(json.wire!.error).toBeNull();
    expect(json.wire!.rows.some((r) => r.unknown)).toBe(false);
    expect(json.wire!.rows[0]).toMatchObject({ offset: 0, path: 'partition_memory[0]', field: 1, wire_type: 2, unknown: false });
  });

  test('human output: annotated header, findings, topology table, wire view', async () => {
    const r = await inspect([path('good.img'), '--base', '0x8000000']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.text).toMatch(/0x00\s+4f 48 43 4c 50 48 44 52\s+magic\s+0x524448504c43484f\s+"OHCLPHDR": valid magic/);
    expect(r.text).toMatch(/0x08\s+00 10 00 08 00 00 00 00\s+protobuf_base\s+0x8001000\s+134221824\s+GPA of the payload region; base \+ 0x1000/);
    expect(r.text).toMatch(/0x10\s+00 30 01 00 00 00 00 00\s+protobuf_region_len\s+0x13000\s+77824\s+76 KiB \(19 pages\)/);
    expect(r.text).toMatch(/0x18\s+4a 01 00 00 00 00 00 00\s+protobuf_payload_len\s+0x14a\s+330\s+330 bytes of the 76 KiB region/);
    expect(r.text).toMatch(/findings:\n {2}none/);
    expect(r.text).toMatch(/0xbe00000-0xc000000\s+2 MiB\s+VTL2_GPA_POOL\s+0\s+VTL2_PROTECTABLE/);
    expect(r.text).toMatch(/0x0000\s+0a 07\s+1\s+partition_memory\[0\]\s+len 7/);
    expect(r.text).toMatch(/0x0019\s+08 0b\s+1\s+field1\s+varint\s+11\s+VTL2_PERSISTED_STATE_HEADER/);
    expect(r.text).toMatch(/0x0144\s+1a 01 02\s+3\s+cpus_with_mapped_interrupts_no_io\s+len 1\s+packed: 2/);
  });

  test('the byte-swapped draft magic is flagged (exit 1)', async () => {
    const { code, json } = await inspectJson([path('draft.img')]);
    expect(code).toBe(1);
    expect(json.kind).toBe('region');
    expect(json.detection).toMatch(/draft magic "RDHPLCHO"/);
    expect(json.header).toMatchObject({ status: 'draft_magic', magic: '0x4f48434c50484452', magic_ascii: 'RDHPLCHO' });
    expect(json.findings).toEqual([expect.objectContaining({ code: 'draft_magic', severity: 'error' })]);
    const human = await inspect([path('draft.img')]);
    expect(human.text).toMatch(/"RDHPLCHO": byte-swapped DRAFT magic/);
    expect(human.text).toMatch(/ERROR\s+draft_magic: .*not the shipped OHCLPHDR/);
  });

  test('an unaligned protobuf_base is flagged (exit 1)', async () => {
    const { code, json } = await inspectJson([path('unaligned.img')]);
    expect(code).toBe(1);
    expect(json.findings).toContainEqual(expect.objectContaining({ code: 'unaligned_base', severity: 'error' }));
    expect(json.findings.find((f) => f.code === 'unaligned_base')!.message).toMatch(/0x8001010 is not 4 KiB aligned/);
  });

  test('protobuf_payload_len 2^63 > region: flagged, and the payload read is bounded by the file (exit 1)', async () => {
    const { code, json } = await inspectJson([path('huge-len.img'), '--base', '0x8000000']);
    expect(code).toBe(1);
    expect(json.findings.map((f) => [f.code, f.severity])).toEqual([
      ['payload_len_gt_region_len', 'error'],
      ['payload_truncated', 'warning'],
    ]);
    expect(json.findings[0]!.message).toContain('protobuf payload len 9223372036854775808 is larger than region len 77824');
    expect(json.payload).toMatchObject({ file_offset: 0x1000, length: 0x13000, declared_length: '0x8000000000000000' });
    // The zero padding after the payload reads as `00 00` pairs (field 0, ignored): one folded row.
    const last = json.wire!.rows.at(-1)!;
    expect(last).toMatchObject({ offset: 330, end: 0x13000, field: 0, unknown: true, repeat: (0x13000 - 330) / 2 });
  });

  test('a payload region outside the 2 MiB persisted area is flagged when --base is given (exit 1)', async () => {
    const withBase = await inspectJson([path('outside.img'), '--base', '0x8000000']);
    expect(withBase.code).toBe(1);
    expect(withBase.json.findings).toContainEqual(expect.objectContaining({ code: 'region_outside_persisted_area', severity: 'error' }));
    expect(withBase.json.findings.find((f) => f.code === 'region_outside_persisted_area')!.message).toContain(
      '[0x8300000, 0x8313000) is not inside the 2 MiB persisted area [0x8000000, 0x8200000)',
    );
    expect(withBase.json.findings).toContainEqual(expect.objectContaining({ code: 'payload_not_in_dump' }));
    // Without --base nothing says where the area is: the payload is taken right after the header
    // page and decodes, but its saved header entry does not end at protobuf_base.
    const without = await inspectJson([path('outside.img')]);
    expect(without.code).toBe(1);
    expect(without.json.findings.map((f) => f.code)).toEqual(['header_entry_end_ne_protobuf_base']);
    expect(without.json.decoded).toEqual(DEMO_JSON);
  });
});

describe.concurrent('inspect a bare payload', () => {
  test('detected without a magic: decoded, no header (exit 0); also from standard input', async () => {
    const { code, json } = await inspectJson([path('payload.bin')]);
    expect(code).toBe(0);
    expect(json.kind).toBe('payload');
    expect(json.header).toBeNull();
    expect(json.payload).toEqual({ file_offset: 0, gpa: null, length: 330, declared_length: null });
    expect(json.decoded).toEqual(DEMO_JSON);
    const stdin = await inspect(['-'], PAYLOAD);
    expect(stdin.code).toBe(0);
    expect(stdin.text).toMatch(/^<stdin>: bare payload .*330 bytes/);
    expect(stdin.text).toMatch(/13 memory entries, 3 MMIO entries/);
  });

  test('--payload forces it: a region dump read as a payload starts with an unusable key (exit 1)', async () => {
    const { code, json } = await inspectJson([path('good.img'), '--payload']);
    expect(code).toBe(1);
    expect(json.kind).toBe('payload');
    expect(json.decode_error).toMatchObject({ code: 'missing_resource', offset: 0, path: '<field 9>' });
  });

  test('raw wire view: unknown fields are kept and marked, at the top level and nested', async () => {
    const { code, json } = await inspectJson([path('unknown.bin')]);
    expect(code).toBe(0);
    const unknown = json.wire!.rows.filter((r) => r.unknown);
    expect(unknown).toEqual([
      expect.objectContaining({ offset: 0, path: '<field 9>', field: 9, name: null, wire_type: 2, data_hex: 'abcd', depth: 0 }),
      expect.objectContaining({ offset: 6, path: 'partition_memory[0].<field 9>', field: 9, data_hex: 'abcd', depth: 1 }),
    ]);
    expect(json.wire!.rows[3]).toMatchObject({ offset: 10, path: 'partition_memory[0].vnode', value: '0x5', unknown: false });
    expect((json.decoded as typeof DEMO_JSON).partition_memory[0]).toMatchObject({ vnode: 5 });
    const human = await inspect([path('unknown.bin')]);
    expect(human.text).toMatch(/0x0000\s+4a 02\s+9\s+<field 9> UNKNOWN\s+len 2\s+ab cd\s+unknown field: skipped by the decoder/);
    expect(human.text).toMatch(/0x0006\s+4a 02\s+9\s+ {2}<field 9> UNKNOWN/);
  });

  test('raw wire view of a rejected payload: the fields up to the error, then the error and its offset (exit 1)', async () => {
    const { code, json } = await inspectJson([path('cut.bin')]);
    expect(code).toBe(1);
    const expected = { code: 'eof_byte_array', offset: 0x105, path: 'partition_mmio' };
    expect(json.decode_error).toMatchObject(expected);
    expect(json.wire!.error).toMatchObject(expected);
    // Every field before partition_mmio[0]'s key at 0x104 is listed, and nothing after it.
    expect(json.wire!.rows.at(-1)!.end).toBe(0x104);
    expect(json.wire!.rows.filter((r) => r.depth === 0)).toHaveLength(13);
    expect(json.findings).toEqual([expect.objectContaining({ code: 'payload_rejected', severity: 'error' })]);
    const human = await inspect([path('cut.bin')]);
    expect(human.text).toMatch(/0x0105 {2}ERROR: eof parsing a byte array in partition_mmio; the real decoder stops here/);
    expect(human.text).toContain('openhcl_boot would panic: failed to decode protobuf: Error(ErrorInner { types: [], err: EofByteArray })');
  });
});

describe.concurrent('inspect --shim --host: what openhcl_boot would do', () => {
  test('a good image takes the persisted path (exit 0)', async () => {
    const { code, json } = await inspectJson([path('good.img'), '--shim', path('shim.json'), '--host', path('host.json')]);
    expect(code).toBe(0);
    expect(json.base).toBe('0x8000000');
    expect(json.boot_inputs).toMatchObject({ loaded_at: '0x8000000', header_read_at: '0x8000000', synthesized_header: null });
    expect(json.boot).toMatchObject({ op: 'boot', path: 'persisted', reason: 'valid magic', sidecar_excluded_cpus: [1, 2] });
    expect(json.boot!['pool_ranges']).toEqual([{ start: '0xbe00000', end: '0xc000000' }]);
    const human = await inspect([path('good.img'), '--shim', path('scenario.json'), '--host', path('scenario.json'), '--cmdline', path('cmdline.json')]);
    expect(human.code).toBe(0);
    expect(human.text).toContain('restored from persisted state (valid magic)');
    expect(human.text).toMatch(/0xbe00000-0xc000000\s+VTL2_GPA_POOL\s+0\s+VTL2_PROTECTABLE/);
  });

  test('a bare payload gets the header OpenHCL would write, and is restored too', async () => {
    const { code, json } = await inspectJson([path('payload.bin'), '--shim', path('scenario.json'), '--host', path('scenario.json')]);
    expect(code).toBe(0);
    expect(json.boot_inputs!.synthesized_header).toBe('4f48434c50484452001000080000000000300100000000004a01000000000000');
    expect(json.boot).toMatchObject({ path: 'persisted' });
  });

  test('a payload the decoder rejects: exit 1 with the panic and its kind', async () => {
    const { code, json } = await inspectJson([path('bad-payload.img'), '--shim', path('scenario.json'), '--host', path('scenario.json')]);
    expect(code).toBe(1);
    expect(json.boot).toMatchObject({
      path: 'panic',
      attempted_path: 'persisted',
      panic_kind: 'protobuf_decode_failed',
      panic: 'failed to decode protobuf: Error(ErrorInner { types: [], err: ExpectedMessage })',
    });
    const human = await inspect([path('bad-payload.img'), '--shim', path('shim.json'), '--host', path('host.json')]);
    expect(human.code).toBe(1);
    expect(human.text).toMatch(/PANIC on the persisted path \[protobuf_decode_failed\]/);
  });

  test('protobuf_payload_len 2^63: the emulated shim panics on the length, nothing is allocated', async () => {
    const { code, json } = await inspectJson([path('huge-len.img'), '--shim', path('shim.json'), '--host', path('host.json')]);
    expect(code).toBe(1);
    expect(json.boot).toMatchObject({ path: 'panic', panic_kind: 'payload_len_gt_region_len' });
  });
});

describe.concurrent('inspect usage errors exit 2 with a message on stderr', () => {
  test.each<[string[], RegExp]>([
    [[], /missing FILE/],
    [['a', 'b'], /expected one FILE, got 2/],
    [['@good.img', '--frobnicate'], /unknown option "--frobnicate"/],
    [['@good.img', '--payload', '--region'], /--payload and --region contradict each other/],
    [['@good.img', '--shim', '@shim.json'], /--shim and --host go together/],
    [['@good.img', '--cmdline', '@cmdline.json'], /--cmdline needs --shim and --host/],
    [['@good.img', '--base', '0x8zz'], /--base "0x8zz" is not a guest-physical address/],
    [['@missing.img'], /^vtl2-persist inspect: cannot read .*missing\.img: no such file or directory\n$/],
    [['@good.img', '--shim', '@host.json', '--host', '@host.json'], /host\.json: shim_params\.memory: unknown field/],
    [['@good.img', '--shim', '@good.img', '--host', '@host.json'], /good\.img: not valid JSON at line 1, column 1: expected a value, but found "O"/],
    [['-', '--shim', '-', '--host', '@host.json'], /standard input \(-\) can be read only once/],
  ])('%j', async (args, message) => {
    const r = await inspect(args.map((a) => (a.startsWith('@') ? path(a.slice(1)) : a)));
    expect(r.code).toBe(2);
    expect(r.text).toBe('');
    expect(r.stderr).toMatch(message);
  });

  test('--help prints usage on stdout and exits 0', async () => {
    const r = await inspect(['--help']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^Usage: vtl2-persist inspect FILE \[--hex\] \[--base GPA\]/);
  });
});

describe('colour', () => {
  function stream(isTTY: boolean): Writable & { isTTY: boolean; data: () => string } {
    const chunks: string[] = [];
    const s = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }) as Writable & { isTTY: boolean; data: () => string };
    s.isTTY = isTTY;
    s.data = () => chunks.join('');
    return s;
  }

  test('only on a TTY, and never when NO_COLOR is set', () => {
    const run = (isTTY: boolean, env: Record<string, string | undefined>) => {
      const io = { stdout: stream(isTTY), stderr: stream(false), env };
      expect(runInspect([path('draft.img')], io)).toBe(1);
      return io.stdout.data();
    };
    expect(run(true, {})).toContain('\x1b[31m');
    expect(run(true, { NO_COLOR: '1' })).not.toContain('\x1b[');
    expect(run(false, {})).not.toContain('\x1b[');
  });
});
