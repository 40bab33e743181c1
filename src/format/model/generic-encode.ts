/**
 * The generic mesh_protobuf encoder: any value of any {@link SchemaModel} type, written exactly
 * as `mesh_protobuf::encode` (openvmm 1488a37b7, support/mesh/mesh_protobuf) writes the Rust
 * value. `encodeSavedState` (src/format/encode.ts) stays the fast path for the shipped payload;
 * on that type both give the same bytes.
 */
import { describeValue } from '../../errors.js';
import { EncodeError, type EncodeErrorCode } from '../codec-error.js';
import { WireType } from '../wire.js';
import type { EnumDef, FieldDef, ScalarName, SchemaModel, StructDef, TypeRef } from './model.js';
import { INTEGER_RANGES, formatType, typeOf, type IntegerName } from './model.js';
import { fieldProtoName, isBigScalar, isByteElement, isPackable, snakeCase, wrapsInSequence, type GenericEnum, type GenericStruct, type GenericValue } from './generic-value.js';

/**
 * Encodes `value` as a message of type `typeName` (default: the model's root), as
 * `mesh_protobuf::encode` does (lib.rs `encode` → protobuf.rs `Encoder`):
 * - a struct is a message of its fields in declaration order (table/encode.rs `write_fields`);
 *   a field whose value is zero, `false`, `""`, an empty `Vec`, `None` or an empty message is
 *   omitted (protobuf.rs `FieldWriter`: skipped unless `in_sequence`);
 * - inside a sequence (a `Vec`'s elements, an `Option`'s `Some`, an enum's variant) nothing is
 *   omitted: `Some(0)` is `08 00`, an empty message element `0a 00`;
 * - `Vec` of integers or `bool` is packed, `Vec<u8>` is plain bytes, any other `Vec` is one key
 *   per element (encoding.rs `VecField`); `[T; N]` is packed, or a message whose field 1 repeats
 *   (`ArrayField`);
 * - an `Option` or `Vec` (not `Vec<u8>`) inside another sequence is wrapped in a message of
 *   field 1 (lib.rs `WrappedField`);
 * - signed integers are zigzag varints (`SignedVarintField`), unsigned ones and `bool` plain
 *   varints (`VarintField`, `ByteField`);
 * - an enum is a message holding its one variant, always written, as a message of the variant's
 *   fields (mesh_derive `derive_enum`: `writer.field(N).sequence().field().message(…)`).
 *
 * A value the Rust type cannot hold (a `u32` of 2^32, a number where a bigint belongs, an array
 * of the wrong length, an unknown variant, a missing struct field) throws an `EncodeError`
 * naming the field path in proto names (`list[2].range.end`, tuple fields `field1`, variants in
 * snake case). Throws a plain `Error` when `typeName` is not a struct or enum of the model.
 */
export function encodeValue(model: SchemaModel, value: GenericValue, typeName: string = model.root): Uint8Array {
  const def = typeOf(model, typeName);
  const out = new Out();
  new Encoder(model).messageBody(def, value, '', out);
  return out.finish();
}

/**
 * The bytes of one message body, gathered as runs of small writes and finished child bodies, so
 * that a nested message's length is known before its prefix is written without a sizing pass.
 */
class Out {
  private readonly parts: (Uint8Array | Out)[] = [];
  private run: number[] = [];
  /** Total bytes so far, children included. */
  length = 0;

  byte(b: number): void {
    this.run.push(b);
    this.length++;
  }

  varint(v: number | bigint): void {
    if (typeof v === 'number') {
      // Exact below 2^53, which every number written here is (the caller narrows bigger ones).
      while (v >= 0x80) {
        this.byte((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.byte(v);
      return;
    }
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  /** A key: the field number shifted left by 3 in 32 bits, as protobuf.rs `FieldWriter::key` computes it. */
  key(field: number, wireType: number): void {
    this.varint(((field << 3) | wireType) >>> 0);
  }

  bytes(b: Uint8Array): void {
    this.flush();
    this.parts.push(b);
    this.length += b.length;
  }

  /** A length-delimited child: key, length, body. */
  child(field: number, body: Out): void {
    this.key(field, WireType.Variable);
    this.varint(body.length);
    this.flush();
    this.parts.push(body);
    this.length += body.length;
  }

  finish(): Uint8Array {
    const buf = new Uint8Array(this.length);
    this.copyTo(buf, 0);
    return buf;
  }

  private copyTo(buf: Uint8Array, pos: number): number {
    this.flush();
    for (const p of this.parts) {
      if (p instanceof Out) pos = p.copyTo(buf, pos);
      else {
        buf.set(p, pos);
        pos += p.length;
      }
    }
    return pos;
  }

  private flush(): void {
    if (this.run.length === 0) return;
    this.parts.push(Uint8Array.from(this.run));
    this.run = [];
  }
}


class Encoder {
  constructor(private readonly model: SchemaModel) {}

  /** `MessageEncode::write_message`: the fields of a struct, or an enum's one variant. */
  messageBody(def: StructDef | EnumDef, value: GenericValue, path: string, out: Out): void {
    if (def.kind === 'struct') this.fields(def.fields, def.tuple, record(value, path, def.name), path, out);
    else this.variant(def, value, path, out);
  }

  private fields(fields: readonly FieldDef[], tuple: boolean, obj: GenericStruct, path: string, out: Out): void {
    for (const f of fields) {
      const fpath = join(path, fieldProtoName(f, tuple));
      // Own properties only: a field named `constructor` must not find Object's.
      const v = Object.hasOwn(obj, f.name) ? obj[f.name] : undefined;
      if (v === undefined) throw new EncodeError('missing_field', fpath, `missing field ${f.name} (${formatType(f.type)})`);
      this.field(f.type, v, f.number, false, fpath, out);
    }
  }

  private variant(def: EnumDef, value: GenericValue, path: string, out: Out): void {
    const obj = record(value, path, def.name) as Partial<GenericEnum>;
    const variant = def.variants.find((v) => v.name === obj.variant);
    if (variant === undefined) {
      throw new EncodeError('unknown_variant', path, `${def.name} has no variant ${describeValue(obj.variant)}`);
    }
    const vpath = join(path, snakeCase(variant.name));
    const body = new Out();
    if (variant.shape === 'unit') {
      if (obj.value !== undefined) throw new EncodeError('wrong_type', vpath, `unit variant ${def.name}::${variant.name} takes no value`);
    } else {
      if (obj.value === undefined) throw new EncodeError('missing_field', vpath, `variant ${def.name}::${variant.name} needs a value`);
      this.fields(variant.fields, variant.shape === 'tuple', record(obj.value, vpath, `${def.name}::${variant.name}`), vpath, body);
    }
    // Always written, empty or not: the variant is a field of a sequence.
    out.child(variant.number, body);
  }

  /**
   * `FieldEncode::write_field`; `inSeq` is protobuf.rs's `in_sequence`, under which empty values
   * are written instead of omitted.
   */
  private field(type: TypeRef, v: GenericValue, number: number, inSeq: boolean, path: string, out: Out): void {
    switch (type.kind) {
      case 'scalar': {
        if (type.name === 'String') {
          const bytes = utf8(v, path);
          if (bytes.length > 0 || inSeq) {
            out.key(number, WireType.Variable);
            out.varint(bytes.length);
            out.bytes(bytes);
          }
          return;
        }
        const n = wireNumber(type.name, v, path);
        if (n !== 0 || inSeq) {
          out.key(number, WireType.Varint);
          out.varint(n);
        }
        return;
      }
      case 'vec': {
        if (isByteElement(type.element)) {
          if (!(v instanceof Uint8Array)) throw new EncodeError('wrong_type', path, `expected a Uint8Array for Vec<u8>, got ${describeValue(v)}`);
          if (v.length > 0 || inSeq) {
            out.key(number, WireType.Variable);
            out.varint(v.length);
            out.bytes(v);
          }
          return;
        }
        const items = array(v, path, formatType(type));
        if (isPackable(type.element)) return this.packed(type.element, items, number, inSeq, path, out);
        for (let i = 0; i < items.length; i++) this.inSequence(type.element, items[i]!, number, `${path}[${i}]`, out);
        return;
      }
      case 'option': {
        if (v === null) return;
        this.inSequence(type.inner, unwrapSome(type.inner, v, path), number, path, out);
        return;
      }
      case 'array': {
        const items = array(v, path, formatType(type));
        if (items.length !== type.length) {
          throw new EncodeError('wrong_array_length', path, `${formatType(type)} needs ${type.length} elements, got ${items.length}`);
        }
        if (isPackable(type.element)) return this.packed(type.element, items, number, inSeq, path, out);
        // A non-packable array is a message whose field 1 is the elements' sequence.
        const body = new Out();
        for (let i = 0; i < items.length; i++) this.inSequence(type.element, items[i]!, 1, `${path}[${i}]`, body);
        if (body.length > 0 || inSeq) out.child(number, body);
        return;
      }
      case 'named': {
        const def = typeOf(this.model, type.name);
        const body = new Out();
        this.messageBody(def, v, path, body);
        if (body.length > 0 || inSeq) out.child(number, body);
        return;
      }
    }
  }

  /** `FieldEncode::write_field_in_sequence`: wrapped in a message of field 1 when the type asks. */
  private inSequence(type: TypeRef, v: GenericValue, number: number, path: string, out: Out): void {
    if (!wrapsInSequence(type)) return this.field(type, v, number, true, path, out);
    const body = new Out();
    this.field(type, v, 1, false, path, body);
    out.child(number, body);
  }

  /** `PackedEncode::write_packed` of `VarintField`/`SignedVarintField`/`ByteField`: one length-delimited run. */
  private packed(element: TypeRef, items: readonly GenericValue[], number: number, inSeq: boolean, path: string, out: Out): void {
    const name = (element as { name: ScalarName }).name;
    const body = new Out();
    // `ByteField`'s packed form is the raw bytes, every other kind's a run of varints.
    for (let i = 0; i < items.length; i++) {
      const n = wireNumber(name, items[i]!, `${path}[${i}]`);
      if (name === 'u8') body.byte(n as number);
      else body.varint(n);
    }
    if (body.length > 0 || inSeq) out.child(number, body);
  }
}

/**
 * The varint a scalar travels as (`ToNumber::to_u64`, or zigzag of `to_i64` for the signed
 * kinds), after checking that the Rust type can hold the value.
 */
function wireNumber(name: ScalarName, v: GenericValue, path: string): number | bigint {
  if (name === 'bool') {
    if (typeof v !== 'boolean') throw new EncodeError('wrong_type', path, `expected a boolean, got ${describeValue(v)}`);
    return v ? 1 : 0;
  }
  const [min, max] = INTEGER_RANGES[name as IntegerName];
  const big = isBigScalar(name);
  let n: bigint;
  if (big) {
    if (typeof v !== 'bigint') throw bad('not_an_integer', path, `expected a bigint ${name}, got ${describeValue(v)}`);
    n = v;
  } else {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('not_an_integer', path, `expected an integer ${name}, got ${describeValue(v)}`);
    n = BigInt(v);
  }
  if (n < min || n > max) throw bad('value_out_of_range', path, `${String(v)} is not a ${name} (${min}..${max})`);
  if (min < 0n) n = n >= 0n ? n << 1n : ((-n) << 1n) - 1n;
  return n <= 0x1f_ffff_ffff_ffffn ? Number(n) : n;
}

function bad(code: EncodeErrorCode, path: string, detail: string): EncodeError {
  return new EncodeError(code, path, detail);
}

const encoder = new TextEncoder();

/** A Rust `String` is UTF-8, so a JavaScript string with a lone surrogate has no Rust value. */
function utf8(v: GenericValue, path: string): Uint8Array {
  if (typeof v !== 'string') throw new EncodeError('wrong_type', path, `expected a string, got ${describeValue(v)}`);
  if (/\p{Surrogate}/u.test(v)) throw new EncodeError('value_out_of_range', path, 'a string with a lone surrogate is not valid UTF-8');
  return encoder.encode(v);
}

function record(v: GenericValue, path: string, what: string): GenericStruct {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw new EncodeError('wrong_type', path, `expected an object for ${what}, got ${describeValue(v)}`);
  }
  return v as GenericStruct;
}

function array(v: GenericValue, path: string, what: string): readonly GenericValue[] {
  if (!Array.isArray(v)) throw new EncodeError('wrong_type', path, `expected an array for ${what}, got ${describeValue(v)}`);
  return v;
}

/** `Some(v)`'s payload: `{ some: v }` when the inner type is itself an Option (see GenericValue). */
function unwrapSome(inner: TypeRef, v: GenericValue, path: string): GenericValue {
  if (inner.kind !== 'option') return v;
  const obj = record(v, path, `Some of ${formatType(inner)}`);
  if (!('some' in obj) || obj['some'] === undefined) throw new EncodeError('wrong_type', path, 'expected { some: … } for Some of a nested Option');
  return obj['some'];
}

function join(path: string, segment: string): string {
  return path === '' ? segment : `${path}.${segment}`;
}
