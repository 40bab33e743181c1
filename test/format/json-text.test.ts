import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Vtl2PersistError } from '../../src/errors.js';
import { JsonTextError, jsonSyntaxErrorAt, parseJsonText, quoteInput } from '../../src/format/json-text.js';

/** The error parseJsonText throws for `text` (fails the test if it does not throw one). */
function errorOf(text: string): JsonTextError {
  try {
    parseJsonText(text);
  } catch (e) {
    expect(e).toBeInstanceOf(JsonTextError);
    return e as JsonTextError;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parseJsonText', () => {
  test('parses JSON and skips one leading byte-order mark', () => {
    expect(parseJsonText('{"a": [1, "x", null]}')).toEqual({ a: [1, 'x', null] });
    expect(parseJsonText('\uFEFF[true]')).toEqual([true]);
    // Only one BOM, and only at the start: a second one is text JSON does not allow.
    expect(errorOf('\uFEFF\uFEFF[]')).toMatchObject({ line: 1, column: 1, offset: 0 });
  });

  // [text, line, column, offset, expected, found]
  test.each<[string, number, number, number, string, string | undefined]>([
    ['', 1, 1, 0, 'a value', undefined],
    ['{"a": 1,, }', 1, 9, 8, 'a double-quoted property name', ','],
    ['{\n  "x": [1, 2\n', 3, 1, 15, "',' or ']'", undefined],
    ['{"a" 1}', 1, 6, 5, "':' after the property name", '1'],
    ['[1 2]', 1, 4, 3, "',' or ']'", '2'],
    ['{"a": 1} x', 1, 10, 9, 'the end of the text', 'x'],
    ['[01]', 1, 3, 2, "',' or ']'", '1'],
    ['[tru]', 1, 2, 1, 'a value', 't'],
    ['["a\tb"]', 1, 2, 1, 'a valid string (closed, no raw control characters, valid escapes)', '"'],
    ['["\\x"]', 1, 2, 1, 'a valid string (closed, no raw control characters, valid escapes)', '"'],
    ["{'a': 1}", 1, 2, 1, 'a double-quoted property name', "'"],
    ['\r\n\r\n  }', 3, 3, 6, 'a value', '}'],
    ['[1,]', 1, 4, 3, 'a value', ']'],
    ['{"a":1,}', 1, 8, 7, 'a double-quoted property name', '}'],
    ['[\u0001]', 1, 2, 1, 'a value', '\u0001'],
    ['[😀]', 1, 2, 1, 'a value', '😀'],
  ])('%j: line %i, column %i', (text, line, column, offset, expected, found) => {
    const e = errorOf(text);
    expect(e).toBeInstanceOf(Vtl2PersistError);
    expect(e.code).toBe('bad_json');
    expect({ line: e.line, column: e.column, offset: e.offset, expected: e.expected, found: e.found }).toEqual({ line, column, offset, expected, found });
    expect(e.message).toBe(`not valid JSON at line ${line}, column ${column}: expected ${expected}, but ${found === undefined ? 'the text ends' : `found ${quoteInput(found)}`}`);
    expect(e.message).not.toMatch(/[\u0000-\u001f]/);
  });

  test('line and column count after a BOM is removed (offsets are into the text without it)', () => {
    expect(errorOf('\uFEFF{\n x}')).toMatchObject({ line: 2, column: 2, offset: 3 });
  });

  test('deep nesting does not overflow the stack', () => {
    const deep = '['.repeat(200_000);
    expect(errorOf(deep)).toMatchObject({ offset: 200_000, expected: 'a value' });
  });

  // Strings built from JSON's own alphabet, so most are near-JSON and the scanner's every branch is hit.
  const jsonish = fc.oneof(
    fc.json(),
    fc.array(
      fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', 'a', '1', '-', '.', 'e', '0', 'true', 'null', 'u', '\u0001', '\uFEFF'),
      { maxLength: 24 },
    ).map((parts) => parts.join('')),
    fc.json().chain((j) => fc.tuple(fc.nat(j.length), fc.constantFrom('', ',', '}', ']', '"', ' x', '\t')).map(([at, s]) => j.slice(0, at) + s + j.slice(at))),
  );

  test('agrees with JSON.parse on accept and reject, and always locates the error (property)', () => {
    fc.assert(
      fc.property(jsonish, (text) => {
        let native: { ok: true; value: unknown } | { ok: false };
        try {
          native = { ok: true, value: JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) };
        } catch {
          native = { ok: false };
        }
        const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
        if (native.ok) {
          expect(parseJsonText(text)).toEqual(native.value);
          expect(jsonSyntaxErrorAt(body)).toBeUndefined();
        } else {
          const e = errorOf(text);
          // Never the fallback: the scanner found the error itself.
          expect(e.expected).not.toBe('valid JSON');
          expect(e.offset).toBeLessThanOrEqual(body.length);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('quoteInput', () => {
  test.each<[string, string]>([
    ['plain', '"plain"'],
    ['a b', '"a b"'],
    ['say "hi" \\o/', '"say \\"hi\\" \\\\o/"'],
    ['\u0000\u0001\n\t\u001b[31m\u007f', '"\\x00\\x01\\x0a\\x09\\x1b[31m\\x7f"'],
    ['\u0085\u00a0', '"\\x85\\xa0"'],
    ['zero\u200bwidth\u2028line\ufeff', '"zero\\u200bwidth\\u2028line\\ufeff"'],
    ['lone \ud800 surrogate', '"lone \\ud800 surrogate"'],
    ['\u{e0001}tag', '"\\u{e0001}tag"'],
    ['é ü 😀 中', '"é ü 😀 中"'],
  ])('%j → %s', (value, shown) => {
    expect(quoteInput(value)).toBe(shown);
  });

  test('cuts at 64 characters (code points) with the count of the rest', () => {
    expect(quoteInput('x'.repeat(64))).toBe(`"${'x'.repeat(64)}"`);
    expect(quoteInput('x'.repeat(65))).toBe(`"${'x'.repeat(64)}"…(1 more)`);
    expect(quoteInput('😀'.repeat(70))).toBe(`"${'😀'.repeat(64)}"…(6 more)`);
    expect(quoteInput('abcdef', { max: 2 })).toBe('"ab"…(4 more)');
  });

  test('quotes: false escapes without quoting', () => {
    expect(quoteInput('a"b\u0007', { quotes: false })).toBe('a"b\\x07');
  });

  test('never lets a control or invisible character through (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (s) => {
        expect(quoteInput(s)).not.toMatch(/[\p{C}\p{Zl}\p{Zp}]/u);
      }),
    );
  });
});
