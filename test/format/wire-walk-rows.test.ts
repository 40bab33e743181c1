/**
 * `walkWire`'s rows, field by field, for hand-built payloads: one case per kind of row the wire
 * view can show (every wire type, every meaning, zero runs, packed lists, merges) and per place
 * the decoder can stop. Each row is written as one line holding every field of its JSON form
 * (`wireRowToJson`), so a change to any offset, path, byte view, value or meaning fails here,
 * in-process (the mutation run cannot see the spawned `inspect` tests).
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { decodeSavedState } from '../../src/format/decode.js';
import { MeshReader } from '../../src/format/mesh-reader.js';
import { walkWire, wireRowToJson, type WireRow } from '../../src/format/wire-walk.js';
import { formatHex } from '../../src/memory/range.js';

/** `MemoryRange { start: 0x1000, end: 0x3000 }` as a field 1 of its parent. */
const R = '0a06088020108060';

interface Case {
  name: string;
  hex: string;
  /** `code @offset path` of the error the decoder stops at. */
  error?: string;
  /** `offset..end <depth dots>path #field wire-type [unknown] head=… [len=…] [=value] [elements=[…]] [data=…] [xN] | meaning` */
  rows: string[];
}

/** One row as a line (see {@link Case.rows}); also checks the JSON form's name and key set. */
function rowLine(row: WireRow): string {
  const j = wireRowToJson(row) as Record<string, unknown> & { elements?: { offset: number; value: string }[] };
  // Absent facts are absent keys, never `undefined` values.
  expect(Object.values(j)).not.toContain(undefined);
  const lastSegment = String(j.path).split('.').at(-1)!.replace(/\[\d+\]$/, '');
  expect(j.name).toBe(j.unknown ? null : lastSegment);
  const parts = [`${j.offset}..${j.end}`, `${'.'.repeat(j.depth as number)}${j.path}`, `#${j.field}`, String(j.wire_type_name)];
  if (j.unknown) parts.push('unknown');
  parts.push(`head=${j.head_hex}`);
  if ('length' in j) parts.push(`len=${j.length}`);
  if ('value' in j) parts.push(`=${j.value}`);
  if (j.elements) parts.push(`elements=[${j.elements.map((e) => `${e.offset}:${e.value}`).join(' ')}]`);
  if ('data_hex' in j) parts.push(`data=${j.data_hex}`);
  if ('repeat' in j) parts.push(`x${j.repeat}`);
  return parts.join(' ') + (j.meaning === '' ? '' : ` | ${j.meaning}`);
}

const CASES: Case[] = [
  {
    name: "empty payload",
    hex: '',
    rows: [
    ],
  },
  {
    name: "a memory entry with every field",
    hex: '0a12' + R + '1001' + '1a020803' + '22020801',
    rows: [
      "0..20 partition_memory[0] #1 len head=0a12 len=18 | MemoryEntry",
      "2..10 .partition_memory[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "4..7 ..partition_memory[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "7..10 ..partition_memory[0].range.end #2 varint head=108060 =0x3000 | 12288",
      "10..12 .partition_memory[0].vnode #2 varint head=1001 =0x1",
      "12..16 .partition_memory[0].vtl_type #3 len head=1a02 len=2 | VTL2_SIDECAR_IMAGE (3)",
      "14..16 ..partition_memory[0].vtl_type.field1 #1 varint head=0803 =0x3 | VTL2_SIDECAR_IMAGE",
      "16..20 .partition_memory[0].igvm_type #4 len head=2202 len=2 | PLATFORM_RESERVED (1)",
      "18..20 ..partition_memory[0].igvm_type.field1 #1 varint head=0801 =0x1 | PLATFORM_RESERVED",
    ],
  },
  {
    name: "indices count per repeated field",
    hex: '0a08' + R + '1208' + R + '0a08' + R,
    rows: [
      "0..10 partition_memory[0] #1 len head=0a08 len=8 | MemoryEntry",
      "2..10 .partition_memory[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "4..7 ..partition_memory[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "7..10 ..partition_memory[0].range.end #2 varint head=108060 =0x3000 | 12288",
      "10..20 partition_mmio[0] #2 len head=1208 len=8 | MmioEntry",
      "12..20 .partition_mmio[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "14..17 ..partition_mmio[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "17..20 ..partition_mmio[0].range.end #2 varint head=108060 =0x3000 | 12288",
      "20..30 partition_memory[1] #1 len head=0a08 len=8 | MemoryEntry",
      "22..30 .partition_memory[1].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "24..27 ..partition_memory[1].range.start #1 varint head=088020 =0x1000 | 4096",
      "27..30 ..partition_memory[1].range.end #2 varint head=108060 =0x3000 | 12288",
    ],
  },
  {
    name: "mmio vtl types: cut to u32, unnamed",
    hex: '1210' + R + '1206088280808010' + '1206' + '0a00' + '12020863',
    rows: [
      "0..18 partition_mmio[0] #2 len head=1210 len=16 | MmioEntry",
      "2..10 .partition_mmio[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "4..7 ..partition_mmio[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "7..10 ..partition_mmio[0].range.end #2 varint head=108060 =0x3000 | 12288",
      "10..18 .partition_mmio[0].vtl_type #2 len head=1206 len=6 | VTL2_CONFIG (2)",
      "12..18 ..partition_mmio[0].vtl_type.field1 #1 varint head=088280808010 =0x100000002 | VTL2_CONFIG (cut to u32: 2)",
      "18..26 partition_mmio[1] #2 len head=1206 len=6 | MmioEntry",
      "20..22 .partition_mmio[1].range #1 len head=0a00 len=0 | [0x0, 0x0) 0 bytes",
      "22..26 .partition_mmio[1].vtl_type #2 len head=1202 len=2 | unnamed (99)",
      "24..26 ..partition_mmio[1].vtl_type.field1 #1 varint head=0863 =0x63 | unnamed value",
    ],
  },
  {
    name: "igvm types: cut to u16, unnamed; vnode cut to u32",
    hex: '0a11' + '220408818004' + '220308ee01' + '108580848010',
    rows: [
      "0..19 partition_memory[0] #1 len head=0a11 len=17 | MemoryEntry",
      "2..8 .partition_memory[0].igvm_type #4 len head=2204 len=4 | PLATFORM_RESERVED (1)",
      "4..8 ..partition_memory[0].igvm_type.field1 #1 varint head=08818004 =0x10001 | PLATFORM_RESERVED (cut to u16: 1)",
      "8..13 .partition_memory[0].igvm_type #4 len head=2203 len=3 | unnamed (238), merged with the earlier igvm_type",
      "10..13 ..partition_memory[0].igvm_type.field1 #1 varint head=08ee01 =0xee | unnamed value",
      "13..19 .partition_memory[0].vnode #2 varint head=108580848010 =0x100010005 | (cut to u32: 65541)",
    ],
  },
  {
    name: "a non-minimal vnode",
    hex: '0a03' + '108100',
    rows: [
      "0..5 partition_memory[0] #1 len head=0a03 len=3 | MemoryEntry",
      "2..5 .partition_memory[0].vnode #2 varint head=108100 =0x1 | [non-minimal varint: 2 bytes]",
    ],
  },
  {
    name: "range meanings: small values, start > end, defaults, later fields win, above 2^53",
    hex: '0a06' + '0a04' + '0809100a' + '0a08' + '0a06' + '088060108020' + '0a02' + '0a00' + '0a0a' + '0a08' + '080108021005100a' + '0a15' + '0a13' + '088180808080808010' + '10808080808080808010',
    rows: [
      "0..8 partition_memory[0] #1 len head=0a06 len=6 | MemoryEntry",
      "2..8 .partition_memory[0].range #1 len head=0a04 len=4 | [0x9, 0xa) 1 byte",
      "4..6 ..partition_memory[0].range.start #1 varint head=0809 =0x9",
      "6..8 ..partition_memory[0].range.end #2 varint head=100a =0xa | 10",
      "8..18 partition_memory[1] #1 len head=0a08 len=8 | MemoryEntry",
      "10..18 .partition_memory[1].range #1 len head=0a06 len=6 | [0x3000, 0x1000) start > end",
      "12..15 ..partition_memory[1].range.start #1 varint head=088060 =0x3000 | 12288",
      "15..18 ..partition_memory[1].range.end #2 varint head=108020 =0x1000 | 4096",
      "18..22 partition_memory[2] #1 len head=0a02 len=2 | MemoryEntry",
      "20..22 .partition_memory[2].range #1 len head=0a00 len=0 | [0x0, 0x0) 0 bytes",
      "22..34 partition_memory[3] #1 len head=0a0a len=10 | MemoryEntry",
      "24..34 .partition_memory[3].range #1 len head=0a08 len=8 | [0x2, 0xa) 8 bytes",
      "26..28 ..partition_memory[3].range.start #1 varint head=0801 =0x1",
      "28..30 ..partition_memory[3].range.start #1 varint head=0802 =0x2",
      "30..32 ..partition_memory[3].range.end #2 varint head=1005 =0x5",
      "32..34 ..partition_memory[3].range.end #2 varint head=100a =0xa | 10",
      "34..57 partition_memory[4] #1 len head=0a15 len=21 | MemoryEntry",
      "36..57 .partition_memory[4].range #1 len head=0a13 len=19 | [0x20000000000001, 0x1000000000000000) 1015.9 PiB",
      "38..47 ..partition_memory[4].range.start #1 varint head=088180808080808010 =0x20000000000001 | 9007199254740993",
      "47..57 ..partition_memory[4].range.end #2 varint head=10808080808080808010 =0x1000000000000000 | 1152921504606846976",
    ],
  },
  {
    name: "unknown fields of every skippable wire type",
    hex: '4805' + '490102030405060708' + '4d01020304' + '4a02aabb' + '4e0002aabb' + '0005' + '488500',
    rows: [
      "0..2 <field 9> #9 varint unknown head=4805 =0x5 | unknown field: skipped by the decoder",
      "2..11 <field 9> #9 fixed64 unknown head=490102030405060708 =0x807060504030201 | unknown field: skipped by the decoder",
      "11..16 <field 9> #9 fixed32 unknown head=4d01020304 =0x4030201 | unknown field: skipped by the decoder",
      "16..20 <field 9> #9 len unknown head=4a02 len=2 data=aabb | unknown field: skipped by the decoder",
      "20..25 <field 9> #9 mesh message unknown head=4e0002 len=2 data=aabb | unknown field: skipped by the decoder",
      "25..27 <field 0> #0 varint unknown head=0005 =0x5 | field 0: ignored by the decoder",
      "27..30 <field 9> #9 varint unknown head=488500 =0x5 | unknown field: skipped by the decoder [non-minimal varint: 2 bytes]",
    ],
  },
  {
    name: "an unknown field inside a memory entry; a non-minimal key",
    hex: '0a0f' + R + '3807' + '0a03' + '880005',
    rows: [
      "0..17 partition_memory[0] #1 len head=0a0f len=15 | MemoryEntry",
      "2..10 .partition_memory[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "4..7 ..partition_memory[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "7..10 ..partition_memory[0].range.end #2 varint head=108060 =0x3000 | 12288",
      "10..12 .partition_memory[0].<field 7> #7 varint unknown head=3807 =0x7 | unknown field: skipped by the decoder",
      "12..17 .partition_memory[0].range #1 len head=0a03 len=3 | [0x5, 0x3000) 11.9 KiB, merged with the earlier range",
      "14..17 ..partition_memory[0].range.start #1 varint head=880005 =0x5",
    ],
  },
  {
    name: "zero runs: one pair, three pairs, broken by a non-pair (a field 5 varint 0 is not padding)",
    hex: '0000' + '2001' + '000000000000' + '2001' + '0000' + '0001' + '0000' + '008000' + '0500000000' + '0000' + '2800',
    rows: [
      "0..2 <field 0> #0 varint unknown head=0000 =0x0 | field 0: ignored by the decoder",
      "2..4 cpus_with_outstanding_io #4 varint head=2001 elements=[3:0x1] | unpacked element: 1",
      "4..10 <field 0> #0 varint unknown head=0000 =0x0 x3 | field 0: ignored by the decoder",
      "10..12 cpus_with_outstanding_io #4 varint head=2001 elements=[11:0x1] | unpacked element: 1",
      "12..14 <field 0> #0 varint unknown head=0000 =0x0 | field 0: ignored by the decoder",
      "14..16 <field 0> #0 varint unknown head=0001 =0x1 | field 0: ignored by the decoder",
      "16..18 <field 0> #0 varint unknown head=0000 =0x0 | field 0: ignored by the decoder",
      "18..21 <field 0> #0 varint unknown head=008000 =0x0 | field 0: ignored by the decoder [non-minimal varint: 2 bytes]",
      "21..26 <field 0> #0 fixed32 unknown head=0500000000 =0x0 | field 0: ignored by the decoder",
      "26..28 <field 0> #0 varint unknown head=0000 =0x0 | field 0: ignored by the decoder",
      "28..30 <field 5> #5 varint unknown head=2800 =0x0 | unknown field: skipped by the decoder",
    ],
  },
  {
    name: "a zero run ends a nested message",
    hex: '0a04' + '00000000',
    rows: [
      "0..6 partition_memory[0] #1 len head=0a04 len=4 | MemoryEntry",
      "2..6 .partition_memory[0].<field 0> #0 varint unknown head=0000 =0x0 x2 | field 0: ignored by the decoder",
    ],
  },
  {
    name: "a zero run before an error",
    hex: '00000000' + 'ff',
    error: "eof_varint @4",
    rows: [
      "0..4 <field 0> #0 varint unknown head=0000 =0x0 x2 | field 0: ignored by the decoder",
    ],
  },
  {
    name: "packed lists: empty, values, above u32, above 2^53, unpacked",
    hex: '2200' + '1a03010203' + '22058080808010' + '1a08' + '8180808080808010' + '2007' + '208080808010' + 'a00007',
    rows: [
      "0..2 cpus_with_outstanding_io #4 len head=2200 len=0 elements=[] | packed, empty",
      "2..7 cpus_with_mapped_interrupts_no_io #3 len head=1a03010203 len=3 elements=[4:0x1 5:0x2 6:0x3] | packed: 1, 2, 3",
      "7..14 cpus_with_outstanding_io #4 len head=22058080808010 len=5 elements=[9:0x100000000] | packed: 0 (from 0x100000000, cut to u32)",
      "14..24 cpus_with_mapped_interrupts_no_io #3 len head=1a088180808080808010 len=8 elements=[16:0x20000000000001] | packed: 1 (from 0x20000000000001, cut to u32)",
      "24..26 cpus_with_outstanding_io #4 varint head=2007 elements=[25:0x7] | unpacked element: 7",
      "26..32 cpus_with_outstanding_io #4 varint head=208080808010 elements=[27:0x100000000] | unpacked element: 0 (from 0x100000000, cut to u32)",
      "32..35 cpus_with_outstanding_io #4 varint head=a00007 elements=[34:0x7] | unpacked element: 7",
    ],
  },
  {
    name: "a packed list that ends inside an element",
    hex: '2203' + '07ffff',
    error: "eof_varint @3 cpus_with_outstanding_io",
    rows: [
      "0..5 cpus_with_outstanding_io #4 len head=220307ffff len=3 elements=[2:0x7] | packed, 1 element(s) before the error: 7",
    ],
  },
  {
    name: "a CPU list with a fixed32 wire type",
    hex: '2001' + '2501020304',
    error: "expected_varint @2 cpus_with_outstanding_io",
    rows: [
      "0..2 cpus_with_outstanding_io #4 varint head=2001 elements=[1:0x1] | unpacked element: 1",
      "2..7 cpus_with_outstanding_io #4 fixed32 head=2501020304 elements=[]",
    ],
  },
  {
    name: "a message field with a varint wire type",
    hex: '2001' + '0801',
    error: "expected_message @2 partition_memory[0]",
    rows: [
      "0..2 cpus_with_outstanding_io #4 varint head=2001 elements=[1:0x1] | unpacked element: 1",
    ],
  },
  {
    name: "a message field as a mesh message (wire type 6)",
    hex: '0e0008' + R,
    rows: [
      "0..11 partition_memory[0] #1 mesh message head=0e0008 len=8 | MemoryEntry",
      "3..11 .partition_memory[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "5..8 ..partition_memory[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "8..11 ..partition_memory[0].range.end #2 varint head=108060 =0x3000 | 12288",
    ],
  },
  {
    name: "a mesh message with resources",
    hex: '0e0100',
    error: "invalid_resource_range @1 partition_memory",
    rows: [
    ],
  },
  {
    name: "an error inside a range: both messages keep an empty meaning",
    hex: '0a05' + '0a03' + '088080',
    error: "eof_varint @5 partition_memory[0].range.start",
    rows: [
      "0..7 partition_memory[0] #1 len head=0a05 len=5",
      "2..7 .partition_memory[0].range #1 len head=0a03 len=3",
    ],
  },
  {
    name: "an error after a range: the range keeps its meaning",
    hex: '0a0a' + R + '1080',
    error: "eof_varint @11 partition_memory[0].vnode",
    rows: [
      "0..12 partition_memory[0] #1 len head=0a0a len=10",
      "2..10 .partition_memory[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "4..7 ..partition_memory[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "7..10 ..partition_memory[0].range.end #2 varint head=108060 =0x3000 | 12288",
    ],
  },
  {
    name: "an error in the second entry: the first keeps its meaning",
    hex: '0a08' + R + '0a04' + '1a020880',
    error: "eof_varint @15 partition_memory[1].vtl_type.field1",
    rows: [
      "0..10 partition_memory[0] #1 len head=0a08 len=8 | MemoryEntry",
      "2..10 .partition_memory[0].range #1 len head=0a06 len=6 | [0x1000, 0x3000) 8 KiB",
      "4..7 ..partition_memory[0].range.start #1 varint head=088020 =0x1000 | 4096",
      "7..10 ..partition_memory[0].range.end #2 varint head=108060 =0x3000 | 12288",
      "10..16 partition_memory[1] #1 len head=0a04 len=4",
      "12..16 .partition_memory[1].vtl_type #3 len head=1a02 len=2",
    ],
  },
  {
    name: "a group wire type",
    hex: '2001' + '0b',
    error: "unknown_wire_type @2 partition_memory",
    rows: [
      "0..2 cpus_with_outstanding_io #4 varint head=2001 elements=[1:0x1] | unpacked element: 1",
    ],
  },
  {
    name: "a resource wire type",
    hex: '0f',
    error: "missing_resource @0 partition_memory",
    rows: [
    ],
  },
  {
    name: "a length past the end",
    hex: '0a09' + R,
    error: "eof_byte_array @1 partition_memory",
    rows: [
    ],
  },
];

/** The payload at byte offset 3 of a larger buffer with bytes after it that must not be read. */
function embedded(bytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(bytes.length + 8).fill(0xff);
  buf.set(bytes, 3);
  return buf.subarray(3, 3 + bytes.length);
}

describe('walkWire rows', () => {
  test.each(CASES)('$name', ({ hex, error, rows }) => {
    const bytes = Buffer.from(hex, 'hex');
    for (const payload of [bytes, embedded(bytes)]) {
      const view = walkWire(payload);
      const e = view.error;
      expect(e && `${e.code} @${e.offset} ${e.path}`.trimEnd()).toBe(error);
      expect(Array.from(view.rows, rowLine)).toEqual(rows);
      expect(view.count).toBe(rows.length);
    }
  });

  test('the last summary of each entry range is the range the decoder returns', () => {
    let compared = 0;
    for (const { hex, error } of CASES) {
      if (error !== undefined) continue;
      const bytes = Buffer.from(hex, 'hex');
      const state = decodeSavedState(bytes);
      const meanings = new Map<string, string>();
      for (const row of walkWire(bytes).rows) if (/^partition_(memory|mmio)\[\d+\]\.range$/.test(row.path)) meanings.set(row.path, row.meaning);
      const entries = [...state.partitionMemory.map((e, i) => [`partition_memory[${i}]`, e] as const), ...state.partitionMmio.map((e, i) => [`partition_mmio[${i}]`, e] as const)];
      for (const [path, entry] of entries) {
        const meaning = meanings.get(`${path}.range`);
        if (meaning === undefined) continue;
        expect(meaning.startsWith(`[${formatHex(entry.range.start)}, ${formatHex(entry.range.end)})`), `${hex} ${path}: ${meaning}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});

describe('wireRowToJson', () => {
  const row: WireRow = { offset: 0, end: 1, depth: 0, path: '<field 1>', field: 1, name: undefined, wireType: 9, unknown: true, head: Uint8Array.of(0xab), meaning: '' };

  test('names a wire type outside 0–7 by its number', () => {
    expect(wireRowToJson(row)).toStrictEqual({ offset: 0, end: 1, depth: 0, path: '<field 1>', field: 1, name: null, wire_type: 9, wire_type_name: '9', unknown: true, head_hex: 'ab', meaning: '' });
  });

  test("a packed row's elements can be replaced like any other field", () => {
    const packed = [...walkWire(Buffer.from('1a020102', 'hex')).rows][0]!;
    expect(packed.elements).toEqual([
      { offset: 2, value: 1n },
      { offset: 3, value: 2n },
    ]);
    // A real, enumerable property, as on every other row: spreads and Object.keys see it.
    expect(Object.keys(packed)).toContain('elements');
    packed.elements = [{ offset: 9, value: 9n }];
    expect(wireRowToJson(packed).elements).toEqual([{ offset: 9, value: '0x9' }]);
    // And deleted (a non-configurable property would throw here, in strict mode).
    delete packed.elements;
    expect(packed.elements).toBeUndefined();
  });
});

describe('a failure that is not a DecodeError', () => {
  // A bug inside the reader (here: a TypeError from its varint reader on the k-th call) is not
  // the decoder stopping: it must reach the caller as itself, from the counting walk and from
  // each iteration of the rows, at every depth and inside a packed list (killing the mutants that
  // keep it as `error`, swallow it, or wrap it with `.within()`).
  // partition_memory[0] { range, vtl_type } then a packed CPU list of three.
  const payload = Buffer.from('0a0c' + R + '1a020802' + '1a03010203', 'hex');
  const bug = new TypeError('a bug, not a decode error');
  /** Makes the reader's k-th varint read from now on throw `bug` (never, for k = 0); returns the reads so far. */
  let failOnCall: (k: number) => () => number;
  beforeEach(() => {
    let calls = 0;
    let failAt = 0;
    const real = MeshReader.prototype.varint;
    vi.spyOn(MeshReader.prototype, 'varint').mockImplementation(function (this: MeshReader, end: number) {
      if (++calls === failAt) throw bug;
      return real.call(this, end);
    });
    failOnCall = (k) => {
      calls = 0;
      failAt = k;
      return () => calls;
    };
  });
  afterEach(() => vi.restoreAllMocks());

  test('every varint read of the counting walk', () => {
    const calls = failOnCall(0);
    walkWire(payload);
    const total = calls();
    expect(total).toBe(17);
    for (let k = 1; k <= total; k++) {
      failOnCall(k);
      expect(() => walkWire(payload), `call ${k}`).toThrow(bug);
    }
  });

  test('every varint read of an iteration of the rows', () => {
    const view = walkWire(payload);
    const calls = failOnCall(0);
    const whole = Array.from(view.rows, wireRowToJson);
    expect(whole).toHaveLength(view.count);
    const total = calls();
    // Nine more than the counting walk's 17: the range (two keys, two values) and the vtl_type
    // (one key, one value) summaries read their data ahead, and the JSON form reads the packed
    // row's three elements.
    expect(total).toBe(26);
    for (let k = 1; k <= total; k++) {
      failOnCall(k);
      expect(() => Array.from(view.rows, wireRowToJson), `call ${k}`).toThrow(bug);
    }
    // A failed iteration leaves the view as it was (the failed-message set is per iteration).
    failOnCall(0);
    expect(Array.from(view.rows, wireRowToJson)).toEqual(whole);
  });
});
