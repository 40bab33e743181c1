/**
 * What `GuestMemory` promises at its edges: its construction options, the typed error every
 * refused access or construction throws, and the limits both are checked against. Split from
 * the class so the backing-range validation (backing.ts) can throw the same error without
 * importing the class.
 */
import { kMaxLength } from 'node:buffer';
import { Vtl2PersistError, describeValue } from '../errors.js';
import { formatHex as hex } from './range.js';

/** The end of the address space and the bound of `writeU64`'s value (`./u64.ts`). */
export { ADDRESS_SPACE_END, U64_MAX } from './u64.js';
/** Largest u32, the bound of `writeU32`'s value. */
export const U32_MAX = 0xffff_ffff;
/** Longest Uint8Array this Node can allocate; `read` must stay below it to fail typed. */
export const MAX_BUFFER_LEN = BigInt(kMaxLength);

/** Default `maxAccessLength`: 64 MiB, far above any real header/payload, far below "allocate until OOM". */
export const DEFAULT_MAX_ACCESS_LENGTH = 64n * 1024n * 1024n;

/**
 * Why an access (or a `GuestMemory` construction) was refused:
 * - `out_of_range`: `gpa + len` is beyond `limit` (including past 2^64);
 * - `unbacked`: some byte of the access lies outside every backing range;
 * - `access_too_large`: `len` exceeds `maxAccessLength` (or what one JS buffer can hold);
 * - `bad_value`: a value to store does not fit the width being written;
 * - `bad_argument`: a negative or non-bigint address/length, or invalid options.
 */
export type GuestMemoryErrorCode =
  | 'out_of_range'
  | 'unbacked'
  | 'access_too_large'
  | 'bad_value'
  | 'bad_argument';

/**
 * A refused guest-memory access. `gpa` and `len` describe the whole offending
 * access as the caller asked for it (not just the failing part), so a caller
 * can report exactly what it tried; the message names the failing part.
 */
export class GuestMemoryError extends Vtl2PersistError {
  declare readonly code: GuestMemoryErrorCode;
  /**
   * Start of the offending access. For construction errors: the start of the
   * bad backing range, or the bad `limit`. `0n` if the caller passed something
   * that is not a bigint at all.
   */
  readonly gpa: bigint;
  /**
   * Length of the offending access (8 for the u64 accessors, 4 for u32). For
   * construction errors: the bad range's length or the bad `maxAccessLength`.
   */
  readonly len: bigint;

  constructor(code: GuestMemoryErrorCode, gpa: bigint, len: bigint, message: string) {
    super(code, message);
    this.gpa = gpa;
    this.len = len;
  }
}

/** Construction options for {@link GuestMemory}. */
export interface GuestMemoryOptions {
  /**
   * Exclusive end of the address space, `0n..2^64`. Default `2n ** 64n` (the
   * whole u64 space). Need not be page-aligned.
   */
  limit?: bigint;
  /**
   * If given, only addresses inside these half-open `[start, end)` ranges are
   * accessible; the rest model GPAs with no RAM behind them. Ranges must be
   * page-aligned and non-overlapping (adjacent is fine; they are merged), in
   * any order; empty ranges are ignored. Ranges reaching past `limit` are
   * allowed — `limit` still wins. Default: everything below `limit`.
   */
  backing?: Iterable<{
    /** First backed GPA. */
    readonly start: bigint;
    /** GPA just past the backed range. */
    readonly end: bigint;
  }>;
  /**
   * Largest single `read`/`write`/`zero`, in bytes. Default
   * {@link DEFAULT_MAX_ACCESS_LENGTH} (64 MiB), so a length taken from hostile
   * memory (say 2^63) is refused before anything is allocated.
   */
  maxAccessLength?: bigint;
}

/** A caller's value for an error message: bigints in hex (as addresses are read), anything else via `describeValue`. */
export function describe(v: unknown): string {
  return typeof v === 'bigint' ? `${hex(v)}n` : describeValue(v);
}
