/**
 * The restore path's fixed-size VTL2 RAM list fills as upstream's does: `vtl2_ram.extend(…)` on
 * an `ArrayVec<_, 64>` pulls `merge_adjacent_ranges` one group at a time, so the 65th group
 * panics "ArrayVec: capacity exceeded in extend/from_iter" before the merge ever looks at the
 * ranges after it (`topology_from_persisted_state`, host_params/dt/mod.rs). Mutant killed:
 * materialise the whole merge first (`[...mergeAdjacentRanges(…)]`): the unsorted range at the
 * end then panics "ranges are not sorted" instead.
 */
import { describe, expect, it } from 'vitest';
import { boot } from '../../src/boot/boot.js';
import { parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import { encodeSavedState, PERSISTED_STATE_MAGIC, writeHeader, type MemoryEntry } from '../../src/format/index.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryVtlType as T } from '../../src/memory/vtl-type.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';

const PAGE = 0x1000n;
const entry = (start: bigint, end: bigint, vtlType: number): MemoryEntry => ({ range: { start, end }, vnode: 0, vtlType, igvmType: 3 });

/** Boots worked example A (VTL2 allocation mode: no Host-mode cross-check) over a payload holding `ram`. */
function restoreWith(ram: MemoryEntry[]) {
  const payload = encodeSavedState({
    partitionMemory: [entry(0x800_0000n, 0x800_1000n, T.VTL2_PERSISTED_STATE_HEADER), entry(0x800_1000n, 0x801_4000n, T.VTL2_PERSISTED_STATE_PROTOBUF), ...ram],
    partitionMmio: [],
    cpusWithMappedInterruptsNoIo: [],
    cpusWithOutstandingIo: [],
  });
  const memory = new GuestMemory();
  memory.write(0x800_1000n, payload);
  writeHeader(memory, 0x800_0000n, { magic: PERSISTED_STATE_MAGIC, protobufBase: 0x800_1000n, protobufRegionLen: 0x1_3000n, protobufPayloadLen: BigInt(payload.length) });
  const inputs = {
    shim: parseShimParams(A_SHIM_PARAMS),
    host: parseHostDt({ ...A_HOST_DT, memory_allocation_mode: { Vtl2: { memory_size: null, mmio_size: null } } }),
    cmdline: parseCmdlineOptions(A_CMDLINE_OPTIONS),
  };
  return boot(inputs, memory);
}

/** `n` one-page VTL2 RAM entries with one-page gaps (each its own merge group), from 0x9000000. */
const groups = (n: number) => Array.from({ length: n }, (_, i) => entry(0x900_0000n + BigInt(i) * 2n * PAGE, 0x900_0000n + (BigInt(i) * 2n + 1n) * PAGE, T.VTL2_RAM));

describe('restore path: the 64-entry VTL2 RAM list', () => {
  it('the 65th merged group overflows before the merge sees a later unsorted range', () => {
    // Groups: header + payload merged into one, then 65 RAM pages = 66; then a range out of order.
    // Making group 65 peeks at group 66's range (in order); the extend then panics on group 65.
    // (With 64 RAM pages the peek after group 65 would be the unsorted range: upstream then
    // panics "ranges are not sorted" first, as the second test shows.)
    const r = restoreWith([...groups(65), entry(0x810_0000n, 0x810_1000n, T.VTL2_RAM)]);
    expect(r.path).toBe('panic');
    expect(r.path === 'panic' && r.panicKind).toBe('capacity_exceeded');
    expect(r.path === 'panic' && r.panic).toBe('ArrayVec: capacity exceeded in extend/from_iter');
  });

  it('an unsorted range the merge peeks at while making group 65, or within capacity, is the merge panic', () => {
    for (const n of [64, 10]) {
      const r = restoreWith([...groups(n), entry(0x810_0000n, 0x810_1000n, T.VTL2_RAM)]);
      expect(r.path === 'panic' && r.panicKind, `${n} RAM pages`).toBe('merge_not_sorted');
    }
  });
});
