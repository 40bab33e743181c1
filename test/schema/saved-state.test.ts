import { describe, expect, test } from 'vitest';
import { StateJsonError, savedStateFromJson, savedStateToJson } from '../../src/format/state-json.js';
import { loadMeshVectors } from '../support/vectors.js';
import { errorText, validateSavedState } from './validators.js';

// schema/saved-state.schema.json against savedStateFromJson (the reader `vtl2-persist encode`
// uses): every state the wire vectors carry validates, both canonical and as the vectors write
// it (types as numbers); both reject the same bad files; both accept a top-level "$schema".

const states = loadMeshVectors().flatMap((v) => ('state' in v ? [v.state] : []));

describe('SavedState JSON', () => {
  test('every wire-vector state validates, as written and in canonical form', () => {
    expect(states.length).toBeGreaterThan(10);
    for (const s of states) {
      expect(validateSavedState(s), errorText(validateSavedState.errors)).toBe(true);
      const canonical = savedStateToJson(savedStateFromJson(s));
      expect(validateSavedState(canonical), errorText(validateSavedState.errors)).toBe(true);
    }
  });

  test('a top-level "$schema" string is accepted by both and changes nothing', () => {
    const file = { $schema: '../../schema/saved-state.schema.json', cpus_with_outstanding_io: [1] };
    expect(validateSavedState(file)).toBe(true);
    expect(savedStateFromJson(file)).toEqual(savedStateFromJson({ cpus_with_outstanding_io: [1] }));
  });

  const INVALID: [string, unknown, string][] = [
    ['$schema a number', { $schema: 1 }, 'wrong_type'],
    ['an unknown top-level key', { partition_memroy: [] }, 'unknown_field'],
    ['"_" comments (not allowed in state files)', { _c: 1 }, 'unknown_field'],
    ['a u64 past 2^64', { partition_mmio: [{ range: { start: '0x10000000000000000' } }] }, 'bad_value'],
    ['bad hex', { partition_mmio: [{ range: { end: '0xg' } }] }, 'bad_value'],
    ['an unknown vtl_type name', { partition_mmio: [{ vtl_type: 'VTL3' }] }, 'unknown_name'],
    ['igvm_type past u16', { partition_memory: [{ igvm_type: 65536 }] }, 'bad_value'],
    ['a CPU that is not a number', { cpus_with_outstanding_io: [true] }, 'wrong_type'],
    ['a stray key in an entry', { partition_memory: [{ vnod: 1 }] }, 'unknown_field'],
    ['the root an array', [], 'wrong_type'],
  ];
  test.each(INVALID)('both reject %s', (_what, file, code) => {
    expect(validateSavedState(file)).toBe(false);
    let caught: unknown;
    try {
      savedStateFromJson(file);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StateJsonError);
    expect((caught as StateJsonError).code).toBe(code);
  });
});
