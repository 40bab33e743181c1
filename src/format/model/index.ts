/**
 * src/format/model — mesh_protobuf saved state described as data (the schema model), the two
 * ways in (a strict parser of the Rust `save_restore` subset, and mesh-generated `.proto`), and
 * a generic codec that encodes and decodes any model's values with mesh's rules. `evolve`
 * (src/sim/evolve) is built on it; the specialised `SavedState` codec stays the fast path.
 */
export {
  BUILTIN_TYPES,
  INTEGER_RANGES,
  MEMORY_RANGE,
  MEMORY_VTL_TYPE,
  SCALAR_NAMES,
  formatType,
  missingDefault,
  typeOf,
  type ArrayRef,
  type EnumDef,
  type FieldDef,
  type IntegerName,
  type NamedRef,
  type NoDefault,
  type OpenEnumInfo,
  type OpenEnumValue,
  type OptionRef,
  type ScalarRef,
  type VecRef,
  type ScalarName,
  type SchemaModel,
  type SourcePos,
  type StructDef,
  type TypeDef,
  type TypeRef,
  type VariantDef,
} from './model.js';
export { MAX_ARRAY_LENGTH, MAX_FIELDS, MAX_SCHEMA_DEPTH, parseRustSchema, type RustSchemaOptions } from './rust-parser.js';
export { MAX_SCHEMA_TEXT } from './rust-lexer.js';
export { loadProtoSchema, type ProtoSchemaOptions } from './proto-loader.js';
export { SchemaError, type SchemaErrorCode } from './schema-error.js';
export { encodeValue } from './generic-encode.js';
export { MAX_MESSAGE_DEPTH, decodeValue, type DecodeNote, type DefaultedNote, type UnknownFieldNote, type DecodeValueOptions, type DecodeValueResult } from './generic-decode.js';
export {
  defaultValue,
  savedStateToValue,
  valueToSavedState,
  type GenericEnum,
  type GenericSome,
  type GenericStruct,
  type GenericValue,
} from './generic-value.js';
