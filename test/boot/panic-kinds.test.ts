/**
 * Every panic's kind is given where it is raised (`new BootPanic(kind, message)`); the
 * scenario-format table classifies panic TEXTS (`panicKindOf`). The two must agree, or a reader
 * who classifies a panic by its text (as docs/scenario-format.md#panic-kinds tells them to) gets
 * another kind than the emulator reports. This checks it over every panic the boot vectors and a
 * fixed-seed boot fuzz campaign reach. Mutant killed: raise any panic with another kind (e.g.
 * `dtErrorPanic` with 'capacity_exceeded'): its text still classifies as `dt_error`.
 *
 * `capacity_exceeded` has no fixed text upstream (arrayvec's messages are generic), so a text
 * that classifies to nothing is accepted for it alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { panicKindOf } from '../../src/boot/panic.js';
import { runScenario } from '../../src/sim/runner.js';
import { regionCase } from '../fuzz/arbitraries.js';
import { checkBoot } from '../fuzz/properties.js';
import { loadBootVectors, vectorScenario } from '../support/vectors.js';

function agree(kind: string, text: string): void {
  const byText = panicKindOf(text);
  if (kind === 'capacity_exceeded' && byText === undefined) return;
  expect(byText, `panic ${JSON.stringify(text.slice(0, 120))} is reported as ${kind}`).toBe(kind);
}

describe('panic kinds: the kind a panic is raised with is the kind its text classifies as', () => {
  it('over every panic of the boot vectors', () => {
    const kinds = new Set<string>();
    for (const { vectors } of loadBootVectors()) {
      for (const v of vectors) {
        for (const step of runScenario(vectorScenario(v)).steps as Record<string, unknown>[]) {
          if (step['path'] !== 'panic') continue;
          agree(String(step['panic_kind']), String(step['panic']));
          kinds.add(String(step['panic_kind']));
        }
      }
    }
    expect(kinds.size).toBeGreaterThanOrEqual(8);
  });

  it('over every panic a fixed-seed boot fuzz campaign reaches', () => {
    const kinds = new Set<string>();
    fc.assert(
      fc.property(regionCase, (c) => {
        const r = checkBoot(c);
        if (r.path !== 'panic') return;
        agree(r.panicKind, r.panic);
        kinds.add(r.panicKind);
      }),
      { seed: 20261202, numRuns: 800 },
    );
    expect(kinds.size).toBeGreaterThanOrEqual(6);
  });
});
