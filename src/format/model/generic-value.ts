/**
 * The value of any type of a {@link SchemaModel}, as the generic codec (`generic-encode.ts`,
 * `generic-decode.ts`) takes and returns it, plus the rules both halves share: which types mesh
 * packs, which it wraps inside a sequence, what a missing field defaults to, and the proto names
 * that error paths use.
 */
import { DecodeError } from '../codec-error.js';
import type { MemoryEntry, MmioEntry, SavedState } from '../saved-state.js';
import type { FieldDef, ScalarName, SchemaModel, TypeRef } from './model.js';
import { typeOf } from './model.js';

/**
 * One value of a model type:
 * - a struct: a plain object by Rust field name (tuple fields `"0"`, `"1"`, …);
 * - an enum: a {@link GenericEnum};
 * - `Option<T>`: `null` for `None`, the value itself for `Some(v)` — except that when `T` is an
 *   `Option` too, `Some(v)` is `{ some: v }` ({@link GenericSome}), because `Some(None)` and
 *   `None` are different values with different bytes;
 * - `Vec<T>` and `[T; N]`: arrays, except `Vec<u8>`, a `Uint8Array` (mesh writes it as bytes);
 * - `u64`, `i64`, `usize`, `isize`: `bigint`; the other integers `number`; `bool` `boolean`;
 *   `String` `string`.
 */
export type GenericValue = number | bigint | boolean | string | null | Uint8Array | GenericValue[] | GenericStruct | GenericEnum | GenericSome;

/** A struct's fields (or an enum variant's) by Rust name. */
export interface GenericStruct {
  [field: string]: GenericValue;
}

/** An enum value: the Rust variant name, and for a tuple or struct variant its fields. */
export interface GenericEnum {
  /** The Rust variant name. */
  variant: string;
  /** The variant's fields by name (`"0"`, `"1"` for a tuple variant); absent for a unit variant. */
  value?: GenericStruct;
}

/** `Some(v)` of an `Option<Option<…>>`: see {@link GenericValue}. */
export interface GenericSome {
  /** The inner `Option`'s value (`null` for `Some(None)`). */
  some: GenericValue;
}

/** The 64-bit scalars, which hold bigints. */
const BIG: ReadonlySet<ScalarName> = new Set(['u64', 'i64', 'usize', 'isize']);

/** Whether a scalar kind holds a `bigint` (the 64-bit ones). */
export function isBigScalar(name: ScalarName): boolean {
  return BIG.has(name);
}

/**
 * Whether mesh has a packed encoding for elements of `type` (`FieldEncode::packed` is `Some`):
 * every integer and `bool` (`ByteField`, `VarintField`, `SignedVarintField`), not `String`,
 * messages or containers.
 */
export function isPackable(type: TypeRef): boolean {
  return type.kind === 'scalar' && type.name !== 'String';
}

/** `Vec<u8>` and `[u8; N]`: `ByteField`'s packed form is the raw bytes and `must_pack` is true. */
export function isByteElement(type: TypeRef): boolean {
  return type.kind === 'scalar' && type.name === 'u8';
}

/**
 * Whether a value of `type` is wrapped in a message (of field 1) when it is an element of another
 * sequence (`FieldEncode::wrap_in_sequence`, lib.rs `WrappedField`): `OptionField` always,
 * `VecField` unless its elements must pack (`Vec<u8>`), nothing else. Without the wrapper the
 * inner and outer repetitions would be indistinguishable on the wire.
 */
export function wrapsInSequence(type: TypeRef): boolean {
  if (type.kind === 'option') return true;
  if (type.kind === 'vec') return !isByteElement(type.element);
  return false;
}

/**
 * heck's `to_snake_case`, which mesh_derive applies to variant names for the `.proto` oneof
 * (mesh_derive/src/lib.rs, `variant_snake_name`): the name error paths use for a variant.
 * Words break before an upper-case letter that follows a lower-case one and before the last
 * capital of a run followed by a lower-case letter; digits join the word they follow.
 */
export function snakeCase(name: string): string {
  const words: string[] = [];
  for (const word of name.split(/[^\p{L}\p{N}]/u)) {
    const chars = [...word];
    let init = 0;
    let mode: WordMode = 'boundary';
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i]!;
      const next = chars[i + 1];
      if (next === undefined) {
        words.push(chars.slice(init).join(''));
        break;
      }
      const nextMode: WordMode = isLower(c) ? 'lower' : isUpper(c) ? 'upper' : mode;
      if (nextMode === 'lower' && isUpper(next)) {
        words.push(chars.slice(init, i + 1).join(''));
        init = i + 1;
        mode = 'boundary';
      } else if (mode === 'upper' && isUpper(c) && isLower(next)) {
        words.push(chars.slice(init, i).join(''));
        init = i;
        mode = 'boundary';
      } else {
        mode = nextMode;
      }
    }
  }
  return words.map((w) => w.toLowerCase()).join('_');
}

type WordMode = 'boundary' | 'lower' | 'upper';

function isLower(c: string): boolean {
  return c !== c.toUpperCase() && c === c.toLowerCase();
}

function isUpper(c: string): boolean {
  return c !== c.toLowerCase() && c === c.toUpperCase();
}

/**
 * A field's proto name, as error paths show it: the Rust name, or `field{N}` for a tuple field
 * (mesh_derive `describe_fields`; protofile/writer.rs names tuple fields the same way).
 */
export function fieldProtoName(field: FieldDef, tuple: boolean): string {
  return tuple ? `field${field.number}` : field.name;
}

/**
 * The value a reader makes up for a missing field of `type` (`FieldDecode::default_field`):
 * zero, `false`, `""`, an empty `Vec`, `None`, and for a struct each field's default in
 * declaration order (table/decode.rs `default_fields`). A plain enum has none (oneof.rs:
 * `UnassignedEnum`, "missing enum variant") and neither has `[T; N]` (encoding.rs `ArrayField`:
 * `MissingRequiredField`); those throw a `DecodeError` at `offset` (the generic decoder passes
 * the start of the message the field was missing from) whose path leads to the field that has no
 * default, relative to `type`.
 */
export function defaultValue(model: SchemaModel, type: TypeRef, offset = 0): GenericValue {
  return defaultOf(model, type, offset, new Set());
}

function defaultOf(model: SchemaModel, type: TypeRef, offset: number, seen: Set<string>): GenericValue {
  switch (type.kind) {
    case 'scalar':
      return type.name === 'String' ? '' : type.name === 'bool' ? false : isBigScalar(type.name) ? 0n : 0;
    case 'vec':
      return isByteElement(type.element) ? new Uint8Array(0) : [];
    case 'option':
      return null;
    case 'array':
      throw new DecodeError('missing_required_field', offset);
    case 'named': {
      const def = typeOf(model, type.name);
      if (def.kind === 'enum') throw new DecodeError('missing_enum_variant', offset);
      // Rust cannot hold a struct inside itself without a Vec/Option/Box; a model that says
      // otherwise would recurse forever here.
      if (seen.has(def.name)) throw new Error(`schema model: struct ${def.name} contains itself`);
      seen.add(def.name);
      const out: GenericStruct = {};
      for (const f of def.fields) {
        try {
          out[f.name] = defaultOf(model, f.type, offset, seen);
        } catch (e) {
          throw e instanceof DecodeError ? e.within(fieldProtoName(f, def.tuple)) : e;
        }
      }
      seen.delete(def.name);
      return out;
    }
  }
}

/**
 * The shipped v3 `SavedState` (src/format/saved-state.ts) as a value of the v3 model
 * (loader_defs/src/shim.rs `save_restore`): proto field names, `MemoryVtlType` and
 * `IgvmMemoryType` as the tuple structs they are (`{ "0": n }`).
 */
export function savedStateToValue(state: SavedState): GenericStruct {
  return {
    partition_memory: state.partitionMemory.map((e) => ({
      range: { start: e.range.start, end: e.range.end },
      vnode: e.vnode,
      vtl_type: { '0': e.vtlType },
      igvm_type: { '0': e.igvmType },
    })),
    partition_mmio: state.partitionMmio.map((e) => ({ range: { start: e.range.start, end: e.range.end }, vtl_type: { '0': e.vtlType } })),
    cpus_with_mapped_interrupts_no_io: [...state.cpusWithMappedInterruptsNoIo],
    cpus_with_outstanding_io: [...state.cpusWithOutstandingIo],
  };
}

/**
 * The inverse of {@link savedStateToValue}, for a value of the v3 model (what `decodeValue`
 * returns for it). Throws an `Error` naming the path when the value has another shape.
 */
export function valueToSavedState(value: GenericValue): SavedState {
  const root = struct(value, 'state');
  return {
    partitionMemory: list(root['partition_memory'], 'partition_memory').map((v, i): MemoryEntry => {
      const e = struct(v, `partition_memory[${i}]`);
      return {
        range: range(e['range'], `partition_memory[${i}].range`),
        vnode: num(e['vnode'], `partition_memory[${i}].vnode`),
        vtlType: num(struct(e['vtl_type'], `partition_memory[${i}].vtl_type`)['0'], `partition_memory[${i}].vtl_type.0`),
        igvmType: num(struct(e['igvm_type'], `partition_memory[${i}].igvm_type`)['0'], `partition_memory[${i}].igvm_type.0`),
      };
    }),
    partitionMmio: list(root['partition_mmio'], 'partition_mmio').map((v, i): MmioEntry => {
      const e = struct(v, `partition_mmio[${i}]`);
      return {
        range: range(e['range'], `partition_mmio[${i}].range`),
        vtlType: num(struct(e['vtl_type'], `partition_mmio[${i}].vtl_type`)['0'], `partition_mmio[${i}].vtl_type.0`),
      };
    }),
    cpusWithMappedInterruptsNoIo: list(root['cpus_with_mapped_interrupts_no_io'], 'cpus_with_mapped_interrupts_no_io').map((v, i) =>
      num(v, `cpus_with_mapped_interrupts_no_io[${i}]`),
    ),
    cpusWithOutstandingIo: list(root['cpus_with_outstanding_io'], 'cpus_with_outstanding_io').map((v, i) => num(v, `cpus_with_outstanding_io[${i}]`)),
  };
}

function struct(v: GenericValue | undefined, path: string): GenericStruct {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw new Error(`${path}: not a struct value`);
  return v as GenericStruct;
}

function list(v: GenericValue | undefined, path: string): GenericValue[] {
  if (!Array.isArray(v)) throw new Error(`${path}: not a list value`);
  return v;
}

function num(v: GenericValue | undefined, path: string): number {
  if (typeof v !== 'number') throw new Error(`${path}: not a number`);
  return v;
}

function big(v: GenericValue | undefined, path: string): bigint {
  if (typeof v !== 'bigint') throw new Error(`${path}: not a bigint`);
  return v;
}

function range(v: GenericValue | undefined, path: string): { start: bigint; end: bigint } {
  const r = struct(v, path);
  return { start: big(r['start'], `${path}.start`), end: big(r['end'], `${path}.end`) };
}
