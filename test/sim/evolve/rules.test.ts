import { describe, expect, test } from 'vitest';
import { parseRustSchema } from '../../../src/format/model/rust-parser.js';
import { evolveReport } from '../../../src/sim/evolve/report.js';
import { RULES, compareSchemas, type RuleId } from '../../../src/sim/evolve/rules.js';

// One small pair of schemas per rule: the shipped root `S` and a proposal that changes one
// thing. Each row asserts the exact findings (ids and fields), so a rule that stops firing, or
// fires where it should not, fails its row; where the execution can show the rule, the report's
// verdict and directions are checked too.

const mod = (body: string) => `#[derive(Protobuf)]\n#[mesh(package = "t")]\npub struct S {\n${body}}\n${ENUMS}`;
const ENUMS = `#[derive(Protobuf)]\n#[mesh(package = "t")]\npub enum E {\n    #[mesh(1)]\n    A,\n    #[mesh(2)]\n    B(#[mesh(1)] u32),\n}\n#[derive(Protobuf)]\n#[mesh(package = "t")]\npub enum E3 {\n    #[mesh(1)]\n    A,\n    #[mesh(2)]\n    B(#[mesh(1)] u32),\n    #[mesh(3)]\n    C,\n}\n#[derive(Protobuf)]\n#[mesh(package = "t")]\npub struct P {\n    #[mesh(1)]\n    pub x: u32,\n}\n#[derive(Protobuf)]\n#[mesh(package = "t")]\npub struct Q {\n    #[mesh(1)]\n    pub e: E,\n}\n`;
const f = (n: number, name: string, type: string) => `    #[mesh(${n})]\n    pub ${name}: ${type},\n`;
const schema = (text: string) => parseRustSchema(text, 's.rs', { root: 'S' });

type Row = [what: string, shipped: string, proposed: string, findings: [RuleId, string][], compatible: boolean];
const ROWS: Row[] = [
  ['nothing changed', f(1, 'a', 'u32'), f(1, 'a', 'u32'), [], true],
  ['a plain enum added', f(1, 'a', 'u32'), f(1, 'a', 'u32') + f(2, 'e', 'E'), [['required-field-added', 'S.e']], false],
  ['a fixed array added', f(1, 'a', 'u32'), f(1, 'a', 'u32') + f(2, 'k', '[u8; 4]'), [['required-field-added', 'S.k']], false],
  ['a struct holding an enum added', f(1, 'a', 'u32'), f(1, 'a', 'u32') + f(2, 'q', 'Q'), [['required-field-added', 'S.q']], false],
  ['a struct of numbers added', f(1, 'a', 'u32'), f(1, 'a', 'u32') + f(2, 'p', 'P'), [['new-field-default', 'S.p']], true],
  ['a plain enum removed', f(1, 'a', 'u32') + f(2, 'e', 'E'), f(1, 'a', 'u32'), [['required-field-removed', 'S.e']], false],
  ['a field removed', f(1, 'a', 'u32') + f(2, 'b', 'u64'), f(1, 'a', 'u32'), [['field-removed', 'S.b']], true],
  ['a field renumbered', f(1, 'a', 'u32') + f(2, 'b', 'u64'), f(1, 'a', 'u32') + f(3, 'b', 'u64'), [['field-renumbered', 'S.b']], false],
  ['a number reused with another type', f(1, 'a', 'u32') + f(2, 'b', 'Vec<u32>'), f(1, 'a', 'u32') + f(2, 'c', 'String'), [['number-reused', 'S.c']], false],
  ['a field renamed', f(1, 'a', 'u32'), f(1, 'alpha', 'u32'), [['field-renamed', 'S.alpha']], true],
  ['u32 to String', f(1, 'a', 'u32'), f(1, 'a', 'String'), [['wire-type-changed', 'S.a']], false],
  ['a message to a number', f(1, 'a', 'P'), f(1, 'a', 'u32'), [['wire-type-changed', 'S.a']], false],
  ['u32 to i32', f(1, 'a', 'u32'), f(1, 'a', 'i32'), [['signedness-changed', 'S.a']], false],
  ['i64 to u64', f(1, 'a', 'i64'), f(1, 'a', 'u64'), [['signedness-changed', 'S.a']], false],
  ['u64 to u32', f(1, 'a', 'u64'), f(1, 'a', 'u32'), [['integer-narrowed', 'S.a']], false],
  // A warning: values that fit u16 still read back; the probes' u32::MAX does not (changed, not rejected).
  ['u16 to u32', f(1, 'a', 'u16'), f(1, 'a', 'u32'), [['integer-widened', 'S.a']], true],
  ['u32 to Option<u32>', f(1, 'a', 'u32'), f(1, 'a', 'Option<u32>'), [['presence-changed', 'S.a']], true],
  ['Option<E> to E', f(1, 'a', 'Option<E>'), f(1, 'a', 'E'), [['wire-type-changed', 'S.a']], false],
  ['an enum variant added', f(1, 'a', 'E'), f(1, 'a', 'E3'), [['variant-added', 'S.a::C']], false],
  ['an enum variant removed', f(1, 'a', 'E3'), f(1, 'a', 'E'), [['variant-removed', 'S.a::C']], false],
  ['an array length changed', f(1, 'a', '[u32; 2]'), f(1, 'a', '[u32; 3]'), [['array-length-changed', 'S.a']], false],
  ['a new bool', f(1, 'a', 'u32'), f(1, 'a', 'u32') + f(2, 'off', 'bool'), [['new-bool', 'S.off']], true],
  ['a new Option', f(1, 'a', 'u32'), f(1, 'a', 'u32') + f(2, 'e', 'Option<E>'), [['new-field-default', 'S.e']], true],
];

describe('evolve rules, one row each', () => {
  test.each(ROWS)('%s', (_what, shipped, proposed, expected, compatible) => {
    const old = schema(mod(shipped));
    const next = schema(mod(proposed));
    const findings = compareSchemas(next, old);
    expect(findings.map((x) => [x.id, x.field])).toEqual(expected);
    for (const x of findings) {
      expect(x.severity).toBe(RULES[x.id]);
      expect(x.fix.length).toBeGreaterThan(0);
      expect(x.fix).not.toContain('\n');
    }
    const r = evolveReport({ label: 'proposed', model: next }, [{ label: 'shipped', model: old }], { random: 8 });
    expect(r.compatible).toBe(compatible);
  });

  test('every rule has a row (a rule no row reaches is untested)', () => {
    const reached = new Set(ROWS.flatMap(([, , , found]) => found.map(([id]) => id)));
    const rest = Object.keys(RULES).filter((id) => !reached.has(id as RuleId));
    expect(rest).toEqual(['root-package-changed', 'cannot-tell-from-proto']); // in table.test.ts and the CLI test
  });

  test('execution backs the rules: a narrowed integer reads differently, an added variant is rejected by the old reader', () => {
    const narrowed = evolveReport({ label: 'p', model: schema(mod(f(1, 'a', 'u32'))) }, [{ label: 's', model: schema(mod(f(1, 'a', 'u64'))) }], { random: 8 });
    expect(narrowed.comparisons[0]!.backward.changed).toEqual(['a']);
    const variant = evolveReport({ label: 'p', model: schema(mod(f(1, 'a', 'E3'))) }, [{ label: 's', model: schema(mod(f(1, 'a', 'E'))) }], { random: 8 });
    const forward = variant.comparisons[0]!.forward;
    expect(forward.rejected).toBeGreaterThan(0);
    expect(forward.examples.find((e) => !e.outcome.accepted)!.outcome.error!.message).toBe('missing enum variant');
  });
});
