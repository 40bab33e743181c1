import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ArgumentError, Vtl2PersistError } from '../../src/errors.js';
import { JsonTextError, MAX_JSON_DEPTH, jsonSyntaxErrorAt, parseJsonText, quoteInput } from '../../src/format/json-text.js';

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
    // An unclosed string, and a non-u escape followed by four hex digits.
    ['["ab', 1, 2, 1, 'a valid string (closed, no raw control characters, valid escapes)', '"'],
    ['["\\x1234"]', 1, 2, 1, 'a valid string (closed, no raw control characters, valid escapes)', '"'],
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

  test('deep nesting is a typed too_deep error at the first level past the cap, not a stack overflow', () => {
    const deep = '['.repeat(200_000);
    expect(errorOf(deep)).toMatchObject({ code: 'too_deep', offset: MAX_JSON_DEPTH, line: 1, column: MAX_JSON_DEPTH + 1 });
    // The syntax-only scanner has no cap and still runs iteratively to the end.
    expect(jsonSyntaxErrorAt(deep)).toEqual({ offset: 200_000, expected: 'a value' });
    // Valid text nested 100 000 deep: refused before JSON.parse sees it. Mutant killed: cap check removed (parses).
    const valid = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(errorOf(valid).code).toBe('too_deep');
    // Exactly at the cap is fine (kills an off-by-one `>` → `>=` mutant).
    expect(parseJsonText('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
    expect(errorOf('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)).code).toBe('too_deep');
  });

  // [text, code, path, line, column, message fragment]
  test.each<[string, string, string, number, number, string]>([
    ['{"a":1,"a":2}', 'duplicate_key', 'a', 1, 8, 'duplicate key "a" at a (line 1, column 8); first at line 1, column 2'],
    ['{"host_dt":{"memory":[{"vnode":0},{"vnode":1},{"vnode":2,\n "vnode":3}]}}', 'duplicate_key', 'host_dt.memory[2].vnode', 2, 2, 'duplicate key "vnode" at host_dt.memory[2].vnode (line 2, column 2)'],
    // Escapes are decoded before comparing: "\u0061" is "a".
    ['{"a":1,"\\u0061":2}', 'duplicate_key', 'a', 1, 8, 'duplicate key "a"'],
    ['{"x y":{"k":1,"k":1}}', 'duplicate_key', '["x y"].k', 1, 15, 'at ["x y"].k'],
    // The same key in two different objects is fine; only a repeat within one object is refused.
    ['[{"a":1},{"a":2},{"b":{"a":3,"a":4}}]', 'duplicate_key', '[2].b.a', 1, 30, 'at [2].b.a'],
    ['{"__proto__":{"x":1}}', 'forbidden_key', '__proto__', 1, 2, 'key "__proto__" is not allowed, at __proto__ (line 1, column 2)'],
    ['{"a":[{"constructor":1}]}', 'forbidden_key', 'a[0].constructor', 1, 8, 'key "constructor" is not allowed'],
    ['{"prototype":1}', 'forbidden_key', 'prototype', 1, 2, 'key "prototype"'],
    ['{"\\u005f_proto__":1}', 'forbidden_key', '__proto__', 1, 2, 'key "__proto__"'],
    ['{"a":{"b":[1,2,}]}}', 'bad_json', 'a.b[2]', 1, 16, 'expected a value'],
    // After a comma in an object the path still names the last key (an index counts only in arrays).
    ['{"a":{"b":1,}}', 'bad_json', 'a.b', 1, 13, 'expected a double-quoted property name'],
  ])('%j is %s at %s', (text, code, path, line, column, fragment) => {
    const e = errorOf(text);
    expect(e).toMatchObject({ code, path, line, column });
    expect(e.message).toContain(fragment);
    const expected = { duplicate_key: 'a key not already in this object', forbidden_key: 'a key other than __proto__, constructor or prototype' }[code as 'duplicate_key'];
    if (expected !== undefined) expect(e.expected).toBe(expected);
  });

  test('values and keys that merely contain forbidden words are fine', () => {
    expect(parseJsonText('{"__proto__x":"__proto__","my_constructor":"constructor","p":["prototype"]}')).toEqual({
      __proto__x: '__proto__',
      my_constructor: 'constructor',
      p: ['prototype'],
    });
  });

  test('a huge duplicate key is quoted with at most 60 characters of it', () => {
    const key = 'k'.repeat(1_000_000);
    const e = errorOf(`{"${key}":1,"${key}":2}`);
    expect(e.code).toBe('duplicate_key');
    expect(e.message.length).toBeLessThan(600);
    // The key itself, not only the path (which quotes it the same way), is cut at 60.
    expect(e.message.startsWith(`duplicate key "${'k'.repeat(60)}"…(999940 more) at `)).toBe(true);
  });

  test('every JSON whitespace character separates tokens', () => {
    // Mutants killed: any one of the four dropped from the whitespace loop.
    expect(parseJsonText('\t[\r1\t,\n2 ]\r\n')).toEqual([1, 2]);
    expect(jsonSyntaxErrorAt('[1,\u000b2]')).toEqual({ offset: 3, expected: 'a value' });
  });

  test('a too-deep message names the path, cut to its last 120 characters', () => {
    const e = errorOf('['.repeat(MAX_JSON_DEPTH + 1));
    const path = '[0]'.repeat(MAX_JSON_DEPTH);
    expect(e.path).toBe(path);
    expect(e.message).toBe(`JSON nests deeper than ${MAX_JSON_DEPTH} levels at …${path.slice(-120)} (line 1, column ${MAX_JSON_DEPTH + 1})`);
    expect(e.expected).toBe(`at most ${MAX_JSON_DEPTH} levels of nesting`);
  });

  test('a path of exactly 120 characters is shown whole', () => {
    // "a" then 39 × "[0]" (117 characters) and ".k": 120 in all.
    const text = `{"a":${'['.repeat(39)}{"k":1,"k":2}${']'.repeat(39)}}`;
    const e = errorOf(text);
    expect(e.path).toHaveLength(120);
    expect(e.message).toContain(` at ${e.path} (line 1, column `);
    expect(e.message).not.toContain('…');
  });

  test('keys up to 60 identifier characters are shown bare in a path; longer or other keys are quoted', () => {
    const k60 = 'k'.repeat(60);
    expect(errorOf(`{"${k60}":{"a":1,"a":2}}`).path).toBe(`${k60}.a`);
    expect(errorOf(`{"${k60}x":{"a":1,"a":2}}`).path).toBe(`["${k60}"…(1 more)].a`);
    expect(errorOf('{"$_9":{"a":1,"a":2}}').path).toBe('$_9.a');
    expect(errorOf('{"9a":{"a":1,"a":2}}').path).toBe('["9a"].a');
    // Before an object's first key the path stops at its parent.
    expect(errorOf('{"a":{1}}')).toMatchObject({ code: 'bad_json', path: 'a' });
  });

  describe('when the scanner and JSON.parse disagree', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    test("V8's SyntaxError becomes a bad_json error at offset 0 with V8's message", () => {
      vi.spyOn(JSON, 'parse').mockImplementation(() => {
        throw new SyntaxError('Unexpected token \u0007 in JSON');
      });
      const e = errorOf('[1]');
      vi.restoreAllMocks();
      expect(e).toMatchObject({ code: 'bad_json', offset: 0, line: 1, column: 1, expected: 'valid JSON', path: '' });
      // Shown through quoteInput: the control character escaped, no quotes.
      expect(e.message).toBe('not valid JSON: Unexpected token \\x07 in JSON');
    });

    test('anything else JSON.parse throws passes through unchanged', () => {
      const boom = new RangeError('out of memory');
      vi.spyOn(JSON, 'parse').mockImplementation(() => {
        throw boom;
      });
      let thrown: unknown;
      try {
        parseJsonText('[1]');
      } catch (e) {
        thrown = e;
      }
      vi.restoreAllMocks();
      expect(thrown).toBe(boom);
    });
  });

  test('a string is required', () => {
    expect(() => parseJsonText(null as unknown as string)).toThrow(ArgumentError);
    expect(() => parseJsonText(Buffer.from('{}') as unknown as string)).toThrow(/parseJsonText\(text\): expected a string/);
  });

  // Strings built from JSON's own alphabet, so most are near-JSON and the scanner's every branch is hit.
  const jsonish = fc.oneof(
    fc.json(),
    fc.array(
      fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', ' ', '\n', '\t', '\r', 'a', '1', '-', '.', 'e', '0', 'true', 'null', 'u', '\u0001', '\uFEFF'),
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
          expect(jsonSyntaxErrorAt(body)).toBeUndefined();
          let strict: { ok: true; value: unknown } | { ok: false; error: JsonTextError };
          try {
            strict = { ok: true, value: parseJsonText(text) };
          } catch (e) {
            expect(e).toBeInstanceOf(JsonTextError);
            strict = { ok: false, error: e as JsonTextError };
          }
          if (strict.ok) {
            expect(strict.value).toEqual(native.value);
          } else {
            // Valid JSON refused only for a key, and the key at the reported offset really is the one named.
            const e = strict.error;
            expect(['duplicate_key', 'forbidden_key', 'too_deep']).toContain(e.code);
            if (e.code !== 'too_deep') {
              const literal = /^"(?:[^"\\]|\\.)*"/.exec(body.slice(e.offset))![0];
              const key = JSON.parse(literal) as string;
              expect(e.message).toContain(quoteInput(key, { max: 60 }));
              if (e.code === 'forbidden_key') expect(['__proto__', 'constructor', 'prototype']).toContain(key);
              // A duplicate: the key occurs as a key at least twice in the text.
              else expect(body.split(new RegExp(`${literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\s*:`)).length).toBeGreaterThan(2);
            }
          }
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
  const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];
  test('a JSON object with one key written twice is always duplicate_key at the second (property)', () => {
    fc.assert(
      fc.property(
        // fast-check's JSON deliberately includes "__proto__"/"constructor"/"prototype" keys; those are forbidden_key, not this test's business.
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 6 }).filter((k) => !FORBIDDEN.includes(k)), fc.json().filter((v) => !/"(?:__proto__|constructor|prototype)"/.test(v))), {
          minLength: 1,
          maxLength: 6,
          selector: ([k]) => k,
        }),
        fc.nat(),
        fc.nat(),
        (entries, pick, at) => {
          const [key, value] = entries[pick % entries.length]!;
          const parts = entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`);
          const insertAt = (pick % entries.length) + 1 + (at % (entries.length - (pick % entries.length)));
          parts.splice(insertAt, 0, `${JSON.stringify(key)}:${value}`);
          const text = `{"outer":{${parts.join(',')}}}`;
          const e = errorOf(text);
          expect(e.code).toBe('duplicate_key');
          expect(e.message).toContain(quoteInput(key, { max: 60 }));
          // Mutant killed: a per-document (not per-object) key set would still pass this; the table's
          // `[{"a":1},{"a":2}…]` row kills that one. This kills "keys never recorded".
          expect(e.offset).toBe(text.indexOf(parts[insertAt]!, `{"outer":{`.length + parts.slice(0, insertAt).join(',').length));
        },
      ),
      { numRuns: 500 },
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
    // Unassigned or format characters at the escape forms' edges: 3 hex digits padded to 4, U+FFFF still \\u.
    ['\u0378\u0600\uffff', '"\\u0378\\u0600\\uffff"'],
  ])('%j → %s', (value, shown) => {
    expect(quoteInput(value)).toBe(shown);
  });

  test('cuts at 64 characters (code points) with the count of the rest', () => {
    expect(quoteInput('x'.repeat(64))).toBe(`"${'x'.repeat(64)}"`);
    expect(quoteInput('x'.repeat(65))).toBe(`"${'x'.repeat(64)}"…(1 more)`);
    expect(quoteInput('😀'.repeat(70))).toBe(`"${'😀'.repeat(64)}"…(6 more)`);
    expect(quoteInput('abcdef', { max: 2 })).toBe('"ab"…(4 more)');
    // U+FFFF is one UTF-16 unit: the rest counts it and the 'y' after it.
    expect(quoteInput(`${'x'.repeat(64)}\uffffy`)).toBe(`"${'x'.repeat(64)}"…(2 more)`);
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
