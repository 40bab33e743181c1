/**
 * The generic mesh_protobuf decoder: any message of any {@link SchemaModel} type, read exactly as
 * `mesh_protobuf::decode` (openvmm 1488a37b7, support/mesh/mesh_protobuf) reads the Rust type.
 * `decodeSavedState` (src/format/decode.ts) stays the fast path for the shipped payload; on that
 * type both accept the same bytes, give the same state and fail with the same code, offset and
 * path.
 */
import { DecodeError } from '../codec-error.js';
import { MeshReader } from '../mesh-reader.js';
import { WireType } from '../wire.js';
import type { EnumDef, FieldDef, ScalarName, SchemaModel, StructDef, TypeRef } from './model.js';
import { typeOf } from './model.js';
import {
  defaultValue,
  fieldProtoName,
  isByteElement,
  isPackable,
  snakeCase,
  wrapsInSequence,
  type GenericEnum,
  type GenericSome,
  type GenericStruct,
  type GenericValue,
} from './generic-value.js';

/**
 * What a decode passed over without failing, in the order it happened:
 * - `unknown_field`: a field whose number the message's type does not declare (or an enum
 *   variant it does not know), skipped by wire type; `path` is the enclosing message's path
 *   (`""` at the top), `offset` the field's key;
 * - `defaulted`: a declared field that was absent from its message and took its default
 *   (`path` is the field's). Reported once per absent field, not for the fields inside it.
 */
export type DecodeNote = UnknownFieldNote | DefaultedNote;

/** A field skipped because its number is unknown to the reader's type. */
export interface UnknownFieldNote {
  /** Narrows {@link DecodeNote}. */
  kind: 'unknown_field';
  /** The enclosing message's path in proto names (`""` at the top). */
  path: string;
  /** The field number. */
  field: number;
  /** Its wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32, 6 mesh message). */
  wireType: number;
  /** Byte offset of its key. */
  offset: number;
}

/** A declared field that was absent and took its default. */
export interface DefaultedNote {
  /** Narrows {@link DecodeNote}. */
  kind: 'defaulted';
  /** The field's path in proto names. */
  path: string;
}

/** Options of {@link decodeValue}. */
export interface DecodeValueOptions {
  /** The type of the message (default: the model's root). */
  typeName?: string;
}

/** A decoded value and what the decode passed over. */
export interface DecodeValueResult {
  /** The value, shaped as {@link GenericValue} describes. */
  value: GenericValue;
  /** What was skipped or defaulted, in decode order. */
  notes: DecodeNote[];
}

/**
 * Decodes `bytes` as a message of the model's root type (or `options.typeName`) as
 * `mesh_protobuf::decode` does:
 * - a struct's fields are read in wire order (unknown numbers skipped), then every field still
 *   unset takes its default in declaration order (table/decode.rs `read_fields_inner`); a plain
 *   enum or a `[T; N]` has none and fails ("missing enum variant", "missing required field");
 * - a repeated struct key merges field by field, a repeated scalar is last-wins, a `Vec`
 *   appends, an `Option` merges into its `Some`, a `[T; N]` is replaced;
 * - an enum's variant read again merges into it, another variant replaces it, an unknown one
 *   clears it; none left at the end is "missing enum variant" (oneof.rs, mesh_derive `read_variant`);
 * - `Vec` of integers or `bool` reads packed (length-delimited) runs and single varints alike;
 *   `Vec<u8>`, packable `[T; N]` and `String` need a length-delimited field ("expected a byte
 *   array"); integers keep their low bits as Rust's `as` does; signed ones are zigzag.
 *
 * Errors are `DecodeError`s with the mesh error's code, the byte offset and the field path in
 * proto names, exactly as `decodeSavedState` gives them. For the codes only this decoder gives:
 * `missing_enum_variant` and `missing_required_field` are at the start of the body of the
 * message the field (or the variant) is missing from (0 for the top level) with the path of the
 * field that has no default; `expected_byte_array`, `invalid_utf8`, `wrong_array_length` and
 * `wrong_packed_array_length` are at the key of the offending field.
 *
 * Nothing is allocated from a length field, and recursion follows nested messages of the input
 * (each costs at least two bytes of it) to at most {@link MAX_MESSAGE_DEPTH} levels.
 */
export function decodeValue(model: SchemaModel, bytes: Uint8Array, options: DecodeValueOptions = {}): DecodeValueResult {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('not_bytes', 0);
  const def = typeOf(model, options.typeName ?? model.root);
  const d = new Decoder(model, bytes);
  const value = d.body(def, undefined, 0, bytes.length);
  return { value: d.sawBytes ? finishBytes(value) : value, notes: d.notes };
}

/**
 * How deep messages may nest. mesh_protobuf has no limit (a recursive type and hostile input
 * overflow the Rust stack); here the decoder stops with `nesting_too_deep` instead of
 * overflowing JavaScript's. No saved-state type of a real schema comes near it.
 */
export const MAX_MESSAGE_DEPTH = 100;

/** Field-number → proto-name table (for error paths) and number → declaration index. */
interface Table {
  names: (string | undefined)[];
  index: Map<number, number>;
}

/** A wrapper message (`WrappedField`, non-packed `ArrayField`) has one field, number 1. */
const WRAPPER_NAMES: readonly (string | undefined)[] = [undefined, 'field1'];

/**
 * A `Vec<u8>` being read: the payload slices it appends, joined once at the end, so that many
 * repeated keys cost linear time.
 */
class ByteAcc {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let pos = 0;
    for (const c of this.chunks) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Decoder {
  readonly notes: DecodeNote[] = [];
  /** Whether any `Vec<u8>` was read, so that the value needs its byte accumulators joined. */
  sawBytes = false;
  private readonly r: MeshReader;
  /** Labels of the messages being read, outermost first, for note paths. */
  private readonly path: string[] = [];
  private readonly tables = new Map<object, Table>();

  constructor(
    private readonly model: SchemaModel,
    bytes: Uint8Array,
  ) {
    this.r = new MeshReader(bytes);
  }

  /** `MessageDecode::read_message` of a struct or enum over `[start, end)`, merging into `current`. */
  body(def: StructDef | EnumDef, current: GenericValue | undefined, start: number, end: number): GenericValue {
    this.r.pos = start;
    return def.kind === 'struct' ? this.struct(def.fields, def.tuple, current as GenericStruct | undefined, start, end) : this.enumBody(def, current as GenericEnum | undefined, start, end);
  }

  /** table/decode.rs `read_fields_inner`: wire order first, then defaults in declaration order. */
  private struct(fields: readonly FieldDef[], tuple: boolean, current: GenericStruct | undefined, start: number, end: number): GenericStruct {
    const r = this.r;
    const t = this.table(fields, () => fields.map((f) => [f.number, fieldProtoName(f, tuple)]));
    const obj: GenericStruct = current ?? {};
    // A struct being merged into was complete already, so none of its fields will default.
    const set = fields.map(() => current !== undefined);
    while (r.pos < end) {
      const n = r.nextField(end, t.names);
      const i = t.index.get(n);
      if (i === undefined) {
        this.unknown();
        continue;
      }
      const f = fields[i]!;
      obj[f.name] = this.field(f.type, set[i] ? obj[f.name] : undefined, t.names[n]!);
      set[i] = true;
    }
    for (let i = 0; i < fields.length; i++) {
      if (set[i]) continue;
      const f = fields[i]!;
      const label = fieldProtoName(f, tuple);
      try {
        obj[f.name] = defaultValue(this.model, f.type, start);
      } catch (e) {
        throw e instanceof DecodeError ? e.within(label) : e;
      }
      this.notes.push({ kind: 'defaulted', path: [...this.path, label].join('.') });
    }
    return obj;
  }

  /** `OneofEncoder::read_message` with mesh_derive's `read_variant`. */
  private enumBody(def: EnumDef, current: GenericEnum | undefined, start: number, end: number): GenericEnum {
    const r = this.r;
    const t = this.table(def, () => def.variants.map((v) => [v.number, snakeCase(v.name)]));
    let cur = current;
    while (r.pos < end) {
      const n = r.nextField(end, t.names);
      const i = t.index.get(n);
      if (i === undefined) {
        // `_ => item.clear()`: an unknown variant drops the one read so far.
        this.unknown();
        cur = undefined;
        continue;
      }
      const v = def.variants[i]!;
      const same = cur !== undefined && cur.variant === v.name ? cur : undefined;
      cur = this.message(t.names[n]!, (s, e) => {
        const value = this.struct(v.fields, v.shape === 'tuple', same?.value, s, e);
        return v.shape === 'unit' ? { variant: v.name } : { variant: v.name, value };
      });
    }
    if (cur === undefined) throw new DecodeError('missing_enum_variant', start);
    return cur;
  }

  /** `FieldDecode::read_field` of the field just read by `nextField`, merging into `current`. */
  private field(type: TypeRef, current: GenericValue | undefined, label: string): GenericValue {
    const r = this.r;
    switch (type.kind) {
      case 'scalar': {
        if (type.name === 'String') return this.string(label);
        if (r.wireType !== WireType.Varint) throw new DecodeError('expected_varint', r.keyOffset).within(label);
        return scalarOf(type.name, r.lo, r.hi);
      }
      case 'vec': {
        if (isByteElement(type.element)) {
          // `ByteField` must pack: the whole payload is the bytes, appended to what is there.
          this.expectBytes(label);
          this.sawBytes = true;
          // Anything else here is a defaulted Vec<u8>, which is empty.
          const acc = current instanceof ByteAcc ? current : new ByteAcc();
          acc.push(r.buf.subarray(r.dataStart, r.dataEnd));
          return acc as unknown as GenericValue;
        }
        const list = (current as GenericValue[] | undefined) ?? [];
        if (type.element.kind === 'scalar' && isPackable(type.element) && r.wireType === WireType.Variable) {
          this.packedInto(type.element.name, list, label);
          return list;
        }
        // A packable element in its own key is still part of the packed list's field.
        list.push(this.inSequence(type.element, undefined, isPackable(type.element) ? label : `${label}[${list.length}]`));
        return list;
      }
      case 'option': {
        // `item.take().flatten()`: a Some merges, a None reads fresh.
        const inner = current === undefined || current === null ? undefined : type.inner.kind === 'option' ? (current as GenericSome).some : current;
        const v = this.inSequence(type.inner, inner, label);
        return type.inner.kind === 'option' ? { some: v } : v;
      }
      case 'array': {
        const keyOffset = r.keyOffset;
        let list: GenericValue[];
        if (type.element.kind === 'scalar' && isPackable(type.element)) {
          this.expectBytes(label);
          list = [];
          if (isByteElement(type.element)) for (let p = r.dataStart; p < r.dataEnd; p++) list.push(r.buf[p]!);
          else this.packedInto(type.element.name, list, label);
          if (list.length !== type.length) throw new DecodeError('wrong_packed_array_length', keyOffset).within(label);
          return list;
        }
        // `VecField::read_field_in_sequence` into a fresh Vec: the wrapper's field 1 repeated.
        list = this.message(label, (_s, e) => {
          const items: GenericValue[] = [];
          while (r.pos < e) {
            if (r.nextField(e, WRAPPER_NAMES) === 1) items.push(this.inSequence(type.element, undefined, `field1[${items.length}]`));
            else this.unknown();
          }
          return items;
        });
        if (list.length !== type.length) throw new DecodeError('wrong_array_length', keyOffset).within(label);
        return list;
      }
      case 'named': {
        const def = typeOf(this.model, type.name);
        return this.message(label, (s, e) => this.body(def, current, s, e));
      }
    }
  }

  /** `FieldDecode::read_field_in_sequence`: unwraps lib.rs `WrappedField` when the type is wrapped. */
  private inSequence(type: TypeRef, current: GenericValue | undefined, label: string): GenericValue {
    if (!wrapsInSequence(type)) return this.field(type, current, label);
    const r = this.r;
    return this.message(label, (s, e) => {
      let item = current;
      while (r.pos < e) {
        if (r.nextField(e, WRAPPER_NAMES) === 1) item = this.field(type, item, 'field1');
        else this.unknown();
      }
      return item ?? defaultValue(this.model, type, s);
    });
  }

  /**
   * Descends into the last field's payload as a message (`FieldReader::message`: length-delimited
   * or a resource-free mesh message), labelling errors and notes with `label`.
   */
  private message<T>(label: string, read: (start: number, end: number) => T): T {
    const r = this.r;
    if (!r.isMessage()) throw new DecodeError('expected_message', r.keyOffset).within(label);
    if (this.path.length >= MAX_MESSAGE_DEPTH) throw new DecodeError('nesting_too_deep', r.keyOffset).within(label);
    const resume = r.pos;
    const start = r.dataStart;
    const end = r.dataEnd;
    r.pos = start;
    this.path.push(label);
    try {
      const v = read(start, end);
      r.pos = resume;
      return v;
    } catch (e) {
      throw e instanceof DecodeError ? e.within(label) : e;
    } finally {
      this.path.pop();
    }
  }

  /** `FieldReader::bytes`: only a plain length-delimited field, not a mesh message. */
  private expectBytes(label: string): void {
    if (this.r.wireType !== WireType.Variable) throw new DecodeError('expected_byte_array', this.r.keyOffset).within(label);
  }

  /** `StringField::read_field`: `core::str::from_utf8`, which accepts exactly what a fatal WHATWG decoder does. */
  private string(label: string): string {
    this.expectBytes(label);
    const r = this.r;
    try {
      return utf8.decode(r.buf.subarray(r.dataStart, r.dataEnd));
    } catch {
      throw new DecodeError('invalid_utf8', r.keyOffset).within(label);
    }
  }

  /** `PackedDecode::read_packed` of a varint kind: every varint of the payload, each cut to the type. */
  private packedInto(name: ScalarName, list: GenericValue[], label: string): void {
    const r = this.r;
    const resume = r.pos;
    const end = r.dataEnd;
    r.pos = r.dataStart;
    try {
      while (r.pos < end) {
        r.varint(end);
        list.push(scalarOf(name, r.lo, r.hi));
      }
    } catch (e) {
      throw e instanceof DecodeError ? e.within(label) : e;
    }
    r.pos = resume;
  }

  private unknown(): void {
    const r = this.r;
    this.notes.push({ kind: 'unknown_field', path: this.path.join('.'), field: r.field, wireType: r.wireType, offset: r.keyOffset });
  }

  private table(key: object, entries: () => [number, string][]): Table {
    let t = this.tables.get(key);
    if (t === undefined) {
      t = { names: [], index: new Map() };
      // The first declaration of a number wins, as `numbers.iter().position` finds it.
      entries().forEach(([number, name], i) => {
        if (t!.index.has(number)) return;
        t!.index.set(number, i);
        t!.names[number] = name;
      });
      this.tables.set(key, t);
    }
    return t;
  }
}

/**
 * A varint as the Rust scalar: `FromNumber::from_u64` (`v as T`, so the low bits), or for the
 * signed kinds `from_i64` of the zigzag-decoded value; `bool` is `v != 0`.
 */
function scalarOf(name: ScalarName, lo: number, hi: number): GenericValue {
  switch (name) {
    case 'u8':
      return lo & 0xff;
    case 'u16':
      return lo & 0xffff;
    case 'u32':
      return lo;
    case 'bool':
      return (lo | hi) !== 0;
    case 'u64':
    case 'usize':
      return (BigInt(hi) << 32n) | BigInt(lo);
    case 'i64':
    case 'isize': {
      const u = (BigInt(hi) << 32n) | BigInt(lo);
      return (u >> 1n) ^ -(u & 1n);
    }
    case 'i8':
    case 'i16':
    case 'i32': {
      // The low 32 bits of the zigzag-decoded i64, then Rust's truncating `as`.
      const x = ((lo >>> 1) | (hi << 31)) ^ -(lo & 1);
      return name === 'i32' ? x | 0 : name === 'i16' ? (x << 16) >> 16 : (x << 24) >> 24;
    }
    case 'String':
      throw new Error('unreachable: String is not a varint');
  }
}

/** Replaces every `Vec<u8>` accumulator in a decoded value by its bytes. */
function finishBytes(v: unknown): GenericValue {
  if (v instanceof ByteAcc) return v.finish();
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v as GenericValue;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = finishBytes(v[i]);
    return v;
  }
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) obj[k] = finishBytes(obj[k]);
  return obj as GenericValue;
}
