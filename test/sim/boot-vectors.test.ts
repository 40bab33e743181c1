import { afterAll, describe, expect, test } from 'vitest';
import { runScenario } from '../../src/sim/runner.js';
import { loadBootVectors, vectorScenario } from '../support/vectors.js';

// Every scenario of test/vectors/boot-worked-examples.json (A–H, HV0–HV5) and
// boot-public.json.gz (150 generated lifecycles) through the scenario runner.
// These are the real boot-shim code's results: every field of every step must
// be equal; panics must agree on path, attempted_path and panic_kind (the issue's
// rule for them), and here they are held to more than that (see `comparable`).
const [{ vectors: worked }, { vectors: generated }] = loadBootVectors();
const counts = { scenarios: 0, steps: 0, panics: 0, decodePanicHeapsUnmodelled: 0 };

/**
 * The fields compared for a step: all of the vector's, which for a panic is path,
 * attempted_path and panic_kind plus the persisted header and the bump heap, except
 * - a panic's full text (scenario-format.md: values may be formatted differently; the fixed text is checked below);
 * - on a "failed to decode protobuf" panic, the bump heap's byte and allocation counts: the
 *   generator's counting allocator also records 12 allocations made after the decode failed
 *   (boxing the error, formatting and unwinding the panic in its host process; 728–768 bytes by
 *   mesh error). `bump_heap` is not in scenario-format.md's result shape and cannot change the
 *   outcome; docs/boot-shim.md explains. Capacity and `exhausted` are still compared, and these
 *   cases are counted and printed.
 */
function comparable(step: Record<string, unknown>): Record<string, unknown> {
  if (step['path'] !== 'panic') return step;
  const { panic: _panic, panic_first_line: _first, ...rest } = step;
  const heap = rest['bump_heap'] as Record<string, unknown> | undefined;
  if (rest['panic_kind'] === 'protobuf_decode_failed' && heap !== undefined) {
    counts.decodePanicHeapsUnmodelled++;
    return { ...rest, bump_heap: { capacity: heap['capacity'], exhausted: heap['exhausted'] } };
  }
  return rest;
}

function pick(mine: Record<string, unknown>, want: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(want)) {
    const m = mine[k];
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && m !== null && typeof m === 'object' ? pick(m as Record<string, unknown>, v as Record<string, unknown>) : m;
  }
  return out;
}

describe.each([
  ['worked examples', worked],
  ['generated lifecycles', generated],
])('boot vectors: %s', (_label, vectors) => {
  test.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const got = runScenario(vectorScenario(v)).steps;
    expect(got.length).toBe(v.expected.steps.length);
    v.expected.steps.forEach((want, i) => {
      const mine: Record<string, unknown> = got[i]!;
      const expected = comparable(want);
      expect({ step: i, ...pick(mine, expected) }).toEqual({ step: i, ...expected });
      if (want['path'] === 'panic') {
        // The fixed text must match even where values are formatted differently: same first word run.
        expect(String(mine['panic'])).toContain(String(want['panic_first_line']).split(/[0-9{(]/)[0]!.trim());
        counts.panics++;
      }
      counts.steps++;
    });
    counts.scenarios++;
  });
});

afterAll(() => {
  console.log(
    `boot vectors: ${counts.scenarios} scenarios, ${counts.steps} steps agree (${counts.panics} emulated panics; ` +
      `${counts.decodePanicHeapsUnmodelled} decode-panic heap byte counts not compared)`,
  );
});
