/**
 * The varint primitives of src/format/wire.ts against a reference (7 bits a byte, low group
 * first), at every length boundary. encodeSavedState reaches only part of them (it narrows u64
 * values below 2^53 to numbers and sizes those itself), and walkWire (src/format/wire-walk.ts)
 * sizes any u64 with varint64Size to flag non-minimal varints, so both sizes and both writers
 * are pinned here directly. Written for mutation testing (`npm run mutate`): the mutants are
 * the comparisons of each size ladder (`n < 2 ** 35` → `<=`, `true`, …), the `v <= SAFE` fast
 * paths, and writeVarint64's number split (`n / 0x1_0000_0000` → `*`).
 */
import { describe, expect, test } from 'vitest';
import { varint32Size, varint64Size, writeVarint32, writeVarint64 } from '../../src/format/wire.js';

/** The minimal varint of `v`, computed the slow and obvious way. */
function reference(v: bigint): number[] {
  const out: number[] = [];
  do {
    const group = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? group : group | 0x80);
  } while (v !== 0n);
  return out;
}

const U64_EDGES = [0n, 1n, ...[7, 14, 21, 28, 32, 35, 42, 49, 53, 56, 63].flatMap((k) => [2n ** BigInt(k) - 1n, 2n ** BigInt(k), 2n ** BigInt(k) + 1n]), 2n ** 64n - 1n];
const U32_EDGES = U64_EDGES.filter((v) => v < 2n ** 32n).map(Number);

describe('u64 varints (bigint in)', () => {
  test.each(U64_EDGES)('%s: varint64Size is the reference length, writeVarint64 the reference bytes', (v) => {
    const want = reference(v);
    expect(varint64Size(v)).toBe(want.length);
    const buf = new Uint8Array(12).fill(0xee);
    expect(writeVarint64(buf, 1, v)).toBe(1 + want.length);
    expect([...buf.subarray(1, 1 + want.length)]).toEqual(want);
    // Nothing written outside its bytes.
    expect(buf[0]).toBe(0xee);
    expect(buf[1 + want.length]).toBe(0xee);
  });
});

describe('u32 varints (number in)', () => {
  test.each(U32_EDGES)('%s: varint32Size is the reference length, writeVarint32 the reference bytes', (v) => {
    const want = reference(BigInt(v));
    expect(varint32Size(v)).toBe(want.length);
    const buf = new Uint8Array(7).fill(0xee);
    expect(writeVarint32(buf, 1, v)).toBe(1 + want.length);
    expect([...buf.subarray(1, 1 + want.length)]).toEqual(want);
    expect(buf[1 + want.length]).toBe(0xee);
  });
});
