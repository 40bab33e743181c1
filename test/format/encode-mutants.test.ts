/**
 * encodeSavedState's refusals word for word, and its varint sizes at every length boundary,
 * written for mutation testing (`npm run mutate`): encode-rules.test.ts pins the code and path
 * of a refusal, these pin the whole message (what a caller reads) and the guard that produces
 * it. Each group names the src/format/encode.ts mutants it kills.
 */
import { describe, expect, test } from 'vitest';
import { EncodeError } from '../../src/format/codec-error.js';
import { decodeSavedState } from '../../src/format/decode.js';
import { encodeSavedState } from '../../src/format/encode.js';
import type { SavedState } from '../../src/format/saved-state.js';
import { emptySavedState } from '../../src/format/saved-state.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const state = (patch: Partial<SavedState>): SavedState => ({ ...emptySavedState(), ...patch });
const entry = (patch: Record<string, unknown> = {}) => ({ range: { start: 0n, end: 0n }, vnode: 0, vtlType: 0, igvmType: 0, ...patch });
const mmio = (patch: Record<string, unknown> = {}) => ({ range: { start: 0n, end: 0n }, vtlType: 0, ...patch });
const loose = (s: unknown) => s as SavedState;

function refusal(input: SavedState): { code: string; path: string; message: string } {
  try {
    encodeSavedState(input);
  } catch (e) {
    if (e instanceof EncodeError) return { code: e.code, path: e.path, message: e.message };
    throw e;
  }
  throw new Error('encodeSavedState accepted it');
}

describe('every refusal is an EncodeError whose message names the path and says why', () => {
  test.each<[string, SavedState, string, string, string]>([
    // Mutant: the state message emptied.
    ['a null state', loose(null), 'missing_field', 'state', 'state: expected a SavedState object'],
    // Mutant: `typeof state !== 'object'` → false (only null caught): a number reaches the list
    // check and is refused as 'partition_memory: expected an array'.
    ['a number as state', loose(42), 'missing_field', 'state', 'state: expected a SavedState object'],
    // Mutant: 'expected an array' emptied.
    ['a list that is not an array', loose({ ...emptySavedState(), partitionMemory: undefined }), 'missing_field', 'partition_memory', 'partition_memory: expected an array'],
    // Mutants: the element guard `e === null || typeof e !== 'object'`, as a whole (→ false,
    // `&&`) and each half (→ false): a null element would reach `e.range` (a TypeError), a
    // number element the range check (a different path).
    ['a null memory entry', state({ partitionMemory: [null as never] }), 'missing_field', 'partition_memory[0]', 'partition_memory[0]: expected a MemoryEntry object'],
    ['a number as memory entry', state({ partitionMemory: [entry(), 7 as never] }), 'missing_field', 'partition_memory[1]', 'partition_memory[1]: expected a MemoryEntry object'],
    ['a null mmio entry', state({ partitionMmio: [null as never] }), 'missing_field', 'partition_mmio[0]', 'partition_mmio[0]: expected an MmioEntry object'],
    ['a string as mmio entry', state({ partitionMmio: ['x' as never] }), 'missing_field', 'partition_mmio[0]', 'partition_mmio[0]: expected an MmioEntry object'],
    // Mutants: the range guard, the same four ways.
    ['a null range', state({ partitionMemory: [entry({ range: null }) as never] }), 'missing_field', 'partition_memory[0].range', 'partition_memory[0].range: a range needs start and end'],
    ['a number as range', state({ partitionMmio: [mmio({ range: 4096 }) as never] }), 'missing_field', 'partition_mmio[0].range', 'partition_mmio[0].range: a range needs start and end'],
    // Mutants: the u64 messages emptied; describe() (its body, and each of its type tests).
    ['a number as start', state({ partitionMemory: [entry({ range: { start: 4096, end: 0n } }) as never] }), 'not_an_integer', 'partition_memory[0].range.start', 'partition_memory[0].range.start: expected a bigint u64, got 4096'],
    ['a string as end', state({ partitionMmio: [mmio({ range: { start: 0n, end: '4096' } }) as never] }), 'not_an_integer', 'partition_mmio[0].range.end', 'partition_mmio[0].range.end: expected a bigint u64, got "4096"'],
    ['2^64 as end', state({ partitionMmio: [mmio({ range: { start: 0n, end: 2n ** 64n } }) as never] }), 'value_out_of_range', 'partition_mmio[0].range.end', 'partition_mmio[0].range.end: 18446744073709551616 is not a u64 (0..2^64-1)'],
    // Mutants: the list and field names of the vtl_type checks emptied.
    ['a memory vtl_type of 2^32', state({ partitionMemory: [entry({ vtlType: 2 ** 32 }) as never] }), 'value_out_of_range', 'partition_memory[0].vtl_type', 'partition_memory[0].vtl_type: 4294967296 is not a u32 (0..4294967295)'],
    ['an mmio vtl_type of -1', state({ partitionMmio: [mmio({ vtlType: -1 }) as never] }), 'value_out_of_range', 'partition_mmio[0].vtl_type', 'partition_mmio[0].vtl_type: -1 is not a u32 (0..4294967295)'],
    // Mutants: `max === U16_MAX ? 'u16' : 'u32'` (→ false, 'u16' emptied); the integer message.
    ['an igvm_type of 2^16', state({ partitionMemory: [entry({ igvmType: 0x1_0000 }) as never] }), 'value_out_of_range', 'partition_memory[0].igvm_type', 'partition_memory[0].igvm_type: 65536 is not a u16 (0..65535)'],
    ['a string igvm_type', state({ partitionMemory: [entry({ igvmType: '3' }) as never] }), 'not_an_integer', 'partition_memory[0].igvm_type', 'partition_memory[0].igvm_type: expected an integer u16, got "3"'],
    ['a bigint vnode', state({ partitionMemory: [entry({ vnode: 5n }) as never] }), 'not_an_integer', 'partition_memory[0].vnode', 'partition_memory[0].vnode: expected an integer u32, got 5n'],
    ['a fractional CPU id', state({ cpusWithOutstandingIo: [1, 2.5] }), 'not_an_integer', 'cpus_with_outstanding_io[1]', 'cpus_with_outstanding_io[1]: expected an integer u32, got 2.5'],
    ['a CPU id of NaN', state({ cpusWithMappedInterruptsNoIo: [Number.NaN] }), 'not_an_integer', 'cpus_with_mapped_interrupts_no_io[0]', 'cpus_with_mapped_interrupts_no_io[0]: expected an integer u32, got NaN'],
  ])('%s', (_name, input, code, path, message) => {
    expect(refusal(input)).toEqual({ code, path, message });
  });
});

describe('u64 varints at every length boundary', () => {
  // Mutants of the size ladders (varintSize in encode.ts, varint64Size in wire.ts), e.g.
  // `v < 2 ** 49` → `<=`: a size one byte short or long shifts every byte after it.
  const varintLength = (v: bigint): number => Math.max(1, Math.ceil(v.toString(2).length / 7));
  const edges = [7, 14, 21, 28, 32, 35, 42, 49, 53, 56, 63].flatMap((k) => [2n ** BigInt(k) - 1n, 2n ** BigInt(k), 2n ** BigInt(k) + 1n]);

  test.each(edges)('range start %s: a minimal varint, and the payload decodes back', (v) => {
    const s = state({ partitionMmio: [{ range: { start: v, end: 1n }, vtlType: 6 }] });
    const bytes = encodeSavedState(s);
    const n = varintLength(v);
    // 12 LL | 0a LL 08 <n bytes> 10 01 | 12 02 08 06
    expect(bytes.length).toBe(2 + (2 + 1 + n + 2) + 4);
    expect(bytes[1]).toBe(2 + 1 + n + 2 + 4);
    expect(decodeSavedState(bytes)).toEqual(s);
  });

  test('2^49 is eight bytes: seven zero groups, then 1', () => {
    expect(toHex(encodeSavedState(state({ partitionMmio: [{ range: { start: 2n ** 49n, end: 0n }, vtlType: 0 }] })))).toBe('120b0a09088080808080808001');
  });
});
