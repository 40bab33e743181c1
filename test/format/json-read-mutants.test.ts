/**
 * json-read's survivors of the 2026-12-03 mutation run, each killed by the test that names it:
 * a non-JSON failure passed through, an open enum without a list of names, `about()` keeping an
 * error that needs no change, and `uintFromText`'s two shortcuts (a long number saturates before
 * BigInt reads it; a short one is read as a double), observed through the BigInt calls.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ArgumentError } from '../../src/errors.js';
import { JsonInputError, parseJsonInput, readOpenEnum, uintFromText } from '../../src/format/json-read.js';

afterEach(() => vi.restoreAllMocks());

test('parseJsonInput passes a failure that is not a JsonTextError through as itself', () => {
  // Mutant: `!(e instanceof JsonTextError)` → false would report the parser's argument error
  // (a caller's bug, not bad JSON) as bad_json.
  expect(() => parseJsonInput(5 as unknown as string)).toThrow(ArgumentError);
  expect(() => parseJsonInput('{')).toThrow(JsonInputError);
});

test('an open enum without a list of names says only that the name is unknown', () => {
  // Mutants: `e.expected === undefined` → false ("(expected undefined)"), and the '' replaced.
  const e = { fromName: () => undefined, bits: 16 as const, noun: 'colour' };
  expect(() => readOpenEnum('mauve', 'paint', e)).toThrow(/^paint: unknown colour "mauve"$/);
  expect(() => readOpenEnum('mauve', 'paint', { ...e, expected: 'RED or a number' })).toThrow(/^paint: unknown colour "mauve" \(expected RED or a number\)$/);
});

test('about() returns the same error when the subject does not change', () => {
  // Mutant: `subject === this.subject` → false builds a copy.
  // The subject names the root, so the error is one at the root.
  const e = new JsonInputError('wrong_type', '', 'expected an object, got a number', undefined, 'state');
  expect(e.about('state')).toBe(e);
  expect(e.message).toBe('state: expected an object, got a number');
  expect(e.about('scenario').message).toBe('scenario: expected an object, got a number');
});

describe('uintFromText reads BigInt only where it must', () => {
  const calls = () => {
    const spy = vi.spyOn(globalThis, 'BigInt');
    return () => spy.mock.calls.map(([a]) => (typeof a === 'string' ? `string(${a.length})` : typeof a));
  };

  test('more significant digits than a u64 has: 2^64 without BigInt reading them', () => {
    // Mutants: the leading-zero loop's `&&` → `||` or its digit test → true (all but one digit
    // counted as leading zeros), or the length test → false, each parse the whole string.
    for (const s of ['1' + '0'.repeat(30), '0x1' + '0'.repeat(16), '0x' + '0'.repeat(3) + 'f'.repeat(17)]) {
      const seen = calls();
      expect(uintFromText(s)).toBe(1n << 64n);
      expect(seen(), s).toEqual([]);
      vi.restoreAllMocks();
    }
  });

  test('leading zeros do not count as digits', () => {
    const seen = calls();
    expect(uintFromText('0'.repeat(40) + '12345')).toBe(12345n);
    expect(seen()).toEqual(['string(45)']);
  });

  test('up to 15 characters are read as a double, longer ones as a string', () => {
    // Mutants: `s.length <= 15` → false or `< 15` read the 15-character one as a string.
    const seen = calls();
    expect(uintFromText('123456789012345')).toBe(123456789012345n);
    expect(uintFromText('0x1234567890abc')).toBe(0x1234567890abcn);
    expect(uintFromText('1234567890123456')).toBe(1234567890123456n);
    expect(seen()).toEqual(['number', 'number', 'string(16)']);
  });
});
