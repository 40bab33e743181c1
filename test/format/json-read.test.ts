/**
 * The JSON reading kit (src/format/json-read.ts), reader by reader: what each accepts, and for
 * each rejection its code and path. The state JSON, the boot inputs and the scenario parser are
 * checked to go through it in their own test files (state-json, inputs, scenario-file).
 * Mutants killed, where a row alone does not say: see the comments on the rows.
 */
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/boot/inputs.js';
import { Vtl2PersistError } from '../../src/errors.js';
import {
  ALLOW_COMMENTS,
  JsonInputError,
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
  readObject,
  readOpenEnum,
  readString,
  readU16,
  readU32,
  readU64,
  uintFromText,
  type OpenEnum,
} from '../../src/format/json-read.js';
import { StateJsonError } from '../../src/format/state-json.js';
import { igvmTypeFromName } from '../../src/memory/vtl-type.js';

/** The JsonInputError `fn` throws, as the fields a caller switches on. */
function refusal(fn: () => unknown): { code: string; path: string; detail: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(JsonInputError);
    const { code, path, detail, message } = e as JsonInputError;
    return { code, path, detail, message };
  }
  throw new Error('accepted');
}

const U64_MAX = (1n << 64n) - 1n;

describe('readU64', () => {
  test.each<[string, unknown, bigint]>([
    ['0', 0, 0n],
    ['a safe JSON number', 4096, 4096n],
    ['the largest safe JSON number', Number.MAX_SAFE_INTEGER, 2n ** 53n - 1n],
    ['-0 (JSON text "-0")', -0, 0n],
    ['lower-case hex', '0x8d6c000', 0x8d6c000n],
    ['upper-case hex and prefix', '0X1F', 0x1fn],
    ['decimal', '4096', 4096n],
    // Mutant: no trim → rejected.
    ['a leading space', ' 1', 1n],
    ['surrounding whitespace and tabs', '\t0x10 ', 16n],
    ['2^64 − 1 in hex', '0xffffffffffffffff', U64_MAX],
    ['2^64 − 1 in decimal', '18446744073709551615', U64_MAX],
    // Past the 15-character Number fast path: mutant `s.length <= 17` loses the low bit here.
    ['2^53 + 1 in decimal (BigInt path)', '9007199254740993', 2n ** 53n + 1n],
    ['15 decimal digits (Number path)', '999999999999999', 999_999_999_999_999n],
    // Mutant: no leading-zero skip in the length guard → "too big".
    ['30 leading zeros', `${'0'.repeat(30)}1`, 1n],
    ['hex with 20 leading zeros', `0x${'0'.repeat(20)}ffffffffffffffff`, U64_MAX],
  ])('accepts %s', (_label, value, want) => {
    expect(readU64(value, 'p')).toBe(want);
  });

  test.each<[string, unknown, string, RegExp]>([
    ['2^64 in decimal', '18446744073709551616', 'bad_value', /^"18446744073709551616" does not fit a u64 \(0\.\.0xffffffffffffffff\)$/],
    ['2^64 in hex', '0x10000000000000000', 'bad_value', /does not fit a u64/],
    // Mutant: drop `v < 0n` → -1n returned.
    ['-1 as a number', -1, 'bad_value', /^-1 does not fit a u64/],
    ['-1 as a string', '-1', 'bad_value', /^"-1" is not a decimal or 0x-hex integer$/],
    ['1e300', 1e300, 'bad_value', /^1e\+300 is not an exact integer; write large values as strings/],
    // A 10^7-digit JSON number parses to Infinity; the message says so instead of "Infinity is not an integer".
    ['Infinity (a number past 1.8e308)', Infinity, 'bad_value', /^a number too large for JSON to hold \(it reads as Infinity\); write large values as strings/],
    // Mutant: Number.isInteger for Number.isSafeInteger → 2^53 accepted (and 2^53 + 1 would round).
    ['2^53, not exact as a JSON number', 2 ** 53, 'bad_value', /not an exact integer/],
    ['a fraction', 1.5, 'bad_value', /^1\.5 is not an integer$/],
    ['"1e300"', '1e300', 'bad_value', /not a decimal or 0x-hex integer/],
    ['"0x" with no digits', '0x', 'bad_value', /not a decimal or 0x-hex integer/],
    ['the empty string', '', 'bad_value', /not a decimal/],
    ['only spaces', '   ', 'bad_value', /not a decimal/],
    ['a plus sign', '+1', 'bad_value', /not a decimal/],
    ['a separator', '1_000', 'bad_value', /not a decimal/],
    ['hex digits without 0x', 'ff', 'bad_value', /not a decimal/],
    ['a boolean', true, 'wrong_type', /^expected an integer or a string, got a boolean$/],
    ['null', null, 'wrong_type', /got null$/],
    ['an object', {}, 'wrong_type', /got an object$/],
    ['an array', [1], 'wrong_type', /got an array$/],
    ['a bigint (JavaScript callers)', 1n, 'wrong_type', /got a bigint$/],
    ['undefined (absent)', undefined, 'missing_field', /^required field is missing$/],
  ])('refuses %s', (_label, value, code, detail) => {
    const r = refusal(() => readU64(value, 'a.b[2]'));
    expect({ code: r.code, path: r.path }).toEqual({ code, path: 'a.b[2]' });
    expect(r.detail).toMatch(detail);
    expect(r.message).toBe(`a.b[2]: ${r.detail}`);
  });

  test('a million-digit string is out of range, quoted at most 64 characters', () => {
    const r = refusal(() => readU64('9'.repeat(1_000_000), 'p'));
    expect(r.code).toBe('bad_value');
    expect(r.detail).toBe(`"${'9'.repeat(64)}"…(999936 more) does not fit a u64 (0..0xffffffffffffffff)`);
  });

  test('uintFromText saturates at 2^64 and refuses signs and whitespace', () => {
    expect(uintFromText('0x10000000000000000')).toBe(1n << 64n);
    expect(uintFromText('9'.repeat(30))).toBe(1n << 64n);
    // Mutant: no saturation on the BigInt path → 2^65 comes back as itself.
    expect(uintFromText('36893488147419103232')).toBe(1n << 64n);
    expect(uintFromText(' 1')).toBeUndefined();
    expect(uintFromText('-1')).toBeUndefined();
  });
});

describe('readU32 and readU16', () => {
  test.each<[string, () => number, number]>([
    ['u32 max', () => readU32(0xffff_ffff, 'p'), 0xffff_ffff],
    ['u32 from hex', () => readU32('0xffffffff', 'p'), 0xffff_ffff],
    ['u16 max', () => readU16('65535', 'p'), 65535],
  ])('accepts %s', (_label, read, want) => {
    expect(read()).toBe(want);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['u32 2^32', () => readU32(2 ** 32, 'p'), /^4294967296 does not fit a u32 \(0\.\.0xffffffff\)$/],
    ['u32 2^32 as a string', () => readU32('4294967296', 'p'), /^"4294967296" does not fit a u32/],
    ['u16 2^16', () => readU16(65536, 'p'), /^65536 does not fit a u16 \(0\.\.0xffff\)$/],
  ])('refuses %s', (_label, read, detail) => {
    const r = refusal(read);
    expect(r.code).toBe('bad_value');
    expect(r.detail).toMatch(detail);
  });
});

describe('objects, fields and lists', () => {
  test('readObject: allowed keys, no keys, and `_` comments only when the format allows them', () => {
    expect(readObject({ a: 1 }, 'p', ['a', 'b'])).toEqual({ a: 1 });
    expect(readObject({}, 'p', ['a'])).toEqual({});
    expect(readObject({ a: 1, _note: 'x' }, 'p', ['a'], ALLOW_COMMENTS)).toEqual({ a: 1, _note: 'x' });
  });

  test.each<[string, () => unknown, string, string, RegExp]>([
    ['null', () => readObject(null, 'p', ['a']), 'wrong_type', 'p', /^expected an object, got null$/],
    ['an array', () => readObject([], 'p', ['a']), 'wrong_type', 'p', /got an array$/],
    ['a string', () => readAnyObject('x', 'p'), 'wrong_type', 'p', /got a string$/],
    ['a stray key', () => readObject({ a: 1, c: 2 }, 'p', ['a', 'b']), 'unknown_field', 'p.c', /^unknown field \(expected one of a, b\)$/],
    // Mutant: comments always allowed → accepted.
    ['a `_` key where comments are not allowed', () => readObject({ _c: 1 }, 'p', ['a']), 'unknown_field', 'p._c', /expected one of a\)$/],
    ['a stray key with comments allowed', () => readObject({ x: 1 }, 'p', ['a'], ALLOW_COMMENTS), 'unknown_field', 'p.x', /keys starting with "_" are comments\)$/],
    ['a stray key at the root', () => readObject({ b: 1 }, '', ['a']), 'unknown_field', 'b', /unknown field/],
    ['a key that is not an identifier', () => readObject({ 'a b': 1 }, 'p', ['a']), 'unknown_field', 'p["a b"]', /unknown field/],
    ['a missing required key', () => need({ a: 1 }, 'b', 'p'), 'missing_field', 'p.b', /^required field is missing$/],
    ['a list that is not an array', () => readList({}, 'p', readU32), 'wrong_type', 'p', /^expected an array, got an object$/],
    ['a bad list element', () => readList([1, 'x'], 'p', readU32), 'bad_value', 'p[1]', /"x" is not a decimal/],
  ])('refuses %s', (_label, fn, code, path, detail) => {
    const r = refusal(fn);
    expect({ code: r.code, path: r.path }).toEqual({ code, path });
    expect(r.detail).toMatch(detail);
  });

  test('a hostile key is escaped and cut in the path', () => {
    const key = `\u001b[2J${'k'.repeat(200)}`;
    const r = refusal(() => readObject({ [key]: 1 }, 'p', ['a']));
    expect(r.path).toBe(`p["\\x1b[2J${'k'.repeat(60)}"…(140 more)]`);
    expect(r.message).not.toMatch(/[\u0000-\u001f]/);
  });

  test('field reads own keys only, and an undefined value is absent', () => {
    expect(field({ a: 0 }, 'a')).toBe(0);
    expect(field({}, 'constructor')).toBeUndefined();
    expect(field(Object.create({ a: 1 }) as Record<string, unknown>, 'a')).toBeUndefined();
    expect(() => need({ a: undefined }, 'a', '')).toThrow(expect.objectContaining({ code: 'missing_field', path: 'a' }));
  });

  test('readList reads each element with its index path', () => {
    expect(readList(['1', 2], 'cpus', readU32)).toEqual([1, 2]);
    const paths: string[] = [];
    readList([0, 0], 'x.y', (_v, p) => paths.push(p));
    expect(paths).toEqual(['x.y[0]', 'x.y[1]']);
  });

  test.each<[string, string, string, string]>([
    ['', 'a', 'a', 'the root has no dot'],
    ['p', 'a', 'p.a', 'a nested key'],
    ['p', '$schema', 'p.$schema', '$ is an identifier character'],
    ['p', 'a b', 'p["a b"]', 'a space is quoted'],
    ['', '1', '["1"]', 'a leading digit is quoted, at the root too'],
  ])('joinPath(%j, %j) is %j (%s)', (path, key, want) => {
    expect(joinPath(path, key)).toBe(want);
  });

  test('indexPath and kindOf', () => {
    expect(indexPath('', 3)).toBe('[3]');
    expect(indexPath('a', 0)).toBe('a[0]');
    expect([null, undefined, [], {}, 'x', 1, true].map(kindOf)).toEqual(['null', 'undefined', 'an array', 'an object', 'a string', 'a number', 'a boolean']);
  });
});

describe('scalars and names', () => {
  test('readBool and readString take only their own type', () => {
    expect(readBool(false, 'p')).toBe(false);
    expect(readString('', 'p')).toBe('');
    expect(refusal(() => readBool('true', 'p'))).toMatchObject({ code: 'wrong_type', detail: 'expected true or false, got a string' });
    expect(refusal(() => readBool(0, 'p'))).toMatchObject({ code: 'wrong_type' });
    expect(refusal(() => readString(1, 'p'))).toMatchObject({ code: 'wrong_type', detail: 'expected a string, got a number' });
  });

  test('readName: exact spelling from a closed set', () => {
    expect(readName('Snp', 'p', ['None', 'Snp'])).toBe('Snp');
    expect(refusal(() => readName('snp', 'p', ['None', 'Snp']))).toMatchObject({ code: 'unknown_name', detail: 'unknown name "snp" (expected one of None, Snp)' });
    expect(refusal(() => readName(1, 'p', ['None']))).toMatchObject({ code: 'wrong_type' });
  });

  test('a quoted value is cut after 64 characters and escaped (the ~60-character cap)', () => {
    const r = refusal(() => readName(`\u0007${'x'.repeat(999)}`, 'p', ['a']));
    expect(r.detail).toBe(`unknown name "\\x07${'x'.repeat(63)}"…(936 more) (expected one of a)`);
    expect(r.message).not.toContain('x'.repeat(64));
  });

  const IGVM: OpenEnum = { fromName: igvmTypeFromName, bits: 16, noun: 'IGVM memory type', expected: 'MEMORY or a number' };
  test.each<[unknown, number]>([
    ['MEMORY', 0],
    [' VTL2_PROTECTABLE ', 3],
    ['3', 3],
    [' 0x10 ', 16],
    [65535, 65535],
  ])('readOpenEnum(%j) is %d', (value, want) => {
    expect(readOpenEnum(value, 'p', IGVM)).toBe(want);
  });

  test.each<[unknown, string, string]>([
    ['RAM', 'unknown_name', 'unknown IGVM memory type "RAM" (expected MEMORY or a number)'],
    [65536, 'bad_value', '65536 does not fit a u16 (0..0xffff)'],
    ['0x10000', 'bad_value', '"0x10000" does not fit a u16 (0..0xffff)'],
    [true, 'wrong_type', 'expected an integer or a string, got a boolean'],
  ])('readOpenEnum(%j) is refused', (value, code, detail) => {
    expect(refusal(() => readOpenEnum(value, 'p', IGVM))).toMatchObject({ code, path: 'p', detail });
  });
});

describe('JsonInputError', () => {
  test('message forms: path, root subject, file', () => {
    expect(new JsonInputError('bad_value', 'a.b', 'why').message).toBe('a.b: why');
    expect(new JsonInputError('wrong_type', '', 'why').message).toBe('input: why');
    expect(new JsonInputError('wrong_type', '', 'why').about('state').message).toBe('state: why');
    const e = new JsonInputError('missing_field', 'x', 'why').inFile('f.json');
    expect(e).toMatchObject({ code: 'missing_field', path: 'x', detail: 'why', file: 'f.json', message: 'f.json: x: why' });
    expect(e.inFile(undefined)).toBe(e);
  });

  test('InputError and StateJsonError are the same class, a Vtl2PersistError', () => {
    expect(InputError).toBe(JsonInputError);
    expect(StateJsonError).toBe(JsonInputError);
    expect(new JsonInputError('bad_value', 'p', 'd')).toBeInstanceOf(Vtl2PersistError);
  });

  test('parseJsonInput: text that is not JSON is bad_json at the root, located', () => {
    expect(parseJsonInput('{"a": 1}')).toEqual({ a: 1 });
    const r = refusal(() => parseJsonInput('{\n  "a": 1,\n}', 'f.json'));
    expect(r).toMatchObject({ code: 'bad_json', path: '' });
    expect(r.message).toMatch(/^f\.json: input: not valid JSON at line 3, column 1: /);
  });
});
