import { describe, expect, test } from 'vitest';
import { DecodeError, type DecodeErrorCode } from '../../src/format/codec-error.js';
import { decodeSavedState } from '../../src/format/decode.js';
import type { SavedState } from '../../src/format/saved-state.js';
import { emptySavedState } from '../../src/format/saved-state.js';

// One row per decoder rule of docs/format.md ("What the real decoder accepts and rejects"), with
// hand-assembled bytes.
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const state = (patch: Partial<SavedState>): SavedState => ({ ...emptySavedState(), ...patch });
const entry = (patch: Partial<SavedState['partitionMemory'][number]> = {}) => ({
  range: { start: 0n, end: 0n },
  vnode: 0,
  vtlType: 0,
  igvmType: 0,
  ...patch,
});
const cpus3 = (...ids: number[]) => state({ cpusWithMappedInterruptsNoIo: ids });

describe('accepted inputs decode to exactly this state', () => {
  test.each([
    ['empty buffer is the empty state', '', state({})],
    ['fields in any order', '220100 0a00', state({ partitionMemory: [entry()], cpusWithOutstandingIo: [0] })],
    ['repeated messages interleaved', '0a00 1200 0a021005', state({ partitionMemory: [entry(), entry({ vnode: 5 })], partitionMmio: [{ range: { start: 0n, end: 0n }, vtlType: 0 }] })],
    ['packed and unpacked mixed; every occurrence appends', '1a020102 1803 1a00 1800', cpus3(1, 2, 3, 0)],
    ['zero inside a packed list is kept', '1a03000100', cpus3(0, 1, 0)],
    ['unknown fields of wire types 0, 1, 2, 5 are skipped', '2801 31 0102030405060708 3a02ffff 45 01020304 1803', cpus3(3)],
    ['unknown field inside a nested message is skipped', '0a04 2801 1005', state({ partitionMemory: [entry({ vnode: 5 })] })],
    ['unknown length-delimited field is not parsed (a group inside is fine)', '3a02 0b0c 1803', cpus3(3)],
    ['mesh wire type 6 with no resources is skipped when unknown', '36 00 02 ffff 1803', cpus3(3)],
    ['mesh wire type 6 with no resources is read as a known message', '0e 00 02 1007', state({ partitionMemory: [entry({ vnode: 7 })] })],
    ['field 0 is ignored (00 00)', '0000 1803', cpus3(3)],
    ['field 0 of another wire type is skipped too', '0201ff 1803', cpus3(3)],
    ['field number is cut to 32 bits: field 2^32+3 is field 3', '988080808001 09', cpus3(9)],
    ['non-minimal 10-byte varint', '0a0b 10 81808080808080808000', state({ partitionMemory: [entry({ vnode: 1 })] })],
    ['bits past 64 in the 10th byte are dropped', '0a0d 0a0b 08 ffffffffffffffffff7f', state({ partitionMemory: [entry({ range: { start: 2n ** 64n - 1n, end: 0n } })] })],
    ['10th byte 0x7e keeps bit 63 clear', '0a0d 0a0b 08 ffffffffffffffffff7e', state({ partitionMemory: [entry({ range: { start: 2n ** 63n - 1n, end: 0n } })] })],
    ['duplicated scalar: last wins', '0a04 1001 1002', state({ partitionMemory: [entry({ vnode: 2 })] })],
    ['duplicated nested message is merged field by field', '0a08 0a020801 0a021002', state({ partitionMemory: [entry({ range: { start: 1n, end: 2n } })] })],
    ['merging a later empty vtl_type keeps the earlier value', '0a06 1a020805 1a00', state({ partitionMemory: [entry({ vtlType: 5 })] })],
    ['merged range: the later start overrides', '0a0c 0a04 0801 1002 0a04 0803 1800', state({ partitionMemory: [entry({ range: { start: 3n, end: 2n } })] })],
    ['u32 vnode keeps the low 32 bits', '0a06 10 8580808010', state({ partitionMemory: [entry({ vnode: 5 })] })],
    ['u32 vtl_type keeps the low 32 bits', '0a08 1a06 08 8180808010', state({ partitionMemory: [entry({ vtlType: 1 })] })],
    ['u16 igvm_type keeps the low 16 bits', '0a06 2204 08 838004', state({ partitionMemory: [entry({ igvmType: 3 })] })],
    ['packed u32 element keeps the low 32 bits', '1a05 8780808010', cpus3(7)],
    ['ranges are not validated (unaligned, start > end)', '0a07 0a05 088340 1001', state({ partitionMemory: [entry({ range: { start: 0x2003n, end: 1n } })] })],
  ])('%s', (_name, bytes, want) => {
    expect(decodeSavedState(hex(bytes))).toEqual(want);
  });

  test('a buffer cut between two top-level fields decodes to the fields before the cut', () => {
    // The 78-byte example of docs/format.md, cut after its first memory entry.
    const full = hex(
      '0a0d0a031080201a02080b220208030a130a070880201080800810011a02080c2202080312120a0c08808080800f10808080c00f1202080512140a0e0880808080fc011080808080800212020806',
    );
    expect(decodeSavedState(full.subarray(0, 15))).toEqual(
      state({ partitionMemory: [entry({ range: { start: 0n, end: 0x1000n }, vtlType: 11, igvmType: 3 })] }),
    );
  });
});

describe('rejected inputs fail with the mesh error, offset and field path', () => {
  test.each<[string, string, DecodeErrorCode, string, number, string]>([
    // name, bytes, code, mesh Display text, offset, path
    ['group start (path names the field whose key it is)', '1b', 'unknown_wire_type', 'unknown wire type 3', 0, 'cpus_with_mapped_interrupts_no_io'],
    ['group end in an unknown field', '5c', 'unknown_wire_type', 'unknown wire type 4', 0, '<field 11>'],
    ['group inside a nested message', '0a010b', 'unknown_wire_type', 'unknown wire type 3', 2, 'partition_memory[0].range'],
    ['resource field (wire type 7)', '1803 0f', 'missing_resource', 'missing resource', 2, 'partition_memory'],
    ['mesh message with a resource', '36 01 00', 'invalid_resource_range', 'invalid resource range', 1, '<field 6>'],
    ['resource count is checked only after the length is read', '36 01', 'eof_varint', 'eof parsing a varint', 2, '<field 6>'],
    ['vtl_type as a plain varint (naive enum)', '0a02 180b', 'expected_message', 'expected a message', 2, 'partition_memory[0].vtl_type'],
    ['partition_memory as a varint', '1800 0801', 'expected_message', 'expected a message', 2, 'partition_memory[0]'],
    ['second partition_mmio as fixed32', '1200 1501020304', 'expected_message', 'expected a message', 2, 'partition_mmio[1]'],
    ['vnode as length-delimited', '0a03 120100', 'expected_varint', 'expected a varint', 2, 'partition_memory[0].vnode'],
    ['range.end as fixed64', '0a0b 0a09 110000000000000000', 'expected_varint', 'expected a varint', 4, 'partition_memory[0].range.end'],
    ['CPU list as fixed32', '1d01000000', 'expected_varint', 'expected a varint', 0, 'cpus_with_mapped_interrupts_no_io'],
    ['truncated varint', '1880', 'eof_varint', 'eof parsing a varint', 1, 'cpus_with_mapped_interrupts_no_io'],
    ['truncated key', '80', 'eof_varint', 'eof parsing a varint', 0, ''],
    ['lone trailing 00', '1803 00', 'eof_varint', 'eof parsing a varint', 3, '<field 0>'],
    ['fixed64 overrun', '310001', 'eof_fixed64', 'eof parsing a fixed64', 1, '<field 6>'],
    ['fixed32 overrun in a nested message', '0a02 2d00', 'eof_fixed32', 'eof parsing a fixed32', 3, 'partition_memory[0].<field 5>'],
    ['length-delimited overrun', '0a0500', 'eof_byte_array', 'eof parsing a byte array', 1, 'partition_memory'],
    // Mutant: mesh-reader take()'s `this.hi !== 0 ||` dropped, which would compare only the low
    // 32 bits (1) with the one byte left and accept.
    ['length 2^32 + 1 (low 32 bits 1) with one byte left', '2a 8180808010 ff', 'eof_byte_array', 'eof parsing a byte array', 1, '<field 5>'],
    ['length 2^32 + 1 of a known message', '0a 8180808010 00', 'eof_byte_array', 'eof parsing a byte array', 1, 'partition_memory'],
    // Mutant: the resource-count test `this.lo === 0 && this.hi === 0` with its high half dropped.
    ['mesh message with a resource count of 2^32 (low 32 bits zero)', '2e 8080808010 00', 'invalid_resource_range', 'invalid resource range', 1, '<field 5>'],
    ['nested length overruns its parent, not the buffer', '0a02 0a05 0000000000', 'eof_byte_array', 'eof parsing a byte array', 3, 'partition_memory[0].range'],
    ['truncated varint inside a packed list', '1a02 0180', 'eof_varint', 'eof parsing a varint', 3, 'cpus_with_mapped_interrupts_no_io'],
    ['11th varint byte', '18 ffffffffffffffffff ff01', 'varint_too_big', 'varint too big', 1, 'cpus_with_mapped_interrupts_no_io'],
    ['10th varint byte with continuation, then end of buffer', '18 80808080808080808080', 'varint_too_big', 'varint too big', 1, 'cpus_with_mapped_interrupts_no_io'],
    ['error in the fourth memory entry', '0a00 0a00 0a00 0a03 0a0108', 'eof_varint', 'eof parsing a varint', 11, 'partition_memory[3].range.start'],
  ])('%s', (_name, bytes, code, meshMessage, offset, path) => {
    let error: unknown;
    try {
      decodeSavedState(hex(bytes));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    const e = error as DecodeError;
    expect({ code: e.code, meshMessage: e.meshMessage, offset: e.offset, path: e.path }).toEqual({ code, meshMessage, offset, path });
    expect(e.message).toContain(`at offset ${offset}`);
  });

  // Mutants: DecodeError's message suffix `this.path === '' ? '' : ` (${this.path})`` (each
  // branch, the test and both strings).
  test.each([
    ['a top-level key: no path', '80', 'eof parsing a varint at offset 0'],
    ['a nested field: the path in parentheses', '0a02 0a05', 'eof parsing a byte array at offset 3 (partition_memory[0].range)'],
    ['an unknown field with a wire type', '5c', 'unknown wire type 4 at offset 0 (<field 11>)'],
  ])('the message of %s', (_name, bytes, message) => {
    expect(() => decodeSavedState(hex(bytes))).toThrow(expect.objectContaining({ message }));
  });

  test('the Debug form is what openhcl_boot prints inside its panic', () => {
    const e = (() => {
      try {
        decodeSavedState(hex('1b'));
      } catch (err) {
        return err as DecodeError;
      }
      throw new Error('expected a DecodeError');
    })();
    expect(e.meshVariant).toBe('UnknownWireType(3)');
  });

  // Mutant: the `instanceof Uint8Array` guard dropped. A string then fails later with another
  // code, and an array of numbers decodes as if it were bytes.
  test.each([
    ['a hex string', '0a00'],
    ['an array of byte values', [0x18, 0x03]],
    ['an ArrayBuffer', new Uint8Array([0x18, 0x03]).buffer],
  ])('input that is not bytes (%s) is a not_bytes DecodeError at offset 0, not a TypeError', (_name, input) => {
    expect(() => decodeSavedState(input as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'not_bytes', offset: 0, message: 'input is not a byte array at offset 0' }),
    );
  });
});
