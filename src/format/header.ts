import { Vtl2PersistError } from '../errors.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import { U64_MAX } from './saved-state.js';

/**
 * The 32-byte persisted-state header at the start of the persisted region
 * (wire-format.md §1, handoff.md §3): four little-endian u64 values. The rest
 * of its 4 KiB page is neither written nor read. Upstream requires that this
 * layout never change; new information goes into the protobuf payload.
 */
export interface PersistedStateHeader {
  /** `PERSISTED_STATE_MAGIC` when the previous instance wrote persisted state; anything else means it did not. */
  magic: bigint;
  /** GPA of the payload region (4 KiB aligned when written by OpenHCL). */
  protobufBase: bigint;
  /** Size in bytes of the payload region. */
  protobufRegionLen: bigint;
  /** Size in bytes of the encoded payload; at most `protobufRegionLen`. */
  protobufPayloadLen: bigint;
}

/** `u64::from_le_bytes(*b"OHCLPHDR")`: in memory the bytes read "OHCLPHDR". */
export const PERSISTED_STATE_MAGIC = 0x5244_4850_4c43_484fn;
/**
 * The constant of an early upstream draft, `0x4F48434C50484452`: the shipped
 * magic byte-swapped, so memory reads "RDHPLCHO". Never valid; reported apart
 * from "no magic" because it points at a writer built from the draft.
 */
export const DRAFT_MAGIC = 0x4f48_434c_5048_4452n;
/** Bytes of the header that carry meaning. */
export const HEADER_SIZE = 32n;
/** The header occupies one 4 KiB page; the payload region starts after it on a fresh boot. */
export const HEADER_PAGE_SIZE = 0x1000n;

/** Name, byte offset and meaning of each header field, in layout order (for dumps and docs). */
export const HEADER_FIELDS = [
  { key: 'magic', name: 'magic', offset: 0, meaning: 'OHCLPHDR if persisted state was written' },
  { key: 'protobufBase', name: 'protobuf_base', offset: 8, meaning: 'GPA of the payload region' },
  { key: 'protobufRegionLen', name: 'protobuf_region_len', offset: 16, meaning: 'size of the payload region' },
  { key: 'protobufPayloadLen', name: 'protobuf_payload_len', offset: 24, meaning: 'size of the encoded payload' },
] as const satisfies readonly { key: keyof PersistedStateHeader; name: string; offset: number; meaning: string }[];

/** What the magic says: written by OpenHCL, the byte-swapped draft constant, or nothing. */
export type MagicStatus = 'valid' | 'draft_magic' | 'no_magic';

/** Classifies a magic value. Only `valid` makes the boot shim take the restore path. */
export function classifyMagic(magic: bigint): MagicStatus {
  return magic === PERSISTED_STATE_MAGIC ? 'valid' : magic === DRAFT_MAGIC ? 'draft_magic' : 'no_magic';
}

/** Why a header could not be encoded or decoded. */
export type HeaderErrorCode = 'short_header' | 'value_out_of_range';

/** A header field that is not a u64, or fewer than 32 bytes to decode. */
export class HeaderError extends Vtl2PersistError {
  declare readonly code: HeaderErrorCode;
  /** The offending header field (proto-style name), or `""` for a short buffer. */
  readonly field: string;

  constructor(code: HeaderErrorCode, field: string, message: string) {
    super(code, message);
    this.field = field;
  }
}

/** Encodes a header as its 32 little-endian bytes. */
export function encodeHeader(header: PersistedStateHeader): Uint8Array {
  const bytes = new Uint8Array(Number(HEADER_SIZE));
  const view = new DataView(bytes.buffer);
  for (const f of HEADER_FIELDS) {
    const v = header[f.key];
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
      throw new HeaderError('value_out_of_range', f.name, `header ${f.name}: ${String(v)} is not a u64 bigint`);
    }
    view.setBigUint64(f.offset, v, true);
  }
  return bytes;
}

/** Decodes the first 32 bytes of `bytes` as a header; no field is validated (the boot shim checks them later, in order). */
export function decodeHeader(bytes: Uint8Array): PersistedStateHeader {
  if (bytes.length < HEADER_SIZE) {
    throw new HeaderError('short_header', '', `a persisted-state header is ${HEADER_SIZE} bytes; got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    magic: view.getBigUint64(0, true),
    protobufBase: view.getBigUint64(8, true),
    protobufRegionLen: view.getBigUint64(16, true),
    protobufPayloadLen: view.getBigUint64(24, true),
  };
}

/** A header as read from memory, with its magic classified. */
export interface HeaderRead {
  status: MagicStatus;
  header: PersistedStateHeader;
}

/** Reads the 32-byte header at `gpa` (the persisted region's start) and classifies its magic. */
export function readHeader(memory: GuestMemory, gpa: bigint): HeaderRead {
  const header = decodeHeader(memory.read(gpa, HEADER_SIZE));
  return { status: classifyMagic(header.magic), header };
}

/** Writes the 32-byte header at `gpa` in one store, leaving the rest of the page untouched. */
export function writeHeader(memory: GuestMemory, gpa: bigint, header: PersistedStateHeader): void {
  memory.write(gpa, encodeHeader(header));
}
