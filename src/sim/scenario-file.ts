/**
 * Scenario files (docs/scenario-format.md; JSON Schema schema/scenario.schema.json): one VM,
 * its boot inputs, optional initial guest memory, and a lifecycle of boot / save / corrupt
 * steps, read into typed data.
 *
 * Everything is validated here, up front — including each boot step's overrides merged onto its
 * base — so a runner never meets bad input halfway through a lifecycle, and only with the JSON
 * reading kit (`src/format/json-read.ts`) and the boot-input readers built on it. Errors are
 * `InputError`s (the kit's `JsonInputError`) whose `path` is relative to the file's root:
 * `host_dt.memory[0].vnode` for a file holding one scenario, `[3].lifecycle[1].kind` for an
 * array, `scenarios[3]…` for the `{"scenarios": [...]}` form.
 */
import { InputError, parseCmdlineOptions, parseHostDt, parseShimParams } from '../boot/inputs.js';
import type { CmdlineOptions, HostDt, ShimParams } from '../boot/types.js';
import {
  ALLOW_COMMENTS,
  field,
  indexPath,
  joinPath,
  kindOf,
  need,
  parseJsonInput,
  readAnyObject,
  readBool,
  readList,
  readName,
  readObject as readAnyKeys,
  readString,
  readU32,
  readU64,
  uintFromText,
} from '../format/json-read.js';
import { quoteInput } from '../format/json-text.js';
import { U64_MAX } from '../memory/u64.js';
import { nvmeInterruptState, nvmeManagerStateFromJson } from '../usermode/nvme-interrupts.js';

/** `readObject` of the JSON reading kit with `_` comment keys allowed, as every scenario object allows them. */
function readObject(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  return readAnyKeys(value, path, keys, ALLOW_COMMENTS);
}

/** A JSON object as it appears in the file, before parsing. */
export type JsonObject = Record<string, unknown>;

/** The raw JSON of the three boot inputs, kept so overrides can be merged and re-parsed. */
export interface RawBootInputs {
  /** `shim_params` as written. */
  shimParams: JsonObject;
  /** `host_dt` as written. */
  hostDt: JsonObject;
  /** `cmdline_options` as written (`{}` when absent). */
  cmdlineOptions: JsonObject;
}

/** The parsed inputs one boot runs with. */
export interface BootInputs {
  /** The image layout this boot sees. */
  shimParams: ShimParams;
  /** The host device tree this boot sees. */
  hostDt: HostDt;
  /** The command-line options this boot sees. */
  cmdlineOptions: CmdlineOptions;
}

/** Bytes placed in guest memory before the first step. */
export interface MemoryImage {
  /** GPA of the first byte. */
  addr: bigint;
  /** The bytes to place there. */
  bytes: Uint8Array;
}

/** One scenario of a file. */
export interface Scenario {
  /** `name` from the file; default `scenario N` (N counts from 1 within the file). */
  name: string;
  /** Free-form `tags`; default `[]`. */
  tags: string[];
  /** The base inputs every boot starts from. */
  shimParams: ShimParams;
  /** Parsed `host_dt`, the base host device tree. */
  hostDt: HostDt;
  /** Parsed `cmdline_options` (default: all upstream defaults, see `parseCmdlineOptions`). */
  cmdlineOptions: CmdlineOptions;
  /** `initial_memory`; default `[]` (all memory zero). */
  initialMemory: MemoryImage[];
  /** `lifecycle`; default `[boot, save, boot]` with an empty save. */
  lifecycle: Step[];
  /** The base inputs' JSON (`cmdline_options` is `{}` when absent), for {@link resolveBootInputs}. */
  raw: RawBootInputs;
}

/**
 * `{"op": "boot"}`. Each boot starts from the scenario's base inputs. A wholesale `shim_params`
 * / `host_dt` / `cmdline_options` replaces the base for this boot; an `…_override` then merges
 * shallowly into whichever base applies (the replacement if given, else the scenario's).
 * Only keys present in the file are present here.
 */
export interface BootStep {
  /** Narrows a step to a boot. */
  op: 'boot';
  /** `shim_params`: replaces the scenario's for this boot (a new image). */
  shimParams?: ShimParams;
  /** `host_dt`: replaces the scenario's for this boot. */
  hostDt?: HostDt;
  /** `cmdline_options`: replaces the scenario's for this boot. */
  cmdlineOptions?: CmdlineOptions;
  /** `shim_params_override`: keys merged over the base `shim_params`. */
  shimParamsOverride?: JsonObject;
  /** `host_dt_override`: keys merged over the base `host_dt`. */
  hostDtOverride?: JsonObject;
  /** `cmdline_options_override`: keys merged over the base `cmdline_options`. */
  cmdlineOptionsOverride?: JsonObject;
  /** Raw JSON of the wholesale replacements given, so an override can merge onto them. */
  raw?: Partial<RawBootInputs>;
}

/**
 * `{"op": "save"}`: the usermode writer. Lists default to `[]`, `crash_before_header` to false.
 * A file's `nvme` form is resolved here: the lists below are what `nvmeInterruptState` derived
 * from it, so a runner only ever meets lists.
 */
export interface SaveStep {
  /** Narrows a step to a save. */
  op: 'save';
  /** `cpus_with_mapped_interrupts_no_io`: the payload's field 3, written as given (or as derived from `nvme`). */
  cpusWithMappedInterruptsNoIo: number[];
  /** `cpus_with_outstanding_io`: the payload's field 4, written as given (or as derived from `nvme`). */
  cpusWithOutstandingIo: number[];
  /** Write the payload and stop before the header (a torn save). */
  crashBeforeHeader: boolean;
}

/** `{"op": "corrupt"}`: change memory relative to the latest boot's `persisted_state.start`. */
export interface CorruptStep {
  /** Narrows a step to a corruption. */
  op: 'corrupt';
  /** What to change. */
  corruption: Corruption;
}

/** One lifecycle step. */
export type Step = BootStep | SaveStep | CorruptStep;

/**
 * A memory change; offsets are relative to `persisted_state.start`.
 * `header` sets only the fields given (others keep their current values); `payload_len_delta`
 * adds a signed `delta` to `protobuf_payload_len`, wrapping at 2^64 when applied.
 */
export type Corruption =
  | {
      /** Overwrite bytes. */
      kind: 'write';
      /** Where, from `persisted_state.start`. */
      offset: bigint;
      /** The bytes written. */
      bytes: Uint8Array;
    }
  | {
      /** Zero a span. */
      kind: 'zero';
      /** Where, from `persisted_state.start`. */
      offset: bigint;
      /** Bytes zeroed. */
      len: bigint;
    }
  | {
      /** Flip one bit. */
      kind: 'bitflip';
      /** The byte, from `persisted_state.start`. */
      offset: bigint;
      /** The bit within it, 0 (least significant) to 7. */
      bit: number;
    }
  | {
      /** Set header fields. */
      kind: 'header';
      /** New `magic`. */
      magic?: bigint;
      /** New `protobuf_base`. */
      protobufBase?: bigint;
      /** New `protobuf_region_len`. */
      protobufRegionLen?: bigint;
      /** New `protobuf_payload_len`. */
      protobufPayloadLen?: bigint;
    }
  | {
      /** Adjust `protobuf_payload_len`. */
      kind: 'payload_len_delta';
      /** Signed change, wrapping at 2^64. */
      delta: bigint;
    };


/**
 * Shallow, field-by-field merge: every top-level key of `override` replaces the base's value
 * (nested objects are replaced whole, not merged; `null` is a value like any other — it does
 * not delete the key). Neither argument is modified.
 */
export function applyOverride(baseJson: JsonObject, override: JsonObject): JsonObject {
  return { ...baseJson, ...override };
}

/**
 * The inputs `step` boots with: per input, the step's wholesale replacement or the scenario's
 * base, with the step's override merged on top and re-parsed. Steps from
 * {@link parseScenarioFile} were validated this way already, so this does not throw for them.
 * @throws {InputError} for a hand-built step whose override does not parse.
 */
export function resolveBootInputs(scenario: Scenario, step: BootStep): BootInputs {
  return resolveAt(scenario, step, '');
}

function resolveAt(scenario: Pick<Scenario, 'shimParams' | 'hostDt' | 'cmdlineOptions' | 'raw'>, step: BootStep, stepPath: string): BootInputs {
  const one = <T>(
    parsed: T | undefined,
    base: T,
    raw: JsonObject | undefined,
    baseRaw: JsonObject,
    override: JsonObject | undefined,
    key: string,
    parse: (v: unknown, path: string) => T,
  ): T => {
    if (override === undefined) return parsed ?? base;
    // Paths point at the override: only its keys can fail, since the base parsed already and
    // the parsers check each top-level field on its own.
    return parse(applyOverride(raw ?? baseRaw, override), joinPath(stepPath, `${key}_override`));
  };
  return {
    shimParams: one(step.shimParams, scenario.shimParams, step.raw?.shimParams, scenario.raw.shimParams, step.shimParamsOverride, 'shim_params', parseShimParams),
    hostDt: one(step.hostDt, scenario.hostDt, step.raw?.hostDt, scenario.raw.hostDt, step.hostDtOverride, 'host_dt', parseHostDt),
    cmdlineOptions: one(
      step.cmdlineOptions,
      scenario.cmdlineOptions,
      step.raw?.cmdlineOptions,
      scenario.raw.cmdlineOptions,
      step.cmdlineOptionsOverride,
      'cmdline_options',
      parseCmdlineOptions,
    ),
  };
}

/** The lifecycle used when a scenario has none: boot fresh, save, boot from the saved state. */
export function defaultLifecycle(): Step[] {
  return [
    { op: 'boot' },
    { op: 'save', cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [], crashBeforeHeader: false },
    { op: 'boot' },
  ];
}

/**
 * Reads an already-parsed scenario file: one scenario object, an array of them, or
 * `{"scenarios": [...]}` (recognised by its `scenarios` key; a `"$schema"` string and
 * `_`-prefixed comment keys may sit beside it). `fileName`, if given, is recorded on any
 * InputError (`file`) and prefixes its message; paths stay relative to the file's root. An
 * empty list is allowed and gives `[]`. The rules are the ones docs/scenario-format.md
 * documents and schema/scenario.schema.json encodes (less the few cross-field rules a schema
 * cannot express, listed there).
 * @throws {InputError}
 */
export function parseScenarioFile(value: unknown, fileName?: string): Scenario[] {
  try {
    if (Array.isArray(value)) return value.map((v, i) => parseScenario(v, indexPath('', i), i));
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'scenarios')) {
      const o = readObject(value, '', ['$schema', 'scenarios']);
      readSchemaKey(o, '');
      return readList(need(o, 'scenarios', ''), 'scenarios', (v) => v).map((v, i) => parseScenario(v, indexPath('scenarios', i), i));
    }
    return [parseScenario(value, '', 0)];
  } catch (e) {
    throw e instanceof InputError ? e.inFile(fileName) : e;
  }
}

/**
 * Reads a scenario file's text. A leading byte-order mark is skipped (editors add it); text that
 * is not JSON is an InputError `bad_json` (path `""`) with the line and column of the failure
 * instead of a bare `SyntaxError`.
 * @throws {InputError}
 */
export function parseScenarioFileText(text: string, fileName?: string): Scenario[] {
  return parseScenarioFile(parseJsonInput(text, fileName), fileName);
}

const SCENARIO_KEYS = ['$schema', 'name', 'tags', 'shim_params', 'host_dt', 'cmdline_options', 'initial_memory', 'lifecycle'] as const;

/**
 * One scenario object at `path` (the `index`-th of its file, for the default name).
 * Required: `shim_params`, `host_dt`. Optional: `name`, `tags`, `cmdline_options` (default
 * `{}`), `initial_memory` (default `[]`), `lifecycle` (default {@link defaultLifecycle}), and
 * `$schema` (ignored).
 * @throws {InputError}
 */
export function parseScenario(value: unknown, path = '', index = 0): Scenario {
  const o = readObject(value, path, SCENARIO_KEYS);
  readSchemaKey(o, path);
  const at = (key: string) => joinPath(path, key);
  const name = field(o, 'name');
  const tags = field(o, 'tags');
  const givenCmdline = field(o, 'cmdline_options');
  const cmdline = givenCmdline === undefined ? {} : givenCmdline;
  const memory = field(o, 'initial_memory');
  const lifecycle = field(o, 'lifecycle');
  // Read in file order so the first error reported is the first a reader meets.
  const rawShim = need(o, 'shim_params', path);
  const shimParams = parseShimParams(rawShim, at('shim_params'));
  const rawHost = need(o, 'host_dt', path);
  const base = {
    shimParams,
    hostDt: parseHostDt(rawHost, at('host_dt')),
    cmdlineOptions: parseCmdlineOptions(cmdline, at('cmdline_options')),
    // The parsers above proved these are objects.
    raw: { shimParams: rawShim as JsonObject, hostDt: rawHost as JsonObject, cmdlineOptions: cmdline as JsonObject },
  };
  return {
    name: name === undefined ? `scenario ${index + 1}` : readString(name, at('name')),
    tags: tags === undefined ? [] : readList(tags, at('tags'), readString),
    ...base,
    initialMemory: memory === undefined ? [] : readList(memory, at('initial_memory'), memoryImage),
    lifecycle: lifecycle === undefined ? defaultLifecycle() : readList(lifecycle, at('lifecycle'), (v, p) => parseStep(v, p, base)),
  };
}

/**
 * `"$schema"`: the JSON Schema an editor validates the file with. It means nothing to the
 * run, but a non-string there is a mistake worth reporting rather than ignoring.
 */
function readSchemaKey(o: JsonObject, path: string): void {
  const v = field(o, '$schema');
  if (v !== undefined) readString(v, joinPath(path, '$schema'));
}

/** `{addr, hex}`; the bytes must fit below 2^64. */
function memoryImage(value: unknown, path: string): MemoryImage {
  const o = readObject(value, path, ['addr', 'hex']);
  const addr = readU64(need(o, 'addr', path), joinPath(path, 'addr'));
  const bytes = readHex(need(o, 'hex', path), joinPath(path, 'hex'));
  if (addr + BigInt(bytes.length) > U64_MAX + 1n) {
    throw new InputError('bad_value', joinPath(path, 'hex'), `${bytes.length} bytes at ${addr} run past the end of the 64-bit address space`);
  }
  return { addr, bytes };
}

/** Bytes as an even-length hex string (either case, no `0x`, no separators); `""` is no bytes. */
function readHex(value: unknown, path: string): Uint8Array {
  const s = readString(value, path);
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new InputError('bad_value', path, 'expected hex digits only (no "0x", no spaces)');
  if (s.length % 2 !== 0) throw new InputError('bad_value', path, `odd number of hex digits (${s.length}); each byte is two digits`);
  const bytes = new Uint8Array(s.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const OPS = ['boot', 'save', 'corrupt'] as const;
const BOOT_KEYS = ['op', 'shim_params', 'host_dt', 'cmdline_options', 'shim_params_override', 'host_dt_override', 'cmdline_options_override'];
const CPU_LIST_KEYS = ['cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io'] as const;
const SAVE_KEYS = ['op', ...CPU_LIST_KEYS, 'nvme', 'crash_before_header'];
const CORRUPT_KINDS = ['write', 'zero', 'bitflip', 'header', 'payload_len_delta'] as const;

/**
 * One lifecycle step. A boot step's overrides are merged onto their base and parsed here, so
 * errors in them surface now, at `lifecycle[i].host_dt_override.<key>`.
 */
function parseStep(value: unknown, path: string, base: Pick<Scenario, 'shimParams' | 'hostDt' | 'cmdlineOptions' | 'raw'>): Step {
  const op = readName(need(readAnyObject(value, path), 'op', path), joinPath(path, 'op'), OPS);
  switch (op) {
    case 'boot':
      return bootStep(readObject(value, path, BOOT_KEYS), path, base);
    case 'save':
      return saveStep(readObject(value, path, SAVE_KEYS), path);
    case 'corrupt':
      return { op: 'corrupt', corruption: corruption(value, path) };
  }
}

/**
 * A save step: the two CPU lists as given, or (`nvme`) derived from the NVMe manager's saved
 * queues as usermode derives them (`nvmeInterruptState`). Both at once would leave it unclear
 * which lists are written, so a list key beside `nvme` is refused as a key that form does not
 * have, as a corruption kind refuses another kind's keys.
 */
function saveStep(o: JsonObject, path: string): SaveStep {
  const nvme = field(o, 'nvme');
  const clash = nvme === undefined ? undefined : CPU_LIST_KEYS.find((k) => field(o, k) !== undefined);
  if (clash !== undefined) {
    throw new InputError('unknown_field', joinPath(path, clash), 'not allowed beside "nvme": the CPU lists are derived from it (give one form or the other)');
  }
  const list = (key: string) => {
    const v = field(o, key);
    return v === undefined ? [] : readList(v, joinPath(path, key), readU32);
  };
  const cpus = nvme === undefined ? undefined : nvmeInterruptState(nvmeManagerStateFromJson(nvme, joinPath(path, 'nvme')));
  const crash = field(o, 'crash_before_header');
  return {
    op: 'save',
    cpusWithMappedInterruptsNoIo: cpus === undefined ? list('cpus_with_mapped_interrupts_no_io') : [...cpus.noIo],
    cpusWithOutstandingIo: cpus === undefined ? list('cpus_with_outstanding_io') : [...cpus.outstanding],
    crashBeforeHeader: crash === undefined ? false : readBool(crash, joinPath(path, 'crash_before_header')),
  };
}

function bootStep(o: JsonObject, path: string, base: Pick<Scenario, 'shimParams' | 'hostDt' | 'cmdlineOptions' | 'raw'>): BootStep {
  const step: BootStep = { op: 'boot' };
  const raw: Partial<RawBootInputs> = {};
  const shim = field(o, 'shim_params');
  const host = field(o, 'host_dt');
  const cmd = field(o, 'cmdline_options');
  if (shim !== undefined) {
    step.shimParams = parseShimParams(shim, joinPath(path, 'shim_params'));
    raw.shimParams = shim as JsonObject;
  }
  if (host !== undefined) {
    step.hostDt = parseHostDt(host, joinPath(path, 'host_dt'));
    raw.hostDt = host as JsonObject;
  }
  if (cmd !== undefined) {
    step.cmdlineOptions = parseCmdlineOptions(cmd, joinPath(path, 'cmdline_options'));
    raw.cmdlineOptions = cmd as JsonObject;
  }
  if (Object.keys(raw).length > 0) step.raw = raw;
  const override = (key: string): JsonObject | undefined => {
    const v = field(o, key);
    return v === undefined ? undefined : readAnyObject(v, joinPath(path, key));
  };
  const so = override('shim_params_override');
  const ho = override('host_dt_override');
  const co = override('cmdline_options_override');
  if (so !== undefined) step.shimParamsOverride = so;
  if (ho !== undefined) step.hostDtOverride = ho;
  if (co !== undefined) step.cmdlineOptionsOverride = co;
  resolveAt(base, step, path);
  return step;
}

const HEADER_FIELDS = [
  ['magic', 'magic'],
  ['protobuf_base', 'protobufBase'],
  ['protobuf_region_len', 'protobufRegionLen'],
  ['protobuf_payload_len', 'protobufPayloadLen'],
] as const;

/** The flat `{"op": "corrupt", "kind": …, …}` form; each kind allows only its own keys. */
function corruption(value: unknown, path: string): Corruption {
  const kind = readName(need(readAnyObject(value, path), 'kind', path), joinPath(path, 'kind'), CORRUPT_KINDS);
  const at = (key: string) => joinPath(path, key);
  switch (kind) {
    case 'write': {
      const o = readObject(value, path, ['op', 'kind', 'offset', 'hex']);
      return { kind, offset: readU64(need(o, 'offset', path), at('offset')), bytes: readHex(need(o, 'hex', path), at('hex')) };
    }
    case 'zero': {
      const o = readObject(value, path, ['op', 'kind', 'offset', 'len']);
      return { kind, offset: readU64(need(o, 'offset', path), at('offset')), len: readU64(need(o, 'len', path), at('len')) };
    }
    case 'bitflip': {
      const o = readObject(value, path, ['op', 'kind', 'offset', 'bit']);
      const bit = readU64(need(o, 'bit', path), at('bit'));
      if (bit > 7n) throw new InputError('bad_value', at('bit'), `bit ${bit} is not a bit of a byte (0..7)`);
      return { kind, offset: readU64(need(o, 'offset', path), at('offset')), bit: Number(bit) };
    }
    case 'header': {
      const o = readObject(value, path, ['op', 'kind', ...HEADER_FIELDS.map(([json]) => json)]);
      const c: Corruption & { kind: 'header' } = { kind };
      for (const [json, key] of HEADER_FIELDS) {
        const v = field(o, json);
        if (v !== undefined) c[key] = readU64(v, at(json));
      }
      return c;
    }
    case 'payload_len_delta': {
      const o = readObject(value, path, ['op', 'kind', 'delta']);
      return { kind, delta: readDelta(need(o, 'delta', path), at('delta')) };
    }
  }
}

/**
 * A signed delta: an exact JSON number, or a string with an optional sign and decimal or `0x`
 * digits (`"-0x10"`), surrounding whitespace allowed. Its magnitude must be below 2^64; it wraps
 * when applied.
 */
function readDelta(value: unknown, path: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InputError('bad_value', path, `${value} is not an exact integer; write large values as strings ("-0x…")`);
    }
    return BigInt(value);
  }
  if (typeof value !== 'string') throw new InputError('wrong_type', path, `expected an integer or a string, got ${kindOf(value)}`);
  const s = value.trim();
  const negative = s.startsWith('-');
  const magnitude = uintFromText(negative || s.startsWith('+') ? s.slice(1) : s);
  if (magnitude === undefined) throw new InputError('bad_value', path, `${quoteInput(value)} is not a signed decimal or 0x-hex integer`);
  if (magnitude > U64_MAX) throw new InputError('bad_value', path, `${quoteInput(value)} is outside ±(2^64 − 1)`);
  return negative ? -magnitude : magnitude;
}
