import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseRustSchema } from '../../../src/format/model/rust-parser.js';
import { evolveReport, shippedSchemas } from '../../../src/sim/evolve/report.js';

// Properties over random proposals built from the shipped v3 module: any purely additive change
// (new fields with fresh numbers and types that have a default) is compatible with every shipped
// version, by rule, by execution and by boot; any renumbering never is.

const V3 = readFileSync(new URL('../../../schema/saved-state-v3.rs', import.meta.url), 'utf8');
const LAST_FIELD = '        pub cpus_with_outstanding_io: Vec<u32>,\n';
const SHIPPED = shippedSchemas(['v1', 'v2', 'v3']);

/** Types with a default (mesh's `default_field` succeeds), and the items each needs. */
const DEFAULTABLE: readonly { type: string; items?: string }[] = [
  { type: 'u8' },
  { type: 'u16' },
  { type: 'u32' },
  { type: 'u64' },
  { type: 'i32' },
  { type: 'i64' },
  { type: 'bool' },
  { type: 'String' },
  { type: 'Vec<u32>' },
  { type: 'Vec<u8>' },
  { type: 'Vec<String>' },
  { type: 'Vec<MemoryRange>' },
  { type: 'Option<u64>' },
  { type: 'Option<[u8; 4]>' },
  { type: 'Option<Vec<u32>>' },
  { type: 'Option<Mode>', items: 'mode' },
  { type: 'Extra', items: 'extra' },
  { type: 'Vec<Extra>', items: 'extra' },
];

const ITEMS: Record<string, string> = {
  mode: '    #[derive(mesh_protobuf::Protobuf)]\n    #[mesh(package = "openhcl.openhcl_boot")]\n    pub enum Mode {\n        #[mesh(1)]\n        Off,\n        #[mesh(2)]\n        On(#[mesh(1)] u32),\n    }\n',
  extra:
    '    #[derive(mesh_protobuf::Protobuf)]\n    #[mesh(package = "openhcl.openhcl_boot")]\n    pub struct Extra {\n        #[mesh(1)]\n        pub a: u32,\n        #[mesh(2)]\n        pub b: Vec<String>,\n        #[mesh(3)]\n        pub c: Option<Mode>,\n    }\n',
};

const additive = fc.uniqueArray(fc.integer({ min: 5, max: 2000 }), { minLength: 1, maxLength: 3 }).chain((numbers) =>
  fc.tuple(fc.constant(numbers), fc.array(fc.constantFrom(...DEFAULTABLE), { minLength: numbers.length, maxLength: numbers.length })),
);

function addFields(numbers: readonly number[], types: readonly { type: string; items?: string }[]): string {
  const fields = numbers.map((n, i) => `        #[mesh(${n})]\n        pub added_${i}: ${types[i]!.type},\n`).join('');
  const needed = new Set(types.flatMap((t) => (t.items === 'extra' ? ['mode', 'extra'] : t.items ? [t.items] : [])));
  const items = [...needed].map((k) => ITEMS[k]).join('');
  return V3.replace(LAST_FIELD, `${LAST_FIELD}${fields}`).replace(/\n}\s*$/, `\n${items}}\n`);
}

describe('evolve properties', () => {
  test('random additive changes are always compatible', () => {
    fc.assert(
      fc.property(additive, fc.integer({ min: 0, max: 1000 }), ([numbers, types], seed) => {
        const model = parseRustSchema(addFields(numbers, types), 'proposed.rs');
        const r = evolveReport({ label: 'proposed', model }, SHIPPED, { random: 4, seed });
        expect(r.findings.filter((f) => f.severity !== 'notice')).toEqual([]);
        expect(r.comparisons.every((c) => c.forward.rejected === 0 && c.backward.rejected === 0 && c.forward.changed.length === 0 && c.backward.changed.length === 0)).toBe(true);
        expect(r.boot.cells.every((c) => c.path === 'persisted')).toBe(true);
        expect(r.compatible).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  test('random renumberings are never compatible', () => {
    const fields = ['partition_memory', 'partition_mmio', 'cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io', 'vnode', 'igvm_type'];
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.integer({ min: 5, max: 2000 }), (name, to) => {
        const re = new RegExp(`#\\[mesh\\((\\d+)\\)\\]\\n(\\s*)pub ${name}:`);
        expect(V3).toMatch(re);
        const model = parseRustSchema(V3.replace(re, `#[mesh(${to})]\n$2pub ${name}:`), 'proposed.rs');
        const r = evolveReport({ label: 'proposed', model }, SHIPPED, { random: 4, boot: false });
        expect(r.findings.some((f) => f.id === 'field-renumbered')).toBe(true);
        expect(r.compatible).toBe(false);
      }),
      { numRuns: 20 },
    );
  });
});
