import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BUILTIN_TYPES, type FieldDef, type SchemaModel, type StructDef, type TypeDef, type TypeRef } from '../../../src/format/model/model.js';
import { loadProtoSchema } from '../../../src/format/model/proto-loader.js';
import { parseRustSchema } from '../../../src/format/model/rust-parser.js';
import { SchemaError } from '../../../src/format/model/schema-error.js';

const read = (name: string) => readFileSync(new URL(`../../../schema/${name}`, import.meta.url), 'utf8');
const PROTO = loadProtoSchema(read('saved-state-v3.proto'), 'schema/saved-state-v3.proto');
const RUST = parseRustSchema(read('saved-state-v3.rs'), 'schema/saved-state-v3.rs');

/**
 * The facts a .proto cannot carry, erased from both sides: positions, presence and proto-type
 * markers, u8/u16 (written uint32), and open_enum constants / built-in flags.
 */
function relax(model: SchemaModel): Record<string, unknown> {
  const type = (t: TypeRef): TypeRef => {
    switch (t.kind) {
      case 'scalar':
        return t.name === 'u8' || t.name === 'u16' ? { kind: 'scalar', name: 'u32' } : t;
      case 'vec':
        return { kind: 'vec', element: type(t.element) };
      case 'option':
        return { kind: 'option', inner: type(t.inner) };
      case 'array':
        return { kind: 'vec', element: type(t.element) };
      case 'named':
        return t;
    }
  };
  const field = ({ name, number, type: t, doc }: FieldDef) => ({ name, number, type: type(t), doc });
  const def = (d: TypeDef) =>
    d.kind === 'struct'
      ? { kind: d.kind, name: d.name, package: d.package, tuple: d.tuple, doc: BUILTIN_TYPES.some((b) => b.name === d.name) ? '' : d.doc, fields: d.fields.map(field) }
      : { kind: d.kind, name: d.name, package: d.package, doc: d.doc, variants: d.variants.map((v) => ({ name: v.name, number: v.number, shape: v.shape, doc: v.doc, fields: v.fields.map(field) })) };
  return { root: model.root, types: Object.fromEntries([...model.types.values()].map((d) => [d.name, def(d)])) };
}

describe('schema/saved-state-v3.proto', () => {
  test('loads to the .rs model, up to what a .proto cannot say', () => {
    expect(PROTO.source).toBe('proto');
    expect(PROTO.file).toBe('schema/saved-state-v3.proto');
    expect(relax(PROTO)).toEqual(relax(RUST));
    expect([...PROTO.types.keys()].sort()).toEqual([...RUST.types.keys()].sort());
  });

  test('the documented differences, exactly', () => {
    const fieldsOf = (m: SchemaModel) => [...m.types.values()].filter((d): d is StructDef => d.kind === 'struct' && !d.builtin).flatMap((d) => d.fields.map((x) => ({ owner: d.name, ...x })));
    const proto = fieldsOf(PROTO);
    // Message-typed, non-repeated fields: T or Option<T> cannot be told apart.
    expect(proto.filter((x) => x.presenceUnknown).map((x) => `${x.owner}.${x.name}`)).toEqual(['MemoryEntry.range', 'MemoryEntry.vtl_type', 'MemoryEntry.igvm_type', 'MmioEntry.range', 'MmioEntry.vtl_type']);
    // uint32 fields, which could be u8, u16 or u32.
    expect(proto.filter((x) => x.protoType === 'uint32').map((x) => `${x.owner}.${x.name}`)).toEqual(['IgvmMemoryType.0', 'MemoryEntry.vnode', 'MemoryVtlType.0', 'SavedState.cpus_with_mapped_interrupts_no_io', 'SavedState.cpus_with_outstanding_io']);
    expect((PROTO.types.get('IgvmMemoryType') as StructDef).fields[0]?.type).toEqual({ kind: 'scalar', name: 'u32' });
    expect((RUST.types.get('IgvmMemoryType') as StructDef).fields[0]?.type).toEqual({ kind: 'scalar', name: 'u16' });
    // The file defines MemoryVtlType (as the generator does), so it is a plain tuple message.
    expect(PROTO.types.get('MemoryVtlType')).toMatchObject({ tuple: true, package: 'openhcl.openhcl_boot', at: { line: 37, column: 9 } });
    expect((PROTO.types.get('MemoryVtlType') as StructDef).openEnum).toBeUndefined();
    // MemoryRange is not in the file: the built-in.
    expect(PROTO.types.get('MemoryRange')).toBe(BUILTIN_TYPES[0]);
    // Docs survive for this file (protobufjs trims lines, which these docs do not need).
    for (const d of RUST.types.values()) if (!('builtin' in d)) expect(PROTO.types.get(d.name)?.doc).toBe(d.doc);
    expect((PROTO.types.get('SavedState') as StructDef).fields[3]).toMatchObject({ doc: (RUST.types.get('SavedState') as StructDef).fields[3]?.doc, at: { line: 71, column: 19 } });
  });
});

const ok = (body: string, root?: string) => loadProtoSchema(`syntax = "proto3";\npackage p;\n${body}`, 'x.proto', root === undefined ? {} : { root });

describe('mapping', () => {
  test('scalars, repeated, optional, bytes and message fields', () => {
    const m = ok('message SavedState {\n  uint64 a = 1;\n  sint32 b = 2;\n  sint64 c = 3;\n  bool d = 4;\n  string e = 5;\n  bytes f = 6;\n  repeated string g = 7;\n  optional uint64 h = 8;\n  Other i = 9;\n  repeated .p.Other j = 10;\n}\nmessage Other {}');
    const types = (m.types.get('SavedState') as StructDef).fields.map((x) => [x.name, x.type, x.presenceUnknown ?? false]);
    expect(types).toEqual([
      ['a', { kind: 'scalar', name: 'u64' }, false],
      ['b', { kind: 'scalar', name: 'i32' }, false],
      ['c', { kind: 'scalar', name: 'i64' }, false],
      ['d', { kind: 'scalar', name: 'bool' }, false],
      ['e', { kind: 'scalar', name: 'String' }, false],
      ['f', { kind: 'vec', element: { kind: 'scalar', name: 'u8' } }, false],
      ['g', { kind: 'vec', element: { kind: 'scalar', name: 'String' } }, false],
      ['h', { kind: 'option', inner: { kind: 'scalar', name: 'u64' } }, false],
      ['i', { kind: 'named', name: 'Other' }, true],
      ['j', { kind: 'vec', element: { kind: 'named', name: 'Other' } }, false],
    ]);
    expect(m.types.get('Other')).toMatchObject({ kind: 'struct', tuple: false, fields: [] });
  });

  test('a message of only a oneof is an enum: unit, tuple and struct variants the way mesh writes them', () => {
    const m = ok(`message SavedState {
  message Other {
    bool hi = 1;
    uint32 hello = 2;
  }
  message Repeat {
    repeated uint32 field1 = 1;
  }
  oneof variant {
    // the unit one
    .google.protobuf.Empty this_one = 1;
    .google.protobuf.UInt32Value that = 3;
    Other other = 4;
    Repeat repeat = 5;
  }
}`);
    expect(m.types.get('SavedState')).toEqual({
      kind: 'enum', name: 'SavedState', package: 'p', doc: '', at: { line: 3, column: 9 },
      variants: [
        { name: 'ThisOne', number: 1, shape: 'unit', fields: [], doc: 'the unit one', at: { line: 13, column: 28 } },
        { name: 'That', number: 3, shape: 'tuple', fields: [{ name: '0', number: 1, type: { kind: 'scalar', name: 'u32' }, doc: '', protoType: 'uint32' }], doc: '', at: { line: 14, column: 34 } },
        { name: 'Other', number: 4, shape: 'struct', doc: '', at: { line: 15, column: 11 }, fields: [
          { name: 'hi', number: 1, type: { kind: 'scalar', name: 'bool' }, doc: '', at: { line: 5, column: 10 } },
          { name: 'hello', number: 2, type: { kind: 'scalar', name: 'u32' }, doc: '', protoType: 'uint32', at: { line: 6, column: 12 } },
        ] },
        { name: 'Repeat', number: 5, shape: 'tuple', doc: '', at: { line: 16, column: 12 }, fields: [{ name: '0', number: 1, type: { kind: 'vec', element: { kind: 'scalar', name: 'u32' } }, doc: '', protoType: 'uint32', at: { line: 9, column: 21 } }] },
      ],
    });
  });

  test('field1..fieldN numbered 1..N is a tuple struct; out of order or gapped is not', () => {
    expect(ok('message SavedState { uint32 field1 = 1; bool field2 = 2; }').types.get('SavedState')).toMatchObject({ tuple: true, fields: [{ name: '0' }, { name: '1' }] });
    expect(ok('message SavedState { uint32 field1 = 1; bool field3 = 3; }').types.get('SavedState')).toMatchObject({ tuple: false, fields: [{ name: 'field1' }, { name: 'field3' }] });
    expect(ok('message SavedState { uint32 field1 = 2; }').types.get('SavedState')).toMatchObject({ tuple: false });
  });

  test('root by plain or package-qualified name; a proto3 optional is not an enum', () => {
    expect(ok('message Top { optional uint32 x = 1; }', 'p.Top').root).toBe('Top');
    expect(ok('message Top { optional uint32 x = 1; }', '.p.Top').types.get('Top')?.kind).toBe('struct');
  });
});

/** `$$` marks the expected position; it is removed before loading. */
const ERRORS: [string, string, string][] = [
  ['int32', 'schema_unsupported', 'message SavedState {\n  int32 $$x = 1;\n}'],
  ['int64', 'schema_unsupported', 'message SavedState { int64 $$x = 1; }'],
  ['fixed64', 'schema_unsupported', 'message SavedState { fixed64 $$x = 1; }'],
  ['float', 'schema_unsupported', 'message SavedState { float $$x = 1; }'],
  ['double', 'schema_unsupported', 'message SavedState { repeated double $$x = 1; }'],
  ['map', 'schema_unsupported', 'message SavedState { map<string, uint32> $$m = 1; }'],
  ['group', 'schema_unsupported', 'message SavedState {\n  repeated $$group G = 1 { uint32 x = 1; }\n}'],
  ['unknown type', 'schema_unknown_type', 'message SavedState { .q.Nope $$x = 1; }'],
  ['built-in in the wrong package', 'schema_unknown_type', 'message SavedState { .other.MemoryRange $$x = 1; }'],
  ['proto enum', 'schema_unsupported', 'enum $$E { A = 0; }\nmessage SavedState { E e = 1; }'],
  ['oneof mixed with fields', 'schema_unsupported', 'message $$SavedState { uint32 x = 1; oneof variant { uint32 y = 2; } }'],
  ['scalar oneof arm (transparent)', 'schema_unsupported', 'message SavedState { oneof variant { uint32 $$y = 2; } }'],
  ['nested message as a plain field type', 'schema_unsupported', 'message SavedState { message N {} N $$n = 1; }'],
  ['google.protobuf.Empty field', 'schema_unsupported', 'message SavedState { .google.protobuf.Empty $$e = 1; }'],
  ['syntax error', 'schema_syntax', 'message SavedState {\n  uint32 x = $$;\n}'],
  ['duplicate message', 'schema_syntax', 'message SavedState {}\nmessage SavedState {}'],
  ['no root', 'schema_no_root', 'message Other {}'],
];

describe('errors', () => {
  test.each(ERRORS)('%s', (_name, code, marked) => {
    const full = `syntax = "proto3";\npackage p;\n${marked}`;
    const at = full.indexOf('$$');
    const before = full.slice(0, Math.max(at, 0)).split('\n');
    let error: unknown;
    try {
      loadProtoSchema(full.replace('$$', ''), 'x.proto');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaError);
    const e = error as SchemaError;
    expect(e.code).toBe(code);
    if (at >= 0) expect({ line: e.line, column: e.column }).toEqual({ line: before.length, column: (before[before.length - 1] as string).length + 1 });
    expect(e.message.startsWith(`x.proto:${e.line}:${e.column}: `)).toBe(true);
  });
  test('proto2, a missing syntax line and editions are schema_unsupported at the syntax line', () => {
    expect(() => loadProtoSchema('syntax = "proto2";\nmessage SavedState { required uint32 x = 1; }', 'x.proto')).toThrow(expect.objectContaining({ code: 'schema_unsupported', line: 1, column: 1 }));
    expect(() => loadProtoSchema('message SavedState {}', 'x.proto')).toThrow(expect.objectContaining({ code: 'schema_unsupported' }));
    expect(() => loadProtoSchema('edition = "2023";\nmessage SavedState {}', 'x.proto')).toThrow(expect.objectContaining({ code: 'schema_unsupported', line: 1 }));
  });
  test('random strings and mutations yield a model or a SchemaError', () => {
    const text = read('saved-state-v3.proto');
    const only = (t: string) => {
      try {
        loadProtoSchema(t, 'x.proto');
      } catch (e) {
        if (!(e instanceof SchemaError)) throw e;
      }
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), only), { numRuns: 500 });
    fc.assert(fc.property(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom('{', '}', ';', '=', 'oneof variant {', 'map<', 'repeated ', 'optional ', '"', '/*', 'int32', '.', 'message X {', '12'), (at, del, ins) => {
      const i = at % (text.length + 1);
      only(text.slice(0, i) + ins + text.slice(i + del));
    }), { numRuns: 1000 });
  });
});
