/**
 * The boot shim's VTL2 address-space manager: a port of upstream `openhcl_boot`'s `memory.rs`
 * (`AddressSpaceManager`, `AddressSpaceManagerBuilder`).
 *
 * The manager holds one sorted list of entries that partitions the VTL2 RAM exactly. Each entry
 * is a piece of one VTL2 RAM entry (so it has that entry's vnode) with a usage: `Free` (nobody
 * uses it yet), `Used` (the loader placed something there, but the kernel may reuse it as RAM)
 * or a reserved type (reported to the kernel as reserved, and to usermode in `/memreserve/`).
 *
 * Failure model, mirroring upstream:
 * - the builder's `Error` values (`RamLen`, `AlreadyInitialized`,
 *   `ReservedRangeOutsideBootshimUsed`) are thrown as {@link AddressSpaceError}; they are not
 *   panics by themselves, the caller's `.expect(…)` turns them into one ({@link initOrPanic});
 * - everything upstream would `panic!`/`assert!` on is thrown as a {@link BootPanic} carrying the
 *   upstream text, including the assertions of `MemoryRange` and the range walk.
 *
 * The types, error and `Debug` formatting live in address-space-types.ts and are re-exported here.
 */

import { forEachPiece } from '../memory/range-walk.js';
import { MemoryRange, PAGE_SIZE } from '../memory/range.js';
import { sortByStartInPlace } from '../memory/u64.js';
import { ReservedType, type MemoryVtlType } from '../memory/vtl-type.js';
import {
  AddressSpaceError,
  MAX_ADDRESS_SPACE_ENTRIES,
  MAX_VTL2_RAM_RANGES,
  RESERVED_LIST_CAPACITY,
  debugRange,
  debugRangePlain,
  debugUsage,
  usageToVtlType,
  type AddressRange,
  type AddressSpaceInit,
  type AddressUsage,
  type AllocatableUsage,
  type AllocationPolicy,
} from './address-space-types.js';
import { BootPanic, asPanics } from './panic.js';
import { ValueMemo, type KeyPart } from './value-memo.js';

/** Everything the manager's types file holds, by this module's older import path. */
export * from './address-space-types.js';

const U64_LIMIT = 1n << 64n;
const U32_LIMIT = 2 ** 32;

/** Panic text of arrayvec's `push`/`insert` on a full vector (`try_…(…).unwrap()`). */
const ARRAYVEC_PUSH_PANIC = 'called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity';
/** Panic text of arrayvec's `extend` on a full vector. */
const ARRAYVEC_EXTEND_PANIC = 'ArrayVec: capacity exceeded in extend/from_iter';

/** Runs `f`, converting range-primitive assertion failures into {@link BootPanic}s. */
function panicking<T>(f: () => T): T {
  return asPanics(f);
}

/** A vnode must be a u32, as upstream's type is. */
function checkVnode(vnode: number, what: string): void {
  if (!Number.isInteger(vnode) || vnode < 0 || vnode >= U32_LIMIT) {
    throw new AddressSpaceError('invalid_argument', `${what}: vnode ${String(vnode)} is not a u32`);
  }
}

/** Sorts by start, keeping the original order for equal starts (see {@link AddressSpaceManager.init}). */
function sortByStart<T>(items: [MemoryRange, T][]): void {
  sortByStartInPlace(items, (item) => item[0].start);
}

/** Pushes onto a fixed-capacity list the way arrayvec's `push` does: panicking when full. */
function pushBounded<T>(list: T[], item: T, capacity: number, panicText: string): void {
  if (list.length >= capacity) throw new BootPanic('capacity_exceeded', panicText);
  list.push(item);
}

/** Recent {@link AddressSpaceManager.init} outcomes: a VM's fresh boot and its restore build two. */
const INIT_MEMO = new ValueMemo<{ readonly entries: readonly AddressRange[]; readonly vtl2Pool: boolean }>(4);

/** Every value {@link AddressSpaceManager.init} reads from its input, with list lengths and presence marked. */
function initKey(init: AddressSpaceInit): KeyPart[] {
  const key: KeyPart[] = [init.vtl2Ram.length];
  for (const e of init.vtl2Ram) key.push(e.range.start, e.range.end, e.vnode);
  key.push(init.bootshimUsed.start, init.bootshimUsed.end, init.persistedSpan.start, init.persistedSpan.end);
  key.push(init.configRanges.length);
  for (const r of init.configRanges) key.push(r.start, r.end);
  for (const r of [init.reserved, init.sidecarImage, init.pageTables, init.logBuffer]) {
    if (r === undefined) key.push(undefined);
    else key.push(r.start, r.end);
  }
  key.push(init.poolRanges.length);
  for (const r of init.poolRanges) key.push(r.start, r.end);
  return key;
}

/**
 * The VTL2 address space (upstream `AddressSpaceManager`).
 *
 * Invariants, established by {@link AddressSpaceManager.init} and kept by allocation: entries are
 * non-empty, sorted by start, non-overlapping, and together cover exactly the non-empty VTL2 RAM
 * given to `init`; every entry lies inside one VTL2 RAM entry and carries its vnode; there are at
 * most {@link MAX_ADDRESS_SPACE_ENTRIES} of them. Entries are never merged (upstream `init` keeps them apart),
 * so adjacent entries may have equal usage and vnode.
 */
export class AddressSpaceManager {
  #entries: AddressRange[] = [];
  #vtl2Pool = false;

  /**
   * Builds the address space into `manager` (a new, empty one by default) and returns it, as
   * upstream's `AddressSpaceManagerBuilder::init` does:
   *
   * 1. more than 64 VTL2 RAM entries → `RamLen`; a `manager` that already has entries →
   *    `AlreadyInitialized` (an `init` that produced no entries leaves it "empty", as upstream);
   * 2. the persisted span is split at one page into header and payload; a 1-page span gives an
   *    empty payload, a shorter one panics "assertion failed: offset <= self.len()";
   * 3. the reserved list is header, payload, config ranges, reserved region, sidecar image, page
   *    tables, log buffer, sorted by start. Upstream uses `sort_unstable_by_key`, but for at most
   *    20 elements Rust's unstable sort is a plain insertion sort, which is stable; so we sort
   *    stably and equal starts keep that push order. It matters only for an empty range sharing
   *    a start with a non-empty one (e.g. the empty payload of a 1-page span where a config range
   *    begins): placed first it is skipped by the walk, placed after it would panic
   *    "right not sorted". More than 20 entries panic like arrayvec's `extend`;
   * 4. `bootshimUsed` is walked against that list: uncovered parts of `used` become `Used`,
   *    covered parts take the reserved type, and the first part of a reserved range outside
   *    `used` throws `ReservedRangeOutsideBootshimUsed` reporting only that outside part;
   * 5. pool ranges are appended as `Vtl2GpaPool` (any pool range, even an empty one, sets
   *    {@link hasVtl2Pool}) and the list is sorted by start again, stably. Above 20 elements
   *    upstream's sort is genuinely unstable, but equal starts of non-empty ranges are an overlap
   *    that panics "right not sorted" whatever the order; pool ranges stay after the used pieces;
   * 6. the VTL2 RAM is walked against that list: RAM alone is `Free`, RAM covered by a piece takes
   *    its usage, and a piece outside the RAM panics "vtl2 range {:#x?} used by {:?} not contained
   *    in vtl2 ram". A pool range overlapping a used or reserved piece makes the list unsorted,
   *    which panics "right not sorted" (a pool range merely touching is fine).
   *
   * The walks are lazy, as upstream, so the first failure in address order is the one reported.
   * Upstream aborts on a panic and returns a builder error before touching the manager; here the
   * manager is left unchanged in both cases.
   *
   * @throws {AddressSpaceError} for the builder errors (and `invalid_argument` for non-u32 vnodes).
   * @throws {BootPanic} where upstream panics.
   */
  static init(init: AddressSpaceInit, manager: AddressSpaceManager = new AddressSpaceManager()): AddressSpaceManager {
    const { vtl2Ram, bootshimUsed, persistedSpan, configRanges, poolRanges } = init;
    if (vtl2Ram.length > MAX_VTL2_RAM_RANGES) {
      throw new AddressSpaceError('ram_len', `RamLen { len: ${vtl2Ram.length}, max: ${MAX_VTL2_RAM_RANGES} }`, {
        len: vtl2Ram.length,
        max: MAX_VTL2_RAM_RANGES,
      });
    }
    if (manager.#entries.length !== 0) throw new AddressSpaceError('already_initialized', 'AlreadyInitialized');
    vtl2Ram.forEach((e, i) => checkVnode(e.vnode, `vtl2Ram[${i}]`));

    // Steps 2-6 are a pure function of the input values; a VM's boots repeat the same few.
    const key = initKey(init);
    const known = INIT_MEMO.get(key);
    if (known !== undefined) {
      manager.#entries = known.entries.slice();
      if (known.vtl2Pool) manager.#vtl2Pool = true;
      return manager;
    }

    const built = panicking(() => {
      // Step 2.
      const [header, payload] = persistedSpan.splitAtOffset(PAGE_SIZE);

      // Step 3: two pushes, then `extend`s, into an ArrayVec of 20.
      const reserved: [MemoryRange, ReservedType][] = [
        [header, ReservedType.PersistedStateHeader],
        [payload, ReservedType.PersistedStatePayload],
      ];
      const extend = (r: MemoryRange | undefined, t: ReservedType): void => {
        if (r !== undefined) pushBounded(reserved, [r, t], RESERVED_LIST_CAPACITY, ARRAYVEC_EXTEND_PANIC);
      };
      for (const r of configRanges) extend(r, ReservedType.Vtl2Config);
      extend(init.reserved, ReservedType.Vtl2Reserved);
      extend(init.sidecarImage, ReservedType.SidecarImage);
      extend(init.pageTables, ReservedType.TdxPageTables);
      extend(init.logBuffer, ReservedType.BootshimLogBuffer);
      sortByStart(reserved);

      // Step 4.
      const used: [MemoryRange, AddressUsage][] = [];
      forEachPiece([[bootshimUsed, 'Used'] as const], reserved, (kind, piece, _, typ) => {
        if (kind === 'left') used.push([piece, 'Used']);
        else if (kind === 'both') used.push([piece, typ as ReservedType]);
        else {
          throw new AddressSpaceError(
            'reserved_range_outside_bootshim_used',
            `ReservedRangeOutsideBootshimUsed { reserved: ${debugRangePlain(piece)}, typ: ${typ}, ` +
              `bootshim_used: ${debugRangePlain(bootshimUsed)} }`,
            { reserved: piece, typ: typ as ReservedType, bootshimUsed },
          );
        }
      });

      // Step 5.
      let vtl2Pool = false;
      for (const range of poolRanges) {
        used.push([range, ReservedType.Vtl2GpaPool]);
        vtl2Pool = true;
      }
      sortByStart(used);

      // Step 6.
      const entries: AddressRange[] = [];
      const ram = vtl2Ram.map((e) => [e.range, e.vnode] as const);
      forEachPiece(ram, used, (kind, piece, vnode, usage) => {
        if (kind === 'left') {
          pushBounded(entries, { range: piece, vnode: vnode as number, usage: 'Free' }, MAX_ADDRESS_SPACE_ENTRIES, ARRAYVEC_PUSH_PANIC);
        } else if (kind === 'both') {
          pushBounded(entries, { range: piece, vnode: vnode as number, usage: usage as AddressUsage }, MAX_ADDRESS_SPACE_ENTRIES, ARRAYVEC_PUSH_PANIC);
        } else {
          throw new BootPanic('vtl2_range_outside', `vtl2 range ${debugRange(piece)} used by ${debugUsage(usage as AddressUsage)} not contained in vtl2 ram`);
        }
      });

      return { entries, vtl2Pool };
    });
    // The entry objects are never changed (allocation replaces them), so the memo and every
    // manager built from it may share them; the list itself is each manager's own.
    INIT_MEMO.set(key, { entries: built.entries.slice(), vtl2Pool: built.vtl2Pool });
    manager.#entries = built.entries;
    if (built.vtl2Pool) manager.#vtl2Pool = true;
    return manager;
  }

  /**
   * Upstream allocates with `len = len.div_ceil(4096) * 4096`: a zero length is refused first.
   * A length within 4 KiB of 2^64 rounds up past u64; this reports that as the overflow-checks
   * panic "attempt to multiply with overflow" (the shipped release build would wrap it to 0).
   * boot() never gets here: its only caller, the private pool, passes a wrapped page multiple
   * below 2^64 (see `allocatePool` in boot.ts), so neither this panic nor the
   * `invalid_argument` error is reachable from a boot; they guard direct API use.
   */
  static #roundLen(len: bigint): bigint | undefined {
    if (typeof len !== 'bigint' || len < 0n || len >= U64_LIMIT) {
      throw new AddressSpaceError('invalid_argument', `allocation length ${String(len)} is not a u64`);
    }
    if (len === 0n) return undefined;
    const rounded = ((len + PAGE_SIZE - 1n) / PAGE_SIZE) * PAGE_SIZE;
    if (rounded >= U64_LIMIT) throw new BootPanic('arithmetic_overflow', 'attempt to multiply with overflow');
    return rounded;
  }

  /**
   * Allocates `len` bytes (rounded up to 4 KiB) of Free memory for `usage` (upstream `AddressSpaceManager::allocate`).
   *
   * Entries are scanned in address order (LowMemory) or in reverse (HighMemory); the first one
   * that is Free, at least `len` long and on `vnode` (any vnode when undefined) is carved: the
   * allocation comes from its low end (LowMemory) or high end (HighMemory), and the entry is
   * split into free-left, used and free-right, dropping empty pieces. A `Vtl2GpaPool` allocation
   * sets {@link hasVtl2Pool}.
   *
   * @returns the allocated range, or undefined when `len` is 0 or nothing fits (the manager is
   *   then unchanged).
   * @throws {AddressSpaceError} `invalid_argument` if `len` is not a u64 or `vnode` not a u32.
   * @throws {BootPanic} `capacity_exceeded` if the address space is full and must grow.
   */
  allocate(vnode: number | undefined, len: bigint, usage: AllocatableUsage, policy: AllocationPolicy): MemoryRange | undefined {
    return this.#allocate(vnode, len, usage, policy, undefined);
  }

  /**
   * Like {@link allocate}, but the entry must also have an `alignedSubrange(alignment)` at least
   * `len` long, and the allocation is carved from that aligned sub-range. So LowMemory aligns
   * only the allocation's START and HighMemory only its END; the other end is aligned only if
   * `len` is a multiple of `alignment` (upstream `allocate_aligned`). An alignment no entry can
   * satisfy yields undefined.
   *
   * As upstream, the aligned sub-range is computed for every entry scanned before its other
   * checks, so a non-power-of-two alignment panics ("assertion failed:
   * alignment.is_power_of_two()") as soon as one entry is scanned.
   *
   * @throws see {@link allocate}, plus {@link BootPanic} for a bad alignment.
   */
  allocateAligned(
    vnode: number | undefined,
    len: bigint,
    usage: AllocatableUsage,
    policy: AllocationPolicy,
    alignment: bigint,
  ): MemoryRange | undefined {
    return this.#allocate(vnode, len, usage, policy, alignment);
  }

  /** Upstream `allocate_inner` + `allocate_range`. */
  #allocate(
    vnode: number | undefined,
    len: bigint,
    usage: AllocatableUsage,
    policy: AllocationPolicy,
    alignment: bigint | undefined,
  ): MemoryRange | undefined {
    if (vnode !== undefined) checkVnode(vnode, 'allocate');
    const rounded = AddressSpaceManager.#roundLen(len);
    if (rounded === undefined) return undefined;

    return panicking(() => {
      const fits = (e: AddressRange): boolean => {
        // Computed first, for every entry, as upstream's `find_index` does.
        const aligned = alignment === undefined || e.range.alignedSubrange(alignment).len >= rounded;
        return e.usage === 'Free' && e.range.len >= rounded && (vnode === undefined || e.vnode === vnode) && aligned;
      };
      const n = this.#entries.length;
      let index: number | undefined;
      for (let k = 0; k < n; k++) {
        const i = policy === 'LowMemory' ? k : n - 1 - k;
        if (fits(this.#entries[i] as AddressRange)) {
          index = i;
          break;
        }
      }
      if (index === undefined) return undefined;

      const entry = this.#entries[index] as AddressRange;
      const sub = alignment === undefined ? entry.range : entry.range.alignedSubrange(alignment);
      const carved =
        policy === 'LowMemory' ? sub.splitAtOffset(rounded)[0] : sub.splitAtOffset(sub.len - rounded)[1];
      const left = new MemoryRange(entry.range.start, carved.start);
      const right = new MemoryRange(carved.end, entry.range.end);
      const pieces: AddressRange[] = [
        ...(left.isEmpty() ? [] : [{ range: left, vnode: entry.vnode, usage: 'Free' as const }]),
        { range: carved, vnode: entry.vnode, usage },
        ...(right.isEmpty() ? [] : [{ range: right, vnode: entry.vnode, usage: 'Free' as const }]),
      ];
      // Upstream rewrites the entry in place and `insert`s the free pieces into its ArrayVec,
      // which panics when full; check before changing anything.
      if (n + pieces.length - 1 > MAX_ADDRESS_SPACE_ENTRIES) throw new BootPanic('capacity_exceeded', ARRAYVEC_PUSH_PANIC);
      this.#entries.splice(index, 1, ...pieces);
      if (usage === ReservedType.Vtl2GpaPool) this.#vtl2Pool = true;
      return carved;
    });
  }

  /**
   * Every entry as its `MemoryVtlType`, with touching entries of equal type
   * merged (upstream `merge_adjacent_ranges` on the type alone). Vnodes are ignored, so Free and
   * Used pieces form one VTL2_RAM run even across VTL2 RAM entries and NUMA nodes
   * (upstream `vtl2_ranges`). This is the view E820 is built from.
   */
  vtl2Ranges(): {
    /** The merged range. */
    range: MemoryRange;
    /** The `MemoryVtlType` its usage maps to. */
    vtlType: MemoryVtlType;
  }[] {
    // `mergeAdjacentRanges` as a loop of our own (it runs on every boot): the entries are sorted,
    // non-overlapping and aligned (the manager's invariants), so the merge's ordering checks
    // cannot fail and a run of one entry is that entry's range; a longer run is built with
    // `MemoryRange::new`, as upstream builds every group.
    const entries = this.#entries;
    const out: { range: MemoryRange; vtlType: MemoryVtlType }[] = [];
    return panicking(() => {
      for (let i = 0; i < entries.length; ) {
        const first = entries[i]!;
        const vtlType = usageToVtlType(first.usage);
        let end = first.range.end;
        let j = i + 1;
        for (; j < entries.length; j++) {
          const next = entries[j]!;
          if (next.range.start !== end || usageToVtlType(next.usage) !== vtlType) break;
          end = next.range.end;
        }
        out.push({ range: j === i + 1 ? first.range : new MemoryRange(first.range.start, end), vtlType });
        i = j;
      }
      return out;
    });
  }

  /**
   * The reserved entries, unmerged, in address order (upstream `reserved_vtl2_ranges`): a
   * reserved range split by a VTL2 RAM entry boundary appears as two rows. This is the view
   * `/memreserve/` is built from.
   */
  reservedVtl2Ranges(): {
    /** The reserved range, unmerged. */
    range: MemoryRange;
    /** What it is reserved for. */
    type: ReservedType;
  }[] {
    const out: { range: MemoryRange; type: ReservedType }[] = [];
    for (const e of this.#entries) if (e.usage !== 'Free' && e.usage !== 'Used') out.push({ range: e.range, type: e.usage });
    return out;
  }

  /** The Free entries on `vnode`, in address order, unmerged. */
  freeRanges(vnode: number): MemoryRange[] {
    return this.#entries.filter((e) => e.usage === 'Free' && e.vnode === vnode).map((e) => e.range);
  }

  /**
   * Whether a VTL2 GPA pool exists: set by `init` when any pool range was carried over, and by a
   * successful `Vtl2GpaPool` allocation; never cleared (upstream `has_vtl2_pool`).
   */
  hasVtl2Pool(): boolean {
    return this.#vtl2Pool;
  }

  /** A snapshot of the entries in address order (frozen copies), for debugging and tests. */
  entries(): AddressRange[] {
    return this.#entries.map((e) => Object.freeze({ ...e }));
  }
}

/**
 * {@link AddressSpaceManager.init} as upstream's callers use it:
 * `.expect("failed to initialize address space manager")`, so a builder error becomes the
 * panic "failed to initialize address space manager: {error:?}" (kind
 * `address_space_init_failed`). Panics from inside `init` pass through unchanged, and so does an
 * `invalid_argument` error (a caller bug with no upstream counterpart).
 *
 * @throws {BootPanic} on any failure upstream would panic on.
 */
export function initOrPanic(init: AddressSpaceInit, manager?: AddressSpaceManager): AddressSpaceManager {
  try {
    return AddressSpaceManager.init(init, manager);
  } catch (e) {
    if (e instanceof AddressSpaceError && e.code !== 'invalid_argument') {
      throw new BootPanic('address_space_init_failed', `failed to initialize address space manager: ${e.debug}`);
    }
    throw e;
  }
}
