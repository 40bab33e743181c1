/**
 * The decision trail (`bootWithTrail`): the checks openhcl_boot made, recorded by the boot code
 * itself. Pinned here: the whole trail of each boot of docs/examples/torn-save.json (fresh, then
 * two restores, the second from a stale header), an isolated boot, one panic per check of the
 * restore path (the failed step is the last, it is the check the panic kind belongs to, and every
 * step before it passed), and that the recorder never changes what `boot` returns.
 *
 * The restore cases stage a real save of worked example A (as persisted-mutants.test.ts does)
 * and edit the decoded state, the header or the inputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';

import { boot, type BootInputs, type BootResult } from '../../src/boot/boot.js';
import { TRAIL_CHECKS, bootWithTrail, pathChecks, type BootTrail, type TrailCheck } from '../../src/boot/decision-trail.js';
import { openhclMapToFdtNodes } from '../../src/boot/device-tree.js';
import { parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import type { PanicKind } from '../../src/boot/panic.js';
import {
  decodeSavedState,
  DRAFT_MAGIC,
  encodeSavedState,
  PERSISTED_STATE_MAGIC,
  writeHeader,
  type PersistedStateHeader,
  type SavedState,
} from '../../src/format/index.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryVtlType as T } from '../../src/memory/vtl-type.js';
import { SimulatedVm } from '../../src/sim/runner.js';
import { resolveBootInputs } from '../../src/sim/scenario-file.js';
import { parseOpenhclMap } from '../../src/usermode/openhcl-map.js';
import { writePersistedState } from '../../src/usermode/writer.js';
import { ROOT } from '../support/cli.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';
import type { Json } from '../support/vectors.js';
import { bootScenarioArb, cpuListsArb } from './arbitraries.js';

const PS_START = 0x800_0000n;
const PAYLOAD_BASE = 0x800_1000n;
const REGION_LEN = 0x1_3000n;

function inputsA(o: { shim?: Json; host?: Json } = {}): BootInputs {
  return {
    shim: parseShimParams({ ...A_SHIM_PARAMS, ...o.shim }),
    host: parseHostDt({ ...A_HOST_DT, ...o.host }),
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

interface Stage {
  edit?: (s: SavedState) => void;
  payload?: Uint8Array;
  header?: Partial<PersistedStateHeader>;
  shim?: Json;
  host?: Json;
}

/** Writes A's saved state (edited) and a matching header (edited) where A's shim looks; returns inputs and memory. */
function stage(o: Stage = {}): { inputs: BootInputs; memory: GuestMemory } {
  const state = savedA();
  o.edit?.(state);
  const payload = o.payload ?? encodeSavedState(state);
  const memory = new GuestMemory();
  memory.write(o.header?.protobufBase ?? PAYLOAD_BASE, payload);
  writeHeader(memory, PS_START, {
    magic: PERSISTED_STATE_MAGIC,
    protobufBase: PAYLOAD_BASE,
    protobufRegionLen: REGION_LEN,
    protobufPayloadLen: BigInt(payload.length),
    ...o.header,
  });
  return { inputs: inputsA(o), memory };
}

const VTL2_MODE: Json = { memory_allocation_mode: { Vtl2: { memory_size: null, mmio_size: null } } };

const ids = (t: BootTrail) => t.steps.map((s) => s.check);
const details = (t: BootTrail) => Object.fromEntries(t.steps.map((s) => [s.check, s.detail]));
const outcomes = (t: BootTrail) => Object.fromEntries(t.steps.map((s) => [s.check, s.outcome]));

/** Every step carries its check's question from the one table. */
function expectQuestions(t: BootTrail): void {
  for (const s of t.steps) expect(s.question).toBe(TRAIL_CHECKS[s.check as TrailCheck]);
}

describe('the trail of docs/examples/torn-save.json', () => {
  /** Each boot step's trail, taken on the VM's memory just before the VM itself boots there. */
  function trails(): BootTrail[] {
    const vm = SimulatedVm.fromJson(JSON.parse(readFileSync(join(ROOT, 'docs/examples/torn-save.json'), 'utf8')));
    const out: BootTrail[] = [];
    for (const step of vm.scenario.lifecycle) {
      if (step.op === 'boot') {
        const i = resolveBootInputs(vm.scenario, step);
        const t = bootWithTrail({ shim: i.shimParams, host: i.hostDt, cmdline: i.cmdlineOptions }, vm.memory);
        expect(t.result).toEqual(vm.boot(step));
        out.push(t);
      } else {
        vm.step(step);
      }
    }
    return out;
  }

  it('three boots: fresh, restored, restored again from the stale header', () => {
    const [fresh, first, torn, ...rest] = trails();
    expect(rest).toEqual([]);
    expect(fresh!.verdict).toEqual({ path: 'host', text: 'fresh boot, topology from the host (no magic)' });
    expect(first!.verdict).toEqual({ path: 'persisted', text: 'restored from persisted state (valid magic)' });
    expect(torn!.verdict).toEqual({ path: 'persisted', text: 'restored from persisted state (valid magic)' });
  });

  it('the fresh boot: every fresh-path check in order, the magic a fact, the host DT parsed first', () => {
    const t = trails()[0]!;
    expect(ids(t)).toEqual(pathChecks('host'));
    expect(ids(t)).toEqual(['host_dt', 'isolation', 'magic', 'vtl2_ram', 'mmio', 'fresh_span', 'address_space', 'private_pool', 'e820', 'openhcl_map', 'sidecar']);
    expect(outcomes(t)).toMatchObject({ host_dt: 'pass', isolation: 'pass', magic: 'info', private_pool: 'pass', sidecar: 'info' });
    expect(t.steps.filter((s) => s.outcome === 'fail' || s.outcome === 'skip')).toEqual([]);
    expect(details(t)).toEqual({
      host_dt: '8 CPU(s), 4 memory entries',
      isolation: 'not isolated: the header is read at 0x8000000',
      magic: '0x0: no magic; the fresh path',
      vtl2_ram: '1 range(s) (allocation mode Host): 0x8000000..0xc000000',
      mmio: 'VTL0 MMIO 0xf8000000..0xfc000000, 0xfc0000000..0x1000000000; VTL2 MMIO 0xf800000000..0xf808000000',
      fresh_span: '0x8000000..0x8014000 reserved (header page + 19 payload pages) in 0x8000000..0x8200000',
      address_space: 'VTL2 RAM 0x8000000..0xc000000',
      private_pool: '0xbc00000..0xc000000',
      e820: '10 entries',
      openhcl_map: '16 nodes',
      sidecar: 'unchanged',
    });
    expectQuestions(t);
  });

  it('the restores: every restore-path check passed, with the values the boot saw', () => {
    const [, first, torn] = trails();
    for (const t of [first!, torn!]) {
      expect(ids(t)).toEqual(pathChecks('persisted'));
      expect(t.steps.filter((s) => s.outcome !== 'pass').map((s) => s.check)).toEqual(['sidecar']);
      expectQuestions(t);
    }
    expect(details(first!)).toEqual({
      host_dt: '8 CPU(s), 4 memory entries',
      isolation: 'not isolated: the header is read at 0x8000000',
      magic: '0x524448504c43484f ("OHCLPHDR"): the restore path',
      region_range: '0x8001000..0x8014000 (protobuf_base 0x8001000 + protobuf_region_len 0x13000)',
      region_contained: 'region 0x8001000..0x8014000 within 0x8000000..0x8200000',
      payload_fits: 'payload 331 bytes, region 77824 bytes',
      decoded: '331 bytes: 13 memory and 3 MMIO entries; decode heap 1024 of 65536 bytes',
      cpu_lists: '3 CPU(s) to start in the kernel, at most 2048: 1, 5, 7',
      vtl2_ram_merged: '10 saved VTL2 RAM entries merged into 1 (at most 64): 0x8000000..0xc000000',
      host_ram_match: 'the 1 host VTL2 RAM range(s) equal the saved ones',
      header_entry: 'first VTL2_PERSISTED_STATE_HEADER entry 0x8000000..0x8001000',
      protobuf_entry: 'first VTL2_PERSISTED_STATE_PROTOBUF entry 0x8001000..0x8014000',
      header_adjacent: 'the header entry ends at 0x8001000, where the protobuf region starts',
      persisted_span: '0x8000000..0x8014000 carried over',
      pool_ranges: '1 pool range(s), at most 64: 0xbc00000..0xc000000',
      mmio_ranges: 'VTL0 MMIO 0xf8000000..0xfc000000, 0xfc0000000..0x1000000000; VTL2 MMIO 0xf800000000..0xf808000000 (at most 2 each)',
      address_space: 'VTL2 RAM 0x8000000..0xc000000; persisted span 0x8000000..0x8014000; pool 0xbc00000..0xc000000',
      vmbus_nodes: 'VTL0 connection 4, VTL2 connection 8388724',
      e820: '10 entries',
      openhcl_map: '16 nodes',
      sidecar: 'per_cpu_exclusion (CPUs 1, 5, 7 start in the kernel)',
    });
    const d = (t: BootTrail, c: string) => t.steps.find((s) => s.check === c)!.detail;
    // The torn save wrote a 327-byte payload under the old 331-byte header: the boot reads 331.
    expect(d(first!, 'payload_fits')).toBe('payload 331 bytes, region 77824 bytes');
    expect(d(torn!, 'payload_fits')).toBe('payload 331 bytes, region 77824 bytes');
    expect(d(first!, 'cpu_lists')).toBe('3 CPU(s) to start in the kernel, at most 2048: 1, 5, 7');
    expect(d(torn!, 'cpu_lists')).toBe('3 CPU(s) to start in the kernel, at most 2048: 1, 3, 5');
    expect(d(torn!, 'sidecar')).toBe('per_cpu_exclusion (CPUs 1, 3, 5 start in the kernel)');
  });
});

describe('paths without a restore', () => {
  it('an isolated boot ignores even a valid header: isolation a fact, magic and pool not asked', () => {
    const { memory } = stage();
    const t = bootWithTrail(inputsA({ shim: { isolation: 'Snp' } }), memory);
    expect(t.verdict).toEqual({ path: 'host', text: 'fresh boot, topology from the host (isolated (Snp): header ignored)' });
    expect(ids(t)).toEqual(pathChecks('host'));
    expect(outcomes(t)).toMatchObject({ isolation: 'info', magic: 'skip', private_pool: 'skip' });
    expect(t.steps.find((s) => s.check === 'isolation')!.detail).toBe('isolated (Snp): header ignored');
    expect(t.steps.find((s) => s.check === 'private_pool')!.detail).toBe('isolated (Snp): no private pool');
    // Mutant killed: the skipped magic's detail emptied.
    expect(t.steps.find((s) => s.check === 'magic')!.detail).toBe('the header is not read');
  });

  it('a fresh boot of A on empty memory: the same checks as the example, nothing skipped', () => {
    const t = bootWithTrail(inputsA(), new GuestMemory());
    expect(ids(t)).toEqual(pathChecks('host'));
    expect(t.steps.every((s) => s.outcome === 'pass' || (s.outcome === 'info' && ['magic', 'sidecar'].includes(s.check)))).toBe(true);
  });

  it('Vtl2 allocation mode: the restore skips the Host-mode RAM comparison and says why', () => {
    const { memory } = stage();
    const t = bootWithTrail(inputsA({ host: VTL2_MODE }), memory);
    expect(t.result.path).toBe('persisted');
    expect(t.steps.find((s) => s.check === 'host_ram_match')).toMatchObject({ outcome: 'skip', detail: 'allocation mode Vtl2: nothing to compare' });
  });
});

describe('details that depend on the values', () => {
  it('long lists are cut after 8 items with the count left; empty lists say so', () => {
    const many = stage({ edit: (s) => void (s.cpusWithOutstandingIo = Array.from({ length: 11 }, (_, i) => i)) });
    const t = bootWithTrail(many.inputs, many.memory);
    expect(details(t)['cpu_lists']).toBe('11 CPU(s) to start in the kernel, at most 2048: 0, 1, 2, 3, 4, 5, 6, 7, … (3 more)');
    expect(details(t)['sidecar']).toBe('per_cpu_exclusion (CPUs 0, 1, 2, 3, 4, 5, 6, 7, … (3 more) start in the kernel)');
    // Exactly 8 are shown whole (mutant killed: `items.length > 8` -> `>=`, "… (0 more)").
    const eight = stage({ edit: (s) => void (s.cpusWithOutstandingIo = Array.from({ length: 8 }, (_, i) => i)) });
    expect(details(bootWithTrail(eight.inputs, eight.memory))['cpu_lists']).toBe('8 CPU(s) to start in the kernel, at most 2048: 0, 1, 2, 3, 4, 5, 6, 7');
    const none = stage({
      edit: (s) => {
        s.cpusWithOutstandingIo = [];
        s.cpusWithMappedInterruptsNoIo = [];
        s.partitionMemory[10]!.vtlType = T.VTL2_RAM;
        s.partitionMmio = [];
      },
    });
    const u = bootWithTrail(none.inputs, none.memory);
    expect(details(u)['cpu_lists']).toBe('0 CPU(s) to start in the kernel, at most 2048');
    expect(details(u)['pool_ranges']).toBe('0 pool range(s), at most 64');
    expect(details(u)['mmio_ranges']).toBe('VTL0 MMIO none; VTL2 MMIO none (at most 2 each)');
  });

  it('more than 8 saved pool ranges and merged RAM ranges are cut too', () => {
    const pools = Array.from({ length: 10 }, (_, i) => ({ range: { start: 0xbe0_0000n + BigInt(i) * 0x1000n, end: 0xbe0_1000n + BigInt(i) * 0x1000n }, vnode: 0, vtlType: T.VTL2_GPA_POOL, igvmType: 3 }));
    const { inputs, memory } = stage({ host: VTL2_MODE, edit: (s) => void s.partitionMemory.splice(10, 1, ...pools) });
    const t = bootWithTrail(inputs, memory);
    expect(details(t)['pool_ranges']).toBe(
      '10 pool range(s), at most 64: 0xbe00000..0xbe01000, 0xbe01000..0xbe02000, 0xbe02000..0xbe03000, 0xbe03000..0xbe04000, 0xbe04000..0xbe05000, 0xbe05000..0xbe06000, 0xbe06000..0xbe07000, 0xbe07000..0xbe08000, … (2 more)',
    );
  });

  it('the draft magic is a fact on the way to the fresh path', () => {
    const { inputs, memory } = stage({ header: { magic: DRAFT_MAGIC } });
    const t = bootWithTrail(inputs, memory);
    expect(t.steps.find((s) => s.check === 'magic')).toMatchObject({
      outcome: 'info',
      detail: `${'0x' + DRAFT_MAGIC.toString(16)}: byte-swapped draft magic (RDHPLCHO): not the shipped magic; the fresh path`,
    });
  });
});

describe('one panic per restore-path check: the failed step is the last, and its check owns the panic', () => {
  const entry = (start: bigint, end: bigint, vtlType: number) => ({ range: { start, end }, vnode: 0, vtlType, igvmType: 3 });
  const cases: [TrailCheck, PanicKind, () => { inputs: BootInputs; memory: GuestMemory }][] = [
    ['host_dt', 'dt_error', () => stage({ host: { cpu_count: 4000 } })],
    ['region_range', 'range_start_unaligned', () => stage({ header: { protobufBase: PAYLOAD_BASE + 8n } })],
    ['region_contained', 'protobuf_region_not_contained', () => stage({ header: { protobufRegionLen: 0x20_0000n } })],
    ['payload_fits', 'payload_len_gt_region_len', () => stage({ header: { protobufPayloadLen: REGION_LEN + 1n } })],
    ['decoded', 'protobuf_decode_failed', () => stage({ payload: Uint8Array.of(0x0a, 0x05, 0x00) })],
    ['cpu_lists', 'capacity_exceeded', () => stage({ edit: (s) => void (s.cpusWithOutstandingIo = Array.from({ length: 2049 }, (_, i) => i)) })],
    [
      'vtl2_ram_merged',
      'capacity_exceeded',
      () =>
        stage({
          // 65 VTL2 RAM entries on 65 vnodes: nothing merges.
          edit: (s) =>
            void s.partitionMemory.push(...Array.from({ length: 65 }, (_, i) => ({ ...entry(0x1_0000_0000n + BigInt(i) * 0x1000n, 0x1_0000_1000n + BigInt(i) * 0x1000n, T.VTL2_RAM), vnode: i + 1 }))),
        }),
    ],
    ['host_ram_match', 'vtl2_ram_mismatch', () => stage({ edit: (s) => void (s.partitionMemory[3]!.vnode = 1) })],
    // Retyped, not removed: the saved VTL2 RAM (which ignores the VTL type) still matches the host's.
    ['header_entry', 'persisted_header_missing', () => stage({ edit: (s) => void (s.partitionMemory[1]!.vtlType = T.VTL2_RAM) })],
    ['protobuf_entry', 'persisted_protobuf_missing', () => stage({ edit: (s) => void (s.partitionMemory[2]!.vtlType = T.VTL2_RAM) })],
    ['header_adjacent', 'header_end_ne_region_start', () => stage({ header: { protobufBase: 0x800_2000n, protobufRegionLen: 0x1_2000n } })],
    [
      'persisted_span',
      'range_start_gt_end',
      () =>
        stage({
          // The header entry above the protobuf entry, still ending where the region starts.
          header: { protobufBase: 0x800_3000n, protobufRegionLen: 0x1_1000n },
          edit: (s) =>
            void s.partitionMemory.splice(
              1,
              2,
              entry(0x800_0000n, 0x800_1000n, T.VTL2_PERSISTED_STATE_PROTOBUF),
              entry(0x800_1000n, 0x800_2000n, T.VTL2_RAM),
              entry(0x800_2000n, 0x800_3000n, T.VTL2_PERSISTED_STATE_HEADER),
              entry(0x800_3000n, 0x801_4000n, T.VTL2_RAM),
            ),
        }),
    ],
    [
      'pool_ranges',
      'capacity_exceeded',
      () =>
        stage({
          // 65 more pool pages after the saved pool (they merge with it; Vtl2 mode has nothing to compare).
          host: VTL2_MODE,
          edit: (s) => void s.partitionMemory.splice(11, 0, ...Array.from({ length: 65 }, (_, i) => entry(0xc00_0000n + BigInt(i) * 0x1000n, 0xc00_1000n + BigInt(i) * 0x1000n, T.VTL2_GPA_POOL))),
        }),
    ],
    ['mmio_ranges', 'capacity_exceeded', () => stage({ edit: (s) => void s.partitionMmio.push(...Array.from({ length: 3 }, () => ({ range: { start: 0n, end: 0n }, vtlType: T.VTL0_MMIO }))) })],
    ['address_space', 'walk_right_not_sorted', () => stage({ shim: { used: { start: '0x8000000', end: '0xbf00000' } } })],
    ['vmbus_nodes', 'dt_error', () => stage({ host: { vmbus_vtl0: null } })],
  ];

  test.each(cases)('%s: %s', (check, kind, make) => {
    const { inputs, memory } = make();
    const t = bootWithTrail(inputs, memory);
    if (t.result.path !== 'panic') throw new Error(`expected a panic, got ${t.result.path}`);
    expect(t.result.panicKind).toBe(kind);
    const last = t.steps.at(-1)!;
    expect(last).toEqual({ check, question: TRAIL_CHECKS[check], outcome: 'fail', detail: t.result.panic });
    expect(t.verdict).toEqual({ path: 'panic', text: `openhcl_boot would panic: ${t.result.panic}` });
    // Everything before the failure was asked in order and did not fail.
    const order = pathChecks(check === 'host_dt' ? 'host' : 'persisted');
    expect(ids(t)).toEqual(order.slice(0, order.indexOf(check) + 1));
    expect(t.steps.slice(0, -1).every((s) => s.outcome !== 'fail')).toBe(true);
    expect(t.result).toEqual(boot(inputs, memory));
  });

  it('a host DT panic precedes the header checks, as upstream parses the DT first', () => {
    const { inputs, memory } = stage({ host: { cpu_count: 4000 } });
    expect(ids(bootWithTrail(inputs, memory))).toEqual(['host_dt']);
  });
});

describe('the recorder changes nothing', () => {
  it('fresh boots of valid inputs: the same result with and without the trail, and the trail is the whole fresh path', () => {
    fc.assert(
      fc.property(bootScenarioArb, (sc) => {
        const inputs = { shim: sc.shim, host: sc.host, cmdline: sc.cmdline };
        const t = bootWithTrail(inputs, new GuestMemory());
        expect(t.result).toEqual(boot(inputs, new GuestMemory()));
        expect(t.verdict.path).toBe(t.result.path);
        if (t.result.path !== 'panic') expect(ids(t)).toEqual(pathChecks('host'));
      }),
      { numRuns: 40 },
    );
  });

  it('restores of real saves, with the header and payload bytes corrupted: the same result, and a trail that ends where the boot did', () => {
    const corruption = fc.record({ at: fc.nat(0x1000 + 400), value: fc.integer({ min: 0, max: 255 }), hit: fc.boolean() });
    fc.assert(
      fc.property(bootScenarioArb, cpuListsArb, corruption, (sc, cpus, c) => {
        const inputs = { shim: sc.shim, host: sc.host, cmdline: sc.cmdline };
        const fresh = boot(inputs, new GuestMemory());
        if (fresh.path === 'panic') return;
        const memory = new GuestMemory();
        writePersistedState(memory, parseOpenhclMap(openhclMapToFdtNodes(fresh.openhclMemoryMap)), cpus);
        if (c.hit) memory.write(sc.shim.persistedState.start + BigInt(c.at), Uint8Array.of(c.value));
        const t = bootWithTrail(inputs, memory);
        const plain: BootResult = boot(inputs, memory);
        expect(t.result).toEqual(plain);
        expect(t.verdict.path).toBe(plain.path);
        const path = plain.path === 'panic' ? plain.attemptedPath : plain.path;
        const order = pathChecks(path);
        expect(ids(t)).toEqual(order.slice(0, t.steps.length));
        if (plain.path === 'panic') expect(t.steps.at(-1)).toMatchObject({ outcome: 'fail', detail: plain.panic });
        else expect(t.steps.length).toBe(order.length);
      }),
      { numRuns: 60 },
    );
  });
});
