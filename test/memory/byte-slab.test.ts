import { describe, expect, test } from 'vitest';
import { newBytes } from '../../src/memory/byte-slab.js';

describe('newBytes', () => {
  test('arrays are zeroed and never share bytes, across many slabs', () => {
    // 200 KiB of 375-byte arrays: several slabs. Fill each with its own byte, then check that
    // every one still holds only its byte (a slab region handed out twice would not).
    const arrays = Array.from({ length: 550 }, () => newBytes(375));
    for (const [i, a] of arrays.entries()) {
      expect(a.every((b) => b === 0)).toBe(true);
      a.fill((i % 255) + 1);
    }
    for (const [i, a] of arrays.entries()) expect(a.every((b) => b === (i % 255) + 1)).toBe(true);
  });

  test('short arrays are 8-byte-aligned views of a slab; long ones have their own buffer', () => {
    const a = newBytes(3);
    const b = newBytes(100);
    expect(a.length).toBe(3);
    expect(b.byteOffset % 8).toBe(0);
    expect(b.buffer.byteLength).toBe(64 * 1024);
    const big = newBytes(4096);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(4096);
    expect(newBytes(0).length).toBe(0);
  });
});
