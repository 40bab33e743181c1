import { describe, expect, test } from 'vitest';
import { EncodeError } from '../../src/format/codec-error.js';
import { encodeSavedState } from '../../src/format/encode.js';
import type { SavedState } from '../../src/format/saved-state.js';
import { emptySavedState } from '../../src/format/saved-state.js';

// The encoder rules of docs/format.md ("How the real encoder differs"), one row each.
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const state = (patch: Partial<SavedState>): SavedState => ({ ...emptySavedState(), ...patch });
const entry = (patch: Partial<SavedState['partitionMemory'][number]> = {}) => ({
  range: { start: 0n, end: 0n },
  vnode: 0,
  vtlType: 0,
  igvmType: 0,
  ...patch,
});
const mmio = (start: bigint, end: bigint, vtlType: number) => ({ range: { start, end }, vtlType });

/** The 78-byte example of docs/format.md (the real encoder's bytes). */
const EXAMPLE = state({
  partitionMemory: [
    entry({ range: { start: 0x0n, end: 0x1000n }, vnode: 0, vtlType: 11, igvmType: 3 }),
    entry({ range: { start: 0x1000n, end: 0x20000n }, vnode: 1, vtlType: 12, igvmType: 3 }),
  ],
  partitionMmio: [mmio(0xf0000000n, 0xf8000000n, 5), mmio(0xfc0000000n, 0x1000000000n, 6)],
});
const EXAMPLE_HEX =
  '0a0d0a031080201a02080b220208030a130a070880201080800810011a02080c2202080312120a0c08808080800f10808080c00f1202080512140a0e0880808080fc011080808080800212020806';

describe('encodeSavedState writes what mesh_protobuf writes', () => {
  test.each([
    ['the reference example (78 bytes)', EXAMPLE, EXAMPLE_HEX],
    ['the reference example plus both CPU lists', { ...EXAMPLE, cpusWithMappedInterruptsNoIo: [1, 300], cpusWithOutstandingIo: [0] }, `${EXAMPLE_HEX}1a0301ac02220100`],
    ['an empty state is zero bytes', state({}), ''],
    ['an all-default memory entry is still written', state({ partitionMemory: [entry()] }), '0a00'],
    ['an all-default mmio entry is still written', state({ partitionMmio: [mmio(0n, 0n, 0)] }), '1200'],
    ['VTL0 vtl_type, igvm 0 and range 0..0 vanish', state({ partitionMemory: [entry({ vnode: 2 })] }), '0a021002'],
    ['range with only an end omits start', state({ partitionMemory: [entry({ range: { start: 0n, end: 0x1000n } })] }), '0a050a03108020'],
    ['zeros inside a packed list are written', state({ cpusWithOutstandingIo: [0, 0] }), '22020000'],
    ['u64 max takes ten bytes', state({ partitionMmio: [mmio(2n ** 64n - 1n, 0n, 0)] }), '120d0a0b08ffffffffffffffffff01'],
    ['2^64 - 4096', state({ partitionMmio: [mmio(2n ** 64n - 4096n, 0n, 0)] }), '120d0a0b0880e0ffffffffffffff01'],
    ['u32 max CPU id', state({ cpusWithMappedInterruptsNoIo: [2 ** 32 - 1] }), '1a05ffffffff0f'],
    ['memory before mmio before CPU lists, whatever the object key order', { cpusWithOutstandingIo: [1], partitionMmio: [mmio(0n, 0n, 5)], cpusWithMappedInterruptsNoIo: [2], partitionMemory: [entry()] }, '0a00 1204 12020805 1a0102 220101'.replace(/ /g, '')],
  ])('%s', (_name, input, want) => {
    expect(toHex(encodeSavedState(input))).toBe(want);
  });
});

describe('values no writer could hold are refused with the field path', () => {
  test.each<[string, SavedState, string, string]>([
    ['negative start', state({ partitionMemory: [entry({ range: { start: -1n, end: 0n } })] }), 'value_out_of_range', 'partition_memory[0].range.start'],
    ['2^64 end', state({ partitionMmio: [mmio(0n, 2n ** 64n, 5)] }), 'value_out_of_range', 'partition_mmio[0].range.end'],
    ['vnode 2^32', state({ partitionMemory: [entry(), entry({ vnode: 2 ** 32 })] }), 'value_out_of_range', 'partition_memory[1].vnode'],
    ['igvm_type 2^16', state({ partitionMemory: [entry({ igvmType: 0x10000 })] }), 'value_out_of_range', 'partition_memory[0].igvm_type'],
    ['fractional CPU id', state({ cpusWithOutstandingIo: [1, 2.5] }), 'not_an_integer', 'cpus_with_outstanding_io[1]'],
    ['number where a bigint belongs', state({ partitionMemory: [entry({ range: { start: 4096 as unknown as bigint, end: 0n } })] }), 'not_an_integer', 'partition_memory[0].range.start'],
    ['list that is not an array', { ...state({}), partitionMmio: null as unknown as [] }, 'missing_field', 'partition_mmio'],
  ])('%s', (_name, input, code, path) => {
    let error: unknown;
    try {
      encodeSavedState(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EncodeError);
    expect({ code: (error as EncodeError).code, path: (error as EncodeError).path }).toEqual({ code, path });
  });
});
