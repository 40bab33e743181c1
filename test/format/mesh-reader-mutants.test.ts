/**
 * `MeshReader` state that decodeSavedState's tables cannot see, pinned for mutation testing
 * (`npm run mutate`). Each test names the src/format/mesh-reader.ts mutant it kills.
 */
import { describe, expect, test } from 'vitest';
import { MeshReader } from '../../src/format/mesh-reader.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('MeshReader.nextField', () => {
  // Mutant: `this.field = -1` → `+1`. A key that fails to read leaves "no field" (-1), not a
  // field number: neither the previous key's (3 here) nor 1 (partition_memory).
  test('a key cut short leaves field -1, not the previous key\'s number', () => {
    const r = new MeshReader(hex('1803 80'));
    expect(r.nextField(3, [])).toBe(3);
    expect(() => r.nextField(3, [])).toThrow(expect.objectContaining({ code: 'eof_varint', offset: 2 }));
    expect(r.field).toBe(-1);
    expect(r.keyOffset).toBe(2);
  });

});
