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
import { Vtl2PersistError } from '../errors.js';

/** Why a JSON text was refused: it is not RFC 8259 JSON. */
export type JsonTextErrorCode = 'bad_json';

/**
 * Text that is not JSON, located. `line` and `column` are 1-based (columns count UTF-16 code
 * units, as editors mostly do); `offset` is the 0-based code-unit offset into the text after a
 * leading byte-order mark was removed.
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
  /** The message without a file prefix: `not valid JSON at line L, column C: expected …, but …`. */
  readonly detail: string;

  constructor(text: string, offset: number, expected: string, detail?: string) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    const found = offset < text.length ? String.fromCodePoint(text.codePointAt(offset)!) : undefined;
    const got = found === undefined ? 'the text ends' : `found ${quoteInput(found)}`;
    const message = detail ?? `not valid JSON at line ${line}, column ${column}: expected ${expected}, but ${got}`;
    super('bad_json', message);
    this.line = line;
    this.column = column;
    this.offset = offset;
    this.expected = expected;
    this.found = found;
    this.detail = message;
  }
}

/**
 * `JSON.parse`, for text from a file: a leading byte-order mark is skipped (editors add one),
 * and a syntax error becomes a {@link JsonTextError} with its line and column.
 * @throws {JsonTextError}
 */
export function parseJsonText(text: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const found = jsonSyntaxErrorAt(body);
    // The scanner and V8 disagree (the property test says they do not): keep V8's word, at the start.
    if (found === undefined) throw new JsonTextError(body, 0, 'valid JSON', `not valid JSON: ${quoteInput(e.message, { quotes: false, max: 200 })}`);
    throw new JsonTextError(body, found.offset, found.expected);
  }
}

const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const JSON_SCALAR = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null/y;

/**
 * Where RFC 8259 JSON `text` first goes wrong, and what was expected there; undefined if it is
 * valid. Iterative (an explicit stack), so deep nesting cannot overflow the call stack. A bad
 * string is reported at its opening quote.
 */
export function jsonSyntaxErrorAt(text: string): { offset: number; expected: string } | undefined {
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
  const chars = Array.from(value);
  let out = '';
  for (const ch of chars.slice(0, max)) {
    const cp = ch.codePointAt(0)!;
    if (ch === ' ') out += ch;
    else if (quotes && (ch === '"' || ch === '\\')) out += `\\${ch}`;
    else if (!UNPRINTABLE.test(ch)) out += ch;
    else if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\u{${cp.toString(16)}}`;
  }
  const rest = chars.length - Math.min(chars.length, max);
  return `${quotes ? `"${out}"` : out}${rest > 0 ? `…(${rest} more)` : ''}`;
}
