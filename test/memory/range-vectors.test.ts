/**
 * Every case of test/vectors/range-algebra.jsonl.gz (the real `memory_range` crate, release
 * build) replayed against the port, one `describe` per upstream function. A case agrees when the
 * port's result, rendered in the vector's JSON shape, equals `ok` exactly; a `panic` agrees with
 * a thrown typed error whose `assertion` is the panic text, and for an iterator the items pulled
 * before the throw must equal `partial`. Iterators are pulled at most 64 times, as the generator
 * did. `checked` (what a build with overflow checks would do) is informational and not compared.
 *
 * The mutants this catches are every semantic of the port: a non-wrapping `len` (case 15), an
 * `aligned_subrange` that returns EMPTY near 2^64 (case 21), a `Display` with `..` (case 12),
 * `split_at_offset` validating its pieces (case 636), AlignedSubranges ignoring its offset or
 * building the piece before the remainder, and so on (each checked by hand).
 * `PENDING_ALGEBRA_FIX` would list cases allowed to disagree; it is empty.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { Vtl2PersistError } from '../../src/errors.js';
import { AlignedSubranges } from '../../src/memory/aligned-subranges.js';
import {
  flattenRanges,
  mergeAdjacentRanges,
  overlappingRanges,
  RangeAlgebraError,
  subtractRanges,
  walkRanges,
} from '../../src/memory/range-algebra.js';
import { formatHex, InvalidMemoryRange, MAX_ADDRESS, MemoryRange, MemoryRangeError } from '../../src/memory/range.js';
import { loadRangeAlgebraVectors, type Json, type RangeAlgebraVector } from '../support/vectors.js';

/**
 * Vector indexes where the port is allowed to disagree with upstream: none. (It once held the 34
 * merge/flatten cases fixed by checking "not sorted" against the last absorbed range, keeping
 * `max(end, next.end)`, and building each group with `MemoryRange::new`.) A listed case that
 * agrees fails below, so the set cannot go stale.
 */
const PENDING_ALGEBRA_FIX: ReadonlySet<number> = new Set<number>([]);

const VECTORS = loadRangeAlgebraVectors();
const MAX_PULLS = 64;

type RangeJson = { start: string; end: string };
const big = (hex: unknown): bigint => BigInt(hex as string);
/** An input range exactly as upstream got it: decoded without validation, maybe invalid. */
const range = (r: unknown): MemoryRange => MemoryRange.unchecked(big((r as RangeJson).start), big((r as RangeJson).end));
const rj = (r: MemoryRange): RangeJson => r.toJSON();

/** What the port did, in the vector's shape: `ok`, or `panic` (+ `partial`), maybe `truncated`. */
type Outcome = { ok?: unknown; panic?: string; partial?: unknown[]; truncated?: true };

/** The upstream panic text a thrown error carries; anything but our typed range errors is a bug. */
function panicText(e: unknown): string {
  if (e instanceof MemoryRangeError || e instanceof RangeAlgebraError) return e.assertion;
  if (e instanceof Vtl2PersistError) return `untyped-for-range ${e.name}(${e.code}): ${e.message}`;
  return `not a typed error: ${String(e)}`;
}

/** Pulls at most 64 items, recording a throw and the items before it, as the generator did. */
function pull<T>(iter: Iterator<T>, render: (item: T) => unknown): Outcome {
  const items: unknown[] = [];
  try {
    while (items.length < MAX_PULLS) {
      const next = iter.next();
      if (next.done === true) return { ok: items };
      items.push(render(next.value));
    }
  } catch (e) {
    return { panic: panicText(e), partial: items };
  }
  return { ok: items, truncated: true };
}

const KIND = { neither: 'Neither', left: 'Left', right: 'Right', both: 'Both' } as const;
const CMP = { [-1]: 'Less', 0: 'Equal', 1: 'Greater' } as const;
const tagged = (items: unknown): [MemoryRange, string][] =>
  (items as { range: unknown; tag: string }[]).map((x) => [range(x.range), x.tag]);
const ranges = (items: unknown): MemoryRange[] => (items as unknown[]).map(range);

/** One runner per upstream function: the port's call, its result in the vector's JSON shape. */
const RUN: Record<string, (input: Json) => Outcome> = {
  constants: () => ({ ok: { MAX_ADDRESS: formatHex(MAX_ADDRESS), EMPTY: rj(MemoryRange.EMPTY) } }),
  new: (i) => ({ ok: rj(new MemoryRange(big(i['start']), big(i['end']))) }),
  try_new: (i) => {
    const r = MemoryRange.tryNew(big(i['start']), big(i['end']));
    if (r instanceof MemoryRange) return { ok: { Ok: rj(r) } };
    if (!(r instanceof InvalidMemoryRange)) return { ok: { Err: `not an InvalidMemoryRange: ${r.message}` } };
    return { ok: { Err: { display: r.display, debug: r.debug } } };
  },
  bounding: (i) => ({ ok: rj(MemoryRange.bounding(big(i['start']), big(i['end']))) }),
  bounding_aligned: (i) => ({ ok: rj(MemoryRange.boundingAligned(big(i['start']), big(i['end']), big(i['alignment']))) }),
  from_4k_gpn_range: (i) => ({ ok: rj(MemoryRange.from4kGpnRange(big(i['start']), big(i['end']))) }),
  len: (i) => ({ ok: formatHex(range(i['range']).len) }),
  is_empty: (i) => ({ ok: range(i['range']).isEmpty() }),
  start_4k_gpn: (i) => ({ ok: formatHex(range(i['range']).start4kGpn) }),
  end_4k_gpn: (i) => ({ ok: formatHex(range(i['range']).end4kGpn) }),
  page_count_4k: (i) => ({ ok: formatHex(range(i['range']).pageCount4k) }),
  page_count_2m: (i) => ({ ok: formatHex(range(i['range']).pageCount2m) }),
  alignment: (i) => ({ ok: formatHex(range(i['range']).alignment(big(i['base']))) }),
  aligned_subrange: (i) => ({ ok: rj(range(i['range']).alignedSubrange(big(i['alignment']))) }),
  overlaps: (i) => ({ ok: range(i['range']).overlaps(range(i['other'])) }),
  contains: (i) => ({ ok: range(i['range']).contains(range(i['other'])) }),
  contains_addr: (i) => ({ ok: range(i['range']).containsAddr(big(i['addr'])) }),
  offset_of: (i) => {
    const offset = range(i['range']).offsetOf(big(i['addr']));
    return { ok: offset === undefined ? null : formatHex(offset) };
  },
  intersection: (i) => ({ ok: rj(range(i['range']).intersection(range(i['other']))) }),
  split_at_offset: (i) => ({ ok: range(i['range']).splitAtOffset(big(i['offset'])).map(rj) }),
  eq: (i) => ({ ok: range(i['range']).equals(range(i['other'])) }),
  cmp: (i) => ({ ok: CMP[range(i['range']).compare(range(i['other']))] }),
  display: (i) => ({ ok: range(i['range']).display() }),
  debug: (i) => ({ ok: range(i['range']).debug() }),
  debug_alt_hex: (i) => ({ ok: range(i['range']).debugAltHex() }),
  aligned_subranges: (i) =>
    pull(new AlignedSubranges(range(i['range'])).withOffset(big(i['offset'])).withMaxRangeLen(big(i['max_len'])), rj),
  walk_ranges: (i) =>
    pull(walkRanges(tagged(i['left']), tagged(i['right'])), ([r, label]) => ({
      range: rj(r),
      kind: KIND[label.kind],
      ...('left' in label ? { left: label.left } : {}),
      ...('right' in label ? { right: label.right } : {}),
    })),
  subtract_ranges: (i) => pull(subtractRanges(ranges(i['left']), ranges(i['right'])), rj),
  overlapping_ranges: (i) => pull(overlappingRanges(ranges(i['left']), ranges(i['right'])), rj),
  flatten_ranges: (i) => pull(flattenRanges(ranges(i['ranges'])), rj),
  merge_adjacent_ranges: (i) => pull(mergeAdjacentRanges(tagged(i['ranges'])), ([r, tag]) => ({ range: rj(r), tag })),
};

/** The port's outcome for one vector; a non-iterator's throw becomes a `panic`. */
function outcome(v: RangeAlgebraVector): Outcome {
  const run = RUN[v.fn];
  if (run === undefined) return { panic: `no runner for ${v.fn}` };
  try {
    return run(v.input);
  } catch (e) {
    return { panic: panicText(e) };
  }
}

/** The fields of a vector the port must reproduce (`checked` is informational). */
function expected(v: RangeAlgebraVector): Outcome {
  const want: Outcome = 'panic' in v ? { panic: v.panic as string } : { ok: v.ok };
  if (v.partial !== undefined) want.partial = v.partial;
  if (v.truncated === true) want.truncated = true;
  return want;
}

interface Result {
  index: number;
  v: RangeAlgebraVector;
  got: Outcome;
  agrees: boolean;
}

const RESULTS: Result[] = VECTORS.map((v, index) => {
  const got = outcome(v);
  // Exact JSON equality: key order is fixed by the renderers, so compare the canonical text.
  const agrees = JSON.stringify(canonical(got)) === JSON.stringify(canonical(expected(v)));
  return { index, v, got, agrees };
});

/** Sorted keys, so `{ok, truncated}` and `{truncated, ok}` compare equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

const BY_FN = new Map<string, Result[]>();
for (const r of RESULTS) BY_FN.set(r.v.fn, [...(BY_FN.get(r.v.fn) ?? []), r]);

afterAll(() => {
  const pending = RESULTS.filter((r) => PENDING_ALGEBRA_FIX.has(r.index)).length;
  const agree = RESULTS.filter((r) => r.agrees).length;
  console.log(`range-algebra vectors: ${agree} agree, ${pending} pending`);
});

it('covers every line of the file (3,000 cases, 31 functions)', () => {
  expect(RESULTS).toHaveLength(3000);
  expect(BY_FN.size).toBe(31);
  for (const fn of BY_FN.keys()) expect(RUN[fn], fn).toBeDefined();
});

for (const [fn, results] of BY_FN) {
  describe(fn, () => {
    it(`agrees on all ${results.length} cases`, () => {
      const bad = results
        .filter((r) => !r.agrees && !PENDING_ALGEBRA_FIX.has(r.index))
        .map((r) => ({ index: r.index, input: r.v.input, expected: expected(r.v), got: r.got }));
      expect(bad.slice(0, 5), `${bad.length} of ${results.length} disagree`).toEqual([]);
    });

    const pending = results.filter((r) => PENDING_ALGEBRA_FIX.has(r.index));
    if (pending.length > 0) {
      it(`still disagrees on its ${pending.length} pending cases (else remove them from PENDING_ALGEBRA_FIX)`, () => {
        expect(pending.filter((r) => r.agrees).map((r) => r.index)).toEqual([]);
      });
    }
  });
}
