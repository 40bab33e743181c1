/**
 * The schema model: mesh_protobuf-encoded saved state described as data, at the level of the
 * Rust types a developer writes (`#[derive(Protobuf)]` structs and enums with `#[mesh(N)]`
 * numbers and a `#[mesh(package = "…")]`). `evolve` compares two models, and the generic codec
 * (`generic-encode.ts`, `generic-decode.ts`) encodes and decodes any value of a model with
 * mesh's rules. A model comes from Rust source (`rust-parser.ts`) or a `.proto` file
 * (`proto-loader.ts`); a `.proto` cannot say some Rust-level facts, and the model records which.
 */

/** A place in a schema source file, 1-based. */
export interface SourcePos {
  /** Line, from 1. */
  line: number;
  /** Column, from 1, in UTF-16 code units. */
  column: number;
}

/**
 * A Rust scalar that mesh encodes natively (`mesh_protobuf::encoding`'s `DefaultEncoding` table):
 * unsigned integers and `bool` as varints, signed integers as zigzag varints (`sint32`/`sint64`,
 * so `i32` and `u32` are different encodings), `String` as UTF-8 bytes. 64-bit kinds hold
 * `bigint`s, the rest `number`s (or `boolean`/`string`).
 */
export type ScalarName = 'u8' | 'u16' | 'u32' | 'u64' | 'usize' | 'i8' | 'i16' | 'i32' | 'i64' | 'isize' | 'bool' | 'String';

/** Every scalar name, for parsers. */
export const SCALAR_NAMES: readonly ScalarName[] = ['u8', 'u16', 'u32', 'u64', 'usize', 'i8', 'i16', 'i32', 'i64', 'isize', 'bool', 'String'];

/** An integer scalar: every scalar but `bool` and `String`. */
export type IntegerName = Exclude<ScalarName, 'bool' | 'String'>;

/** Each integer scalar's `[min, max]`, as Rust defines it (`usize`/`isize` as on 64-bit targets). */
export const INTEGER_RANGES: Readonly<Record<IntegerName, readonly [bigint, bigint]>> = {
  u8: [0n, 0xffn],
  u16: [0n, 0xffffn],
  u32: [0n, 0xffff_ffffn],
  u64: [0n, 2n ** 64n - 1n],
  usize: [0n, 2n ** 64n - 1n],
  i8: [-0x80n, 0x7fn],
  i16: [-0x8000n, 0x7fffn],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  isize: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** A field's Rust type. `named` refers to a struct or enum of the model (built-ins included). */
export type TypeRef = ScalarRef | VecRef | OptionRef | ArrayRef | NamedRef;

/** A scalar field type: `u32`, `String`, … */
export interface ScalarRef {
  /** Narrows the union. */
  kind: 'scalar';
  /** Which scalar. */
  name: ScalarName;
}

/** `Vec<T>`: a repeated field (packed for integers and `bool`; bytes for `Vec<u8>`). */
export interface VecRef {
  /** Narrows the union. */
  kind: 'vec';
  /** `T`. */
  element: TypeRef;
}

/** `Option<T>`: absent for `None`; `Some(v)` is written even when `v` is a default. */
export interface OptionRef {
  /** Narrows the union. */
  kind: 'option';
  /** `T`. */
  inner: TypeRef;
}

/** `[T; N]`: exactly `N` elements, packed when `T` packs; no default. */
export interface ArrayRef {
  /** Narrows the union. */
  kind: 'array';
  /** `T`. */
  element: TypeRef;
  /** `N`. */
  length: number;
}

/** A struct or enum of the model, by its Rust name. */
export interface NamedRef {
  /** Narrows the union. */
  kind: 'named';
  /** The type's Rust name (the last segment of its path). */
  name: string;
}

/** One field of a struct or of an enum variant. */
export interface FieldDef {
  /** The Rust field name; a tuple field's is its index (`"0"`). */
  name: string;
  /** The `#[mesh(N)]` number (positional, from 1, for a tuple struct without numbers). */
  number: number;
  /** The Rust type. */
  type: TypeRef;
  /** The doc comment, without the `///` markers; `""` when none. */
  doc: string;
  /**
   * Set only by the `.proto` loader for a message-typed field: proto3 writes `T` and `Option<T>`
   * alike ("message fields are implicitly optional"), so whether this is an `Option` is unknown.
   * The model then holds the plain type; rules that depend on it say "cannot tell from .proto".
   */
  presenceUnknown?: true;
  /** Set only by the `.proto` loader: the proto type (`uint32` can be `u8`, `u16` or `u32`). */
  protoType?: string;
  /** Where the field's name is in the source. */
  at?: SourcePos;
}

/** A `#[derive(Protobuf)]` struct: a protobuf message. */
export interface StructDef {
  /** Narrows {@link TypeDef}. */
  kind: 'struct';
  /** The Rust name. */
  name: string;
  /** `#[mesh(package = "…")]`, or `null` when the type has none. */
  package: string | null;
  /** A tuple struct (`struct X(#[mesh(1)] u16);`): fields are named `"0"`, `"1"`, … */
  tuple: boolean;
  /** The fields in declaration order (the order mesh writes them and defaults them). */
  fields: FieldDef[];
  /** The doc comment; `""` when none. */
  doc: string;
  /**
   * Set for an `open_enum!` type: a tuple struct around one integer (field 1), whose named
   * constants are listed here; any value decodes.
   */
  openEnum?: OpenEnumInfo;
  /** Set for the types the model provides rather than the source declares (`MemoryRange`, `MemoryVtlType`). */
  builtin?: true;
  /** Where the type's name is in the source. */
  at?: SourcePos;
}

/** What an `open_enum!` declares besides its tuple struct. */
export interface OpenEnumInfo {
  /** The integer it wraps (`u32` for `MemoryVtlType`). */
  repr: ScalarName;
  /** Its named constants, in declaration order. */
  values: OpenEnumValue[];
}

/** One named constant of an `open_enum!`. */
export interface OpenEnumValue {
  /** The constant's name. */
  name: string;
  /** Its value. */
  value: bigint;
}

/** One variant of a `#[derive(Protobuf)]` enum: one arm of the message's `oneof`. */
export interface VariantDef {
  /** The Rust name. */
  name: string;
  /** The `#[mesh(N)]` number (positional, from 1, when the enum has no package and no number). */
  number: number;
  /** `unit` is an empty message; `tuple` and `struct` a message of the variant's fields. */
  shape: 'unit' | 'tuple' | 'struct';
  /** The variant's fields (none for `unit`). */
  fields: FieldDef[];
  /** The doc comment; `""` when none. */
  doc: string;
  /** Where the variant's name is in the source. */
  at?: SourcePos;
}

/**
 * A `#[derive(Protobuf)]` enum: a message holding exactly one variant. It has no default, so a
 * reader that finds it missing fails ("missing enum variant", mesh `oneof::UnassignedEnum`).
 */
export interface EnumDef {
  /** Narrows {@link TypeDef}. */
  kind: 'enum';
  /** The Rust name. */
  name: string;
  /** `#[mesh(package = "…")]`, or `null`. */
  package: string | null;
  /** The variants in declaration order. */
  variants: VariantDef[];
  /** The doc comment; `""` when none. */
  doc: string;
  /** Where the type's name is in the source. */
  at?: SourcePos;
}

/** A type of a model. */
export type TypeDef = StructDef | EnumDef;

/** A schema model: the types of one saved-state definition and which of them is the root. */
export interface SchemaModel {
  /** Where it came from. */
  source: 'rust' | 'proto';
  /** The file name as given, for reports. */
  file: string;
  /** The root type's name (`SavedState`). */
  root: string;
  /** Every type by Rust name, the built-ins included. */
  types: ReadonlyMap<string, TypeDef>;
}

/**
 * `memory_range::MemoryRange` as mesh encodes it (`vm/vmcore/memory_range`, `#[mesh(package =
 * "topology")]`): a message of `start` (1) and `end` (2), both `u64`.
 */
export const MEMORY_RANGE: StructDef = {
  kind: 'struct',
  name: 'MemoryRange',
  package: 'topology',
  tuple: false,
  fields: [
    { name: 'start', number: 1, type: { kind: 'scalar', name: 'u64' }, doc: '' },
    { name: 'end', number: 2, type: { kind: 'scalar', name: 'u64' }, doc: '' },
  ],
  doc: 'A range of guest physical addresses (memory_range::MemoryRange).',
  builtin: true,
};

/**
 * `loader_defs::shim::MemoryVtlType` as mesh encodes it: an `open_enum!` over `u32`, which is a
 * tuple struct, so a message whose field 1 is the number. Values outside the named ones decode.
 */
export const MEMORY_VTL_TYPE: StructDef = {
  kind: 'struct',
  name: 'MemoryVtlType',
  package: 'openhcl.openhcl_boot',
  tuple: true,
  fields: [{ name: '0', number: 1, type: { kind: 'scalar', name: 'u32' }, doc: '' }],
  doc: 'Which VTL a range is for (loader_defs::shim::MemoryVtlType, an open enum over u32).',
  openEnum: {
    repr: 'u32',
    values: [
      'VTL0',
      'VTL2_RAM',
      'VTL2_CONFIG',
      'VTL2_SIDECAR_IMAGE',
      'VTL2_SIDECAR_NODE',
      'VTL0_MMIO',
      'VTL2_MMIO',
      'VTL2_RESERVED',
      'VTL2_GPA_POOL',
      'VTL2_TDX_PAGE_TABLES',
      'VTL2_BOOTSHIM_LOG_BUFFER',
      'VTL2_PERSISTED_STATE_HEADER',
      'VTL2_PERSISTED_STATE_PROTOBUF',
    ].map((name, i) => ({ name, value: BigInt(i) })),
  },
  builtin: true,
};

/** The types a `save_restore` module imports rather than declares, by name. */
export const BUILTIN_TYPES: readonly StructDef[] = [MEMORY_RANGE, MEMORY_VTL_TYPE];

/** Why a type has no default: the plain enum or fixed array that lacks one, and where. */
export interface NoDefault {
  /** What lacks the default. */
  reason: 'enum' | 'array';
  /** Its field path inside the type (`""` when it is the type itself). */
  path: string;
}

/** Looks up a named type; throws if the model does not hold it (models are checked when built). */
export function typeOf(model: SchemaModel, name: string): TypeDef {
  const def = model.types.get(name);
  if (def === undefined) throw new Error(`schema model has no type ${name}`);
  return def;
}

/**
 * Whether a reader can make up a value of `type` when the field is missing (mesh's
 * `FieldDecode::default_field` succeeds): numbers, `bool`, `String`, `Vec` and `Option` always;
 * a struct when every field can; never a plain enum (`UnassignedEnum`) or a fixed array
 * (`MissingRequiredField`). Returns the reason when it cannot.
 */
export function missingDefault(model: SchemaModel, type: TypeRef, seen: Set<string> = new Set()): null | NoDefault {
  switch (type.kind) {
    case 'scalar':
    case 'vec':
    case 'option':
      return null;
    case 'array':
      return { reason: 'array', path: '' };
    case 'named': {
      const def = typeOf(model, type.name);
      if (def.kind === 'enum') return { reason: 'enum', path: '' };
      // A recursive struct can only be reached through Vec/Option, which default.
      if (seen.has(def.name)) return null;
      seen.add(def.name);
      for (const f of def.fields) {
        const inner = missingDefault(model, f.type, seen);
        if (inner !== null) return { reason: inner.reason, path: inner.path === '' ? f.name : `${f.name}.${inner.path}` };
      }
      seen.delete(def.name);
      return null;
    }
  }
}

/** A type written the way Rust spells it: `Vec<Option<u32>>`, `[u8; 4]`, `MemoryRange`. */
export function formatType(type: TypeRef): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'vec':
      return `Vec<${formatType(type.element)}>`;
    case 'option':
      return `Option<${formatType(type.inner)}>`;
    case 'array':
      return `[${formatType(type.element)}; ${type.length}]`;
    case 'named':
      return type.name;
  }
}
