import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { DecodeError } from '../../src/format/codec-error.js';
import { readMemoryEntriesFast } from '../../src/format/decode-fast.js';
import { decodeSavedState, setDecodeFastPath } from '../../src/format/decode.js';
import { encodeSavedState } from '../../src/format/encode.js';
import type { MemoryEntry } from '../../src/format/saved-state.js';
import { looseSavedState } from '../fuzz/wire-arbitraries.js';
import { savedState } from './arbitraries.js';

/**
 * decode-fast.ts may only recognise bytes the general reader would read the
 * same way. Each property decodes the same bytes with the fast path on and
 * off and demands the same state, or the same error (code, offset, path).
 */
function both(bytes: Uint8Array): { on: unknown; off: unknown } {
  const run = () => {
    const appends: string[] = [];
    try {
      const state = decodeSavedState(bytes, { onAppend: (list, n) => appends.push(`${list}:${n}`) });
      return { state, appends };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return { error: { code: e.code, offset: e.offset, message: e.message }, appends };
    }
  };
  setDecodeFastPath(true);
  const on = run();
  setDecodeFastPath(false);
  const off = run();
  setDecodeFastPath(true);
  return { on, off };
}

const varint = (v: bigint, pad = 0): number[] => {
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n || pad > 0 ? b | 0x80 : b);
  } while (v > 0n);
  for (; pad > 0; pad--) out.push(pad === 1 ? 0 : 0x80);
  return out;
};
const lenPrefixed = (key: number, body: number[]) => [key, ...varint(BigInt(body.length)), ...body];

/**
 * Memory-entry-like fields at byte level, biased toward the edges of the fast
 * path: varints of every length (non-minimal ones too), values around 2^28,
 * 2^32, 2^49 and 2^64, the wrappers' u16/u32 cuts, repeated and empty
 * messages, unknown keys and wrong wire types.
 */
const value = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 0xffffn, 0x1_0000n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);
const scalar = fc.tuple(value, fc.nat({ max: 3 })).map(([v, pad]) => varint(v, pad % 3 === 2 ? pad : 0));
const inner = (keys: number[]) => fc.array(fc.tuple(fc.constantFrom(...keys), scalar).map(([k, v]) => [k, ...v]), { maxLength: 3 }).map((xs) => xs.flat());
const entryField = fc.oneof(
  inner([0x08, 0x10, 0x18, 0x0a]).map((b) => lenPrefixed(0x0a, b)),
  scalar.map((v) => [0x10, ...v]),
  inner([0x08, 0x10]).map((b) => lenPrefixed(0x1a, b)),
  inner([0x08, 0x10]).map((b) => lenPrefixed(0x22, b)),
  fc.constantFrom([0x12, 0x00], [0x18, 0x01], [0x1e, 0x00, 0x00], [0x2a, 0x00], [0x0b], [0x0d, 1, 2, 3, 4], [0x80, 0x01, 0x00]),
);
const entryBytes = fc.array(entryField, { maxLength: 6 }).map((fs) => lenPrefixed(0x0a, fs.flat()));
const payload = fc.array(fc.oneof({ weight: 6, arbitrary: entryBytes }, { weight: 1, arbitrary: fc.constantFrom([0x12, 0x00], [0x1a, 0x01, 0x05], [0x20, 0x07], [0x0a, 0x80, 0x00]) }), { maxLength: 8 }).map((es) => es.flat());
const mutated = fc.tuple(payload, fc.nat(), fc.nat({ max: 255 }), fc.nat()).map(([bytes, at, b, cut]) => {
  const out = bytes.slice();
  if (out.length > 0) out[at % out.length] = b;
  return Uint8Array.from(out.slice(0, out.length - (cut % 3 === 0 ? cut % (out.length + 1) : 0)));
});

describe('decode fast path agrees with the general reader', () => {
  afterEach(() => setDecodeFastPath(true));

  test.each([
    ['crafted memory-entry fields', payload.map((b) => Uint8Array.from(b))],
    ['the same with one byte replaced and the end cut', mutated],
    ['encodings of arbitrary states', savedState.map((s) => encodeSavedState(s))],
    ['loose wire-level SavedStates (the fuzz generator)', looseSavedState],
  ])('%s', (_name, arb) => {
    fc.assert(
      fc.property(arb, (bytes) => {
        const { on, off } = both(bytes);
        expect(on).toEqual(off);
      }),
      { numRuns: 3000 },
    );
  });

  test('it really is taken: a canonical run of entries is consumed whole, and the general reader is not asked', () => {
    const entries: MemoryEntry[] = [];
    for (let i = 0; i < 64; i++) {
      const start = 0x1_0000_0000n + BigInt(i) * 0x20_0000n;
      entries.push({ range: { start, end: start + 0x20_0000n }, vnode: i & 3, vtlType: i % 3, igvmType: i % 5 });
    }
    const bytes = encodeSavedState({ partitionMemory: entries, partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] });
    const list: MemoryEntry[] = [];
    expect(readMemoryEntriesFast(bytes, 0, bytes.length, list, undefined)).toBe(bytes.length);
    expect(list).toEqual(entries);
  });

  test.each([
    ['a two-byte length', [0x0a, 0x81, 0x00]],
    ['an unknown field', [0x0a, 0x02, 0x18, 0x01]],
    ['vtl_type as a plain varint (wrong wire type)', [0x0a, 0x02, 0x18, 0x05]],
    ['a u64 bound of 2^49 (8 bytes)', [0x0a, 0x0b, 0x0a, 0x09, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['a vnode of 2^28 (5 bytes)', [0x0a, 0x06, 0x10, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['a wrapped value of 2^28', [0x0a, 0x08, 0x22, 0x06, 0x08, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['an element running past the payload', [0x0a, 0x05, 0x10, 0x01]],
    ['a varint running past its message', [0x0a, 0x03, 0x1a, 0x01, 0x08]],
  ])('it declines %s, before any side effect', (_name, bytes) => {
    const list: MemoryEntry[] = [];
    let appends = 0;
    const canonical = [0x0a, 0x02, 0x10, 0x01];
    const buf = Uint8Array.from([...canonical, ...bytes]);
    expect(readMemoryEntriesFast(buf, 0, buf.length, list, () => appends++)).toBe(canonical.length);
    expect(list).toEqual([{ range: { start: 0n, end: 0n }, vnode: 1, vtlType: 0, igvmType: 0 }]);
    expect(appends).toBe(1);
  });

  test('what it accepts it reads as mesh does: merged ranges, last-wins scalars, the u16 cut', () => {
    // range {start 5} range {end 9} vnode 1 vnode 2 igvm {0x1_0003} vtl {7} vtl {}
    const body = [0x0a, 0x02, 0x08, 0x05, 0x0a, 0x02, 0x10, 0x09, 0x10, 0x01, 0x10, 0x02, 0x22, 0x04, 0x08, 0x83, 0x80, 0x04, 0x1a, 0x02, 0x08, 0x07, 0x1a, 0x00];
    const bytes = Uint8Array.from([0x0a, body.length, ...body]);
    const list: MemoryEntry[] = [];
    expect(readMemoryEntriesFast(bytes, 0, bytes.length, list, undefined)).toBe(bytes.length);
    expect(list).toEqual([{ range: { start: 5n, end: 9n }, vnode: 2, vtlType: 7, igvmType: 3 }]);
    expect(decodeSavedState(bytes).partitionMemory).toEqual(list);
  });
});
