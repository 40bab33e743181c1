import { describe, expect, test } from 'vitest';
import { DecodeError, EncodeError } from '../../src/format/codec-error.js';
import { decodeSavedState } from '../../src/format/decode.js';
import type { SavedState } from '../../src/format/saved-state.js';
import {
  SCHEMA_VERSIONS,
  cpuListsOf,
  decodeSavedStateV,
  encodeSavedStateV,
  type CpuListRead,
  type IgnoredField,
  type SavedStateV1,
  type SchemaVersion,
} from '../../src/format/schema-versions.js';
import { loadMeshVectors } from '../support/vectors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// docs/format.md's 78-byte example: two memory entries and two MMIO entries (fields 1–2 only).
const EXAMPLE_HEX =
  '0a0d0a031080201a02080b220208030a130a070880201080800810011a02080c2202080312120a0c08808080800f10808080c00f1202080512140a0e0880808080fc011080808080800212020806';
const EXAMPLE_MAP: SavedStateV1 = {
  partitionMemory: [
    { range: { start: 0x0n, end: 0x1000n }, vnode: 0, vtlType: 11, igvmType: 3 },
    { range: { start: 0x1000n, end: 0x20000n }, vnode: 1, vtlType: 12, igvmType: 3 },
  ],
  partitionMmio: [
    { range: { start: 0xf000_0000n, end: 0xf800_0000n }, vtlType: 5 },
    { range: { start: 0xf_c000_0000n, end: 0x10_0000_0000n }, vtlType: 6 },
  ],
};
const v3 = (noIo: number[], outstanding: number[]): SavedState => ({ ...EXAMPLE_MAP, cpusWithMappedInterruptsNoIo: noIo, cpusWithOutstandingIo: outstanding });

describe('per-version writers: exact bytes', () => {
  // Every writer is mesh: fields in number order, CPU lists packed, an empty list omitted.
  test.each([
    ['v1: fields 1-2 only (the reference example, byte for byte)', () => encodeSavedStateV(1, EXAMPLE_MAP), EXAMPLE_HEX],
    // v1 has no CPU fields, so a v3 state handed to the v1 writer loses its lists.
    ['v1: CPU lists on the object are not part of v1 and are not written', () => encodeSavedStateV(1, v3([1], [2])), EXAMPLE_HEX],
    // 300 = ac 02; packed blob of 3 bytes under key 1a (field 3, wire type 2).
    ['v2: field 3 packed after fields 1-2', () => encodeSavedStateV(2, { ...EXAMPLE_MAP, cpusWithMappedInterrupts: [1, 300] }), `${EXAMPLE_HEX}1a0301ac02`],
    ['v2: a 0 inside the list is written', () => encodeSavedStateV(2, { ...EXAMPLE_MAP, cpusWithMappedInterrupts: [0] }), `${EXAMPLE_HEX}1a0100`],
    // An empty list is omitted: the v2 payload is then byte-identical to the v1 payload.
    ['v2: an empty list is omitted (same bytes as v1)', () => encodeSavedStateV(2, { ...EXAMPLE_MAP, cpusWithMappedInterrupts: [] }), EXAMPLE_HEX],
    // The real encoder: adding cpus_with_mapped_interrupts_no_io = [1, 300] and cpus_with_outstanding_io = [0] appends 1a0301ac02 220100.
    ['v3: fields 3 and 4 (the reference example)', () => encodeSavedStateV(3, v3([1, 300], [0])), `${EXAMPLE_HEX}1a0301ac02220100`],
    ['v3: only field 4', () => encodeSavedStateV(3, v3([], [2])), `${EXAMPLE_HEX}220102`],
    ['v3: an empty state is zero bytes', () => encodeSavedStateV(3, { partitionMemory: [], partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] }), ''],
  ])('%s', (_name, encode, expected) => {
    expect(toHex(encode())).toBe(expected);
  });

  test('v2 and v3 field 3 are the same bytes for the same list (only the meaning changed)', () => {
    expect(toHex(encodeSavedStateV(2, { ...EXAMPLE_MAP, cpusWithMappedInterrupts: [1, 2, 5] }))).toBe(toHex(encodeSavedStateV(3, v3([1, 2, 5], []))));
  });

  test('v2 errors name the field by its v2 name', () => {
    const bad = () => encodeSavedStateV(2, { ...EXAMPLE_MAP, cpusWithMappedInterrupts: [1, -1] });
    expect(bad).toThrow(EncodeError);
    expect(bad).toThrow('cpus_with_mapped_interrupts[1]: -1 is not a u32 (0..4294967295)');
    try {
      bad();
    } catch (e) {
      expect((e as EncodeError).path).toBe('cpus_with_mapped_interrupts[1]');
      expect((e as EncodeError).code).toBe('value_out_of_range');
    }
    const missing = () => encodeSavedStateV(2, EXAMPLE_MAP as never);
    expect(missing).toThrow('cpus_with_mapped_interrupts: expected an array');
  });
});

/** What one reader reports, compactly: each known CPU list's status (and values), and the ignored fields. */
function summary(version: SchemaVersion, bytes: string) {
  const d = decodeSavedStateV(version, hex(bytes));
  const list = (l: CpuListRead) => (l.status === 'values' ? `${l.values.join(',')}` : l.status) + (l.occurrences > 1 ? ` (${l.occurrences} keys)` : '');
  return { lists: cpuListsOf(d).map((l) => `f${l.field} ${list(l)}`), ignored: d.ignored };
}
const ign = (field: number, bytes: number, occurrences = 1): IgnoredField => ({ field, occurrences, bytes });

describe('per-version readers: presence of each known CPU-list field', () => {
  // Columns: payload (CPU fields only; fields 1-2 are irrelevant here), then what v1, v2, v3 readers report.
  test.each<[string, string, ReturnType<typeof summary>, ReturnType<typeof summary>, ReturnType<typeof summary>]>([
    // No key at all: every reader that knows the field says "missing".
    ['nothing', '', { lists: [], ignored: [] }, { lists: ['f3 missing'], ignored: [] }, { lists: ['f3 missing', 'f4 missing'], ignored: [] }],
    // `1a 00`: the key is there with no elements. mesh decodes [] as for a missing field; only the scan can tell.
    ['field 3 present but empty (1a 00)', '1a00', { lists: [], ignored: [ign(3, 2)] }, { lists: ['f3 empty'], ignored: [] }, { lists: ['f3 empty', 'f4 missing'], ignored: [] }],
    ['field 4 present but empty (22 00)', '2200', { lists: [], ignored: [ign(4, 2)] }, { lists: ['f3 missing'], ignored: [ign(4, 2)] }, { lists: ['f3 missing', 'f4 empty'], ignored: [] }],
    ['field 3 with values', '1a0301ac02', { lists: [], ignored: [ign(3, 5)] }, { lists: ['f3 1,300'], ignored: [] }, { lists: ['f3 1,300', 'f4 missing'], ignored: [] }],
    // A CPU id 0 is a value, not "empty".
    ['field 4 = [0]', '220100', { lists: [], ignored: [ign(4, 3)] }, { lists: ['f3 missing'], ignored: [ign(4, 3)] }, { lists: ['f3 missing', 'f4 0'], ignored: [] }],
    ['fields 3 and 4', '1a0301ac02 220100', { lists: [], ignored: [ign(3, 5), ign(4, 3)] }, { lists: ['f3 1,300'], ignored: [ign(4, 3)] }, { lists: ['f3 1,300', 'f4 0'], ignored: [] }],
    // Unpacked elements: one key each; an empty packed blob plus an element is "values".
    ['field 3 unpacked, twice', '1801 1802', { lists: [], ignored: [ign(3, 4, 2)] }, { lists: ['f3 1,2 (2 keys)'], ignored: [] }, { lists: ['f3 1,2 (2 keys)', 'f4 missing'], ignored: [] }],
    ['field 3 empty blob, then an element', '1a00 1807', { lists: [], ignored: [ign(3, 4, 2)] }, { lists: ['f3 7 (2 keys)'], ignored: [] }, { lists: ['f3 7 (2 keys)', 'f4 missing'], ignored: [] }],
    ['field 3 empty twice', '1a00 1a00', { lists: [], ignored: [ign(3, 4, 2)] }, { lists: ['f3 empty (2 keys)'], ignored: [] }, { lists: ['f3 empty (2 keys)', 'f4 missing'], ignored: [] }],
    // A non-minimal key (9a 00 = field 3, wire type 2): the hidden-field rewrite keeps its continuation bit.
    ['non-minimal key for field 3', '9a0000', { lists: [], ignored: [ign(3, 3)] }, { lists: ['f3 empty'], ignored: [] }, { lists: ['f3 empty', 'f4 missing'], ignored: [] }],
    // Field 2^32+3 is field 3 (the key's number is cut to 32 bits).
    ['key for field 2^32+3', '988080808001 09', { lists: [], ignored: [ign(3, 7)] }, { lists: ['f3 9'], ignored: [] }, { lists: ['f3 9', 'f4 missing'], ignored: [] }],
    // Fields no version declares, and field 0, are ignored by every reader.
    ['field 0 and field 7', '0000 3801 1a0102', { lists: [], ignored: [ign(0, 2), ign(7, 2), ign(3, 3)] }, { lists: ['f3 2'], ignored: [ign(0, 2), ign(7, 2)] }, { lists: ['f3 2', 'f4 missing'], ignored: [ign(0, 2), ign(7, 2)] }],
  ])('%s', (_name, bytes, r1, r2, r3) => {
    expect(summary(1, bytes)).toEqual(r1);
    expect(summary(2, bytes)).toEqual(r2);
    expect(summary(3, bytes)).toEqual(r3);
  });

  test('the decoded shapes carry the reader\'s own field names', () => {
    const d2 = decodeSavedStateV(2, hex('1a0105'));
    expect(d2).toEqual({
      version: 2,
      partitionMemory: [],
      partitionMmio: [],
      ignored: [],
      cpusWithMappedInterrupts: { field: 3, name: 'cpus_with_mapped_interrupts', status: 'values', values: [5], occurrences: 1 },
    });
    const d3 = decodeSavedStateV(3, hex('1a0105'));
    expect(d3.cpusWithMappedInterruptsNoIo.name).toBe('cpus_with_mapped_interrupts_no_io');
    expect(d3.cpusWithOutstandingIo).toEqual({ field: 4, name: 'cpus_with_outstanding_io', status: 'missing', values: [], occurrences: 0 });
    expect(decodeSavedStateV(1, hex('1a0105'))).toEqual({ version: 1, partitionMemory: [], partitionMmio: [], ignored: [ign(3, 3)] });
  });
});

describe('per-version readers: a field a reader does not know is skipped as mesh skips it', () => {
  type Outcome = 'ok' | { code: string; offset: number; path: string };
  const outcome = (version: SchemaVersion, bytes: string): Outcome => {
    try {
      decodeSavedStateV(version, hex(bytes));
      return 'ok';
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { code: e.code, offset: e.offset, path: e.path };
    }
  };
  test.each<[string, string, Outcome, Outcome, Outcome]>([
    // Field 3 as fixed64: unknown to v1 (skipped by wire type); v2 and v3 know it as a u32 list -> "expected a varint".
    ['field 3 as fixed64', '19 0102030405060708', 'ok', { code: 'expected_varint', offset: 0, path: 'cpus_with_mapped_interrupts' }, { code: 'expected_varint', offset: 0, path: 'cpus_with_mapped_interrupts_no_io' }],
    ['field 4 as fixed32', '25 01020304', 'ok', 'ok', { code: 'expected_varint', offset: 0, path: 'cpus_with_outstanding_io' }],
    // Mesh wire type 6 with no resources: skipped when unknown, but not a u32 list.
    ['field 4 as mesh wire type 6', '26 00 02 ffff', 'ok', 'ok', { code: 'expected_varint', offset: 0, path: 'cpus_with_outstanding_io' }],
    // A cut varint inside a packed blob: only a reader that parses the blob notices.
    ['field 4 packed, cut varint inside', '22 01 80', 'ok', 'ok', { code: 'eof_varint', offset: 2, path: 'cpus_with_outstanding_io' }],
    ['field 3 packed, cut varint inside', '1a 01 80', 'ok', { code: 'eof_varint', offset: 2, path: 'cpus_with_mapped_interrupts' }, { code: 'eof_varint', offset: 2, path: 'cpus_with_mapped_interrupts_no_io' }],
    // Framing errors fail every reader, each naming the field its own way.
    ['field 3 overruns the buffer', '1a 05 01', { code: 'eof_byte_array', offset: 1, path: '<field 3>' }, { code: 'eof_byte_array', offset: 1, path: 'cpus_with_mapped_interrupts' }, { code: 'eof_byte_array', offset: 1, path: 'cpus_with_mapped_interrupts_no_io' }],
    ['field 4 as a group', '23', { code: 'unknown_wire_type', offset: 0, path: '<field 4>' }, { code: 'unknown_wire_type', offset: 0, path: '<field 4>' }, { code: 'unknown_wire_type', offset: 0, path: 'cpus_with_outstanding_io' }],
    ['field 4 as mesh wire type 6 with a resource', '26 01 00', { code: 'invalid_resource_range', offset: 1, path: '<field 4>' }, { code: 'invalid_resource_range', offset: 1, path: '<field 4>' }, { code: 'invalid_resource_range', offset: 1, path: 'cpus_with_outstanding_io' }],
    // Errors come in wire order: a bad memory entry before a bad (unknown) field 3 is reported first by every reader.
    ['bad entry in field 1, then a cut field 3', '0a02 1801 19 00', ...(Array(3).fill({ code: 'expected_message', offset: 2, path: 'partition_memory[0].vtl_type' }) as [Outcome, Outcome, Outcome])],
    // ...and a framing error in an earlier field wins, known or not: mesh reads a field's whole
    // payload before it looks at the field number, so even v2/v3 report the cut fixed64, not its type.
    ['cut field 3, then (never reached) a bad entry', '19 00 0a02 1801', { code: 'eof_fixed64', offset: 1, path: '<field 3>' }, { code: 'eof_fixed64', offset: 1, path: 'cpus_with_mapped_interrupts' }, { code: 'eof_fixed64', offset: 1, path: 'cpus_with_mapped_interrupts_no_io' }],
  ])('%s', (_name, bytes, r1, r2, r3) => {
    expect([outcome(1, bytes), outcome(2, bytes), outcome(3, bytes)]).toEqual([r1, r2, r3]);
  });

  test('the input buffer is not modified', () => {
    const bytes = hex('1a0105 220102');
    decodeSavedStateV(1, bytes);
    expect(toHex(bytes)).toBe('1a0105220102');
  });

  test('anything but bytes is not_bytes', () => {
    expect(() => decodeSavedStateV(2, 'x' as never)).toThrow(DecodeError);
  });
});

describe('cross-version reads of real writer output', () => {
  // The default compat scenario's CPUs: 1, 2, 5 have mapped interrupts; 2 has outstanding IO.
  const v2Bytes = encodeSavedStateV(2, { ...EXAMPLE_MAP, cpusWithMappedInterrupts: [1, 2, 5] });
  const v3Bytes = encodeSavedStateV(3, v3([1, 5], [2]));

  test('v2 payload read by v3: field 3 (every mapped CPU) is taken as "no outstanding IO"; field 4 is missing', () => {
    const d = decodeSavedStateV(3, v2Bytes);
    expect(d.cpusWithMappedInterruptsNoIo).toMatchObject({ status: 'values', values: [1, 2, 5] });
    expect(d.cpusWithOutstandingIo).toMatchObject({ status: 'missing', values: [] });
    // The union a HEAD reader derives is still every CPU that needs the kernel: 1, 2, 5.
    expect([...d.cpusWithMappedInterruptsNoIo.values, ...d.cpusWithOutstandingIo.values].sort()).toEqual([1, 2, 5]);
  });

  test('v3 payload read by v2: field 3 is only the no-IO CPUs (CPU 2 is absent), field 4 ignored', () => {
    const d = decodeSavedStateV(2, v3Bytes);
    expect(d.cpusWithMappedInterrupts).toMatchObject({ status: 'values', values: [1, 5] });
    expect(d.ignored).toEqual([ign(4, 3)]);
  });

  test('v3 payload read by v1: both lists ignored; the memory map reads back', () => {
    const d = decodeSavedStateV(1, v3Bytes);
    expect(d.ignored).toEqual([ign(3, 4), ign(4, 3)]);
    expect({ partitionMemory: d.partitionMemory, partitionMmio: d.partitionMmio }).toEqual(EXAMPLE_MAP);
  });

  test('an empty list from a v3 writer reads as missing: a writer never emits "empty"', () => {
    const d = decodeSavedStateV(3, encodeSavedStateV(3, v3([1, 5], [])));
    expect(d.cpusWithOutstandingIo.status).toBe('missing');
  });

  test.each(SCHEMA_VERSIONS.flatMap((w) => SCHEMA_VERSIONS.map((r) => [w, r] as const)))('writer v%i -> reader v%i: fields 1-2 intact', (w, r) => {
    const state = { ...v3([1, 5], [2]), cpusWithMappedInterrupts: [1, 2, 5] };
    const d = decodeSavedStateV(r, encodeSavedStateV(w, state));
    expect(d.partitionMemory).toEqual(EXAMPLE_MAP.partitionMemory);
    expect(d.partitionMmio).toEqual(EXAMPLE_MAP.partitionMmio);
  });
});

describe('the v3 reader is the mesh decoder', () => {
  // Every decode vector of the real mesh_protobuf: same acceptance, same error, same state.
  test('agrees with decodeSavedState on every mesh vector', () => {
    let n = 0;
    for (const v of loadMeshVectors()) {
      const bytes = hex(v.hex);
      let expected: SavedState | DecodeError;
      try {
        expected = decodeSavedState(bytes);
      } catch (e) {
        expected = e as DecodeError;
      }
      let got;
      try {
        got = decodeSavedStateV(3, bytes);
      } catch (e) {
        got = e as DecodeError;
      }
      if (expected instanceof DecodeError) {
        expect(got).toBeInstanceOf(DecodeError);
        expect((got as DecodeError).message).toBe(expected.message);
      } else {
        expect(got).not.toBeInstanceOf(DecodeError);
        const d = got as ReturnType<typeof decodeSavedStateV<3>>;
        expect({
          partitionMemory: d.partitionMemory,
          partitionMmio: d.partitionMmio,
          cpusWithMappedInterruptsNoIo: d.cpusWithMappedInterruptsNoIo.values,
          cpusWithOutstandingIo: d.cpusWithOutstandingIo.values,
        }).toEqual(expected);
      }
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });

  test('older readers agree with it on every vector that has no field 3 or 4 key', () => {
    for (const v of loadMeshVectors()) {
      const bytes = hex(v.hex);
      const d3 = (() => {
        try {
          return decodeSavedStateV(3, bytes);
        } catch {
          return undefined;
        }
      })();
      if (d3 === undefined || d3.cpusWithMappedInterruptsNoIo.occurrences > 0 || d3.cpusWithOutstandingIo.occurrences > 0) continue;
      for (const r of [1, 2] as const) {
        const d = decodeSavedStateV(r, bytes);
        expect(d.partitionMemory).toEqual(d3.partitionMemory);
        expect(d.partitionMmio).toEqual(d3.partitionMmio);
        expect(d.ignored).toEqual(d3.ignored);
      }
    }
  });
});
