/**
 * Tokens of the Rust subset that mesh_protobuf saved-state modules are written in (the lexical
 * grammar of the Rust Reference, "Lexical structure"), for `rust-parser.ts`. It lexes all of Rust's
 * token shapes — raw strings, byte and char literals, lifetimes, nested block comments — because
 * the parser skips `impl` and `fn` bodies by matching braces, and a `'{'` or `"}"` inside one must
 * not count. Doc comments are tokens (mesh_derive turns them into `.proto` comments); other
 * comments are dropped.
 */
import type { SourcePos } from './model.js';
import { SchemaError } from './schema-error.js';

/** What a {@link RustToken} is. `punct` is one character, except `::`. */
export type RustTokenKind = 'ident' | 'int' | 'float' | 'str' | 'char' | 'lifetime' | 'punct' | 'doc' | 'eof';

/** One token, with the position of its first character. */
export interface RustToken {
  kind: RustTokenKind;
  /**
   * An identifier's name (raw `r#x` gives `x`), a punctuation character, a string literal's
   * decoded value, a doc comment's text (marker and one leading space removed), or an integer's
   * source text.
   */
  text: string;
  /** An integer literal's value (`0x1_0` is 16n); only for `int`. */
  value?: bigint;
  /** An integer literal's type suffix (`u32` in `1u32`), `""` when none; only for `int`. */
  suffix?: string;
  /** Inner docs (`//!`, and block comments opened with a bang) document the enclosing item, not the next one; only for `doc`. */
  inner?: boolean;
  line: number;
  column: number;
}

/**
 * The largest text accepted, in UTF-16 code units (1 MiB of ASCII). The shipped schema files are
 * a few kilobytes; the bound keeps a hostile input from costing more than linear time and memory.
 */
export const MAX_SCHEMA_TEXT = 1 << 20;

const INT_SUFFIXES = new Set(['u8', 'u16', 'u32', 'u64', 'u128', 'usize', 'i8', 'i16', 'i32', 'i64', 'i128', 'isize']);
const IDENT_START = /[\p{XID_Start}_]/u;
const IDENT_CONTINUE = /[\p{XID_Continue}]/u;
const DIGITS: Record<string, RegExp> = { '': /^[0-9_]+$/, x: /^[0-9a-fA-F_]+$/, o: /^[0-7_]+$/, b: /^[01_]+$/ };

/**
 * Splits `text` into tokens, ending with one `eof` token. Throws {@link SchemaError} (`schema_syntax`
 * for an unterminated comment or literal, a bad escape or number; `schema_too_large` past
 * {@link MAX_SCHEMA_TEXT}) and nothing else.
 */
export function lexRust(text: string, file: string): RustToken[] {
  if (text.length > MAX_SCHEMA_TEXT) {
    throw new SchemaError('schema_too_large', file, { line: 1, column: 1 }, `the schema text is ${text.length} characters, over the ${MAX_SCHEMA_TEXT} limit`, 'a saved-state schema is a few kilobytes; pass only the save_restore module');
  }
  const tokens: RustToken[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (at: number): SourcePos => ({ line, column: at - lineStart + 1 });
  const fail = (at: SourcePos, problem: string, fix: string): never => {
    throw new SchemaError('schema_syntax', file, at, problem, fix);
  };
  // Advances over text[i..end), counting the newlines it crosses.
  const advanceTo = (end: number): void => {
    for (; i < end; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
  };
  const push = (kind: RustTokenKind, value: string, at: SourcePos, extra: Partial<RustToken> = {}): void => {
    tokens.push({ kind, text: value, line: at.line, column: at.column, ...extra });
  };
  const stripDoc = (s: string): string => (s.startsWith(' ') ? s.slice(1) : s).replace(/\r$/, '');

  while (i < text.length) {
    const c = text[i] as string;
    const at = pos(i);
    if (/\s/.test(c)) {
      advanceTo(i + 1);
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      const body = text.slice(i, end);
      // `////` is an ordinary comment (Reference: "Comments"); `///` and `//!` are docs.
      if (body.startsWith('///') && !body.startsWith('////')) push('doc', stripDoc(body.slice(3)), at);
      else if (body.startsWith('//!')) push('doc', stripDoc(body.slice(3)), at, { inner: true });
      i = end;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let depth = 0;
      let j = i;
      while (j < text.length) {
        if (text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      if (depth !== 0) fail(at, 'unterminated block comment', 'close it with */ (block comments nest)');
      const body = text.slice(i, j);
      const isOuter = body.startsWith('/**') && !body.startsWith('/***') && body !== '/**/';
      if (isOuter || body.startsWith('/*!')) {
        const doc = body.slice(3, -2).split('\n').map(stripDoc).join('\n');
        push('doc', doc, at, isOuter ? {} : { inner: true });
      }
      advanceTo(j);
      continue;
    }
    // String-like prefixes: r"…", r#"…"#, b"…", br"…", c"…", cr"…", b'…', and raw identifiers r#x.
    const prefix = /^(?:br|cr|b|c|r)(?=["'#])/.exec(text.slice(i, i + 3))?.[0] ?? '';
    if (prefix !== '' || c === '"' || c === "'") {
      const start = i + prefix.length;
      const q = text[start];
      if (prefix === 'r' && q === '#' && text[start + 1] !== '#' && text[start + 1] !== '"') {
        // r#ident: a raw identifier.
        const m = /^[\p{XID_Start}_][\p{XID_Continue}]*/u.exec(text.slice(start + 1, start + 200));
        if (m === null) fail(at, 'expected an identifier after r#', 'write a raw identifier as r#name');
        push('ident', (m as RegExpExecArray)[0], at);
        advanceTo(start + 1 + (m as RegExpExecArray)[0].length);
        continue;
      }
      if (prefix.endsWith('r')) {
        let hashes = 0;
        while (text[start + hashes] === '#') hashes++;
        if (text[start + hashes] !== '"') fail(at, 'malformed raw string literal', 'write r"…" or r#"…"#');
        const close = '"' + '#'.repeat(hashes);
        const end = text.indexOf(close, start + hashes + 1);
        if (end < 0) fail(at, 'unterminated raw string literal', `close it with ${close}`);
        push('str', text.slice(start + hashes + 1, end), at);
        advanceTo(end + close.length);
        continue;
      }
      if (q === '"') {
        const { value, end } = readQuoted(text, start, '"', prefix === 'b', at, fail);
        push('str', value, at);
        advanceTo(end);
        continue;
      }
      if (q === "'") {
        // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a); Rust tells them apart by
        // whether a quote follows the first character.
        const next = text.codePointAt(start + 1);
        const width = next !== undefined && next > 0xffff ? 2 : 1;
        if (text[start + 1] === '\\' || (next !== undefined && text[start + 1 + width] === "'" && text[start + 1] !== "'")) {
          const { value, end } = readQuoted(text, start, "'", prefix === 'b', at, fail);
          push('char', value, at);
          advanceTo(end);
          continue;
        }
        const m = prefix === '' ? /^[\p{XID_Start}_][\p{XID_Continue}]*/u.exec(text.slice(start + 1, start + 200)) : null;
        if (m === null) fail(at, 'malformed character literal or lifetime', "write a char as 'x' and a lifetime as 'a");
        push('lifetime', (m as RegExpExecArray)[0], at);
        advanceTo(start + 1 + (m as RegExpExecArray)[0].length);
        continue;
      }
    }
    if (/[0-9]/.test(c)) {
      i = lexNumber(text, i, at, push, fail);
      continue;
    }
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (IDENT_START.test(ch)) {
      let j = i + ch.length;
      while (j < text.length) {
        const n = String.fromCodePoint(text.codePointAt(j) as number);
        if (!IDENT_CONTINUE.test(n)) break;
        j += n.length;
      }
      push('ident', text.slice(i, j), at);
      i = j;
      continue;
    }
    if (c === ':' && text[i + 1] === ':') {
      push('punct', '::', at);
      i += 2;
      continue;
    }
    // Control characters and U+FFFD (what invalid UTF-8 decodes to) cannot appear in Rust
    // outside strings and comments: most likely the file is not source text at all.
    if (/[\u0000-\u001f\u007f\ufffd]/.test(ch)) {
      const code = ch.codePointAt(0)!;
      fail(at, code === 0xfffd ? 'bytes that are not UTF-8' : `control character U+${code.toString(16).padStart(4, '0')}`, 'a schema is Rust (or .proto) source text');
    }
    // Everything else is one punctuation character; the parser rejects the ones it does not expect.
    push('punct', ch, at);
    i += ch.length;
  }
  push('eof', '', pos(i));
  return tokens;
}

const SIMPLE_ESCAPES = new Map([['n', '\n'], ['r', '\r'], ['t', '\t'], ['\\', '\\'], ['0', '\0'], ["'", "'"], ['"', '"']]);

type Fail = (at: SourcePos, problem: string, fix: string) => never;

/** Reads a quoted literal from text[start] (the quote) with Rust's escapes; returns its value and end. */
function readQuoted(text: string, start: number, quote: string, bytes: boolean, at: SourcePos, fail: Fail): { value: string; end: number } {
  let value = '';
  let j = start + 1;
  while (j < text.length && text[j] !== quote) {
    if (text[j] !== '\\') {
      value += text[j];
      j++;
      continue;
    }
    const e = text[j + 1];
    const simple = e === undefined ? undefined : SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) {
      value += simple;
      j += 2;
    } else if (e === 'x' && (bytes ? /^[0-9a-fA-F]{2}$/ : /^[0-7][0-9a-fA-F]$/).test(text.slice(j + 2, j + 4))) {
      value += String.fromCharCode(parseInt(text.slice(j + 2, j + 4), 16));
      j += 4;
    } else if (e === 'u') {
      const m = /^\{([0-9a-fA-F_]{1,8})\}/.exec(text.slice(j + 2, j + 14));
      const cp = m === null ? NaN : parseInt((m[1] as string).replace(/_/g, ''), 16);
      if (m === null || !(cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) fail(at, 'malformed \\u{…} escape', 'write a Unicode scalar value as \\u{1F600}');
      value += String.fromCodePoint(cp);
      j += 2 + (m as RegExpExecArray)[0].length;
    } else if (e === '\n' || (e === '\r' && text[j + 2] === '\n')) {
      // A line continuation: the newline and the next line's leading whitespace vanish.
      j += e === '\n' ? 2 : 3;
      while (j < text.length && /[ \t\n\r]/.test(text[j] as string)) j++;
    } else {
      fail(at, `unknown escape \\${e ?? ''} in a literal`, 'use \\n, \\r, \\t, \\\\, \\0, \\", \\\', \\x7F or \\u{…}');
    }
  }
  if (j >= text.length) fail(at, quote === '"' ? 'unterminated string literal' : 'unterminated character literal', `close it with ${quote}`);
  return { value, end: j + 1 };
}

/** Lexes a number at text[i]: an `int` token (with value and suffix) or a `float`; returns the end. */
function lexNumber(text: string, i: number, at: SourcePos, push: (kind: RustTokenKind, value: string, at: SourcePos, extra?: Partial<RustToken>) => void, fail: Fail): number {
  const m = /^[0-9][0-9a-zA-Z_]*/.exec(text.slice(i, i + 256)) as RegExpExecArray;
  let body = m[0];
  let j = i + body.length;
  // `1.5` and `1e3` are floats; `1..2` is a range and `x.0.1` a tuple index, so only a digit
  // after the dot makes a float.
  if (!/^0[xob]/.test(body) && ((text[j] === '.' && /[0-9]/.test(text[j + 1] ?? '')) || /^[0-9_]+[eE]/.test(body))) {
    const f = /^[0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?[a-zA-Z0-9_]*/.exec(text.slice(i, i + 256)) as RegExpExecArray;
    push('float', f[0], at);
    return i + f[0].length;
  }
  if (text[j] === '.' && !/[.\p{XID_Start}_]/u.test(text[j + 1] ?? '')) {
    // `1.` is a float literal too.
    push('float', text.slice(i, j + 1), at);
    return j + 1;
  }
  const radix = /^0([xob])/.exec(body)?.[1] ?? '';
  const digitsAndSuffix = radix === '' ? body : body.slice(2);
  const dm = (radix === 'x' ? /^[0-9a-fA-F_]*/ : /^[0-9_]*/).exec(digitsAndSuffix) as RegExpExecArray;
  let digits = dm[0];
  const suffix = digitsAndSuffix.slice(digits.length);
  if (!(DIGITS[radix] as RegExp).test(digits) || !/[0-9a-fA-F]/.test(digits)) {
    fail(at, `malformed integer literal ${body}`, 'write digits with optional _ separators, e.g. 1_000, 0x1F, 0b101');
  }
  if (suffix !== '' && !INT_SUFFIXES.has(suffix)) {
    if (suffix === 'f32' || suffix === 'f64') {
      push('float', body, at);
      return j;
    }
    fail(at, `unknown suffix ${suffix} on integer literal ${body}`, 'use an integer type suffix such as u32, or none');
  }
  digits = digits.replace(/_/g, '');
  const value = BigInt(radix === '' ? digits : `0${radix}${digits}`);
  body = text.slice(i, j);
  push('int', body, at, { value, suffix });
  return j;
}

const OPEN_TO_CLOSE: ReadonlyMap<string, string> = new Map([['(', ')'], ['[', ']'], ['{', '}']]);

/**
 * A position in a token list, with the helpers the parser shares: matching delimiters (how the
 * parser skips `impl` blocks and attributes it does not read) and failing with a
 * {@link SchemaError} at a token. Reading past the end keeps returning the `eof` token.
 */
export class TokenCursor {
  /** Index of the next token. */
  index = 0;

  constructor(
    readonly tokens: readonly RustToken[],
    readonly file: string,
  ) {}

  /** The token `k` ahead of the next one (the `eof` token past the end). */
  peek(k = 0): RustToken {
    return (this.tokens[Math.min(this.index + k, this.tokens.length - 1)] as RustToken);
  }

  /** Consumes and returns the next token; at the end, returns `eof` without moving. */
  next(): RustToken {
    const t = this.peek();
    if (t.kind !== 'eof') this.index++;
    return t;
  }

  /** Whether the token `k` ahead is the punctuation or identifier `text`. */
  is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  /** Consumes the next token if it is `text`. */
  eat(text: string): boolean {
    if (!this.is(text)) return false;
    this.index++;
    return true;
  }

  /** Consumes `text` or fails with `schema_syntax` naming what was expected. */
  expect(text: string, where: string): RustToken {
    if (!this.is(text)) this.fail('schema_syntax', this.peek(), `expected \`${text}\` ${where}, found ${describeToken(this.peek())}`, 'fix the Rust syntax (the file must compile)');
    return this.next();
  }

  /** Consumes an identifier or fails with `schema_syntax`. */
  ident(what: string): RustToken {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail('schema_syntax', t, `expected ${what}, found ${describeToken(t)}`, 'fix the Rust syntax (the file must compile)');
    return this.next();
  }

  /** Throws a {@link SchemaError} at `at`. */
  fail(code: SchemaError['code'], at: SourcePos, problem: string, fix: string): never {
    throw new SchemaError(code, this.file, { line: at.line, column: at.column }, problem, fix);
  }

  /**
   * With the next token an opening `(`, `[` or `{`, consumes through its matching close, checking
   * that delimiters pair up as rustc does. Iterative, so depth costs no stack.
   */
  skipGroup(): void {
    const stack: RustToken[] = [];
    do {
      const t = this.next();
      if (t.kind === 'eof') this.fail('schema_syntax', stack[stack.length - 1] ?? t, `unclosed \`${stack[stack.length - 1]?.text ?? ''}\``, 'close every (, [ and { it opens');
      if (t.kind !== 'punct') continue;
      if (OPEN_TO_CLOSE.has(t.text)) stack.push(t);
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        const open = stack.pop() as RustToken;
        if (OPEN_TO_CLOSE.get(open.text) !== t.text) this.fail('schema_syntax', t, `\`${t.text}\` does not close \`${open.text}\` at ${open.line}:${open.column}`, 'balance the delimiters');
      }
    } while (stack.length > 0);
  }

  /**
   * Skips to the end of an item: through a `;`, or through the first `{ … }` group when `block`
   * is set (an `impl`, `fn` or skipped struct). Groups on the way are matched, so a `;` inside
   * `[u8; 4]` does not end it.
   */
  skipItem(block: boolean, start: RustToken): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof' || (t.kind === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}'))) {
        this.fail('schema_syntax', t.kind === 'eof' ? start : t, `the item starting at ${start.line}:${start.column} does not end`, block ? 'end it with ; or a { … } body' : 'end it with ;');
      }
      if (t.kind === 'punct' && t.text === ';') {
        this.index++;
        return;
      }
      const opensBody = t.kind === 'punct' && t.text === '{';
      if (t.kind === 'punct' && OPEN_TO_CLOSE.has(t.text)) this.skipGroup();
      else this.index++;
      if (opensBody && block) return;
    }
  }
}

/** A token as an error message names it: `` `{` ``, `identifier foo`, `end of file`. */
export function describeToken(t: RustToken): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'ident':
      return `\`${t.text}\``;
    case 'punct':
      return `\`${t.text}\``;
    case 'doc':
      return 'a doc comment';
    case 'lifetime':
      return `lifetime '${t.text}`;
    case 'str':
      return 'a string literal';
    default:
      return `${t.kind === 'int' ? 'integer' : t.kind} literal ${t.text.slice(0, 20)}`;
  }
}
