import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { EncodeError } from '../../src/format/codec-error.js';
import { encodeSavedState, setEncodeFastPath } from '../../src/format/encode.js';
import { encodeSavedStateFast } from '../../src/format/encode-fast.js';
import type { SavedState } from '../../src/format/saved-state.js';
import { savedState } from './arbitraries.js';

/**
 * encode-fast.ts must write the general encoder's bytes for every state it
 * accepts, and must leave every state it declines (valid or not) to it.
 */
function encodeBoth(s: SavedState): { on: unknown; off: unknown } {
  const run = () => {
    try {
      return Array.from(encodeSavedState(s));
    } catch (e) {
      if (!(e instanceof EncodeError)) throw e;
      return { code: e.code, message: e.message };
    }
  };
  setEncodeFastPath(true);
  const on = run();
  setEncodeFastPath(false);
  const off = run();
  setEncodeFastPath(true);
  return { on, off };
}

/** Plain states: every bound below 2^53, so the fast path takes them all. */
const plainU64 = fc.oneof(fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 2n ** 28n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 35n, 2n ** 53n - 1n), fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }));
const contiguous = fc.array(fc.tuple(plainU64, fc.nat({ max: 3 }), fc.nat({ max: 0xffff })), { maxLength: 10 }).map((xs) => {
  // Each start equals the previous end, the shape the bound cache exploits, with gaps now and then.
  let at = 0x1_0000_0000n;
  return xs.map(([len, vnode, igvm]) => {
    const start = len % 5n === 0n ? len : at;
    at = start + (len & 0xff_ffffn);
    return { range: { start, end: at > 2n ** 53n - 1n ? 0n : at }, vnode, vtlType: igvm % 13, igvmType: igvm };
  });
});

/** Values a caller might wrongly pass: each must give the general encoder's exact error. */
const wrong = fc.constantFrom<unknown>(-1n, 2n ** 64n, 1, 1.5, -1, 2 ** 32, 0x1_0000, NaN, '3', null, undefined, {}, []);

describe('encode fast path agrees with the general encoder', () => {
  afterEach(() => setEncodeFastPath(true));

  test.each([
    ['arbitrary valid states (bounds up to 2^64 - 1)', savedState],
    ['contiguous plain maps', contiguous.map((partitionMemory): SavedState => ({ partitionMemory, partitionMmio: [], cpusWithMappedInterruptsNoIo: [5, 0], cpusWithOutstandingIo: [] }))],
  ])('%s', (_name, arb) => {
    fc.assert(
      fc.property(arb, (s) => {
        const { on, off } = encodeBoth(s);
        expect(on).toEqual(off);
      }),
      { numRuns: 3000 },
    );
  });

  test('a state with one wrong value anywhere gets the same error', () => {
    const paths = ['mem.start', 'mem.end', 'mem.vnode', 'mem.vtl', 'mem.igvm', 'mem.range', 'mem', 'mmio.start', 'mmio.end', 'mmio.vtl', 'mmio', 'cpu3', 'cpu4', 'list'] as const;
    fc.assert(
      fc.property(savedState, fc.constantFrom(...paths), wrong, fc.nat(), (s, path, bad, at) => {
        const st = structuredClone(s) as unknown as Record<string, unknown[]>;
        const mem = st['partitionMemory'] as Record<string, unknown>[];
        const mmio = st['partitionMmio'] as Record<string, unknown>[];
        const pick = <T>(xs: T[]) => xs[at % xs.length];
        const m = pick(mem);
        const o = pick(mmio);
        if (path === 'mem.start' && m) (m['range'] as Record<string, unknown>)['start'] = bad;
        if (path === 'mem.end' && m) (m['range'] as Record<string, unknown>)['end'] = bad;
        if (path === 'mem.vnode' && m) m['vnode'] = bad;
        if (path === 'mem.vtl' && m) m['vtlType'] = bad;
        if (path === 'mem.igvm' && m) m['igvmType'] = bad;
        if (path === 'mem.range' && m) m['range'] = bad;
        if (path === 'mem' && mem.length > 0) mem[at % mem.length] = bad as Record<string, unknown>;
        if (path === 'mmio.start' && o) (o['range'] as Record<string, unknown>)['start'] = bad;
        if (path === 'mmio.end' && o) (o['range'] as Record<string, unknown>)['end'] = bad;
        if (path === 'mmio.vtl' && o) o['vtlType'] = bad;
        if (path === 'mmio' && mmio.length > 0) mmio[at % mmio.length] = bad as Record<string, unknown>;
        if (path === 'cpu3') st['cpusWithMappedInterruptsNoIo']!.push(bad);
        if (path === 'cpu4') st['cpusWithOutstandingIo']!.push(bad);
        if (path === 'list') st[pick(['partitionMemory', 'partitionMmio', 'cpusWithOutstandingIo'])!] = bad as unknown[];
        const { on, off } = encodeBoth(st as unknown as SavedState);
        expect(on).toEqual(off);
      }),
      { numRuns: 3000 },
    );
  });

  test('it really is taken for plain states, and declines the rest', () => {
    const entry = { range: { start: 0x1_0000_0000n, end: 0x1_0020_0000n }, vnode: 1, vtlType: 0, igvmType: 3 };
    const state = (e: unknown): SavedState => ({ partitionMemory: [e as typeof entry], partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] });
    expect(encodeSavedStateFast(state(entry))).toEqual(encodeSavedState(state(entry)));
    expect(encodeSavedStateFast(state({ ...entry, range: { start: 2n ** 53n, end: 2n ** 53n + 1n } }))).toBeUndefined();
    expect(encodeSavedStateFast(state({ ...entry, vnode: -1 }))).toBeUndefined();
    expect(encodeSavedStateFast(state({ ...entry, igvmType: 0x1_0000 }))).toBeUndefined();
    expect(encodeSavedStateFast(null as unknown as SavedState)).toBeUndefined();
  });

  test('the scratch buffer grows and is never shared with a result', () => {
    const many = (n: number, vnode = 0): SavedState => ({
      partitionMemory: Array.from({ length: n }, (_, i) => ({ range: { start: BigInt(i) << 21n, end: BigInt(i + 1) << 21n }, vnode, vtlType: 1, igvmType: 0 })),
      partitionMmio: [],
      cpusWithMappedInterruptsNoIo: [],
      cpusWithOutstandingIo: [],
    });
    const small = encodeSavedStateFast(many(2))!;
    const copy = Array.from(small);
    encodeSavedStateFast(many(3, 7)); // same scratch, overwritten from byte 0
    expect(Array.from(small)).toEqual(copy);
    const big = encodeSavedStateFast(many(5000))!;
    setEncodeFastPath(false);
    expect(Array.from(big)).toEqual(Array.from(encodeSavedState(many(5000))));
  });
});
