/**
 * The restore path, rule by rule: upstream `read_persisted_region_header` and
 * `topology_from_persisted_state` (`openhcl_boot` `host_params/dt/mod.rs`) check by check, the
 * sidecar gate in `read_from_dt`, and the upstream quirks of docs/boot-shim.md.
 *
 * Every case starts from worked example A (x86, Host mode, 64 MiB of VTL2 at 0x8000000, persisted
 * region 0x8000000–0x8200000). The base payload is the one a real fresh boot of A produces: boot A
 * on empty memory, parse its `/openhcl` map as usermode does, and run the usermode writer. Each
 * row then mutates the decoded state or the header, writes the payload with `encodeSavedState`
 * at the payload region and the header with `writeHeader` at `persisted_state.start` of a fresh
 * `GuestMemory`, and boots. Rows assert the exact outcome: path, attempted path, panic kind and
 * the exact panic text (or its fixed prefix), or the exact carried-over values.
 */
import { describe, expect, it } from 'vitest';

import { boot, type BootInputs, type BootResult, type BootSuccess } from '../../src/boot/boot.js';
import { openhclMapToFdtNodes } from '../../src/boot/device-tree.js';
import { parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import type { PanicKind } from '../../src/boot/panic.js';
import {
  decodeSavedState,
  DRAFT_MAGIC,
  encodeSavedState,
  PERSISTED_STATE_MAGIC,
  readHeader,
  writeHeader,
  type MemoryEntry,
  type MmioEntry,
  type PersistedStateHeader,
  type SavedState,
} from '../../src/format/index.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import type { MemoryRange } from '../../src/memory/range.js';
import { igvmTypeName, MemoryVtlType as T } from '../../src/memory/vtl-type.js';
import { runScenario } from '../../src/sim/runner.js';
import { parseScenario } from '../../src/sim/scenario-file.js';
import { parseOpenhclMap } from '../../src/usermode/openhcl-map.js';
import { writePersistedState } from '../../src/usermode/writer.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';
import type { Json } from '../support/vectors.js';

// ---------------------------------------------------------------------------------------------
// Fixture: worked example A's inputs (test/support/fixtures.ts), and overrides of them.

/** Host-DT override for VTL2 self-allocation mode (no Host-mode cross-check). */
const VTL2_MODE: Json = { memory_allocation_mode: { Vtl2: { memory_size: null, mmio_size: null } } };

/** Shallow overrides of the three fixture inputs, as a scenario's `…_override` merges them. */
interface InputOverrides {
  shim?: Json;
  host?: Json;
  cmdline?: Json;
}

function inputsA(o: InputOverrides = {}): BootInputs {
  return {
    shim: parseShimParams({ ...A_SHIM_PARAMS, ...o.shim }),
    host: parseHostDt({ ...A_HOST_DT, ...o.host }),
    cmdline: parseCmdlineOptions({ ...A_CMDLINE_OPTIONS, ...o.cmdline }),
  };
}

// ---------------------------------------------------------------------------------------------
// The base payload: what a real fresh boot of A, then a servicing save, leaves in memory.

const PS_START = 0x800_0000n;
const PAYLOAD_BASE = 0x800_1000n;
const REGION_LEN = 0x1_3000n;

const FRESH = boot(inputsA(), new GuestMemory());
if (FRESH.path !== 'host') throw new Error(`fixture: the fresh boot of A must succeed on the host path, got ${FRESH.path}`);
const PARSED_MAP = parseOpenhclMap(openhclMapToFdtNodes(FRESH.openhclMemoryMap));

/** A real save of A's fresh boot: the payload and header the usermode writer produced, in a fresh memory. */
function realSave(cpus = { noIo: [2], outstanding: [1] }) {
  const memory = new GuestMemory();
  const saved = writePersistedState(memory, PARSED_MAP, cpus);
  return { memory, saved };
}

/** A fresh copy of the base decoded SavedState (CPU lists no_io [2], outstanding [1], as worked example A saves). */
function baseState(): SavedState {
  return decodeSavedState(realSave().saved.payload);
}

/** Indices of the base state's memory entries (asserted by the first test). */
const I = {
  VTL0_LOW: 0, // [0, 0x8000000)            VTL0, MEMORY
  HEADER: 1, // [0x8000000, 0x8001000)      VTL2_PERSISTED_STATE_HEADER
  PAYLOAD: 2, // [0x8001000, 0x8014000)     VTL2_PERSISTED_STATE_PROTOBUF
  RAM1: 3, // [0x8014000, 0x8bfc000)        VTL2_RAM
  RESERVED: 4, // [0x8bfc000, 0x8c00000)    VTL2_RESERVED
  CONFIG1: 5, // [0x8c00000, 0x8c28000)     VTL2_CONFIG
  RAM2: 6, // [0x8c28000, 0x8c68000)        VTL2_RAM (reclaimed host-DT pages)
  CONFIG2: 7, // [0x8c68000, 0x8d6a000)     VTL2_CONFIG
  LOG: 8, // [0x8d6a000, 0x8d6c000)         VTL2_BOOTSHIM_LOG_BUFFER
  RAM3: 9, // [0x8d6c000, 0xbe00000)        VTL2_RAM
  POOL: 10, // [0xbe00000, 0xc000000)       VTL2_GPA_POOL
  VTL0_MID: 11, // [0xc000000, 0x80000000)  VTL0, MEMORY
  VTL0_HIGH: 12, // [0x100000000, 0x200000000) VTL0, MEMORY
} as const;

/** A memory entry; VTL2 entries default to A's (VTL2_PROTECTABLE, vnode 0). */
function mem(start: bigint, end: bigint, vtlType: number, o: { vnode?: number; igvm?: number } = {}): MemoryEntry {
  return { range: { start, end }, vnode: o.vnode ?? 0, vtlType, igvmType: o.igvm ?? 3 };
}

/** The all-default memory entry (range 0..0, VTL0): encodes as `0a 00`, 2 bytes. */
const PAD: MemoryEntry = { range: { start: 0n, end: 0n }, vnode: 0, vtlType: T.VTL0, igvmType: 0 };

function mmio(start: bigint, end: bigint, vtlType: number): MmioEntry {
  return { range: { start, end }, vtlType };
}

/** Applies `f` to a fresh base state and returns it. */
function withState(f: (s: SavedState) => void): SavedState {
  const s = baseState();
  f(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Staging and running.

interface Stage extends InputOverrides {
  /** The payload: a state (encoded with `encodeSavedState`) or raw bytes. Default: the base state. */
  state?: SavedState;
  payload?: Uint8Array;
  /** Where the payload bytes go; default the header's `protobuf_base`. */
  payloadAt?: bigint;
  /** Header fields; defaults: the magic, base 0x8001000, region 0x13000, payload len = payload length. */
  header?: Partial<PersistedStateHeader>;
}

interface Staged {
  memory: GuestMemory;
  inputs: BootInputs;
  header: PersistedStateHeader;
  payload: Uint8Array;
}

function stage(s: Stage = {}): Staged {
  const payload = s.payload ?? encodeSavedState(s.state ?? baseState());
  const header: PersistedStateHeader = {
    magic: PERSISTED_STATE_MAGIC,
    protobufBase: PAYLOAD_BASE,
    protobufRegionLen: REGION_LEN,
    protobufPayloadLen: BigInt(payload.length),
    ...s.header,
  };
  const memory = new GuestMemory();
  memory.write(s.payloadAt ?? header.protobufBase, payload);
  writeHeader(memory, PS_START, header);
  return { memory, inputs: inputsA(s), header, payload };
}

function run(s: Staged): BootResult {
  return boot(s.inputs, s.memory);
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

// Readable forms of the results.
const rs = (ranges: readonly MemoryRange[]): string[] => ranges.map((r) => r.toString());
const ramOf = (r: BootSuccess): string[] => r.vtl2Ram.map((e) => `${e.range} ${igvmTypeName(e.memType) ?? e.memType} v${e.vnode}`);
const reservedOf = (r: BootSuccess): string[] => r.memreserve.map((e) => `${e.range} ${e.type}`);

/** The exact outcome of a boot. */
type Outcome =
  | { panic: PanicKind; attemptedPath?: 'persisted' | 'host'; text?: string; prefix?: string; heap?: BootResult['bumpHeap'] }
  | { path: 'persisted' | 'host'; check: (r: BootSuccess, s: Staged) => void };

interface Row {
  rule: string;
  name: string;
  stage: () => Staged;
  outcome: Outcome;
}

function verify(row: Row): void {
  const s = row.stage();
  const r = run(s);
  const o = row.outcome;
  if ('panic' in o) {
    expect(r.path, r.path === 'panic' ? r.panic : `expected a panic, got path ${r.path}`).toBe('panic');
    if (r.path !== 'panic') return;
    const attemptedPath = o.attemptedPath ?? 'persisted';
    expect({ attemptedPath: r.attemptedPath, panicKind: r.panicKind }).toEqual({ attemptedPath, panicKind: o.panic });
    if (o.text !== undefined) expect(r.panic).toBe(o.text);
    if (o.prefix !== undefined) expect(r.panic.slice(0, o.prefix.length)).toBe(o.prefix);
    if (o.text === undefined && o.prefix === undefined) throw new Error(`row ${row.rule} ${row.name}: give the text or a prefix`);
    // Every restore-path panic happens after the magic matched: the header read is reported.
    if (attemptedPath === 'persisted') expect(r.persistedHeader).toEqual(s.header);
    if (o.heap !== undefined) expect(r.bumpHeap).toEqual(o.heap);
  } else {
    expect(r.path, r.path === 'panic' ? `${r.panicKind}: ${r.panic}` : r.path).toBe(o.path);
    if (r.path === 'panic') return;
    o.check(r, s);
  }
}

/** Runs a table of rows, one test per row. */
function table(rows: Row[]): void {
  it.each(rows.map((row) => [`${row.rule}: ${row.name}`, row] as const))('%s', (_, row) => verify(row));
}

// ---------------------------------------------------------------------------------------------
// Expected values of the base restore.

const BASE_RAM = ['0x8000000..0xc000000 VTL2_PROTECTABLE v0'];
const BASE_POOL = ['0xbe00000..0xc000000'];
const BASE_VTL0_MMIO = ['0xf8000000..0xfc000000', '0xfc0000000..0x1000000000'];
const BASE_VTL2_MMIO = ['0xf800000000..0xf808000000'];
const BASE_MEMRESERVE = [
  '0x8000000..0x8001000 PersistedStateHeader',
  '0x8001000..0x8014000 PersistedStatePayload',
  '0x8bfc000..0x8c00000 Vtl2Reserved',
  '0x8c00000..0x8c28000 Vtl2Config',
  '0x8c68000..0x8d6a000 Vtl2Config',
  '0x8d6a000..0x8d6c000 BootshimLogBuffer',
  '0xbe00000..0xc000000 Vtl2GpaPool',
];

/** The base restore's carried-over topology (A's "persisted" step). */
function expectBaseTopology(r: BootSuccess): void {
  expect(ramOf(r)).toEqual(BASE_RAM);
  expect(rs(r.poolRanges)).toEqual(BASE_POOL);
  expect(r.hasVtl2Pool).toBe(true);
  expect(rs(r.vtl0Mmio)).toEqual(BASE_VTL0_MMIO);
  expect(rs(r.vtl2Mmio)).toEqual(BASE_VTL2_MMIO);
  expect(reservedOf(r)).toEqual(BASE_MEMRESERVE);
}

const ASSERT_EQ = 'assertion `left == right` failed';
const RAM_MISMATCH = `${ASSERT_EQ}: vtl2 ram from persisted state does not match host provided ram`;
/** How the mismatch panic prints A's host VTL2 RAM (and the base's merged saved RAM): `{:?}` of the list, decimal. */
const A_RAM_DEBUG = '[MemoryEntry { range: MemoryRange { start: 134217728, end: 201326592 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }]';
const decodeFailed = (variant: string) => `failed to decode protobuf: Error(ErrorInner { types: [], err: ${variant} })`;
const notContained = (start: string, end: string) =>
  `protobuf region MemoryRange {\n    start: ${start},\n    end: ${end},\n} is not contained within the persisted state region MemoryRange {\n    start: 0x8000000,\n    end: 0x8200000,\n}`;

// =============================================================================================

describe('fixture', () => {
  it('the base payload is the real save of A: 330 bytes, 13 memory entries in map order, 3 MMIO entries', () => {
    const { memory, saved } = realSave();
    expect(saved.payload.length).toBe(330);
    expect(saved.payloadWrittenAt).toBe(PAYLOAD_BASE);
    expect(readHeader(memory, PS_START)).toEqual({
      status: 'valid',
      header: { magic: PERSISTED_STATE_MAGIC, protobufBase: PAYLOAD_BASE, protobufRegionLen: REGION_LEN, protobufPayloadLen: 330n },
    });
    const s = baseState();
    const show = (e: MemoryEntry) => `${e.range.start.toString(16)}..${e.range.end.toString(16)} t${e.vtlType} i${e.igvmType} v${e.vnode}`;
    expect(s.partitionMemory.map(show)).toEqual([
      '0..8000000 t0 i0 v0',
      '8000000..8001000 t11 i3 v0',
      '8001000..8014000 t12 i3 v0',
      '8014000..8bfc000 t1 i3 v0',
      '8bfc000..8c00000 t7 i3 v0',
      '8c00000..8c28000 t2 i3 v0',
      '8c28000..8c68000 t1 i3 v0',
      '8c68000..8d6a000 t2 i3 v0',
      '8d6a000..8d6c000 t10 i3 v0',
      '8d6c000..be00000 t1 i3 v0',
      'be00000..c000000 t8 i3 v0',
      'c000000..80000000 t0 i0 v0',
      '100000000..200000000 t0 i0 v0',
    ]);
    expect(s.partitionMmio.map((e) => `${e.range.start.toString(16)}..${e.range.end.toString(16)} t${e.vtlType}`)).toEqual([
      'f8000000..fc000000 t5',
      'fc0000000..1000000000 t5',
      'f800000000..f808000000 t6',
    ]);
    expect(s.cpusWithMappedInterruptsNoIo).toEqual([2]);
    expect(s.cpusWithOutstandingIo).toEqual([1]);
    expect(I.VTL0_HIGH + 1).toBe(s.partitionMemory.length);
  });

  it('restoring the real save gives A\'s "persisted" step exactly', () => {
    const { memory } = realSave();
    const r = boot(inputsA(), memory);
    expect(r.path).toBe('persisted');
    if (r.path !== 'persisted') return;
    expect(r.reason).toBe('valid magic');
    expectBaseTopology(r);
    expect(r.sidecarExcludedCpus).toEqual([1, 2]);
    expect(r.sidecarAction).toBe('per_cpu_exclusion');
    expect(r.memoryAllocationMode).toEqual({ kind: 'Host' });
    expect(r.vmbusConnectionIds).toEqual({ vtl0: 4, vtl2: 8388724 });
    expect(r.persistedHeader).toEqual({ magic: PERSISTED_STATE_MAGIC, protobufBase: PAYLOAD_BASE, protobufRegionLen: REGION_LEN, protobufPayloadLen: 330n });
    // 13 memory entries → Vec capacities 4, 8, 16 (28 × 32 = 896 B); 3 MMIO → 4 × 24 = 96 B; two CPU lists 16 B each.
    expect(r.bumpHeap).toEqual({ bytes: 1024, allocations: 6, capacity: 65536, exhausted: false });
  });
});

// =============================================================================================

describe('read_persisted_region_header: which path', () => {
  // A header whose other fields would fail the payload-length check if they were ever inspected.
  const poisoned = { protobufPayloadLen: 0xffff_ffff_ffff_ffffn };
  const fresh = (reason: string): Outcome => ({
    path: 'host',
    check: (r) => {
      expect(r.reason).toBe(reason);
      expect(r.persistedHeader).toBeUndefined();
      expect(r.bumpHeap).toBeUndefined();
      // The fresh path allocated a new pool (A's heuristic: 2 MiB at the top of vnode 0).
      expect(rs(r.poolRanges)).toEqual(BASE_POOL);
    },
  });
  const isolated = (isolation: 'Vbs' | 'Snp' | 'Tdx'): Row => ({
    rule: 'header read',
    name: `isolation ${isolation} with a valid magic → fresh path, header not even read`,
    stage: () => stage({ header: poisoned, shim: { isolation } }),
    outcome: {
      path: 'host',
      check: (r) => {
        expect(r.reason).toBe(`isolated (${isolation}): header ignored`);
        expect(r.persistedHeader).toBeUndefined();
        expect(r.bumpHeap).toBeUndefined();
      },
    },
  });

  table([
    {
      rule: 'header read',
      name: 'control: the same valid header with isolation None → restore path',
      stage: () => stage(),
      outcome: { path: 'persisted', check: (r) => expect(r.reason).toBe('valid magic') },
    },
    isolated('Vbs'),
    isolated('Snp'),
    isolated('Tdx'),
    {
      rule: 'header read',
      name: 'magic 0 → fresh path ("no magic"), other fields not inspected',
      stage: () => stage({ header: { ...poisoned, magic: 0n } }),
      outcome: fresh('no magic'),
    },
    {
      rule: 'header read',
      name: 'byte-swapped draft magic (memory reads "RDHPLCHO") → fresh path, reason says draft magic',
      stage: () => stage({ header: { ...poisoned, magic: DRAFT_MAGIC } }),
      outcome: fresh('byte-swapped draft magic (RDHPLCHO): not the shipped magic'),
    },
  ]);

  it('header read: each of the 64 single-bit flips of the magic → fresh path ("no magic")', () => {
    const seen = new Set<string>();
    for (let bit = 0n; bit < 64n; bit++) {
      const s = stage({ header: { ...poisoned, magic: PERSISTED_STATE_MAGIC ^ (1n << bit) } });
      const r = run(s);
      seen.add(r.path === 'panic' ? `panic ${r.panic}` : `${r.path} ${r.reason} ${String(r.persistedHeader)}`);
    }
    expect([...seen]).toEqual(['host no magic undefined']);
  });

  it('header read: the magic bytes in memory are "OHCLPHDR"; a header written anywhere but persisted_state.start is not seen', () => {
    const s = stage();
    expect(Buffer.from(s.memory.read(PS_START, 8n)).toString('latin1')).toBe('OHCLPHDR');
    // Move the whole image up by 2 MiB (a VTL2 reload at a new base): the header at the old base is not found.
    const moved = inputsA({ shim: { persisted_state: { start: '0x8200000', end: '0x8400000' } } });
    const r = boot(moved, s.memory);
    expect(r.path === 'panic' ? r.panic : [r.path, r.reason]).toEqual(['host', 'no magic']);
  });
});

// =============================================================================================

describe('topology_from_persisted_state: region = MemoryRange::new(protobuf_base .. protobuf_base + protobuf_region_len)', () => {
  const START_UNALIGNED = 'assertion failed: range.start & (PAGE_SIZE - 1) == 0';
  const END_UNALIGNED = 'assertion failed: range.end & (PAGE_SIZE - 1) == 0';
  const START_GT_END = 'assertion failed: range.start <= range.end';
  table([
    {
      rule: 'region',
      name: 'protobuf_base 0x8001010 (unaligned) → range_start_unaligned',
      stage: () => stage({ header: { protobufBase: 0x800_1010n }, payloadAt: PAYLOAD_BASE }),
      outcome: { panic: 'range_start_unaligned', text: START_UNALIGNED },
    },
    {
      rule: 'region',
      name: 'start and end both unaligned → the start is checked first',
      stage: () => stage({ header: { protobufBase: 0x800_1010n, protobufRegionLen: 0x1_3001n }, payloadAt: PAYLOAD_BASE }),
      outcome: { panic: 'range_start_unaligned', text: START_UNALIGNED },
    },
    {
      rule: 'region before containment',
      name: 'unaligned base far outside the persisted region → still range_start_unaligned',
      stage: () => stage({ header: { protobufBase: 0x900_0010n }, payloadAt: PAYLOAD_BASE }),
      outcome: { panic: 'range_start_unaligned', text: START_UNALIGNED },
    },
    {
      rule: 'region',
      name: 'region len 0x13001 (not a page multiple) → range_end_unaligned',
      stage: () => stage({ header: { protobufRegionLen: 0x1_3001n } }),
      outcome: { panic: 'range_end_unaligned', text: END_UNALIGNED },
    },
    {
      rule: 'region',
      name: 'base 0x8001000 + len 2^64 − 0x1000 wraps to end 0x8000000 (release build) → range_start_gt_end',
      stage: () => stage({ header: { protobufRegionLen: (1n << 64n) - 0x1000n } }),
      outcome: { panic: 'range_start_gt_end', text: START_GT_END },
    },
    {
      rule: 'region',
      name: 'base 0xfffffffffffff000 + len 0x1000 wraps to end 0 → range_start_gt_end',
      stage: () => stage({ header: { protobufBase: 0xffff_ffff_ffff_f000n }, payloadAt: PAYLOAD_BASE }),
      outcome: { panic: 'range_start_gt_end', text: START_GT_END },
    },
  ]);
});

describe('topology_from_persisted_state: the new image\'s persisted_state must contain the region', () => {
  table([
    {
      rule: 'containment',
      name: 'region entirely above the persisted region → protobuf_region_not_contained',
      stage: () => stage({ header: { protobufBase: 0x820_0000n, protobufRegionLen: 0x1000n, protobufPayloadLen: 0n } }),
      outcome: { panic: 'protobuf_region_not_contained', text: notContained('0x8200000', '0x8201000') },
    },
    {
      rule: 'containment',
      name: 'region ending past persisted_state.end (HV1) → protobuf_region_not_contained',
      stage: () => stage({ header: { protobufRegionLen: 0x20_0000n, protobufPayloadLen: 0n } }),
      outcome: { panic: 'protobuf_region_not_contained', text: notContained('0x8001000', '0x8201000') },
    },
    {
      rule: 'containment',
      name: 'region starting before persisted_state.start → protobuf_region_not_contained',
      stage: () => stage({ header: { protobufBase: 0x7ff_f000n, protobufRegionLen: 0x2000n, protobufPayloadLen: 0n }, payloadAt: PAYLOAD_BASE }),
      outcome: { panic: 'protobuf_region_not_contained', text: notContained('0x7fff000', '0x8001000') },
    },
    {
      rule: 'containment before payload len',
      name: 'region outside AND payload_len > region_len → the containment panic comes first',
      stage: () => stage({ header: { protobufBase: 0x820_0000n, protobufRegionLen: 0x1000n, protobufPayloadLen: 0x2000n } }),
      outcome: { panic: 'protobuf_region_not_contained', text: notContained('0x8200000', '0x8201000') },
    },
    {
      rule: 'containment (boundary)',
      name: 'region == the whole persisted region is contained; payload_len 0 then fails only at the Host-mode cross-check',
      stage: () => stage({ header: { protobufBase: PS_START, protobufRegionLen: 0x20_0000n, protobufPayloadLen: 0n }, payloadAt: PAYLOAD_BASE }),
      outcome: { panic: 'vtl2_ram_mismatch', text: `${RAM_MISMATCH}\n  left: []\n right: ${A_RAM_DEBUG}` },
    },
  ]);
});

describe('topology_from_persisted_state: protobuf_payload_len <= protobuf_region_len', () => {
  table([
    {
      rule: 'payload len',
      name: 'payload_len == region_len (0x13000) is accepted: the zero tail decodes as ignored `00 00` pairs',
      stage: () => stage({ header: { protobufPayloadLen: REGION_LEN } }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(r.persistedHeader?.protobufPayloadLen).toBe(REGION_LEN);
          expectBaseTopology(r);
          expect(r.sidecarExcludedCpus).toEqual([1, 2]);
        },
      },
    },
    {
      rule: 'payload len',
      name: 'payload_len == region_len + 1 → payload_len_gt_region_len, both in decimal (HV0)',
      stage: () => stage({ header: { protobufPayloadLen: REGION_LEN + 1n } }),
      outcome: { panic: 'payload_len_gt_region_len', text: 'protobuf payload len 77825 is larger than region len 77824' },
    },
    {
      rule: 'payload len',
      name: 'payload_len u64::MAX → payload_len_gt_region_len (decimal, no wrap)',
      stage: () => stage({ header: { protobufPayloadLen: 0xffff_ffff_ffff_ffffn } }),
      outcome: {
        panic: 'payload_len_gt_region_len',
        text: 'protobuf payload len 18446744073709551615 is larger than region len 77824',
      },
    },
    {
      rule: 'payload len, decode',
      name: 'payload_len 0 decodes to the empty state; Host mode → vtl2_ram_mismatch (HV3)',
      stage: () => stage({ header: { protobufPayloadLen: 0n } }),
      outcome: {
        panic: 'vtl2_ram_mismatch',
        text: `${RAM_MISMATCH}\n  left: []\n right: ${A_RAM_DEBUG}`,
        heap: { bytes: 0, allocations: 0, capacity: 65536, exhausted: false },
      },
    },
    {
      rule: 'payload len, decode',
      name: 'payload_len 0 in Vtl2 mode (no Host-mode cross-check) → persisted_header_missing',
      stage: () => stage({ header: { protobufPayloadLen: 0n }, host: VTL2_MODE }),
      outcome: { panic: 'persisted_header_missing', text: 'persisted state header missing' },
    },
  ]);
});

// =============================================================================================

describe('topology_from_persisted_state: decode with the 64 KiB bump heap', () => {
  /*
   * Heap arithmetic (upstream `bump_alloc.rs`; src/boot/bump-heap.ts). The heap never frees, so every Vec
   * growth is a fresh allocation; capacity goes 0 → 4 → 8 → … (doubling). Element sizes:
   * MemoryEntry 32 B, MmioEntry 24 B, CPU id 4 B.
   *
   *   memory entries 1..512 → capacities 4, 8, …, 512: 32 × (4 + 8 + … + 512) = 32 × 1020 = 32 640 B
   *   entry 513             → capacity 1024:           32 × 1024               = 32 768 B
   *   32 640 + 32 768 = 65 408 ≤ 65 536, so memory entries alone fit up to 1024 of them;
   *   entry 1025            → capacity 2048:           32 × 2048               = 65 536 B → fails.
   *
   * The 32 768-byte growth fails only when more than 65 536 − 65 408 = 128 bytes were allocated
   * before it: MMIO (1–4 entries) = 96 B, a CPU list of 1–4 ids = 16 B, of 5–8 ids = 16 + 32 = 48 B.
   * With A's own lists (3 MMIO, [2], [1]) that is exactly 96 + 16 + 16 = 128 B: 513 entries fit with
   * the heap exactly full (65 536 B), whichever order the fields come in. Five ids in field 3
   * instead of one make it 96 + 48 + 16 = 160 B; with those fields on the wire BEFORE the memory
   * entries, 160 + 32 640 = 32 800 B are in use when entry 513 asks for 32 768 B: 65 568 > 65 536.
   */
  const pad = (s: SavedState, n: number) => {
    for (let i = 0; i < n; i++) s.partitionMemory.push({ ...PAD, range: { start: 0n, end: 0n } });
  };
  /** The base state with VTL0 padding up to `total` memory entries (VTL0 entries are ignored on restore, an upstream quirk). */
  const padded = (total: number) => withState((s) => pad(s, total - s.partitionMemory.length));
  /** The base state's memory entries only (padded to `total`), and everything else in a separate prefix message. */
  const splitWire = (noIo: number[]) => {
    const s = padded(513);
    const prefix: SavedState = { partitionMemory: [], partitionMmio: s.partitionMmio, cpusWithMappedInterruptsNoIo: noIo, cpusWithOutstandingIo: [1] };
    const memoryOnly: SavedState = { partitionMemory: s.partitionMemory, partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] };
    // Concatenated protobuf messages merge: repeated fields append, in wire order.
    return concat(encodeSavedState(prefix), encodeSavedState(memoryOnly));
  };

  table([
    {
      rule: 'decode',
      name: 'a lone key byte `0a` (length varint missing) → protobuf_decode_failed EofVarInt',
      stage: () => stage({ payload: Uint8Array.of(0x0a) }),
      outcome: { panic: 'protobuf_decode_failed', text: decodeFailed('EofVarInt') },
    },
    {
      rule: 'decode',
      name: '`0a 05 01` (length 5, one byte left) → protobuf_decode_failed EofByteArray',
      stage: () => stage({ payload: Uint8Array.of(0x0a, 0x05, 0x01) }),
      outcome: { panic: 'protobuf_decode_failed', text: decodeFailed('EofByteArray') },
    },
    {
      rule: 'decode',
      name: 'the real payload + one zero byte (payload_len 331): a lone trailing `00` → EofVarInt',
      stage: () => stage({ header: { protobufPayloadLen: 331n } }),
      outcome: { panic: 'protobuf_decode_failed', text: decodeFailed('EofVarInt') },
    },
    {
      rule: 'decode',
      name: 'the real payload + two zero bytes (payload_len 332): `00 00` is ignored → restore',
      stage: () => stage({ header: { protobufPayloadLen: 332n } }),
      outcome: { path: 'persisted', check: (r) => expectBaseTopology(r) },
    },
    {
      rule: 'decode (boundary)',
      name: '513 memory entries first, then A\'s MMIO and CPU lists: the heap ends exactly full (65 536 B) → restore',
      stage: () => stage({ state: padded(513) }),
      outcome: {
        path: 'persisted',
        check: (r, s) => {
          expect(s.payload.length).toBeLessThanOrEqual(Number(REGION_LEN));
          // memory 4..1024 (9 allocations, 65 408 B) + MMIO 96 B + 16 B + 16 B.
          expect(r.bumpHeap).toEqual({ bytes: 65536, allocations: 12, capacity: 65536, exhausted: false });
          expectBaseTopology(r);
        },
      },
    },
    {
      rule: 'decode (boundary)',
      name: 'A\'s MMIO and CPU lists (128 B) BEFORE 513 memory entries: 128 + 32 640 + 32 768 = 65 536 → restore',
      stage: () => stage({ payload: splitWire([2]) }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(r.bumpHeap).toEqual({ bytes: 65536, allocations: 12, capacity: 65536, exhausted: false });
          expectBaseTopology(r);
        },
      },
    },
    {
      rule: 'decode',
      name: '160 B of MMIO/CPU lists before 513 memory entries → bump_heap_exhausted "memory allocation of 32768 bytes failed"',
      stage: () => stage({ payload: splitWire([2, 3, 4, 5, 6]) }),
      outcome: {
        panic: 'bump_heap_exhausted',
        text: 'memory allocation of 32768 bytes failed',
        // MMIO 96 + field 3 (16 + 32) + field 4 16 + memory 4..512 (32 640) = 32 800 B in 1 + 2 + 1 + 8 allocations.
        heap: { bytes: 32800, allocations: 12, capacity: 65536, exhausted: true },
      },
    },
    {
      rule: 'decode',
      name: '1025 memory entries in field order → bump_heap_exhausted "memory allocation of 65536 bytes failed"',
      stage: () => stage({ state: padded(1025) }),
      outcome: {
        panic: 'bump_heap_exhausted',
        text: 'memory allocation of 65536 bytes failed',
        heap: { bytes: 65408, allocations: 9, capacity: 65536, exhausted: true },
      },
    },
  ]);
});

// =============================================================================================

describe('sidecar exclusion list (topology_from_persisted_state, read_from_dt)', () => {
  const withCpus = (noIo: number[], outstanding: number[], host?: Json): Staged =>
    stage({
      state: withState((s) => {
        s.cpusWithMappedInterruptsNoIo = noIo;
        s.cpusWithOutstandingIo = outstanding;
      }),
      ...(host && { host }),
    });
  const sidecar = (excluded: number[], action: BootSuccess['sidecarAction']): Outcome => ({
    path: 'persisted',
    check: (r) => expect({ excluded: r.sidecarExcludedCpus, action: r.sidecarAction }).toEqual({ excluded, action }),
  });
  table([
    {
      rule: 'CPU union',
      name: 'no_io [5, 3, 3, 0] ∪ outstanding [3, 1] → sorted, de-duplicated [0, 1, 3, 5], per_cpu_exclusion',
      stage: () => withCpus([5, 3, 3, 0], [3, 1]),
      outcome: sidecar([0, 1, 3, 5], 'per_cpu_exclusion'),
    },
    {
      rule: 'CPU union',
      name: 'only field 3 (no_io [7]) → [7], per_cpu_exclusion',
      stage: () => withCpus([7], []),
      outcome: sidecar([7], 'per_cpu_exclusion'),
    },
    {
      rule: 'CPU union',
      name: 'only field 4 (outstanding [9, 8]) → [8, 9], per_cpu_exclusion',
      stage: () => withCpus([], [9, 8]),
      outcome: sidecar([8, 9], 'per_cpu_exclusion'),
    },
    {
      rule: 'sidecar gate (boundary)',
      name: 'largest id 399 → per_cpu_exclusion',
      stage: () => withCpus([399], []),
      outcome: sidecar([399], 'per_cpu_exclusion'),
    },
    {
      rule: 'sidecar gate',
      name: 'an id of 400 → DisabledServicing',
      stage: () => withCpus([1], [400]),
      outcome: sidecar([1, 400], 'DisabledServicing'),
    },
    {
      rule: 'sidecar gate (boundary)',
      name: 'cpu_count 400 with [1] → per_cpu_exclusion',
      stage: () => withCpus([1], [], { cpu_count: 400 }),
      outcome: sidecar([1], 'per_cpu_exclusion'),
    },
    {
      rule: 'sidecar gate',
      name: 'cpu_count 401 with [1] → DisabledServicing',
      stage: () => withCpus([1], [], { cpu_count: 401 }),
      outcome: sidecar([1], 'DisabledServicing'),
    },
    {
      rule: 'sidecar gate',
      name: 'both lists empty → unchanged (even with cpu_count 401)',
      stage: () => withCpus([], [], { cpu_count: 401 }),
      outcome: sidecar([], 'unchanged'),
    },
    {
      rule: 'CPU union (boundary)',
      name: '2048 distinct ids (the list\'s capacity) fit; the largest is ≥ 400 → DisabledServicing',
      stage: () => withCpus(Array.from({ length: 2048 }, (_, i) => 2047 - i), []),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(r.sidecarExcludedCpus).toEqual(Array.from({ length: 2048 }, (_, i) => i));
          expect(r.sidecarAction).toBe('DisabledServicing');
        },
      },
    },
    {
      rule: 'CPU union, capacity',
      name: '2049 distinct ids overflow the 2048-entry list → capacity_exceeded',
      stage: () => withCpus(Array.from({ length: 2049 }, (_, i) => i), []),
      // The kind is certain; the text is a known bug (see the end of this file).
      outcome: { panic: 'capacity_exceeded', prefix: '' },
    },
    {
      rule: 'sidecar gate, upstream quirk',
      name: 'OPENHCL_SIDECAR=off on the command line does not skip the exclusion (the gate reads the default options)',
      stage: () => ({ ...withCpus([2], [1]), inputs: inputsA({ cmdline: { cmdline: 'OPENHCL_SIDECAR=off' } }) }),
      outcome: sidecar([1, 2], 'per_cpu_exclusion'),
    },
  ]);
});

// =============================================================================================

describe('topology_from_persisted_state: previous VTL2 RAM merged by (igvm type, vnode)', () => {
  table([
    {
      rule: 'RAM merge',
      name: 'the 10 touching VTL2 entries of 8 VTL types (header … pool) merge into ONE entry',
      stage: () => stage(),
      outcome: { path: 'persisted', check: (r) => expect(ramOf(r)).toEqual(BASE_RAM) },
    },
    {
      rule: 'RAM merge',
      name: 'a different vnode stays separate (Vtl2 mode): RAM3 + pool on vnode 1',
      stage: () =>
        stage({
          host: VTL2_MODE,
          state: withState((s) => {
            s.partitionMemory[I.RAM3]!.vnode = 1;
            s.partitionMemory[I.POOL]!.vnode = 1;
          }),
        }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(ramOf(r)).toEqual(['0x8000000..0x8d6c000 VTL2_PROTECTABLE v0', '0x8d6c000..0xc000000 VTL2_PROTECTABLE v1']);
          expect(rs(r.poolRanges)).toEqual(BASE_POOL);
        },
      },
    },
    {
      rule: 'RAM merge',
      name: 'a different igvm type stays separate (Vtl2 mode): RAM3 + pool typed MEMORY',
      stage: () =>
        stage({
          host: VTL2_MODE,
          state: withState((s) => {
            s.partitionMemory[I.RAM3]!.igvmType = 0;
            s.partitionMemory[I.POOL]!.igvmType = 0;
          }),
        }),
      outcome: {
        path: 'persisted',
        check: (r) => expect(ramOf(r)).toEqual(['0x8000000..0x8d6c000 VTL2_PROTECTABLE v0', '0x8d6c000..0xc000000 MEMORY v0']),
      },
    },
    {
      rule: 'RAM merge',
      name: 'unsorted saved VTL2 entries (RAM1 and RESERVED swapped) → merge_not_sorted',
      stage: () =>
        stage({
          state: withState((s) => {
            const m = s.partitionMemory;
            [m[I.RAM1], m[I.RESERVED]] = [m[I.RESERVED]!, m[I.RAM1]!];
          }),
        }),
      outcome: { panic: 'merge_not_sorted', text: 'ranges are not sorted' },
    },
    {
      rule: 'RAM merge',
      name: 'overlapping saved VTL2 entries (RESERVED starts one page early) → merge_overlap',
      stage: () => stage({ state: withState((s) => (s.partitionMemory[I.RESERVED]!.range.start = 0x8bf_b000n)) }),
      outcome: { panic: 'merge_overlap', text: 'ranges overlap' },
    },
    {
      rule: 'RAM merge before Host-mode cross-check',
      name: 'the merge panic fires in Host mode even though the host RAM would not match either',
      stage: () =>
        stage({
          state: withState((s) => {
            s.partitionMemory[I.RESERVED]!.range.start = 0x8bf_b000n;
            s.partitionMemory[I.POOL]!.vnode = 5;
          }),
        }),
      outcome: { panic: 'merge_overlap', text: 'ranges overlap' },
    },
    {
      rule: 'RAM merge (boundary)',
      name: '64 merged VTL2 RAM entries fit (Vtl2 mode): the base block + 63 separate pages',
      stage: () => stage({ host: VTL2_MODE, state: withState((s) => s.partitionMemory.push(...gappedPages(63, T.VTL2_RAM))) }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(r.vtl2Ram).toHaveLength(64);
          expect(ramOf(r).slice(0, 2)).toEqual([BASE_RAM[0], '0xd000000..0xd001000 VTL2_PROTECTABLE v0']);
          expect(ramOf(r)[63]).toBe('0xd07c000..0xd07d000 VTL2_PROTECTABLE v0');
        },
      },
    },
    {
      rule: 'RAM merge, capacity',
      name: '65 merged VTL2 RAM entries (Vtl2 mode, so the Host-mode cross-check cannot fire first) → capacity_exceeded',
      stage: () => stage({ host: VTL2_MODE, state: withState((s) => s.partitionMemory.push(...gappedPages(64, T.VTL2_RAM))) }),
      // The kind is certain; the text is a known bug (see the end of this file).
      outcome: { panic: 'capacity_exceeded', prefix: '' },
    },
  ]);
});

/** The base pool split into `n` pieces (n − 1 single pages, then the rest), all VTL2_GPA_POOL. */
/** The base state with its pool split into `n` pieces (n − 1 single pages, then the rest), all VTL2_GPA_POOL. */
function splitPool(n: number): SavedState {
  return withState((s) => {
    const pieces: MemoryEntry[] = [];
    for (let i = 0; i < n - 1; i++) pieces.push(mem(0xbe0_0000n + BigInt(i) * 0x1000n, 0xbe0_1000n + BigInt(i) * 0x1000n, T.VTL2_GPA_POOL));
    pieces.push(mem(0xbe0_0000n + BigInt(n - 1) * 0x1000n, 0xc00_0000n, T.VTL2_GPA_POOL));
    s.partitionMemory.splice(I.POOL, 1, ...pieces);
  });
}

/** A's saved MMIO entries: VTL0 low, VTL0 high, VTL2. */
const [V0A, V0B, V2A] = [mmio(0xf800_0000n, 0xfc00_0000n, T.VTL0_MMIO), mmio(0xf_c000_0000n, 0x10_0000_0000n, T.VTL0_MMIO), mmio(0xf8_0000_0000n, 0xf8_0800_0000n, T.VTL2_MMIO)];

/** `n` one-page entries at 0xd000000, 0xd002000, … (never touching, so never merged). */
function gappedPages(n: number, vtlType: number): MemoryEntry[] {
  return Array.from({ length: n }, (_, i) => mem(0xd00_0000n + BigInt(i) * 0x2000n, 0xd00_1000n + BigInt(i) * 0x2000n, vtlType));
}

// =============================================================================================

describe('topology_from_persisted_state: Host-mode cross-check against the current host', () => {
  const splitHost: Json = {
    memory: [
      { range: { start: '0x0', end: '0x8000000' }, mem_type: 'MEMORY', vnode: 0 },
      { range: { start: '0x8000000', end: '0xa000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      { range: { start: '0xa000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      { range: { start: '0xc000000', end: '0x80000000' }, mem_type: 'MEMORY', vnode: 0 },
      { range: { start: '0x100000000', end: '0x200000000' }, mem_type: 'MEMORY', vnode: 0 },
    ],
  };
  const hostWith = (vtl2: Json): Json => ({ memory: [(A_HOST_DT.memory as Json[])[0], vtl2, ...(A_HOST_DT.memory as Json[]).slice(2)] });
  table([
    {
      rule: 'Host-mode cross-check, upstream quirk',
      name: 'host splits its VTL2 RAM into two same-vnode entries (scenario D) → vtl2_ram_mismatch (merged vs unmerged)',
      stage: () => stage({ host: splitHost }),
      outcome: {
        panic: 'vtl2_ram_mismatch',
        text:
          `${RAM_MISMATCH}\n  left: ${A_RAM_DEBUG}\n right: [` +
          'MemoryEntry { range: MemoryRange { start: 134217728, end: 167772160 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }, ' +
          'MemoryEntry { range: MemoryRange { start: 167772160, end: 201326592 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }]',
      },
    },
    {
      rule: 'Host-mode cross-check',
      name: 'host VTL2 entry on vnode 1 → vtl2_ram_mismatch',
      stage: () => stage({ host: hostWith({ range: { start: '0x8000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 1 }) }),
      outcome: {
        panic: 'vtl2_ram_mismatch',
        text: `${RAM_MISMATCH}\n  left: ${A_RAM_DEBUG}\n right: ${A_RAM_DEBUG.replace('vnode: 0', 'vnode: 1')}`,
      },
    },
    {
      rule: 'Host-mode cross-check',
      name: 'saved igvm type MEMORY vs the host\'s VTL2_PROTECTABLE (scenario D2 shape) → vtl2_ram_mismatch',
      stage: () =>
        stage({
          state: withState((s) => {
            for (let i = I.HEADER; i <= I.POOL; i++) s.partitionMemory[i]!.igvmType = 0;
          }),
        }),
      outcome: {
        panic: 'vtl2_ram_mismatch',
        text: `${RAM_MISMATCH}\n  left: ${A_RAM_DEBUG.replace('VTL2_PROTECTABLE', 'MEMORY')}\n right: ${A_RAM_DEBUG}`,
      },
    },
    {
      rule: 'parse_host_vtl2_ram',
      name: 'host with NO VTL2_PROTECTABLE entry: the measured fallback (VTL2_PROTECTABLE, vnode 0) equals the saved RAM → restore',
      stage: () => stage({ host: hostWith({ range: { start: '0x8000000', end: '0xc000000' }, mem_type: 'MEMORY', vnode: 0 }) }),
      outcome: { path: 'persisted', check: (r) => expectBaseTopology(r) },
    },
    {
      rule: 'Host-mode cross-check',
      name: 'Vtl2 mode does not check: the split host of scenario D restores',
      stage: () => stage({ host: { ...splitHost, ...VTL2_MODE } }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expectBaseTopology(r);
          expect(r.memoryAllocationMode).toEqual({ kind: 'Vtl2', memorySize: null, mmioSize: null });
        },
      },
    },
  ]);
});

// =============================================================================================

describe('topology_from_persisted_state: header and protobuf entries, the FIRST of each type', () => {
  const retype = (i: number, t: number) => withState((s) => (s.partitionMemory[i]!.vtlType = t));
  table([
    {
      rule: 'header/protobuf entries',
      name: 'no VTL2_PERSISTED_STATE_HEADER entry (retyped VTL2_RAM, merge unchanged) → persisted_header_missing',
      stage: () => stage({ state: retype(I.HEADER, T.VTL2_RAM) }),
      outcome: { panic: 'persisted_header_missing', text: 'persisted state header missing' },
    },
    {
      rule: 'header/protobuf entries',
      name: 'header but no VTL2_PERSISTED_STATE_PROTOBUF entry → persisted_protobuf_missing',
      stage: () => stage({ state: retype(I.PAYLOAD, T.VTL2_RAM) }),
      outcome: { panic: 'persisted_protobuf_missing', text: 'persisted state protobuf region missing' },
    },
    {
      rule: 'header/protobuf entries',
      name: 'neither entry → the header is looked for first',
      stage: () =>
        stage({
          state: withState((s) => {
            s.partitionMemory[I.HEADER]!.vtlType = T.VTL2_RAM;
            s.partitionMemory[I.PAYLOAD]!.vtlType = T.VTL2_RAM;
          }),
        }),
      outcome: { panic: 'persisted_header_missing', text: 'persisted state header missing' },
    },
    {
      rule: 'header/protobuf entries',
      name: 'a second header entry later (CONFIG1 retyped) is ignored: the first one is used → restore',
      stage: () => stage({ state: retype(I.CONFIG1, T.VTL2_PERSISTED_STATE_HEADER) }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(reservedOf(r).slice(0, 2)).toEqual(BASE_MEMRESERVE.slice(0, 2));
          expect(ramOf(r)).toEqual(BASE_RAM);
        },
      },
    },
    {
      rule: 'header/protobuf entries',
      name: 'the FIRST header entry is a wrong one ([0, 0x8000000), Vtl2 mode) → its end fails the header-end check',
      stage: () => stage({ host: VTL2_MODE, state: retype(I.VTL0_LOW, T.VTL2_PERSISTED_STATE_HEADER) }),
      outcome: { panic: 'header_end_ne_region_start', prefix: `${ASSERT_EQ}\n` },
    },
    {
      rule: 'header/protobuf entries',
      name: 'a second protobuf entry later (RAM3 retyped) is ignored: the first one bounds the span → restore',
      // Were the later one used, the span would be [0x8000000, 0xbe00000): far outside `used`.
      stage: () => stage({ state: retype(I.RAM3, T.VTL2_PERSISTED_STATE_PROTOBUF) }),
      outcome: { path: 'persisted', check: (r) => expect(reservedOf(r)).toEqual(BASE_MEMRESERVE) },
    },
  ]);
});

describe('topology_from_persisted_state: header entry end == protobuf_base; the persisted span', () => {
  table([
    {
      rule: 'header end == region start',
      name: 'protobuf_base 0x8002000 (region 0x12000) while the saved header entry ends at 0x8001000 → header_end_ne_region_start',
      stage: () => stage({ header: { protobufBase: 0x800_2000n, protobufRegionLen: 0x1_2000n } }),
      outcome: { panic: 'header_end_ne_region_start', prefix: `${ASSERT_EQ}\n` },
    },
    {
      rule: 'header end == region start, upstream quirk',
      name: 'only the END is checked: a header entry at 0x8001000 (not persisted_state.start) restores, span taken as saved',
      stage: () =>
        stage({
          header: { protobufBase: 0x800_2000n, protobufRegionLen: 0x1_2000n },
          state: withState((s) => {
            s.partitionMemory.splice(
              I.HEADER,
              2,
              mem(0x800_0000n, 0x800_1000n, T.VTL2_RAM),
              mem(0x800_1000n, 0x800_2000n, T.VTL2_PERSISTED_STATE_HEADER),
              mem(0x800_2000n, 0x801_4000n, T.VTL2_PERSISTED_STATE_PROTOBUF),
            );
          }),
        }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(reservedOf(r).slice(0, 2)).toEqual(['0x8001000..0x8002000 PersistedStateHeader', '0x8002000..0x8014000 PersistedStatePayload']);
          // The page holding the live header is now reported as plain RAM.
          expect(r.vtl2Ranges[0]!.range.toString()).toBe('0x8000000..0x8001000');
          expect(r.vtl2Ranges[0]!.vtlType).toBe(T.VTL2_RAM);
          expect(ramOf(r)).toEqual(BASE_RAM);
        },
      },
    },
    {
      rule: 'persisted span',
      name: 'header entry [0x8002000, 0x8003000) above the protobuf entry [0x8000000, 0x8001000) → range_start_gt_end',
      stage: () =>
        stage({
          header: { protobufBase: 0x800_3000n, protobufRegionLen: 0x1_1000n },
          state: withState((s) => {
            s.partitionMemory.splice(
              I.HEADER,
              2,
              mem(0x800_0000n, 0x800_1000n, T.VTL2_PERSISTED_STATE_PROTOBUF),
              mem(0x800_1000n, 0x800_2000n, T.VTL2_RAM),
              mem(0x800_2000n, 0x800_3000n, T.VTL2_PERSISTED_STATE_HEADER),
              mem(0x800_3000n, 0x801_4000n, T.VTL2_RAM),
            );
          }),
        }),
      outcome: { panic: 'range_start_gt_end', text: 'assertion failed: range.start <= range.end' },
    },
    {
      rule: 'persisted span, upstream quirk',
      name: 'a saved span of 0x20000 (not the 20-page constant; protobuf entry ≠ region_len) is trusted as is',
      stage: () =>
        stage({
          state: withState((s) => {
            s.partitionMemory[I.PAYLOAD]!.range.end = 0x802_0000n;
            s.partitionMemory[I.RAM1]!.range.start = 0x802_0000n;
          }),
        }),
      outcome: {
        path: 'persisted',
        check: (r, s) => {
          expect(s.header.protobufRegionLen).toBe(REGION_LEN);
          expect(reservedOf(r).slice(0, 2)).toEqual(['0x8000000..0x8001000 PersistedStateHeader', '0x8001000..0x8020000 PersistedStatePayload']);
        },
      },
    },
  ]);

  it('persisted span: a saved span of exactly 1 page restores with an empty payload range, and usermode then cannot find a protobuf region', () => {
    const s = stage({
      state: withState((st) => {
        st.partitionMemory[I.PAYLOAD]!.range.end = PAYLOAD_BASE; // [0x8001000, 0x8001000): empty
        st.partitionMemory[I.RAM1]!.range.start = PAYLOAD_BASE;
      }),
    });
    const r = run(s);
    expect(r.path === 'panic' ? r.panic : r.path).toBe('persisted');
    if (r.path !== 'persisted') return;
    expect(reservedOf(r)[0]).toBe('0x8000000..0x8001000 PersistedStateHeader');
    expect(reservedOf(r).filter((e) => e.includes('PersistedStatePayload'))).toEqual([]);
    expect(r.openhclMemoryMap.filter((n) => n.vtlType === T.VTL2_PERSISTED_STATE_PROTOBUF)).toEqual([]);
    expect(ramOf(r)).toEqual(BASE_RAM);
    expect(() => parseOpenhclMap(openhclMapToFdtNodes(r.openhclMemoryMap))).toThrow('no VTL2 persisted protobuf region range found');
  });

  // A span under one page panics in `split_at_offset` (`assert!(offset <= self.len())`).
  // The scenario-format kind table has no row for that text, so only the path and the text are
  // asserted here (the emulator currently files it under range_start_gt_end; see the report).
  it('persisted span: a saved span under 1 page (empty, at 0x8000000; Vtl2 mode) panics in split_at_offset', () => {
    const s = stage({
      host: VTL2_MODE,
      state: withState((st) => {
        st.partitionMemory[I.PAYLOAD]!.vtlType = T.VTL2_RAM;
        // The FIRST protobuf entry, ending where the header entry starts: span = [0x8000000, 0x8000000).
        st.partitionMemory.splice(I.HEADER, 0, mem(0x7ff_f000n, 0x800_0000n, T.VTL2_PERSISTED_STATE_PROTOBUF));
      }),
    });
    const r = run(s);
    expect(r.path === 'panic' && { attemptedPath: r.attemptedPath, panic: r.panic }).toEqual({
      attemptedPath: 'persisted',
      panic: 'assertion failed: offset <= self.len()',
    });
  });
});

// =============================================================================================

describe('topology_from_persisted_state: address-space init, pool ranges carried over', () => {
  table([
    {
      rule: 'address-space init, no new pool',
      name: 'the saved pool is carried over: pool_ranges, has_vtl2_pool, a Vtl2GpaPool reservation',
      stage: () => stage(),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(rs(r.poolRanges)).toEqual(BASE_POOL);
          expect(r.hasVtl2Pool).toBe(true);
          expect(reservedOf(r).at(-1)).toBe('0xbe00000..0xc000000 Vtl2GpaPool');
        },
      },
    },
    {
      rule: 'address-space init',
      name: 'two pool ranges (multi-NUMA shape) are carried over in saved order',
      stage: () =>
        stage({
          state: withState((s) => {
            s.partitionMemory.splice(I.POOL, 1, mem(0xbe0_0000n, 0xbf0_0000n, T.VTL2_GPA_POOL), mem(0xbf0_0000n, 0xc00_0000n, T.VTL2_GPA_POOL));
          }),
        }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(rs(r.poolRanges)).toEqual(['0xbe00000..0xbf00000', '0xbf00000..0xc000000']);
          expect(r.hasVtl2Pool).toBe(true);
          expect(reservedOf(r).slice(-2)).toEqual(['0xbe00000..0xbf00000 Vtl2GpaPool', '0xbf00000..0xc000000 Vtl2GpaPool']);
          expect(ramOf(r)).toEqual(BASE_RAM);
        },
      },
    },
    {
      rule: 'address-space init',
      name: 'the new image\'s `used` overlaps the pool (ends 0xbf00000, scenario H) → walk_right_not_sorted',
      stage: () => stage({ shim: { used: { start: '0x8000000', end: '0xbf00000' } } }),
      outcome: { panic: 'walk_right_not_sorted', text: 'right not sorted' },
    },
    {
      rule: 'address-space init (boundary)',
      name: '`used` ending exactly at the pool start (0xbe00000) only touches it → restore, pool kept',
      stage: () => stage({ shim: { used: { start: '0x8000000', end: '0xbe00000' } } }),
      outcome: { path: 'persisted', check: (r) => expectBaseTopology(r) },
    },
    {
      rule: 'address-space init (boundary)',
      name: '64 pool ranges fit',
      stage: () => stage({ state: splitPool(64) }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(r.poolRanges).toHaveLength(64);
          expect(r.poolRanges[0]!.toString()).toBe('0xbe00000..0xbe01000');
          expect(r.poolRanges[63]!.toString()).toBe('0xbe3f000..0xc000000');
        },
      },
    },
    {
      rule: 'address-space init',
      name: '65 pool ranges → capacity_exceeded',
      stage: () => stage({ state: splitPool(65) }),
      // The kind is certain; the text is a known bug (see the end of this file).
      outcome: { panic: 'capacity_exceeded', prefix: '' },
    },
    {
      rule: 'address-space init',
      name: 'the carried-over header page lies outside the new `used` (starts 0x8001000) → address_space_init_failed',
      stage: () => stage({ shim: { used: { start: '0x8001000', end: '0x8d8d000' } } }),
      outcome: {
        panic: 'address_space_init_failed',
        text:
          'failed to initialize address space manager: ReservedRangeOutsideBootshimUsed { ' +
          'reserved: MemoryRange { start: 134217728, end: 134221824 }, typ: PersistedStateHeader, ' +
          'bootshim_used: MemoryRange { start: 134221824, end: 148426752 } }',
      },
    },
  ]);
});

// =============================================================================================

describe('topology_from_persisted_state: MMIO from the saved state only', () => {
  const withMmio = (entries: MmioEntry[], host?: Json) => stage({ state: withState((s) => (s.partitionMmio = entries)), ...(host && { host }) });
  table([
    {
      rule: 'MMIO',
      name: 'the host\'s changed VMBus MMIO is ignored; only its connection ids are used',
      stage: () =>
        stage({
          host: {
            vmbus_vtl0: { mmio: [{ start: '0xe0000000', end: '0xe8000000' }, { start: '0x2000000000', end: '0x3000000000' }], connection_id: 5 },
            vmbus_vtl2: { mmio: [{ start: '0xe8000000', end: '0xf0000000' }], connection_id: 9 },
          },
        }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(rs(r.vtl0Mmio)).toEqual(BASE_VTL0_MMIO);
          expect(rs(r.vtl2Mmio)).toEqual(BASE_VTL2_MMIO);
          expect(r.vmbusConnectionIds).toEqual({ vtl0: 5, vtl2: 9 });
        },
      },
    },
    {
      rule: 'MMIO',
      name: 'saved order is kept per type (VTL2, VTL0 high, VTL0 low)',
      stage: () => withMmio([V2A, V0B, V0A]),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(rs(r.vtl0Mmio)).toEqual([BASE_VTL0_MMIO[1], BASE_VTL0_MMIO[0]]);
          expect(rs(r.vtl2Mmio)).toEqual(BASE_VTL2_MMIO);
        },
      },
    },
    {
      rule: 'MMIO',
      name: 'unknown MMIO types (0, 7, 99) are dropped',
      stage: () => withMmio([V0A, mmio(0x1000n, 0x2000n, 0), V0B, mmio(0x3000n, 0x4000n, 7), V2A, mmio(0x5000n, 0x6000n, 99)]),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(rs(r.vtl0Mmio)).toEqual(BASE_VTL0_MMIO);
          expect(rs(r.vtl2Mmio)).toEqual(BASE_VTL2_MMIO);
        },
      },
    },
    {
      rule: 'MMIO',
      name: 'no saved MMIO at all → none, whatever the host says',
      stage: () => withMmio([]),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(r.vtl0Mmio).toEqual([]);
          expect(r.vtl2Mmio).toEqual([]);
        },
      },
    },
    {
      rule: 'MMIO',
      name: 'three saved VTL0_MMIO entries → capacity_exceeded',
      stage: () => withMmio([V0A, V0B, mmio(0x20_0000_0000n, 0x20_1000_0000n, T.VTL0_MMIO), V2A]),
      outcome: { panic: 'capacity_exceeded', prefix: '' },
    },
    {
      rule: 'MMIO',
      name: 'three saved VTL2_MMIO entries → capacity_exceeded',
      stage: () => withMmio([V0A, V0B, V2A, mmio(0xf9_0000_0000n, 0xf9_0800_0000n, T.VTL2_MMIO), mmio(0xfa_0000_0000n, 0xfa_0800_0000n, T.VTL2_MMIO)]),
      outcome: { panic: 'capacity_exceeded', prefix: '' },
    },
  ]);
});

// =============================================================================================

describe('topology_from_persisted_state: no pool is allocated on restore', () => {
  const noPool = () => withState((s) => (s.partitionMemory[I.POOL]!.vtlType = T.VTL2_RAM));
  table([
    {
      rule: 'no new pool, upstream NOTE',
      name: 'no saved pool + command line Pages(1024) + host DMA hint → still no pool',
      stage: () => stage({ state: noPool(), cmdline: { enable_vtl2_gpa_pool: { kind: 'Pages', pages: 1024 } }, host: { device_dma_page_count: 4096 } }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          expect(r.poolRanges).toEqual([]);
          expect(r.hasVtl2Pool).toBe(false);
          expect(reservedOf(r)).toEqual(BASE_MEMRESERVE.slice(0, -1));
          expect(ramOf(r)).toEqual(BASE_RAM);
        },
      },
    },
    {
      rule: 'no new pool',
      name: 'no saved pool + raw command line OPENHCL_ENABLE_VTL2_GPA_POOL=512 → still no pool',
      stage: () => stage({ state: noPool(), cmdline: { cmdline: 'OPENHCL_ENABLE_VTL2_GPA_POOL=512' } }),
      outcome: {
        path: 'persisted',
        check: (r) => expect({ pool: r.poolRanges, has: r.hasVtl2Pool }).toEqual({ pool: [], has: false }),
      },
    },
    {
      rule: 'no new pool',
      name: 'a saved pool with the pool now Off on the command line → the saved pool is still carried over',
      stage: () => stage({ cmdline: { enable_vtl2_gpa_pool: { kind: 'Off' } } }),
      outcome: { path: 'persisted', check: (r) => expectBaseTopology(r) },
    },
  ]);
});

// =============================================================================================

describe('upstream quirks: the header is never cleared; VTL0 entries are ignored', () => {
  it('after a restore the 32-byte header is still in memory, byte for byte', () => {
    const s = stage();
    const before = s.memory.read(PS_START, 0x1000n);
    const r = run(s);
    expect(r.path).toBe('persisted');
    expect(readHeader(s.memory, PS_START)).toEqual({ status: 'valid', header: s.header });
    expect(s.memory.read(PS_START, 0x1000n)).toEqual(before);
  });

  it('a panicking restore leaves the header in place too', () => {
    const s = stage({ header: { protobufPayloadLen: REGION_LEN + 1n } });
    expect(run(s).path).toBe('panic');
    expect(readHeader(s.memory, PS_START)).toEqual({ status: 'valid', header: s.header });
  });

  it('two consecutive restores from the same memory take the restore path with identical results', () => {
    const { memory } = realSave();
    const first = boot(inputsA(), memory);
    const second = boot(inputsA(), memory);
    expect(first.path).toBe('persisted');
    expect(second.path).toBe('persisted');
    expect(second).toEqual(first);
  });

  table([
    {
      rule: 'upstream quirk',
      name: 'the saved VTL0 entries are ignored: reversed, unaligned, unsorted, odd vnode/igvm type → same restore',
      stage: () =>
        stage({
          state: withState((s) => {
            const m = s.partitionMemory;
            m[I.VTL0_LOW] = { range: { start: 0x123n, end: 0x5n }, vnode: 7, vtlType: T.VTL0, igvmType: 99 };
            m[I.VTL0_MID]!.range = { start: 0n, end: 0x1n };
            // Move the highest VTL0 entry to the front: the map is no longer sorted.
            m.unshift(m.pop()!);
          }),
        }),
      outcome: {
        path: 'persisted',
        check: (r) => {
          const ref = run(stage());
          if (ref.path !== 'persisted') throw new Error('reference restore failed');
          expectBaseTopology(r);
          expect(r.openhclMemoryMap).toEqual(ref.openhclMemoryMap);
          expect(r.e820).toEqual(ref.e820);
          expect(r.vtl2Ranges).toEqual(ref.vtl2Ranges);
        },
      },
    },
    {
      rule: 'upstream quirk',
      name: 'dropping every VTL0 entry changes nothing either',
      stage: () => stage({ state: withState((s) => (s.partitionMemory = s.partitionMemory.filter((e) => e.vtlType !== T.VTL0))) }),
      outcome: { path: 'persisted', check: (r) => expectBaseTopology(r) },
    },
  ]);
});

// =============================================================================================

describe('a full lifecycle through runScenario: save, corrupt the header, boot', () => {
  const scenario = (delta: string) =>
    parseScenario({
      name: `A, payload_len_delta ${delta}`,
      shim_params: A_SHIM_PARAMS,
      host_dt: A_HOST_DT,
      cmdline_options: A_CMDLINE_OPTIONS,
      lifecycle: [
        { op: 'boot' },
        { op: 'save', cpus_with_mapped_interrupts_no_io: [2], cpus_with_outstanding_io: [1] },
        { op: 'corrupt', kind: 'payload_len_delta', delta },
        { op: 'boot' },
      ],
    });

  it.each([
    ['+1', '0x14b', 'protobuf_decode_failed', decodeFailed('EofVarInt')],
    ['-330', '0x0', 'vtl2_ram_mismatch', `${RAM_MISMATCH}\n  left: []\n right: ${A_RAM_DEBUG}`],
    [String(0x1_3000 - 330 + 1), '0x13001', 'payload_len_gt_region_len', 'protobuf payload len 77825 is larger than region len 77824'],
  ] as const)('delta %s → payload_len %s → %s', (delta, len, kind, text) => {
    const result = runScenario(scenario(delta));
    const [fresh, save, corrupt, restore] = result.steps;
    expect(fresh).toMatchObject({ op: 'boot', path: 'host' });
    expect(save).toMatchObject({ payload_len: 330, payload_written_at: '0x8001000', header_written_at: '0x8000000' });
    expect(corrupt).toMatchObject({ op: 'corrupt', applied_at: '0x8000000' });
    // protobuf_payload_len is the header's last u64 (bytes 24..32, little-endian).
    const lenLe = Buffer.alloc(8);
    lenLe.writeBigUInt64LE(BigInt(len));
    expect((corrupt as { header_hex_after: string }).header_hex_after).toBe(
      // magic "OHCLPHDR", protobuf_base 0x8001000, protobuf_region_len 0x13000, then the new length.
      `4f48434c50484452${'0010000800000000'}${'0030010000000000'}${lenLe.toString('hex')}`,
    );
    expect(restore).toMatchObject({
      op: 'boot',
      path: 'panic',
      attempted_path: 'persisted',
      panic_kind: kind,
      panic: text,
      persisted_header: { magic: '0x524448504c43484f', protobuf_base: '0x8001000', protobuf_region_len: '0x13000', protobuf_payload_len: len },
    });
  });

  it('delta +2 → payload_len 0x14c: the extra `00 00` is ignored and the restore succeeds', () => {
    const restore = runScenario(scenario('+2')).steps[3];
    expect(restore).toMatchObject({ op: 'boot', path: 'persisted', pool_ranges: [{ start: '0xbe00000', end: '0xc000000' }], sidecar_excluded_cpus: [1, 2] });
  });
});

// =============================================================================================

/*
 * Capacity overflows print arrayvec's own fixed text and nothing else: `extend`/`from_iter`/
 * `collect` panic "ArrayVec: capacity exceeded in extend/from_iter", `push` panics
 * "called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity". The VTL2
 * RAM list is filled with `vtl2_ram.extend(...)` in `topology_from_persisted_state`, so its text is the extend one.
 */
describe('restore-path capacity panic texts', () => {
  const ARRAYVEC_EXTEND = 'ArrayVec: capacity exceeded in extend/from_iter';
  const ARRAYVEC_PUSH = 'called `Result::unwrap()` on an `Err` value: CapacityError: insufficient capacity';
  const panicText = (s: Staged): string => {
    const r = run(s);
    if (r.path !== 'panic') throw new Error(`expected a panic, got ${r.path}`);
    expect(r.panicKind).toBe('capacity_exceeded');
    return r.panic;
  };

  it('RAM merge: 65 merged VTL2 RAM entries → arrayvec\'s extend panic text', () => {
    const s = stage({ host: VTL2_MODE, state: withState((st) => st.partitionMemory.push(...gappedPages(64, T.VTL2_RAM))) });
    expect(panicText(s)).toBe(ARRAYVEC_EXTEND);
  });

  it.each([
    ['address-space init: 65 pool ranges', () => stage({ state: splitPool(65) })],
    ['MMIO: 3 VTL0_MMIO entries', () => stage({ state: withState((st) => st.partitionMmio.push(mmio(0x20_0000_0000n, 0x20_1000_0000n, T.VTL0_MMIO))) })],
    ['MMIO: 3 VTL2_MMIO entries', () => stage({ state: withState((st) => st.partitionMmio.push(mmio(0xf9_0000_0000n, 0xf9_0800_0000n, T.VTL2_MMIO), mmio(0xfa_0000_0000n, 0xfa_0800_0000n, T.VTL2_MMIO))) })],
    ['CPU union: 2049 exclusion ids', () => stage({ state: withState((st) => (st.cpusWithMappedInterruptsNoIo = Array.from({ length: 2049 }, (_, i) => i))) })],
  ] as const)('%s → one of arrayvec\'s two fixed panic texts, with nothing appended', (_, make) => {
    expect([ARRAYVEC_EXTEND, ARRAYVEC_PUSH]).toContain(panicText(make()));
  });
});
