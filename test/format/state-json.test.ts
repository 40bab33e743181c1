import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { JsonInputError, readU64 } from '../../src/format/json-read.js';
import { StateJsonError, parseU64, savedStateFromJson, savedStateToJson } from '../../src/format/state-json.js';
import { savedState } from './arbitraries.js';

describe('canonical JSON form', () => {
  test('proto names, 0x strings, type names when known and numbers when not', () => {
    const json = savedStateToJson({
      partitionMemory: [
        { range: { start: 0x8000000n, end: 0x8001000n }, vnode: 1, vtlType: 11, igvmType: 3 },
        { range: { start: 0n, end: 2n ** 64n - 1n }, vnode: 0, vtlType: 77, igvmType: 9 },
      ],
      partitionMmio: [{ range: { start: 0xf0000000n, end: 0xf8000000n }, vtlType: 5 }],
      cpusWithMappedInterruptsNoIo: [2],
      cpusWithOutstandingIo: [],
    });
    expect(json).toEqual({
      partition_memory: [
        { range: { start: '0x8000000', end: '0x8001000' }, vnode: 1, vtl_type: 'VTL2_PERSISTED_STATE_HEADER', igvm_type: 'VTL2_PROTECTABLE' },
        { range: { start: '0x0', end: '0xffffffffffffffff' }, vnode: 0, vtl_type: 77, igvm_type: 9 },
      ],
      partition_mmio: [{ range: { start: '0xf0000000', end: '0xf8000000' }, vtl_type: 'VTL0_MMIO' }],
      cpus_with_mapped_interrupts_no_io: [2],
      cpus_with_outstanding_io: [],
    });
  });

  test('JSON → state → JSON is lossless for every value up to 2^64 − 1 (through JSON text)', () => {
    fc.assert(
      fc.property(savedState, (s) => {
        const text = JSON.stringify(savedStateToJson(s));
        const back = savedStateFromJson(JSON.parse(text));
        expect(back).toEqual(s);
        expect(JSON.stringify(savedStateToJson(back))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  test('input takes names or numbers, hex or decimal strings, exact JSON numbers, and defaults', () => {
    const state = savedStateFromJson({
      partition_memory: [
        { range: { start: '4096', end: '0X2000' }, vnode: '0x2', vtl_type: 1, igvm_type: 'MEMORY' },
        { range: { start: 8192, end: ' 0x3000 ' }, vtl_type: 'VTL2_GPA_POOL' },
        {},
      ],
      cpus_with_outstanding_io: [0, '7'],
    });
    expect(state).toEqual({
      partitionMemory: [
        { range: { start: 0x1000n, end: 0x2000n }, vnode: 2, vtlType: 1, igvmType: 0 },
        { range: { start: 0x2000n, end: 0x3000n }, vnode: 0, vtlType: 8, igvmType: 0 },
        { range: { start: 0n, end: 0n }, vnode: 0, vtlType: 0, igvmType: 0 },
      ],
      partitionMmio: [],
      cpusWithMappedInterruptsNoIo: [],
      cpusWithOutstandingIo: [0, 7],
    });
  });
});

describe('bad JSON is a StateJsonError naming the field', () => {
  test.each<[string, unknown, string, string]>([
    ['root not an object', [], 'wrong_type', ''],
    ['misspelt key', { partition_memroy: [] }, 'unknown_field', 'partition_memroy'],
    ['list not an array', { partition_mmio: {} }, 'wrong_type', 'partition_mmio'],
    ['u64 over 2^64 − 1', { partition_memory: [{ range: { start: '0x10000000000000000' } }] }, 'bad_value', 'partition_memory[0].range.start'],
    ['inexact JSON number', { partition_memory: [{ range: { end: 2 ** 60 } }] }, 'bad_value', 'partition_memory[0].range.end'],
    ['negative number', { partition_mmio: [{ range: { start: -4096 } }] }, 'bad_value', 'partition_mmio[0].range.start'],
    ['garbage string', { partition_mmio: [{ range: { start: '12ab' } }] }, 'bad_value', 'partition_mmio[0].range.start'],
    ['unknown type name', { partition_mmio: [{ vtl_type: 'VTL3_MMIO' }] }, 'unknown_name', 'partition_mmio[0].vtl_type'],
    ['IGVM type over u16', { partition_memory: [{ igvm_type: 65536 }] }, 'bad_value', 'partition_memory[0].igvm_type'],
    ['vnode over u32', { partition_memory: [{}, { vnode: '4294967296' }] }, 'bad_value', 'partition_memory[1].vnode'],
    ['CPU id as a boolean', { cpus_with_outstanding_io: [true] }, 'wrong_type', 'cpus_with_outstanding_io[0]'],
    ['entry as null', { partition_memory: [null] }, 'wrong_type', 'partition_memory[0]'],
    // One row per field whose path the error must name (the paths of $schema, field 3's elements
    // and a memory entry's vtl_type survived a mutation run without them).
    ['$schema not a string', { $schema: 5 }, 'wrong_type', '$schema'],
    ['a field 3 CPU id as a string of letters', { cpus_with_mapped_interrupts_no_io: [1, 'x'] }, 'bad_value', 'cpus_with_mapped_interrupts_no_io[1]'],
    ['unknown memory type name', { partition_memory: [{ vtl_type: 'VTL3_RAM' }] }, 'unknown_name', 'partition_memory[0].vtl_type'],
  ])('%s', (_name, input, code, path) => {
    let error: unknown;
    try {
      savedStateFromJson(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateJsonError);
    expect({ code: (error as StateJsonError).code, path: (error as StateJsonError).path }).toEqual({ code, path });
  });

  test('any JSON value either parses or throws StateJsonError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          savedStateFromJson(v);
        } catch (e) {
          expect(e).toBeInstanceOf(StateJsonError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseU64', () => {
  // Short strings take a Number fast path; lengths 14–17 straddle it, so pad to hit both sides.
  const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 56n }));
  test('reads every u64 back from hex (either case, any zero padding) and decimal', () => {
    fc.assert(
      fc.property(u64, fc.nat(6), fc.boolean(), (v, pad, upper) => {
        const digits = '0'.repeat(pad) + v.toString(16);
        expect(parseU64(`0${upper ? 'X' : 'x'}${upper ? digits.toUpperCase() : digits}`, 'p')).toBe(v);
        expect(parseU64('0'.repeat(pad) + v.toString(10), 'p')).toBe(v);
        expect(parseU64(` ${v} `, 'p')).toBe(v);
      }),
    );
  });

  test.each([
    ['0x1fffffffffffff', 2n ** 53n - 1n],
    ['0x20000000000000', 2n ** 53n],
    ['0xffffffffffffffff', 2n ** 64n - 1n],
    ['999999999999999', 999_999_999_999_999n],
    ['9007199254740993', 2n ** 53n + 1n],
  ])('%s', (text, value) => {
    expect(parseU64(text, 'p')).toBe(value);
  });

  test('out of range and malformed strings are typed errors', () => {
    expect(() => parseU64('0x10000000000000000', 'a.b')).toThrow(expect.objectContaining({ code: 'bad_value' }));
    expect(() => parseU64('0x', 'a.b')).toThrow(expect.objectContaining({ code: 'bad_value' }));
    expect(() => parseU64('-1', 'a.b')).toThrow(expect.objectContaining({ code: 'bad_value' }));
  });
});

describe('state JSON reads through the JSON reading kit', () => {
  // Mutant: a private integer reader in state-json.ts (the old `bad_number`/`out_of_range`
  // one, or any other wording) fails the first test; dropping `about('state')` the second.
  const BAD_U64 = '0x10000000000000000';
  const kit = (() => {
    try {
      readU64(BAD_U64, 'x');
    } catch (e) {
      return e as JsonInputError;
    }
    throw new Error('accepted');
  })();

  test('a bad u64 gets the kit code and detail, at the state path', () => {
    expect(() => savedStateFromJson({ partition_mmio: [{ range: { start: BAD_U64 } }] })).toThrow(
      expect.objectContaining({ code: kit.code, detail: kit.detail, path: 'partition_mmio[0].range.start' }),
    );
  });

  test('the root is called "state" in the message, and `_` keys are not comments here', () => {
    expect(() => savedStateFromJson([])).toThrow(expect.objectContaining({ code: 'wrong_type', path: '', message: 'state: expected an object, got an array' }));
    expect(() => savedStateFromJson({ _note: 1 })).toThrow(expect.objectContaining({ code: 'unknown_field', path: '_note' }));
  });
});
