import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseRustSchema } from '../../../src/format/model/rust-parser.js';
import { evolveReport, shippedSchemas, type EvolveReport } from '../../../src/sim/evolve/report.js';

// The proposed schemas of issue 15, each a small edit of the shipped v3 module, and the verdict
// mesh_protobuf's rules give for it. Each verdict is derived in the comment from what the real
// codec does (support/mesh/mesh_protobuf at 1488a37b7), and each is backed by a payload.

const V3 = readFileSync(new URL('../../../schema/saved-state-v3.rs', import.meta.url), 'utf8');
const LAST_FIELD = '        pub cpus_with_outstanding_io: Vec<u32>,\n';

/** v3 with `extra` added after field 4 of SavedState (and `items` added to the module). */
function withField(extra: string, items = ''): string {
  expect(V3).toContain(LAST_FIELD);
  return V3.replace(LAST_FIELD, `${LAST_FIELD}${extra}`).replace(/\n}\s*$/, `\n${items}}\n`);
}

function check(text: string): EvolveReport {
  return evolveReport({ label: 'proposed', model: parseRustSchema(text, 'proposed.rs') }, shippedSchemas(['v1', 'v2', 'v3']), { random: 8 });
}

/** The error finding against v3 and its payload: every break in the table is shown with bytes. */
function shown(r: EvolveReport, id: string) {
  const f = r.findings.find((x) => x.id === id && x.against === 'v3')!;
  expect(f.evidence?.example.payloadHex).toMatch(/^([0-9a-f]{2})+$/);
  return f;
}

const ids = (r: EvolveReport, against = 'v3') => r.findings.filter((f) => f.against === against && f.severity !== 'notice').map((f) => f.id);
const direction = (r: EvolveReport, writer: string, reader: string) =>
  r.comparisons.flatMap((c) => [c.forward, c.backward]).find((d) => d.writer === writer && d.reader === reader)!;

describe('evolve: the table of proposed schemas', () => {
  test('v3 itself against v1 and v2: compatible (the done-means case)', () => {
    const r = evolveReport({ label: 'proposed', model: parseRustSchema(V3, 'v3.rs') }, shippedSchemas(['v1', 'v2']));
    expect(r.compatible).toBe(true);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // v2's field 3 had another name; the bytes are the same, so the rename is a notice.
    expect(r.findings.filter((f) => f.against === 'v2').map((f) => f.id)).toContain('field-renamed');
    // v1 readers skip fields 3 and 4 by wire type: dropped, never rejected.
    expect(direction(r, 'proposed', 'v1')).toMatchObject({ rejected: 0, dropped: ['cpus_with_mapped_interrupts_no_io', 'cpus_with_outstanding_io'] });
    expect(r.boot.cells.every((c) => c.path === 'persisted' && c.restoredMatches === true)).toBe(true);
  });

  test('add a Vec<u32> at 5: compatible', () => {
    // Old → new: VecField::default_field gives an empty Vec for the missing field 5.
    // New → old: field 5 is unknown to v1–v3 and skipped by its wire type (2, a packed run).
    const r = check(withField('        #[mesh(5)]\n        pub mana_cpus: Vec<u32>,\n'));
    expect(r.compatible).toBe(true);
    expect(ids(r)).toEqual([]);
    expect(r.findings.find((f) => f.against === 'v3')?.id).toBe('new-field-default');
    expect(direction(r, 'proposed', 'v3').dropped).toEqual(['mana_cpus']);
    expect(direction(r, 'v3', 'proposed').defaulted).toEqual(['mana_cpus']);
    // The shipped boot shim restores the proposed save; so does one built from the proposal.
    const cells = r.boot.cells.filter((c) => c.writer === 'proposed');
    expect(cells.map((c) => [c.reader, c.path])).toEqual([
      ['shipped openhcl_boot', 'persisted'],
      ['proposed reader', 'persisted'],
    ]);
    expect(cells[0]!.payloadHex).toMatch(/2a05ffffffff0f$/);
    expect(r.findings.find((f) => f.against === 'v3')!.evidence!.example.payloadHex).toBe('2a05ffffffff0f'); // field 5, packed: one edge value, u32::MAX
  });

  test('add a plain enum at 5: the new reader rejects old state', () => {
    // OneofEncoder::default_field is Err(UnassignedEnum): a state that lacks field 5 cannot be
    // read by the new reader ("missing enum variant"). Old readers skip the unknown field 5.
    const r = check(
      withField(
        '        #[mesh(5)]\n        pub mode: RestoreMode,\n',
        '    #[derive(mesh_protobuf::Protobuf, Debug)]\n    #[mesh(package = "openhcl.openhcl_boot")]\n    pub enum RestoreMode {\n        #[mesh(1)]\n        Fast,\n        #[mesh(2)]\n        Safe,\n    }\n',
      ),
    );
    expect(r.compatible).toBe(false);
    expect(ids(r)).toEqual(['required-field-added']);
    const f = shown(r, 'required-field-added');
    expect(f.fix).toBe('wrap mode in Option: mode: Option<RestoreMode>');
    expect(f.evidence?.direction).toBe('v3 → proposed');
    expect(f.evidence?.example.outcome.error?.message).toBe('missing enum variant');
    expect(direction(r, 'proposed', 'v3').rejected).toBe(0);
    expect(direction(r, 'v3', 'proposed').accepted).toBe(0);
    // A boot shim built from the proposal panics on every shipped save.
    const built = r.boot.cells.filter((c) => c.reader === 'proposed reader' && c.writer !== 'proposed');
    expect(built.length).toBe(3);
    expect(built.every((c) => c.path === 'panic' && c.detail.includes('failed to decode protobuf'))).toBe(true);
  });

  test('renumber field 2: both directions break', () => {
    // Fields are matched by number only: a reader of the other schema finds partition_mmio
    // under a number it does not know (skipped) and its own number missing (defaulted empty).
    const r = check(V3.replace('#[mesh(2)]\n        pub partition_mmio', '#[mesh(6)]\n        pub partition_mmio'));
    expect(r.compatible).toBe(false);
    expect(ids(r)).toEqual(['field-renumbered']);
    expect(direction(r, 'proposed', 'v3')).toMatchObject({ dropped: ['partition_mmio'], defaulted: ['partition_mmio'] });
    expect(direction(r, 'v3', 'proposed')).toMatchObject({ dropped: ['partition_mmio'], defaulted: ['partition_mmio'] });
    expect(shown(r, 'field-renumbered').evidence!.example.outcome.defaulted).toContain('partition_mmio');
  });

  test('u32 → i32 at an existing number: every value silently changes, flagged', () => {
    // u32 is VarintField, i32 SignedVarintField (zigzag): the bytes of vnode 2 read as sint are 1.
    const r = check(V3.replace('pub vnode: u32,', 'pub vnode: i32,'));
    expect(r.compatible).toBe(false);
    expect(ids(r)).toEqual(['signedness-changed']);
    const f = shown(r, 'signedness-changed');
    expect(f.field).toBe('SavedState.partition_memory.vnode');
    expect(f.evidence?.example.outcome.changed.some((c) => c.path.endsWith('.vnode'))).toBe(true);
  });

  test('change the root package: break', () => {
    // A root's package is part of its saved-state identity (its type URL, vmcore::save_restore);
    // the boot-shim payload itself is unchanged, so no reader rejects bytes.
    const r = check(V3.replace(/(#\[mesh\(package = )"openhcl\.openhcl_boot"(\)\]\s*pub struct SavedState)/, '$1"openhcl.boot_v4"$2'));
    expect(r.compatible).toBe(false);
    expect(ids(r)).toEqual(['root-package-changed']);
    expect(r.comparisons.every((c) => c.forward.rejected === 0 && c.backward.rejected === 0)).toBe(true);
    // The payload is the evidence that the bytes cannot show it: the shipped reader takes it unchanged.
    expect(shown(r, 'root-package-changed').evidence!.example.outcome).toMatchObject({ accepted: true, dropped: [], defaulted: [], changed: [] });
  });

  test('reuse a removed number with another type: break', () => {
    // Field 4 was a packed Vec<u32>; as a String its bytes are read by v3 as varints and v3's
    // varints as UTF-8, so neither side reads what the other wrote.
    const r = check(V3.replace('pub cpus_with_outstanding_io: Vec<u32>,', 'pub boot_note: String,'));
    expect(r.compatible).toBe(false);
    expect(ids(r)).toEqual(['number-reused']);
    const d = direction(r, 'proposed', 'v3');
    expect(d.rejected + d.changed.length).toBeGreaterThan(0);
    expect(shown(r, 'number-reused').evidence!.example.outcome.accepted).toBe(false);
  });
});
