import { describe, expect, it } from 'vitest';

import { Vtl2PersistError } from '../../src/errors.js';
import { decodeHeader, decodeSavedState, encodeSavedState, PERSISTED_STATE_MAGIC } from '../../src/format/index.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryRange } from '../../src/memory/range.js';
import { igvmTypeFromName, MemoryVtlType, vtlTypeFromName } from '../../src/memory/vtl-type.js';
import {
  buildSavedState,
  NO_RUNNING_INSTANCE_ERROR,
  parseOpenhclMap,
  PersistedStateWriteError,
  planSave,
  saveErrorToJson,
  saveResultToJson,
  writePersistedState,
  type OpenhclDtNode,
  type ParsedOpenhclMap,
  type SaveCpuLists,
} from '../../src/usermode/index.js';
import { typeNum, type JsonRange } from '../support/json.js';
import { loadBootVectors, type Json } from '../support/vectors.js';

const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const V = MemoryVtlType;
const NO_CPUS: SaveCpuLists = { noIo: [], outstanding: [] };

const HEADER = R(0x8000000n, 0x8001000n);
const REGION = R(0x8001000n, 0x8014000n);

/** A small but complete parsed map: VTL0 RAM, header, payload, VTL2 RAM, a pool, two MMIO kinds. */
function sampleMap(): ParsedOpenhclMap {
  return parseOpenhclMap([
    { name: 'memory@0', reg: [0x0n, 0x8000000n], memoryType: V.VTL0, numaNodeId: 0, igvmType: 0 },
    { name: 'memory@8000000', reg: [0x8000000n, 0x1000n], memoryType: V.VTL2_PERSISTED_STATE_HEADER, numaNodeId: 0, igvmType: 3 },
    { name: 'memory@8001000', reg: [0x8001000n, 0x13000n], memoryType: V.VTL2_PERSISTED_STATE_PROTOBUF, numaNodeId: 0, igvmType: 3 },
    { name: 'memory@8014000', reg: [0x8014000n, 0x3ec000n], memoryType: V.VTL2_RAM, numaNodeId: 0, igvmType: 3 },
    { name: 'memory@8400000', reg: [0x8400000n, 0x200000n], memoryType: V.VTL2_GPA_POOL, numaNodeId: 1, igvmType: 3 },
    { name: 'memory@f800000000', reg: [0xf800000000n, 0x10000000n], memoryType: V.VTL2_MMIO },
    { name: 'memory@e0000000', reg: [0xe0000000n, 0x1c000000n], memoryType: V.VTL0_MMIO },
  ]);
}

/** A map whose state is only the CPU lists (no entries), with a chosen payload region. */
function bareMap(region: MemoryRange, header: MemoryRange = HEADER): ParsedOpenhclMap {
  return {
    partitionMemoryMap: [],
    configRanges: [],
    vtl2ReservedRange: MemoryRange.EMPTY,
    privatePoolRanges: [],
    vtl2PersistedHeader: header,
    vtl2PersistedProtobufRegion: region,
    vtl0Mmio: [],
  };
}

/** Guest memory that records every store, in order. */
class RecordingMemory extends GuestMemory {
  readonly stores: { gpa: bigint; len: number }[] = [];
  override write(gpa: bigint, bytes: Uint8Array): void {
    this.stores.push({ gpa, len: bytes.length });
    super.write(gpa, bytes);
  }
}

/** Memory whose persisted region is full of a stale 0xAA pattern, so untouched bytes are visible. */
function staleMemory(): RecordingMemory {
  const m = new RecordingMemory();
  m.write(0x8000000n, new Uint8Array(0x14000).fill(0xaa));
  m.stores.length = 0;
  return m;
}

function writeError(f: () => unknown): PersistedStateWriteError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PersistedStateWriteError);
    expect(e).toBeInstanceOf(Vtl2PersistError);
    return e as PersistedStateWriteError;
  }
  return expect.fail('expected a PersistedStateWriteError');
}

describe('buildSavedState (the SavedState write_persisted_info encodes)', () => {
  it('takes every memory entry in map order and every MMIO entry with its VTL type', () => {
    const s = buildSavedState(sampleMap(), NO_CPUS);
    expect(s.partitionMemory).toEqual([
      { range: { start: 0x0n, end: 0x8000000n }, vnode: 0, vtlType: 0, igvmType: 0 },
      { range: { start: 0x8000000n, end: 0x8001000n }, vnode: 0, vtlType: 11, igvmType: 3 },
      { range: { start: 0x8001000n, end: 0x8014000n }, vnode: 0, vtlType: 12, igvmType: 3 },
      { range: { start: 0x8014000n, end: 0x8400000n }, vnode: 0, vtlType: 1, igvmType: 3 },
      { range: { start: 0x8400000n, end: 0x8600000n }, vnode: 1, vtlType: 8, igvmType: 3 },
    ]);
    // Map order = start order, so VTL0 MMIO (lower) precedes VTL2 MMIO although the DT listed it second.
    expect(s.partitionMmio).toEqual([
      { range: { start: 0xe0000000n, end: 0xfc000000n }, vtlType: V.VTL0_MMIO },
      { range: { start: 0xf800000000n, end: 0xf810000000n }, vtlType: V.VTL2_MMIO },
    ]);
  });

  it('keeps the CPU lists exactly as given: order, duplicates and overlap between them', () => {
    const s = buildSavedState(sampleMap(), { noIo: [7, 3, 3, 0], outstanding: [3, 1] });
    expect(s.cpusWithMappedInterruptsNoIo).toEqual([7, 3, 3, 0]);
    expect(s.cpusWithOutstandingIo).toEqual([3, 1]);
  });

  it('copies the lists, so later changes to the caller arrays do not leak in', () => {
    const noIo = [1];
    const s = buildSavedState(sampleMap(), { noIo, outstanding: [] });
    noIo.push(2);
    expect(s.cpusWithMappedInterruptsNoIo).toEqual([1]);
  });
});

describe('planSave', () => {
  it('plans the payload store first, then the 32-byte header store', () => {
    const plan = planSave(sampleMap(), { noIo: [2], outstanding: [1] });
    expect(plan.payload).toEqual(encodeSavedState(plan.state));
    expect(plan.stores.map((s) => [s.what, s.gpa, s.bytes.length])).toEqual([
      ['payload', REGION.start, plan.payload.length],
      ['header', HEADER.start, 32],
    ]);
    expect(plan.header).toEqual({
      magic: PERSISTED_STATE_MAGIC,
      protobufBase: REGION.start,
      protobufRegionLen: REGION.len,
      protobufPayloadLen: BigInt(plan.payload.length),
    });
    expect(decodeHeader(plan.stores[1].bytes)).toEqual(plan.header);
  });
});

describe('writePersistedState (upstream write_persisted_info)', () => {
  it('writes the payload, then the header, and nothing else', () => {
    const m = staleMemory();
    const r = writePersistedState(m, sampleMap(), { noIo: [2, 4], outstanding: [1] });
    expect(m.stores).toEqual([
      { gpa: REGION.start, len: r.payload.length },
      { gpa: HEADER.start, len: 32 },
    ]);
    expect(m.read(REGION.start, BigInt(r.payload.length))).toEqual(r.payload);
    expect(decodeSavedState(r.payload).cpusWithOutstandingIo).toEqual([1]);
    // Nothing is zeroed: stale bytes survive after the payload and after the header's 32 bytes.
    expect(m.read(REGION.start + BigInt(r.payload.length), 16n)).toEqual(new Uint8Array(16).fill(0xaa));
    expect(m.read(HEADER.start + 32n, 16n)).toEqual(new Uint8Array(16).fill(0xaa));
    expect(r.header).toEqual(m.read(HEADER.start, 32n));
    expect(r).toMatchObject({ payloadWrittenAt: REGION.start, headerWrittenAt: HEADER.start, complete: true });
    expect(r.applied).toEqual([
      { what: 'payload', gpa: REGION.start, written: r.payload.length },
      { what: 'header', gpa: HEADER.start, written: 32 },
    ]);
  });

  it('a payload exactly as long as its region fits (4096 bytes in one page)', () => {
    // Field 3 packed: tag (1) + length varint (2) + 4093 one-byte CPU ids = 4096 bytes.
    const cpus = { noIo: Array.from({ length: 4093 }, () => 5), outstanding: [] };
    const m = new RecordingMemory();
    const r = writePersistedState(m, bareMap(R(0x8001000n, 0x8002000n)), cpus);
    expect(r.payload.length).toBe(4096);
    expect(r.complete).toBe(true);
  });

  it('one byte more fails BEFORE anything is written ("failed to write persisted state protobuf")', () => {
    const cpus = { noIo: Array.from({ length: 4094 }, () => 5), outstanding: [] };
    const m = staleMemory();
    const before = m.clone();
    const e = writeError(() => writePersistedState(m, bareMap(R(0x8001000n, 0x8002000n)), cpus));
    expect(e.code).toBe('payload_too_large');
    expect(e.message).toMatch(/^failed to write persisted info: failed to write persisted state protobuf: 4097 bytes/);
    expect(e.context.slice(0, 2)).toEqual(['failed to write persisted info', 'failed to write persisted state protobuf']);
    expect([e.what, e.storesApplied]).toEqual(['payload', 0]);
    expect(m.stores).toEqual([]);
    expect(m.equals(before)).toBe(true);
  });

  it('an empty region takes only an empty payload', () => {
    const empty = R(0x8001000n, 0x8001000n);
    expect(writePersistedState(new GuestMemory(), bareMap(empty), NO_CPUS)).toMatchObject({ complete: true, payloadWrittenAt: empty.start });
    expect(writeError(() => writePersistedState(new GuestMemory(), bareMap(empty), { noIo: [0], outstanding: [] })).code).toBe(
      'payload_too_large',
    );
  });

  it('a header range too small to map fails only after the payload was written (header is mapped second)', () => {
    const m = staleMemory();
    const e = writeError(() => writePersistedState(m, bareMap(REGION, R(0x8000000n, 0x8000000n)), { noIo: [1], outstanding: [] }));
    expect(e.code).toBe('header_too_large');
    expect(e.message).toMatch(/^failed to write persisted info: failed to write persisted state header/);
    expect([e.what, e.storesApplied]).toEqual(['header', 1]);
    expect(m.stores).toEqual([{ gpa: REGION.start, len: 3 }]); // 1a 01 01
  });

  it('a store guest memory refuses is wrapped as "failed to write persisted info"', () => {
    const m = new GuestMemory({ backing: [HEADER] }); // the payload region is not backed
    const e = writeError(() => writePersistedState(m, sampleMap(), NO_CPUS));
    expect(e.code).toBe('memory_write_failed');
    expect(e.message).toMatch(/^failed to write persisted info: failed to write persisted state protobuf: /);
    expect(e.cause).toBeInstanceOf(Vtl2PersistError);
  });

  it('crashBeforeHeader writes the payload and leaves the old header in place', () => {
    const m = staleMemory();
    const r = writePersistedState(m, sampleMap(), NO_CPUS, { crashBeforeHeader: true });
    expect(m.stores).toEqual([{ gpa: REGION.start, len: r.payload.length }]);
    expect(m.read(HEADER.start, 32n)).toEqual(new Uint8Array(32).fill(0xaa));
    expect(r).toMatchObject({ header: null, headerWrittenAt: null, payloadWrittenAt: REGION.start, complete: false });
  });

  it('onStore can stop the machine before the payload (nothing written)', () => {
    const m = staleMemory();
    const seen: string[] = [];
    const r = writePersistedState(m, sampleMap(), NO_CPUS, {
      onStore: (s, i) => {
        seen.push(`${i}:${s.what}`);
        return 'stop';
      },
    });
    expect(seen).toEqual(['0:payload']);
    expect(m.stores).toEqual([]);
    expect(r).toMatchObject({ payloadWrittenAt: null, header: null, applied: [], complete: false });
  });

  it('onStore can tear the header store (a crash during the 32-byte write)', () => {
    const m = staleMemory();
    const r = writePersistedState(m, sampleMap(), NO_CPUS, { onStore: (s) => (s.what === 'header' ? { tornAfter: 8 } : 'write') });
    const header = m.read(HEADER.start, 32n);
    expect(decodeHeader(header).magic).toBe(PERSISTED_STATE_MAGIC);
    expect(header.subarray(8)).toEqual(new Uint8Array(24).fill(0xaa));
    expect(r.applied.map((a) => a.written)).toEqual([r.payload.length, 8]);
    expect(r).toMatchObject({ header: null, headerWrittenAt: null, complete: false });
  });

  it('saveResultToJson gives the vectors\u2019 save-step shape', () => {
    const r = writePersistedState(new GuestMemory(), bareMap(REGION), { noIo: [], outstanding: [1] });
    expect(saveResultToJson(r)).toEqual({
      op: 'save',
      payload_hex: '220101',
      payload_len: 3,
      payload_written_at: '0x8001000',
      header_hex: '4f48434c50484452' + '0010000800000000' + '0030010000000000' + '0300000000000000',
      header_written_at: '0x8000000',
    });
    const torn = writePersistedState(new GuestMemory(), bareMap(REGION), NO_CPUS, { crashBeforeHeader: true });
    expect(saveResultToJson(torn)).toMatchObject({ payload_hex: '', payload_len: 0, header_hex: null, header_written_at: null });
    expect(saveErrorToJson(new Error(NO_RUNNING_INSTANCE_ERROR))).toEqual({ op: 'save', error: NO_RUNNING_INSTANCE_ERROR });
  });
});

// ---------------------------------------------------------------------------------------------
// Vectors: every save step, written from the /openhcl map of the boot before it.

/** A boot step's `openhcl_memory_map` as the FDT nodes usermode reads. */
function fdtNodesFromJson(map: { range: JsonRange; vtl_type: unknown; vnode?: number; igvm_type?: unknown }[]): OpenhclDtNode[] {
  return map.map((n) => {
    const start = BigInt(n.range.start);
    const node: OpenhclDtNode = {
      name: `memory@${start.toString(16)}`,
      reg: [start, BigInt(n.range.end) - start],
      memoryType: typeNum(n.vtl_type, vtlTypeFromName),
    };
    return n.vnode === undefined ? node : { ...node, numaNodeId: n.vnode, igvmType: typeNum(n.igvm_type, igvmTypeFromName) };
  });
}

describe('vectors: save steps', () => {
  const files = loadBootVectors().map(({ file, vectors }) => [file, vectors] as const);
  const DEFAULT_LIFECYCLE: Json[] = [{ op: 'boot' }, { op: 'save' }, { op: 'boot' }];

  it.each(files)('%s', (file, scenarios) => {
    let written = 0;
    let torn = 0;
    let refused = 0;
    for (const sc of scenarios) {
      const lifecycle = (sc.input['lifecycle'] as Json[] | undefined) ?? DEFAULT_LIFECYCLE;
      let lastBoot: Json | undefined;
      lifecycle.forEach((step, i) => {
        const out = sc.expected.steps[i] as Json;
        if (step['op'] === 'boot') lastBoot = out;
        if (step['op'] !== 'save') return;
        const where = `${sc.name} step ${i}`;
        if (lastBoot === undefined || lastBoot['path'] === 'panic') {
          expect(out, where).toEqual(saveErrorToJson(NO_RUNNING_INSTANCE_ERROR));
          refused++;
          return;
        }
        const parsed = parseOpenhclMap(fdtNodesFromJson(lastBoot['openhcl_memory_map'] as never));
        const cpus = {
          noIo: (step['cpus_with_mapped_interrupts_no_io'] as number[] | undefined) ?? [],
          outstanding: (step['cpus_with_outstanding_io'] as number[] | undefined) ?? [],
        };
        const memory = new GuestMemory();
        const crash = step['crash_before_header'] === true;
        const result = writePersistedState(memory, parsed, cpus, { crashBeforeHeader: crash });
        expect(saveResultToJson(result), where).toEqual(out);
        // And the bytes really are in guest memory where the result says.
        expect(memory.read(result.payloadWrittenAt as bigint, BigInt(result.payload.length)), where).toEqual(result.payload);
        if (crash) torn++;
        else {
          expect(memory.read(result.headerWrittenAt as bigint, 32n), where).toEqual(result.header);
          written++;
        }
      });
    }
    console.log(`${file}: ${written} complete saves + ${torn} crash_before_header saves matched byte-for-byte; ${refused} saves after a panicked boot gave "${NO_RUNNING_INSTANCE_ERROR}"`);
    expect(written + torn).toBeGreaterThan(0);
  });
});
