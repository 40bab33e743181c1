/**
 * Restore-path checks that mutation testing (`npm run mutate`) showed no test pinned: the
 * Host-mode RAM comparison field by field with the entry count kept, exactly two VTL2 MMIO
 * ranges, and the mismatch text for an IGVM type that has no name. Each test names the
 * `src/boot/persisted.ts` mutant it kills (each checked by hand to fail on it).
 *
 * Every case restores a real save of worked example A (boot A on empty memory, parse its
 * `/openhcl` map as usermode does, run the usermode writer), after editing the decoded state or
 * the host's memory map. The fixture is built inside each test, not while the file loads, so
 * that Stryker's per-test coverage sees which test reached which code.
 */
import { describe, expect, it } from 'vitest';

import { boot, type BootInputs, type BootResult } from '../../src/boot/boot.js';
import { openhclMapToFdtNodes } from '../../src/boot/device-tree.js';
import { parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import { decodeSavedState, encodeSavedState, PERSISTED_STATE_MAGIC, writeHeader, type SavedState } from '../../src/format/index.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryVtlType as T } from '../../src/memory/vtl-type.js';
import { parseOpenhclMap } from '../../src/usermode/openhcl-map.js';
import { writePersistedState } from '../../src/usermode/writer.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';
import type { Json } from '../support/vectors.js';

const PS_START = 0x800_0000n;
const PAYLOAD_BASE = 0x800_1000n;
const REGION_LEN = 0x1_3000n;

function inputsA(host: Json = {}): BootInputs {
  return {
    shim: parseShimParams(A_SHIM_PARAMS),
    host: parseHostDt({ ...A_HOST_DT, ...host }),
    cmdline: parseCmdlineOptions(A_CMDLINE_OPTIONS),
  };
}

/** The decoded payload of a real servicing save of A's fresh boot (CPU lists no_io [2], outstanding [1]). */
function savedA(): SavedState {
  const fresh = boot(inputsA(), new GuestMemory());
  if (fresh.path !== 'host') throw new Error(`fixture: A's fresh boot must take the host path, got ${fresh.path}`);
  const parsed = parseOpenhclMap(openhclMapToFdtNodes(fresh.openhclMemoryMap));
  return decodeSavedState(writePersistedState(new GuestMemory(), parsed, { noIo: [2], outstanding: [1] }).payload);
}

/** Writes `state` and a matching valid header where A's shim looks, and boots A (with `host` merged into its host DT). */
function restore(state: SavedState, host: Json = {}): BootResult {
  const payload = encodeSavedState(state);
  const memory = new GuestMemory();
  memory.write(PAYLOAD_BASE, payload);
  writeHeader(memory, PS_START, {
    magic: PERSISTED_STATE_MAGIC,
    protobufBase: PAYLOAD_BASE,
    protobufRegionLen: REGION_LEN,
    protobufPayloadLen: BigInt(payload.length),
  });
  return boot(inputsA(host), memory);
}

/** A's host memory map with its single VTL2_PROTECTABLE entry (index 1) and its VTL0 neighbour below replaced. */
function hostVtl2(below: Json, vtl2: Json, above: Json): Json {
  const memory = A_HOST_DT.memory as Json[];
  return { memory: [below, vtl2, above, memory[3]] };
}

const RAM_MISMATCH = 'assertion `left == right` failed: vtl2 ram from persisted state does not match host provided ram';
const entryDebug = (start: bigint, end: bigint, memType: string, vnode = 0): string =>
  `MemoryEntry { range: MemoryRange { start: ${start}, end: ${end} }, mem_type: ${memType}, vnode: ${vnode} }`;
/** A's merged saved VTL2 RAM as the mismatch panic prints it. */
const A_SAVED = `[${entryDebug(0x800_0000n, 0xc00_0000n, 'VTL2_PROTECTABLE')}]`;

function expectMismatch(r: BootResult, left: string, right: string): void {
  expect(r.path).toBe('panic');
  if (r.path !== 'panic') return;
  expect(r.panicKind).toBe('vtl2_ram_mismatch');
  expect(r.panic).toBe(`${RAM_MISMATCH}\n  left: ${left}\n right: ${right}`);
}

describe('Host-mode RAM cross-check: one entry on each side, one field different', () => {
  // Kills `h.range.start === s.range.start` → `true` (persisted.ts, the per-entry comparison):
  // only the start differs, so without that comparison the saved RAM "matches" and A restores.
  it('the host VTL2 RAM starts 16 MiB lower, same end, type and vnode → vtl2_ram_mismatch', () => {
    const host = hostVtl2(
      { range: { start: '0x0', end: '0x7000000' }, mem_type: 'MEMORY', vnode: 0 },
      { range: { start: '0x7000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      { range: { start: '0xc000000', end: '0x80000000' }, mem_type: 'MEMORY', vnode: 0 },
    );
    expectMismatch(restore(savedA(), host), A_SAVED, `[${entryDebug(0x700_0000n, 0xc00_0000n, 'VTL2_PROTECTABLE')}]`);
  });

  // Kills `h.range.end === s.range.end` → `true`.
  it('the host VTL2 RAM ends 16 MiB higher, same start, type and vnode → vtl2_ram_mismatch', () => {
    const host = hostVtl2(
      { range: { start: '0x0', end: '0x8000000' }, mem_type: 'MEMORY', vnode: 0 },
      { range: { start: '0x8000000', end: '0xd000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      { range: { start: '0xd000000', end: '0x80000000' }, mem_type: 'MEMORY', vnode: 0 },
    );
    expectMismatch(restore(savedA(), host), A_SAVED, `[${entryDebug(0x800_0000n, 0xd00_0000n, 'VTL2_PROTECTABLE')}]`);
  });

  // Kills `h.memType === s.memType` → `true` from the saved side: every saved VTL2 entry carries
  // IGVM type 99, which has no name, so the panic prints it as `MemoryMapEntryType(99)` (kills
  // the NoCoverage string mutant in debugEntries, `MemoryMapEntryType(…)` → ``).
  it('saved VTL2 RAM of an unnamed IGVM type (99) → vtl2_ram_mismatch printing MemoryMapEntryType(99)', () => {
    const state = savedA();
    for (const e of state.partitionMemory) if (e.range.start >= 0x800_0000n && e.range.end <= 0xc00_0000n) e.igvmType = 99;
    expectMismatch(restore(state), `[${entryDebug(0x800_0000n, 0xc00_0000n, 'MemoryMapEntryType(99)')}]`, `[${entryDebug(0x800_0000n, 0xc00_0000n, 'VTL2_PROTECTABLE')}]`);
  });

  it('the unedited save of A restores (the control for the rows above)', () => {
    expect(restore(savedA()).path).toBe('persisted');
  });
});

describe('Host-mode RAM cross-check: two entries on each side, only the second different', () => {
  // A saved second VTL2 RAM range on vnode 1 (not merged with the first: another tag), and a host
  // with two VTL2 entries. The counts agree, the first entries agree; only the second decides.
  const twoNodeHost = (second: Json): Json =>
    ({
      memory: [
        { range: { start: '0x0', end: '0x8000000' }, mem_type: 'MEMORY', vnode: 0 },
        { range: { start: '0x8000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
        { range: { start: '0xc000000', end: '0x80000000' }, mem_type: 'MEMORY', vnode: 0 },
        { range: { start: '0x100000000', end: '0x1f0000000' }, mem_type: 'MEMORY', vnode: 0 },
        second,
      ],
    });
  const savedTwo = (): SavedState => {
    const state = savedA();
    state.partitionMemory.push({ range: { start: 0x1_f000_0000n, end: 0x2_0000_0000n }, vnode: 1, vtlType: T.VTL2_RAM, igvmType: 3 });
    return state;
  };
  const second = (start: bigint, end: bigint, vnode: number, memType = 'VTL2_PROTECTABLE') =>
    `[${entryDebug(0x800_0000n, 0xc00_0000n, 'VTL2_PROTECTABLE')}, ${entryDebug(start, end, memType, vnode)}]`;

  it('both entries equal → A restores with both VTL2 RAM ranges (the control for the rows below)', () => {
    const host = twoNodeHost({ range: { start: '0x1f0000000', end: '0x200000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 1 });
    const r = restore(savedTwo(), host);
    expect(r.path).toBe('persisted');
    if (r.path !== 'persisted') return;
    expect(r.vtl2Ram.map((e) => `${e.range} v${e.vnode}`)).toEqual(['0x8000000..0xc000000 v0', '0x1f0000000..0x200000000 v1']);
  });

  // Kills `h.vnode === s.vnode` → `true` on an entry other than the first.
  it('the second host entry is on vnode 2 → vtl2_ram_mismatch', () => {
    const host = twoNodeHost({ range: { start: '0x1f0000000', end: '0x200000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 2 });
    expectMismatch(restore(savedTwo(), host), second(0x1_f000_0000n, 0x2_0000_0000n, 1), second(0x1_f000_0000n, 0x2_0000_0000n, 2));
  });

  // Kills `h.range.start === s.range.start` → `true` on an entry other than the first.
  it('the second host entry starts one page later → vtl2_ram_mismatch', () => {
    const host = twoNodeHost({ range: { start: '0x1f0001000', end: '0x200000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 1 });
    expectMismatch(restore(savedTwo(), host), second(0x1_f000_0000n, 0x2_0000_0000n, 1), second(0x1_f000_1000n, 0x2_0000_0000n, 1));
  });
});

describe('saved VMBus MMIO: the two-range capacity per VTL', () => {
  const withMmio = (vtl2: { start: bigint; end: bigint }[]): SavedState => {
    const state = savedA();
    state.partitionMmio = [
      ...state.partitionMmio.filter((e) => e.vtlType === T.VTL0_MMIO),
      ...vtl2.map((range) => ({ range, vtlType: T.VTL2_MMIO })),
    ];
    return state;
  };

  // Kills `vtl2Mmio.length > MAX_VMBUS_MMIO` → `>=`: two VTL2 ranges fill the list exactly.
  it('exactly two saved VTL2_MMIO ranges are carried over, in saved order', () => {
    const r = restore(withMmio([
      { start: 0xf9_0000_0000n, end: 0xf9_0800_0000n },
      { start: 0xf8_0000_0000n, end: 0xf8_0800_0000n },
    ]));
    expect(r.path).toBe('persisted');
    if (r.path !== 'persisted') return;
    expect(r.vtl2Mmio.map(String)).toEqual(['0xf900000000..0xf908000000', '0xf800000000..0xf808000000']);
    expect(r.vtl0Mmio.map(String)).toEqual(['0xf8000000..0xfc000000', '0xfc0000000..0x1000000000']);
  });

  it('three saved VTL2_MMIO ranges → capacity_exceeded', () => {
    const r = restore(withMmio([
      { start: 0xf8_0000_0000n, end: 0xf8_0800_0000n },
      { start: 0xf9_0000_0000n, end: 0xf9_0800_0000n },
      { start: 0xfa_0000_0000n, end: 0xfa_0800_0000n },
    ]));
    expect(r.path === 'panic' ? r.panicKind : r.path).toBe('capacity_exceeded');
  });
});
