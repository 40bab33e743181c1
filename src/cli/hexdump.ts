/**
 * Byte-rendering helpers for the CLI's dumps: space-separated hex and hex text read back into
 * bytes (printable ASCII is `asciiOf` in src/boot/inspection.ts, which quotes a magic with it).
 */

/** `4f 48 43 4c`: the bytes as two-digit hex separated by spaces; at most `max` bytes, then `…`. */
export function hexBytes(bytes: Uint8Array, max = Infinity): string {
  // A table lookup and a loop: this runs for each of a million wire rows of a 2 MiB dump.
  const n = Math.min(bytes.length, max);
  let text = '';
  for (let i = 0; i < n; i++) text += i === 0 ? HEX[bytes[i]!]! : ` ${HEX[bytes[i]!]!}`;
  return bytes.length > max ? `${text} …` : text;
}

/** `00`..`ff`. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Reads hex text (as `encode --hex` writes it, or a vector's `hex`): whitespace,
 * `:` and `,` separators and a leading `0x` are ignored. Returns undefined when
 * the text is not an even number of hex digits.
 */
export function parseHexText(text: string): Uint8Array | undefined {
  const digits = text.replace(/^\s*0x/i, '').replace(/[\s:,]/g, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(digits)) return undefined;
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}
