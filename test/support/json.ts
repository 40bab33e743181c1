/** Small conversions between the vectors' JSON and the library's values. */
import { MemoryRange } from '../../src/memory/range.js';

/** A `{start, end}` range as the vectors write it ("0x…" strings; numbers are accepted too). */
export interface JsonRange {
  start: string;
  end: string;
}

/** A JSON `{start, end}` as a MemoryRange. */
export const rangeFromJson = (r: { start: string | number; end: string | number }): MemoryRange =>
  new MemoryRange(BigInt(r.start), BigInt(r.end));

/** A MemoryRange as the vectors write it: lower-case "0x…" bounds. */
export const rangeToJson = (r: MemoryRange): JsonRange => ({ start: `0x${r.start.toString(16)}`, end: `0x${r.end.toString(16)}` });

/** A type field that is either a number or a name `fromName` knows (throws for an unknown name). */
export const typeNum = (v: unknown, fromName: (s: string) => number | undefined): number => {
  if (typeof v === 'number') return v;
  const n = fromName(String(v));
  if (n === undefined) throw new Error(`unknown type name ${String(v)}`);
  return n;
};
