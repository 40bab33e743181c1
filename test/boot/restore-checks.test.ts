/**
 * src/boot/restore-checks.ts: each restore-path panic text, built once, is the one the boot shim
 * prints and the one the inspector quotes. The texts are pinned exactly (the boot vectors pin most
 * of them too); then, for region dumps that make `boot` panic, the inspection's finding quotes the
 * boot's own panic text, so the two cannot drift apart.
 */
import { describe, expect, it, test } from 'vitest';

import { boot, type BootInputs } from '../../src/boot/boot.js';
import { parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import { inspectBytes } from '../../src/boot/inspection.js';
import { BootPanic, panicKindOf } from '../../src/boot/panic.js';
import {
  capacityPanic,
  decodeFailedPanic,
  decodePanicText,
  headerEntryMissingPanic,
  headerNotAdjacentPanic,
  payloadLenPanic,
  protobufEntryMissingPanic,
  regionNotContainedPanic,
  regionUnalignedText,
  vtl2RamMismatchPanic,
} from '../../src/boot/restore-checks.js';
import { DecodeError, decodeErrorJson, decodeSavedState, encodeHeader, encodeSavedState, PERSISTED_STATE_MAGIC, type SavedState } from '../../src/format/index.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { MemoryRange } from '../../src/memory/range.js';
import { MemoryVtlType as T } from '../../src/memory/vtl-type.js';
import { buildImage } from '../../src/usermode/region-image.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';

function rejection(bytes: Uint8Array): DecodeError {
  try {
    decodeSavedState(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('fixture: the payload must be rejected');
}

const ram = (start: bigint, end: bigint, memType: number, vnode: number) => ({ range: new MemoryRange(start, end), memType, vnode });

describe('the texts, one function each, in upstream order', () => {
  test.each([
    ['7.2', regionNotContainedPanic('A', 'B'), 'protobuf_region_not_contained', 'protobuf region A is not contained within the persisted state region B'],
    ['7.3', payloadLenPanic(0x14an, 0x13000n), 'payload_len_gt_region_len', 'protobuf payload len 330 is larger than region len 77824'],
    ['7.4', decodeFailedPanic(rejection(Uint8Array.of(0x0b))), 'protobuf_decode_failed', 'failed to decode protobuf: Error(ErrorInner { types: [], err: UnknownWireType(3) })'],
    ['7.5', capacityPanic(), 'capacity_exceeded', 'ArrayVec: capacity exceeded in extend/from_iter'],
    ['7.9 header', headerEntryMissingPanic(), 'persisted_header_missing', 'persisted state header missing'],
    ['7.9 protobuf', protobufEntryMissingPanic(), 'persisted_protobuf_missing', 'persisted state protobuf region missing'],
    ['7.10', headerNotAdjacentPanic(0x800_1000n, 0x800_2000n), 'header_end_ne_region_start', 'assertion `left == right` failed\n  left: 134221824\n right: 134225920'],
  ])('%s: %s', (_step, panic, kind, text) => {
    expect(panic).toBeInstanceOf(BootPanic);
    expect(panic.kind).toBe(kind);
    expect(panic.message).toBe(text);
    // The scenario-format table classifies every fixed text as the kind it is thrown with.
    if (kind !== 'capacity_exceeded') expect(panicKindOf(panic.message)).toBe(kind);
  });

  it('7.8: both sides in Debug form, an unnamed IGVM type as MemoryMapEntryType(n)', () => {
    const p = vtl2RamMismatchPanic([ram(0x800_0000n, 0xc00_0000n, 3, 0)], [ram(0x800_0000n, 0xc00_0000n, 77, 1), ram(0x1_0000_0000n, 0x1_0000_1000n, 3, 0)]);
    expect(p.kind).toBe('vtl2_ram_mismatch');
    expect(p.message).toBe(
      'assertion `left == right` failed: vtl2 ram from persisted state does not match host provided ram\n' +
        '  left: [MemoryEntry { range: MemoryRange { start: 134217728, end: 201326592 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }]\n' +
        ' right: [MemoryEntry { range: MemoryRange { start: 134217728, end: 201326592 }, mem_type: MemoryMapEntryType(77), vnode: 1 }, ' +
        'MemoryEntry { range: MemoryRange { start: 4294967296, end: 4294971392 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }]',
    );
    expect(vtl2RamMismatchPanic([], []).message.endsWith('  left: []\n right: []')).toBe(true);
  });

  it('7.1: the range primitive\'s own alignment assertions', () => {
    expect(regionUnalignedText('start')).toBe('assertion failed: range.start & (PAGE_SIZE - 1) == 0');
    expect(regionUnalignedText('end')).toBe('assertion failed: range.end & (PAGE_SIZE - 1) == 0');
  });

  it('a rejected payload: the panic text and the JSON form of the same DecodeError', () => {
    const e = rejection(Uint8Array.of(0x0a, 0x05, 0x00));
    expect(decodePanicText(e)).toBe('failed to decode protobuf: Error(ErrorInner { types: [], err: EofByteArray })');
    expect(decodeErrorJson(e)).toEqual({ code: 'eof_byte_array', message: 'eof parsing a byte array', mesh_variant: 'EofByteArray', offset: 1, path: 'partition_memory' });
    expect(Object.keys(decodeErrorJson(e))).toEqual(['code', 'message', 'mesh_variant', 'offset', 'path']);
  });
});

describe('the inspector quotes what the boot prints', () => {
  const BASE = 0x800_0000n;
  const inputs = (): BootInputs => ({
    shim: parseShimParams(A_SHIM_PARAMS),
    host: parseHostDt({ ...A_HOST_DT, memory_allocation_mode: { Vtl2: { memory_size: null, mmio_size: null } } }),
    cmdline: parseCmdlineOptions(A_CMDLINE_OPTIONS),
  });
  const entry = (start: bigint, end: bigint, vtlType: number) => ({ range: { start, end }, vnode: 0, vtlType, igvmType: 3 });
  const state = (partitionMemory: SavedState['partitionMemory']): SavedState => ({ partitionMemory, partitionMmio: [], cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] });

  /** Boots the dump at A's persisted_state.start and inspects it; returns the panic and the finding's message. */
  function both(dump: Uint8Array, code: string): { panic: string; message: string } {
    const memory = new GuestMemory();
    memory.write(BASE, dump);
    const r = boot(inputs(), memory);
    if (r.path !== 'panic') throw new Error(`expected a panic, got ${r.path}`);
    const finding = inspectBytes(dump, { base: BASE }).findings.find((f) => f.code === code);
    if (finding === undefined) throw new Error(`no ${code} finding`);
    expect(finding.severity).toBe('error');
    return { panic: r.panic, message: finding.message };
  }

  /** `buildImage` with its header replaced. */
  function withHeader(payload: Uint8Array, h: { protobufBase?: bigint; protobufRegionLen?: bigint; protobufPayloadLen?: bigint }): Uint8Array {
    const image = buildImage(payload, BASE);
    image.set(encodeHeader({ magic: PERSISTED_STATE_MAGIC, protobufBase: BASE + 0x1000n, protobufRegionLen: 0x1_3000n, protobufPayloadLen: BigInt(payload.length), ...h }), 0);
    return image;
  }

  it('payload len > region len', () => {
    const { panic, message } = both(withHeader(new Uint8Array(0), { protobufRegionLen: 0x1000n, protobufPayloadLen: 0x1001n }), 'payload_len_gt_region_len');
    expect(panic).toBe('protobuf payload len 4097 is larger than region len 4096');
    expect(message).toContain(`openhcl_boot panics "${panic}"`);
  });

  it('a payload the decoder rejects', () => {
    const { panic, message } = both(buildImage(Uint8Array.of(0x0b), BASE), 'payload_rejected');
    expect(message).toContain(`openhcl_boot panics "${panic}"`);
  });

  it('no header entry, no protobuf entry', () => {
    const noHeader = both(buildImage(encodeSavedState(state([])), BASE), 'no_header_entry');
    expect(noHeader.message).toContain(`the restore path panics "${noHeader.panic}"`);
    const noProtobuf = both(buildImage(encodeSavedState(state([entry(BASE, BASE + 0x1000n, T.VTL2_PERSISTED_STATE_HEADER)])), BASE), 'no_protobuf_entry');
    expect(noProtobuf.message).toContain(`the restore path panics "${noProtobuf.panic}"`);
  });

  it('header entry end != region start: the finding names the assertion line of the boot\'s panic', () => {
    const s = state([entry(BASE - 0x1000n, BASE, T.VTL2_PERSISTED_STATE_HEADER), entry(BASE + 0x1000n, BASE + 0x1_4000n, T.VTL2_PERSISTED_STATE_PROTOBUF)]);
    const { panic, message } = both(buildImage(encodeSavedState(s), BASE), 'header_entry_end_ne_protobuf_base');
    expect(panic).toBe('assertion `left == right` failed\n  left: 134217728\n right: 134221824');
    expect(message.endsWith('the restore path panics (assertion `left == right` failed)')).toBe(true);
  });

  it('an unaligned protobuf_base: the same assertion text', () => {
    const { panic, message } = both(withHeader(new Uint8Array(0), { protobufBase: BASE + 0x1008n }), 'unaligned_base');
    expect(message).toContain(`(${panic})`);
  });

  it('a region outside the persisted area: the boot\'s text, ranges elided', () => {
    const { panic, message } = both(withHeader(new Uint8Array(0), { protobufRegionLen: 0x20_0000n }), 'region_outside_persisted_area');
    expect(panic.startsWith('protobuf region MemoryRange {')).toBe(true);
    expect(message.endsWith('openhcl_boot panics "protobuf region … is not contained within the persisted state region …"')).toBe(true);
    expect(panic.replace(/MemoryRange \{[^}]*\}/g, '…')).toBe('protobuf region … is not contained within the persisted state region …');
  });
});
