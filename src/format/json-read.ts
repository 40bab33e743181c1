/**
 * The one kit for reading already-parsed JSON values into typed data: objects with a closed set
 * of keys, fields, lists, unsigned integers of 16/32/64 bits, booleans, strings, names from a
 * closed set and open enums (a name or a number), each failure a {@link JsonInputError} with a
 * stable `code`, the JSON `path` of the bad value and a `detail`.
 *
 * The state JSON (`savedStateFromJson`), the boot-input readers (`parseShimParams`, …) and the
 * scenario-file parser all read through here, so the same bad value gets the same code, path
 * and wording whichever file it is in. Every value taken from input reaches a message through
 * `quoteInput` (escaped, cut after 64 characters). Upstream has no counterpart: it reads no JSON.
 */
import { Vtl2PersistError } from '../errors.js';
import { formatHex } from '../memory/range.js';
import { U16_MAX, U32_MAX, U64_MAX } from '../memory/u64.js';
import { JsonTextError, parseJsonText, quoteInput } from './json-text.js';

/**
 * Why a JSON value was refused; the same vocabulary for every JSON input of the package.
 * - `wrong_type`: the value has the wrong JSON type (a string where an object belongs, …).
 * - `missing_field`: a required key is absent.
 * - `unknown_field`: a key the format does not define (probably a misspelling).
 * - `bad_value`: right type, unusable value (not an integer, out of range, odd hex length, …).
 * - `bad_range`: a `{start, end}` range `MemoryRange` rejects (unaligned or reversed); only boot
 *   inputs validate ranges, a `SavedState` may carry any.
 * - `unknown_name`: a name outside its closed set (isolation, mem_type, op, kind, a type name, …).
 * - `bad_json`: the text is not JSON at all (a scenario file; the located `JsonTextError` detail).
 */
export type JsonInputErrorCode = 'wrong_type' | 'missing_field' | 'unknown_field' | 'bad_value' | 'bad_range' | 'unknown_name' | 'bad_json';

/**
 * A JSON value that does not describe what it should: a `SavedState`, a boot input or a
 * scenario file. The message is `FILE: PATH: detail` (`FILE: ` only when the file is known; the
 * root path shows as the `subject`, `input` unless the reader said otherwise). `InputError` and
 * `StateJsonError` are this class under their older names.
 */
export class JsonInputError extends Vtl2PersistError {
  declare readonly code: JsonInputErrorCode;
  /** JSON path of the bad value, e.g. `host_dt.memory[2].range.end` (`""` for the root). */
  readonly path: string;
  /** What is wrong, without the path or file prefix. */
  readonly detail: string;
  /** The file the input came from, when the caller said (scenario files). */
  readonly file: string | undefined;
  /** What the message calls the root when `path` is `""`: `input`, or `state` for a `SavedState`. */
  readonly subject: string;

  constructor(code: JsonInputErrorCode, path: string, detail: string, file?: string, subject = 'input') {
    super(code, `${file === undefined ? '' : `${file}: `}${path === '' ? subject : path}: ${detail}`);
    this.path = path;
    this.detail = detail;
    this.file = file;
    this.subject = subject;
  }

  /** The same error attributed to `file` (paths stay relative to the file's root). */
  inFile(file: string | undefined): JsonInputError {
    return file === undefined ? this : new JsonInputError(this.code, this.path, this.detail, file, this.subject);
  }

  /** The same error with the root called `subject` in the message (`state: expected an object, …`). */
  about(subject: string): JsonInputError {
    return subject === this.subject ? this : new JsonInputError(this.code, this.path, this.detail, this.file, subject);
  }
}

/**
 * Reads JSON text with `parseJsonText` and reports what it refuses as a {@link JsonInputError}
 * `bad_json` at the root, carrying the located `JsonTextError` detail (line, column). For
 * callers whose errors are all `JsonInputError`s (scenario files).
 * @throws {JsonInputError}
 */
export function parseJsonInput(text: string, file?: string): unknown {
  try {
    return parseJsonText(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    throw new JsonInputError('bad_json', '', e.detail, file);
  }
}

// ---------------------------------------------------------------------------------------------
// Paths and kinds

/** A key shown bare in a path; anything else is shown quoted, as `parseJsonText` paths do. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,59}$/;

/**
 * `path.key`, with the root path empty rather than a leading dot. A key that is not a plain
 * identifier (it came from input: a stray key) is shown as `path["…"]` through `quoteInput`, so
 * a hostile key can neither flood a message nor carry control characters in it.
 */
export function joinPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${quoteInput(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** `path[i]`: the path of a list element. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** A JSON value's kind as a `wrong_type` message names it: `null`, `an array`, `a string`, …. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------
// Objects, fields, lists

/** How {@link readObject} treats keys outside the allowed set. */
export interface ReadObjectOptions {
  /**
   * Keys starting with `_` are comments and are ignored (scenario files and boot inputs; no
   * real field starts with `_`, so such a key can never be a misspelling of one). Default
   * false: every key outside the set is `unknown_field` (the `SavedState` JSON).
   */
  readonly comments?: boolean;
}

/** The options for formats that allow `_` comment keys (scenario files, boot inputs). */
export const ALLOW_COMMENTS: ReadObjectOptions = Object.freeze({ comments: true });

/**
 * Checks that `value` is a JSON object whose keys are all in `keys` (or, with `comments`, start
 * with `_`).
 * @throws {JsonInputError} `wrong_type` if it is not an object, `unknown_field` at the first stray key.
 */
export function readObject(value: unknown, path: string, keys: readonly string[], options: ReadObjectOptions = {}): Record<string, unknown> {
  const o = readAnyObject(value, path);
  const comments = options.comments === true;
  for (const key of Object.keys(o)) {
    if (keys.includes(key) || (comments && key.startsWith('_'))) continue;
    const note = comments ? '; keys starting with "_" are comments' : '';
    throw new JsonInputError('unknown_field', joinPath(path, key), `unknown field (expected one of ${keys.join(', ')}${note})`);
  }
  return o;
}

/**
 * Checks only that `value` is a JSON object (any keys): for free-form objects such as
 * overrides, and for reading a discriminator (`op`, `kind`) before the allowed keys are known.
 * @throws {JsonInputError} `wrong_type`.
 */
export function readAnyObject(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new JsonInputError('wrong_type', path, `expected an object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * The value of an own key, or undefined; never reaches `Object.prototype` (e.g. `constructor`).
 * A key whose value is `undefined` (possible only from JavaScript callers) counts as absent.
 */
export function field(o: Record<string, unknown>, key: string): unknown {
  // The plain read first: most optional keys are absent, and `hasOwn` is the slow part.
  const v = o[key];
  return v !== undefined && Object.hasOwn(o, key) ? v : undefined;
}

/** The value of a required key. @throws {JsonInputError} `missing_field` (path `path.key`) if it is absent. */
export function need(o: Record<string, unknown>, key: string, path: string): unknown {
  const v = field(o, key);
  if (v === undefined) throw new JsonInputError('missing_field', joinPath(path, key), 'required field is missing');
  return v;
}

/**
 * An array, each element read by `item` with path `path[i]`.
 * @throws {JsonInputError} `wrong_type` if `value` is not an array, or what `item` throws.
 */
export function readList<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
  if (!Array.isArray(value)) throw new JsonInputError('wrong_type', path, `expected an array, got ${kindOf(value)}`);
  const out = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = item(value[i], indexPath(path, i));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scalars

/** A JSON boolean. @throws {JsonInputError} `wrong_type` otherwise (no truthy-string guessing). */
export function readBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new JsonInputError('wrong_type', path, `expected true or false, got ${kindOf(value)}`);
  return value;
}

/** A JSON string. @throws {JsonInputError} `wrong_type` otherwise. */
export function readString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new JsonInputError('wrong_type', path, `expected a string, got ${kindOf(value)}`);
  return value;
}

/** One of a closed set of names, spelt exactly. @throws {JsonInputError} `wrong_type`, `unknown_name`. */
export function readName<N extends string>(value: unknown, path: string, names: readonly N[]): N {
  const s = readString(value, path);
  if (!(names as readonly string[]).includes(s)) {
    throw new JsonInputError('unknown_name', path, `unknown name ${quoteInput(s)} (expected one of ${names.join(', ')})`);
  }
  return s as N;
}

/** Decimal or `0x` hex digits (either case), the only integer spellings a string may use (readers trim first). */
const INTEGER_TEXT = /^(0x[0-9a-f]+|[0-9]+)$/i;

/** The bit widths the readers know, with their maxima. */
const MAX: Readonly<Record<16 | 32 | 64, bigint>> = { 16: U16_MAX, 32: U32_MAX, 64: U64_MAX };

/** A value above every u64, what {@link uintFromText} gives for any longer number. */
const TOO_BIG = 1n << 64n;

/**
 * The value of a string of decimal or `0x` hex digits (either case, no sign, no whitespace),
 * saturated at 2^64: a value above 2^64 − 1 comes back as 2^64, so callers can range-check
 * without a million-digit string being parsed whole. Undefined for any other text.
 *
 * V8 parses a BigInt from a string several times slower than a number, and inputs are mostly
 * addresses, so values that fit a double exactly (13 hex digits, 15 decimal digits) go through
 * `Number`.
 */
export function uintFromText(s: string): bigint | undefined {
  if (!INTEGER_TEXT.test(s)) return undefined;
  const hex = s[1] === 'x' || s[1] === 'X';
  const digits = hex ? s.slice(2) : s;
  let lead = 0;
  while (lead < digits.length - 1 && digits.charCodeAt(lead) === 0x30) lead++;
  if (digits.length - lead > (hex ? 16 : 20)) return TOO_BIG;
  if (s.length <= 15) return BigInt(hex ? parseInt(digits, 16) : Number(s));
  const v = BigInt(s);
  return v > TOO_BIG ? TOO_BIG : v;
}

/**
 * An unsigned integer of `bits` bits: an exact JSON number (a safe integer), or a string of
 * decimal or `0x` hex digits, surrounding whitespace allowed (`" 0x1000 "`); no sign, no
 * exponent, no empty `"0x"`. Unlike `parseU64`, `undefined` is not 0: callers decide defaults.
 * @throws {JsonInputError} `missing_field` for undefined, `wrong_type` for another JSON type,
 *   `bad_value` for anything else it cannot read or that does not fit.
 */
export function readUint(value: unknown, path: string, bits: 16 | 32 | 64): bigint {
  let v: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      // A number past 1.8e308 (a 10^7-digit one, say) reaches us as Infinity: say why it does.
      if (!Number.isFinite(value)) throw new JsonInputError('bad_value', path, 'a number too large for JSON to hold (it reads as Infinity); write large values as strings ("0x…")');
      const why = Number.isInteger(value) ? 'is not an exact integer; write large values as strings ("0x…")' : 'is not an integer';
      throw new JsonInputError('bad_value', path, `${value} ${why}`);
    }
    v = BigInt(value);
  } else if (typeof value === 'string') {
    const t = uintFromText(value.trim());
    if (t === undefined) throw new JsonInputError('bad_value', path, `${quoteInput(value)} is not a decimal or 0x-hex integer`);
    v = t;
  } else if (value === undefined) {
    throw new JsonInputError('missing_field', path, 'required field is missing');
  } else {
    throw new JsonInputError('wrong_type', path, `expected an integer or a string, got ${kindOf(value)}`);
  }
  const max = MAX[bits];
  if (v < 0n || v > max) {
    const shown = typeof value === 'string' ? quoteInput(value) : String(value);
    throw new JsonInputError('bad_value', path, `${shown} does not fit a u${bits} (0..${formatHex(max)})`);
  }
  return v;
}

/** A u64 (address, size, count): see {@link readUint}. */
export function readU64(value: unknown, path: string): bigint {
  return readUint(value, path, 64);
}

/** A u32 (vnode, CPU id, connection id, …) as a JavaScript number: see {@link readUint}. */
export function readU32(value: unknown, path: string): number {
  return Number(readUint(value, path, 32));
}

/** A u16 (IGVM memory type) as a JavaScript number: see {@link readUint}. */
export function readU16(value: unknown, path: string): number {
  return Number(readUint(value, path, 16));
}

/** What {@link readOpenEnum} reads: an open enum whose known values have names. */
export interface OpenEnum {
  /** The value a name stands for, undefined if the name is not known. */
  readonly fromName: (name: string) => number | undefined;
  /** The enum's width: unnamed values are any integer that fits. */
  readonly bits: 16 | 32;
  /** What an unknown name is called in the message, e.g. `type name`. */
  readonly noun: string;
  /** The names (and alternatives) the message lists, e.g. `MEMORY, … or a number`; omitted when empty. */
  readonly expected?: string;
}

/**
 * A value of an open enum (`MemoryVtlType`, an IGVM memory type): a known name (surrounding
 * whitespace allowed), or any integer of its width as a number or a numeric string, since an
 * unnamed value is legal on the wire.
 * @throws {JsonInputError} `unknown_name` for a string that is neither a name nor an integer,
 *   else what {@link readUint} throws.
 */
export function readOpenEnum(value: unknown, path: string, e: OpenEnum): number {
  if (typeof value === 'string') {
    const s = value.trim();
    if (!INTEGER_TEXT.test(s)) {
      const v = e.fromName(s);
      if (v === undefined) {
        throw new JsonInputError('unknown_name', path, `unknown ${e.noun} ${quoteInput(value)}${e.expected === undefined ? '' : ` (expected ${e.expected})`}`);
      }
      return v;
    }
  }
  return Number(readUint(value, path, e.bits));
}
