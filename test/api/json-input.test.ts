/**
 * One strict JSON reader for every JSON text the package reads: a scenario file and a state
 * file agree on BOMs, duplicate keys and forbidden keys (issue rows "UTF-8 BOM: simulate accepts
 * it, encode rejects it" and "duplicate JSON keys, `__proto__` keys in scenario JSON: silently
 * accepted"). Mutant killed: a caller that calls `JSON.parse` itself instead of parseJsonText.
 */
import { describe, expect, test } from 'vitest';
import { InputError, JsonTextError, exampleAInputs, parseJsonText, parseScenarioFileText, savedStateFromJson } from '../../src/index.js';

const scenario = (extra: string) => {
  const text = JSON.stringify({ name: 's', ...exampleAInputs(), lifecycle: [{ op: 'boot' }] });
  return `${text.slice(0, -1)}${extra}}`;
};

function inputError(text: string): InputError {
  try {
    parseScenarioFileText(text, 'f.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('parsed');
}

describe('strict JSON input, the same for scenario and state files', () => {
  test('a BOM is accepted by both', () => {
    expect(parseScenarioFileText(`\uFEFF${scenario('')}`)).toHaveLength(1);
    expect(savedStateFromJson(parseJsonText('\uFEFF{"partition_memory":[]}')).partitionMemory).toEqual([]);
  });

  test.each<[string, string, RegExp]>([
    ['a duplicate top-level key', ',"name":"t"', /^f\.json: .*duplicate key "name" at name \(line 1, column \d+\); first at line 1, column 2$/],
    ['a duplicate nested key', ',"_note":{"m":[0,{"vnode":1,"vnode":2}]}', /duplicate key "vnode" at _note\.m\[1\]\.vnode/],
    ['a __proto__ key', ',"__proto__":{}', /key "__proto__" is not allowed, at __proto__/],
    ['a constructor key deep inside', ',"_note":{"a":[{"constructor":1}]}', /key "constructor" is not allowed, at _note\.a\[0\]\.constructor/],
  ])('a scenario with %s is refused before it is read', (_label, extra, message) => {
    const e = inputError(scenario(extra));
    expect(e.code).toBe('bad_json');
    expect(e.message).toMatch(message);
  });

  test.each<[string, string]>([
    ['{"partition_memory":[],"partition_memory":[{}]}', 'duplicate_key'],
    ['{"partition_memory":[{"vnode":1,"vnode":2}]}', 'duplicate_key'],
    ['{"__proto__":{"partition_memory":[{}]}}', 'forbidden_key'],
  ])('the state JSON %s is refused (%s)', (text, code) => {
    expect(() => parseJsonText(text)).toThrow(JsonTextError);
    try {
      parseJsonText(text);
    } catch (e) {
      expect((e as JsonTextError).code).toBe(code);
    }
  });
});
