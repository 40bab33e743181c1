/**
 * VMBus MMIO on the fresh path (upstream `topology_from_host_dt`, with `calculate_default_mmio_size`
 * and `host_params/mmio.rs` `select_vtl2_mmio_range`): which MMIO ranges VTL0 and VTL2 get when the
 * topology comes from the host.
 *
 * The restore path never calls this: `topology_from_persisted_state` carries the saved MMIO over.
 */
import { ArgumentError, expectArray, expectBigint } from '../errors.js';
import { formatHex, MemoryRange } from '../memory/range.js';
import { subtractRanges } from '../memory/range-algebra.js';
import { BootPanic, asPanics } from './panic.js';
import type { HostDt, ShimParams } from './types.js';
import { U64_MAX } from './wrapping.js';

/** The upstream `DtError` variants the boot shim can raise while reading host DT params. */
export type DtErrorName = 'NotEnoughVtl0Mmio' | 'NotEnoughVtl2Mmio' | 'Vtl0Vmbus' | 'Vtl2Vmbus';

/**
 * The panic `openhcl_boot`'s `main` raises for a `DtError` from `PartitionInfo::read_from_dt`:
 * "unable to read device tree params {:?}" (the variant's Debug name, e.g. `NotEnoughVtl0Mmio`).
 */
export function dtErrorPanic(error: DtErrorName): BootPanic {
  return new BootPanic('dt_error', `unable to read device tree params ${error}`);
}

/** Lower bound of the default VTL2 MMIO size: 128 MiB (upstream `calculate_default_mmio_size`). */
export const MIN_DEFAULT_VTL2_MMIO = 128n << 20n;
/** Upper bound of the default VTL2 MMIO size: 1 GiB. */
export const MAX_DEFAULT_VTL2_MMIO = 1n << 30n;
/** VTL2 MMIO is only carved from VTL0 ranges starting at or above 4 GiB (upstream `MMIO_HIGH_RANGE_START`). */
export const VTL2_MMIO_MIN_START = 4n << 30n;

/**
 * Upstream `select_vtl2_mmio_range` (`openhcl_boot/src/host_params/mmio.rs`): the range VTL2
 * takes out of VTL0's MMIO, `vtl2Size` bytes off the END of the last range in `mmio` that starts
 * at or above 4 GiB. Low MMIO always stays VTL0's. Upstream assumes `mmio` is sorted and
 * disjoint and walks it backwards, so on a sorted list "last" is "highest"; an unsorted list is
 * not rejected, and its last-listed high range is the one used.
 *
 * Only that one range is looked at: if it is shorter than `vtl2Size`, a larger high range
 * listed before it does not help. Upstream returns `Err(DtError::NotEnoughVtl0Mmio)` then, and
 * when no range starts at or above 4 GiB; the boot shim ends with that error's panic, which is
 * what is thrown here. The caller subtracts the result from `mmio` to get VTL0's share.
 *
 * @throws {BootPanic} `dt_error` ("unable to read device tree params NotEnoughVtl0Mmio"), or
 *   `range_start_unaligned` when `vtl2Size` is not page aligned (upstream `MemoryRange::new`'s
 *   assertion on the carved range).
 * @throws {ArgumentError} when `mmio` is not an array of `MemoryRange` or `vtl2Size` not a u64 bigint.
 */
export function selectVtl2MmioRange(mmio: readonly MemoryRange[], vtl2Size: bigint): MemoryRange {
  expectArray(mmio, 'selectVtl2MmioRange(mmio)');
  mmio.forEach((r: unknown, i) => {
    if (!(r instanceof MemoryRange)) throw new ArgumentError(`selectVtl2MmioRange(mmio[${i}])`, 'a MemoryRange', r);
  });
  expectBigint(vtl2Size, 'selectVtl2MmioRange(vtl2Size)');
  if (vtl2Size < 0n || vtl2Size > U64_MAX) throw new ArgumentError('selectVtl2MmioRange(vtl2Size)', 'a u64', vtl2Size);
  for (let i = mmio.length - 1; i >= 0; i--) {
    const range = mmio[i]!;
    if (range.start < VTL2_MMIO_MIN_START) continue;
    if (range.len < vtl2Size) throw dtErrorPanic('NotEnoughVtl0Mmio');
    return asPanics(() => new MemoryRange(range.end - vtl2Size, range.end));
  }
  throw dtErrorPanic('NotEnoughVtl0Mmio');
}

/** The fresh path's MMIO split (fresh arrays; the host's lists are never aliased). */
export interface MmioSelection {
  /** VTL0's VMBus MMIO: the host's list, or that list minus the VTL2 carve-out. */
  vtl0Mmio: MemoryRange[];
  /** VTL2's VMBus MMIO: the host's list, or the single carved range. */
  vtl2Mmio: MemoryRange[];
}

/**
 * Upstream's MMIO selection in `topology_from_host_dt`.
 *
 * Not isolated and `Host` mode: the host's VTL0 and VTL2 VMBus MMIO lists, as given.
 *
 * Isolated (VBS, SNP, TDX, CCA) or `Vtl2` mode:
 * 1. host size = the `Vtl2` mode's `mmio_size`, else 0;
 * 2. if the host's VTL2 VMBus MMIO lengths sum (wrapping at 2^64) to non-zero, both host lists
 *    are used as given, provided that sum is at least the host size (else `DtError::NotEnoughVtl2Mmio`);
 * 3. otherwise size = `max(host size, clamp(vtl0_mmio[1].len / 2, 128 MiB, 1 GiB))`; a missing
 *    `vtl0_mmio[1]` is Rust's "index out of bounds: the len is {len} but the index is 1";
 * 4. the VTL2 range is carved from the END of the last VTL0 range starting at or above 4 GiB
 *    ({@link selectVtl2MmioRange}); if that range is smaller than the size, or there is none,
 *    `DtError::NotEnoughVtl0Mmio`;
 * 5. VTL0 keeps its list minus the carve, which must still hold exactly 2 ranges (panic
 *    "vtl0 mmio ranges are not 2 {:#x?}").
 *
 * A `DtError` ends the boot with `dtErrorPanic`'s text, so it is thrown here as that panic.
 *
 * Where no vector decides:
 * - A missing VMBus node is `DtError::Vtl0Vmbus` / `Vtl2Vmbus` where upstream
 *   `topology_from_host_dt` asks for it: VTL0 then VTL2 when the lists are used as given; in
 *   the carve path VTL2 first (mod.rs:602), then VTL0 (while sizing the default, or at
 *   mod.rs:613, before the `NotEnoughVtl2Mmio` check).
 * - "Last" is in list order, as upstream walks the list backwards: on an unsorted list it need
 *   not be the highest (the subtraction in step 5 then panics on the order anyway, if it gets there).
 * - Step 5's panic text follows upstream's message ("vtl0 mmio ranges are not 2 …" then the ranges in
 *   Rust's `{:#x?}` list form); no vector pins it. Upstream writes the check as an `assert_eq!`,
 *   whose real message may carry an "assertion `left == right` failed: " prefix and left/right
 *   lines; the kind is `vtl0_mmio_not_2` regardless.
 * - An unsorted VTL0 list makes the subtraction panic "left not sorted", as upstream's
 *   `subtract_ranges` would.
 *
 * @throws {BootPanic} `dt_error`, `index_out_of_bounds`, `vtl0_mmio_not_2` or a walk panic.
 */
export function selectMmio(shim: ShimParams, host: HostDt): MmioSelection {
  const mode = host.memoryAllocationMode;
  const hostVtl0 = host.vmbusVtl0?.mmio ?? [];
  const hostVtl2 = host.vmbusVtl2?.mmio ?? [];
  if (shim.isolation === 'None' && mode.kind === 'Host') {
    if (host.vmbusVtl0 === null) throw dtErrorPanic('Vtl0Vmbus');
    if (host.vmbusVtl2 === null) throw dtErrorPanic('Vtl2Vmbus');
    return { vtl0Mmio: [...hostVtl0], vtl2Mmio: [...hostVtl2] };
  }

  // The carve path wants the VTL2 node first (`parsed.vmbus_vtl2.as_ref().ok_or(Vtl2Vmbus)?`),
  // then, once the size is known, the VTL0 node, before it checks the host's VTL2 size.
  if (host.vmbusVtl2 === null) throw dtErrorPanic('Vtl2Vmbus');
  const hostSize = mode.kind === 'Vtl2' ? (mode.mmioSize ?? 0n) : 0n;
  // Upstream `vmbus_vtl2.mmio.iter().map(|r| r.len()).sum::<u64>()`, which wraps at 2^64 in the
  // release build (overflow checks off), and it tests that SUM for 0, not the list's length: a
  // list of empty ranges, or one whose lengths add up to exactly 2^64, takes the carve path.
  const total = hostVtl2.reduce((sum, r) => (sum + r.len) & U64_MAX, 0n);
  if (total !== 0n) {
    if (host.vmbusVtl0 === null) throw dtErrorPanic('Vtl0Vmbus');
    if (total < hostSize) throw dtErrorPanic('NotEnoughVtl2Mmio');
    return { vtl0Mmio: [...hostVtl0], vtl2Mmio: [...hostVtl2] };
  }

  if (host.vmbusVtl0 === null) throw dtErrorPanic('Vtl0Vmbus');
  const second = hostVtl0[1];
  if (second === undefined) {
    throw new BootPanic('index_out_of_bounds', `index out of bounds: the len is ${hostVtl0.length} but the index is 1`);
  }
  const defaultSize = clamp(second.len / 2n, MIN_DEFAULT_VTL2_MMIO, MAX_DEFAULT_VTL2_MMIO);
  const size = hostSize > defaultSize ? hostSize : defaultSize;

  const vtl2 = selectVtl2MmioRange(hostVtl0, size);

  const vtl0 = asPanics(() => [...subtractRanges(hostVtl0, [vtl2])]);
  if (vtl0.length !== 2) {
    throw new BootPanic('vtl0_mmio_not_2', `vtl0 mmio ranges are not 2 ${debugRangeList(vtl0)}`);
  }
  return { vtl0Mmio: vtl0, vtl2Mmio: [vtl2] };
}

function clamp(value: bigint, min: bigint, max: bigint): bigint {
  return value < min ? min : value > max ? max : value;
}

/** Rust's `{:#x?}` of a list of `MemoryRange`s (pretty Debug, nested four-space indentation). */
function debugRangeList(ranges: readonly MemoryRange[]): string {
  if (ranges.length === 0) return '[]';
  const items = ranges.map(
    (r) => `    MemoryRange {\n        start: ${formatHex(r.start)},\n        end: ${formatHex(r.end)},\n    },\n`,
  );
  return `[\n${items.join('')}]`;
}
