import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_MAX_ACCESS_LENGTH,
  GuestMemory,
  GuestMemoryError,
  type GuestMemoryErrorCode,
} from '../../src/memory/guest-memory.js';
import { Vtl2PersistError } from '../../src/errors.js';

const TOP = 1n << 64n;
const U64_MAX = TOP - 1n;
const TIB = 1n << 40n;
const PAGE = 0x1000n;

/** Runs `fn`, asserts it throws a GuestMemoryError, and returns it for further checks. */
function catchGm(fn: () => unknown): GuestMemoryError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GuestMemoryError);
    expect(e).toBeInstanceOf(Vtl2PersistError);
    return e as GuestMemoryError;
  }
  throw new Error('expected a GuestMemoryError, but nothing was thrown');
}

function expectGmError(
  fn: () => unknown,
  code: GuestMemoryErrorCode,
  gpa: bigint,
  len: bigint,
  message?: string | RegExp,
): GuestMemoryError {
  const err = catchGm(fn);
  expect(err.code).toBe(code);
  expect(err.gpa).toBe(gpa);
  expect(err.len).toBe(len);
  expect(err.name).toBe('GuestMemoryError');
  if (message !== undefined) {
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  }
  return err;
}

/**
 * Byte-array equality that stays fast on large arrays (vitest's deep equality
 * walks typed arrays element by element); falls back to toEqual for the diff.
 */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length === expected.length && Buffer.compare(actual, expected) === 0) return;
  expect(actual).toEqual(expected);
}

/** Deterministic non-zero-ish pattern so round trips cannot pass by accident. */
function pattern(len: number, seed = 1): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = ((i * 31 + seed * 17) % 255) + 1;
  return out;
}

describe('unwritten memory', () => {
  it.each([
    { name: 'address 0', gpa: 0n, len: 16n },
    { name: 'one page straddling a boundary', gpa: 0xf80n, len: 0x100n },
    { name: '1 TiB', gpa: TIB, len: 0x10n },
    { name: '1 MiB deep inside a 5 TiB region', gpa: 5n * TIB + 0x123n, len: 0x10_0000n },
    { name: 'last 8 bytes of the u64 space', gpa: TOP - 8n, len: 8n },
    { name: 'last page of the u64 space', gpa: TOP - PAGE, len: PAGE },
    { name: 'zero-length at the very end', gpa: TOP, len: 0n },
  ])('reads zeros at $name without allocating', ({ gpa, len }) => {
    const mem = new GuestMemory();
    const bytes = mem.read(gpa, len);
    expect(bytes.length).toBe(Number(len));
    expect(bytes.every((b) => b === 0)).toBe(true);
    expect(mem.residentPages).toBe(0);
    expect([...mem.writtenPages()]).toEqual([]);
  });

  it('reads zero u64/u32 values anywhere without allocating, including near 2^64', () => {
    const mem = new GuestMemory();
    for (const gpa of [0n, 0xffcn, 0xffdn, TIB - 3n, TOP - 8n]) expect(mem.readU64(gpa)).toBe(0n);
    for (const gpa of [0n, 0xffen, TIB - 1n, TOP - 4n]) expect(mem.readU32(gpa)).toBe(0);
    expect(mem.residentPages).toBe(0);
  });

  it('models a 2 TiB partition with a few scattered writes at a handful of pages', () => {
    const mem = new GuestMemory({ limit: 2n * TIB });
    const addrs = [0n, TIB - 4n, TIB + 0x5000n, 2n * TIB - 8n];
    addrs.forEach((a, i) => mem.writeU64(a, BigInt(i + 1) * 0x0101_0101_0101_0101n));
    // TIB - 4 straddles two pages.
    expect(mem.residentPages).toBe(5);
    addrs.forEach((a, i) => expect(mem.readU64(a)).toBe(BigInt(i + 1) * 0x0101_0101_0101_0101n));
    expect(mem.read(TIB / 2n, 0x1000n).every((b) => b === 0)).toBe(true);
    expect(mem.residentPages).toBe(5);
  });

  it('does not allocate when writing zeros to unallocated pages', () => {
    const mem = new GuestMemory();
    mem.write(0x1800n, new Uint8Array(0x3000));
    mem.writeU64(TOP - 8n, 0n);
    mem.writeU32(0xffen, 0);
    mem.zero(0n, 0x10_0000n);
    expect(mem.residentPages).toBe(0);
  });
});

describe('read/write round trips', () => {
  it.each([
    { name: 'within one page', gpa: 0x10n, len: 0x20, pages: [0x0n] },
    { name: 'straddling one boundary by one byte each side', gpa: 0xfffn, len: 2, pages: [0x0n, 0x1000n] },
    { name: 'exactly one aligned page', gpa: 0x7000n, len: 0x1000, pages: [0x7000n] },
    { name: 'spanning three pages', gpa: 0x2ff0n, len: 0x1020, pages: [0x2000n, 0x3000n, 0x4000n] },
    { name: 'spanning five pages', gpa: 0x10_0001n, len: 0x4000, pages: [0x10_0000n, 0x10_1000n, 0x10_2000n, 0x10_3000n, 0x10_4000n] },
    { name: 'at 1 TiB across a boundary', gpa: TIB - 0x10n, len: 0x20, pages: [TIB - PAGE, TIB] },
    { name: 'ending exactly at 2^64', gpa: TOP - 0x1800n, len: 0x1800, pages: [TOP - 2n * PAGE, TOP - PAGE] },
  ])('$name', ({ gpa, len, pages }) => {
    const mem = new GuestMemory();
    const data = pattern(len, 7);
    mem.write(gpa, data);
    expect(mem.read(gpa, BigInt(len))).toEqual(data);
    expect(mem.residentPages).toBe(pages.length);
    expect([...mem.writtenPages()]).toEqual(pages);
    // Bytes just outside the write stay zero.
    if (gpa > 0n) expect(mem.read(gpa - 1n, 1n)[0]).toBe(0);
    if (gpa + BigInt(len) < TOP) expect(mem.read(gpa + BigInt(len), 1n)[0]).toBe(0);
    // A read offset into the written span sees the right slice.
    expect(mem.read(gpa + 1n, BigInt(len - 1))).toEqual(data.subarray(1));
  });

  it('read returns a copy and write copies its input', () => {
    const mem = new GuestMemory();
    const src = pattern(16);
    mem.write(0x100n, src);
    src[0] = 0xaa;
    const out = mem.read(0x100n, 16n);
    expect(out[0]).toBe(pattern(16)[0]);
    out[1] = 0xbb;
    expect(mem.read(0x100n, 16n)).toEqual(pattern(16));
  });

  it('accepts a Buffer and a subarray view with a non-zero byteOffset', () => {
    const mem = new GuestMemory();
    const backingBuf = pattern(64);
    mem.write(0xff8n, backingBuf.subarray(8, 24));
    expect(mem.read(0xff8n, 16n)).toEqual(backingBuf.slice(8, 24));
    mem.write(0x2000n, Buffer.from([1, 2, 3]));
    expect([...mem.read(0x2000n, 3n)]).toEqual([1, 2, 3]);
  });

  it('overwrites partially and leaves neighbours intact', () => {
    const mem = new GuestMemory();
    mem.write(0xff0n, pattern(0x20, 1));
    mem.write(0xffcn, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]));
    const expected = pattern(0x20, 1);
    expected.fill(0, 0xc, 0x14);
    expect(mem.read(0xff0n, 0x20n)).toEqual(expected);
  });
});

describe('u64 and u32 accessors', () => {
  const V = 0x0102_0304_0506_0708n;
  const LE = [0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01];

  it.each([
    { name: 'aligned', gpa: 0x10n },
    { name: 'unaligned', gpa: 0x13n },
    { name: 'crossing a page after 3 bytes', gpa: 0xffdn },
    { name: 'crossing a page after 1 byte', gpa: 0x1fffn },
    { name: 'crossing a page after 7 bytes', gpa: 0x2ff9n },
    { name: 'last 8 bytes of the u64 space', gpa: TOP - 8n },
    { name: 'at 1 TiB crossing', gpa: TIB - 4n },
  ])('writeU64 stores little-endian bytes ($name)', ({ gpa }) => {
    const mem = new GuestMemory();
    mem.writeU64(gpa, V);
    expect([...mem.read(gpa, 8n)]).toEqual(LE);
    expect(mem.readU64(gpa)).toBe(V);
    expect(mem.read(gpa - 1n, 1n)[0]).toBe(0);
    if (gpa + 8n < TOP) expect(mem.read(gpa + 8n, 1n)[0]).toBe(0);
    const crossesPage = (gpa & 0xfffn) > 0xff8n;
    expect(mem.residentPages).toBe(crossesPage ? 2 : 1);
  });

  it('readU64 assembles bytes written with write() (including page-crossing)', () => {
    const mem = new GuestMemory();
    for (const gpa of [0x40n, 0xffbn]) {
      mem.write(gpa, new Uint8Array([0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]));
      expect(mem.readU64(gpa)).toBe(0x0123_4567_89ab_cdefn);
    }
  });

  it.each([
    { value: 0n, bytes: [0, 0, 0, 0, 0, 0, 0, 0] },
    { value: 1n, bytes: [1, 0, 0, 0, 0, 0, 0, 0] },
    { value: 1n << 63n, bytes: [0, 0, 0, 0, 0, 0, 0, 0x80] },
    { value: U64_MAX, bytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] },
  ])('round-trips $value at aligned and page-crossing addresses', ({ value, bytes }) => {
    const mem = new GuestMemory();
    for (const gpa of [0x100n, 0x1ffcn]) {
      mem.write(gpa, pattern(8)); // ensure 0n really overwrites
      mem.writeU64(gpa, value);
      expect(mem.readU64(gpa)).toBe(value);
      expect([...mem.read(gpa, 8n)]).toEqual(bytes);
    }
  });

  it.each([
    { name: '-1n', value: -1n },
    { name: '2^64', value: TOP },
    { name: '2^80', value: 1n << 80n },
  ])('writeU64 rejects $name with bad_value and writes nothing', ({ value }) => {
    const mem = new GuestMemory();
    expectGmError(() => mem.writeU64(0x20n, value), 'bad_value', 0x20n, 8n, /does not fit in a u64/);
    expect(mem.residentPages).toBe(0);
    mem.writeU64(0xffcn, V);
    expectGmError(() => mem.writeU64(0xffcn, value), 'bad_value', 0xffcn, 8n);
    expect(mem.readU64(0xffcn)).toBe(V);
  });

  it('writeU64 rejects a non-bigint value with bad_value', () => {
    const mem = new GuestMemory();
    expectGmError(() => mem.writeU64(0n, 5 as unknown as bigint), 'bad_value', 0n, 8n, /number 5/);
  });

  it('u32 accessors are little-endian, unaligned and page-crossing', () => {
    const mem = new GuestMemory();
    for (const gpa of [0x0n, 0x7n, 0xffdn, 0x1ffen, TOP - 4n]) {
      mem.writeU32(gpa, 0xdead_beef);
      expect([...mem.read(gpa, 4n)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
      expect(mem.readU32(gpa)).toBe(0xdead_beef);
    }
    mem.writeU32(0x40n, 0xffff_ffff);
    expect(mem.readU32(0x40n)).toBe(0xffff_ffff);
  });

  it.each([
    { name: '-1', value: -1 },
    { name: '2^32', value: 2 ** 32 },
    { name: '1.5', value: 1.5 },
    { name: 'NaN', value: Number.NaN },
  ])('writeU32 rejects $name with bad_value and writes nothing', ({ value }) => {
    const mem = new GuestMemory();
    expectGmError(() => mem.writeU32(0x1ffen, value), 'bad_value', 0x1ffen, 4n);
    expect(mem.residentPages).toBe(0);
  });

  it('reports address errors before value errors', () => {
    const mem = new GuestMemory({ limit: 0x1000n });
    expectGmError(() => mem.writeU64(0xffcn, -1n), 'out_of_range', 0xffcn, 8n);
  });
});

describe('access validation', () => {
  it('uses the documented message for running off the end', () => {
    const mem = new GuestMemory();
    expectGmError(
      () => mem.read(0xffff_ffff_ffff_fff0n, 0x20n),
      'out_of_range',
      0xffff_ffff_ffff_fff0n,
      0x20n,
      'read of 0x20 bytes at 0xfffffffffffffff0 runs past the end of the address space and would wrap past 2^64 (limit 0x10000000000000000)',
    );
  });

  it.each([
    { name: 'read ends exactly at limit', limit: 0x10000n, op: 'read', gpa: 0xfff0n, len: 0x10n, ok: true },
    { name: 'read one byte past limit', limit: 0x10000n, op: 'read', gpa: 0xfff0n, len: 0x11n, ok: false },
    { name: 'write ends exactly at limit', limit: 0x10000n, op: 'write', gpa: 0xfff8n, len: 8n, ok: true },
    { name: 'write one byte past limit', limit: 0x10000n, op: 'write', gpa: 0xfff8n, len: 9n, ok: false },
    { name: 'zero-length at limit', limit: 0x10000n, op: 'read', gpa: 0x10000n, len: 0n, ok: true },
    { name: 'zero-length beyond limit', limit: 0x10000n, op: 'read', gpa: 0x10001n, len: 0n, ok: false },
    { name: 'unaligned limit, last byte', limit: 0x12345n, op: 'write', gpa: 0x12344n, len: 1n, ok: true },
    { name: 'unaligned limit, one more', limit: 0x12345n, op: 'zero', gpa: 0x12344n, len: 2n, ok: false },
    { name: 'u64 space: ends at 2^64', limit: TOP, op: 'read', gpa: TOP - 1n, len: 1n, ok: true },
    { name: 'u64 space: wraps past 2^64', limit: TOP, op: 'read', gpa: TOP - 1n, len: 2n, ok: false },
    { name: 'u64 space: huge length wraps', limit: TOP, op: 'zero', gpa: 0x1000n, len: U64_MAX, ok: false },
    { name: 'u64 space: zero-length at 2^64', limit: TOP, op: 'zero', gpa: TOP, len: 0n, ok: true },
    { name: 'u64 space: address beyond 2^64', limit: TOP, op: 'read', gpa: TOP + 5n, len: 0n, ok: false },
    { name: 'limit 0: zero-length at 0', limit: 0n, op: 'read', gpa: 0n, len: 0n, ok: true },
    { name: 'limit 0: one byte', limit: 0n, op: 'write', gpa: 0n, len: 1n, ok: false },
  ])('limit: $name', ({ limit, op, gpa, len, ok }) => {
    const mem = new GuestMemory({ limit, maxAccessLength: U64_MAX });
    const run = (): void => {
      if (op === 'read') mem.read(gpa, len);
      else if (op === 'write') mem.write(gpa, pattern(Number(len)));
      else mem.zero(gpa, len);
    };
    if (ok) {
      run();
    } else {
      const err = expectGmError(run, 'out_of_range', gpa, len, new RegExp(`^${op} of 0x${len.toString(16)} bytes at 0x${gpa.toString(16)} runs past the end`));
      expect(err.message).toContain(`(limit 0x${limit.toString(16)})`);
      expect(err.message.includes('wrap past 2^64')).toBe(gpa + len > TOP);
    }
    expect(mem.residentPages).toBe(ok && op === 'write' && len > 0n ? 1 : 0);
  });

  it.each([
    { name: 'readU64 wrapping', run: (m: GuestMemory) => m.readU64(TOP - 4n), gpa: TOP - 4n, len: 8n },
    { name: 'writeU64 wrapping', run: (m: GuestMemory) => m.writeU64(TOP - 1n, 1n), gpa: TOP - 1n, len: 8n },
    { name: 'readU32 wrapping', run: (m: GuestMemory) => m.readU32(TOP - 2n), gpa: TOP - 2n, len: 4n },
    { name: 'writeU32 wrapping', run: (m: GuestMemory) => m.writeU32(TOP - 3n, 1), gpa: TOP - 3n, len: 4n },
  ])('$name is out_of_range', ({ run, gpa, len }) => {
    const mem = new GuestMemory();
    expectGmError(() => run(mem), 'out_of_range', gpa, len, /wrap past 2\^64/);
    expect(mem.residentPages).toBe(0);
  });

  it.each([
    { name: 'read negative gpa', run: (m: GuestMemory) => m.read(-1n, 1n), gpa: -1n, len: 1n, msg: /^read at -0x1n: address must be a non-negative bigint/ },
    { name: 'read negative len', run: (m: GuestMemory) => m.read(0x10n, -1n), gpa: 0x10n, len: -1n, msg: /^read at 0x10: length -0x1n must be/ },
    { name: 'zero negative gpa', run: (m: GuestMemory) => m.zero(-0x1000n, 0n), gpa: -0x1000n, len: 0n, msg: /^zero at -0x1000n/ },
    { name: 'zero negative len', run: (m: GuestMemory) => m.zero(0n, -5n), gpa: 0n, len: -5n, msg: /length -0x5n/ },
    { name: 'write negative gpa', run: (m: GuestMemory) => m.write(-5n, new Uint8Array([1])), gpa: -5n, len: 1n, msg: /^write at -0x5n/ },
    { name: 'readU64 negative gpa', run: (m: GuestMemory) => m.readU64(-8n), gpa: -8n, len: 8n, msg: /^readU64 at -0x8n/ },
    { name: 'writeU32 negative gpa', run: (m: GuestMemory) => m.writeU32(-1n, 0), gpa: -1n, len: 4n, msg: /^writeU32 at -0x1n/ },
    { name: 'number gpa', run: (m: GuestMemory) => m.read(16 as unknown as bigint, 1n), gpa: 0n, len: 1n, msg: /number 16/ },
    { name: 'number gpa to readU64', run: (m: GuestMemory) => m.readU64(16 as unknown as bigint), gpa: 0n, len: 8n, msg: /^readU64 at number 16/ },
    { name: 'number gpa to writeU32', run: (m: GuestMemory) => m.writeU32(16 as unknown as bigint, 1), gpa: 0n, len: 4n, msg: /^writeU32 at number 16/ },
    { name: 'number len', run: (m: GuestMemory) => m.read(0n, 16 as unknown as bigint), gpa: 0n, len: 0n, msg: /number 16/ },
    { name: 'write of a non-Uint8Array', run: (m: GuestMemory) => m.write(0n, [1, 2] as unknown as Uint8Array), gpa: 0n, len: 0n, msg: /must be a Uint8Array/ },
  ])('bad_argument: $name', ({ run, gpa, len, msg }) => {
    const mem = new GuestMemory();
    expectGmError(() => run(mem), 'bad_argument', gpa, len, msg);
    expect(mem.residentPages).toBe(0);
  });

  describe('maxAccessLength', () => {
    it('defaults to 64 MiB', () => {
      expect(DEFAULT_MAX_ACCESS_LENGTH).toBe(0x400_0000n);
      expect(new GuestMemory().maxAccessLength).toBe(0x400_0000n);
    });

    it('rejects a 2^63-byte read before allocating anything', () => {
      const mem = new GuestMemory();
      expectGmError(
        () => mem.read(0n, 1n << 63n),
        'access_too_large',
        0n,
        1n << 63n,
        'read of 0x8000000000000000 bytes at 0x0 exceeds the largest single access (maxAccessLength 0x4000000)',
      );
      expect(mem.residentPages).toBe(0);
    });

    it.each([
      { op: 'read', len: 0x100n, ok: true },
      { op: 'read', len: 0x101n, ok: false },
      { op: 'write', len: 0x100n, ok: true },
      { op: 'write', len: 0x101n, ok: false },
      { op: 'zero', len: 0x100n, ok: true },
      { op: 'zero', len: 0x101n, ok: false },
    ])('cap of 0x100: $op of $len bytes ok=$ok', ({ op, len, ok }) => {
      const mem = new GuestMemory({ maxAccessLength: 0x100n });
      mem.write(0x1000n, pattern(0x100));
      const before = mem.clone();
      const run = (): void => {
        if (op === 'read') mem.read(0xff0n, len);
        else if (op === 'write') mem.write(0xff0n, pattern(Number(len), 3));
        else mem.zero(0xff0n, len);
      };
      if (ok) run();
      else {
        expectGmError(run, 'access_too_large', 0xff0n, len, /maxAccessLength 0x100\)$/);
        expect(mem.equals(before)).toBe(true);
      }
    });

    it('reports out_of_range rather than access_too_large when both apply', () => {
      const mem = new GuestMemory();
      expectGmError(() => mem.read(TOP - 0x10n, 1n << 63n), 'out_of_range', TOP - 0x10n, 1n << 63n);
    });

    it('cap below 8 makes u64 access too large', () => {
      const mem = new GuestMemory({ maxAccessLength: 4n });
      expectGmError(() => mem.readU64(0n), 'access_too_large', 0n, 8n);
      expect(mem.readU32(0n)).toBe(0);
    });

    it('rejects a read larger than one buffer even with an unlimited cap', () => {
      const mem = new GuestMemory({ maxAccessLength: U64_MAX });
      expectGmError(() => mem.read(0n, 1n << 62n), 'access_too_large', 0n, 1n << 62n, /larger than one buffer/);
      expect(mem.residentPages).toBe(0);
    });
  });

  describe('backing', () => {
    // Backed: [0x1000, 0x3000) and [0x5000, 0x6000); given out of order on purpose.
    const backing = [
      { start: 0x5000n, end: 0x6000n },
      { start: 0x1000n, end: 0x3000n },
    ];

    it.each([
      { name: 'inside the first range', gpa: 0x1000n, len: 0x2000n, hole: null },
      { name: 'inside the second range', gpa: 0x5ff8n, len: 8n, hole: null },
      { name: 'zero-length in a hole', gpa: 0x4000n, len: 0n, hole: null },
      { name: 'zero-length below every range', gpa: 0n, len: 0n, hole: null },
      { name: 'below every range', gpa: 0n, len: 0x10n, hole: '[0x0, 0x10)' },
      { name: 'starting below, ending inside', gpa: 0xff0n, len: 0x20n, hole: '[0xff0, 0x1000)' },
      { name: 'running off the first range', gpa: 0x2000n, len: 0x2000n, hole: '[0x3000, 0x4000)' },
      { name: 'bridging the gap', gpa: 0x2f00n, len: 0x3000n, hole: '[0x3000, 0x5000)' },
      { name: 'inside the gap', gpa: 0x4000n, len: 0x10n, hole: '[0x4000, 0x4010)' },
      { name: 'in the gap, ending inside the next range', gpa: 0x4ff8n, len: 0x10n, hole: '[0x4ff8, 0x5000)' },
      { name: 'after the last range', gpa: 0x6000n, len: 1n, hole: '[0x6000, 0x6001)' },
      { name: 'running off the last range', gpa: 0x5ffcn, len: 8n, hole: '[0x6000, 0x6004)' },
      { name: 'far above, near 2^64', gpa: TOP - 8n, len: 8n, hole: '[0xfffffffffffffff8, 0x10000000000000000)' },
    ])('$name', ({ gpa, len, hole }) => {
      const mem = new GuestMemory({ backing });
      const ops: [string, () => unknown][] = [
        ['read', () => mem.read(gpa, len)],
        ['write', () => mem.write(gpa, pattern(Number(len)))],
        ['zero', () => mem.zero(gpa, len)],
      ];
      if (len === 8n) {
        ops.push(['readU64', () => mem.readU64(gpa)], ['writeU64', () => mem.writeU64(gpa, 1n)]);
      }
      for (const [op, run] of ops) {
        if (hole === null) {
          run();
        } else {
          const err = expectGmError(run, 'unbacked', gpa, len);
          expect(err.message).toBe(
            `${op} of 0x${len.toString(16)} bytes at 0x${gpa.toString(16)} touches unbacked memory ${hole} (no backing range covers it)`,
          );
        }
      }
      if (hole !== null) expect(mem.residentPages).toBe(0);
    });

    it('merges adjacent ranges so an access may span them', () => {
      const mem = new GuestMemory({
        backing: [
          { start: 0x2000n, end: 0x3000n },
          { start: 0x1000n, end: 0x2000n },
          { start: 0x3000n, end: 0x3000n }, // empty: ignored
        ],
      });
      mem.write(0x1800n, pattern(0x1000));
      expect(mem.read(0x1800n, 0x1000n)).toEqual(pattern(0x1000));
      expectGmError(() => mem.read(0x2800n, 0x1000n), 'unbacked', 0x2800n, 0x1000n, /\[0x3000, 0x3800\)/);
    });

    it('an empty backing list leaves nothing accessible but zero-length accesses', () => {
      const mem = new GuestMemory({ backing: [] });
      mem.read(0x1000n, 0n);
      expectGmError(() => mem.readU64(0x1000n), 'unbacked', 0x1000n, 8n);
    });

    it('accepts any iterable, e.g. a generator, and a range ending at 2^64', () => {
      function* ranges(): Generator<{ start: bigint; end: bigint }> {
        yield { start: TOP - 0x2000n, end: TOP };
      }
      const mem = new GuestMemory({ backing: ranges() });
      mem.writeU64(TOP - 8n, U64_MAX);
      expect(mem.readU64(TOP - 8n)).toBe(U64_MAX);
      expectGmError(() => mem.readU64(TOP - 0x2004n), 'unbacked', TOP - 0x2004n, 8n);
    });

    it('limit is checked before backing', () => {
      const mem = new GuestMemory({ limit: 0x5800n, backing });
      expectGmError(() => mem.read(0x5000n, 0x1000n), 'out_of_range', 0x5000n, 0x1000n);
    });
  });

  describe('failed writes change nothing', () => {
    it.each([
      { name: 'write running into an unbacked hole', run: (m: GuestMemory) => m.write(0x2ff0n, pattern(0x20, 9)) },
      { name: 'write running past limit', run: (m: GuestMemory) => m.write(0x7ff0n, pattern(0x20, 9)) },
      { name: 'write too large', run: (m: GuestMemory) => m.write(0x1000n, pattern(0x1001, 9)) },
      { name: 'zero running into a hole', run: (m: GuestMemory) => m.zero(0x2800n, 0x1000n) },
      { name: 'writeU64 crossing into a hole', run: (m: GuestMemory) => m.writeU64(0x2ffcn, U64_MAX) },
      { name: 'writeU32 past limit', run: (m: GuestMemory) => m.writeU32(0x7ffen, 0xffff_ffff) },
      { name: 'writeU64 bad value', run: (m: GuestMemory) => m.writeU64(0x2000n, TOP) },
    ])('$name', ({ run }) => {
      const mem = new GuestMemory({
        limit: 0x8000n,
        maxAccessLength: 0x1000n,
        backing: [
          { start: 0x1000n, end: 0x3000n },
          { start: 0x4000n, end: 0x8000n },
        ],
      });
      mem.write(0x1f00n, pattern(0x200, 2));
      mem.write(0x7f00n, pattern(0x100, 3));
      const before = mem.clone();
      const pagesBefore = [...mem.writtenPages()];
      catchGm(() => run(mem));
      expect(mem.equals(before)).toBe(true);
      expect([...mem.writtenPages()]).toEqual(pagesBefore);
      expect(mem.read(0x1f00n, 0x200n)).toEqual(pattern(0x200, 2));
    });
  });

  describe('constructor options', () => {
    it.each([
      { name: 'negative limit', opts: { limit: -1n }, gpa: -1n, len: 0n, msg: /^limit -0x1n must be/ },
      { name: 'limit above 2^64', opts: { limit: TOP + 1n }, gpa: TOP + 1n, len: 0n, msg: /limit 0x10000000000000001n/ },
      { name: 'negative maxAccessLength', opts: { maxAccessLength: -1n }, gpa: 0n, len: -1n, msg: /maxAccessLength/ },
      { name: 'misaligned start', opts: { backing: [{ start: 0x1001n, end: 0x2000n }] }, gpa: 0x1001n, len: 0xfffn, msg: /\[0x1001, 0x2000\) is not page-aligned/ },
      { name: 'misaligned end', opts: { backing: [{ start: 0x1000n, end: 0x2800n }] }, gpa: 0x1000n, len: 0x1800n, msg: /not page-aligned/ },
      { name: 'end before start', opts: { backing: [{ start: 0x2000n, end: 0x1000n }] }, gpa: 0x2000n, len: -0x1000n, msg: /start <= end/ },
      { name: 'negative start', opts: { backing: [{ start: -0x1000n, end: 0x1000n }] }, gpa: -0x1000n, len: 0x2000n, msg: /0 <= start/ },
      { name: 'end past 2^64', opts: { backing: [{ start: 0n, end: TOP + PAGE }] }, gpa: 0n, len: TOP + PAGE, msg: /end <= 0x10000000000000000/ },
      {
        name: 'overlapping ranges',
        opts: { backing: [{ start: 0x3000n, end: 0x5000n }, { start: 0x1000n, end: 0x4000n }] },
        gpa: 0x3000n,
        len: 0x2000n,
        msg: 'backing range [0x3000, 0x5000) overlaps [0x1000, 0x4000)',
      },
      {
        name: 'duplicate ranges',
        opts: { backing: [{ start: 0x1000n, end: 0x2000n }, { start: 0x1000n, end: 0x2000n }] },
        gpa: 0x1000n,
        len: 0x1000n,
        msg: /overlaps/,
      },
    ])('$name → bad_argument', ({ opts, gpa, len, msg }) => {
      expectGmError(() => new GuestMemory(opts), 'bad_argument', gpa, len, msg);
    });

    it('defaults: whole u64 space, all backed', () => {
      const mem = new GuestMemory();
      expect(mem.limit).toBe(TOP);
      mem.writeU64(0n, 1n);
      mem.writeU64(TOP - 8n, 2n);
      expect(mem.readU64(0n) + mem.readU64(TOP - 8n)).toBe(3n);
    });
  });
});

describe('zero()', () => {
  it('clears partial pages in place and releases whole pages', () => {
    const mem = new GuestMemory();
    mem.write(0x0n, pattern(0x4000, 5)); // pages 0..3
    expect(mem.residentPages).toBe(4);
    mem.zero(0x800n, 0x2000n); // half of page 0, all of page 1, half of page 2
    expect([...mem.writtenPages()]).toEqual([0x0n, 0x2000n, 0x3000n]);
    const expected = pattern(0x4000, 5);
    expected.fill(0, 0x800, 0x2800);
    expect(mem.read(0n, 0x4000n)).toEqual(expected);
  });

  it('can scrub a 1 TiB span quickly when the cap is raised', () => {
    const mem = new GuestMemory({ maxAccessLength: U64_MAX });
    mem.writeU64(0x10n, 1n);
    mem.writeU64(TIB / 2n + 0xffcn, 2n);
    mem.writeU64(TIB + 0x10n, 3n);
    const t0 = performance.now();
    mem.zero(0n, TIB);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(mem.readU64(0x10n)).toBe(0n);
    expect(mem.readU64(TIB / 2n + 0xffcn)).toBe(0n);
    expect(mem.readU64(TIB + 0x10n)).toBe(3n);
    expect([...mem.writtenPages()]).toEqual([TIB]);
  });
});

describe('writtenPages / residentPages', () => {
  it('lists allocated page GPAs in ascending order, including the top page', () => {
    const mem = new GuestMemory();
    for (const gpa of [TOP - 1n, 0x5123n, 0n, TIB + 0xfffn, 0x5fffn]) mem.write(gpa, new Uint8Array([1]));
    expect([...mem.writtenPages()]).toEqual([0n, 0x5000n, TIB, TOP - PAGE]);
    expect(mem.residentPages).toBe(4);
  });

  it('snapshots the page set so writing during iteration is safe', () => {
    const mem = new GuestMemory();
    mem.write(0x1000n, new Uint8Array([1]));
    const seen: bigint[] = [];
    for (const p of mem.writtenPages()) {
      seen.push(p);
      mem.write(p + 0x1000n, new Uint8Array([1]));
    }
    expect(seen).toEqual([0x1000n]);
    expect(mem.residentPages).toBe(2);
  });
});

describe('clone / equals', () => {
  it('clone is a deep, independent copy', () => {
    const a = new GuestMemory();
    a.write(0xff0n, pattern(0x20, 1));
    a.writeU64(TOP - 8n, 0x55n);
    const b = a.clone();
    expect(b.equals(a)).toBe(true);
    expect(b.residentPages).toBe(a.residentPages);

    b.writeU64(0xff8n, 0n);
    b.writeU64(0x9000n, 7n);
    expect(a.read(0xff0n, 0x20n)).toEqual(pattern(0x20, 1));
    expect(a.readU64(0x9000n)).toBe(0n);
    expect(a.residentPages).toBe(3);

    a.writeU64(TOP - 8n, 0x66n);
    expect(b.readU64(TOP - 8n)).toBe(0x55n);
    expect(a.equals(b)).toBe(false);
  });

  it('clone keeps limit, backing and maxAccessLength', () => {
    const a = new GuestMemory({ limit: 0x10000n, maxAccessLength: 0x40n, backing: [{ start: 0x1000n, end: 0x2000n }] });
    const b = a.clone();
    expect(b.limit).toBe(0x10000n);
    expect(b.maxAccessLength).toBe(0x40n);
    expectGmError(() => b.readU64(0x2000n), 'unbacked', 0x2000n, 8n);
    expectGmError(() => b.read(0x1000n, 0x41n), 'access_too_large', 0x1000n, 0x41n);
    expectGmError(() => b.read(0x10000n, 1n), 'out_of_range', 0x10000n, 1n);
  });

  it.each([
    {
      name: 'two empty memories',
      setup: (_a: GuestMemory, _b: GuestMemory) => {},
      equal: true,
    },
    {
      name: 'allocated-but-zeroed page vs never written',
      setup: (a: GuestMemory) => {
        a.writeU64(0x10n, 5n);
        a.writeU64(0x10n, 0n);
      },
      equal: true,
    },
    {
      name: 'same bytes written in different orders and chunkings',
      setup: (a: GuestMemory, b: GuestMemory) => {
        a.write(0xffen, pattern(0x10));
        b.write(0x1006n, pattern(0x10).subarray(8));
        b.write(0xffen, pattern(0x10).subarray(0, 8));
      },
      equal: true,
    },
    {
      name: 'one differing byte on a page only one side has',
      setup: (_a: GuestMemory, b: GuestMemory) => b.write(TOP - 1n, new Uint8Array([1])),
      equal: false,
    },
    {
      name: 'one differing byte on a shared page',
      setup: (a: GuestMemory, b: GuestMemory) => {
        a.write(0x2000n, pattern(0x1000));
        const p = pattern(0x1000);
        p[0xfff] = 0; // pattern bytes are never 0
        b.write(0x2000n, p);
      },
      equal: false,
    },
  ])('equals: $name', ({ setup, equal }) => {
    const a = new GuestMemory();
    const b = new GuestMemory();
    setup(a, b);
    expect(a.equals(b)).toBe(equal);
    expect(b.equals(a)).toBe(equal);
    expect(a.equals(a)).toBe(true);
  });

  it('equals compares contents only, not limits', () => {
    const a = new GuestMemory({ limit: 0x10000n });
    const b = new GuestMemory();
    a.writeU32(0x100n, 9);
    b.writeU32(0x100n, 9);
    expect(a.equals(b)).toBe(true);
  });
});

describe('property: agrees with a byte-map reference model', () => {
  // Clustered regions so writes overlap each other and cross page boundaries;
  // the last one ends exactly at 2^64.
  const REGION_SPAN = 0x3000n;
  const REGIONS = [0n, 0x7fff_f000n, TIB - 0x1800n, TOP - REGION_SPAN];
  const MAX_OP_LEN = 0x2100n;

  const addr = fc
    .tuple(fc.constantFrom(...REGIONS), fc.bigInt({ min: 0n, max: REGION_SPAN - 1n }))
    .map(([base, off]) => base + off);

  // fast-check keeps generated arrays short by default, so multi-page payloads
  // are built from a length and a pattern (with runs of zeros to exercise the
  // no-allocation path).
  const bigBytes = fc
    .record({ len: fc.integer({ min: 0, max: Number(MAX_OP_LEN) }), seed: fc.integer({ min: 0, max: 255 }), zeroEvery: fc.integer({ min: 0, max: 4 }) })
    .map(({ len, seed, zeroEvery }) => {
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = zeroEvery !== 0 && (i >> 6) % (zeroEvery + 1) === 0 ? 0 : (seed + i * 13) & 0xff;
      return b;
    });
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), bigBytes);

  type Op =
    | { kind: 'write'; gpa: bigint; data: Uint8Array }
    | { kind: 'zero'; gpa: bigint; len: bigint }
    | { kind: 'writeU64'; gpa: bigint; value: bigint }
    | { kind: 'read'; gpa: bigint; len: bigint }
    | { kind: 'readU64'; gpa: bigint };

  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), gpa: addr, data: bytes }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('zero' as const), gpa: addr, len: fc.bigInt({ min: 0n, max: MAX_OP_LEN }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('writeU64' as const), gpa: addr, value: fc.bigInt({ min: 0n, max: U64_MAX }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), gpa: addr, len: fc.bigInt({ min: 0n, max: MAX_OP_LEN }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('readU64' as const), gpa: addr }) },
  );

  function fits(gpa: bigint, len: bigint): boolean {
    return gpa + len <= TOP;
  }

  it('every read matches the model; out-of-range ops fail and change nothing', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        runs++;
        const mem = new GuestMemory();
        const model = new Map<bigint, number>();
        const modelByte = (a: bigint): number => model.get(a) ?? 0;
        const modelRead = (gpa: bigint, len: bigint): Uint8Array => {
          const out = new Uint8Array(Number(len));
          for (let i = 0; i < out.length; i++) out[i] = modelByte(gpa + BigInt(i));
          return out;
        };
        const touchedPages = new Set<bigint>();

        for (const o of ops) {
          switch (o.kind) {
            case 'write': {
              const len = BigInt(o.data.length);
              if (!fits(o.gpa, len)) {
                expect(catchGm(() => mem.write(o.gpa, o.data)).code).toBe('out_of_range');
                break;
              }
              mem.write(o.gpa, o.data);
              o.data.forEach((b, i) => {
                model.set(o.gpa + BigInt(i), b);
                touchedPages.add((o.gpa + BigInt(i)) >> 12n);
              });
              break;
            }
            case 'zero':
              if (!fits(o.gpa, o.len)) {
                expect(catchGm(() => mem.zero(o.gpa, o.len)).code).toBe('out_of_range');
                break;
              }
              mem.zero(o.gpa, o.len);
              for (let i = 0n; i < o.len; i++) model.delete(o.gpa + i);
              break;
            case 'writeU64':
              if (!fits(o.gpa, 8n)) {
                expect(catchGm(() => mem.writeU64(o.gpa, o.value)).code).toBe('out_of_range');
                break;
              }
              mem.writeU64(o.gpa, o.value);
              for (let i = 0n; i < 8n; i++) {
                model.set(o.gpa + i, Number((o.value >> (8n * i)) & 0xffn));
                touchedPages.add((o.gpa + i) >> 12n);
              }
              break;
            case 'read':
              if (!fits(o.gpa, o.len)) {
                expect(catchGm(() => mem.read(o.gpa, o.len)).code).toBe('out_of_range');
                break;
              }
              expectBytes(mem.read(o.gpa, o.len), modelRead(o.gpa, o.len));
              break;
            case 'readU64': {
              if (!fits(o.gpa, 8n)) {
                expect(catchGm(() => mem.readU64(o.gpa)).code).toBe('out_of_range');
                break;
              }
              let expected = 0n;
              for (let i = 7n; i >= 0n; i--) expected = (expected << 8n) | BigInt(modelByte(o.gpa + i));
              expect(mem.readU64(o.gpa)).toBe(expected);
              break;
            }
          }
        }

        // Final sweep over each region plus the furthest any op can reach past
        // it, which covers every byte the model holds.
        for (const base of REGIONS) {
          const end = base + REGION_SPAN + MAX_OP_LEN;
          const len = (end > TOP ? TOP : end) - base;
          expectBytes(mem.read(base, len), modelRead(base, len));
        }
        // Sparse: only pages that received bytes may be resident, in order.
        const pages = [...mem.writtenPages()];
        expect(pages).toEqual([...pages].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
        for (const p of pages) expect(touchedPages.has(p >> 12n)).toBe(true);
        expect(mem.residentPages).toBe(pages.length);
        // A clone agrees and compares equal.
        expect(mem.clone().equals(mem)).toBe(true);
      }),
      { numRuns: 200 },
    );
    console.log(`guest-memory model property: ${runs} runs`);
  });
});
