import { decodeSavedState } from '../format/decode.js';
import { encodeSavedState } from '../format/encode.js';
import {
  HEADER_FIELDS,
  PERSISTED_STATE_MAGIC,
  encodeHeader,
  readHeader,
  writeHeader,
  type HeaderRead,
  type PersistedStateHeader,
} from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import { savedStateToJson } from '../format/state-json.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { formatHex as hex } from '../memory/range.js';
import { IgvmMemoryType as Igvm, MemoryVtlType as Vtl, igvmTypeName, vtlTypeName } from '../memory/vtl-type.js';
import { humanSize, table } from './text.js';

/** Start of VTL2 memory and of its 2 MiB persisted region in the sample (the IGVM loader's default base). */
export const DEMO_PERSISTED_BASE = 0x800_0000n;
/** The payload region follows the 1-page header and is 19 pages long, as on a fresh OpenHCL boot. */
export const DEMO_PAYLOAD_BASE = DEMO_PERSISTED_BASE + 0x1000n;
export const DEMO_PAYLOAD_REGION_LEN = 0x13000n;

const mem = (start: bigint, end: bigint, vtlType: number, igvmType: number) => ({ range: { start, end }, vnode: 0, vtlType, igvmType });
const vtl2 = (start: bigint, end: bigint, vtlType: number) => mem(start, end, vtlType, Igvm.VTL2_PROTECTABLE);
const vtl0 = (start: bigint, end: bigint) => mem(start, end, Vtl.VTL0, Igvm.MEMORY);

/**
 * The `/openhcl` memory map that OpenHCL's first boot produces for worked
 * example A of shared/vectors (x86, Host allocation mode, 64 MiB of VTL2 RAM at
 * 128 MiB, one NUMA node, a heuristic 2 MiB private pool), with CPU 2 having
 * mapped interrupts and CPU 1 outstanding IO at save time.
 */
export function demoState(): SavedState {
  return {
    partitionMemory: [
      vtl0(0x0n, 0x800_0000n),
      vtl2(0x800_0000n, 0x800_1000n, Vtl.VTL2_PERSISTED_STATE_HEADER),
      vtl2(0x800_1000n, 0x801_4000n, Vtl.VTL2_PERSISTED_STATE_PROTOBUF),
      vtl2(0x801_4000n, 0x8bf_c000n, Vtl.VTL2_RAM),
      vtl2(0x8bf_c000n, 0x8c0_0000n, Vtl.VTL2_RESERVED),
      vtl2(0x8c0_0000n, 0x8c2_8000n, Vtl.VTL2_CONFIG),
      vtl2(0x8c2_8000n, 0x8c6_8000n, Vtl.VTL2_RAM),
      vtl2(0x8c6_8000n, 0x8d6_a000n, Vtl.VTL2_CONFIG),
      vtl2(0x8d6_a000n, 0x8d6_c000n, Vtl.VTL2_BOOTSHIM_LOG_BUFFER),
      vtl2(0x8d6_c000n, 0xbe0_0000n, Vtl.VTL2_RAM),
      vtl2(0xbe0_0000n, 0xc00_0000n, Vtl.VTL2_GPA_POOL),
      vtl0(0xc00_0000n, 0x8000_0000n),
      vtl0(0x1_0000_0000n, 0x2_0000_0000n),
    ],
    partitionMmio: [
      { range: { start: 0xf800_0000n, end: 0xfc00_0000n }, vtlType: Vtl.VTL0_MMIO },
      { range: { start: 0xf_c000_0000n, end: 0x10_0000_0000n }, vtlType: Vtl.VTL0_MMIO },
      { range: { start: 0xf8_0000_0000n, end: 0xf8_0800_0000n }, vtlType: Vtl.VTL2_MMIO },
    ],
    cpusWithMappedInterruptsNoIo: [2],
    cpusWithOutstandingIo: [1],
  };
}

/** Everything the demo did, for both the human and the `--json` output. */
export interface DemoResult {
  written: SavedState;
  payload: Uint8Array;
  headerRead: HeaderRead;
  decoded: SavedState;
}

/**
 * Writes the sample topology into a fresh simulated guest memory the way
 * OpenHCL's usermode does (payload first, then the header), then reads it back
 * the way the next openhcl_boot starts: header at the persisted base, then
 * `protobuf_payload_len` bytes at `protobuf_base`, decoded.
 */
export function runDemo(): DemoResult {
  const memory = new GuestMemory();
  const written = demoState();
  const payload = encodeSavedState(written);
  memory.write(DEMO_PAYLOAD_BASE, payload);
  const header: PersistedStateHeader = {
    magic: PERSISTED_STATE_MAGIC,
    protobufBase: DEMO_PAYLOAD_BASE,
    protobufRegionLen: DEMO_PAYLOAD_REGION_LEN,
    protobufPayloadLen: BigInt(payload.length),
  };
  writeHeader(memory, DEMO_PERSISTED_BASE, header);

  const headerRead = readHeader(memory, DEMO_PERSISTED_BASE);
  const decoded = decodeSavedState(memory.read(headerRead.header.protobufBase, headerRead.header.protobufPayloadLen));
  return { written, payload, headerRead, decoded };
}

/** The demo's machine-readable output. */
export function demoJson(result: DemoResult): unknown {
  const h = result.headerRead.header;
  return {
    header_at: hex(DEMO_PERSISTED_BASE),
    header: {
      status: result.headerRead.status,
      magic: hex(h.magic),
      protobuf_base: hex(h.protobufBase),
      protobuf_region_len: hex(h.protobufRegionLen),
      protobuf_payload_len: hex(h.protobufPayloadLen),
    },
    payload_hex: Buffer.from(result.payload).toString('hex'),
    decoded: savedStateToJson(result.decoded),
    round_trip_equal: JSON.stringify(savedStateToJson(result.decoded)) === JSON.stringify(savedStateToJson(result.written)),
  };
}

/** The demo's human-readable output. */
export function demoText(result: DemoResult): string {
  const { headerRead, decoded, payload } = result;
  const h = headerRead.header;
  const same = JSON.stringify(savedStateToJson(decoded)) === JSON.stringify(savedStateToJson(result.written));
  const headerRows = HEADER_FIELDS.map((f) => {
    const v = h[f.key];
    const note =
      f.key === 'magic'
        ? `"${Buffer.from(new BigUint64Array([v]).buffer).toString('latin1')}" (${headerRead.status === 'valid' ? 'valid magic' : headerRead.status})`
        : f.key === 'protobufPayloadLen'
          ? `${humanSize(v)} of a ${humanSize(h.protobufRegionLen)} region`
          : f.key === 'protobufRegionLen'
            ? humanSize(v)
            : f.meaning;
    return [`0x${f.offset.toString(16).padStart(2, '0')}`, f.name, hex(v), note];
  });
  const memoryRows = decoded.partitionMemory.map((e) => [
    `${hex(e.range.start)}-${hex(e.range.end)}`,
    humanSize(e.range.end - e.range.start),
    vtlTypeName(e.vtlType) ?? String(e.vtlType),
    String(e.vnode),
    igvmTypeName(e.igvmType) ?? String(e.igvmType),
  ]);
  const mmioRows = decoded.partitionMmio.map((e) => [
    `${hex(e.range.start)}-${hex(e.range.end)}`,
    humanSize(e.range.end - e.range.start),
    vtlTypeName(e.vtlType) ?? String(e.vtlType),
    '',
    '',
  ]);
  const cpus = (list: number[]) => (list.length === 0 ? 'none' : list.join(', '));
  return [
    'vtl2-persist demo: OpenHCL usermode saves the partition topology into VTL2 memory;',
    'the next openhcl_boot reads it back.',
    '',
    `1. usermode writes the payload (${humanSize(BigInt(payload.length))}) at ${hex(DEMO_PAYLOAD_BASE)}, then the 32-byte header at ${hex(DEMO_PERSISTED_BASE)}.`,
    '',
    `2. openhcl_boot reads the header at ${hex(DEMO_PERSISTED_BASE)} (four little-endian u64 values):`,
    table(['offset', 'field', 'value', 'meaning'], headerRows),
    `   bytes in memory: ${Buffer.from(encodeHeader(h)).toString('hex').replace(/(.{16})(?!$)/g, '$1 ')}`,
    '',
    `3. it decodes ${h.protobufPayloadLen} payload bytes at ${hex(h.protobufBase)} into the saved topology:`,
    table(['range', 'size', 'type', 'vnode', 'igvm type'], [...memoryRows, ...mmioRows]),
    `   CPUs with mapped interrupts, no IO: ${cpus(decoded.cpusWithMappedInterruptsNoIo)}; with outstanding IO: ${cpus(decoded.cpusWithOutstandingIo)}`,
    '',
    same ? 'Round trip: the decoded topology equals the one written.' : 'Round trip: MISMATCH between written and decoded topology.',
  ].join('\n');
}
