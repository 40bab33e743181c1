/**
 * Emulated `openhcl_boot` panics. Every profile is built with `panic = abort`,
 * so a panic ends the boot; the emulator throws `BootPanic` inside the boot
 * code and the boot entry point turns it into a result, never an exception.
 */
import { Vtl2PersistError } from '../errors.js';
import { RangeAlgebraError } from '../memory/range-algebra.js';
import { MemoryRangeError } from '../memory/range.js';

/** Stable panic kinds (docs/scenario-format.md#panic-kinds). */
export type PanicKind =
  | 'protobuf_region_not_contained'
  | 'payload_len_gt_region_len'
  | 'protobuf_decode_failed'
  | 'bump_heap_exhausted'
  | 'vtl2_ram_mismatch'
  | 'persisted_header_missing'
  | 'persisted_protobuf_missing'
  | 'header_end_ne_region_start'
  | 'range_start_unaligned'
  | 'range_end_unaligned'
  | 'range_start_gt_end'
  | 'walk_right_not_sorted'
  | 'walk_left_not_sorted'
  | 'merge_not_sorted'
  | 'merge_overlap'
  | 'address_space_init_failed'
  | 'vtl2_range_outside'
  | 'dt_error'
  | 'host_vtl2_size_too_small'
  | 'pool_alloc_failed'
  | 'pool_split_zero'
  | 'vtl2_ram_alloc_failed'
  | 'file_range_not_host_ram'
  | 'vtl0_mmio_not_2'
  | 'capacity_exceeded'
  | 'index_out_of_bounds'
  | 'e820_overflow'
  | 'arithmetic_overflow';

/** Panic-text prefixes and substrings in the scenario-format table's order: the first match decides. */
const KIND_TABLE: readonly [string, PanicKind][] = [
  ['protobuf region', 'protobuf_region_not_contained'],
  ['protobuf payload len', 'payload_len_gt_region_len'],
  ['failed to decode protobuf', 'protobuf_decode_failed'],
  ['memory allocation of', 'bump_heap_exhausted'],
  ['assertion `left == right` failed: vtl2 ram from persisted state', 'vtl2_ram_mismatch'],
  ['persisted state header missing', 'persisted_header_missing'],
  ['persisted state protobuf region missing', 'persisted_protobuf_missing'],
  ['assertion `left == right` failed', 'header_end_ne_region_start'],
  ['assertion failed: range.start & (PAGE_SIZE - 1) == 0', 'range_start_unaligned'],
  ['assertion failed: range.end & (PAGE_SIZE - 1) == 0', 'range_end_unaligned'],
  ['assertion failed: range.start <= range.end', 'range_start_gt_end'],
  ['right not sorted', 'walk_right_not_sorted'],
  ['left not sorted', 'walk_left_not_sorted'],
  ['ranges are not sorted', 'merge_not_sorted'],
  ['ranges overlap', 'merge_overlap'],
  ['failed to initialize address space manager', 'address_space_init_failed'],
  ['vtl2 range', 'vtl2_range_outside'],
  ['unable to read device tree params', 'dt_error'],
  ['host provided vtl2 ram size', 'host_vtl2_size_too_small'],
  ['failed to allocate VTL2 pool on node', 'pool_alloc_failed'],
  ['cannot split VTL2 pool', 'pool_split_zero'],
  ['failed to allocate', 'vtl2_ram_alloc_failed'],
  ['used file range', 'file_range_not_host_ram'],
  ['vtl0 mmio ranges are not 2', 'vtl0_mmio_not_2'],
  ['index out of bounds', 'index_out_of_bounds'],
  ['building e820 map', 'e820_overflow'],
  ['attempt to', 'arithmetic_overflow'],
];

/**
 * The panic kind of a message, decided as scenario-format.md says: the first
 * row whose text starts the message, then the first whose text appears in it.
 * Capacity overflows have no fixed text, so callers pass that kind explicitly.
 */
export function panicKindOf(message: string): PanicKind | undefined {
  return KIND_TABLE.find(([text]) => message.startsWith(text))?.[1] ?? KIND_TABLE.find(([text]) => message.includes(text))?.[1];
}

/**
 * A place where the real openhcl_boot would panic: `kind` is its stable class, given where the
 * panic is raised (never recovered from the text), and `message` the text upstream prints.
 * `panicKindOf(message) === kind` holds for every panic with a fixed text (a test checks it over
 * every vector), so the scenario-format table and the code cannot drift apart.
 */
export class BootPanic extends Vtl2PersistError {
  declare readonly code: PanicKind;

  constructor(kind: PanicKind, message: string) {
    super(kind, message);
  }

  /** The stable panic kind (same as `code`). */
  get kind(): PanicKind {
    return this.code;
  }
}

/**
 * The panic kind of each `MemoryRange` assertion. The scenario-format table has no row for the
 * split and alignment asserts: `split_at_offset`'s `offset <= len` assert guards exactly the case
 * where the second half would have `start > end`, so it is classed with `range_start_gt_end`, and
 * the alignment asserts with `range_start_unaligned`. (Only the split can happen with this
 * module's callers: a persisted span shorter than one page.)
 */
const MEMORY_RANGE_KIND: Readonly<Record<MemoryRangeError['code'], PanicKind>> = {
  range_start_unaligned: 'range_start_unaligned',
  range_end_unaligned: 'range_end_unaligned',
  range_start_gt_end: 'range_start_gt_end',
  split_offset_too_large: 'range_start_gt_end',
  split_offset_unaligned: 'range_start_unaligned',
  alignment_not_power_of_two: 'range_start_unaligned',
  range_not_u64: 'arithmetic_overflow',
};

/** The panic kind of each range-walk / merge assertion (`flatten_ranges` shares merge's "not sorted"). */
const RANGE_ALGEBRA_KIND: Readonly<Record<RangeAlgebraError['code'], PanicKind>> = {
  walk_left_not_sorted: 'walk_left_not_sorted',
  walk_right_not_sorted: 'walk_right_not_sorted',
  merge_not_sorted: 'merge_not_sorted',
  merge_overlap: 'merge_overlap',
  flatten_not_sorted: 'merge_not_sorted',
};

/**
 * Upstream's `MemoryRange` and range-walk assertions are panics in the boot shim: this turns our
 * typed range errors into the `BootPanic` with the assertion's exact text and the kind its code
 * maps to, and lets anything else through. The boot entry point applies it to whatever a boot
 * throws; the public functions that promise a `BootPanic` apply it at their own boundary.
 */
export function asPanic(e: unknown): unknown {
  if (e instanceof RangeAlgebraError) return new BootPanic(RANGE_ALGEBRA_KIND[e.code], e.assertion);
  if (e instanceof MemoryRangeError) return new BootPanic(MEMORY_RANGE_KIND[e.code], e.assertion);
  return e;
}

/** Runs upstream-assertion code, turning range assertion failures into the panics they are. */
export function asPanics<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asPanic(e);
  }
}
