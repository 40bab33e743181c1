/**
 * What a caller of the range algebra can get wrong, and how it is reported: the ordering
 * preconditions upstream asserts (`RangeAlgebraError`, with the upstream panic text) and the
 * argument check every entry point makes. Split from range-algebra.ts, which re-exports it.
 */

import { ArgumentError, Vtl2PersistError } from '../errors.js';
import type { MemoryRange } from './range.js';

/**
 * Stable reasons a {@link RangeAlgebraError} is thrown. The walk and merge codes equal the
 * scenario format's panic kinds; `flatten_not_sorted` is our own (its text matches merge's).
 */
export type RangeAlgebraErrorCode =
  | 'walk_left_not_sorted'
  | 'walk_right_not_sorted'
  | 'merge_not_sorted'
  | 'merge_overlap'
  | 'flatten_not_sorted';

/** Upstream panic text for each code, verbatim. */
const ASSERTIONS: Readonly<Record<RangeAlgebraErrorCode, string>> = {
  walk_left_not_sorted: 'left not sorted',
  walk_right_not_sorted: 'right not sorted',
  merge_not_sorted: 'ranges are not sorted',
  merge_overlap: 'ranges overlap',
  flatten_not_sorted: 'ranges are not sorted',
};

/** Values carried by a {@link RangeAlgebraError} so callers need not parse the message. */
export interface RangeAlgebraErrorFields {
  /** The input range that broke the ordering rule. */
  readonly range: MemoryRange;
  /** Walk only: the walk position at the moment `range` was fetched. */
  readonly position?: bigint;
  /** Merge and flatten only: the (possibly already merged) range `range` was compared with. */
  readonly previous?: MemoryRange;
}

/**
 * An input to the range algebra violated an ordering precondition that upstream asserts.
 *
 * `assertion` is the upstream panic text exactly (the boot-shim emulation prints it);
 * `message` is that text followed by a parenthesised detail naming the offending range.
 */
export class RangeAlgebraError extends Vtl2PersistError {
  declare readonly code: RangeAlgebraErrorCode;
  /** The upstream panic text, verbatim. */
  readonly assertion: string;
  /** See {@link RangeAlgebraErrorFields.range}. */
  readonly range: MemoryRange;
  /** See {@link RangeAlgebraErrorFields.position}. */
  readonly position: bigint | undefined;
  /** See {@link RangeAlgebraErrorFields.previous}. */
  readonly previous: MemoryRange | undefined;

  constructor(code: RangeAlgebraErrorCode, detail: string, fields: RangeAlgebraErrorFields) {
    const assertion = ASSERTIONS[code];
    super(code, `${assertion} (${detail})`);
    this.assertion = assertion;
    this.range = fields.range;
    this.position = fields.position;
    this.previous = fields.previous;
  }
}

/** Once per call, at the API boundary: a non-iterable would otherwise fail deep inside the walk. */
export function expectIterable(value: unknown, argument: string): void {
  if (typeof value !== 'object' || value === null || typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new ArgumentError(argument, 'an iterable of ranges', value);
  }
}
