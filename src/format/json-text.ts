/**
 * JSON text as people write it, and input text as messages show it.
 *
 * `JSON.parse` says *that* a file is not JSON, but V8's messages do not reliably say *where*
 * ("Unexpected token" errors carry a snippet of the text and no position), and a snippet of raw
 * input in a message can carry control characters to the terminal. So {@link parseJsonText}
 * re-scans rejected text with a small RFC 8259 scanner and reports line, column and offset, and
 * {@link quoteInput} is the one way any value taken from input is shown in a message: escaped
 * and cut. Scenario files, SavedState JSON and the CLI's boot-input files all go through here.
 */
import { ArgumentError, Vtl2PersistError } from '../errors.js';

/**
 * Why a JSON text was refused: `bad_json` it is not RFC 8259 JSON; `duplicate_key` an object
 * names the same key twice (RFC 8259 allows it, but `JSON.parse` silently keeps the last, so a
 * typo'd copy would win unseen); `forbidden_key` a key is `__proto__`, `constructor` or
 * `prototype` (they mean something to JavaScript objects, never to this format); `too_deep`
 * arrays and objects nest more than {@link MAX_JSON_DEPTH} levels.
 */
export type JsonTextErrorCode = 'bad_json' | 'duplicate_key' | 'forbidden_key' | 'too_deep';

/** Deepest nesting of arrays and objects {@link parseJsonText} accepts; every real file nests fewer than 10. */
export const MAX_JSON_DEPTH = 256;

/** Keys refused in every object: JavaScript gives them meaning (prototype pollution, shadowed methods). */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Text that is not JSON, or not JSON this package accepts, located. `line` and `column` are
 * 1-based (columns count UTF-16 code units, as editors mostly do); `offset` is the 0-based
 * code-unit offset into the text after a leading byte-order mark was removed.
 */
export class JsonTextError extends Vtl2PersistError {
  declare readonly code: JsonTextErrorCode;
  /** 1-based line of the error. */
  readonly line: number;
  /** 1-based column of the error, in UTF-16 code units. */
  readonly column: number;
  /** 0-based code-unit offset of the error (after any byte-order mark). */
  readonly offset: number;
  /** What the scanner expected at `offset`, e.g. `',' or '}'`. */
  readonly expected: string;
  /** The character found there, or undefined when the text ends. */
  readonly found: string | undefined;
  /** JSON path of the value the error is in, e.g. `host_dt.memory[2].vnode`; `""` at the top level. */
  readonly path: string;
  /** The message without a file prefix: `not valid JSON at line L, column C: expected …, but …`. */
  readonly detail: string;

  constructor(text: string, offset: number, expected: string, detail?: string, code: JsonTextErrorCode = 'bad_json', path = '') {
    const { line, column } = lineColumn(text, offset);
    const found = offset < text.length ? String.fromCodePoint(text.codePointAt(offset)!) : undefined;
    const got = found === undefined ? 'the text ends' : `found ${quoteInput(found)}`;
    const message = detail ?? `not valid JSON at line ${line}, column ${column}: expected ${expected}, but ${got}`;
    super(code, message);
    this.line = line;
    this.column = column;
    this.offset = offset;
    this.expected = expected;
    this.found = found;
    this.path = path;
    this.detail = message;
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * `JSON.parse`, for text from a file, strict: a leading byte-order mark is skipped (editors add
 * one; every reader of JSON text in this package comes through here, so a BOM is handled the
 * same everywhere), then one linear, non-recursive validating pass rejects a syntax error, a
 * duplicate key, a `__proto__`/`constructor`/`prototype` key or nesting deeper than
 * {@link MAX_JSON_DEPTH}, each as a {@link JsonTextError} with its line, column and JSON path;
 * only text that passes reaches `JSON.parse`. No upstream counterpart: upstream reads no JSON.
 * @throws {JsonTextError}
 * @throws {ArgumentError} if `text` is not a string.
 */
export function parseJsonText(text: string): unknown {
  if (typeof text !== 'string') throw new ArgumentError('parseJsonText(text)', 'a string', text);
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const problem = scanJson(body, true);
  if (problem !== undefined) throw problemError(body, problem);
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // The scanner and V8 disagree (the property test says they do not): keep V8's word, at the start.
    throw new JsonTextError(body, 0, 'valid JSON', `not valid JSON: ${quoteInput(e.message, { quotes: false, max: 200 })}`);
  }
}

function problemError(body: string, p: ScanProblem): JsonTextError {
  if (p.kind === 'syntax') return new JsonTextError(body, p.offset, p.expected, undefined, 'bad_json', p.path);
  const { line, column } = lineColumn(body, p.offset);
  // Never empty: a key or a too-deep bracket sits inside at least one open container.
  const at = `${shortPath(p.path)} (line ${line}, column ${column})`;
  if (p.kind === 'too_deep') {
    return new JsonTextError(body, p.offset, `at most ${MAX_JSON_DEPTH} levels of nesting`, `JSON nests deeper than ${MAX_JSON_DEPTH} levels at ${at}`, 'too_deep', p.path);
  }
  const key = quoteInput(p.key, { max: 60 });
  if (p.kind === 'forbidden_key') {
    return new JsonTextError(body, p.offset, 'a key other than __proto__, constructor or prototype', `key ${key} is not allowed, at ${at}`, 'forbidden_key', p.path);
  }
  const first = lineColumn(body, p.firstOffset);
  return new JsonTextError(
    body,
    p.offset,
    'a key not already in this object',
    `duplicate key ${key} at ${at}; first at line ${first.line}, column ${first.column}`,
    'duplicate_key',
    p.path,
  );
}

/** A path for a message: at most ~120 characters, cut at the front (the innermost part matters). */
function shortPath(path: string): string {
  return path.length <= 120 ? path : `…${path.slice(path.length - 120)}`;
}

/** The first thing wrong with a JSON text, as {@link scanJson} finds it. */
type ScanProblem =
  | { kind: 'syntax'; offset: number; expected: string; path: string }
  | { kind: 'too_deep'; offset: number; path: string }
  | { kind: 'forbidden_key'; offset: number; key: string; path: string }
  | { kind: 'duplicate_key'; offset: number; firstOffset: number; key: string; path: string };

/** Four hex digits, for `\uXXXX` escapes. */
const HEX4 = /^[0-9a-fA-F]{4}$/;
const JSON_SCALAR = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null/y;
/** A key shown bare in a path; anything else (or anything longer) is shown through quoteInput. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,59}$/;

/**
 * Where RFC 8259 JSON `text` first goes wrong, and what was expected there; undefined if it is
 * valid. Iterative (an explicit stack), so deep nesting cannot overflow the call stack. A bad
 * string is reported at its opening quote. Syntax only: duplicate and forbidden keys and depth
 * are {@link parseJsonText}'s stricter checks.
 */
export function jsonSyntaxErrorAt(text: string): { offset: number; expected: string } | undefined {
  const p = scanJson(text, false);
  return p === undefined || p.kind !== 'syntax' ? undefined : { offset: p.offset, expected: p.expected };
}

/** One open array or object: its closing bracket, the keys seen (objects, strict only) and where each was. */
interface Frame {
  readonly close: '}' | ']';
  readonly keys: Map<string, number> | undefined;
  /** The current key (objects; undefined before the first) or element index (arrays), for the path. */
  at: string | number | undefined;
}

function renderPath(stack: readonly Frame[]): string {
  let out = '';
  for (const f of stack) {
    if (f.at === undefined) break;
    if (typeof f.at === 'number') out += `[${f.at}]`;
    else if (IDENTIFIER.test(f.at)) out += out === '' ? f.at : `.${f.at}`;
    else out += `[${quoteInput(f.at, { max: 60 })}]`;
  }
  return out;
}

/** The key a JSON string literal spells (escapes decoded; the literal is known valid). */
function keyOf(literal: string): string {
  return literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
}

/**
 * The validating pass: one left-to-right walk with an explicit stack, linear in the text (plus
 * one map entry per key). `strict` adds the key and depth checks.
 */
function scanJson(text: string, strict: boolean): ScanProblem | undefined {
  const stack: Frame[] = [];
  let i = 0;
  let state: 'value' | 'key' | 'after' = 'value';
  const n = text.length;
  const skipWs = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  };
  // A loop, not a regular expression: V8's backtracking matcher recurses per character of an
  // alternation under `*`, so a 50 MB string would overflow the stack.
  const matchString = (): boolean => {
    if (text.charCodeAt(i) !== 0x22) return false;
    for (let j = i + 1; j < n; ) {
      const c = text.charCodeAt(j);
      if (c === 0x22) {
        i = j + 1;
        return true;
      }
      if (c < 0x20) return false;
      if (c !== 0x5c) {
        j++;
        continue;
      }
      const e = text[j + 1];
      if (e === 'u' && HEX4.test(text.slice(j + 2, j + 6))) j += 6;
      else if (e !== undefined && '"\\/bfnrt'.includes(e)) j += 2;
      else return false;
    }
    return false;
  };
  const match = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  const syntax = (expected: string): ScanProblem => ({ kind: 'syntax', offset: Math.min(i, n), expected, path: strict ? renderPath(stack) : '' });
  for (;;) {
    skipWs();
    const c = text[i];
    if (state === 'value') {
      if (c === '{' || c === '[') {
        if (strict && stack.length >= MAX_JSON_DEPTH) return { kind: 'too_deep', offset: i, path: renderPath(stack) };
        const frame: Frame = c === '{' ? { close: '}', keys: strict ? new Map() : undefined, at: undefined } : { close: ']', keys: undefined, at: 0 };
        stack.push(frame);
        i++;
        skipWs();
        if (text[i] === frame.close) {
          stack.pop();
          i++;
          state = 'after';
        } else {
          state = c === '{' ? 'key' : 'value';
        }
      } else if (matchString() || match(JSON_SCALAR)) {
        state = 'after';
      } else {
        return syntax(c === '"' ? 'a valid string (closed, no raw control characters, valid escapes)' : 'a value');
      }
    } else if (state === 'key') {
      const keyStart = i;
      if (!matchString()) return syntax('a double-quoted property name');
      const frame = stack[stack.length - 1]!;
      if (frame.keys !== undefined) {
        const key = keyOf(text.slice(keyStart, i));
        frame.at = key;
        if (FORBIDDEN_KEYS.has(key)) return { kind: 'forbidden_key', offset: keyStart, key, path: renderPath(stack) };
        const first = frame.keys.get(key);
        if (first !== undefined) return { kind: 'duplicate_key', offset: keyStart, firstOffset: first, key, path: renderPath(stack) };
        frame.keys.set(key, keyStart);
      }
      skipWs();
      if (text[i] !== ':') return syntax("':' after the property name");
      i++;
      state = 'value';
    } else {
      const frame = stack[stack.length - 1];
      if (frame === undefined) return i < text.length ? syntax('the end of the text') : undefined;
      if (c === ',') {
        i++;
        if (typeof frame.at === 'number') frame.at++;
        state = frame.close === '}' ? 'key' : 'value';
      } else if (c === frame.close) {
        stack.pop();
        i++;
      } else {
        return syntax(`',' or '${frame.close}'`);
      }
    }
  }
}

/** Characters shown escaped: controls, format characters, separators other than space, surrogates, unassigned. */
const UNPRINTABLE = /[\p{C}\p{Z}]/u;

/**
 * A value taken from input, as a message shows it: in double quotes (unless `quotes: false`),
 * with `"` and `\` backslash-escaped, every control or otherwise invisible character written as
 * `\xNN` (below U+0100) or `\uNNNN` / `\u{NNNNN}`, and cut after `max` characters (code points,
 * default 64) with `…(N more)`. Raw input never reaches a terminal through a message, and a
 * megabyte-long value cannot flood one.
 */
export function quoteInput(value: string, options: { quotes?: boolean; max?: number } = {}): string {
  const { quotes = true, max = 64 } = options;
  // Walk code points in place: `Array.from` of a 50 MB value would hold 50 million strings.
  let out = '';
  let shown = 0;
  let i = 0;
  for (; i < value.length && shown < max; shown++) {
    const cp = value.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (ch === ' ') out += ch;
    else if (quotes && (ch === '"' || ch === '\\')) out += `\\${ch}`;
    else if (!UNPRINTABLE.test(ch)) out += ch;
    else if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\u{${cp.toString(16)}}`;
  }
  let rest = 0;
  for (; i < value.length; rest++) i += value.codePointAt(i)! > 0xffff ? 2 : 1;
  return `${quotes ? `"${out}"` : out}${rest > 0 ? `…(${rest} more)` : ''}`;
}
