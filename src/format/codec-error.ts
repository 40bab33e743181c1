import { Vtl2PersistError } from '../errors.js';

/**
 * Why the mesh_protobuf decoder rejected a payload. Each code is one
 * `mesh_protobuf` decode error variant; `meshMessage` is its Display text (the
 * vectors' `"decoding failed: …"` suffix) and `meshVariant` its Debug form (what
 * openhcl_boot prints in "failed to decode protobuf: Error(ErrorInner { … })").
 */
export type DecodeErrorCode =
  | 'eof_varint'
  | 'eof_fixed64'
  | 'eof_fixed32'
  | 'eof_byte_array'
  | 'varint_too_big'
  | 'unknown_wire_type'
  | 'expected_message'
  | 'expected_varint'
  | 'missing_resource'
  | 'invalid_resource_range'
  | 'nesting_too_deep'
  | 'not_bytes'
  | 'expected_byte_array'
  | 'missing_required_field'
  | 'missing_enum_variant'
  | 'invalid_utf8'
  | 'wrong_array_length'
  | 'wrong_packed_array_length';

const MESH: Record<DecodeErrorCode, { variant: string; display: string }> = {
  eof_varint: { variant: 'EofVarInt', display: 'eof parsing a varint' },
  eof_fixed64: { variant: 'EofFixed64', display: 'eof parsing a fixed64' },
  eof_fixed32: { variant: 'EofFixed32', display: 'eof parsing a fixed32' },
  eof_byte_array: { variant: 'EofByteArray', display: 'eof parsing a byte array' },
  varint_too_big: { variant: 'VarIntTooBig', display: 'varint too big' },
  unknown_wire_type: { variant: 'UnknownWireType', display: 'unknown wire type' },
  expected_message: { variant: 'ExpectedMessage', display: 'expected a message' },
  expected_varint: { variant: 'ExpectedVarInt', display: 'expected a varint' },
  missing_resource: { variant: 'MissingResource', display: 'missing resource' },
  invalid_resource_range: { variant: 'InvalidResourceRange', display: 'invalid resource range' },
  // Not a mesh error: the generic decoder's guard against a recursive type's deep input
  // (mesh_protobuf would overflow the stack).
  nesting_too_deep: { variant: 'NestingTooDeep', display: 'messages nested more than 100 deep' },
  // Not a mesh error: JavaScript callers can pass something that is not bytes at all.
  not_bytes: { variant: 'NotBytes', display: 'input is not a byte array' },
  // The codes below arise only with types the v3 payload does not use (bytes, strings, enums,
  // fixed arrays), so only the generic codec (src/format/model/generic-decode.ts) reports them.
  expected_byte_array: { variant: 'ExpectedByteArray', display: 'expected a byte array' },
  missing_required_field: { variant: 'MissingRequiredField', display: 'missing required field' },
  // Not a `DecodeError` variant upstream: `oneof::UnassignedEnum`, a unit struct of its own.
  missing_enum_variant: { variant: 'UnassignedEnum', display: 'missing enum variant' },
  invalid_utf8: { variant: 'InvalidUtf8', display: 'invalid UTF-8 string' },
  wrong_array_length: { variant: 'BadArrayLength', display: 'wrong array length' },
  wrong_packed_array_length: { variant: 'BadPackedArrayLength', display: 'wrong packed array length' },
};

/**
 * A payload the real decoder would reject (the boot shim then panics with
 * "failed to decode protobuf").
 */
export class DecodeError extends Vtl2PersistError {
  declare readonly code: DecodeErrorCode;
  /** Byte offset (from the start of the payload) of the key, varint or length prefix that failed. */
  readonly offset: number;
  /** Path segments, outermost first; see `path`. */
  private readonly segments: string[] = [];
  /** The wire type, for `unknown_wire_type` (3, 4 or never anything else). */
  readonly wireType: number | undefined;

  constructor(code: DecodeErrorCode, offset: number, wireType?: number) {
    super(code, '');
    this.offset = offset;
    this.wireType = wireType;
    this.refreshMessage();
  }

  /** mesh_protobuf's Display text, e.g. `unknown wire type 3`. */
  get meshMessage(): string {
    const { display } = MESH[this.code];
    return this.wireType === undefined ? display : `${display} ${this.wireType}`;
  }

  /** mesh_protobuf's Debug text, e.g. `UnknownWireType(3)`. */
  get meshVariant(): string {
    const { variant } = MESH[this.code];
    return this.wireType === undefined ? variant : `${variant}(${this.wireType})`;
  }

  /**
   * Field path of the failure in proto names, e.g. `partition_memory[3].range.end`;
   * `""` when the failure is in a top-level key. Unknown fields show as `<field N>`.
   */
  get path(): string {
    return this.segments.join('.');
  }

  /** Adds an enclosing field to the path while the error unwinds (innermost first). */
  within(segment: string): this {
    this.segments.unshift(segment);
    this.refreshMessage();
    return this;
  }

  private refreshMessage(): void {
    this.message = `${this.meshMessage} at offset ${this.offset}${this.path === '' ? '' : ` (${this.path})`}`;
  }
}

/**
 * Why a state could not be encoded: a value that its Rust field type cannot hold. The last three
 * come only from the generic encoder (src/format/model/generic-encode.ts): a value of the wrong
 * JavaScript type, a fixed array given more or fewer than N elements, an enum value naming no
 * variant.
 */
export type EncodeErrorCode =
  | 'value_out_of_range'
  | 'not_an_integer'
  | 'missing_field'
  | 'wrong_type'
  | 'wrong_array_length'
  | 'unknown_variant';

/** A `SavedState` that no real writer could have produced (e.g. a vnode of 2^32 or a negative address). */
export class EncodeError extends Vtl2PersistError {
  declare readonly code: EncodeErrorCode;
  /** Field path in proto names, e.g. `partition_memory[0].igvm_type`. */
  readonly path: string;

  constructor(code: EncodeErrorCode, path: string, detail: string) {
    super(code, `${path}: ${detail}`);
    this.path = path;
  }
}

/**
 * The JSON form of a rejected payload (`decode --json`, `inspect --json`): the stable code, the
 * upstream message and error variant, and where the decoder stopped.
 */
export function decodeErrorJson(e: DecodeError): Record<string, unknown> {
  return { code: e.code, message: e.meshMessage, mesh_variant: e.meshVariant, offset: e.offset, path: e.path };
}
