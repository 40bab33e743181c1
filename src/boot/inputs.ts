/**
 * The boot shim's inputs read from scenario JSON (docs/scenario-format.md#scenario) into the
 * typed structures of `./types.ts`, plus the boot command-line parser (upstream `cmdline.rs`).
 *
 * Everything here is a pure function of its arguments. Bad input never escapes as a
 * `TypeError`/`RangeError`: it is an {@link InputError} whose `code` is stable and whose `path`
 * names the offending field in the JSON (`host_dt.memory[2].range.end`), so a person editing a
 * scenario file by hand can go straight to it.
 *
 * Conventions shared by every parser below, chosen to match the rest of the project
 * (`src/format/state-json.ts`):
 * - 64-bit values are hex (`"0x…"`) or decimal strings, or JSON numbers when exact (safe
 *   integers), read with `parseU64`; small integers (vnode, cpu_count, …) accept the same.
 * - Type fields accept upstream names or numbers.
 * - Unknown keys are an error (`unknown_field`) so that a misspelt field is not silently
 *   dropped; keys starting with `_` are comments and are ignored in every object (no real field
 *   starts with `_`, so such a key can never be a misspelling of one).
 * - A key whose value is `undefined` (possible only from JS callers) counts as absent.
 */
import { Vtl2PersistError } from '../errors.js';
import { StateJsonError, parseU64 } from '../format/state-json.js';
import { quoteInput } from '../format/json-text.js';
import { MemoryRange, MemoryRangeError, formatHex } from '../memory/range.js';
import { igvmTypeFromName, igvmTypeName } from '../memory/vtl-type.js';
import type {
  CmdlineOptions,
  GpaPoolConfig,
  HostDt,
  HostMemoryEntry,
  Isolation,
  MemoryAllocationMode,
  ShimParams,
  SidecarOption,
  VmbusInfo,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Stable reasons an {@link InputError} is thrown.
 * - `wrong_type`: the JSON value has the wrong shape (a string where an object belongs, …).
 * - `missing_field`: a required key is absent.
 * - `unknown_field`: a key the format does not define (probably a misspelling).
 * - `bad_value`: right type, unusable value (not a number, out of range, odd hex length, …).
 * - `bad_range`: a `{start, end}` range `MemoryRange` rejects (unaligned or reversed).
 * - `unknown_name`: a name outside a closed set (isolation, mem_type, op, kind, …).
 * - `bad_json`: the text is not JSON at all (`parseScenarioFileText`).
 */
export type InputErrorCode =
  | 'wrong_type'
  | 'missing_field'
  | 'unknown_field'
  | 'bad_value'
  | 'bad_range'
  | 'unknown_name'
  | 'bad_json';

/** Scenario input that does not describe a valid boot; `path` names the bad field. */
export class InputError extends Vtl2PersistError {
  declare readonly code: InputErrorCode;
  /** JSON path of the bad value, e.g. `host_dt.memory[2].range.end` (`""` for the root). */
  readonly path: string;
  /** What is wrong, without the path or file prefix (the message is `file: path: detail`). */
  readonly detail: string;
  /** The file the input came from, when the caller said (scenario files). */
  readonly file: string | undefined;

  constructor(code: InputErrorCode, path: string, detail: string, file?: string) {
    super(code, `${file === undefined ? '' : `${file}: `}${path === '' ? 'input' : path}: ${detail}`);
    this.path = path;
    this.detail = detail;
    this.file = file;
  }

  /** The same error attributed to `file` (paths stay relative to the file's root). */
  inFile(file: string | undefined): InputError {
    return file === undefined ? this : new InputError(this.code, this.path, this.detail, file);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON reading helpers (exported for the scenario-file parser; each throws InputError)

const U32_MAX = 0xffff_ffffn;
const U16_MAX = 0xffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** `a.b` path joining that leaves the root path empty rather than starting with a dot. */
export function joinPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Human description of a JSON value's kind for `wrong_type` messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Checks that `value` is a JSON object whose keys are all in `keys` (or start with `_`).
 * @throws {InputError} `wrong_type` if it is not an object, `unknown_field` for a stray key.
 */
export function readObject(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  readAnyObject(value, path);
  for (const key of Object.keys(value as object)) {
    if (!keys.includes(key) && !key.startsWith('_')) {
      throw new InputError(
        'unknown_field',
        joinPath(path, key),
        `unknown field (expected one of ${keys.join(', ')}; keys starting with "_" are comments)`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/**
 * Checks only that `value` is a JSON object (any keys): for free-form objects such as overrides,
 * and for reading a discriminator (`op`, `kind`) before the allowed keys are known.
 * @throws {InputError} `wrong_type`.
 */
export function readAnyObject(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('wrong_type', path, `expected an object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/** The value of an own key, or undefined; never reaches `Object.prototype` (e.g. `constructor`). */
export function field(o: Record<string, unknown>, key: string): unknown {
  // The plain read first: most optional keys are absent, and `hasOwn` is the slow part.
  const v = o[key];
  return v !== undefined && Object.hasOwn(o, key) ? v : undefined;
}

/** The value of a required key. @throws {InputError} `missing_field` if it is absent. */
export function need(o: Record<string, unknown>, key: string, path: string): unknown {
  const v = field(o, key);
  if (v === undefined) throw new InputError('missing_field', joinPath(path, key), 'required field is missing');
  return v;
}

/**
 * An array, each element read by `item` with path `path[i]`.
 * @throws {InputError} `wrong_type` if `value` is not an array, or what `item` throws.
 */
export function readList<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(value)) throw new InputError('wrong_type', path, `expected an array, got ${kindOf(value)}`);
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

/**
 * A u64 via `parseU64` (hex/decimal string or exact JSON number), with its `StateJsonError`
 * turned into an InputError: the number-format and range failures become `bad_value`.
 * Unlike `parseU64`, `undefined` is not 0 here: callers decide defaults before calling.
 */
export function readU64(value: unknown, path: string): bigint {
  if (value === undefined) throw new InputError('missing_field', path, 'required field is missing');
  try {
    return parseU64(value, path);
  } catch (e) {
    if (e instanceof StateJsonError) {
      const prefix = `${path}: `;
      const detail = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
      throw new InputError(e.code === 'wrong_type' ? 'wrong_type' : 'bad_value', path, detail);
    }
    throw e;
  }
}

/** An unsigned integer of at most `max`, as a JS number (only used for widths ≤ 32 bits). */
function readSmall(value: unknown, path: string, max: bigint, type: string): number {
  const v = readU64(value, path);
  if (v > max) throw new InputError('bad_value', path, `${v} does not fit a ${type} (0..${formatHex(max)})`);
  return Number(v);
}

/** A u32 (vnode, CPU id, connection id, …) from a number or a numeric string. */
export function readU32(value: unknown, path: string): number {
  return readSmall(value, path, U32_MAX, 'u32');
}

/** A JSON boolean. @throws {InputError} `wrong_type` otherwise (no truthy-string guessing). */
export function readBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new InputError('wrong_type', path, `expected true or false, got ${kindOf(value)}`);
  return value;
}

/** A JSON string. @throws {InputError} `wrong_type` otherwise. */
export function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new InputError('wrong_type', path, `expected a string, got ${kindOf(value)}`);
  return value;
}

/** One of a closed set of names, spelt exactly. @throws {InputError} `unknown_name` otherwise. */
export function readName<N extends string>(value: unknown, path: string, names: readonly N[]): N {
  const s = readString(value, path);
  if (!(names as readonly string[]).includes(s)) {
    throw new InputError('unknown_name', path, `unknown name ${quoteInput(s)} (expected one of ${names.join(', ')})`);
  }
  return s as N;
}

/**
 * A `{start, end}` range as a validated `MemoryRange`.
 * @throws {InputError} `bad_range` (message carries the `MemoryRangeError` text) if unaligned or
 *   reversed; the path names `.start` or `.end` when one bound alone is at fault, else the range.
 */
export function readRange(value: unknown, path: string): MemoryRange {
  const o = readObject(value, path, ['start', 'end']);
  const start = readU64(need(o, 'start', path), joinPath(path, 'start'));
  const end = readU64(need(o, 'end', path), joinPath(path, 'end'));
  const r = MemoryRange.tryNew(start, end);
  if (r instanceof MemoryRangeError) {
    const at =
      r.code === 'range_start_unaligned' ? joinPath(path, 'start') : r.code === 'range_end_unaligned' ? joinPath(path, 'end') : path;
    throw new InputError('bad_range', at, `not a valid range: ${r.message}`);
  }
  return r;
}

/** `null` or a u64 (a JS `undefined` also means null, for optional keys). */
function readOptionalU64(value: unknown, path: string): bigint | null {
  return value === undefined || value === null ? null : readU64(value, path);
}

// ---------------------------------------------------------------------------------------------
// shim_params

const ISOLATIONS: readonly Isolation[] = ['None', 'Vbs', 'Snp', 'Tdx', 'Cca'];

/**
 * Upstream `openhcl_boot` reclaims host-DT pages `[40, 40 + 64)` of the parameter region
 * (`dt_start()`/`dt_size()` in `topology_from_host_dt` and `topology_from_persisted_state`); these are the defaults for `dt_page_index` / `dt_size_pages`.
 */
export const DEFAULT_DT_PAGE_INDEX = 40;
/** See {@link DEFAULT_DT_PAGE_INDEX}. */
export const DEFAULT_DT_SIZE_PAGES = 64;

const SHIM_KEYS = [
  'isolation',
  'memory_start',
  'memory_size',
  'persisted_state',
  'used',
  'parameter_region',
  'vtl2_reserved_region',
  'sidecar',
  'log_buffer',
  'heap',
  'imported_regions',
] as const;

/**
 * Reads `shim_params` (the image's fixed layout, as upstream `ShimParams::new` presents it) into `ShimParams`.
 *
 * Required: `memory_start`, `memory_size`, `persisted_state`, `used`, `parameter_region`
 * (`start`, `size`), `log_buffer`, `heap` — every real image has them and no default would be
 * right. Defaults when absent: `isolation` `"None"`; `vtl2_reserved_region` and `sidecar` size 0
 * at address 0 (an aarch64 image / a file without sidecar, which the boot code skips);
 * `parameter_region.dt_page_index` 40 and `dt_size_pages` 64 (the upstream constants);
 * `imported_regions` `[]`.
 *
 * Only layout *shape* is checked (types, u64 range, `MemoryRange` validity); whether the layout
 * is consistent (e.g. `persisted_state` inside `used`) is for the boot emulation to find, as
 * the real shim would.
 * @throws {InputError}
 */
export function parseShimParams(value: unknown, path = 'shim_params'): ShimParams {
  const o = readObject(value, path, SHIM_KEYS);
  const at = (key: string) => joinPath(path, key);
  const isolation = field(o, 'isolation');
  const reserved = field(o, 'vtl2_reserved_region');
  const sidecar = field(o, 'sidecar');
  const imported = field(o, 'imported_regions');
  return {
    isolation: isolation === undefined ? 'None' : readName(isolation, at('isolation'), ISOLATIONS),
    memoryStart: readU64(need(o, 'memory_start', path), at('memory_start')),
    memorySize: readU64(need(o, 'memory_size', path), at('memory_size')),
    persistedState: readRange(need(o, 'persisted_state', path), at('persisted_state')),
    used: readRange(need(o, 'used', path), at('used')),
    parameterRegion: parameterRegion(need(o, 'parameter_region', path), at('parameter_region')),
    vtl2ReservedRegion: reserved === undefined ? { start: 0n, size: 0n } : startSize(reserved, at('vtl2_reserved_region')),
    sidecar: sidecar === undefined ? { base: 0n, size: 0n } : sidecarImage(sidecar, at('sidecar')),
    logBuffer: readRange(need(o, 'log_buffer', path), at('log_buffer')),
    heap: readRange(need(o, 'heap', path), at('heap')),
    importedRegions: imported === undefined ? [] : readList(imported, at('imported_regions'), importedRegion),
  };
}

function parameterRegion(value: unknown, path: string): ShimParams['parameterRegion'] {
  const o = readObject(value, path, ['start', 'size', 'dt_page_index', 'dt_size_pages']);
  const index = field(o, 'dt_page_index');
  const pages = field(o, 'dt_size_pages');
  return {
    start: readU64(need(o, 'start', path), joinPath(path, 'start')),
    size: readU64(need(o, 'size', path), joinPath(path, 'size')),
    dtPageIndex: index === undefined ? DEFAULT_DT_PAGE_INDEX : readU32(index, joinPath(path, 'dt_page_index')),
    dtSizePages: pages === undefined ? DEFAULT_DT_SIZE_PAGES : readU32(pages, joinPath(path, 'dt_size_pages')),
  };
}

/** `{start, size}` pairs are not `MemoryRange`s upstream either: a size-0 region is "absent". */
function startSize(value: unknown, path: string): { start: bigint; size: bigint } {
  const o = readObject(value, path, ['start', 'size']);
  return {
    start: readU64(need(o, 'start', path), joinPath(path, 'start')),
    size: readU64(need(o, 'size', path), joinPath(path, 'size')),
  };
}

function sidecarImage(value: unknown, path: string): { base: bigint; size: bigint } {
  const o = readObject(value, path, ['base', 'size']);
  return {
    base: readU64(need(o, 'base', path), joinPath(path, 'base')),
    size: readU64(need(o, 'size', path), joinPath(path, 'size')),
  };
}

/** `{start, end, accepted}`; `accepted` is required because it changes what the loader did. */
function importedRegion(value: unknown, path: string): ShimParams['importedRegions'][number] {
  const o = readObject(value, path, ['start', 'end', 'accepted']);
  return {
    range: readRange({ start: need(o, 'start', path), end: need(o, 'end', path) }, path),
    accepted: readBool(need(o, 'accepted', path), joinPath(path, 'accepted')),
  };
}

// ---------------------------------------------------------------------------------------------
// host_dt

/**
 * Reads `host_dt` (the host device tree, already parsed as upstream `ParsedDeviceTree` holds it) into `HostDt`.
 *
 * Required: `memory`, `cpu_count`, `vmbus_vtl0`, `vmbus_vtl2`. The VMBus nodes must be given
 * even when absent (`null`), because a missing node is a boot-time `dt_error` upstream; silently
 * defaulting either way would hide a mistake in the file. Within a node `mmio` (bare
 * `{start, end}` ranges) and `connection_id` are required.
 * Within a memory entry `range` and `mem_type` (IGVM name or u16 number) are required;
 * `vnode` defaults to 0.
 * Defaults: `memory_allocation_mode` `"Host"`, `device_dma_page_count` `null` (use the
 * heuristic). Sizes and counts are u64 device-tree cells, so a value above 2^64 − 1 (which no
 * host can write) is the pre-boot `InputError`; any u64, however its boot-time arithmetic
 * overflows, is accepted and boots to a result.
 * @throws {InputError}
 */
export function parseHostDt(value: unknown, path = 'host_dt'): HostDt {
  const o = readObject(value, path, [
    'memory',
    'memory_allocation_mode',
    'vmbus_vtl0',
    'vmbus_vtl2',
    'cpu_count',
    'device_dma_page_count',
  ]);
  const at = (key: string) => joinPath(path, key);
  const mode = field(o, 'memory_allocation_mode');
  return {
    memory: readList(need(o, 'memory', path), at('memory'), hostMemoryEntry),
    memoryAllocationMode: mode === undefined ? { kind: 'Host' } : parseMemoryAllocationMode(mode, at('memory_allocation_mode')),
    vmbusVtl0: vmbus(need(o, 'vmbus_vtl0', path), at('vmbus_vtl0')),
    vmbusVtl2: vmbus(need(o, 'vmbus_vtl2', path), at('vmbus_vtl2')),
    cpuCount: readU32(need(o, 'cpu_count', path), at('cpu_count')),
    deviceDmaPageCount: readOptionalU64(field(o, 'device_dma_page_count'), at('device_dma_page_count')),
  };
}

function hostMemoryEntry(value: unknown, path: string): HostMemoryEntry {
  const o = readObject(value, path, ['range', 'mem_type', 'vnode']);
  const vnode = field(o, 'vnode');
  return {
    range: readRange(need(o, 'range', path), joinPath(path, 'range')),
    memType: readIgvmType(need(o, 'mem_type', path), joinPath(path, 'mem_type')),
    vnode: vnode === undefined ? 0 : readU32(vnode, joinPath(path, 'vnode')),
  };
}

/**
 * An IGVM memory type: an upstream name (`MEMORY`, `VTL2_PROTECTABLE`, …) or a u16 as a number
 * or numeric string (the type is an open enum, so unnamed values are legal).
 */
export function readIgvmType(value: unknown, path: string): number {
  if (typeof value === 'string' && !/^\s*(0x[0-9a-f]+|[0-9]+)\s*$/i.test(value)) {
    const v = igvmTypeFromName(value.trim());
    if (v === undefined) {
      throw new InputError('unknown_name', path, `unknown IGVM memory type ${quoteInput(value)} (expected MEMORY, PLATFORM_RESERVED, PERSISTENT, VTL2_PROTECTABLE, SPECIFIC_PURPOSE, HIDDEN or a number)`);
    }
    return v;
  }
  return readSmall(value, path, U16_MAX, 'u16');
}

function vmbus(value: unknown, path: string): VmbusInfo | null {
  if (value === null) return null;
  const o = readObject(value, path, ['mmio', 'connection_id']);
  return {
    mmio: readList(need(o, 'mmio', path), joinPath(path, 'mmio'), readRange),
    connectionId: readU32(need(o, 'connection_id', path), joinPath(path, 'connection_id')),
  };
}

/**
 * `"Host"` or `{"Vtl2": {"memory_size": u64|null, "mmio_size": u64|null}}` (serde's externally
 * tagged form, as the vectors write it). Inside `Vtl2` an absent size means null ("not given").
 * @throws {InputError}
 */
export function parseMemoryAllocationMode(value: unknown, path = 'memory_allocation_mode'): MemoryAllocationMode {
  if (typeof value === 'string') {
    if (value === 'Host') return { kind: 'Host' };
    throw new InputError('unknown_name', path, `unknown mode ${quoteInput(value)} (expected "Host" or {"Vtl2": {"memory_size": …, "mmio_size": …}})`);
  }
  const o = readObject(value, path, ['Vtl2']);
  const vtl2Path = joinPath(path, 'Vtl2');
  const inner = readObject(need(o, 'Vtl2', path), vtl2Path, ['memory_size', 'mmio_size']);
  return {
    kind: 'Vtl2',
    memorySize: readOptionalU64(field(inner, 'memory_size'), joinPath(vtl2Path, 'memory_size')),
    mmioSize: readOptionalU64(field(inner, 'mmio_size'), joinPath(vtl2Path, 'mmio_size')),
  };
}

/** JSON form of a {@link MemoryAllocationMode}, as boot results print it. */
export type MemoryAllocationModeJson =
  | 'Host'
  | {
      /** The boot shim places VTL2 RAM itself. */
      Vtl2: {
        /** Requested VTL2 RAM size, hex, or null when the host gave none. */
        memory_size: string | null;
        /** Requested VTL2 MMIO size, hex, or null when the host gave none. */
        mmio_size: string | null;
      };
    };

/**
 * The boot result's `memory_allocation_mode`: `"Host"` or
 * `{"Vtl2": {"memory_size": "0x…"|null, "mmio_size": "0x…"|null}}` with lowercase hex, both
 * keys always present (exactly as `expected.steps[].memory_allocation_mode` in the vectors).
 */
export function memoryAllocationModeToJson(mode: MemoryAllocationMode): MemoryAllocationModeJson {
  if (mode.kind === 'Host') return 'Host';
  const hex = (v: bigint | null) => (v === null ? null : formatHex(v));
  return { Vtl2: { memory_size: hex(mode.memorySize), mmio_size: hex(mode.mmioSize) } };
}

// ---------------------------------------------------------------------------------------------
// cmdline_options

const SIDECAR_OPTIONS: readonly SidecarOption[] = ['Enabled', 'Disabled', 'DisabledServicing'];

/**
 * The options a boot gets when the scenario says nothing: upstream `BootCommandLineOptions::new()`
 * (pool Heuristics(Release), sidecar Enabled) and no NUMA split.
 */
export function defaultCmdlineOptions(): CmdlineOptions {
  return { enableVtl2GpaPool: { kind: 'Heuristics', table: 'Release' }, vtl2GpaPoolNumaSplit: false, sidecar: 'Enabled' };
}

/**
 * Reads `cmdline_options` into `CmdlineOptions`. Every key is optional; defaults are upstream's:
 * `enable_vtl2_gpa_pool` Heuristics(Release), `vtl2_gpa_pool_numa_split` false, `sidecar`
 * `"Enabled"`. A raw `cmdline` string, if present, is then parsed with
 * {@link parseBootCommandLine} on top of those fields (so the command line wins where it speaks).
 * @throws {InputError}
 */
export function parseCmdlineOptions(value: unknown, path = 'cmdline_options'): CmdlineOptions {
  const o = readObject(value, path, ['enable_vtl2_gpa_pool', 'vtl2_gpa_pool_numa_split', 'sidecar', 'cmdline']);
  const at = (key: string) => joinPath(path, key);
  const pool = field(o, 'enable_vtl2_gpa_pool');
  const split = field(o, 'vtl2_gpa_pool_numa_split');
  const sidecar = field(o, 'sidecar');
  const cmdline = field(o, 'cmdline');
  const defaults = defaultCmdlineOptions();
  const base: CmdlineOptions = {
    enableVtl2GpaPool: pool === undefined ? defaults.enableVtl2GpaPool : parseGpaPoolConfig(pool, at('enable_vtl2_gpa_pool')),
    vtl2GpaPoolNumaSplit: split === undefined ? defaults.vtl2GpaPoolNumaSplit : readBool(split, at('vtl2_gpa_pool_numa_split')),
    sidecar: sidecar === undefined ? defaults.sidecar : readName(sidecar, at('sidecar'), SIDECAR_OPTIONS),
  };
  return cmdline === undefined ? base : parseBootCommandLine(readString(cmdline, at('cmdline')), base);
}

/**
 * The JSON `enable_vtl2_gpa_pool` value: `{"kind":"Heuristics","table":"Release"|"Debug"}`
 * (`table` defaults to Release), `{"kind":"Off"}`, `{"kind":"Pages","pages":n}`, or the
 * command-line strings `"release"`, `"debug"`, `"off"`, `"<n>"` (decimal pages; `"0"` is Off, as
 * on the command line).
 *
 * Deliberately stricter than the command line: text the shim would silently turn into Off
 * (`"Release"`, `"0x10"`, `"lots"`) is a `bad_value` here, because in a hand-written scenario it
 * is far more likely a typo than an intent; `{"kind":"Pages","pages":0}` is also rejected since
 * upstream can never produce Pages(0) (it parses 0 as Off).
 *
 * u64 edges: every page count up to 2^64 − 1 is accepted, even where `pages × 4096` passes
 * 2^64: the boot wraps that product as the shipped (release) shim does and reports the
 * upstream outcome as a boot result (`allocatePool` in boot.ts). A count above 2^64 − 1 is the
 * pre-boot `InputError` here (no `Pages(u64)` holds it; on the raw `cmdline` string upstream's
 * `parse::<u64>()` fails and it is Off, which {@link gpaPoolFromCmdline} reproduces).
 * @throws {InputError}
 */
export function parseGpaPoolConfig(value: unknown, path = 'enable_vtl2_gpa_pool'): GpaPoolConfig {
  if (typeof value === 'string') {
    if (value === 'release' || value === 'debug' || value === 'off') return gpaPoolFromCmdline(value);
    const pages = /^[0-9]+$/.test(value) ? BigInt(value) : undefined;
    if (pages === undefined || pages > U64_MAX) {
      throw new InputError('bad_value', path, `${quoteInput(value)} is not "release", "debug", "off" or a decimal page count below 2^64`);
    }
    return pages === 0n ? { kind: 'Off' } : { kind: 'Pages', pages };
  }
  const kind = readName(need(readAnyObject(value, path), 'kind', path), joinPath(path, 'kind'), ['Heuristics', 'Off', 'Pages'] as const);
  switch (kind) {
    case 'Off':
      readObject(value, path, ['kind']);
      return { kind: 'Off' };
    case 'Heuristics': {
      const o = readObject(value, path, ['kind', 'table']);
      const table = field(o, 'table');
      return {
        kind: 'Heuristics',
        table: table === undefined ? 'Release' : readName(table, joinPath(path, 'table'), ['Release', 'Debug'] as const),
      };
    }
    case 'Pages': {
      const o = readObject(value, path, ['kind', 'pages']);
      const pages = readU64(need(o, 'pages', path), joinPath(path, 'pages'));
      if (pages === 0n) {
        throw new InputError('bad_value', joinPath(path, 'pages'), '0 pages is not a pool size (upstream parses 0 as Off; write {"kind": "Off"})');
      }
      return { kind: 'Pages', pages };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The boot command line (upstream openhcl_boot/src/cmdline.rs)

/** `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=`: the pool config the IGVM manifest put on the command line. */
export const IGVM_VTL2_GPA_POOL_CONFIG = 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=';
/** `OPENHCL_ENABLE_VTL2_GPA_POOL=`: test/compat override that beats the IGVM key. */
export const ENABLE_VTL2_GPA_POOL = 'OPENHCL_ENABLE_VTL2_GPA_POOL=';
/** `OPENHCL_VTL2_GPA_POOL_NUMA=`: `split` skips the single-node pool attempt. */
export const VTL2_GPA_POOL_NUMA = 'OPENHCL_VTL2_GPA_POOL_NUMA=';
/** `OPENHCL_SIDECAR=`: comma-separated `on` / `off` / `log`. */
export const SIDECAR = 'OPENHCL_SIDECAR=';

/**
 * Rust `char::is_whitespace` (Unicode White_Space), which `str::split_whitespace` splits on.
 * JS `\s` differs in two code points (it adds U+FEFF and lacks U+0085), hence the explicit set.
 */
const RUST_WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/**
 * Upstream `impl From<&str> for Vtl2GpaPoolConfig`: `"debug"`, `"release"`, `"off"`, else
 * `arg.parse::<u64>().unwrap_or(0)` where 0 means Off. Rust's u64 `FromStr` takes an optional
 * leading `+` and decimal digits only (no hex, no `-`, nothing empty, nothing above u64::MAX),
 * so `"+16"` is 16 pages and `"0x10"`, `""`, `"Release"` are Off. Matching is case-sensitive.
 */
export function gpaPoolFromCmdline(arg: string): GpaPoolConfig {
  if (arg === 'debug') return { kind: 'Heuristics', table: 'Debug' };
  if (arg === 'release') return { kind: 'Heuristics', table: 'Release' };
  if (arg === 'off') return { kind: 'Off' };
  const m = /^\+?([0-9]+)$/.exec(arg);
  const pages = m?.[1] === undefined ? 0n : BigInt(m[1]);
  return pages === 0n || pages > U64_MAX ? { kind: 'Off' } : { kind: 'Pages', pages };
}

/**
 * Applies a raw boot command line on top of `base`, as `BootCommandLineOptions::parse` does in
 * upstream `openhcl_boot`'s `cmdline.rs`. Never throws: it is a kernel command line, so
 * anything it does not understand is ignored. Rules:
 *
 * - Tokens are split on Rust whitespace; a token matches a key when it *starts with* `KEY=`
 *   (case-sensitive), and its value is everything after the first `=`. `KEY` with no `=` does
 *   not match and is ignored, like every unknown token.
 * - `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=v` sets the pool config to `gpaPoolFromCmdline`(v);
 *   a later occurrence wins.
 * - `OPENHCL_ENABLE_VTL2_GPA_POOL=v` is remembered (a later occurrence wins) and applied after
 *   the whole line has been read, so it overrides the IGVM key regardless of order.
 *   (Upstream applies the override at the end of each `parse` call; a scenario has one string,
 *   so one call.)
 * - `OPENHCL_VTL2_GPA_POOL_NUMA=split` sets the NUMA split. Inferred: any other value is
 *   ignored, i.e. it leaves the flag as it was (upstream's default is false, and it has no
 *   value that turns split off). So with a base of `true` from the JSON fields nothing on the
 *   command line clears it.
 * - `OPENHCL_SIDECAR=a,b,…`: each comma-separated item in order; `off` → `Disabled`
 *   (upstream `DisabledCommandLine`), `on` or `log` → `Enabled` (logging is not modelled),
 *   anything else ignored, so the last recognised item of the last occurrence wins. This is our
 *   reading of upstream's `match` with a `_ => {}` arm; it differs from "anything but `off` is
 *   Enabled" only for unrecognised values, which here leave the previous value (e.g. a
 *   `"Disabled"` base stays Disabled under `OPENHCL_SIDECAR=maybe`).
 */
export function parseBootCommandLine(cmdline: string, base: CmdlineOptions): CmdlineOptions {
  let pool = base.enableVtl2GpaPool;
  let split = base.vtl2GpaPoolNumaSplit;
  let sidecar = base.sidecar;
  let override: GpaPoolConfig | undefined;
  for (const token of cmdline.split(RUST_WHITESPACE)) {
    const value = (key: string) => token.slice(key.length);
    if (token.startsWith(ENABLE_VTL2_GPA_POOL)) {
      override = gpaPoolFromCmdline(value(ENABLE_VTL2_GPA_POOL));
    } else if (token.startsWith(IGVM_VTL2_GPA_POOL_CONFIG)) {
      pool = gpaPoolFromCmdline(value(IGVM_VTL2_GPA_POOL_CONFIG));
    } else if (token.startsWith(VTL2_GPA_POOL_NUMA)) {
      if (value(VTL2_GPA_POOL_NUMA) === 'split') split = true;
    } else if (token.startsWith(SIDECAR)) {
      for (const item of value(SIDECAR).split(',')) {
        if (item === 'off') sidecar = 'Disabled';
        else if (item === 'on' || item === 'log') sidecar = 'Enabled';
      }
    }
  }
  return { enableVtl2GpaPool: override ?? pool, vtl2GpaPoolNumaSplit: split, sidecar };
}

// ---------------------------------------------------------------------------------------------
// Back to JSON (canonical forms; `parse*(…ToJson(x))` gives `x` back)

/** A `MemoryRange` as `{start, end}` hex strings. */
function rangeJson(r: MemoryRange): { start: string; end: string } {
  return { start: formatHex(r.start), end: formatHex(r.end) };
}

/**
 * Canonical JSON of `ShimParams` in the scenario format: every key present, u64s as lowercase
 * hex, the inverse of {@link parseShimParams}. Useful for printing the inputs a boot really used.
 */
export function shimParamsToJson(p: ShimParams): Record<string, unknown> {
  return {
    isolation: p.isolation,
    memory_start: formatHex(p.memoryStart),
    memory_size: formatHex(p.memorySize),
    persisted_state: rangeJson(p.persistedState),
    used: rangeJson(p.used),
    parameter_region: {
      start: formatHex(p.parameterRegion.start),
      size: formatHex(p.parameterRegion.size),
      dt_page_index: p.parameterRegion.dtPageIndex,
      dt_size_pages: p.parameterRegion.dtSizePages,
    },
    vtl2_reserved_region: { start: formatHex(p.vtl2ReservedRegion.start), size: formatHex(p.vtl2ReservedRegion.size) },
    sidecar: { base: formatHex(p.sidecar.base), size: formatHex(p.sidecar.size) },
    log_buffer: rangeJson(p.logBuffer),
    heap: rangeJson(p.heap),
    imported_regions: p.importedRegions.map((r) => ({ ...rangeJson(r.range), accepted: r.accepted })),
  };
}

/** Canonical JSON of `HostDt` (IGVM type names when known, else the number); inverse of {@link parseHostDt}. */
export function hostDtToJson(dt: HostDt): Record<string, unknown> {
  const bus = (v: VmbusInfo | null) => (v === null ? null : { mmio: v.mmio.map(rangeJson), connection_id: v.connectionId });
  return {
    memory: dt.memory.map((e) => ({ range: rangeJson(e.range), mem_type: igvmTypeName(e.memType) ?? e.memType, vnode: e.vnode })),
    memory_allocation_mode: memoryAllocationModeToJson(dt.memoryAllocationMode),
    vmbus_vtl0: bus(dt.vmbusVtl0),
    vmbus_vtl2: bus(dt.vmbusVtl2),
    cpu_count: dt.cpuCount,
    device_dma_page_count: dt.deviceDmaPageCount === null ? null : formatHex(dt.deviceDmaPageCount),
  };
}

/** Canonical JSON of `CmdlineOptions` (object form of the pool config, no raw `cmdline`). */
export function cmdlineOptionsToJson(c: CmdlineOptions): Record<string, unknown> {
  const pool = c.enableVtl2GpaPool;
  return {
    enable_vtl2_gpa_pool:
      pool.kind === 'Pages' ? { kind: 'Pages', pages: formatHex(pool.pages) } : pool.kind === 'Off' ? { kind: 'Off' } : { kind: 'Heuristics', table: pool.table },
    vtl2_gpa_pool_numa_split: c.vtl2GpaPoolNumaSplit,
    sidecar: c.sidecar,
  };
}
