/**
 * The per-version writers' and readers' argument errors, written for mutation testing
 * (`npm run mutate`): schema-versions.test.ts pins the bytes and the decode outcomes, these pin
 * what a caller is told for a bad argument and that only the v2 field 3 is renamed. Each test
 * names the src/format/schema-versions.ts mutants it kills.
 */
import { describe, expect, test } from 'vitest';
import { ArgumentError } from '../../src/errors.js';
import { DecodeError, EncodeError } from '../../src/format/codec-error.js';
import { decodeSavedStateV, encodeSavedStateV, type SavedStateV2 } from '../../src/format/schema-versions.js';

const refusal = (f: () => unknown): { name: string; code: string; path?: string; message: string } => {
  try {
    f();
  } catch (e) {
    if (e instanceof EncodeError) return { name: 'EncodeError', code: e.code, path: e.path, message: e.message };
    if (e instanceof Error && 'code' in e) return { name: e.constructor.name, code: String(e.code), message: e.message };
    throw e;
  }
  throw new Error('accepted');
};

const V2: SavedStateV2 = { partitionMemory: [], partitionMmio: [], cpusWithMappedInterrupts: [] };

describe('encodeSavedStateV', () => {
  // Mutants: the state guard `state === null || typeof state !== 'object'` (→ false, `&&`, each
  // half → false; a null state would reach `s.partitionMemory`, a number the v3 list check)
  // and its code, path and message strings.
  test.each([1, 2, 3] as const)('v%i: a null or non-object state is the state error, before any field', (version) => {
    const want = { name: 'EncodeError', code: 'missing_field', path: 'state', message: 'state: expected a SavedState object' };
    expect(refusal(() => encodeSavedStateV(version, null as never))).toEqual(want);
    expect(refusal(() => encodeSavedStateV(version, 7 as never))).toEqual(want);
  });

  // Mutant: the v2 list check's code 'missing_field' emptied.
  test('v2: a field 3 that is not an array is refused under its v2 name', () => {
    expect(refusal(() => encodeSavedStateV(2, { ...V2, cpusWithMappedInterrupts: 'x' as never }))).toEqual({
      name: 'EncodeError',
      code: 'missing_field',
      path: 'cpus_with_mapped_interrupts',
      message: 'cpus_with_mapped_interrupts: expected an array',
    });
  });

  // Mutants: the rename test `e instanceof EncodeError && e.path.startsWith(V3_FIELD3)` → true
  // and → `||`: an error in fields 1-2 would be "renamed" too.
  test('v2: an error outside field 3 keeps its path and message', () => {
    const state = { ...V2, partitionMemory: [{ range: { start: 0n, end: 0n }, vnode: -1, vtlType: 0, igvmType: 0 }] };
    expect(refusal(() => encodeSavedStateV(2, state))).toEqual({
      name: 'EncodeError',
      code: 'value_out_of_range',
      path: 'partition_memory[0].vnode',
      message: 'partition_memory[0].vnode: -1 is not a u32 (0..4294967295)',
    });
  });

  // Mutant: the expected-version text emptied.
  test('an unknown version is an ArgumentError saying which versions exist', () => {
    expect(() => encodeSavedStateV(4 as never, V2 as never)).toThrow(expect.objectContaining({ argument: 'encodeSavedStateV(version)', expected: 'a schema version (1, 2 or 3)' }));
    expect(() => encodeSavedStateV(4 as never, V2 as never)).toThrow(ArgumentError);
  });
});

describe('decodeSavedStateV', () => {
  // Mutant: the expected-version text emptied.
  test('an unknown version is an ArgumentError saying which versions exist', () => {
    expect(() => decodeSavedStateV(0 as never, new Uint8Array())).toThrow(expect.objectContaining({ argument: 'decodeSavedStateV(version)', expected: 'a schema version (1, 2 or 3)' }));
  });

  // Mutant: the `instanceof Uint8Array` guard → false: the top-level scan would then read
  // `null.length` (a TypeError) or index an array of numbers as bytes.
  test.each([
    ['null', null],
    ['an array of byte values', [0x18, 0x03]],
  ])('v1: %s is a not_bytes DecodeError', (_name, input) => {
    expect(() => decodeSavedStateV(1, input as never)).toThrow(DecodeError);
    expect(() => decodeSavedStateV(1, input as never)).toThrow(expect.objectContaining({ code: 'not_bytes', offset: 0 }));
  });
});

describe('a reader that does not declare fields 3 and 4', () => {
  // Field 3 as a fixed32 (`1d` + 4 bytes, which the v3 decoder rejects) and field 4 packed
  // [1]: v1 declares neither, so both are hidden from the decoder and skipped as unknown.
  const payload = () => Uint8Array.from([0x1d, 1, 2, 3, 4, 0x22, 0x01, 0x01]);

  // Mutant: copying the input again before each hidden key (`input === bytes` → true) undoes
  // the hiding of field 3 when field 4 is hidden, and the decode fails.
  test('hides every undeclared field, not only the last', () => {
    expect(decodeSavedStateV(1, payload())).toEqual({
      version: 1,
      partitionMemory: [],
      partitionMmio: [],
      ignored: [
        { field: 3, occurrences: 1, bytes: 5 },
        { field: 4, occurrences: 1, bytes: 3 },
      ],
    });
  });

  // Mutant: never copying (`input === bytes` → false) hides the keys in the caller's buffer.
  test("leaves the caller's bytes as they were", () => {
    const bytes = payload();
    decodeSavedStateV(1, bytes);
    expect(bytes).toEqual(payload());
  });
});
