/**
 * Loads a `.proto` file written the way mesh's generator writes one
 * (openvmm `support/mesh/mesh_protobuf/src/protofile/writer.rs` at 1488a37b7, fed by
 * mesh_derive's descriptors) into a {@link SchemaModel}, reading it with protobufjs's parser.
 *
 * A `.proto` says less than the Rust it came from, and the model records what it cannot say:
 * - a message-typed field is `T` or `Option<T>` alike ("message fields are implicitly
 *   optional", writer.rs `FieldDescriptor::fmt`), so it gets `presenceUnknown: true`;
 * - `uint32` is any of `u8`, `u16`, `u32` (encoding.rs `builtin_field_type!`), so such fields
 *   hold `u32` with `protoType: 'uint32'`;
 * - a tuple struct's fields are `field1…fieldN` (mesh_derive `describe_fields`), read back as
 *   tuple fields `"0"…`; a named struct whose fields happen to be called that reads as a tuple;
 * - doc comments come back trimmed (protobufjs trims each line), and `at` points into the
 *   `.proto`;
 * - `open_enum!` constants are not written, so `MemoryVtlType` is a plain tuple message;
 * - unit, empty-tuple and empty-struct variants are all `google.protobuf.Empty`, read as unit.
 */
import protobuf from 'protobufjs';
import { BUILTIN_TYPES, type EnumDef, type FieldDef, type SchemaModel, type SourcePos, type StructDef, type TypeDef, type TypeRef, type VariantDef } from './model.js';
import { MAX_SCHEMA_TEXT } from './rust-lexer.js';
import { MAX_FIELDS } from './rust-parser.js';
import { SchemaError } from './schema-error.js';

/** Options of {@link loadProtoSchema}. */
export interface ProtoSchemaOptions {
  /** The root message, by name or package-qualified name; default `SavedState`. */
  root?: string;
}

const SYNTAX_FIX = 'fix the .proto syntax (protoc must accept it)';
/** proto scalars mesh writes for the subset's Rust scalars (encoding.rs `builtin_field_type!`). */
const SCALARS: ReadonlyMap<string, TypeRef> = new Map<string, TypeRef>([
  ['uint64', { kind: 'scalar', name: 'u64' }],
  ['uint32', { kind: 'scalar', name: 'u32' }],
  ['sint32', { kind: 'scalar', name: 'i32' }],
  ['sint64', { kind: 'scalar', name: 'i64' }],
  ['bool', { kind: 'scalar', name: 'bool' }],
  ['string', { kind: 'scalar', name: 'String' }],
  ['bytes', { kind: 'vec', element: { kind: 'scalar', name: 'u8' } }],
]);
const UNSUPPORTED_SCALARS: ReadonlyMap<string, string> = new Map([
  ['int32', 'mesh writes Rust i32 as sint32; int32 has no Rust counterpart in the subset'],
  ['int64', 'mesh writes Rust i64 as sint64; int64 has no Rust counterpart in the subset'],
  ['fixed32', 'fixed32 is a #[mesh(encoding = …)] choice, outside the subset'],
  ['fixed64', 'fixed64 is a #[mesh(encoding = …)] choice, outside the subset'],
  ['sfixed32', 'sfixed32 has no Rust counterpart in the subset'],
  ['sfixed64', 'sfixed64 has no Rust counterpart in the subset'],
  ['float', 'floating point is outside the schema subset'],
  ['double', 'floating point is outside the schema subset'],
]);
/** `FieldType::tuple` of one scalar becomes a well-known wrapper (protofile/mod.rs `tuple`). */
const WRAPPERS: ReadonlyMap<string, TypeRef> = new Map<string, TypeRef>([
  ['google.protobuf.UInt32Value', { kind: 'scalar', name: 'u32' }],
  ['google.protobuf.UInt64Value', { kind: 'scalar', name: 'u64' }],
  ['google.protobuf.BoolValue', { kind: 'scalar', name: 'bool' }],
  ['google.protobuf.StringValue', { kind: 'scalar', name: 'String' }],
  ['google.protobuf.BytesValue', { kind: 'vec', element: { kind: 'scalar', name: 'u8' } }],
]);
const EMPTY = 'google.protobuf.Empty';
/** The scanner's stack entry for an enum body, whose `NAME = N` lines are not fields. */
const ENUM = '\0enum';

/** Where each message and field is declared, found by walking protobufjs's tokenizer. */
interface Places {
  syntax: { value: string; at: SourcePos } | null;
  group: SourcePos | null;
  /** Keyed `Outer.Inner` for messages, `Outer.Inner.field` for fields. */
  at: Map<string, SourcePos>;
}

/**
 * Loads `.proto` text into a model of its messages plus the built-ins it references but does not
 * define (`.topology.MemoryRange`, `MemoryVtlType`). Throws {@link SchemaError}: `schema_syntax`
 * for what protobufjs cannot parse, `schema_unsupported` for proto features mesh never writes.
 */
export function loadProtoSchema(text: string, file: string, options: ProtoSchemaOptions = {}): SchemaModel {
  const start = { line: 1, column: 1 };
  if (typeof text !== 'string') throw new SchemaError('schema_syntax', String(file), start, 'the schema text is not a string', 'pass the file contents as a string');
  if (text.length > MAX_SCHEMA_TEXT) throw new SchemaError('schema_too_large', file, start, `the schema text is ${text.length} characters, over the ${MAX_SCHEMA_TEXT} limit`, 'a saved-state schema is a few kilobytes');
  const lines = text.split('\n');
  const places = scan(text, file, lines);
  const fail = (code: SchemaError['code'], at: SourcePos | undefined, problem: string, fix: string): never => {
    throw new SchemaError(code, file, at ?? start, problem, fix);
  };
  if (places.syntax?.value !== 'proto3') fail('schema_unsupported', places.syntax?.at, places.syntax === null ? 'the file does not say syntax = "proto3"' : `syntax "${places.syntax.value}" is not proto3`, 'mesh writes proto3 files; start the file with syntax = "proto3";');
  if (places.group !== null) fail('schema_unsupported', places.group, 'groups are outside the schema subset', 'mesh never writes groups; use a message field');
  let root: protobuf.Root;
  try {
    root = protobuf.parse(text, { keepCase: true, alternateCommentMode: true }).root;
  } catch (e) {
    throw syntaxError(e, file, lines);
  }

  const tops: protobuf.Type[] = [];
  const collect = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) tops.push(o);
      else if (o instanceof protobuf.Enum) fail('schema_unsupported', places.at.get(o.name), `proto enum ${o.name} is outside the schema subset`, 'mesh writes Rust enums and open_enum! types as messages; use a message');
      else if (o instanceof protobuf.Service) fail('schema_unsupported', start, `service ${o.name} is outside the schema subset`, 'a schema holds messages only');
      else if (o instanceof protobuf.Namespace) collect(o);
    }
  };
  collect(root);
  const byName = new Map<string, protobuf.Type>();
  for (const t of tops) {
    if (byName.has(t.name)) fail('schema_duplicate_type', places.at.get(t.name), `message ${t.name} is declared twice`, 'the model is keyed by message name; rename one');
    byName.set(t.name, t);
  }
  const builtin = (ref: string): StructDef | undefined => {
    const parts = ref.replace(/^\./, '').split('.');
    const name = parts.pop() as string;
    const b = BUILTIN_TYPES.find((x) => x.name === name);
    return b !== undefined && !byName.has(name) && (parts.length === 0 || parts.join('.') === b.package) ? b : undefined;
  };
  const consumed = new Set<protobuf.Type>();

  const pathOf = (t: protobuf.ReflectionObject): string => (t.parent instanceof protobuf.Type ? `${pathOf(t.parent)}.${t.name}` : t.name);
  const fieldAt = (f: protobuf.Field): SourcePos | undefined => places.at.get(`${pathOf(f.parent as protobuf.Type)}.${f.name}`);
  const isTuple = (t: protobuf.Type): boolean => t.fieldsArray.length > 0 && t.oneofsArray.length === 0 && t.fieldsArray.every((f, i) => f.name === `field${i + 1}` && f.id === i + 1);

  const fieldType = (f: protobuf.Field): { type: TypeRef; presenceUnknown: boolean } => {
    const at = fieldAt(f);
    if (f instanceof protobuf.MapField || f.map) fail('schema_unsupported', at, `map field ${f.name} is outside the schema subset`, 'use a repeated message of key and value');
    if (f.rule === 'required') fail('schema_unsupported', at, `required field ${f.name} is outside the schema subset`, 'proto3 has no required fields');
    const repeated = f.rule === 'repeated';
    const optional = f.options?.proto3_optional === true;
    const scalar = SCALARS.get(f.type);
    let type: TypeRef;
    let message = false;
    if (scalar !== undefined) type = scalar;
    else {
      const why = UNSUPPORTED_SCALARS.get(f.type);
      if (why !== undefined) fail('schema_unsupported', at, `${f.type} field ${f.name}: ${why}`, 'use uint32, uint64, sint32, sint64, bool, string, bytes or a message');
      type = { kind: 'named', name: messageRef(f, at) };
      message = true;
    }
    if (repeated) return { type: { kind: 'vec', element: type }, presenceUnknown: false };
    if (optional && !message) return { type: { kind: 'option', inner: type }, presenceUnknown: false };
    return { type, presenceUnknown: message };
  };

  const messageRef = (f: protobuf.Field, at: SourcePos | undefined): string => {
    const target = (f.parent as protobuf.Type).lookup(f.type);
    if (target instanceof protobuf.Enum) fail('schema_unsupported', at, `field ${f.name} has proto enum type ${f.type}`, 'mesh writes enums as messages; use a message');
    if (target instanceof protobuf.Type) {
      if (target.parent instanceof protobuf.Type) fail('schema_unsupported', at, `field ${f.name} has nested message type ${f.type}`, 'mesh nests messages only for enum variants and tuples; declare the message at top level');
      return target.name;
    }
    const b = builtin(f.type);
    if (b !== undefined) return b.name;
    if (f.type.replace(/^\./, '').startsWith('google.protobuf.')) fail('schema_unsupported', at, `field ${f.name} has well-known type ${f.type}`, 'mesh writes () and (T,) fields that way; tuples are outside the subset');
    return fail('schema_unknown_type', at, `unknown type ${f.type}`, `define it in this file, or use ${BUILTIN_TYPES.map((x) => `.${x.package}.${x.name}`).join(' or ')}`);
  };

  const fields = (t: protobuf.Type, tuple: boolean): FieldDef[] => {
    if (t.fieldsArray.length > MAX_FIELDS) fail('schema_too_large', fieldAt(t.fieldsArray[MAX_FIELDS]!) ?? { line: 1, column: 1 }, `message ${t.name} has more than ${MAX_FIELDS} fields`, 'a saved-state type has tens of fields; split it into nested messages');
    return t.fieldsArray.map((f, i): FieldDef => {
      const { type, presenceUnknown } = fieldType(f);
      const at = fieldAt(f);
      return {
        name: tuple ? String(i) : f.name,
        number: f.id,
        type,
        doc: f.comment ?? '',
        ...(presenceUnknown ? { presenceUnknown: true as const } : {}),
        ...(f.type === 'uint32' ? { protoType: 'uint32' } : {}),
        ...(at === undefined ? {} : { at }),
      };
    });
  };

  const variant = (f: protobuf.Field): VariantDef => {
    const at = fieldAt(f);
    const base = { name: upperCamel(f.name), number: f.id, doc: f.comment ?? '', ...(at === undefined ? {} : { at }) };
    const ref = f.type.replace(/^\./, '');
    if (ref === EMPTY) return { ...base, shape: 'unit', fields: [] };
    const wrapped = WRAPPERS.get(ref);
    if (wrapped !== undefined) return { ...base, shape: 'tuple', fields: [{ name: '0', number: 1, type: wrapped, doc: '', ...(ref.startsWith('google.protobuf.UInt32') ? { protoType: 'uint32' } : {}) }] };
    const target = (f.parent as protobuf.Type).lookup(f.type);
    if (!(target instanceof protobuf.Type)) {
      return fail('schema_unsupported', at, `oneof arm ${f.name} has type ${f.type}, not a message`, 'a scalar arm is mesh\'s #[mesh(transparent)] variant, outside the subset; wrap it in a message of field1');
    }
    if (target.oneofsArray.length > 0) fail('schema_unsupported', at, `variant payload ${target.name} has a oneof`, 'a variant holds plain fields');
    if (target.parent === f.parent) consumed.add(target);
    // A struct variant's payload message carries the Rust variant name (mesh_derive
    // `MessageDescriptor::new(#variant_name, …)`); a unit or tuple one only the snake_case field.
    if (isTuple(target)) return { ...base, shape: 'tuple', fields: fields(target, true) };
    return { ...base, name: target.parent === f.parent ? target.name : base.name, shape: 'struct', fields: fields(target, false) };
  };

  const def = (t: protobuf.Type): TypeDef => {
    const at = places.at.get(t.name);
    const pkg = (t.parent as protobuf.NamespaceBase).fullName.replace(/^\./, '');
    const common = { name: t.name, package: pkg === '' ? null : pkg, doc: t.comment ?? '', ...(at === undefined ? {} : { at }) };
    const oneofs = t.oneofsArray.filter((o) => !(o.fieldsArray.length === 1 && o.fieldsArray[0]?.options?.proto3_optional === true));
    if (oneofs.length > 0) {
      const oneof = oneofs[0] as protobuf.OneOf;
      if (oneofs.length > 1 || t.fieldsArray.some((f) => f.partOf !== oneof)) fail('schema_unsupported', at, `message ${t.name} mixes a oneof with other fields`, 'mesh writes an enum as a message holding only its oneof (named variant)');
      const e: EnumDef = { kind: 'enum', ...common, variants: oneof.fieldsArray.map(variant) };
      return e;
    }
    const tuple = isTuple(t);
    return { kind: 'struct', ...common, tuple, fields: fields(t, tuple) };
  };

  const types = new Map<string, TypeDef>();
  for (const t of tops) types.set(t.name, def(t));
  for (const t of tops) {
    for (const n of t.nestedArray) {
      if (n instanceof protobuf.Type && !consumed.has(n)) fail('schema_unsupported', places.at.get(pathOf(n)), `nested message ${t.name}.${n.name} is not an enum variant's payload`, 'declare messages at top level');
      if (n instanceof protobuf.Enum) fail('schema_unsupported', places.at.get(pathOf(n)), `proto enum ${t.name}.${n.name} is outside the schema subset`, 'use a message');
    }
  }
  for (const b of BUILTIN_TYPES) if (!types.has(b.name)) types.set(b.name, b);

  const rootName = (options.root ?? 'SavedState').replace(/^\./, '');
  const rootType = tops.find((t) => t.name === rootName || t.fullName.replace(/^\./, '') === rootName);
  if (rootType === undefined) fail('schema_no_root', start, `the root message ${rootName} is not defined`, `define message ${rootName}, or pass the root's name`);
  return { source: 'proto', file, root: (rootType as protobuf.Type).name, types };
}

/** heck's `to_upper_camel_case` for the snake_case names mesh writes (`double_repeat` → `DoubleRepeat`). */
function upperCamel(snake: string): string {
  return snake
    .split('_')
    .filter((p) => p !== '')
    .map((p) => (p[0] as string).toUpperCase() + p.slice(1))
    .join('');
}

/** A protobufjs parse error (`illegal token 'x' (line 3)`) as a `schema_syntax` SchemaError. */
function syntaxError(e: unknown, file: string, lines: readonly string[]): SchemaError {
  const message = e instanceof Error ? e.message : String(e);
  const lineMatch = /line (\d+)\)?$/.exec(message);
  const line = lineMatch === null ? 1 : Math.min(Number(lineMatch[1]), lines.length);
  const token = /'([^']*)'/.exec(message)?.[1];
  const col = lineMatch !== null && token !== undefined && token !== '' ? (lines[line - 1] ?? '').indexOf(token) + 1 : 0;
  return new SchemaError('schema_syntax', file, { line, column: Math.max(col, 1) }, message.replace(/ \((?:[^()]*, )?line \d+\)$/, ''), SYNTAX_FIX);
}

/**
 * Walks the tokens (protobufjs's own tokenizer, so it agrees with the parser) to find the
 * syntax line, any `group`, and where each message and field is declared: protobufjs's
 * reflection objects carry no positions.
 */
function scan(text: string, file: string, lines: readonly string[]): Places {
  const toks: { t: string; line: number }[] = [];
  try {
    const tn = protobuf.tokenize(text, false);
    for (let t = tn.next(); t !== null; t = tn.next()) toks.push({ t, line: tn.line });
  } catch (e) {
    throw syntaxError(e, file, lines);
  }
  const column = (line: number, word: string, after: RegExp): number => {
    const m = new RegExp(`\\b${word.replace(/[^\w]/g, '\\$&')}${after.source}`).exec(lines[line - 1] ?? '');
    return m === null ? 1 : m.index + 1;
  };
  const places: Places = { syntax: null, group: null, at: new Map() };
  const stack: (string | null)[] = [];
  const ident = /^[A-Za-z_][\w]*$/;
  for (let k = 0; k < toks.length; k++) {
    const { t, line } = toks[k] as { t: string; line: number };
    const n1 = toks[k + 1]?.t;
    const n2 = toks[k + 2]?.t;
    if ((t === 'syntax' || t === 'edition') && n1 === '=' && stack.length === 0 && places.syntax === null) {
      places.syntax = { value: t === 'edition' ? `edition ${toks[k + 3]?.t ?? ''}` : (toks[k + 3]?.t ?? ''), at: { line, column: column(line, t, /\s*=/) } };
    } else if ((t === 'message' || t === 'enum') && n1 !== undefined && ident.test(n1) && n2 === '{') {
      const path = [...stack.filter((s): s is string => s !== null && s !== ENUM), n1].join('.');
      places.at.set(path, { line: toks[k + 1]?.line ?? line, column: column(toks[k + 1]?.line ?? line, n1, /\s*\{?/) });
      stack.push(t === 'message' ? n1 : ENUM);
      k += 2;
    } else if (t === '{') stack.push(null);
    else if (t === '}') stack.pop();
    else if (t === 'group' && n1 !== undefined && ident.test(n1) && n2 === '=') places.group = { line, column: column(line, 'group', /\s/) };
    else if (ident.test(t) && n1 === '=' && n2 !== undefined && /^-?(?:0x)?[0-9]/i.test(n2) && !stack.includes(ENUM)) {
      // A field (or a oneof arm: the oneof's block is anonymous), keyed by its message path.
      const owner = stack.filter((s): s is string => s !== null).join('.');
      if (owner !== '') places.at.set(`${owner}.${t}`, { line, column: column(line, t, /\s*=/) });
    }
  }
  return places;
}
