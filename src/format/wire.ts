/**
 * mesh_protobuf wire primitives: wire types, varint sizes and byte writers.
 *
 * Written here rather than taken from protobufjs's Reader/Writer because the
 * mesh rules differ (10-byte varints whose excess bits are dropped, wire types
 * 6 and 7, no groups) and because every u64 must stay a bigint.
 */

/** Wire types as mesh_protobuf numbers them (protobuf's 0–5, plus mesh's 6 and 7). */
export const WireType = {
  /** A varint (up to 10 bytes); every integer field of the payload uses it. */
  Varint: 0,
  /** Eight little-endian bytes; the payload declares no such field, mesh skips it. */
  Fixed64: 1,
  /** A length-delimited blob: nested messages and packed lists. */
  Variable: 2,
  /** Protobuf group start: mesh rejects it ("unknown wire type 3"). */
  StartGroup: 3,
  /** Protobuf group end: mesh rejects it ("unknown wire type 4"). */
  EndGroup: 4,
  /** Four little-endian bytes; the payload declares no such field, mesh skips it. */
  Fixed32: 5,
  /** A message carrying out-of-band resources: `[resource count][length][bytes]`. */
  MeshMessage: 6,
  /** A reference to an out-of-band resource; a payload in memory never has any. */
  Resource: 7,
} as const;

/** Bytes a u32 takes as a varint. */
export function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : v < 0x1000_0000 ? 4 : 5;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes a u64 takes as a varint. */
export function varint64Size(v: bigint): number {
  if (v <= SAFE) {
    const n = Number(v);
    if (n < 0x1_0000_0000) return varint32Size(n);
    // 2^32 <= n < 2^53: 5 bytes hold 35 bits, each further byte 7 more.
    return n < 2 ** 35 ? 5 : n < 2 ** 42 ? 6 : n < 2 ** 49 ? 7 : 8;
  }
  return v < 2n ** 56n ? 8 : v < 2n ** 63n ? 9 : 10;
}

/** Writes a u32 as a minimal varint at `pos`; returns the position after it. */
export function writeVarint32(buf: Uint8Array, pos: number, v: number): number {
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Writes a u64 as a minimal varint at `pos`; returns the position after it. */
export function writeVarint64(buf: Uint8Array, pos: number, v: bigint): number {
  // Below 2^53 no bigint arithmetic is needed at all; above, split into two
  // 32-bit halves so that the loop runs on numbers, not bigints.
  if (v <= SAFE) return writeVarint53(buf, pos, Number(v));
  return writeVarintHalves(buf, pos, Number(v & 0xffff_ffffn), Number(v >> 32n));
}

/** Writes an integer 0 <= v < 2^53 (exact as a double) as a minimal varint; returns the position after it. */
export function writeVarint53(buf: Uint8Array, pos: number, v: number): number {
  if (v < 0x1_0000_0000) return writeVarint32(buf, pos, v);
  const lo = v >>> 0;
  return writeVarintHalves(buf, pos, lo, (v - lo) / 0x1_0000_0000);
}

/** Writes `hi * 2^32 + lo` (hi non-zero, both u32) as a minimal varint. */
function writeVarintHalves(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  for (let i = 0; i < 4; i++) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  // Byte 4 carries the top 4 bits of lo and the low 3 bits of hi.
  let b = lo | ((hi & 0x7) << 4);
  hi >>>= 3;
  while (hi !== 0) {
    buf[pos++] = b | 0x80;
    b = hi & 0x7f;
    hi >>>= 7;
  }
  buf[pos++] = b;
  return pos;
}
