/**
 * A strict parser of the Rust that mesh_protobuf saved state is written in
 * (`vm/loader/loader_defs/src/shim.rs`'s `save_restore` module and its like) into a
 * {@link SchemaModel}. It reads `#[derive(Protobuf)]` structs and enums, `open_enum!` types and
 * `#[mesh(…)]` attributes the way mesh_derive does (openvmm `support/mesh/mesh_derive/src/lib.rs`
 * at 1488a37b7; the line numbers below are that file's), skips items that cannot define saved
 * state (`use`, `impl`, `fn`, non-derived types), and rejects everything else with a
 * {@link SchemaError} at the offending token rather than guessing.
 */
import { BUILTIN_TYPES, SCALAR_NAMES, type FieldDef, type ScalarName, type SchemaModel, type SourcePos, type StructDef, type TypeDef, type TypeRef, type VariantDef } from './model.js';
import { describeToken, lexRust, TokenCursor, type RustToken } from './rust-lexer.js';
import { SchemaError } from './schema-error.js';

/** Options of {@link parseRustSchema}. */
export interface RustSchemaOptions {
  /** The root type's name; default `SavedState`. */
  root?: string;
}

/** How deeply modules and types may nest (`Vec<Vec<…>>`); real schemas use 2. */
export const MAX_SCHEMA_DEPTH = 32;

/** The largest `[T; N]` length accepted: a codec materialises N elements for a default. */
export const MAX_ARRAY_LENGTH = 1 << 16;

/**
 * Most fields in one struct or variant, and most variants in one enum. Real saved-state types
 * have tens; the bound keeps `evolve`'s payloads (one per field, each holding every field)
 * small on a hostile schema.
 */
export const MAX_FIELDS = 1024;

/** The largest protobuf field number (2^29 - 1, protobuf's "Field numbers" rule). */
const MAX_FIELD_NUMBER = 536_870_911;

const SYNTAX_FIX = 'fix the Rust syntax (the file must compile)';
const SCALARS: ReadonlySet<string> = new Set(SCALAR_NAMES);
const INTEGER_REPRS: ReadonlyMap<string, [bigint, bigint]> = new Map([
  ['u8', [0n, 0xffn]], ['u16', [0n, 0xffffn]], ['u32', [0n, 0xffff_ffffn]], ['u64', [0n, 0xffff_ffff_ffff_ffffn]], ['usize', [0n, 0xffff_ffff_ffff_ffffn]],
  ['i8', [-0x80n, 0x7fn]], ['i16', [-0x8000n, 0x7fffn]], ['i32', [-0x8000_0000n, 0x7fff_ffffn]], ['i64', [-(1n << 63n), (1n << 63n) - 1n]], ['isize', [-(1n << 63n), (1n << 63n) - 1n]],
]);
/** Types mesh can encode but the subset leaves out, with what to write instead. */
const UNSUPPORTED_TYPES: ReadonlyMap<string, string> = new Map([
  ['f32', 'floating point is outside the schema subset — store an integer (e.g. fixed-point u32)'],
  ['f64', 'floating point is outside the schema subset — store an integer (e.g. fixed-point u64)'],
  ['char', 'char is outside the schema subset — use u32 or String'],
  ['str', 'str is outside the schema subset — use String'],
  ['u128', 'u128 is outside the schema subset — use two u64 fields or [u8; 16]'],
  ['i128', 'i128 is outside the schema subset — use two u64 fields or [u8; 16]'],
  ['Box', 'Box is outside the schema subset — store the value itself'],
  ['Rc', 'Rc is outside the schema subset — store the value itself'],
  ['Arc', 'Arc is outside the schema subset — store the value itself'],
  ['Cow', 'Cow is outside the schema subset — use the owned type'],
  ['HashMap', 'maps are outside the schema subset — use Vec of a #[derive(Protobuf)] key/value struct'],
  ['BTreeMap', 'maps are outside the schema subset — use Vec of a #[derive(Protobuf)] key/value struct'],
  ['HashSet', 'sets are outside the schema subset — use Vec<T>'],
  ['BTreeSet', 'sets are outside the schema subset — use Vec<T>'],
  ['VecDeque', 'VecDeque is outside the schema subset — use Vec<T>'],
  ['Result', 'Result is outside the schema subset — use a #[derive(Protobuf)] enum'],
  ['PhantomData', 'PhantomData is outside the schema subset — saved-state types are concrete'],
  ['Self', 'Self is outside the schema subset — name the type'],
]);
/** mesh_derive's type-level keys (lib.rs:157-184) other than `package`, and why each is out. */
const TYPE_KEYS: ReadonlyMap<string, string> = new Map([
  ['transparent', 'a transparent type encodes as its field, not a message'],
  ['bound', 'bounds only matter for generic types'],
  ['impl_for', 'impl_for derives for another type'],
  ['mod', 'a custom protobuf module'],
  ['resource', 'resources (ports, handles) cannot be persisted'],
  ['prost', 'prost encoding is a different codec'],
  ['rename', 'rename changes the .proto message name, which the model does not record'],
]);

interface Attrs {
  doc: string[];
  derived: boolean;
  /** Token indexes of each `#[mesh(` group's `(`, read only when the item is derived. */
  mesh: number[];
  first: RustToken;
}
interface MeshArg {
  key: string | null;
  tok: RustToken;
  value?: RustToken;
}
interface RawField {
  name: string;
  type: TypeRef;
  doc: string;
  at: SourcePos;
  number?: RustToken;
}
interface RawVariant {
  name: RustToken;
  shape: VariantDef['shape'];
  fields: RawField[];
  doc: string;
  number?: RustToken;
}

/**
 * Parses Rust schema source into a model: every `#[derive(Protobuf)]` type plus the built-ins
 * (`MemoryRange`, `MemoryVtlType`) unless the source declares its own. Throws {@link SchemaError}
 * and nothing else for any string.
 */
export function parseRustSchema(text: string, file: string, options: RustSchemaOptions = {}): SchemaModel {
  if (typeof text !== 'string') throw new SchemaError('schema_syntax', String(file), { line: 1, column: 1 }, 'the schema text is not a string', 'pass the file contents as a string');
  return new Parser(new TokenCursor(lexRust(text, file), file)).parse(options.root ?? 'SavedState');
}

class Parser {
  private readonly derived: TypeDef[] = [];
  private readonly declared = new Map<string, RustToken>();
  private readonly plain = new Map<string, RustToken>();
  private readonly refs: { name: string; tok: RustToken }[] = [];

  constructor(private readonly c: TokenCursor) {}

  parse(root: string): SchemaModel {
    this.items(0, null);
    const types = new Map<string, TypeDef>();
    for (const def of this.derived) types.set(def.name, def);
    for (const b of BUILTIN_TYPES) if (!types.has(b.name) && !this.plain.has(b.name)) types.set(b.name, b);
    for (const { name, tok } of this.refs) {
      if (types.has(name)) continue;
      const plain = this.plain.get(name);
      if (plain !== undefined) this.c.fail('schema_unknown_type', tok, `${name} is declared at ${plain.line}:${plain.column} without #[derive(Protobuf)]`, `add #[derive(mesh_protobuf::Protobuf)] to ${name}`);
      this.c.fail('schema_unknown_type', tok, `unknown type ${name}`, `declare it with #[derive(Protobuf)] in this file, or use a scalar, Vec<T>, Option<T>, [T; N], ${BUILTIN_TYPES.map((b) => b.name).join(' or ')}`);
    }
    this.checkFiniteSize(types);
    const rootDef = types.get(root);
    if (rootDef === undefined || rootDef.at === undefined) {
      const at = this.plain.get(root) ?? { line: 1, column: 1 };
      this.c.fail('schema_no_root', at, `the root type ${root} is not declared${this.plain.has(root) ? ' with #[derive(Protobuf)]' : ''}`, `declare #[derive(Protobuf)] pub struct ${root}, or pass the root's name`);
    }
    return { source: 'rust', file: this.c.file, root, types };
  }

  /** Items until `}` (in a module) or the end; `close` is the module's `{`, for errors. */
  private items(depth: number, close: RustToken | null): void {
    const c = this.c;
    for (;;) {
      if (c.peek().kind === 'eof') {
        if (close !== null) c.fail('schema_syntax', close, `module body opened at ${close.line}:${close.column} is not closed`, 'add the closing }');
        return;
      }
      if (close !== null && c.eat('}')) return;
      const attrs = this.attributes();
      this.visibility();
      const kw = c.peek();
      const word = kw.kind === 'ident' ? kw.text : '';
      if (word === 'mod') {
        c.next();
        c.ident('a module name');
        if (c.eat(';')) continue;
        const open = c.expect('{', 'after the module name');
        if (depth + 1 > MAX_SCHEMA_DEPTH) c.fail('schema_too_large', open, `modules nest deeper than ${MAX_SCHEMA_DEPTH}`, 'flatten the modules');
        this.items(depth + 1, open);
      } else if (this.fnOrImplAhead()) {
        c.skipItem(true, kw);
      } else if (word === 'use' || word === 'static' || word === 'type' || word === 'const' || (word === 'extern' && c.is('crate', 1))) {
        c.skipItem(false, kw);
      } else if (word === 'macro_rules' && c.is('!', 1)) {
        c.next();
        c.next();
        c.ident('a macro name');
        const paren = !c.is('{');
        if (!c.is('{') && !c.is('(') && !c.is('[')) c.fail('schema_syntax', c.peek(), `expected the macro_rules! body, found ${describeToken(c.peek())}`, SYNTAX_FIX);
        c.skipGroup();
        if (paren) c.expect(';', 'after a macro_rules!(…) body');
      } else if (word === 'open_enum' && c.is('!', 1)) {
        this.openEnum(kw);
      } else if (word === 'struct' || word === 'enum') {
        if (!attrs.derived) {
          c.next();
          const name = c.ident(`a ${word} name`);
          this.plain.set(name.text, name);
          c.skipItem(true, kw);
        } else if (word === 'struct') this.struct(attrs);
        else this.enum(attrs);
      } else if (kw.kind === 'ident' && c.is('!', 1)) {
        c.fail('schema_unsupported', kw, `macro invocation ${kw.text}! is outside the schema subset`, 'only open_enum! and macro_rules! are understood; write the types out');
      } else if (kw.kind === 'ident') {
        c.fail('schema_unsupported', kw, `\`${kw.text}\` items are outside the schema subset`, 'a schema holds #[derive(Protobuf)] structs and enums, open_enum!, mod, use, impl, fn, const, static and type items');
      } else {
        c.fail('schema_syntax', kw, `expected an item, found ${describeToken(kw)}`, SYNTAX_FIX);
      }
    }
  }

  /** Whether an `fn` or `impl` item starts here, after qualifiers (`const unsafe extern "C" fn`). */
  private fnOrImplAhead(): boolean {
    let k = 0;
    while (k < 4 && (['const', 'async', 'unsafe', 'safe', 'extern'].some((q) => this.c.is(q, k)) || this.c.peek(k).kind === 'str')) k++;
    return this.c.is('fn', k) || this.c.is('impl', k);
  }

  /** Outer attributes and doc comments; inner ones (`#![…]`, `//!`) are skipped. */
  private attributes(): Attrs {
    const c = this.c;
    const attrs: Attrs = { doc: [], derived: false, mesh: [], first: c.peek() };
    for (;;) {
      const t = c.peek();
      if (t.kind === 'doc') {
        c.next();
        if (t.inner !== true) attrs.doc.push(t.text);
        continue;
      }
      if (!c.is('#')) return attrs;
      c.next();
      const inner = c.eat('!');
      if (!c.is('[')) c.fail('schema_syntax', c.peek(), `expected \`[\` after \`#\`, found ${describeToken(c.peek())}`, SYNTAX_FIX);
      const open = c.index;
      const path = c.peek(1);
      const single = path.kind === 'ident' && (c.is('(', 2) || c.is(']', 2) || c.is('=', 2));
      if (!inner && single && path.text === 'derive' && c.is('(', 2)) {
        c.index = open + 2;
        // Protobuf by any path: `Protobuf`, `mesh_protobuf::Protobuf`, `mesh::payload::Protobuf`.
        const end = this.groupEnd();
        for (let k = c.index + 1; k < end; k++) {
          const tk = c.tokens[k] as RustToken;
          const after = c.tokens[k + 1] as RustToken;
          if (tk.kind === 'ident' && tk.text === 'Protobuf' && (after.text === ',' || k + 1 === end) && after.kind === 'punct') attrs.derived = true;
        }
      } else if (!inner && single && path.text === 'mesh') {
        if (!c.is('(', 2)) c.fail('schema_syntax', c.peek(2), '#[mesh] needs arguments', 'write #[mesh(N)] on fields and variants, #[mesh(package = "…")] on types');
        attrs.mesh.push(open + 2);
      }
      c.index = open;
      c.skipGroup();
    }
  }

  /** Index of the token closing the group that opens at the cursor (the cursor does not move). */
  private groupEnd(): number {
    const start = this.c.index;
    this.c.skipGroup();
    const end = this.c.index - 1;
    this.c.index = start;
    return end;
  }

  /** The arguments of one `#[mesh(…)]`: numbers and `key` / `key = "value"` entries. */
  private meshArgs(open: number): MeshArg[] {
    const c = this.c;
    const saved = c.index;
    c.index = open + 1;
    const args: MeshArg[] = [];
    while (!c.is(')')) {
      const t = c.next();
      if (t.kind === 'int') args.push({ key: null, tok: t });
      else if (t.kind === 'ident') {
        const arg: MeshArg = { key: t.text, tok: t };
        if (c.eat('=')) {
          if (c.peek().kind !== 'str') c.fail('schema_syntax', c.peek(), `#[mesh(${t.text} = …)] needs a string literal`, `write ${t.text} = "…"`);
          arg.value = c.next();
        }
        args.push(arg);
      } else c.fail('schema_syntax', t, `unexpected ${describeToken(t)} in #[mesh(…)]`, 'write #[mesh(N)] or #[mesh(package = "…")]');
      if (!c.eat(',') && !c.is(')')) c.fail('schema_syntax', c.peek(), `expected \`,\` or \`)\` in #[mesh(…)], found ${describeToken(c.peek())}`, SYNTAX_FIX);
    }
    c.index = saved;
    return args;
  }

  /** The type-level `#[mesh(package = "…")]`; every other key is out of the subset (lib.rs:157-218). */
  private typeMesh(attrs: Attrs): string | null {
    let pkg: string | null = null;
    for (const open of attrs.mesh) {
      for (const a of this.meshArgs(open)) {
        if (a.key === 'package') {
          if (a.value === undefined) this.c.fail('schema_syntax', a.tok, 'package needs a value', 'write #[mesh(package = "…")]');
          pkg = a.value.text;
        } else if (a.key === null) this.c.fail('schema_unsupported', a.tok, 'a field number on a type', 'put #[mesh(N)] on fields and variants; types take #[mesh(package = "…")]');
        else this.c.fail('schema_unsupported', a.tok, `#[mesh(${a.key})] is outside the schema subset${TYPE_KEYS.has(a.key) ? `: ${TYPE_KEYS.get(a.key)}` : ' (mesh_derive: "unknown attribute")'}`, 'only #[mesh(package = "…")] is understood on a type');
      }
    }
    return pkg;
  }

  /** A field's or variant's `#[mesh(N)]`, the last one winning as in mesh_derive (lib.rs:262-282). */
  private itemNumber(attrs: Attrs): RustToken | undefined {
    let number: RustToken | undefined;
    for (const open of attrs.mesh) {
      for (const a of this.meshArgs(open)) {
        if (a.key === null) number = a.tok;
        else if (a.key === 'encoding' || a.key === 'transparent') this.c.fail('schema_unsupported', a.tok, `#[mesh(${a.key})] is outside the schema subset`, 'saved-state fields use their type\'s default encoding; remove it');
        else this.c.fail('schema_unsupported', a.tok, `unknown #[mesh(${a.key})] on a field or variant (mesh_derive: "unknown attribute")`, 'fields and variants take only #[mesh(N)]');
      }
    }
    return number;
  }

  private visibility(): void {
    const c = this.c;
    if (!c.eat('pub')) return;
    if (c.is('(') && (c.is('crate', 1) || c.is('super', 1) || c.is('self', 1)) && c.is(')', 2)) c.index += 3;
    else if (c.is('(') && c.is('in', 1)) c.skipGroup();
  }

  private declare(name: RustToken): void {
    const prev = this.declared.get(name.text);
    if (prev !== undefined) this.c.fail('schema_duplicate_type', name, `type ${name.text} is already declared at ${prev.line}:${prev.column}`, 'the model is keyed by type name; rename one');
    this.declared.set(name.text, name);
  }

  private noGenerics(): void {
    const c = this.c;
    if (c.is('<')) c.fail('schema_unsupported', c.peek(), 'generic parameters are outside the schema subset', 'saved-state types are concrete structs and enums');
    if (c.is('where')) c.fail('schema_unsupported', c.peek(), 'where clauses are outside the schema subset', 'saved-state types are concrete structs and enums');
  }

  private struct(attrs: Attrs): void {
    const c = this.c;
    c.next();
    const name = c.ident('a struct name');
    this.noGenerics();
    const pkg = this.typeMesh(attrs);
    let raw: RawField[] = [];
    let tuple = false;
    if (c.eat(';')) {
      // A unit struct: a message with no fields.
    } else if (c.is('(')) {
      tuple = true;
      raw = this.fields(false);
      this.noGenerics();
      c.expect(';', 'after a tuple struct');
    } else if (c.is('{')) raw = this.fields(true);
    else c.fail('schema_syntax', c.peek(), `expected \`{\`, \`(\` or \`;\` after struct ${name.text}, found ${describeToken(c.peek())}`, SYNTAX_FIX);
    const fields = this.number(raw);
    // lib.rs:580-591: named fields need explicit numbers when the type has a package.
    if (pkg !== null && !tuple) this.requireNumbers(raw, name.text);
    this.declare(name);
    this.derived.push({ kind: 'struct', name: name.text, package: pkg, tuple, fields, doc: attrs.doc.join('\n'), at: pos(name) });
  }

  private enum(attrs: Attrs): void {
    const c = this.c;
    c.next();
    const name = c.ident('an enum name');
    this.noGenerics();
    const pkg = this.typeMesh(attrs);
    c.expect('{', `after enum ${name.text}`);
    const raw: RawVariant[] = [];
    while (!c.eat('}')) {
      const va = this.attributes();
      if (c.is('pub')) c.fail('schema_unsupported', c.peek(), 'visibility on an enum variant', 'variants share their enum\'s visibility; remove pub');
      const vname = c.ident('a variant name');
      const number = this.itemNumber(va);
      let shape: VariantDef['shape'] = 'unit';
      let fields: RawField[] = [];
      if (c.is('(')) [shape, fields] = ['tuple', this.fields(false)];
      else if (c.is('{')) [shape, fields] = ['struct', this.fields(true)];
      if (c.is('=')) c.fail('schema_unsupported', c.peek(), 'explicit discriminants are outside the schema subset', 'mesh numbers variants with #[mesh(N)]; remove = …');
      if (raw.length === MAX_FIELDS) c.fail('schema_too_large', vname, `more than ${MAX_FIELDS} variants in one enum`, 'a saved-state enum has a handful of variants');
      raw.push({ name: vname, shape, fields, doc: va.doc.join('\n'), ...(number === undefined ? {} : { number }) });
      if (!c.eat(',') && !c.is('}')) c.fail('schema_syntax', c.peek(), `expected \`,\` or \`}\` after variant ${vname.text}, found ${describeToken(c.peek())}`, SYNTAX_FIX);
    }
    const seen = new Set<number>();
    const variants = raw.map((v, i): VariantDef => {
      // lib.rs:762-774: positional from 1, and a repeated number fails at the later variant.
      const n = v.number === undefined ? i + 1 : this.checkNumber(v.number);
      if (seen.has(n)) c.fail('schema_duplicate_number', v.number ?? v.name, `duplicate field number ${n} (variant ${v.name.text})`, 'give each variant its own #[mesh(N)]');
      seen.add(n);
      const fields = this.number(v.fields);
      if (pkg !== null) {
        // lib.rs:804-822: with a package, every variant and every named variant field is numbered.
        if (v.number === undefined) c.fail('schema_missing_number', v.name, `variant ${v.name.text} has no #[mesh(N)] but ${name.text} has a package (mesh_derive: "all variants must have explicit numbers when package is set")`, 'add #[mesh(N)] to the variant');
        if (v.shape === 'struct') this.requireNumbers(v.fields, `${name.text}::${v.name.text}`);
      }
      return { name: v.name.text, number: n, shape: v.shape, fields, doc: v.doc, at: pos(v.name) };
    });
    this.declare(name);
    this.derived.push({ kind: 'enum', name: name.text, package: pkg, variants, doc: attrs.doc.join('\n'), at: pos(name) });
  }

  /** The fields of a `( … )` (tuple) or `{ … }` (named) group at the cursor. */
  private fields(named: boolean): RawField[] {
    const c = this.c;
    const closeText = named ? '}' : ')';
    c.next();
    const out: RawField[] = [];
    while (!c.eat(closeText)) {
      const attrs = this.attributes();
      this.visibility();
      let name = String(out.length);
      let at = pos(c.peek());
      if (named) {
        const id = c.ident('a field name');
        name = id.text;
        at = pos(id);
        c.expect(':', `after field ${id.text}`);
      }
      const number = this.itemNumber(attrs);
      const type = this.type(0);
      if (out.length === MAX_FIELDS) c.fail('schema_too_large', c.peek(), `more than ${MAX_FIELDS} fields in one type`, 'a saved-state type has tens of fields; split it into nested structs');
      out.push({ name, type, doc: attrs.doc.join('\n'), at, ...(number === undefined ? {} : { number }) });
      if (!c.eat(',') && !c.is(closeText)) c.fail('schema_syntax', c.peek(), `expected \`,\` or \`${closeText}\` after field ${name}, found ${describeToken(c.peek())}`, SYNTAX_FIX);
    }
    return out;
  }

  /** Numbers fields: explicit, else positional from 1 (lib.rs:313-323); no number twice (lib.rs:351-365). */
  private number(raw: RawField[]): FieldDef[] {
    const fields = raw.map((f, i): FieldDef => ({ name: f.name, number: f.number === undefined ? i + 1 : this.checkNumber(f.number), type: f.type, doc: f.doc, at: f.at }));
    // mesh_derive sorts stably by number and reports the first of an equal pair, so the error
    // points at the earlier field.
    const order = fields.map((f, i) => ({ n: f.number, i })).sort((a, b) => a.n - b.n);
    for (let k = 1; k < order.length; k++) {
      const left = order[k - 1] as { n: number; i: number };
      if (left.n !== (order[k] as { n: number }).n) continue;
      const f = raw[left.i] as RawField;
      this.c.fail('schema_duplicate_number', f.number ?? f.at, `duplicate field number ${left.n} (fields ${f.name} and ${(raw[(order[k] as { i: number }).i] as RawField).name})`, 'give each field its own #[mesh(N)]');
    }
    return fields;
  }

  private requireNumbers(raw: RawField[], owner: string): void {
    const f = raw.find((x) => x.number === undefined);
    if (f !== undefined) this.c.fail('schema_missing_number', f.at, `field ${f.name} of ${owner} has no #[mesh(N)] but the type has a package (mesh_derive: "all fields must have explicit numbers when package is set")`, 'add #[mesh(N)] to every field');
  }

  /** A field number must fit protobuf's 1..2^29-1 (mesh_derive itself only requires a u32, lib.rs:322). */
  private checkNumber(tok: RustToken): number {
    const v = tok.value ?? 0n;
    if (v < 1n || v > BigInt(MAX_FIELD_NUMBER)) this.c.fail('schema_bad_number', tok, `field number ${tok.text} is outside 1..${MAX_FIELD_NUMBER}`, 'protobuf field numbers are 1 to 2^29-1');
    return Number(v);
  }

  /** A field type: scalars, `Vec<T>`, `Option<T>`, `[T; N]` and type names, resolved by last path segment. */
  private type(depth: number): TypeRef {
    const c = this.c;
    const t = c.peek();
    if (depth > MAX_SCHEMA_DEPTH) c.fail('schema_too_large', t, `types nest deeper than ${MAX_SCHEMA_DEPTH}`, 'flatten the type');
    const out = (problem: string, fix: string): never => c.fail('schema_unsupported', t, problem, fix);
    if (c.is('&')) out('references are outside the schema subset', 'saved state owns its data; use String or Vec<T>');
    if (c.is('*')) out('raw pointers are outside the schema subset', 'store the value itself');
    if (c.is('(')) out('tuples are outside the schema subset', 'use a #[derive(Protobuf)] tuple struct');
    if (c.is('<')) out('qualified paths (<T as Trait>::Name) are outside the schema subset', 'name the saved-state type directly');
    if (c.is('!')) out('the never type is outside the schema subset', 'use a concrete type');
    if (t.kind === 'lifetime') out('lifetimes are outside the schema subset', 'saved-state types own their data');
    if (t.kind === 'ident' && ['dyn', 'impl', 'fn', 'unsafe', 'extern', '_'].includes(t.text)) out(`\`${t.text}\` types are outside the schema subset`, 'use a concrete type');
    if (c.eat('[')) {
      const element = this.type(depth + 1);
      if (c.is(']')) c.fail('schema_unsupported', c.peek(), 'slices are outside the schema subset', 'use Vec<T> or [T; N]');
      c.expect(';', 'in an array type');
      const len = c.next();
      if (len.kind !== 'int' || (len.suffix !== '' && len.suffix !== 'usize')) c.fail('schema_unsupported', len, 'an array length must be an integer literal', 'write the length as a number, e.g. [u8; 16]');
      if ((len.value as bigint) > BigInt(MAX_ARRAY_LENGTH)) c.fail('schema_too_large', len, `array length ${len.text} is over ${MAX_ARRAY_LENGTH}`, 'use Vec<T> for large sequences');
      c.expect(']', 'after the array length');
      return { kind: 'array', element, length: Number(len.value) };
    }
    if (t.kind !== 'ident' && !c.is('::')) c.fail('schema_syntax', t, `expected a type, found ${describeToken(t)}`, SYNTAX_FIX);
    c.eat('::');
    let last = c.ident('a type name');
    let args: { tok: RustToken; type: TypeRef }[] | null = null;
    for (;;) {
      if (c.is('<') || (c.is('::') && c.is('<', 1))) {
        c.eat('::');
        const open = c.next();
        args = [];
        while (!c.eat('>')) {
          const at = c.peek();
          if (at.kind === 'lifetime') c.fail('schema_unsupported', at, 'lifetimes are outside the schema subset', 'saved-state types own their data');
          if (at.kind === 'int' || c.is('{')) c.fail('schema_unsupported', at, 'const generic arguments are outside the schema subset', 'use a concrete type such as [u8; N] or String');
          args.push({ tok: at, type: this.type(depth + 1) });
          if (!c.eat(',') && !c.is('>')) c.fail('schema_syntax', c.peek(), `expected \`,\` or \`>\` in the type arguments opened at ${open.line}:${open.column}, found ${describeToken(c.peek())}`, SYNTAX_FIX);
        }
      }
      if (!c.is('::')) break;
      if (args !== null) c.fail('schema_unsupported', c.peek(), 'associated types are outside the schema subset', 'name the type directly');
      c.next();
      last = c.ident('a type name');
    }
    const name = last.text;
    const generic = (n: number, what: string): TypeRef => {
      if (args?.length !== n) c.fail('schema_unsupported', last, `${name} takes ${n === 1 ? 'one type argument' : 'no type arguments'} here`, what);
      return (args as { type: TypeRef }[])[0]?.type as TypeRef;
    };
    const unsupported = UNSUPPORTED_TYPES.get(name);
    if (unsupported !== undefined) {
      const [problem, fix] = unsupported.split(' — ') as [string, string];
      c.fail('schema_unsupported', last, problem, fix);
    }
    if (SCALARS.has(name)) {
      if (args !== null) generic(0, `write ${name}`);
      return { kind: 'scalar', name: name as ScalarName };
    }
    if (name === 'Vec') return { kind: 'vec', element: generic(1, 'write Vec<T>') };
    if (name === 'Option') {
      const inner = generic(1, 'write Option<T>');
      if (inner.kind === 'option') c.fail('schema_unsupported', (args as { tok: RustToken }[])[0]?.tok as RustToken, 'Option<Option<T>> is outside the schema subset', 'mesh cannot tell None from Some(None) on the wire; use a #[derive(Protobuf)] enum');
      return { kind: 'option', inner };
    }
    if (args !== null) c.fail('schema_unsupported', last, `generic type arguments on ${name} are outside the schema subset`, 'saved-state types are concrete structs and enums');
    this.refs.push({ name, tok: last });
    return { kind: 'named', name };
  }

  /**
   * `open_enum! { … pub enum Name: repr { A = 0, … } }` (the `open_enum` crate): a tuple struct
   * around `repr` with named constants, which mesh_derive sees as a tuple struct of one field.
   */
  private openEnum(kw: RustToken): void {
    const c = this.c;
    c.index += 2;
    if (!c.is('{')) c.fail('schema_syntax', c.peek(), `expected \`{\` after open_enum!, found ${describeToken(c.peek())}`, 'write open_enum! { … }');
    const groupStart = c.index;
    const end = this.groupEnd();
    c.next();
    const attrs = this.attributes();
    this.visibility();
    c.expect('enum', 'in open_enum!');
    const name = c.ident('an enum name');
    if (!attrs.derived) {
      this.plain.set(name.text, name);
      c.index = groupStart;
      c.skipGroup();
      return;
    }
    this.noGenerics();
    const pkg = this.typeMesh(attrs);
    c.expect(':', `after open_enum ${name.text} (open_enum! needs a repr type)`);
    const repr = c.ident('the repr type');
    const range = INTEGER_REPRS.get(repr.text);
    if (range === undefined) c.fail('schema_unsupported', repr, `open_enum repr ${repr.text} is not an integer type`, 'use u8, u16, u32, u64, i8, i16, i32 or i64');
    c.expect('{', 'before the open_enum values');
    const values: { name: string; value: bigint }[] = [];
    while (!c.eat('}')) {
      const va = this.attributes();
      if (va.mesh.length > 0) c.fail('schema_unsupported', c.tokens[(va.mesh[0] as number) - 1] as RustToken, '#[mesh(…)] on an open_enum value', 'open_enum values are constants, not fields; remove it');
      const vname = c.ident('a value name');
      if (values.some((v) => v.name === vname.text)) c.fail('schema_syntax', vname, `open_enum value ${vname.text} is declared twice`, 'rename one');
      c.expect('=', `after ${vname.text} (open_enum! values need = N)`);
      const neg = c.eat('-');
      const lit = c.next();
      if (lit.kind !== 'int') c.fail('schema_unsupported', lit, 'an open_enum value must be an integer literal', 'write the number, e.g. NAME = 3');
      if (lit.suffix !== '' && lit.suffix !== repr.text) c.fail('schema_unsupported', lit, `suffix ${lit.suffix} does not match repr ${repr.text}`, 'drop the suffix');
      const value = neg ? -(lit.value as bigint) : (lit.value as bigint);
      const [lo, hi] = range as [bigint, bigint];
      if (value < lo || value > hi) c.fail('schema_bad_number', lit, `${neg ? '-' : ''}${lit.text} does not fit ${repr.text}`, `use a value in ${lo}..=${hi}`);
      values.push({ name: vname.text, value });
      if (!c.eat(',') && !c.is('}')) c.fail('schema_syntax', c.peek(), `expected \`,\` or \`}\` after ${vname.text}, found ${describeToken(c.peek())}`, SYNTAX_FIX);
    }
    if (c.index !== end) c.fail('schema_syntax', c.peek(), `unexpected ${describeToken(c.peek())} in open_enum!`, `open_enum! holds one enum (from ${kw.line}:${kw.column})`);
    c.next();
    this.declare(name);
    const def: StructDef = {
      kind: 'struct',
      name: name.text,
      package: pkg,
      tuple: true,
      fields: [{ name: '0', number: 1, type: { kind: 'scalar', name: repr.text as ScalarName }, doc: '', at: pos(repr) }],
      doc: attrs.doc.join('\n'),
      openEnum: { repr: repr.text as ScalarName, values },
      at: pos(name),
    };
    this.derived.push(def);
  }

  /** rustc's "recursive type has infinite size": a cycle of fields not broken by a `Vec`. */
  private checkFiniteSize(types: ReadonlyMap<string, TypeDef>): void {
    const state = new Map<string, 'open' | 'done'>();
    const direct = (t: TypeRef): string | null => (t.kind === 'named' ? t.name : t.kind === 'option' ? direct(t.inner) : t.kind === 'array' ? direct(t.element) : null);
    const visit = (def: TypeDef): void => {
      state.set(def.name, 'open');
      const fields = def.kind === 'struct' ? def.fields : def.variants.flatMap((v) => v.fields);
      for (const f of fields) {
        const n = direct(f.type);
        if (n === null) continue;
        if (state.get(n) === 'open') this.c.fail('schema_unsupported', f.at ?? { line: 1, column: 1 }, `${def.name}.${f.name} makes ${n} contain itself (recursive type has infinite size)`, 'break the cycle with Vec<T>');
        const next = types.get(n);
        if (next !== undefined && state.get(n) === undefined) visit(next);
      }
      state.set(def.name, 'done');
    };
    for (const def of types.values()) if (state.get(def.name) === undefined) visit(def);
  }
}

function pos(t: SourcePos): SourcePos {
  return { line: t.line, column: t.column };
}
