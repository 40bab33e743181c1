import { describe, expect, test } from 'vitest';
import { DecodeError } from '../../src/format/codec-error.js';
import { decodeSavedState } from '../../src/format/decode.js';
import { walkWire, wireRowToJson } from '../../src/format/wire-walk.js';
import { loadMeshVectors } from '../support/vectors.js';

describe('the raw wire walker agrees with the decoder', () => {
  test('on every mesh_protobuf vector: same error code, offset and path; fields in wire order', () => {
    let withUnknown = 0;
    let rejected = 0;
    for (const v of loadMeshVectors()) {
      const bytes = Buffer.from(v.hex, 'hex');
      let expected: DecodeError | undefined;
      try {
        decodeSavedState(bytes);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        expected = e;
      }
      const view = walkWire(bytes);
      const show = (e: DecodeError | undefined) => e && { code: e.code, offset: e.offset, path: e.path };
      expect(show(view.error), v.hex).toEqual(show(expected));
      for (let i = 1; i < view.rows.length; i++) expect(view.rows[i]!.offset).toBeGreaterThan(view.rows[i - 1]!.offset);
      if (view.rows.some((r) => r.unknown)) withUnknown++;
      if (expected) rejected++;
    }
    expect(withUnknown).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('rows', () => {
  // SavedState { partition_memory: [{ range: { start: 0x1000, end: 0x3000 } }], cpus_with_outstanding_io: [7] } with field 9 (unknown) between.
  const bytes = Uint8Array.from([0x0a, 0x08, 0x0a, 0x06, 0x08, 0x80, 0x20, 0x10, 0x80, 0x60, 0x48, 0x05, 0x22, 0x01, 0x07]);

  test('nested fields, an unknown field and a packed list, in wire order with paths', () => {
    const view = walkWire(bytes);
    expect(view.error).toBeUndefined();
    expect(view.rows.map((r) => [r.offset, r.path, r.unknown])).toEqual([
      [0, 'partition_memory[0]', false],
      [2, 'partition_memory[0].range', false],
      [4, 'partition_memory[0].range.start', false],
      [7, 'partition_memory[0].range.end', false],
      [10, '<field 9>', true],
      [12, 'cpus_with_outstanding_io', false],
    ]);
    const start = view.rows[2]!;
    expect(start.value).toBe(0x1000n);
    expect(view.rows[5]!.elements).toEqual([{ offset: 14, value: 7n }]);
  });

  test('stops where the decoder stops, with its error', () => {
    const view = walkWire(bytes.subarray(0, 9));
    expect(view.error?.code).toBe('eof_byte_array');
    expect(() => decodeSavedState(bytes.subarray(0, 9))).toThrow(DecodeError);
  });

  test('JSON rows carry u64 values as hex strings', () => {
    const json = walkWire(bytes).rows.map(wireRowToJson);
    expect(json[2]).toMatchObject({ path: 'partition_memory[0].range.start', wire_type_name: 'varint', value: '0x1000', head_hex: '088020' });
    expect(json[4]).toMatchObject({ unknown: true, value: '0x5' });
  });
});
