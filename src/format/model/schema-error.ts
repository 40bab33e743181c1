import { Vtl2PersistError } from '../../errors.js';
import type { SourcePos } from './model.js';

/**
 * Why a schema source (Rust or `.proto`) could not become a `SchemaModel`. Stable: callers
 * switch on these, and the tests pin one case per rule.
 *
 * - `schema_syntax`: not the Rust (or proto3) grammar at all, or a malformed attribute.
 * - `schema_unsupported`: valid Rust, but outside the subset mesh_protobuf saved state uses
 *   (generics, references, `Box`, `f32`, `#[mesh(transparent)]`, …).
 * - `schema_unknown_type`: a field names a type that is neither derived in the source nor built in.
 * - `schema_duplicate_number` / `schema_missing_number` / `schema_bad_number`: field and variant
 *   numbering (mesh_derive's "duplicate field number", "all fields must have explicit numbers
 *   when package is set", and protobuf's 1..2^29-1 range).
 * - `schema_duplicate_type`: two derived types share a name (the model is keyed by name).
 * - `schema_no_root`: the root type (`SavedState`) is not declared.
 * - `schema_too_large`: the text or its nesting exceeds the parser's bounds.
 */
export type SchemaErrorCode =
  | 'schema_syntax'
  | 'schema_unsupported'
  | 'schema_unknown_type'
  | 'schema_duplicate_number'
  | 'schema_missing_number'
  | 'schema_bad_number'
  | 'schema_duplicate_type'
  | 'schema_no_root'
  | 'schema_too_large';

/**
 * A schema file the parser or loader refused, with where and why. The message reads
 * `FILE:LINE:COL: what is wrong — what to do`, the form compilers use, so editors can jump to it.
 * Columns count UTF-16 code units from 1 (what a JavaScript string index gives).
 */
export class SchemaError extends Vtl2PersistError {
  declare readonly code: SchemaErrorCode;
  /** The file name as the caller gave it. */
  readonly file: string;
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 1-based column of the offending token. */
  readonly column: number;
  /** What is wrong, without the position (`generic parameters are outside the schema subset`). */
  readonly problem: string;
  /** What to do about it (`saved-state types are concrete structs and enums`). */
  readonly fix: string;

  constructor(code: SchemaErrorCode, file: string, at: SourcePos, problem: string, fix: string) {
    super(code, `${file}:${at.line}:${at.column}: ${problem} — ${fix}`);
    this.file = file;
    this.line = at.line;
    this.column = at.column;
    this.problem = problem;
    this.fix = fix;
  }
}
