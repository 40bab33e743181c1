import { describe, expect, test } from 'vitest';
import { InputError, type InputErrorCode } from '../../src/boot/inputs.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { inputErrorOf } from '../support/errors.js';
import { loadBootVectors, type Json } from '../support/vectors.js';
import { errorText, validateScenarioFile } from './validators.js';

// The scenario schema against the parser on hand-made files. Every invalid file must be
// rejected by BOTH (each case names the parser's error code, so a case cannot pass by failing
// for some unrelated reason); every valid edge file must be accepted by both. The few rules
// JSON Schema cannot express are listed explicitly below, with the parser's rejection checked.

const [{ vectors: worked }] = loadBootVectors();
const A: Json = worked.find((v) => v.name === 'A')!.input;

/** Example A with the value at `path` (dot/index path) set, or deleted when `value` is undefined. */
function withA(path: string, value: unknown): Json {
  const copy = structuredClone(A);
  const keys = path.split('.').map((k) => (/^[0-9]+$/.test(k) ? Number(k) : k));
  let node = copy as Record<string | number, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}
const step = (s: unknown): Json => withA('lifecycle', [{ op: 'boot' }, s]);
const corrupt = (fields: Json): Json => step({ op: 'corrupt', ...fields });
const save = (fields: Json): Json => step({ op: 'save', ...fields });
const pool = (v: unknown): Json => withA('cmdline_options.enable_vtl2_gpa_pool', v);
const IMPORTED = { start: '0x8000000', end: '0x8001000', accepted: true };

const INVALID: [string, unknown, InputErrorCode, string][] = [
  // required fields
  ['no shim_params', withA('shim_params', undefined), 'missing_field', 'shim_params'],
  ['no host_dt', withA('host_dt', undefined), 'missing_field', 'host_dt'],
  ['no memory_start', withA('shim_params.memory_start', undefined), 'missing_field', 'shim_params.memory_start'],
  ['no memory_size', withA('shim_params.memory_size', undefined), 'missing_field', 'shim_params.memory_size'],
  ['no persisted_state', withA('shim_params.persisted_state', undefined), 'missing_field', 'shim_params.persisted_state'],
  ['no used', withA('shim_params.used', undefined), 'missing_field', 'shim_params.used'],
  ['no parameter_region', withA('shim_params.parameter_region', undefined), 'missing_field', 'shim_params.parameter_region'],
  ['no parameter_region.size', withA('shim_params.parameter_region.size', undefined), 'missing_field', 'shim_params.parameter_region.size'],
  ['no log_buffer', withA('shim_params.log_buffer', undefined), 'missing_field', 'shim_params.log_buffer'],
  ['no heap', withA('shim_params.heap', undefined), 'missing_field', 'shim_params.heap'],
  ['no heap.end', withA('shim_params.heap.end', undefined), 'missing_field', 'shim_params.heap.end'],
  ['no sidecar.size', withA('shim_params.sidecar.size', undefined), 'missing_field', 'shim_params.sidecar.size'],
  ['imported region without accepted', withA('shim_params.imported_regions', [{ start: '0x8000000', end: '0x8001000' }]), 'missing_field', 'shim_params.imported_regions[0].accepted'],
  ['no host memory', withA('host_dt.memory', undefined), 'missing_field', 'host_dt.memory'],
  ['no cpu_count', withA('host_dt.cpu_count', undefined), 'missing_field', 'host_dt.cpu_count'],
  ['no vmbus_vtl0', withA('host_dt.vmbus_vtl0', undefined), 'missing_field', 'host_dt.vmbus_vtl0'],
  ['no vmbus_vtl2', withA('host_dt.vmbus_vtl2', undefined), 'missing_field', 'host_dt.vmbus_vtl2'],
  ['memory entry without mem_type', withA('host_dt.memory.0.mem_type', undefined), 'missing_field', 'host_dt.memory[0].mem_type'],
  ['memory entry without range', withA('host_dt.memory.0.range', undefined), 'missing_field', 'host_dt.memory[0].range'],
  ['vmbus without connection_id', withA('host_dt.vmbus_vtl0.connection_id', undefined), 'missing_field', 'host_dt.vmbus_vtl0.connection_id'],
  ['initial_memory without addr', withA('initial_memory', [{ hex: '00' }]), 'missing_field', 'initial_memory[0].addr'],
  ['a step without op', step({ cpus_with_outstanding_io: [] }), 'missing_field', 'lifecycle[1].op'],
  ['a corrupt step without kind', corrupt({ offset: 0 }), 'missing_field', 'lifecycle[1].kind'],
  ['write without hex', corrupt({ kind: 'write', offset: 0 }), 'missing_field', 'lifecycle[1].hex'],
  ['Pages without pages', pool({ kind: 'Pages' }), 'missing_field', 'cmdline_options.enable_vtl2_gpa_pool.pages'],
  ['a wholesale shim_params without heap', step({ op: 'boot', shim_params: withA('shim_params.heap', undefined)['shim_params'] }), 'missing_field', 'lifecycle[1].shim_params.heap'],
  // wrong types
  ['shim_params an array', withA('shim_params', []), 'wrong_type', 'shim_params'],
  ['memory_start a boolean', withA('shim_params.memory_start', true), 'wrong_type', 'shim_params.memory_start'],
  ['name a number', withA('name', 5), 'wrong_type', 'name'],
  ['tags a string', withA('tags', 'a'), 'wrong_type', 'tags'],
  ['a tag a number', withA('tags', [1]), 'wrong_type', 'tags[0]'],
  ['lifecycle an object', withA('lifecycle', {}), 'wrong_type', 'lifecycle'],
  ['op a number', step({ op: 1 }), 'wrong_type', 'lifecycle[1].op'],
  ['crash_before_header a string', save({ crash_before_header: 'yes' }), 'wrong_type', 'lifecycle[1].crash_before_header'],
  ['numa split a string', withA('cmdline_options.vtl2_gpa_pool_numa_split', 'true'), 'wrong_type', 'cmdline_options.vtl2_gpa_pool_numa_split'],
  ['cmdline a number', withA('cmdline_options.cmdline', 5), 'wrong_type', 'cmdline_options.cmdline'],
  ['vmbus mmio an object', withA('host_dt.vmbus_vtl2.mmio', {}), 'wrong_type', 'host_dt.vmbus_vtl2.mmio'],
  ['an override a string', step({ op: 'boot', shim_params_override: 'x' }), 'wrong_type', 'lifecycle[1].shim_params_override'],
  ['$schema a number', withA('$schema', 5), 'wrong_type', '$schema'],
  ['the wrapper\'s $schema a number', { $schema: 5, scenarios: [A] }, 'wrong_type', '$schema'],
  ['scenarios an object', { scenarios: {} }, 'wrong_type', 'scenarios'],
  ['the file a string', 'scenario', 'wrong_type', ''],
  ['the file null', null, 'wrong_type', ''],
  ['an array holding a number', [1], 'wrong_type', '[0]'],
  ['delta a boolean', corrupt({ kind: 'payload_len_delta', delta: true }), 'wrong_type', 'lifecycle[1].delta'],
  // bad numbers
  ['bad hex digits', withA('shim_params.memory_size', '0xZZ'), 'bad_value', 'shim_params.memory_size'],
  ['"0x" with no digits', withA('shim_params.memory_size', '0x'), 'bad_value', 'shim_params.memory_size'],
  ['a negative decimal string', withA('shim_params.memory_size', '-1'), 'bad_value', 'shim_params.memory_size'],
  ['a negative number', withA('shim_params.memory_size', -4096), 'bad_value', 'shim_params.memory_size'],
  ['a fraction', withA('shim_params.memory_size', 1.5), 'bad_value', 'shim_params.memory_size'],
  ['a number past 2^53', withA('shim_params.memory_size', 2 ** 53), 'bad_value', 'shim_params.memory_size'],
  ['hex past 2^64', withA('shim_params.memory_size', '0x10000000000000000'), 'bad_value', 'shim_params.memory_size'],
  ['decimal past 2^64', withA('shim_params.memory_size', '18446744073709551616'), 'bad_value', 'shim_params.memory_size'],
  ['cpu_count past u32', withA('host_dt.cpu_count', '0x100000000'), 'bad_value', 'host_dt.cpu_count'],
  ['vnode past u32', withA('host_dt.memory.0.vnode', 4294967296), 'bad_value', 'host_dt.memory[0].vnode'],
  ['mem_type past u16', withA('host_dt.memory.0.mem_type', 70000), 'bad_value', 'host_dt.memory[0].mem_type'],
  ['dt_page_index negative', withA('shim_params.parameter_region.dt_page_index', '-1'), 'bad_value', 'shim_params.parameter_region.dt_page_index'],
  ['a CPU id that is not a number', save({ cpus_with_outstanding_io: ['x'] }), 'bad_value', 'lifecycle[1].cpus_with_outstanding_io[0]'],
  ['device_dma_page_count a word', withA('host_dt.device_dma_page_count', 'many'), 'bad_value', 'host_dt.device_dma_page_count'],
  ['Vtl2 memory_size a word', withA('host_dt.memory_allocation_mode', { Vtl2: { memory_size: 'lots' } }), 'bad_value', 'host_dt.memory_allocation_mode.Vtl2.memory_size'],
  ['bit 8', corrupt({ kind: 'bitflip', offset: 0, bit: 8 }), 'bad_value', 'lifecycle[1].bit'],
  ['a fractional delta string', corrupt({ kind: 'payload_len_delta', delta: '1.5' }), 'bad_value', 'lifecycle[1].delta'],
  ['a delta number past 2^53', corrupt({ kind: 'payload_len_delta', delta: -(2 ** 53) }), 'bad_value', 'lifecycle[1].delta'],
  ['a delta past 2^64', corrupt({ kind: 'payload_len_delta', delta: '-0x10000000000000000' }), 'bad_value', 'lifecycle[1].delta'],
  ['odd-length hex bytes', corrupt({ kind: 'write', offset: 0, hex: 'abc' }), 'bad_value', 'lifecycle[1].hex'],
  ['hex bytes with 0x', corrupt({ kind: 'write', offset: 0, hex: '0x00' }), 'bad_value', 'lifecycle[1].hex'],
  ['initial bytes not hex', withA('initial_memory', [{ addr: 0, hex: 'g0' }]), 'bad_value', 'initial_memory[0].hex'],
  ['pool "Release" (the command line is lower case)', pool('Release'), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool'],
  ['pool "0x10" (decimal pages only)', pool('0x10'), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool'],
  ['Pages 0', pool({ kind: 'Pages', pages: 0 }), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool.pages'],
  ['Pages "0x0"', pool({ kind: 'Pages', pages: '0x0' }), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool.pages'],
  // unaligned ranges (numbers and hex strings; decimal strings are in SCHEMA_CANNOT_SEE)
  ['an unaligned start (number)', withA('shim_params.persisted_state.start', 0x8000010), 'bad_range', 'shim_params.persisted_state.start'],
  ['an unaligned end (hex)', withA('shim_params.persisted_state.end', '0x8200001'), 'bad_range', 'shim_params.persisted_state.end'],
  ['an unaligned host memory entry', withA('host_dt.memory.0.range.end', '0x7fff800'), 'bad_range', 'host_dt.memory[0].range.end'],
  ['an unaligned imported region', withA('shim_params.imported_regions', [{ ...IMPORTED, end: '0x8001001' }]), 'bad_range', 'shim_params.imported_regions[0].end'],
  // unknown names
  ['isolation "none"', withA('shim_params.isolation', 'none'), 'unknown_name', 'shim_params.isolation'],
  ['isolation "SNP"', withA('shim_params.isolation', 'SNP'), 'unknown_name', 'shim_params.isolation'],
  ['mem_type "RAM"', withA('host_dt.memory.0.mem_type', 'RAM'), 'unknown_name', 'host_dt.memory[0].mem_type'],
  ['op "reboot"', step({ op: 'reboot' }), 'unknown_name', 'lifecycle[1].op'],
  ['kind "flip"', corrupt({ kind: 'flip', offset: 0 }), 'unknown_name', 'lifecycle[1].kind'],
  ['table "Fast"', pool({ kind: 'Heuristics', table: 'Fast' }), 'unknown_name', 'cmdline_options.enable_vtl2_gpa_pool.table'],
  ['pool kind "Auto"', pool({ kind: 'Auto' }), 'unknown_name', 'cmdline_options.enable_vtl2_gpa_pool.kind'],
  ['sidecar "On"', withA('cmdline_options.sidecar', 'On'), 'unknown_name', 'cmdline_options.sidecar'],
  ['memory_allocation_mode "Vtl2" as a string', withA('host_dt.memory_allocation_mode', 'Vtl2'), 'unknown_name', 'host_dt.memory_allocation_mode'],
  // unknown keys
  ['a misspelt scenario key', withA('lifecycles', []), 'unknown_field', 'lifecycles'],
  ['a misspelt shim_params key', withA('shim_params.memory_base', '0x0'), 'unknown_field', 'shim_params.memory_base'],
  ['a stray key in a memory entry', withA('host_dt.memory.0.type', 'MEMORY'), 'unknown_field', 'host_dt.memory[0].type'],
  ['a stray key in a range', withA('shim_params.heap.size', '0x1000'), 'unknown_field', 'shim_params.heap.size'],
  ['a save step key that is not a save key', save({ cpus: [] }), 'unknown_field', 'lifecycle[1].cpus'],
  ['hex on a zero corruption', corrupt({ kind: 'zero', offset: 0, len: 1, hex: '00' }), 'unknown_field', 'lifecycle[1].hex'],
  ['a header field that does not exist', corrupt({ kind: 'header', payload_len: 1 }), 'unknown_field', 'lifecycle[1].payload_len'],
  ['table on Off', pool({ kind: 'Off', table: 'Release' }), 'unknown_field', 'cmdline_options.enable_vtl2_gpa_pool.table'],
  ['an override key shim_params does not have', step({ op: 'boot', shim_params_override: { memory_base: 0 } }), 'unknown_field', 'lifecycle[1].shim_params_override.memory_base'],
  ['an override with a bad value', step({ op: 'boot', host_dt_override: { cpu_count: -1 } }), 'bad_value', 'lifecycle[1].host_dt_override.cpu_count'],
  ['a key beside scenarios', { scenarios: [], extra: 1 }, 'unknown_field', 'extra'],
  ['$schema inside shim_params', withA('shim_params.$schema', 'x'), 'unknown_field', 'shim_params.$schema'],
];

describe('invalid files: the schema and the parser both reject', () => {
  test('the corpus is big enough to mean something', () => expect(INVALID.length).toBeGreaterThanOrEqual(40));
  test.each(INVALID)('%s', (_what, file, code, path) => {
    expect(validateScenarioFile(file), 'the schema accepted it').toBe(false);
    const e = inputErrorOf(() => parseScenarioFile(file));
    expect([e.code, e.path], e.message).toEqual([code, path]);
  });
});

const MINIMAL: Json = {
  shim_params: {
    memory_start: 0x8000000,
    memory_size: '67108864',
    persisted_state: { start: '0X8000000', end: ' 0x8200000 ' },
    used: { start: '0x8000000', end: '0x8d8d000' },
    parameter_region: { start: '0x8c00000', size: '0x16a000' },
    log_buffer: { start: '0x8d6a000', end: '0x8d6c000' },
    heap: { start: '0x8d6c000', end: '0x8d7c000' },
  },
  host_dt: { memory: [{ range: { start: 0, end: '0x80000000' }, mem_type: 3 }], vmbus_vtl0: null, vmbus_vtl2: null, cpu_count: '2' },
};

const VALID: [string, unknown][] = [
  ['only the required fields; numbers, decimal, upper-case and padded hex', MINIMAL],
  ['$schema and "_" comments everywhere', { $schema: '../../schema/scenario.schema.json', _c: 1, ...withA('shim_params._note', 'x'), host_dt: { ...(A['host_dt'] as Json), _why: [] } }],
  ['an empty array', []],
  ['the wrapper with $schema and a comment', { $schema: 'x', _c: 'y', scenarios: [A, MINIMAL] }],
  ['an array of scenarios', [A, MINIMAL]],
  ['mem_type as a numeric string and as a padded name', withA('host_dt.memory', [{ range: { start: '0x0', end: '0x1000' }, mem_type: '0x3' }, { range: { start: '0x1000', end: '0x2000' }, mem_type: ' MEMORY ' }])],
  ['the command-line pool spellings', { scenarios: ['16', '0', 'debug', 'off', { kind: 'Heuristics' }, { kind: 'Pages', pages: '0x10' }].map((p) => pool(p)) }],
  ['Vtl2 allocation with sizes omitted and null', { scenarios: [{}, { memory_size: null, mmio_size: '0x1000' }].map((v) => withA('host_dt.memory_allocation_mode', { Vtl2: v })) }],
  ['every step kind with edge values', withA('lifecycle', [
    { op: 'boot', cmdline_options_override: {}, host_dt_override: { cpu_count: 4 } },
    { op: 'save', crash_before_header: false },
    { op: 'corrupt', kind: 'bitflip', offset: '0x1f', bit: '7' },
    { op: 'corrupt', kind: 'payload_len_delta', delta: '-0x10' },
    { op: 'corrupt', kind: 'payload_len_delta', delta: -5 },
    { op: 'corrupt', kind: 'header' },
    { op: 'corrupt', kind: 'write', offset: 0, hex: '' },
    { op: 'corrupt', kind: 'zero', offset: 0, len: '18446744073709551615' },
    { op: 'boot', shim_params: MINIMAL['shim_params'], host_dt_override: { vmbus_vtl0: null } },
  ])],
  ['an empty lifecycle and the largest u64 address', { ...withA('lifecycle', []), initial_memory: [{ addr: '0xffffffffffffffff', hex: '00' }] }],
];

describe('valid edge files: the schema and the parser both accept', () => {
  test.each(VALID)('%s', (_what, file) => {
    expect(validateScenarioFile(file), errorText(validateScenarioFile.errors)).toBe(true);
    expect(() => parseScenarioFile(file)).not.toThrow();
  });
});

/**
 * The rules JSON Schema cannot express, so the schema accepts these and only the parser
 * rejects them (docs/scenario-format.md, "What the schema cannot check"). Adding a case here
 * is a decision: say why in the doc too.
 */
const SCHEMA_CANNOT_SEE: [string, unknown, InputErrorCode, string][] = [
  ['a range whose start is above its end (compares two fields)', withA('shim_params.persisted_state', { start: '0x8200000', end: '0x8000000' }), 'bad_range', 'shim_params.persisted_state'],
  ['an unaligned bound written as a decimal string (divisibility of a decimal string)', withA('shim_params.persisted_state.start', '134217744'), 'bad_range', 'shim_params.persisted_state.start'],
  ['initial bytes running past 2^64 (adds addr to the length of hex)', withA('initial_memory', [{ addr: '0xffffffffffffffff', hex: '0000' }]), 'bad_value', 'initial_memory[0].hex'],
  ['an override that makes a range reversed', step({ op: 'boot', shim_params_override: { heap: { start: '0x2000', end: '0x1000' } } }), 'bad_range', 'lifecycle[1].shim_params_override.heap'],
];

describe('the schema accepts, the parser rejects: exactly these cross-field rules', () => {
  test.each(SCHEMA_CANNOT_SEE)('%s', (_what, file, code, path) => {
    expect(validateScenarioFile(file), errorText(validateScenarioFile.errors)).toBe(true);
    const e = inputErrorOf(() => parseScenarioFile(file));
    expect(e).toBeInstanceOf(InputError);
    expect([e.code, e.path], e.message).toEqual([code, path]);
  });
});
