/**
 * The boot shim's inputs read from JSON (docs/scenario-format.md#scenario) into the typed
 * structures of `./types.ts`: `shim_params`, `host_dt` and `cmdline_options`, from scenario
 * files and from the CLI's boot-input files.
 *
 * Everything here is a pure function of its arguments, built only on the JSON reading kit
 * (`src/format/json-read.ts`). Bad input never escapes as a `TypeError`/`RangeError`: it is a
 * `JsonInputError` (exported from here as `InputError`) whose `code` is stable and whose `path`
 * names the offending field in the JSON (`host_dt.memory[2].range.end`), so a person editing a
 * scenario file by hand can go straight to it.
 *
 * Conventions (the kit's, shared with `src/format/state-json.ts`):
 * - 64-bit values are hex (`"0x…"`) or decimal strings, or JSON numbers when exact (safe
 *   integers); small integers (vnode, cpu_count, …) accept the same.
 * - Type fields accept upstream names or numbers.
 * - Unknown keys are an error (`unknown_field`) so that a misspelt field is not silently
 *   dropped; keys starting with `_` are comments and are ignored in every object (no real field
 *   starts with `_`, so such a key can never be a misspelling of one).
 * - A key whose value is `undefined` (possible only from JS callers) counts as absent.
 */
import {
  ALLOW_COMMENTS,
  JsonInputError,
  field,
  joinPath,
  need,
  readAnyObject,
  readBool,
  readList,
  readName,
  readObject as readAnyKeys,
  readOpenEnum,
  readString,
  readU32,
  readU64,
  type OpenEnum,
} from '../format/json-read.js';
import { quoteInput } from '../format/json-text.js';
import { MemoryRange, MemoryRangeError } from '../memory/range.js';
import { igvmTypeFromName } from '../memory/vtl-type.js';
import { defaultCmdlineOptions, defaultSidecarOption, gpaPoolFromCmdline, parseBootCommandLine } from './cmdline.js';
import type { CmdlineOptions, GpaPoolConfig, HostDt, HostMemoryEntry, Isolation, MemoryAllocationMode, ShimParams, SidecarOption, VmbusInfo } from './types.js';

import { U64_MAX } from '../memory/u64.js';

/** `readObject` of the kit with `_` comment keys allowed, as every boot-input object allows them. */
function readObject(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  return readAnyKeys(value, path, keys, ALLOW_COMMENTS);
}

// ---------------------------------------------------------------------------------------------
// Ranges

/**
 * A `{start, end}` range as a validated `MemoryRange`.
 * @throws {JsonInputError} `bad_range` (message carries the `MemoryRangeError` text) if unaligned or
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
    throw new JsonInputError('bad_range', at, `not a valid range: ${r.message}`);
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
 * @throws {JsonInputError}
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
 * @throws {JsonInputError}
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
  return readOpenEnum(value, path, IGVM_TYPE);
}

const IGVM_TYPE: OpenEnum = {
  fromName: igvmTypeFromName,
  bits: 16,
  noun: 'IGVM memory type',
  expected: 'MEMORY, PLATFORM_RESERVED, PERSISTENT, VTL2_PROTECTABLE, SPECIFIC_PURPOSE, HIDDEN or a number',
};

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
 * @throws {JsonInputError}
 */
export function parseMemoryAllocationMode(value: unknown, path = 'memory_allocation_mode'): MemoryAllocationMode {
  if (typeof value === 'string') {
    if (value === 'Host') return { kind: 'Host' };
    throw new JsonInputError('unknown_name', path, `unknown mode ${quoteInput(value)} (expected "Host" or {"Vtl2": {"memory_size": …, "mmio_size": …}})`);
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

// ---------------------------------------------------------------------------------------------
// cmdline_options

/** `sidecar` names: upstream's variants, plus `Disabled`, the old spelling of `DisabledCommandLine`. */
const SIDECAR_KINDS = ['Enabled', 'DisabledCommandLine', 'DisabledServicing', 'Disabled'] as const;

const CMDLINE_KEYS = ['enable_vtl2_gpa_pool', 'vtl2_gpa_pool_numa_split', 'sidecar', 'confidential_debug', 'disable_nvme_keep_alive', 'cmdline'];

/**
 * Reads `cmdline_options` into `CmdlineOptions`. Every key is optional; defaults are upstream's
 * `BootCommandLineOptions::new()` (`defaultCmdlineOptions`). A raw `cmdline` string, if
 * present, is then parsed with {@link parseBootCommandLine} on top of those fields (so the
 * command line wins where it speaks).
 * @throws {JsonInputError}
 */
export function parseCmdlineOptions(value: unknown, path = 'cmdline_options'): CmdlineOptions {
  const o = readObject(value, path, CMDLINE_KEYS);
  const at = (key: string) => joinPath(path, key);
  const flag = (key: string, dflt: boolean) => {
    const v = field(o, key);
    return v === undefined ? dflt : readBool(v, at(key));
  };
  const pool = field(o, 'enable_vtl2_gpa_pool');
  const sidecar = field(o, 'sidecar');
  const cmdline = field(o, 'cmdline');
  const defaults = defaultCmdlineOptions();
  const base: CmdlineOptions = {
    enableVtl2GpaPool: pool === undefined ? defaults.enableVtl2GpaPool : parseGpaPoolConfig(pool, at('enable_vtl2_gpa_pool')),
    vtl2GpaPoolNumaSplit: flag('vtl2_gpa_pool_numa_split', defaults.vtl2GpaPoolNumaSplit),
    sidecar: sidecar === undefined ? defaults.sidecar : parseSidecarOption(sidecar, at('sidecar')),
    confidentialDebug: flag('confidential_debug', defaults.confidentialDebug),
    disableNvmeKeepAlive: flag('disable_nvme_keep_alive', defaults.disableNvmeKeepAlive),
  };
  return cmdline === undefined ? base : parseBootCommandLine(readString(cmdline, at('cmdline')), base);
}

/**
 * The JSON `sidecar` value (upstream `SidecarOptions`): a name, `"Enabled"` (logging off,
 * threshold 100), `"DisabledCommandLine"` (or its old spelling `"Disabled"`),
 * `"DisabledServicing"`; or an object `{"kind": name}`, where `Enabled` may add
 * `"enable_logging": bool` (default false) and `"cpu_threshold": u32 | null` (default 100; null
 * is upstream `None`). Those two keys on a disabled kind are `unknown_field`: upstream's
 * disabled variants have no such fields. The command-line spellings (`on`, `off`, `log`)
 * belong in `cmdline` and are `unknown_name` here.
 * @throws {JsonInputError}
 */
export function parseSidecarOption(value: unknown, path = 'sidecar'): SidecarOption {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const kindPath = isObject ? joinPath(path, 'kind') : path;
  const kind = readName(isObject ? need(readAnyObject(value, path), 'kind', path) : value, kindPath, SIDECAR_KINDS);
  if (kind !== 'Enabled') {
    if (isObject) readObject(value, path, ['kind']);
    return { kind: kind === 'DisabledServicing' ? kind : 'DisabledCommandLine' };
  }
  const sidecar = defaultSidecarOption();
  if (!isObject) return sidecar;
  const o = readObject(value, path, ['kind', 'enable_logging', 'cpu_threshold']);
  const logging = field(o, 'enable_logging');
  const threshold = field(o, 'cpu_threshold');
  if (logging !== undefined) sidecar.enableLogging = readBool(logging, joinPath(path, 'enable_logging'));
  if (threshold !== undefined) sidecar.cpuThreshold = threshold === null ? null : readU32(threshold, joinPath(path, 'cpu_threshold'));
  return sidecar;
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
 * @throws {JsonInputError}
 */
export function parseGpaPoolConfig(value: unknown, path = 'enable_vtl2_gpa_pool'): GpaPoolConfig {
  if (typeof value === 'string') {
    if (value === 'release' || value === 'debug' || value === 'off') return gpaPoolFromCmdline(value);
    const pages = /^[0-9]+$/.test(value) ? BigInt(value) : undefined;
    if (pages === undefined || pages > U64_MAX) {
      throw new JsonInputError('bad_value', path, `${quoteInput(value)} is not "release", "debug", "off" or a decimal page count below 2^64`);
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
        throw new JsonInputError('bad_value', joinPath(path, 'pages'), '0 pages is not a pool size (upstream parses 0 as Off; write {"kind": "Off"})');
      }
      return { kind: 'Pages', pages };
    }
  }
}
