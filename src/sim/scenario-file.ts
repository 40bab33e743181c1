/**
 * Scenario files (shared/spec/scenario-format.md): one VM, its boot inputs, optional initial
 * guest memory, and a lifecycle of boot / save / corrupt steps, read into typed data.
 *
 * Everything is validated here, up front — including each boot step's overrides merged onto its
 * base — so a runner never meets bad input halfway through a lifecycle. Errors are
 * `InputError`s whose `path` is relative to the file's root: `host_dt.memory[0].vnode` for a
 * file holding one scenario, `[3].lifecycle[1].kind` for an array, `scenarios[3]…` for the
 * `{"scenarios": [...]}` form.
 */
import {
  InputError,
  field,
  joinPath,
  kindOf,
  need,
  parseCmdlineOptions,
  parseHostDt,
  parseShimParams,
  readBool,
  readList,
  readName,
  readAnyObject,
  readObject,
  readString,
  readU32,
  readU64,
} from '../boot/inputs.js';
import type { CmdlineOptions, HostDt, ShimParams } from '../boot/types.js';

/** A JSON object as it appears in the file, before parsing. */
export type JsonObject = Record<string, unknown>;

/** The raw JSON of the three boot inputs, kept so overrides can be merged and re-parsed. */
export interface RawBootInputs {
  shimParams: JsonObject;
  hostDt: JsonObject;
  cmdlineOptions: JsonObject;
}

/** The parsed inputs one boot runs with. */
export interface BootInputs {
  shimParams: ShimParams;
  hostDt: HostDt;
  cmdlineOptions: CmdlineOptions;
}

/** Bytes placed in guest memory before the first step. */
export interface MemoryImage {
  addr: bigint;
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
  op: 'boot';
  shimParams?: ShimParams;
  hostDt?: HostDt;
  cmdlineOptions?: CmdlineOptions;
  shimParamsOverride?: JsonObject;
  hostDtOverride?: JsonObject;
  cmdlineOptionsOverride?: JsonObject;
  /** Raw JSON of the wholesale replacements given, so an override can merge onto them. */
  raw?: Partial<RawBootInputs>;
}

/** `{"op": "save"}`: the usermode writer. Lists default to `[]`, `crash_before_header` to false. */
export interface SaveStep {
  op: 'save';
  cpusWithMappedInterruptsNoIo: number[];
  cpusWithOutstandingIo: number[];
  /** Write the payload and stop before the header (a torn save). */
  crashBeforeHeader: boolean;
}

/** `{"op": "corrupt"}`: change memory relative to the latest boot's `persisted_state.start`. */
export interface CorruptStep {
  op: 'corrupt';
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
  | { kind: 'write'; offset: bigint; bytes: Uint8Array }
  | { kind: 'zero'; offset: bigint; len: bigint }
  | { kind: 'bitflip'; offset: bigint; bit: number }
  | { kind: 'header'; magic?: bigint; protobufBase?: bigint; protobufRegionLen?: bigint; protobufPayloadLen?: bigint }
  | { kind: 'payload_len_delta'; delta: bigint };

const U64_MAX = 0xffff_ffff_ffff_ffffn;

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
 * `{"scenarios": [...]}` (recognised by its `scenarios` key; `_`-prefixed comment keys may sit
 * beside it). `fileName`, if given, is recorded on any InputError (`file`) and prefixes its
 * message; paths stay relative to the file's root. An empty list is allowed and gives `[]`.
 * @throws {InputError}
 */
export function parseScenarioFile(value: unknown, fileName?: string): Scenario[] {
  try {
    if (Array.isArray(value)) return value.map((v, i) => parseScenario(v, `[${i}]`, i));
    if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'scenarios')) {
      const o = readObject(value, '', ['scenarios']);
      return readList(need(o, 'scenarios', ''), 'scenarios', (v) => v).map((v, i) => parseScenario(v, `scenarios[${i}]`, i));
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
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new InputError('bad_json', '', jsonErrorDetail(body, e.message), fileName);
  }
  return parseScenarioFile(value, fileName);
}

/**
 * "not valid JSON at line L, column C: …" (1-based). V8's own messages cannot be relied on for
 * a location — "Unexpected token" errors carry a source snippet but no position — so the
 * location comes from {@link jsonErrorAt}, a small JSON scanner that stops at the first error.
 */
function jsonErrorDetail(text: string, v8Message: string): string {
  const found = jsonErrorAt(text);
  if (found === undefined) return `not valid JSON: ${v8Message}`; // our scanner disagrees with V8; keep V8's word
  const before = text.slice(0, found.offset);
  const line = before.split('\n').length;
  const column = found.offset - (before.lastIndexOf('\n') + 1) + 1;
  const ch = text[found.offset];
  const got = ch === undefined ? 'the text ends' : `found ${JSON.stringify(ch)}`;
  return `not valid JSON at line ${line}, column ${column}: expected ${found.expected}, but ${got}`;
}

const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const JSON_SCALAR = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null/y;

/**
 * Where RFC 8259 JSON `text` first goes wrong, and what was expected there; undefined if it is
 * valid. Iterative (an explicit stack), so deep nesting cannot overflow the call stack. A bad
 * string is reported at its opening quote.
 */
function jsonErrorAt(text: string): { offset: number; expected: string } | undefined {
  const stack: string[] = [];
  let i = 0;
  let state: 'value' | 'key' | 'after' = 'value';
  const skipWs = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const match = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  for (;;) {
    skipWs();
    const c = text[i];
    if (state === 'value') {
      if (c === '{' || c === '[') {
        stack.push(c === '{' ? '}' : ']');
        i++;
        skipWs();
        if (text[i] === stack[stack.length - 1]) {
          stack.pop();
          i++;
          state = 'after';
        } else {
          state = c === '{' ? 'key' : 'value';
        }
      } else if (match(JSON_STRING) || match(JSON_SCALAR)) {
        state = 'after';
      } else {
        return { offset: i, expected: c === '"' ? 'a valid string (closed, no raw control characters, valid escapes)' : 'a value' };
      }
    } else if (state === 'key') {
      if (!match(JSON_STRING)) return { offset: i, expected: 'a double-quoted property name' };
      skipWs();
      if (text[i] !== ':') return { offset: i, expected: "':' after the property name" };
      i++;
      state = 'value';
    } else {
      const close = stack[stack.length - 1];
      if (close === undefined) return i < text.length ? { offset: i, expected: 'the end of the text' } : undefined;
      if (c === ',') {
        i++;
        state = close === '}' ? 'key' : 'value';
      } else if (c === close) {
        stack.pop();
        i++;
      } else {
        return { offset: i, expected: `',' or '${close}'` };
      }
    }
  }
}

const SCENARIO_KEYS = ['name', 'tags', 'shim_params', 'host_dt', 'cmdline_options', 'initial_memory', 'lifecycle'] as const;

/**
 * One scenario object at `path` (the `index`-th of its file, for the default name).
 * Required: `shim_params`, `host_dt`. Optional: `name`, `tags`, `cmdline_options` (default
 * `{}`), `initial_memory` (default `[]`), `lifecycle` (default {@link defaultLifecycle}).
 * @throws {InputError}
 */
export function parseScenario(value: unknown, path = '', index = 0): Scenario {
  const o = readObject(value, path, SCENARIO_KEYS);
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
const SAVE_KEYS = ['op', 'cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io', 'crash_before_header'];
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
    case 'save': {
      const o = readObject(value, path, SAVE_KEYS);
      const list = (key: string) => {
        const v = field(o, key);
        return v === undefined ? [] : readList(v, joinPath(path, key), readU32);
      };
      const crash = field(o, 'crash_before_header');
      return {
        op: 'save',
        cpusWithMappedInterruptsNoIo: list('cpus_with_mapped_interrupts_no_io'),
        cpusWithOutstandingIo: list('cpus_with_outstanding_io'),
        crashBeforeHeader: crash === undefined ? false : readBool(crash, joinPath(path, 'crash_before_header')),
      };
    }
    case 'corrupt':
      return { op: 'corrupt', corruption: corruption(value, path) };
  }
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
 * digits (`"-0x10"`). Its magnitude must be below 2^64; it wraps when applied.
 */
function readDelta(value: unknown, path: string): bigint {
  let v: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InputError('bad_value', path, `${value} is not an exact integer; write large values as strings ("-0x…")`);
    }
    v = BigInt(value);
  } else if (typeof value === 'string') {
    const m = /^\s*([+-]?)(0x[0-9a-f]+|[0-9]+)\s*$/i.exec(value);
    if (m?.[2] === undefined) throw new InputError('bad_value', path, `${JSON.stringify(value)} is not a signed decimal or 0x-hex integer`);
    v = m[1] === '-' ? -BigInt(m[2]) : BigInt(m[2]);
  } else {
    throw new InputError('wrong_type', path, `expected an integer or a string, got ${kindOf(value)}`);
  }
  if (v > U64_MAX || v < -U64_MAX) throw new InputError('bad_value', path, `${value} is outside ±(2^64 − 1)`);
  return v;
}
