import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc32c } from '../../src/format/crc32c.js';

describe('crc32c', () => {
  // Published check values (RFC 3720 appendix B.4 and the CRC catalogue's CRC-32/ISCSI entry):
  // a wrong polynomial, an unreflected table or a missing final XOR each changes every row.
  test.each([
    ['', 0x0000_0000],
    ['123456789', 0xe306_9283],
    ['00'.repeat(32), 0x8a91_36aa],
    ['ff'.repeat(32), 0x62a8_ab43],
    [Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(''), 0x46dd_794e],
  ])('%s', (text, want) => {
    const bytes = text === '123456789' ? new TextEncoder().encode(text) : Buffer.from(text, 'hex');
    expect(crc32c(bytes)).toBe(want);
  });

  test('continues over pieces as over their concatenation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const ab = new Uint8Array([...a, ...b]);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(ab));
      }),
    );
  });
});
