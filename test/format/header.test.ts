import { describe, expect, test } from 'vitest';
import {
  DRAFT_MAGIC,
  HEADER_FIELDS,
  HeaderError,
  PERSISTED_STATE_MAGIC,
  classifyMagic,
  decodeHeader,
  encodeHeader,
  readHeader,
  writeHeader,
  type PersistedStateHeader,
} from '../../src/format/header.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const SAMPLE: PersistedStateHeader = {
  magic: PERSISTED_STATE_MAGIC,
  protobufBase: 0x8001000n,
  protobufRegionLen: 0x13000n,
  protobufPayloadLen: 330n,
};

describe('magic', () => {
  test('the shipped magic lands in memory as the ASCII bytes OHCLPHDR', () => {
    expect(PERSISTED_STATE_MAGIC).toBe(0x524448504c43484fn);
    const bytes = encodeHeader({ ...SAMPLE }).subarray(0, 8);
    expect(toHex(bytes)).toBe('4f48434c50484452');
    expect(Buffer.from(bytes).toString('ascii')).toBe('OHCLPHDR');
  });

  test('the draft constant is the byte-swapped magic and reads RDHPLCHO', () => {
    expect(DRAFT_MAGIC).toBe(0x4f48434c50484452n);
    const bytes = encodeHeader({ ...SAMPLE, magic: DRAFT_MAGIC }).subarray(0, 8);
    expect(Buffer.from(bytes).toString('ascii')).toBe('RDHPLCHO');
  });

  test.each([
    [PERSISTED_STATE_MAGIC, 'valid'],
    [DRAFT_MAGIC, 'draft_magic'],
    [0n, 'no_magic'],
    [PERSISTED_STATE_MAGIC ^ 1n, 'no_magic'],
    [PERSISTED_STATE_MAGIC ^ (1n << 63n), 'no_magic'],
  ] as const)('classifyMagic(%s) = %s', (magic, status) => {
    expect(classifyMagic(magic)).toBe(status);
  });
});

describe('layout', () => {
  test('every field is a little-endian u64 at its documented offset', () => {
    const bytes = encodeHeader({
      magic: 0x0807060504030201n,
      protobufBase: 0x1817161514131211n,
      protobufRegionLen: 0x2827262524232221n,
      protobufPayloadLen: 0x3837363534333231n,
    });
    expect(bytes.length).toBe(32);
    expect(HEADER_FIELDS.map((f) => [f.name, f.offset])).toEqual([
      ['magic', 0],
      ['protobuf_base', 8],
      ['protobuf_region_len', 16],
      ['protobuf_payload_len', 24],
    ]);
    for (const [i, f] of HEADER_FIELDS.entries()) {
      // Field i's least significant byte comes first: 0x{i}1, 0x{i}2, … 0x{i}8.
      const want = Array.from({ length: 8 }, (_, j) => i * 0x10 + j + 1);
      expect(Array.from(bytes.subarray(f.offset, f.offset + 8))).toEqual(want);
    }
  });

  test('decode is the inverse of encode, up to 2^64 - 1', () => {
    const h = { magic: 2n ** 64n - 1n, protobufBase: 0n, protobufRegionLen: 2n ** 53n + 1n, protobufPayloadLen: 2n ** 64n - 4096n };
    expect(decodeHeader(encodeHeader(h))).toEqual(h);
  });

  test('decode reads only the first 32 bytes of a longer buffer', () => {
    const page = new Uint8Array(0x1000).fill(0xee);
    page.set(encodeHeader(SAMPLE));
    expect(decodeHeader(page)).toEqual(SAMPLE);
  });

  test('a value that is not a u64 is refused with the field name', () => {
    expect(() => encodeHeader({ ...SAMPLE, protobufRegionLen: 2n ** 64n })).toThrow(
      expect.objectContaining({ code: 'value_out_of_range', field: 'protobuf_region_len' }),
    );
    expect(() => encodeHeader({ ...SAMPLE, protobufBase: -1n })).toThrow(HeaderError);
  });

  test('fewer than 32 bytes is a typed error', () => {
    expect(() => decodeHeader(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'short_header' }));
  });

  // Mutants: the message's `typeof v === 'bigint' ? String(v) : describeValue(v)` → always
  // describeValue ("bigint 18446744073709551616n"), or the field name dropped.
  test('an out-of-range bigint is printed in decimal, a non-bigint described, and the field named', () => {
    const refusal = (h: PersistedStateHeader) => {
      try {
        encodeHeader(h);
      } catch (e) {
        return e instanceof HeaderError ? { code: e.code, field: e.field, message: e.message } : e;
      }
      throw new Error('encodeHeader accepted it');
    };
    expect(refusal({ ...SAMPLE, protobufRegionLen: 2n ** 64n })).toEqual({
      code: 'value_out_of_range',
      field: 'protobuf_region_len',
      message: 'header protobuf_region_len: 18446744073709551616 is not a u64 bigint',
    });
    expect(refusal({ ...SAMPLE, magic: -1n })).toEqual({ code: 'value_out_of_range', field: 'magic', message: 'header magic: -1 is not a u64 bigint' });
    expect(refusal({ ...SAMPLE, protobufPayloadLen: 330 as unknown as bigint })).toEqual({
      code: 'value_out_of_range',
      field: 'protobuf_payload_len',
      message: 'header protobuf_payload_len: number 330 is not a u64 bigint',
    });
  });

  // Mutants: the short-header error's field `''` → "Stryker was here!", its message emptied.
  test('a short buffer names no field and says how many bytes it got', () => {
    expect(() => decodeHeader(new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: 'short_header', field: '', message: 'a persisted-state header is 32 bytes; got 31' }),
    );
  });
});

describe('in guest memory', () => {
  test('write then read at a high GPA; the rest of the page is untouched', () => {
    const memory = new GuestMemory();
    const gpa = 0xffff_ff00_0000_0000n;
    memory.write(gpa + 32n, Uint8Array.of(0xaa));
    writeHeader(memory, gpa, SAMPLE);
    expect(readHeader(memory, gpa)).toEqual({ status: 'valid', header: SAMPLE });
    expect(memory.read(gpa + 32n, 1n)).toEqual(Uint8Array.of(0xaa));
    expect(toHex(memory.read(gpa, 8n))).toBe('4f48434c50484452');
  });

  test('never-written memory reads as no magic with all-zero fields', () => {
    expect(readHeader(new GuestMemory(), 0x8000000n)).toEqual({
      status: 'no_magic',
      header: { magic: 0n, protobufBase: 0n, protobufRegionLen: 0n, protobufPayloadLen: 0n },
    });
  });

  // Mutants: each argument name (e.g. 'writeHeader(memory)' → "") in the ArgumentError.
  test.each([
    ['readHeader(memory)', () => readHeader({} as GuestMemory, 0n)],
    ['readHeader(gpa)', () => readHeader(new GuestMemory(), 0 as unknown as bigint)],
    ['writeHeader(memory)', () => writeHeader({} as GuestMemory, 0n, SAMPLE)],
    ['writeHeader(gpa)', () => writeHeader(new GuestMemory(), 0 as unknown as bigint, SAMPLE)],
  ] as const)('a bad argument to %s is an ArgumentError naming it', (argument, call) => {
    expect(call).toThrow(expect.objectContaining({ code: 'bad_argument', argument }));
  });

  test('a draft-magic header is reported as such, not as no magic', () => {
    const memory = new GuestMemory();
    writeHeader(memory, 0x8000000n, { ...SAMPLE, magic: DRAFT_MAGIC });
    expect(readHeader(memory, 0x8000000n).status).toBe('draft_magic');
  });
});
