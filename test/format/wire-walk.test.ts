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
      const rows = [...view.rows];
      // The count comes from a separate walk that keeps no rows: it must agree with what iterating yields.
      expect(view.count, v.hex).toBe(rows.length);
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.offset).toBeGreaterThan(rows[i - 1]!.offset);
      if (rows.some((r) => r.unknown)) withUnknown++;
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
    const rows = [...view.rows];
    expect(rows.map((r) => [r.offset, r.path, r.unknown])).toEqual([
      [0, 'partition_memory[0]', false],
      [2, 'partition_memory[0].range', false],
      [4, 'partition_memory[0].range.start', false],
      [7, 'partition_memory[0].range.end', false],
      [10, '<field 9>', true],
      [12, 'cpus_with_outstanding_io', false],
    ]);
    const start = rows[2]!;
    expect(start.value).toBe(0x1000n);
    expect(rows[5]!.elements).toEqual([{ offset: 14, value: 7n }]);
    expect(rows[1]!.meaning).toBe('[0x1000, 0x3000) 8 KiB');
  });

  test('stops where the decoder stops, with its error', () => {
    const view = walkWire(bytes.subarray(0, 9));
    expect(view.error?.code).toBe('eof_byte_array');
    expect(() => decodeSavedState(bytes.subarray(0, 9))).toThrow(DecodeError);
  });

  test('JSON rows carry u64 values as hex strings', () => {
    const json = Array.from(walkWire(bytes).rows, wireRowToJson);
    expect(json[2]).toMatchObject({ path: 'partition_memory[0].range.start', wire_type_name: 'varint', value: '0x1000', head_hex: '088020' });
    expect(json[4]).toMatchObject({ unknown: true, value: '0x5' });
  });
});

describe('the rows are walked on demand', () => {
  const rowsOf = (hex: string) => {
    const view = walkWire(Buffer.from(hex, 'hex'));
    return { view, rows: [...view.rows] };
  };

  test('each iteration walks again and yields equal rows; count needs no iteration', () => {
    // Three `0a 00` entries and a zero run: the count is known before anything iterates.
    const view = walkWire(Buffer.from('0a000a000a0000000000', 'hex'));
    expect(view.count).toBe(4);
    const first = [...view.rows];
    const second = [...view.rows];
    expect(second).toEqual(first);
    // Fresh objects each walk (a caller may keep or change one without touching the next walk's).
    expect(second[0]).not.toBe(first[0]);
    expect(first.map((r) => r.path)).toEqual(['partition_memory[0]', 'partition_memory[1]', 'partition_memory[2]', '<field 0>']);
    expect(first[3]).toMatchObject({ offset: 6, end: 10, repeat: 2 });
  });

  test('a zero run cut short by an error is still a row before it', () => {
    // `00 00 00 00 00`: two `00 00` fields, then a key byte with no value. Mutant: the run not yielded on the error path (no rows).
    const { view, rows } = rowsOf('0000000000');
    expect(view.error).toMatchObject({ code: 'eof_varint', offset: 5, path: '<field 0>' });
    expect(view.count).toBe(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ offset: 0, end: 4, repeat: 2, field: 0 });
  });

  test('only the messages the error is inside keep an empty meaning', () => {
    // partition_memory[0] is fine; partition_memory[1].range.start is a cut-off varint.
    // Mutants: every message meaning '' after an error, or none ('MemoryEntry' on the failing entry).
    const { view, rows } = rowsOf('0a000a040a020880');
    expect(view.error).toMatchObject({ code: 'eof_varint', offset: 7, path: 'partition_memory[1].range.start' });
    expect(rows.map((r) => [r.path, r.meaning])).toEqual([
      ['partition_memory[0]', 'MemoryEntry'],
      ['partition_memory[1]', ''],
      ['partition_memory[1].range', ''],
    ]);
  });

  test('a packed list cut by a bad element: its elements are those before it', () => {
    // cpus_with_outstanding_io, 3 bytes: 5, then `80 80` running off the field's end.
    // Mutant: the lazily read elements taken up to the field's end (the getter throws eof_varint).
    const { view, rows } = rowsOf('2203058080');
    expect(view.error).toMatchObject({ code: 'eof_varint', offset: 3, path: 'cpus_with_outstanding_io' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.meaning).toBe('packed, 1 element(s) before the error: 5');
    expect(rows[0]!.elements).toEqual([{ offset: 2, value: 5n }]);
    expect(wireRowToJson(rows[0]!)['elements']).toEqual([{ offset: 2, value: '0x5' }]);
  });
});
