import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError, defaultCmdlineOptions, memoryAllocationModeToJson } from '../../src/boot/inputs.js';
import { StateJsonError, savedStateFromJson } from '../../src/format/state-json.js';
import { MemoryRange } from '../../src/memory/range.js';
import {
  applyOverride,
  defaultLifecycle,
  parseScenarioFile,
  parseScenarioFileText,
  resolveBootInputs,
  type BootStep,
  type Scenario,
  type Step,
} from '../../src/sim/scenario-file.js';
import { inputErrorOf } from '../support/errors.js';
import { rangeToJson } from '../support/json.js';
import { loadBootVectors, type Json } from '../support/vectors.js';

const [{ vectors: worked }, { vectors: generated }] = loadBootVectors();
const vectors = [...worked, ...generated];
const counts = { scenarios: 0, steps: 0, boots: 0, crossChecked: 0 };
afterAll(() => {
  console.log(
    `scenario files: ${counts.scenarios} vector scenarios parsed (${counts.steps} steps, ${counts.boots} boots resolved, ${counts.crossChecked} boot results cross-checked against the resolved inputs)`,
  );
});

/** The worked example A's input: small, valid, and the base for hand-made variants below. */
const A = worked.find((v) => v.name === 'A')!.input;
const withA = (patch: Json): Json => ({ ...A, ...patch });

describe('every vector input parses', () => {
  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const scenarios = parseScenarioFileText(JSON.stringify(v.input), `${v.name}.json`);
    expect(scenarios).toHaveLength(1);
    const s = scenarios[0]!;
    expect(s.name).toBe(v.input['name']);
    expect(s.lifecycle).toHaveLength(v.expected.steps.length);
    s.lifecycle.forEach((step, i) => {
      const want = v.expected.steps[i]!;
      // Every step kind lines up with its result; corrupt results carry their own op.
      expect(step.op).toBe(want['op']);
      if (step.op === 'boot') {
        const inputs = resolveBootInputs(s, step);
        counts.boots++;
        // The boot result reports the host's mode (as `read_from_dt` fills `PartitionInfo`), so it checks which host_dt
        // (base, replacement, or merged override) this boot resolved to.
        if (want['memory_allocation_mode'] !== undefined) {
          expect(memoryAllocationModeToJson(inputs.hostDt.memoryAllocationMode)).toEqual(want['memory_allocation_mode']);
          expect(want['vmbus_connection_ids']).toEqual({ vtl0: inputs.hostDt.vmbusVtl0?.connectionId, vtl2: inputs.hostDt.vmbusVtl2?.connectionId });
          counts.crossChecked++;
        }
        // Fresh, non-isolated, Host mode: the host's VMBus MMIO is used as given (`topology_from_host_dt`), which
        // pins host_dt_override merging.
        if (want['path'] === 'host' && inputs.hostDt.memoryAllocationMode.kind === 'Host' && inputs.shimParams.isolation === 'None') {
          expect(want['vtl0_mmio']).toEqual(inputs.hostDt.vmbusVtl0?.mmio.map(rangeToJson));
          expect(want['vtl2_mmio']).toEqual(inputs.hostDt.vmbusVtl2?.mmio.map(rangeToJson));
        }
      }
      counts.steps++;
    });
    counts.scenarios++;
  });

  test('a whole vector file as an array of scenarios, and in the {"scenarios": [...]} form', () => {
    const inputs = worked.map((v) => v.input);
    const asArray = parseScenarioFileText(JSON.stringify(inputs));
    expect(asArray.map((s) => s.name)).toEqual(worked.map((v) => v.name));
    expect(parseScenarioFileText(JSON.stringify({ _comment: 'worked examples', scenarios: inputs }))).toEqual(asArray);
  });
});

describe('file shapes and defaults', () => {
  const minimal: Json = { shim_params: A['shim_params'], host_dt: A['host_dt'] };

  test('a minimal scenario takes every default', () => {
    const [s] = parseScenarioFile(minimal);
    expect(s!.name).toBe('scenario 1');
    expect(s!.tags).toEqual([]);
    expect(s!.cmdlineOptions).toEqual(defaultCmdlineOptions());
    expect(s!.initialMemory).toEqual([]);
    expect(s!.lifecycle).toEqual(defaultLifecycle());
    expect(s!.lifecycle.map((x) => x.op)).toEqual(['boot', 'save', 'boot']);
    expect(s!.raw).toEqual({ shimParams: A['shim_params'], hostDt: A['host_dt'], cmdlineOptions: {} });
  });

  test.each<[string, unknown, string[]]>([
    ['one object', minimal, ['scenario 1']],
    ['an array', [minimal, { ...minimal, name: 'two' }, minimal], ['scenario 1', 'two', 'scenario 3']],
    ['the wrapper', { scenarios: [{ ...minimal, name: 'x' }, minimal] }, ['x', 'scenario 2']],
    ['an empty array', [], []],
    ['an empty wrapper', { scenarios: [] }, []],
    ['comments anywhere', { _about: 'test', ...minimal, lifecycle: [{ op: 'boot', _why: 'fresh' }] }, ['scenario 1']],
  ])('%s', (_name, file, names) => {
    expect(parseScenarioFile(file).map((s) => s.name)).toEqual(names);
  });

  test('name, tags, cmdline_options and initial_memory', () => {
    const [s] = parseScenarioFile({
      ...minimal,
      name: 'mine',
      tags: ['a', 'b'],
      cmdline_options: { enable_vtl2_gpa_pool: 'off', cmdline: 'OPENHCL_SIDECAR=off' },
      initial_memory: [
        { addr: '0x8000000', hex: '4f48434cABcd' },
        { addr: 4096, hex: '' },
        { addr: '0xfffffffffffffffe', hex: '0102' },
      ],
    });
    expect(s!.name).toBe('mine');
    expect(s!.tags).toEqual(['a', 'b']);
    expect(s!.cmdlineOptions).toEqual({ ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Off' }, sidecar: { kind: 'DisabledCommandLine' } });
    expect(s!.initialMemory).toEqual([
      { addr: 0x8000000n, bytes: new Uint8Array([0x4f, 0x48, 0x43, 0x4c, 0xab, 0xcd]) },
      { addr: 0x1000n, bytes: new Uint8Array([]) },
      { addr: 0xffff_ffff_ffff_fffen, bytes: new Uint8Array([1, 2]) },
    ]);
  });
});

describe('lifecycle steps', () => {
  test.each<[string, Json, Step]>([
    ['plain boot', { op: 'boot' }, { op: 'boot' }],
    ['save with defaults', { op: 'save' }, { op: 'save', cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [], crashBeforeHeader: false }],
    [
      'torn save',
      { op: 'save', cpus_with_mapped_interrupts_no_io: [2, '3'], cpus_with_outstanding_io: [1], crash_before_header: true },
      { op: 'save', cpusWithMappedInterruptsNoIo: [2, 3], cpusWithOutstandingIo: [1], crashBeforeHeader: true },
    ],
    ['write', { op: 'corrupt', kind: 'write', offset: '0x10', hex: 'ff00' }, { op: 'corrupt', corruption: { kind: 'write', offset: 0x10n, bytes: new Uint8Array([0xff, 0]) } }],
    ['zero', { op: 'corrupt', kind: 'zero', offset: '0x1000', len: 16 }, { op: 'corrupt', corruption: { kind: 'zero', offset: 0x1000n, len: 16n } }],
    ['bitflip', { op: 'corrupt', kind: 'bitflip', offset: '0x1d', bit: 5 }, { op: 'corrupt', corruption: { kind: 'bitflip', offset: 0x1dn, bit: 5 } }],
    ['header, one field', { op: 'corrupt', kind: 'header', protobuf_payload_len: '0x10' }, { op: 'corrupt', corruption: { kind: 'header', protobufPayloadLen: 0x10n } }],
    [
      'header, all fields',
      { op: 'corrupt', kind: 'header', magic: '0x524448504c43484f', protobuf_base: '0x8001000', protobuf_region_len: '0x13000', protobuf_payload_len: 0 },
      { op: 'corrupt', corruption: { kind: 'header', magic: 0x524448504c43484fn, protobufBase: 0x8001000n, protobufRegionLen: 0x13000n, protobufPayloadLen: 0n } },
    ],
    ['header, no fields (a no-op)', { op: 'corrupt', kind: 'header' }, { op: 'corrupt', corruption: { kind: 'header' } }],
    ['negative delta', { op: 'corrupt', kind: 'payload_len_delta', delta: -8 }, { op: 'corrupt', corruption: { kind: 'payload_len_delta', delta: -8n } }],
    ['delta as a signed hex string', { op: 'corrupt', kind: 'payload_len_delta', delta: '-0xFFFFFFFFFFFFFFFF' }, { op: 'corrupt', corruption: { kind: 'payload_len_delta', delta: -(2n ** 64n - 1n) } }],
    ['delta as +decimal', { op: 'corrupt', kind: 'payload_len_delta', delta: '+100' }, { op: 'corrupt', corruption: { kind: 'payload_len_delta', delta: 100n } }],
  ])('%s', (_name, json, want) => {
    const [s] = parseScenarioFile(withA({ lifecycle: [json] }));
    expect(s!.lifecycle).toEqual([want]);
  });
});

describe('boot inputs: replacements and shallow overrides', () => {
  const hostA = A['host_dt'] as Json;
  const shimA = A['shim_params'] as Json;

  test('applyOverride replaces top-level keys whole, keeps the rest, and modifies neither argument', () => {
    const base = { a: 1, nested: { x: 1, y: 2 }, keep: 'k' };
    const override = { nested: { x: 9 }, a: null, added: [1] };
    const merged = applyOverride(base, override);
    expect(merged).toEqual({ a: null, nested: { x: 9 }, keep: 'k', added: [1] });
    expect(base).toEqual({ a: 1, nested: { x: 1, y: 2 }, keep: 'k' });
    expect(override).toEqual({ nested: { x: 9 }, a: null, added: [1] });
  });

  test('applyOverride copies a "__proto__" key as data, never as a prototype', () => {
    const merged = applyOverride({}, JSON.parse('{"__proto__": {"polluted": true}}') as Json);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Json)['polluted']).toBeUndefined();
  });

  const scenario = (lifecycle: Json[]): Scenario => parseScenarioFile(withA({ lifecycle }))[0]!;
  const boot = (s: Scenario, i: number) => resolveBootInputs(s, s.lifecycle[i] as BootStep);

  test('each boot starts from the base: an override applies to its own step only', () => {
    const s = scenario([{ op: 'boot', host_dt_override: { cpu_count: 8, device_dma_page_count: '0x100' } }, { op: 'boot' }]);
    expect(boot(s, 0).hostDt).toEqual({ ...s.hostDt, cpuCount: 8, deviceDmaPageCount: 0x100n });
    expect(boot(s, 1).hostDt).toEqual(s.hostDt);
    expect(boot(s, 1).hostDt.cpuCount).toBe(2);
  });

  test('an override replaces a nested object whole (shallow merge)', () => {
    const s = scenario([{ op: 'boot', shim_params_override: { used: { start: '0x8000000', end: '0x8e00000' } } }]);
    const got = boot(s, 0).shimParams;
    expect(got.used).toEqual(new MemoryRange(0x8000000n, 0x8e00000n));
    expect({ ...got, used: s.shimParams.used }).toEqual(s.shimParams);
  });

  test('a wholesale replacement, with an override merged onto it rather than onto the base', () => {
    const replacement = { ...hostA, cpu_count: 16, memory_allocation_mode: { Vtl2: { memory_size: null, mmio_size: null } } };
    const s = scenario([{ op: 'boot', host_dt: replacement, host_dt_override: { cpu_count: 32 } }, { op: 'boot', host_dt: replacement }]);
    const first = boot(s, 0).hostDt;
    expect(first.cpuCount).toBe(32);
    expect(first.memoryAllocationMode).toEqual({ kind: 'Vtl2', memorySize: null, mmioSize: null });
    expect(boot(s, 1).hostDt.cpuCount).toBe(16);
    expect((s.lifecycle[0] as BootStep).raw?.hostDt).toEqual(replacement);
  });

  test('a cmdline_options override can add a raw command line on top of the base fields', () => {
    const s = parseScenarioFile(
      withA({ cmdline_options: { enable_vtl2_gpa_pool: 'debug' }, lifecycle: [{ op: 'boot', cmdline_options_override: { cmdline: 'OPENHCL_VTL2_GPA_POOL_NUMA=split' } }, { op: 'boot' }] }),
    )[0]!;
    expect(boot(s, 0).cmdlineOptions).toEqual({ ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Heuristics', table: 'Debug' }, vtl2GpaPoolNumaSplit: true });
    expect(boot(s, 1).cmdlineOptions.vtl2GpaPoolNumaSplit).toBe(false);
  });

  test('a step without overrides resolves to the parsed objects themselves', () => {
    const s = scenario([{ op: 'boot', shim_params: { ...shimA, isolation: 'Vbs' } }]);
    const step = s.lifecycle[0] as BootStep;
    expect(resolveBootInputs(s, step).shimParams).toBe(step.shimParams);
    expect(resolveBootInputs(s, step).hostDt).toBe(s.hostDt);
  });
});

describe('bad files are InputErrors with the code and the path of the bad field', () => {
  const life = (...steps: unknown[]) => withA({ lifecycle: steps });
  test.each<[string, unknown, string, string]>([
    ['root a string', 'scenario', 'wrong_type', ''],
    ['root null', null, 'wrong_type', ''],
    ['missing shim_params', { host_dt: A['host_dt'] }, 'missing_field', 'shim_params'],
    ['missing host_dt', { shim_params: A['shim_params'] }, 'missing_field', 'host_dt'],
    ['unknown top-level key', withA({ expected: {} }), 'unknown_field', 'expected'],
    ['name a number', withA({ name: 7 }), 'wrong_type', 'name'],
    ['tags not strings', withA({ tags: ['ok', 1] }), 'wrong_type', 'tags[1]'],
    ['cmdline_options null', withA({ cmdline_options: null }), 'wrong_type', 'cmdline_options'],
    ['nested shim error', withA({ shim_params: { ...(A['shim_params'] as Json), heap: { start: '0x1', end: '0x2000' } } }), 'bad_range', 'shim_params.heap.start'],
    ['nested host error', withA({ host_dt: { ...(A['host_dt'] as Json), cpu_count: 'two' } }), 'bad_value', 'host_dt.cpu_count'],
    ['in an array file', [A, withA({ host_dt: { ...(A['host_dt'] as Json), memory: 1 } })], 'wrong_type', '[1].host_dt.memory'],
    ['in a wrapper file', { scenarios: [withA({ lifecycle: [{}] })] }, 'missing_field', 'scenarios[0].lifecycle[0].op'],
    ['wrapper with a stray key', { scenarios: [], version: 2 }, 'unknown_field', 'version'],
    ['wrapper scenarios not a list', { scenarios: {} }, 'wrong_type', 'scenarios'],
    ['initial_memory odd hex', withA({ initial_memory: [{ addr: '0', hex: 'abc' }] }), 'bad_value', 'initial_memory[0].hex'],
    ['initial_memory non-hex', withA({ initial_memory: [{ addr: '0', hex: '0x00' }] }), 'bad_value', 'initial_memory[0].hex'],
    ['initial_memory past 2^64', withA({ initial_memory: [{ addr: '0xffffffffffffffff', hex: '0102' }] }), 'bad_value', 'initial_memory[0].hex'],
    ['initial_memory without addr', withA({ initial_memory: [{ hex: '00' }] }), 'missing_field', 'initial_memory[0].addr'],
    ['lifecycle not a list', withA({ lifecycle: { op: 'boot' } }), 'wrong_type', 'lifecycle'],
    ['step not an object', life('boot'), 'wrong_type', 'lifecycle[0]'],
    ['unknown op', life({ op: 'boot' }, { op: 'restore' }), 'unknown_name', 'lifecycle[1].op'],
    ['op as a number', life({ op: 1 }), 'wrong_type', 'lifecycle[0].op'],
    ['save key on a boot', life({ op: 'boot', cpus_with_outstanding_io: [] }), 'unknown_field', 'lifecycle[0].cpus_with_outstanding_io'],
    ['corrupt key on a save', life({ op: 'save', kind: 'zero' }), 'unknown_field', 'lifecycle[0].kind'],
    ['save cpu id negative', life({ op: 'save', cpus_with_outstanding_io: [1, -1] }), 'bad_value', 'lifecycle[0].cpus_with_outstanding_io[1]'],
    ['save cpu list not a list', life({ op: 'save', cpus_with_mapped_interrupts_no_io: 3 }), 'wrong_type', 'lifecycle[0].cpus_with_mapped_interrupts_no_io'],
    ['crash flag a string', life({ op: 'save', crash_before_header: 'yes' }), 'wrong_type', 'lifecycle[0].crash_before_header'],
    ['corrupt without kind', life({ op: 'corrupt' }), 'missing_field', 'lifecycle[0].kind'],
    ['unknown corrupt kind', life({ op: 'corrupt', kind: 'scramble' }), 'unknown_name', 'lifecycle[0].kind'],
    ['write without hex', life({ op: 'corrupt', kind: 'write', offset: 0 }), 'missing_field', 'lifecycle[0].hex'],
    ['zero with a bit', life({ op: 'corrupt', kind: 'zero', offset: 0, len: 1, bit: 2 }), 'unknown_field', 'lifecycle[0].bit'],
    ['bitflip bit 8', life({ op: 'corrupt', kind: 'bitflip', offset: 0, bit: 8 }), 'bad_value', 'lifecycle[0].bit'],
    ['bitflip offset garbage', life({ op: 'corrupt', kind: 'bitflip', offset: 'x', bit: 0 }), 'bad_value', 'lifecycle[0].offset'],
    ['header misspelt field', life({ op: 'corrupt', kind: 'header', payload_len: '0x1' }), 'unknown_field', 'lifecycle[0].payload_len'],
    ['header value over u64', life({ op: 'corrupt', kind: 'header', magic: '0x1ffffffffffffffff' }), 'bad_value', 'lifecycle[0].magic'],
    ['delta over 2^64', life({ op: 'corrupt', kind: 'payload_len_delta', delta: '-0x10000000000000000' }), 'bad_value', 'lifecycle[0].delta'],
    ['delta inexact', life({ op: 'corrupt', kind: 'payload_len_delta', delta: 1e300 }), 'bad_value', 'lifecycle[0].delta'],
    ['delta a boolean', life({ op: 'corrupt', kind: 'payload_len_delta', delta: true }), 'wrong_type', 'lifecycle[0].delta'],
    ['delta missing', life({ op: 'corrupt', kind: 'payload_len_delta' }), 'missing_field', 'lifecycle[0].delta'],
    ['override not an object', life({ op: 'boot', host_dt_override: [] }), 'wrong_type', 'lifecycle[0].host_dt_override'],
    ['override with a bad value', life({ op: 'boot' }, { op: 'boot', host_dt_override: { cpu_count: 'many' } }), 'bad_value', 'lifecycle[1].host_dt_override.cpu_count'],
    ['override with an unknown key', life({ op: 'boot', shim_params_override: { usd: {} } }), 'unknown_field', 'lifecycle[0].shim_params_override.usd'],
    ['override with a bad range', life({ op: 'boot', shim_params_override: { used: { start: '0x8000000', end: '0x7000000' } } }), 'bad_range', 'lifecycle[0].shim_params_override.used'],
    ['override nulls a required field', life({ op: 'boot', host_dt_override: { memory: null } }), 'wrong_type', 'lifecycle[0].host_dt_override.memory'],
    ['cmdline override bad', life({ op: 'boot', cmdline_options_override: { sidecar: 'on' } }), 'unknown_name', 'lifecycle[0].cmdline_options_override.sidecar'],
    ['wholesale replacement bad', life({ op: 'boot', shim_params: {} }), 'missing_field', 'lifecycle[0].shim_params.memory_start'],
  ])('%s', (_name, file, code, path) => {
    const e = inputErrorOf(() => parseScenarioFile(file, 'my.json'));
    expect({ code: e.code, path: e.path }).toEqual({ code, path });
    expect(e.file).toBe('my.json');
    expect(e.message.startsWith(`my.json: ${path === '' ? 'input' : path}: `)).toBe(true);
  });
});

describe('scenario files read through the JSON reading kit', () => {
  const life = (...steps: unknown[]) => withA({ lifecycle: steps });
  const BAD_U64 = '0x10000000000000000';
  const stateError = (() => {
    try {
      savedStateFromJson({ partition_mmio: [{ range: { start: BAD_U64 } }] });
    } catch (e) {
      return e as InputError;
    }
    throw new Error('accepted');
  })();

  // Mutant: a scenario-side u64 reader of its own (any other code or wording) fails here.
  test.each<[string, Json, string]>([
    ['a corrupt offset', life({ op: 'corrupt', kind: 'zero', offset: BAD_U64, len: 1 }), 'lifecycle[0].offset'],
    ['an initial_memory address', withA({ initial_memory: [{ addr: BAD_U64, hex: '' }] }), 'initial_memory[0].addr'],
    ['a boot-input field', withA({ shim_params: { ...(A['shim_params'] as Json), memory_size: BAD_U64 } }), 'shim_params.memory_size'],
  ])('%s: the same code and detail as the state JSON gives for the same bad u64', (_label, file, path) => {
    const e = inputErrorOf(() => parseScenarioFile(file, 'f.json'));
    expect(e).toBeInstanceOf(StateJsonError);
    expect({ code: e.code, detail: e.detail, path: e.path, message: e.message }).toEqual({
      code: stateError.code,
      detail: stateError.detail,
      path,
      message: `f.json: ${path}: ${stateError.detail}`,
    });
  });

  test('a signed delta of a million digits is refused with the value quoted, not repeated', () => {
    // Mutant: `${value} is outside ±(2^64 − 1)` (the raw value) makes the message a megabyte.
    const e = inputErrorOf(() => parseScenarioFile(life({ op: 'corrupt', kind: 'payload_len_delta', delta: `-${'7'.repeat(1_000_000)}` })));
    expect(e).toMatchObject({ code: 'bad_value', path: 'lifecycle[0].delta' });
    expect(e.message.length).toBeLessThan(200);
    expect(parseScenarioFile(life({ op: 'corrupt', kind: 'payload_len_delta', delta: ' -0x10 ' }))[0]!.lifecycle[0]).toEqual({
      op: 'corrupt',
      corruption: { kind: 'payload_len_delta', delta: -16n },
    });
    expect(inputErrorOf(() => parseScenarioFile(life({ op: 'corrupt', kind: 'payload_len_delta', delta: '- 5' }))).code).toBe('bad_value');
  });
});

describe('scenario file text', () => {
  test.each<[string, string, string]>([
    ['a trailing comma', '{\n  "name": "x",\n}', 'line 3, column 1'],
    ['a missing colon', '{"name" "x"}', 'line 1, column 9'],
    ['truncated text', '[\n  {"name": "x"', 'line 2, column 15'],
    ['empty text', '', 'line 1, column 1'],
    ['a stray word', '\n\n  nope', 'line 3, column 3'],
    ['a comment (JSONC is not JSON)', '{\n  // why\n  "name": "x"\n}', 'line 2, column 3'],
    ['an unterminated string', '{"name": "x\n"}', 'line 1, column 10'],
    ['trailing garbage', '{}\n{}', 'line 2, column 1'],
    ['a leading zero', '{"a": 01}', 'line 1, column 8'],
  ])('%s is bad_json with a line and column', (_name, text, where) => {
    const e = inputErrorOf(() => parseScenarioFileText(text, 'bad.json'));
    expect(e.code).toBe('bad_json');
    expect(e.path).toBe('');
    expect(e.file).toBe('bad.json');
    expect(e.message).toContain(where);
    expect(e.message).not.toContain('position');
  });

  test('property: whenever JSON.parse rejects text, the error still has a line and column', () => {
    // Near-JSON text: valid JSON with one character deleted, replaced or inserted.
    const nearJson = fc
      .tuple(fc.json({ maxDepth: 4 }), fc.nat(), fc.constantFrom('del', 'ins', 'rep'), fc.constantFrom(...'{}[],:"\\ 0-e.tnx\n'))
      .map(([t, at, op, ch]) => {
        const k = at % (t.length + 1);
        return op === 'del' ? t.slice(0, k) + t.slice(k + 1) : op === 'ins' ? t.slice(0, k) + ch + t.slice(k) : t.slice(0, k) + ch + t.slice(k + 1);
      });
    let rejected = 0;
    fc.assert(
      fc.property(fc.oneof(nearJson, fc.string({ maxLength: 30 })), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        if (valid) return;
        rejected++;
        const e = inputErrorOf(() => parseScenarioFileText(text));
        expect(e.code).toBe('bad_json');
        // The strict reader reports the FIRST problem in text order, which may be a duplicate or
        // forbidden key before the syntax error JSON.parse stops at; either way a line and column.
        expect(e.message).toMatch(
          /^input: (not valid JSON at line \d+, column \d+: expected |(duplicate key|key) .* \(line \d+, column \d+\))/,
        );
      }),
      { numRuns: 3000 },
    );
    expect(rejected).toBeGreaterThan(1000);
  });

  test('a byte-order mark is skipped', () => {
    const text = `\uFEFF${JSON.stringify(A)}`;
    expect(parseScenarioFileText(text)).toEqual(parseScenarioFile(A));
  });

  test('no file name: the message starts at the path', () => {
    const e = inputErrorOf(() => parseScenarioFileText('{"shim_params": 1}'));
    expect(e.message).toBe('shim_params: expected an object, got a number');
  });
});

describe('robustness: anything parses or throws InputError, never anything else', () => {
  const onlyInputErrors = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  };

  test('parseScenarioFile on fc.jsonValue()', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => onlyInputErrors(() => parseScenarioFile(v))), { numRuns: 1000 });
  });

  test('parseScenarioFileText on arbitrary text and on JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 100 }), fc.json()), (text) => onlyInputErrors(() => parseScenarioFileText(text))),
      { numRuns: 1000 },
    );
  });

  /** Replaces the value at a random path of `doc` with `replacement`. */
  function mutate(doc: unknown, choices: number[], replacement: unknown): unknown {
    if (choices.length === 0 || doc === null || typeof doc !== 'object') return replacement;
    const [c, ...rest] = choices as [number, ...number[]];
    if (Array.isArray(doc)) {
      if (doc.length === 0) return replacement;
      return doc.map((x, j) => (j === c % doc.length ? mutate(x, rest, replacement) : x));
    }
    const keys = Object.keys(doc);
    if (keys.length === 0) return replacement;
    const k = keys[c % keys.length]!;
    return { ...doc, [k]: mutate((doc as Json)[k], rest, replacement) };
  }

  test('a vector scenario with one subtree replaced by arbitrary JSON', () => {
    const bases = worked.map((v) => v.input);
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), (which, choices, replacement) =>
        onlyInputErrors(() => parseScenarioFile(mutate(bases[which % bases.length], choices, replacement))),
      ),
      { numRuns: 2000 },
    );
  });
});
