import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BUILTIN_TYPES, MEMORY_VTL_TYPE, type FieldDef, type SchemaModel, type StructDef, type TypeDef, type TypeRef } from '../../../src/format/model/model.js';
import { lexRust, MAX_SCHEMA_TEXT } from '../../../src/format/model/rust-lexer.js';
import { parseRustSchema } from '../../../src/format/model/rust-parser.js';
import { SchemaError } from '../../../src/format/model/schema-error.js';

const schema = (name: string) => readFileSync(new URL(`../../../schema/${name}`, import.meta.url), 'utf8');
const V1 = schema('saved-state-v1.rs');
const V2 = schema('saved-state-v2.rs');
const V3 = schema('saved-state-v3.rs');
const PKG = 'openhcl.openhcl_boot';
const u32: TypeRef = { kind: 'scalar', name: 'u32' };
const named = (name: string): TypeRef => ({ kind: 'named', name });
const f = (name: string, number: number, type: TypeRef, doc: string, line: number, column: number): FieldDef => ({ name, number, type, doc, at: { line, column } });
const DEFAULT_DOC = '\n\nDEFAULT: For save state from prior versions, this will be empty.\nThis is fine: the restore heuristics might be less optimal, but will\nstill be functionally correct.';

/** schema/saved-state-v3.rs as a model, written out in full once. */
const V3_TYPES: TypeDef[] = [
  {
    kind: 'struct', name: 'IgvmMemoryType', package: PKG, tuple: true, at: { line: 19, column: 16 },
    fields: [f('0', 1, { kind: 'scalar', name: 'u16' }, '', 19, 42)],
    doc: 'A local newtype wrapper that represents a [`igvm_defs::MemoryMapEntryType`].\n\nThis is required to make it protobuf deriveable.',
  },
  {
    kind: 'struct', name: 'MemoryEntry', package: PKG, tuple: false, at: { line: 37, column: 16 },
    fields: [
      f('range', 1, named('MemoryRange'), 'The range of memory.', 40, 13),
      f('vnode', 2, u32, 'The numa vnode for this range.', 43, 13),
      f('vtl_type', 3, named('MemoryVtlType'), 'The VTL type for this range.', 46, 13),
      f('igvm_type', 4, named('IgvmMemoryType'), 'The IGVM type for this range, which was reported by the host originally.', 49, 13),
    ],
    doc: 'A memory entry describing what range of address space described as memory is\nused for what.',
  },
  {
    kind: 'struct', name: 'MmioEntry', package: PKG, tuple: false, at: { line: 56, column: 16 },
    fields: [
      f('range', 1, named('MemoryRange'), 'The range of mmio.', 59, 13),
      f('vtl_type', 2, named('MemoryVtlType'), 'The VTL type for this range, which should always be an mmio type.', 62, 13),
    ],
    doc: 'A mmio entry describing what range of address space described as mmio is\nused for what.',
  },
  {
    kind: 'struct', name: 'SavedState', package: PKG, tuple: false, at: { line: 69, column: 16 },
    fields: [
      f('partition_memory', 1, { kind: 'vec', element: named('MemoryEntry') }, 'The memory entries describing memory for the whole partition.', 72, 13),
      f('partition_mmio', 2, { kind: 'vec', element: named('MmioEntry') }, 'The mmio entries describing mmio for the whole partition.', 75, 13),
      f('cpus_with_mapped_interrupts_no_io', 3, { kind: 'vec', element: u32 }, 'The list of CPUs with mapped device interrupts present at save time\nthat do not have outstanding IO (those CPUs are counted in\n`cpus_with_outstanding_io`).' + DEFAULT_DOC, 84, 13),
      f('cpus_with_outstanding_io', 4, { kind: 'vec', element: u32 }, 'The list of CPUs with mapped device interrupts present at save time,\nand that also have outstanding IO on that CPU.' + DEFAULT_DOC, 92, 13),
    ],
    doc: 'The format for saved state between the previous instance of OpenHCL and the\nnext.',
  },
];
const V3_MODEL: SchemaModel = { source: 'rust', file: 'schema/saved-state-v3.rs', root: 'SavedState', types: new Map([...V3_TYPES, ...BUILTIN_TYPES].map((t) => [t.name, t])) };

const parse = (text: string, root?: string) => parseRustSchema(text, 'x.rs', root === undefined ? {} : { root });
const savedState = (model: SchemaModel) => model.types.get('SavedState') as StructDef;
/** Wraps items with a derived root so a case only needs the part it tests. */
const withRoot = (items: string) => `${items}\n#[derive(Protobuf)]\npub struct SavedState {}\n`;

describe('the shipped schema files', () => {
  test('v3 parses to the exact model', () => {
    const model = parseRustSchema(V3, 'schema/saved-state-v3.rs');
    expect(model).toEqual(V3_MODEL);
    // toEqual ignores Map order; the model keeps source order, built-ins last.
    expect([...model.types.keys()]).toEqual(['IgvmMemoryType', 'MemoryEntry', 'MmioEntry', 'SavedState', 'MemoryRange', 'MemoryVtlType']);
    expect(model.types.get('MemoryRange')).toBe(BUILTIN_TYPES[0]);
  });

  test('v1 differs from v3 only in SavedState: fields 1-2', () => {
    const model = parseRustSchema(V1, 'v1.rs');
    for (const t of V3_TYPES.slice(0, 3)) expect(model.types.get(t.name)).toEqual(t);
    expect(savedState(model)).toEqual({ ...V3_TYPES[3], fields: (V3_TYPES[3] as StructDef).fields.slice(0, 2) });
  });

  test('v2 differs from v3 only in SavedState: field 3 is cpus_with_mapped_interrupts, no field 4', () => {
    const model = parseRustSchema(V2, 'v2.rs');
    for (const t of V3_TYPES.slice(0, 3)) expect(model.types.get(t.name)).toEqual(t);
    const doc = 'The list of CPUs with mapped device interrupts present at save time.\nWhile this list is today used as a semaphore (either there are device\ninterrupts mapped or not), in the future it may be used to provide more\ngranular restore hints. E.g., only start the CPUs with active\ninterrupts right away and defer other CPU startup until later.' + DEFAULT_DOC;
    expect(savedState(model).fields).toEqual([...(V3_TYPES[3] as StructDef).fields.slice(0, 2), f('cpus_with_mapped_interrupts', 3, { kind: 'vec', element: u32 }, doc, 86, 13)]);
  });

  test('each file is the upstream module byte for byte after its // header', () => {
    for (const text of [V1, V2, V3]) {
      const body = text.slice(text.indexOf('pub mod save_restore {'));
      expect(text.slice(0, text.length - body.length).split('\n').slice(0, -2).every((l) => l.startsWith('// '))).toBe(true);
      expect(body.endsWith('\n}\n')).toBe(true);
    }
  });

  test('the whole upstream shim.rs shape parses too: open_enum MemoryVtlType replaces the built-in', () => {
    const source = `open_enum! {
    /// The memory type.
    #[derive(mesh_protobuf::Protobuf)]
    #[mesh(package = "openhcl.openhcl_boot")]
    pub enum MemoryVtlType: u32 {
${MEMORY_VTL_TYPE.openEnum!.values.map((v) => `        /// doc\n        ${v.name} = ${v.value},`).join('\n')}
    }
}
${V3}`;
    const def = parse(source).types.get('MemoryVtlType') as StructDef;
    expect(def).toEqual({ ...MEMORY_VTL_TYPE, builtin: undefined, doc: 'The memory type.', at: { line: 5, column: 14 }, fields: [{ ...MEMORY_VTL_TYPE.fields[0], at: { line: 5, column: 29 } }] });
    expect(def.builtin).toBeUndefined();
  });
});

describe('what the parser skips', () => {
  const SKIPPED = withRoot(`
extern crate alloc;
use alloc::{vec::Vec, string::String};
const X: [u8; 4] = [1, 2, 3, 4];
static Y: &str = "}";
type Alias = std::collections::HashMap<u8, u8>;
pub(crate) fn f<'a>(x: &'a u8) -> Box<dyn Fn()> { let s = "}"; let c = '{'; let r = r#"}"#; loop {} }
impl<T> Foo<T> for Bar where T: Baz { fn g(&self) -> f32 { '}'; 1.5 } }
unsafe impl Send for Bar {}
const unsafe fn h() {}
macro_rules! m { ($x:expr) => { $x } }
/// Not derived: skipped, generics and all.
#[derive(Debug, Clone)]
pub struct Plain<'a, T: ?Sized> { a: &'a T, b: HashMap<u8, f32> }
pub enum PlainEnum<T> { A(T), B = 3 }
#[derive(ProtobufLike)]
struct NotProtobuf(f64);
open_enum! { #[derive(IntoBytes)] pub enum Iso: u32 { A = 1 << 2, } }
`);
  test('impl, use, extern crate, const, static, type, fn, macro_rules! and non-derived types leave no trace', () => {
    const model = parse(SKIPPED);
    expect([...model.types.keys()]).toEqual(['SavedState', 'MemoryRange', 'MemoryVtlType']);
  });
  test('a skipped type is still known: referencing it is an error naming where it is', () => {
    expect(() => parse(`${SKIPPED}\n#[derive(Protobuf)] struct R { p: Plain }`, 'R')).toThrow(/Plain is declared at 14:12 without #\[derive\(Protobuf\)\]/);
    expect(() => parse(`${SKIPPED}\n#[derive(Protobuf)] struct R { p: Iso }`, 'R')).toThrow(/Iso is declared at .* without/);
  });
  test('bare top-level items and nested modules both work', () => {
    const text = 'mod a { pub(super) mod b { #[derive(Protobuf)] pub(crate) struct SavedState { pub(super) x: u8 } } }';
    expect(savedState(parse(text)).fields).toEqual([f('x', 1, { kind: 'scalar', name: 'u8' }, '', 1, 90)]);
  });
  test('derive by any path, split over several attributes, with other attributes ignored', () => {
    for (const d of ['Protobuf', 'mesh_protobuf::Protobuf', 'mesh::payload::Protobuf', '::mesh_protobuf::Protobuf']) {
      const text = `#[derive(Debug)]\n#[cfg(feature = "x")]\n#[allow(dead_code)]\n#[derive(Clone, ${d}, PartialEq)]\n#[inspect(skip)]\n#[doc = "ignored"]\npub struct SavedState;`;
      expect(savedState(parse(text))).toEqual({ kind: 'struct', name: 'SavedState', package: null, tuple: false, fields: [], doc: '', at: { line: 7, column: 12 } });
    }
  });
});

describe('numbering follows mesh_derive', () => {
  test('positional from 1 by index, explicit numbers where given (lib.rs:319-322)', () => {
    const model = parse('#[derive(Protobuf)] struct SavedState { a: u8, #[mesh(5)] b: u8, c: u8 }');
    expect(savedState(model).fields.map((x) => x.number)).toEqual([1, 5, 3]);
  });
  test('the last #[mesh(N)] wins, numbers may be hex or suffixed', () => {
    const model = parse('#[derive(Protobuf)] struct SavedState { #[mesh(1)] #[mesh(0x10)] a: u8, #[mesh(2u32)] b: u8 }');
    expect(savedState(model).fields.map((x) => x.number)).toEqual([16, 2]);
  });
  test('a tuple struct with a package needs no numbers (only named fields do, lib.rs:581)', () => {
    const model = parse('#[derive(Protobuf)] #[mesh(package = "p")] struct SavedState(u8, Vec<u8>);');
    expect(savedState(model)).toMatchObject({ tuple: true, package: 'p', fields: [{ name: '0', number: 1 }, { name: '1', number: 2 }] });
  });
});

describe('enums, open_enum!, types and docs', () => {
  test('enum variants of every shape, positional and explicit', () => {
    const model = parse(withRoot(`#[derive(Protobuf)]
enum E {
    /// unit
    A,
    B(u32, #[mesh(7)] String),
    #[mesh(9)]
    C { x: Option<bool>, #[mesh(3)] y: [u8; 4] },
    D(),
}`));
    expect(model.types.get('E')).toEqual({
      kind: 'enum', name: 'E', package: null, doc: '', at: { line: 2, column: 6 },
      variants: [
        { name: 'A', number: 1, shape: 'unit', fields: [], doc: 'unit', at: { line: 4, column: 5 } },
        { name: 'B', number: 2, shape: 'tuple', doc: '', at: { line: 5, column: 5 }, fields: [f('0', 1, u32, '', 5, 7), f('1', 7, { kind: 'scalar', name: 'String' }, '', 5, 23)] },
        { name: 'C', number: 9, shape: 'struct', doc: '', at: { line: 7, column: 5 }, fields: [f('x', 1, { kind: 'option', inner: { kind: 'scalar', name: 'bool' } }, '', 7, 9), f('y', 3, { kind: 'array', element: { kind: 'scalar', name: 'u8' }, length: 4 }, '', 7, 37)] },
        { name: 'D', number: 4, shape: 'tuple', fields: [], doc: '', at: { line: 8, column: 5 } },
      ],
    });
  });
  test('open_enum! becomes a tuple struct with its constants', () => {
    const model = parse(withRoot('open_enum! {\n  /// Doc.\n  #[derive(Protobuf)]\n  #[mesh(package = "p")]\n  pub enum T: i8 { A = -128, /// b\n B = 0x7f, C = 1_0 }\n}'));
    expect(model.types.get('T')).toEqual({
      kind: 'struct', name: 'T', package: 'p', tuple: true, doc: 'Doc.', at: { line: 5, column: 12 },
      fields: [{ name: '0', number: 1, type: { kind: 'scalar', name: 'i8' }, doc: '', at: { line: 5, column: 15 } }],
      openEnum: { repr: 'i8', values: [{ name: 'A', value: -128n }, { name: 'B', value: 127n }, { name: 'C', value: 10n }] },
    });
  });
  test('every scalar and path form resolves by its last segment', () => {
    const scalars = ['u8', 'u16', 'u32', 'u64', 'usize', 'i8', 'i16', 'i32', 'i64', 'isize', 'bool', 'String'];
    const text = `#[derive(Protobuf)] struct SavedState { ${scalars.map((s, i) => `s${i}: ${s},`).join(' ')} v: alloc::vec::Vec<::alloc::string::String>, r: memory_range::MemoryRange, t: super::MemoryVtlType, o: core::option::Option<Vec<u8>>, a: [[u16; 2]; 3], r#type: crate::Own }\n#[derive(Protobuf)] struct Own;`;
    const fields = savedState(parse(text)).fields;
    expect(fields.slice(0, 12).map((x) => x.type)).toEqual(scalars.map((name) => ({ kind: 'scalar', name })));
    expect(fields.slice(12).map((x) => [x.name, x.type])).toEqual([
      ['v', { kind: 'vec', element: { kind: 'scalar', name: 'String' } }],
      ['r', named('MemoryRange')],
      ['t', named('MemoryVtlType')],
      ['o', { kind: 'option', inner: { kind: 'vec', element: { kind: 'scalar', name: 'u8' } } }],
      ['a', { kind: 'array', element: { kind: 'array', element: { kind: 'scalar', name: 'u16' }, length: 2 }, length: 3 }],
      ['type', named('Own')],
    ]);
  });
  test('a declared MemoryRange wins over the built-in', () => {
    const model = parse(withRoot('#[derive(Protobuf)] #[mesh(package = "topology")] pub struct MemoryRange { #[mesh(1)] pub start: u32 }'));
    expect(model.types.get('MemoryRange')).toMatchObject({ fields: [{ name: 'start', type: u32 }] });
    expect((model.types.get('MemoryRange') as StructDef).builtin).toBeUndefined();
  });
  test('doc comments: /// and /** */ kept, one leading space stripped; //, ////, //! and #[doc] not', () => {
    const text = '//! crate doc\n// plain\n////  four\n///  two spaces\n///\n///x\n/** block\n second */\n#[doc = "attr"]\n#[derive(Protobuf)] struct SavedState;';
    expect(savedState(parse(text)).doc).toBe(' two spaces\n\nx\nblock\nsecond ');
  });
});

/** `$$` marks where the error must point; it is removed before parsing. */
const ERROR_CASES: [string, string, string][] = [
  ['generic parameters', 'schema_unsupported', '#[derive(Protobuf)] pub struct SavedState$$<T> { a: T }'],
  ['where clause', 'schema_unsupported', '#[derive(Protobuf)] pub struct SavedState(u8) $$where u8: Copy;'],
  ['lifetime argument', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: Foo<$$\'a> }'],
  ['reference', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: $$&u32 }'],
  ['Box', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: $$Box<u32> }'],
  ['tuple type', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: $$(u32, u32) }'],
  ['HashMap', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: std::collections::$$HashMap<u8, u8> }'],
  ['f32', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState(#[mesh(1)] $$f32);'],
  ['char', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: Vec<$$char> }'],
  ['Option<Option<T>>', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: Option<$$Option<u8>> }'],
  ['slice', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: [u8$$] }'],
  ['array length not a literal', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: [u8; $$N] }'],
  ['const generic argument', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: Ascii<$$8> }'],
  ['qualified path', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: $$<X as Y>::Z }'],
  ['generic args on a user type', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { a: $$Wrapper<u8> }'],
  ['unknown type', 'schema_unknown_type', '#[derive(Protobuf)] struct SavedState { a: Vec<$$Missing> }'],
  ['non-derived type referenced', 'schema_unknown_type', 'struct Plain;\n#[derive(Protobuf)] struct SavedState { a: $$Plain }'],
  ['non-derived MemoryRange hides the built-in', 'schema_unknown_type', 'struct MemoryRange;\n#[derive(Protobuf)] struct SavedState { a: $$MemoryRange }'],
  ['#[mesh(transparent)] on a type', 'schema_unsupported', '#[derive(Protobuf)]\n#[mesh($$transparent)]\nstruct SavedState(u8);'],
  ['#[mesh(bound)] on a type', 'schema_unsupported', '#[derive(Protobuf)]\n#[mesh(package = "p", $$bound = "")]\nstruct SavedState;'],
  ['unknown type-level mesh key', 'schema_unsupported', '#[derive(Protobuf)]\n#[mesh($$frobnicate)]\nstruct SavedState;'],
  ['field number on a type', 'schema_unsupported', '#[derive(Protobuf)]\n#[mesh($$1)]\nstruct SavedState;'],
  ['#[mesh(encoding)] on a field', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { #[mesh(1, $$encoding = "X")] a: u8 }'],
  ['#[mesh(transparent)] on a variant', 'schema_unsupported', '#[derive(Protobuf)] enum SavedState { #[mesh(1, $$transparent)] A(u8) }'],
  ['#[mesh] without arguments', 'schema_syntax', '#[derive(Protobuf)] struct SavedState { #[mesh$$] a: u8 }'],
  ['package not a string', 'schema_syntax', '#[derive(Protobuf)]\n#[mesh(package = $$1)]\nstruct SavedState;'],
  ['duplicate explicit field number: reported at the first (lib.rs:356-364)', 'schema_duplicate_number', '#[derive(Protobuf)] struct SavedState { #[mesh($$2)] a: u8, #[mesh(1)] b: u8, #[mesh(2)] c: u8 }'],
  ['duplicate positional number: at the positional field\'s type', 'schema_duplicate_number', '#[derive(Protobuf)] struct SavedState($$u8, #[mesh(1)] u8);'],
  ['duplicate variant number: at the later variant (lib.rs:767-773)', 'schema_duplicate_number', '#[derive(Protobuf)] enum SavedState { #[mesh(2)] A, #[mesh(1)] B, #[mesh($$2)] C }'],
  ['duplicate positional variant number: at the later variant\'s name', 'schema_duplicate_number', '#[derive(Protobuf)] enum SavedState { #[mesh(2)] A, $$B }'],
  ['duplicate number inside a variant', 'schema_duplicate_number', '#[derive(Protobuf)] enum SavedState { A { $$x: u8, #[mesh(1)] y: u8 } }'],
  ['package without field number (lib.rs:580-590)', 'schema_missing_number', '#[derive(Protobuf)]\n#[mesh(package = "p")]\nstruct SavedState { #[mesh(1)] a: u8, $$b: u8 }'],
  ['package without variant number (lib.rs:804-810)', 'schema_missing_number', '#[derive(Protobuf)]\n#[mesh(package = "p")]\nenum SavedState { #[mesh(1)] A, $$B }'],
  ['package without number on a struct variant field (lib.rs:811-821)', 'schema_missing_number', '#[derive(Protobuf)]\n#[mesh(package = "p")]\nenum SavedState { #[mesh(1)] A { $$x: u8 } }'],
  ['field number 0', 'schema_bad_number', '#[derive(Protobuf)] struct SavedState { #[mesh($$0)] a: u8 }'],
  ['field number over 2^29-1', 'schema_bad_number', '#[derive(Protobuf)] struct SavedState { #[mesh($$536870912)] a: u8 }'],
  ['explicit discriminant', 'schema_unsupported', '#[derive(Protobuf)] enum SavedState { A $$= 1 }'],
  ['visibility on a variant', 'schema_unsupported', '#[derive(Protobuf)] enum SavedState { $$pub A }'],
  ['duplicate type name', 'schema_duplicate_type', 'mod a { #[derive(Protobuf)] struct SavedState; }\n#[derive(Protobuf)] struct $$SavedState;'],
  ['infinite-size recursion', 'schema_unsupported', '#[derive(Protobuf)] struct SavedState { $$a: Option<SavedState> }'],
  ['open_enum repr not an integer', 'schema_unsupported', 'open_enum! { #[derive(Protobuf)] pub enum T: $$bool { A = 0 } }\n#[derive(Protobuf)] struct SavedState;'],
  ['open_enum value not a literal', 'schema_unsupported', 'open_enum! { #[derive(Protobuf)] pub enum T: u8 { A = $$B } }\n#[derive(Protobuf)] struct SavedState;'],
  ['open_enum value out of range', 'schema_bad_number', 'open_enum! { #[derive(Protobuf)] pub enum T: u8 { A = $$256 } }\n#[derive(Protobuf)] struct SavedState;'],
  ['other macro invocation', 'schema_unsupported', '$$define_types! { }\n#[derive(Protobuf)] struct SavedState;'],
  ['trait item', 'schema_unsupported', 'pub $$trait T {}\n#[derive(Protobuf)] struct SavedState;'],
  ['no root', 'schema_no_root', '$$#[derive(Protobuf)] struct Other;'],
  ['root not derived', 'schema_no_root', 'struct $$SavedState;'],
  ['missing colon', 'schema_syntax', '#[derive(Protobuf)] struct SavedState { a $$u8 }'],
  ['unclosed module', 'schema_syntax', 'mod m $${\n#[derive(Protobuf)] struct SavedState;'],
  ['mismatched delimiters in a skipped impl', 'schema_syntax', 'impl X { fn f() { ($$} }'],
  ['unterminated block comment', 'schema_syntax', '#[derive(Protobuf)] struct SavedState;\n$$/* /* nested */'],
  ['unterminated string', 'schema_syntax', 'static S: &str = $$"abc;'],
  ['bad escape', 'schema_syntax', 'static S: &str = $$"\\q";'],
  ['bad integer literal', 'schema_syntax', 'const X: u8 = $$0b102;'],
  ['types nested too deeply', 'schema_too_large', `#[derive(Protobuf)] struct SavedState { a: ${'Vec<'.repeat(33)}$$Vec<u8${'>'.repeat(34)} }`],
  ['modules nested too deeply', 'schema_too_large', 'mod m { '.repeat(32) + 'mod m $$' + '{ }' + ' }'.repeat(32)],
  ['array too long', 'schema_too_large', '#[derive(Protobuf)] struct SavedState { a: [u8; $$65537] }'],
];

describe('errors: code, line and column', () => {
  test('there is at least one case per rule', () => expect(ERROR_CASES.length).toBeGreaterThanOrEqual(20));
  test.each(ERROR_CASES)('%s', (_name, code, marked) => {
    const at = marked.indexOf('$$');
    const before = marked.slice(0, at).split('\n');
    const line = before.length;
    const column = (before[before.length - 1] as string).length + 1;
    const text = marked.replace('$$', '');
    let error: unknown;
    try {
      parse(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaError);
    const e = error as SchemaError;
    expect({ code: e.code, line: e.line, column: e.column }).toEqual({ code, line, column });
    expect(e.message).toBe(`x.rs:${line}:${column}: ${e.problem} — ${e.fix}`);
    expect(e.file).toBe('x.rs');
  });
  test('the message names the file and says what to do', () => {
    expect(() => parseRustSchema('#[derive(Protobuf)]\npub struct V4<T>(T);', 'v4.rs')).toThrow('v4.rs:2:14: generic parameters are outside the schema subset — saved-state types are concrete structs and enums');
  });
  test('text over the limit is schema_too_large before any lexing', () => {
    expect(() => parse(' '.repeat(MAX_SCHEMA_TEXT + 1))).toThrow(expect.objectContaining({ code: 'schema_too_large', line: 1, column: 1 }));
    expect(() => parse(withRoot(' '.repeat(MAX_SCHEMA_TEXT - 100)))).not.toThrow();
  });
  test('a custom root', () => {
    expect(parse('#[derive(Protobuf)] struct Top;', 'Top').root).toBe('Top');
  });
});

describe('lexer', () => {
  test('positions, doc tokens, literals', () => {
    const toks = lexRust("a::b /* /* */ */ 0x1_F 'c' 'life \"s\\n\" r#\"x\"# r#fn 1.5 1u8\n  /// d\n//! i", 'l.rs');
    expect(toks.map((t) => [t.kind, t.text, t.line, t.column])).toEqual([
      ['ident', 'a', 1, 1], ['punct', '::', 1, 2], ['ident', 'b', 1, 4], ['int', '0x1_F', 1, 18], ['char', 'c', 1, 24], ['lifetime', 'life', 1, 28],
      ['str', 's\n', 1, 34], ['str', 'x', 1, 40], ['ident', 'fn', 1, 47], ['float', '1.5', 1, 52], ['int', '1u8', 1, 56], ['doc', 'd', 2, 3], ['doc', 'i', 3, 1], ['eof', '', 3, 6],
    ]);
    expect(toks[3]?.value).toBe(31n);
    expect(toks[10]).toMatchObject({ value: 1n, suffix: 'u8' });
    expect(toks[12]?.inner).toBe(true);
  });
});

describe('robustness (fast-check)', () => {
  const onlySchemaErrors = (text: string): void => {
    try {
      parse(text);
    } catch (e) {
      if (!(e instanceof SchemaError)) throw e;
    }
  };
  test('random strings yield a model or a SchemaError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), onlySchemaErrors), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.constantFrom('#[', 'derive(Protobuf)]', 'mesh(', 'struct', 'enum', 'S', '{', '}', '(', ')', '<', '>', ';', ':', ',', 'u8', 'Vec', 'Option', '1', "'", '"', '/*', '*/', '///', 'open_enum!', 'SavedState', ' ', '\n', '=', 'pub', 'impl', 'mod'), { maxLength: 60 }), (parts) => onlySchemaErrors(parts.join(' '))), { numRuns: 2000 });
  });
  const SNIPPETS = ['<', '>', '{', '}', '(', ')', '[', ']', ';', ',', '#', '!', '"', "'", '/*', '*/', '//', '\n', 'Option<', 'Box<', '&', 'mesh(', '0', '99999999999', 'pub ', 'where ', 'r#', '\\', '\u{1F600}', '\uD800'];
  const mutation = fc.record({ at: fc.nat(), del: fc.nat({ max: 8 }), insert: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ unit: 'binary', maxLength: 4 })) });
  test.each([['v1', V1], ['v2', V2], ['v3', V3]])('random mutations of %s yield a model or a SchemaError', (_label, text) => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        let t = text;
        for (const m of ms) {
          const at = m.at % (t.length + 1);
          t = t.slice(0, at) + m.insert + t.slice(at + m.del);
        }
        onlySchemaErrors(t);
      }),
      { numRuns: 1500 },
    );
  });
});
