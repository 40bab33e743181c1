import { ArgumentError, Vtl2PersistError, describeValue, expectBigint, expectBytes, expectObject } from '../errors.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { U64_MAX } from './saved-state.js';

/**
 * The 32-byte persisted-state header at the start of the persisted region
 * (upstream `loader_defs` `shim.rs` `PersistedStateHeader`; docs/header-layout.md): four little-endian u64 values. The rest
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
/**
 * Size of the persisted area the IGVM loader reserves at the start of VTL2 memory (2 MiB): the
 * header page and the payload region both live inside it, so no dump of them is usefully larger.
 */
export const PERSISTED_AREA_LEN = 0x20_0000n;

/** One header field's place and meaning, as {@link HEADER_FIELDS} lists it. */
export interface HeaderFieldInfo {
  /** The field's key in {@link PersistedStateHeader}. */
  readonly key: keyof PersistedStateHeader;
  /** The field's upstream (proto-style) name, e.g. `protobuf_payload_len`. */
  readonly name: string;
  /** Byte offset in the header; every field is a little-endian u64. */
  readonly offset: number;
  /** What the field holds, in a few words. */
  readonly meaning: string;
}

/** Name, byte offset and meaning of each header field, in layout order (for dumps and docs). */
export const HEADER_FIELDS: readonly HeaderFieldInfo[] = [
  { key: 'magic', name: 'magic', offset: 0, meaning: 'OHCLPHDR if persisted state was written' },
  { key: 'protobufBase', name: 'protobuf_base', offset: 8, meaning: 'GPA of the payload region' },
  { key: 'protobufRegionLen', name: 'protobuf_region_len', offset: 16, meaning: 'size of the payload region' },
  { key: 'protobufPayloadLen', name: 'protobuf_payload_len', offset: 24, meaning: 'size of the encoded payload' },
];

/** What the magic says: written by OpenHCL, the byte-swapped draft constant, or nothing. */
export type MagicStatus = 'valid' | 'draft_magic' | 'no_magic';

/** Classifies a magic value. Only `valid` makes the boot shim take the restore path. */
export function classifyMagic(magic: bigint): MagicStatus {
  expectBigint(magic, 'classifyMagic(magic)');
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

/** Encodes a header as its 32 little-endian bytes; a field that is not a u64 bigint is a `HeaderError` naming it. */
export function encodeHeader(header: PersistedStateHeader): Uint8Array {
  expectObject(header, 'encodeHeader(header)');
  const bytes = new Uint8Array(Number(HEADER_SIZE));
  for (const f of HEADER_FIELDS) {
    const v = header[f.key];
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) {
      throw new HeaderError('value_out_of_range', f.name, `header ${f.name}: ${typeof v === 'bigint' ? String(v) : describeValue(v)} is not a u64 bigint`);
    }
    putU64(bytes, f.offset, v);
  }
  return bytes;
}

/**
 * Decodes the first 32 bytes of `bytes` as a header; no field is validated (the boot shim checks them later, in order).
 * Anything but a `Uint8Array` is an `ArgumentError` (a string would otherwise index as zeros).
 */
export function decodeHeader(bytes: Uint8Array): PersistedStateHeader {
  expectBytes(bytes, 'decodeHeader(bytes)');
  if (bytes.length < HEADER_SIZE) {
    throw new HeaderError('short_header', '', `a persisted-state header is ${HEADER_SIZE} bytes; got ${bytes.length}`);
  }
  return {
    magic: getU64(bytes, 0),
    protobufBase: getU64(bytes, 8),
    protobufRegionLen: getU64(bytes, 16),
    protobufPayloadLen: getU64(bytes, 24),
  };
}

// Little-endian u64 by hand: a DataView per header costs more than the whole decode, and
// every boot and save reads or writes one.
function getU32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
}

function getU64(b: Uint8Array, o: number): bigint {
  const lo = getU32(b, o);
  const hi = getU32(b, o + 4);
  // hi < 2^21 keeps hi·2^32 + lo below 2^53, exact as a double.
  return hi < 0x20_0000 ? BigInt(hi * 0x1_0000_0000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

function putU64(b: Uint8Array, o: number, v: bigint): void {
  const lo = Number(v & 0xffff_ffffn);
  const hi = Number(v >> 32n);
  for (let i = 0; i < 4; i++) {
    b[o + i] = (lo >>> (8 * i)) & 0xff;
    b[o + 4 + i] = (hi >>> (8 * i)) & 0xff;
  }
}

/** A header as read from memory, with its magic classified. */
export interface HeaderRead {
  /** Whether the magic is OpenHCL's; only `valid` leads the boot shim to restore. */
  status: MagicStatus;
  /** The four fields as decoded, whatever the magic. */
  header: PersistedStateHeader;
}

/** Reads the 32-byte header at `gpa` (the persisted region's start) and classifies its magic. */
export function readHeader(memory: GuestMemory, gpa: bigint): HeaderRead {
  expectMemory(memory, 'readHeader(memory)');
  expectBigint(gpa, 'readHeader(gpa)');
  const header = decodeHeader(memory.read(gpa, HEADER_SIZE));
  return { status: classifyMagic(header.magic), header };
}

/** Writes the 32-byte header at `gpa` in one store, leaving the rest of the page untouched. */
export function writeHeader(memory: GuestMemory, gpa: bigint, header: PersistedStateHeader): void {
  expectMemory(memory, 'writeHeader(memory)');
  expectBigint(gpa, 'writeHeader(gpa)');
  memory.write(gpa, encodeHeader(header));
}

function expectMemory(value: unknown, argument: string): asserts value is GuestMemory {
  if (!(value instanceof GuestMemory)) throw new ArgumentError(argument, 'a GuestMemory', value);
}
