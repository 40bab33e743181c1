/**
 * Payload arbitraries beyond arbitraries.ts's small wire soup:
 *
 * - {@link largePayload}: payloads up to the full 2 MiB persisted area — a repeated hostile
 *   pattern (`0a 00` empty entries, the shape that once overflowed `Math.max(...rows)` in the
 *   CLI's text output), a lying length prefix in front of a large body, random bytes, and
 *   {@link deepNesting} (length-delimited fields nested thousands deep);
 * - {@link looseSavedState}: schema-shaped but non-canonical encodings of a SavedState
 *   (every u32/u16 field given an arbitrary u64 varint, non-minimal varints, packed and unpacked
 *   CPU lists, fields repeated and in any order, unknown fields interleaved), so that almost
 *   every case decodes to a NON-EMPTY state — the input the "encoding is canonical" property
 *   needs (random bytes decode to a non-empty state about once in a thousand).
 */
import fc from 'fast-check';
import { concat, overlongVarint, TWO_MIB, U64_MAX, varint } from './arbitraries.js';

const MAX = Number(TWO_MIB);

/** `depth` length-delimited wrappers of field `field` around `inner`, written in one buffer (linear time). */
export function nest(depth: number, inner: Uint8Array, field = 1): Uint8Array {
  const key = varint((field << 3) | 2);
  const lens = [inner.length]; // lens[i]: body length of the i-th wrapper from the inside
  for (let i = 1; i < depth; i++) lens.push(key.length + varint(lens[i - 1]!).length + lens[i - 1]!);
  const total = depth === 0 ? inner.length : key.length + varint(lens[depth - 1]!).length + lens[depth - 1]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = depth - 1; i >= 0; i--) {
    out.set(key, at);
    at += key.length;
    const l = varint(lens[i]!);
    out.set(l, at);
    at += l.length;
  }
  out.set(inner, at);
  return out;
}

/** Length-delimited fields nested up to 20 000 deep (well under 2 MiB): a recursive decoder would overflow its stack. */
export const deepNesting: fc.Arbitrary<Uint8Array> = fc
  .record({ depth: fc.integer({ min: 100, max: 20_000 }), field: fc.constantFrom(1, 2, 5, 15), inner: fc.uint8Array({ maxLength: 8 }) })
  .map(({ depth, field, inner }) => nest(depth, inner, field));

/** `pattern` repeated to `size` bytes (cut at the end), size up to 2 MiB. */
function repeated(pattern: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (pattern.length === 0) return out;
  for (let at = 0; at < size; at += pattern.length) out.set(pattern.subarray(0, Math.min(pattern.length, size - at)), at);
  return out;
}

const sizeUpTo = (max: number) =>
  fc.oneof(fc.constantFrom(MAX, MAX - 1, MAX - 0x1000, 0x13000, 260_000).filter((n) => n <= max), fc.integer({ min: 4096, max }));

/**
 * Payloads of 4 KiB up to the whole 2 MiB area. `denseMax` caps the size of the dense kinds (a
 * short field repeated, a repeated random block), whose decoded state or wire view grows with
 * every byte: the in-process decoder takes them at 2 MiB; the spawned CLI, which prints every
 * entry, gets them up to `denseMax` (2 MiB of `0a 00` is a million entries, ~160 MB of JSON).
 */
export function largePayloadOf(denseMax: number): fc.Arbitrary<Uint8Array> {
  const dense = sizeUpTo(denseMax);
  return fc.oneof(
    // Empty partition_memory entries (or another short field) repeated to fill the area.
    fc
      .record({
        pattern: fc.constantFrom(Uint8Array.of(0x0a, 0x00), Uint8Array.of(0x12, 0x00), Uint8Array.of(0x18, 0x01), Uint8Array.of(0x00, 0x00), Uint8Array.of(0x0a, 0x02, 0x08, 0x01)),
        size: dense,
      })
      .map(({ pattern, size }) => repeated(pattern, size)),
    // A length prefix (honest, short by one, or lying up to 2^64-1) in front of a large body.
    fc
      .record({ len: fc.oneof(fc.constant(-1n), fc.constant(0n), fc.constantFrom(2n ** 32n, 2n ** 63n, U64_MAX)), size: sizeUpTo(MAX) })
      .map(({ len, size }) => {
        const body = size - 12;
        const prefix = len === -1n ? varint(body - 1) : len === 0n ? varint(body) : varint(len);
        return concat([[0x0a], prefix, new Uint8Array(body)]);
      }),
    // Random bytes (a small random head, then a repeated random block: fast to generate).
    fc.record({ head: fc.uint8Array({ maxLength: 64 }), block: fc.uint8Array({ minLength: 1, maxLength: 64 }), size: dense }).map(({ head, block, size }) => {
      const out = repeated(block, size);
      out.set(head.subarray(0, size));
      return out;
    }),
    deepNesting,
  );
}

/** {@link largePayloadOf} at the full 2 MiB for every kind (the in-process decoder layer). */
export const largePayload: fc.Arbitrary<Uint8Array> = largePayloadOf(MAX);

// ---------------------------------------------------------------------------------------------
// Schema-shaped, non-canonical SavedState encodings
// ---------------------------------------------------------------------------------------------

/** Any u64 as a varint, minimal or with up to 3 redundant continuation bytes. */
const anyVarint = fc
  .record({
    v: fc.oneof(
      fc.constantFrom(0n, 1n, 0xffffn, 0x1_0000n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 63n, U64_MAX),
      fc.bigInt({ min: 0n, max: 0x1_0000_0000n }),
      fc.bigInt({ min: 0n, max: U64_MAX }),
    ),
    extra: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  })
  .map(({ v, extra }) => {
    const bytes = overlongVarint(v, extra);
    // Keep it within 10 bytes (an 11-byte varint is a decode error, not this arbitrary's point).
    return bytes.length <= 10 ? bytes : varint(v);
  });

const vField = (field: number) => anyVarint.map((v) => concat([varint(field << 3), v]));
const lenField = (field: number, body: Uint8Array) => concat([varint((field << 3) | 2), varint(body.length), body]);
const msgField = (field: number, body: fc.Arbitrary<Uint8Array>) => body.map((b) => lenField(field, b));
const fields = (items: fc.Arbitrary<Uint8Array>, minLength: number, maxLength: number) =>
  fc.array(items, { minLength, maxLength }).map((fs) => concat(fs));

/** An unknown field of wire type 0, 1, 2 or 5 (skipped by mesh_protobuf). */
const unknownField = fc.oneof(
  fc.record({ f: fc.integer({ min: 5, max: 40 }), v: anyVarint }).map(({ f, v }) => concat([varint(f << 3), v])),
  fc.record({ f: fc.integer({ min: 5, max: 40 }), d: fc.uint8Array({ minLength: 8, maxLength: 8 }) }).map(({ f, d }) => concat([varint((f << 3) | 1), d])),
  fc.record({ f: fc.integer({ min: 5, max: 40 }), d: fc.uint8Array({ maxLength: 6 }) }).map(({ f, d }) => lenField(f, d)),
  fc.record({ f: fc.integer({ min: 5, max: 40 }), d: fc.uint8Array({ minLength: 4, maxLength: 4 }) }).map(({ f, d }) => concat([varint((f << 3) | 5), d])),
);
const rare = <T>(a: fc.Arbitrary<T>) => ({ weight: 1, arbitrary: a });
const often = <T>(a: fc.Arbitrary<T>) => ({ weight: 6, arbitrary: a });

const range = fields(fc.oneof(often(vField(1)), often(vField(2)), rare(unknownField)), 0, 3);
const wrapped = fields(fc.oneof(often(vField(1)), rare(unknownField)), 0, 2);
const memoryEntry = fields(fc.oneof(often(msgField(1, range)), often(vField(2)), often(msgField(3, wrapped)), often(msgField(4, wrapped)), rare(unknownField)), 0, 6);
const mmioEntry = fields(fc.oneof(often(msgField(1, range)), often(msgField(2, wrapped)), rare(unknownField)), 0, 4);
const cpuList = (field: number) =>
  fc.oneof(vField(field), msgField(field, fc.array(anyVarint, { minLength: 1, maxLength: 5 }).map((vs) => concat(vs))));

/** Top-level SavedState fields, 1 to 8 of them, in any order, repeated, with unknown fields between. */
export const looseSavedState: fc.Arbitrary<Uint8Array> = fields(
  fc.oneof(often(msgField(1, memoryEntry)), often(msgField(2, mmioEntry)), often(cpuList(3)), often(cpuList(4)), rare(unknownField)),
  1,
  8,
);
