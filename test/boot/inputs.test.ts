import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import {
  InputError,
  cmdlineOptionsToJson,
  defaultCmdlineOptions,
  gpaPoolFromCmdline,
  hostDtToJson,
  memoryAllocationModeToJson,
  parseBootCommandLine,
  parseCmdlineOptions,
  parseGpaPoolConfig,
  parseHostDt,
  parseMemoryAllocationMode,
  parseShimParams,
  shimParamsToJson,
} from '../../src/boot/inputs.js';
import { defaultSidecarOption } from '../../src/boot/cmdline.js';
import type { CmdlineOptions, GpaPoolConfig, SidecarOption } from '../../src/boot/types.js';
import { readU32, readU64 } from '../../src/format/json-read.js';
import { MemoryRange } from '../../src/memory/range.js';
import { inputErrorOf } from '../support/errors.js';
import { A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';
import { loadBootVectors, type Json } from '../support/vectors.js';

const vectors = loadBootVectors().flatMap((f) => f.vectors);

/** Every shim_params / host_dt / cmdline_options object in the vectors: the bases and the boot steps' replacements. */
function vectorInputs(key: 'shim_params' | 'host_dt' | 'cmdline_options'): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const v of vectors) {
    out.push([`${v.name} ${key}`, v.input[key]]);
    (v.input['lifecycle'] as Json[]).forEach((step, i) => {
      if (step[key] !== undefined) out.push([`${v.name} lifecycle[${i}].${key}`, step[key]]);
    });
  }
  return out;
}

const counts = { shim: 0, host: 0, cmdline: 0 };
afterAll(() => {
  console.log(
    `inputs: ${vectors.length} vector scenarios; parsed ${counts.shim} shim_params, ${counts.host} host_dt, ${counts.cmdline} cmdline_options`,
  );
});

/** Worked example A's shim params. */
const SHIM: Json = A_SHIM_PARAMS;
/** Worked example A's host DT without its RAM above 4 GiB. */
const HOST: Json = { ...A_HOST_DT, memory: (A_HOST_DT['memory'] as Json[]).slice(0, 3) };

describe('every vector input parses', () => {
  test.each(vectorInputs('shim_params'))('%s', (_name, json) => {
    const p = parseShimParams(json);
    expect(p.persistedState).toBeInstanceOf(MemoryRange);
    expect(typeof p.memoryStart).toBe('bigint');
    counts.shim++;
  });
  test.each(vectorInputs('host_dt'))('%s', (_name, json) => {
    const dt = parseHostDt(json);
    expect(dt.memory.length).toBeGreaterThan(0);
    counts.host++;
  });
  test.each(vectorInputs('cmdline_options'))('%s', (_name, json) => {
    parseCmdlineOptions(json);
    counts.cmdline++;
  });

  test('canonical JSON round-trips every vector input (parse ∘ toJson ∘ parse = parse)', () => {
    for (const [, json] of vectorInputs('shim_params')) {
      const p = parseShimParams(json);
      expect(parseShimParams(JSON.parse(JSON.stringify(shimParamsToJson(p))))).toEqual(p);
    }
    for (const [, json] of vectorInputs('host_dt')) {
      const dt = parseHostDt(json);
      expect(parseHostDt(JSON.parse(JSON.stringify(hostDtToJson(dt))))).toEqual(dt);
    }
    for (const [, json] of vectorInputs('cmdline_options')) {
      const c = parseCmdlineOptions(json);
      expect(parseCmdlineOptions(JSON.parse(JSON.stringify(cmdlineOptionsToJson(c))))).toEqual(c);
    }
  });

  test('the vectors’ own shim_params and host_dt are already in canonical form', () => {
    // Exact text equality: names, key set and hex spelling all match what the generator wrote
    // (device_dma_page_count is a number in the vectors but hex here, so it is compared as a value).
    for (const v of vectors) {
      expect(shimParamsToJson(parseShimParams(v.input['shim_params']))).toEqual(v.input['shim_params']);
      const { device_dma_page_count: dma, ...rest } = hostDtToJson(parseHostDt(v.input['host_dt']));
      const { device_dma_page_count: want, ...wantRest } = v.input['host_dt'] as Json;
      expect(rest).toEqual(wantRest);
      expect(dma === null ? null : BigInt(dma as string)).toEqual(want === null ? null : BigInt(want as number));
    }
  });
});

describe('parsed values', () => {
  test('the worked example A, field by field', () => {
    const p = parseShimParams(SHIM);
    expect(p).toEqual({
      isolation: 'None',
      memoryStart: 0x8000000n,
      memorySize: 0x4000000n,
      persistedState: new MemoryRange(0x8000000n, 0x8200000n),
      used: new MemoryRange(0x8000000n, 0x8d8d000n),
      parameterRegion: { start: 0x8c00000n, size: 0x16a000n, dtPageIndex: 40, dtSizePages: 64 },
      vtl2ReservedRegion: { start: 0x8bfc000n, size: 0x4000n },
      sidecar: { base: 0x8400000n, size: 0n },
      logBuffer: new MemoryRange(0x8d6a000n, 0x8d6c000n),
      heap: new MemoryRange(0x8d6c000n, 0x8d7c000n),
      importedRegions: [],
    });
    const dt = parseHostDt(HOST);
    expect(dt.memory[1]).toEqual({ range: new MemoryRange(0x8000000n, 0xc000000n), memType: 3, vnode: 0 });
    expect(dt.vmbusVtl0).toEqual({
      mmio: [new MemoryRange(0xf8000000n, 0xfc000000n), new MemoryRange(0xfc0000000n, 0x1000000000n)],
      connectionId: 4,
    });
    expect(dt.vmbusVtl2?.connectionId).toBe(8388724);
    expect(dt.memoryAllocationMode).toEqual({ kind: 'Host' });
    expect(dt.cpuCount).toBe(2);
    expect(dt.deviceDmaPageCount).toBeNull();
  });

  test.each<[string, Json, (p: ReturnType<typeof parseShimParams>) => unknown, unknown]>([
    ['isolation defaults to None', { isolation: undefined }, (p) => p.isolation, 'None'],
    ['every isolation name', { isolation: 'Cca' }, (p) => p.isolation, 'Cca'],
    ['no reserved region means size 0', { vtl2_reserved_region: undefined }, (p) => p.vtl2ReservedRegion, { start: 0n, size: 0n }],
    ['no sidecar means size 0', { sidecar: undefined }, (p) => p.sidecar, { base: 0n, size: 0n }],
    ['imported regions default to none', { imported_regions: undefined }, (p) => p.importedRegions, []],
    ['dt pages default to the upstream 40 + 64', { parameter_region: { start: '0x8c00000', size: '0x16a000' } }, (p) => [p.parameterRegion.dtPageIndex, p.parameterRegion.dtSizePages], [40, 64]],
    ['decimal strings and exact numbers are u64 too', { memory_start: 134217728, memory_size: '67108864' }, (p) => [p.memoryStart, p.memorySize], [0x8000000n, 0x4000000n]],
    [
      'imported regions with accepted flags',
      { imported_regions: [{ start: '0xfffff000', end: '0x100000000', accepted: true }, { start: '0x1000', end: '0x1000', accepted: false }] },
      (p) => p.importedRegions,
      [
        { range: new MemoryRange(0xfffff000n, 0x100000000n), accepted: true },
        { range: new MemoryRange(0x1000n, 0x1000n), accepted: false },
      ],
    ],
    ['"_comment" keys are ignored', { _comment: 'hand-written', _x: 1 }, (p) => p.isolation, 'None'],
  ])('shim_params: %s', (_name, patch, pick, want) => {
    expect(pick(parseShimParams({ ...SHIM, ...patch }))).toEqual(want);
  });

  test.each<[string, Json, (d: ReturnType<typeof parseHostDt>) => unknown, unknown]>([
    ['mode defaults to Host', { memory_allocation_mode: undefined }, (d) => d.memoryAllocationMode, { kind: 'Host' }],
    ['dma count defaults to null', { device_dma_page_count: undefined }, (d) => d.deviceDmaPageCount, null],
    ['dma count as a number', { device_dma_page_count: 1152 }, (d) => d.deviceDmaPageCount, 1152n],
    ['dma count 0 stays 0 (the boot code treats it as "use the heuristic")', { device_dma_page_count: '0x0' }, (d) => d.deviceDmaPageCount, 0n],
    [
      'Vtl2 mode with both sizes',
      { memory_allocation_mode: { Vtl2: { memory_size: '0x4000000', mmio_size: '0x20000000' } } },
      (d) => d.memoryAllocationMode,
      { kind: 'Vtl2', memorySize: 0x4000000n, mmioSize: 0x20000000n },
    ],
    ['Vtl2 mode with nulls', { memory_allocation_mode: { Vtl2: { memory_size: null, mmio_size: null } } }, (d) => d.memoryAllocationMode, { kind: 'Vtl2', memorySize: null, mmioSize: null }],
    ['Vtl2 mode: absent sizes are null', { memory_allocation_mode: { Vtl2: {} } }, (d) => d.memoryAllocationMode, { kind: 'Vtl2', memorySize: null, mmioSize: null }],
    ['VMBus nodes may be null', { vmbus_vtl0: null, vmbus_vtl2: null }, (d) => [d.vmbusVtl0, d.vmbusVtl2], [null, null]],
    [
      'mem_type by number, unnamed numbers kept; vnode defaults to 0',
      { memory: [{ range: { start: '0', end: '0x1000' }, mem_type: 3 }, { range: { start: '0x1000', end: '0x2000' }, mem_type: '0x99', vnode: 2 }] },
      (d) => d.memory.map((e) => [e.memType, e.vnode]),
      [[3, 0], [0x99, 2]],
    ],
    ['every IGVM name', { memory: [{ range: { start: '0', end: '0' }, mem_type: 'HIDDEN' }] }, (d) => d.memory[0]?.memType, 5],
  ])('host_dt: %s', (_name, patch, pick, want) => {
    expect(pick(parseHostDt({ ...HOST, ...patch }))).toEqual(want);
  });

  test.each<[string, unknown, CmdlineOptions]>([
    ['{} is all defaults', {}, defaultCmdlineOptions()],
    ['Heuristics(Debug)', { enable_vtl2_gpa_pool: { kind: 'Heuristics', table: 'Debug' } }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Heuristics', table: 'Debug' } }],
    ['Heuristics table defaults to Release', { enable_vtl2_gpa_pool: { kind: 'Heuristics' } }, defaultCmdlineOptions()],
    ['Pages as a number', { enable_vtl2_gpa_pool: { kind: 'Pages', pages: 512 } }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Pages', pages: 512n } }],
    ['Off', { enable_vtl2_gpa_pool: { kind: 'Off' } }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Off' } }],
    ['string "debug"', { enable_vtl2_gpa_pool: 'debug' }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Heuristics', table: 'Debug' } }],
    ['string "off"', { enable_vtl2_gpa_pool: 'off' }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Off' } }],
    ['string "4096"', { enable_vtl2_gpa_pool: '4096' }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Pages', pages: 4096n } }],
    ['string "0" is Off, as on the command line', { enable_vtl2_gpa_pool: '0' }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Off' } }],
    ['split and sidecar', { vtl2_gpa_pool_numa_split: true, sidecar: 'DisabledServicing' }, { ...defaultCmdlineOptions(), vtl2GpaPoolNumaSplit: true, sidecar: { kind: 'DisabledServicing' } }],
    [
      'raw cmdline applies on top of the fields',
      { enable_vtl2_gpa_pool: 'debug', sidecar: 'Disabled', cmdline: 'quiet OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=16 OPENHCL_SIDECAR=on' },
      { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Pages', pages: 16n }, sidecar: defaultSidecarOption() },
    ],
    ['raw cmdline without pool keys keeps the field', { enable_vtl2_gpa_pool: 'debug', cmdline: 'console=ttyS0' }, { ...defaultCmdlineOptions(), enableVtl2GpaPool: { kind: 'Heuristics', table: 'Debug' } }],
  ])('cmdline_options: %s', (_name, json, want) => {
    expect(parseCmdlineOptions(json)).toEqual(want);
  });
});

describe('bad input is an InputError with a stable code and the path of the bad field', () => {
  const shim = (patch: Json) => () => parseShimParams({ ...SHIM, ...patch });
  const host = (patch: Json) => () => parseHostDt({ ...HOST, ...patch });
  const cmd = (json: unknown) => () => parseCmdlineOptions(json);
  test.each<[string, () => unknown, string, string]>([
    ['shim_params not an object', () => parseShimParams([]), 'wrong_type', 'shim_params'],
    ['shim_params null', () => parseShimParams(null), 'wrong_type', 'shim_params'],
    ['missing memory_start', shim({ memory_start: undefined }), 'missing_field', 'shim_params.memory_start'],
    ['missing persisted_state', shim({ persisted_state: undefined }), 'missing_field', 'shim_params.persisted_state'],
    ['missing used', shim({ used: undefined }), 'missing_field', 'shim_params.used'],
    ['missing heap', shim({ heap: undefined }), 'missing_field', 'shim_params.heap'],
    ['missing range end', shim({ used: { start: '0x8000000' } }), 'missing_field', 'shim_params.used.end'],
    ['misspelt key', shim({ memory_sise: '0x1' }), 'unknown_field', 'shim_params.memory_sise'],
    ['misspelt nested key', shim({ used: { start: '0x0', ned: '0x0' } }), 'unknown_field', 'shim_params.used.ned'],
    ['unknown isolation', shim({ isolation: 'none' }), 'unknown_name', 'shim_params.isolation'],
    ['isolation as a number', shim({ isolation: 0 }), 'wrong_type', 'shim_params.isolation'],
    ['u64 garbage', shim({ memory_size: '64M' }), 'bad_value', 'shim_params.memory_size'],
    ['u64 over 2^64 − 1', shim({ memory_size: '0x10000000000000000' }), 'bad_value', 'shim_params.memory_size'],
    ['negative number', shim({ memory_start: -1 }), 'bad_value', 'shim_params.memory_start'],
    ['inexact JSON number', shim({ memory_start: 2 ** 60 }), 'bad_value', 'shim_params.memory_start'],
    ['u64 as a boolean', shim({ memory_start: true }), 'wrong_type', 'shim_params.memory_start'],
    ['u64 as null', shim({ memory_start: null }), 'wrong_type', 'shim_params.memory_start'],
    ['unaligned range start', shim({ heap: { start: '0x8d6c001', end: '0x8d7c000' } }), 'bad_range', 'shim_params.heap.start'],
    ['unaligned range end', shim({ used: { start: '0x8000000', end: '0x8d8d010' } }), 'bad_range', 'shim_params.used.end'],
    ['reversed range', shim({ log_buffer: { start: '0x8d6c000', end: '0x8d6a000' } }), 'bad_range', 'shim_params.log_buffer'],
    ['dt_page_index over u32', shim({ parameter_region: { start: '0', size: '0', dt_page_index: 2 ** 32 } }), 'bad_value', 'shim_params.parameter_region.dt_page_index'],
    ['imported region without accepted', shim({ imported_regions: [{ start: '0', end: '0x1000' }] }), 'missing_field', 'shim_params.imported_regions[0].accepted'],
    ['imported region accepted as a string', shim({ imported_regions: [{ start: '0', end: '0x1000', accepted: 'yes' }] }), 'wrong_type', 'shim_params.imported_regions[0].accepted'],
    ['imported region unaligned', shim({ imported_regions: [{ start: '0x10', end: '0x1000', accepted: true }] }), 'bad_range', 'shim_params.imported_regions[0].start'],
    ['sidecar without size', shim({ sidecar: { base: '0x0' } }), 'missing_field', 'shim_params.sidecar.size'],
    ['missing host memory', host({ memory: undefined }), 'missing_field', 'host_dt.memory'],
    ['missing cpu_count', host({ cpu_count: undefined }), 'missing_field', 'host_dt.cpu_count'],
    ['missing vmbus_vtl0 (write null for "no node")', host({ vmbus_vtl0: undefined }), 'missing_field', 'host_dt.vmbus_vtl0'],
    ['memory not a list', host({ memory: {} }), 'wrong_type', 'host_dt.memory'],
    [
      'bad range end in the third memory entry',
      host({ memory: [...(HOST['memory'] as Json[]).slice(0, 2), { range: { start: '0xc000000', end: '0x80000800' }, mem_type: 'MEMORY' }] }),
      'bad_range',
      'host_dt.memory[2].range.end',
    ],
    ['unknown mem_type', host({ memory: [{ range: { start: '0', end: '0' }, mem_type: 'RAM' }] }), 'unknown_name', 'host_dt.memory[0].mem_type'],
    ['mem_type over u16', host({ memory: [{ range: { start: '0', end: '0' }, mem_type: 65536 }] }), 'bad_value', 'host_dt.memory[0].mem_type'],
    ['memory entry without mem_type', host({ memory: [{ range: { start: '0', end: '0' } }] }), 'missing_field', 'host_dt.memory[0].mem_type'],
    ['vnode as a string word', host({ memory: [{ range: { start: '0', end: '0' }, mem_type: 0, vnode: 'zero' }] }), 'bad_value', 'host_dt.memory[0].vnode'],
    ['mode in lower case', host({ memory_allocation_mode: 'host' }), 'unknown_name', 'host_dt.memory_allocation_mode'],
    ['mode Vtl2 as a bare string', host({ memory_allocation_mode: 'Vtl2' }), 'unknown_name', 'host_dt.memory_allocation_mode'],
    ['mode with an unknown variant', host({ memory_allocation_mode: { Vtl3: {} } }), 'unknown_field', 'host_dt.memory_allocation_mode.Vtl3'],
    ['mode {} ', host({ memory_allocation_mode: {} }), 'missing_field', 'host_dt.memory_allocation_mode.Vtl2'],
    ['Vtl2 size garbage', host({ memory_allocation_mode: { Vtl2: { memory_size: 'big' } } }), 'bad_value', 'host_dt.memory_allocation_mode.Vtl2.memory_size'],
    ['Vtl2 misspelt size', host({ memory_allocation_mode: { Vtl2: { mem_size: '0x0' } } }), 'unknown_field', 'host_dt.memory_allocation_mode.Vtl2.mem_size'],
    ['vmbus mmio entry as a host memory entry', host({ vmbus_vtl2: { mmio: [{ range: { start: '0', end: '0' } }], connection_id: 1 } }), 'unknown_field', 'host_dt.vmbus_vtl2.mmio[0].range'],
    ['vmbus without connection_id', host({ vmbus_vtl0: { mmio: [] } }), 'missing_field', 'host_dt.vmbus_vtl0.connection_id'],
    ['vmbus as a list', host({ vmbus_vtl0: [] }), 'wrong_type', 'host_dt.vmbus_vtl0'],
    ['dma count garbage', host({ device_dma_page_count: 'auto' }), 'bad_value', 'host_dt.device_dma_page_count'],
    ['cmdline_options not an object', cmd('release'), 'wrong_type', 'cmdline_options'],
    ['unknown pool kind', cmd({ enable_vtl2_gpa_pool: { kind: 'Auto' } }), 'unknown_name', 'cmdline_options.enable_vtl2_gpa_pool.kind'],
    ['pool without kind', cmd({ enable_vtl2_gpa_pool: { table: 'Release' } }), 'missing_field', 'cmdline_options.enable_vtl2_gpa_pool.kind'],
    ['unknown table', cmd({ enable_vtl2_gpa_pool: { kind: 'Heuristics', table: 'release' } }), 'unknown_name', 'cmdline_options.enable_vtl2_gpa_pool.table'],
    ['pages on Heuristics', cmd({ enable_vtl2_gpa_pool: { kind: 'Heuristics', pages: 1 } }), 'unknown_field', 'cmdline_options.enable_vtl2_gpa_pool.pages'],
    ['table on Off', cmd({ enable_vtl2_gpa_pool: { kind: 'Off', table: 'Debug' } }), 'unknown_field', 'cmdline_options.enable_vtl2_gpa_pool.table'],
    ['Pages without pages', cmd({ enable_vtl2_gpa_pool: { kind: 'Pages' } }), 'missing_field', 'cmdline_options.enable_vtl2_gpa_pool.pages'],
    ['Pages 0', cmd({ enable_vtl2_gpa_pool: { kind: 'Pages', pages: 0 } }), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool.pages'],
    ['pool string the shim would silently turn Off', cmd({ enable_vtl2_gpa_pool: 'Release' }), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool'],
    ['pool string in hex', cmd({ enable_vtl2_gpa_pool: '0x10' }), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool'],
    ['pool string over u64', cmd({ enable_vtl2_gpa_pool: '18446744073709551616' }), 'bad_value', 'cmdline_options.enable_vtl2_gpa_pool'],
    ['pool as a number', cmd({ enable_vtl2_gpa_pool: 16 }), 'wrong_type', 'cmdline_options.enable_vtl2_gpa_pool'],
    ['split as a string', cmd({ vtl2_gpa_pool_numa_split: 'true' }), 'wrong_type', 'cmdline_options.vtl2_gpa_pool_numa_split'],
    ['unknown sidecar option', cmd({ sidecar: 'off' }), 'unknown_name', 'cmdline_options.sidecar'],
    ['cmdline as a list', cmd({ cmdline: ['OPENHCL_SIDECAR=off'] }), 'wrong_type', 'cmdline_options.cmdline'],
    ['custom path prefix', () => parseHostDt({ ...HOST, cpu_count: -2 }, 'lifecycle[1].host_dt'), 'bad_value', 'lifecycle[1].host_dt.cpu_count'],
  ])('%s', (_name, fn, code, path) => {
    const e = inputErrorOf(fn);
    expect({ code: e.code, path: e.path }).toEqual({ code, path });
    // The message leads with the path so a person can find the field, then says what is wrong.
    expect(e.message.startsWith(`${path}: `)).toBe(true);
    expect(e.detail.length).toBeGreaterThan(0);
  });

  test('a bad range carries the MemoryRange assertion text', () => {
    const e = inputErrorOf(() => parseShimParams({ ...SHIM, used: { start: '0x8000000', end: '0x8d8d010' } }));
    expect(e.message).toContain('assertion failed: range.end & (PAGE_SIZE - 1) == 0');
    expect(e.message).toContain('0x8000000..0x8d8d010');
    const r = inputErrorOf(() => parseShimParams({ ...SHIM, heap: { start: '0x2000', end: '0x1000' } }));
    expect(r.message).toContain('assertion failed: range.start <= range.end');
  });

  test('an unknown field lists the expected ones', () => {
    const e = inputErrorOf(() => parseHostDt({ ...HOST, cpus: 2 }));
    expect(e.message).toContain('cpu_count');
  });
});

describe('boot inputs read through the JSON reading kit', () => {
  /** The kit's own refusal of `value` by `read`, for comparing a consumer's against. */
  const kit = (read: (v: unknown, p: string) => unknown, value: unknown) => inputErrorOf(() => read(value, 'x'));

  // Mutant: a boot-side wrapper with its own wording (the old `readSmall` printed the u32 as an
  // unquoted bigint: `4294967296 does not fit`) fails here.
  test.each<[string, () => unknown, string, (v: unknown, p: string) => unknown, unknown]>([
    ['a u64 past 2^64', () => parseShimParams({ ...SHIM, memory_size: '0x10000000000000000' }), 'shim_params.memory_size', readU64, '0x10000000000000000'],
    ['a u32 past 2^32, as a string', () => parseHostDt({ ...HOST, cpu_count: '4294967296' }), 'host_dt.cpu_count', readU32, '4294967296'],
    ['a u64 of the wrong type', () => parseHostDt({ ...HOST, device_dma_page_count: true }), 'host_dt.device_dma_page_count', readU64, true],
  ])('%s: the kit code and detail, at the boot-input path', (_label, fn, path, read, value) => {
    const want = kit(read, value);
    expect(inputErrorOf(fn)).toMatchObject({ code: want.code, detail: want.detail, path });
  });

  test('`_` keys are comments in every boot-input object; other stray keys name the comment rule', () => {
    expect(parseShimParams({ ...SHIM, _why: 'x', used: { ...(SHIM['used'] as Json), _n: 1 } })).toEqual(parseShimParams(SHIM));
    expect(inputErrorOf(() => parseCmdlineOptions({ sidecarr: 'Enabled' })).detail).toMatch(/keys starting with "_" are comments\)$/);
  });
});

describe('the boot command line (upstream BootCommandLineOptions::parse)', () => {
  const base = defaultCmdlineOptions();
  const pool = (cmdline: string, from: CmdlineOptions = base): GpaPoolConfig => parseBootCommandLine(cmdline, from).enableVtl2GpaPool;
  const DEBUG: GpaPoolConfig = { kind: 'Heuristics', table: 'Debug' };
  const RELEASE: GpaPoolConfig = { kind: 'Heuristics', table: 'Release' };
  const OFF: GpaPoolConfig = { kind: 'Off' };
  const pages = (n: bigint): GpaPoolConfig => ({ kind: 'Pages', pages: n });

  test.each<[string, string, GpaPoolConfig]>([
    ['empty line keeps the base', '', RELEASE],
    ['IGVM debug', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug', DEBUG],
    ['IGVM release', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=release', RELEASE],
    ['IGVM off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off', OFF],
    ['IGVM pages', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=4096', pages(4096n)],
    ['leading + is accepted (Rust u64 FromStr)', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=+16', pages(16n)],
    ['leading zeros', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=0012', pages(12n)],
    ['u64::MAX pages', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=18446744073709551615', pages(0xffff_ffff_ffff_ffffn)],
    ['0 means Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=0', OFF],
    ['unparsable means Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=lots', OFF],
    ['hex is unparsable, so Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=0x10', OFF],
    ['negative is unparsable, so Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=-5', OFF],
    ['over u64 is unparsable, so Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=18446744073709551616', OFF],
    ['empty value is unparsable, so Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=', OFF],
    ['values are case-sensitive: "Debug" is Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=Debug', OFF],
    ['value after the first "=" only', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug=1', OFF],
    ['key without "=" is ignored', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG debug', RELEASE],
    ['keys are case-sensitive', 'openhcl_igvm_vtl2_gpa_pool_config=off', RELEASE],
    ['a key must start the token', 'XOPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off', RELEASE],
    ['last IGVM occurrence wins', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug', DEBUG],
    ['ENABLE alone', 'OPENHCL_ENABLE_VTL2_GPA_POOL=512', pages(512n)],
    ['ENABLE overrides IGVM given after it', 'OPENHCL_ENABLE_VTL2_GPA_POOL=512 OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug', pages(512n)],
    ['ENABLE overrides IGVM given before it', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug OPENHCL_ENABLE_VTL2_GPA_POOL=512', pages(512n)],
    ['ENABLE 0 overrides to Off', 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug OPENHCL_ENABLE_VTL2_GPA_POOL=0', OFF],
    ['ENABLE garbage overrides to Off', 'OPENHCL_ENABLE_VTL2_GPA_POOL=yes OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=64', OFF],
    ['last ENABLE occurrence wins', 'OPENHCL_ENABLE_VTL2_GPA_POOL=off OPENHCL_ENABLE_VTL2_GPA_POOL=release', RELEASE],
    ['unknown tokens are ignored', 'console=ttyS0 quiet OPENHCL_FOO=1 = == OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=8 panic=-1', pages(8n)],
    ['tabs, newlines and Unicode spaces separate tokens', '\tquiet\nOPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off\u3000OPENHCL_ENABLE_VTL2_GPA_POOL=7\u0085x', pages(7n)],
    ['U+FEFF is not Rust whitespace, so it glues tokens', 'quiet\uFEFFOPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off', RELEASE],
  ])('pool: %s', (_name, cmdline, want) => {
    expect(pool(cmdline)).toEqual(want);
  });

  test('the base pool value survives a line that does not mention the pool', () => {
    expect(pool('quiet', { ...base, enableVtl2GpaPool: pages(3n) })).toEqual(pages(3n));
  });

  test.each<[string, string, boolean, boolean]>([
    ['split sets it', 'OPENHCL_VTL2_GPA_POOL_NUMA=split', false, true],
    ['another value leaves it false', 'OPENHCL_VTL2_GPA_POOL_NUMA=single', false, false],
    ['values are case-sensitive', 'OPENHCL_VTL2_GPA_POOL_NUMA=SPLIT', false, false],
    ['another value leaves a true base true (inferred)', 'OPENHCL_VTL2_GPA_POOL_NUMA=none', true, true],
    ['split anywhere among occurrences', 'OPENHCL_VTL2_GPA_POOL_NUMA=split OPENHCL_VTL2_GPA_POOL_NUMA=x', false, true],
    ['absent key keeps the base', 'quiet', true, true],
  ])('NUMA: %s', (_name, cmdline, from, want) => {
    expect(parseBootCommandLine(cmdline, { ...base, vtl2GpaPoolNumaSplit: from }).vtl2GpaPoolNumaSplit).toBe(want);
  });

  const ON: SidecarOption = defaultSidecarOption();
  const LOG: SidecarOption = { ...ON, enableLogging: true };
  const CMD_OFF: SidecarOption = { kind: 'DisabledCommandLine' };
  const SERVICING: SidecarOption = { kind: 'DisabledServicing' };
  test.each<[string, string, SidecarOption, SidecarOption]>([
    ['off disables', 'OPENHCL_SIDECAR=off', ON, CMD_OFF],
    ['on enables', 'OPENHCL_SIDECAR=on', CMD_OFF, ON],
    ['log enables with logging', 'OPENHCL_SIDECAR=log', CMD_OFF, LOG],
    ['on replaces DisabledServicing', 'OPENHCL_SIDECAR=on', SERVICING, ON],
    ['unknown value is ignored (upstream `_ => {}`)', 'OPENHCL_SIDECAR=maybe', CMD_OFF, CMD_OFF],
    ['comma list: last recognised item wins', 'OPENHCL_SIDECAR=off,log', ON, LOG],
    ['comma list: unknown items skipped', 'OPENHCL_SIDECAR=on,off,verbose', ON, CMD_OFF],
    ['last occurrence wins', 'OPENHCL_SIDECAR=off OPENHCL_SIDECAR=on', ON, ON],
    ['absent key keeps the base', 'quiet', SERVICING, SERVICING],
  ])('sidecar: %s', (_name, cmdline, from, want) => {
    expect(parseBootCommandLine(cmdline, { ...base, sidecar: from }).sidecar).toEqual(want);
  });

  test('keys are independent of each other', () => {
    expect(
      parseBootCommandLine('OPENHCL_SIDECAR=off OPENHCL_VTL2_GPA_POOL_NUMA=split OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug', base),
    ).toEqual({ ...base, enableVtl2GpaPool: DEBUG, vtl2GpaPoolNumaSplit: true, sidecar: { kind: 'DisabledCommandLine' } });
  });

  test('the base object is not modified', () => {
    const from = defaultCmdlineOptions();
    parseBootCommandLine('OPENHCL_SIDECAR=off OPENHCL_ENABLE_VTL2_GPA_POOL=off', from);
    expect(from).toEqual(defaultCmdlineOptions());
  });

  test('gpaPoolFromCmdline and parseGpaPoolConfig agree on every value both accept', () => {
    for (const v of ['release', 'debug', 'off', '0', '1', '4096', '18446744073709551615']) {
      expect(parseGpaPoolConfig(v)).toEqual(gpaPoolFromCmdline(v));
    }
  });

  test('property: any text parses without throwing, and lines without an OPENHCL_ key change nothing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (line) => {
        const got = parseBootCommandLine(line, base);
        if (!line.includes('OPENHCL_')) expect(got).toEqual(base);
      }),
      { numRuns: 2000 },
    );
  });

  test('property: a single pool key with a decimal count gives Pages(n) or, for 0, Off', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }), fc.boolean(), (n, enable) => {
        const key = enable ? 'OPENHCL_ENABLE_VTL2_GPA_POOL=' : 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=';
        expect(pool(`quiet ${key}${n}`)).toEqual(n === 0n ? OFF : pages(n));
      }),
    );
  });
});

describe('memoryAllocationModeToJson', () => {
  test('matches every memory_allocation_mode of the vectors’ boot results, via the parser', () => {
    const seen = new Set<string>();
    for (const v of vectors) {
      for (const step of v.expected.steps) {
        const want = step['memory_allocation_mode'];
        if (want === undefined) continue;
        expect(memoryAllocationModeToJson(parseMemoryAllocationMode(want))).toEqual(want);
        seen.add(JSON.stringify(want));
      }
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  test.each<[string, Parameters<typeof memoryAllocationModeToJson>[0], unknown]>([
    ['Host', { kind: 'Host' }, 'Host'],
    ['Vtl2 with nulls', { kind: 'Vtl2', memorySize: null, mmioSize: null }, { Vtl2: { memory_size: null, mmio_size: null } }],
    ['Vtl2 lowercase hex', { kind: 'Vtl2', memorySize: 0xabc00000n, mmioSize: 0n }, { Vtl2: { memory_size: '0xabc00000', mmio_size: '0x0' } }],
  ])('%s', (_name, mode, want) => {
    expect(memoryAllocationModeToJson(mode)).toEqual(want);
  });
});

describe('robustness: any JSON value parses or throws InputError, never anything else', () => {
  const onlyInputErrors = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      expect(typeof e.path).toBe('string');
    }
  };

  test.each<[string, (v: unknown) => unknown]>([
    ['parseShimParams', (v) => parseShimParams(v)],
    ['parseHostDt', (v) => parseHostDt(v)],
    ['parseCmdlineOptions', (v) => parseCmdlineOptions(v)],
    ['parseGpaPoolConfig', (v) => parseGpaPoolConfig(v)],
    ['parseMemoryAllocationMode', (v) => parseMemoryAllocationMode(v)],
  ])('%s on fc.jsonValue()', (_name, parse) => {
    fc.assert(fc.property(fc.jsonValue(), (v) => onlyInputErrors(() => parse(v))), { numRuns: 1000 });
  });

  /** Replaces the value at a random path of `doc` with `replacement` (arbitrary JSON). */
  function mutate(doc: unknown, choices: number[], replacement: unknown): unknown {
    if (choices.length === 0 || doc === null || typeof doc !== 'object') return replacement;
    const [c, ...rest] = choices as [number, ...number[]];
    if (Array.isArray(doc)) {
      if (doc.length === 0) return replacement;
      const i = c % doc.length;
      return doc.map((x, j) => (j === i ? mutate(x, rest, replacement) : x));
    }
    const keys = Object.keys(doc);
    if (keys.length === 0) return replacement;
    const k = keys[c % keys.length]!;
    return { ...doc, [k]: mutate((doc as Json)[k], rest, replacement) };
  }

  test.each<[string, (v: unknown) => unknown, unknown]>([
    ['parseShimParams', (v) => parseShimParams(v), SHIM],
    ['parseHostDt', (v) => parseHostDt(v), HOST],
    ['parseCmdlineOptions', (v) => parseCmdlineOptions(v), { enable_vtl2_gpa_pool: { kind: 'Pages', pages: 12 }, sidecar: 'Enabled', cmdline: 'a=b' }],
  ])('%s on a valid input with one subtree replaced by arbitrary JSON', (_name, parse, valid) => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), (choices, replacement) =>
        onlyInputErrors(() => parse(mutate(valid, choices, replacement))),
      ),
      { numRuns: 2000 },
    );
  });
});
