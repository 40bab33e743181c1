/**
 * src/format — the bytes of the persisted-state region: the 32-byte
 * `OHCLPHDR` header and the mesh_protobuf `SavedState` payload, encoded and
 * decoded exactly as OpenHCL does, plus their canonical JSON form and the
 * payload's field-by-field wire structure (`walkWire`), and the one kit every
 * JSON input is read with (`json-read.ts`, errors `JsonInputError`).
 * Depends only on src/memory.
 */
export { DecodeError, EncodeError, decodeErrorJson, type DecodeErrorCode, type EncodeErrorCode } from './codec-error.js';
export { decodeSavedState, type DecodeOptions, type SavedStateList } from './decode.js';
export { encodeSavedState } from './encode.js';
export {
  DRAFT_MAGIC,
  HEADER_FIELDS,
  HEADER_PAGE_SIZE,
  HEADER_SIZE,
  type HeaderFieldInfo,
  HeaderError,
  PERSISTED_STATE_MAGIC,
  PERSISTED_AREA_LEN,
  classifyMagic,
  decodeHeader,
  encodeHeader,
  readHeader,
  writeHeader,
  type HeaderErrorCode,
  type HeaderRead,
  type MagicStatus,
  type PersistedStateHeader,
} from './header.js';
export {
  U16_MAX,
  U32_MAX,
  U64_MAX,
  emptySavedState,
  type MemoryEntry,
  type MmioEntry,
  type SavedState,
  type WireRange,
} from './saved-state.js';
export { FIELD, schemaRoot } from './schema.js';
export { JsonTextError, MAX_JSON_DEPTH, parseJsonText, type JsonTextErrorCode } from './json-text.js';
export { JsonInputError, type JsonInputErrorCode } from './json-read.js';
export {
  SCHEMA_FIELDS,
  SCHEMA_VERSIONS,
  cpuListsOf,
  decodeSavedStateV,
  encodeSavedStateV,
  type CpuListRead,
  type DecodedOf,
  type DecodedV1,
  type DecodedV2,
  type DecodedV3,
  type IgnoredField,
  type SavedStateOf,
  type SavedStateV1,
  type SavedStateV2,
  type SchemaField,
  type SchemaVersion,
} from './schema-versions.js';
export {
  StateJsonError,
  parseU64,
  savedStateFromJson,
  savedStateToJson,
  type MemoryEntryJson,
  type MmioEntryJson,
  type RangeJson,
  type SavedStateJson,
  type StateJsonErrorCode,
} from './state-json.js';
export { crc32c } from './crc32c.js';
export { WireType } from './wire.js';
export { WIRE_TYPE_NAMES, walkWire, wireRowToJson, type WireRow, type WireView } from './wire-walk.js';
export * from './model/index.js';
