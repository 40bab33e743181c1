/**
 * The persisted-state region as usermode lays it out (upstream `write_persisted_info` writes the
 * header page at the region's start and the payload one page in): the sizes OpenHCL reserves,
 * a whole region image built from a payload, and how a region dump is told from a bare payload
 * by its first eight bytes.
 */
import { Vtl2PersistError } from '../errors.js';
import { DRAFT_MAGIC, HEADER_PAGE_SIZE, PERSISTED_STATE_MAGIC, encodeHeader } from '../format/header.js';
import { formatHex as hex } from '../memory/u64.js';

export { PERSISTED_AREA_LEN } from '../format/header.js';

/** The payload region OpenHCL reserves after the header page: 19 pages. */
export const PAYLOAD_REGION_LEN = 0x13000n;
/** Header page + payload region: what `buildImage` writes and a fresh boot reserves. */
export const IMAGE_LEN = HEADER_PAGE_SIZE + PAYLOAD_REGION_LEN;

/** Stable reasons a {@link RegionImageError} is thrown. */
export type RegionImageErrorCode = 'payload_too_large';

/** A region image cannot be built: the payload does not fit the {@link PAYLOAD_REGION_LEN}-byte region. */
export class RegionImageError extends Vtl2PersistError {
  declare readonly code: RegionImageErrorCode;
  /** The payload's length in bytes. */
  readonly payloadLen: bigint;
  /** What the payload region holds. */
  readonly regionLen: bigint;

  constructor(code: RegionImageErrorCode, payloadLen: bigint, regionLen: bigint) {
    // The message is what `vtl2-persist image` prints (docs/cli.md), so the CLI passes it on as is.
    super(code, `the payload is ${payloadLen} bytes (${hex(payloadLen)}); the payload region holds only ${hex(regionLen)} (${regionLen}) bytes`);
    this.payloadLen = payloadLen;
    this.regionLen = regionLen;
  }
}

/**
 * A whole region image as OpenHCL leaves it at `base`: the header page (the 32-byte header
 * pointing one page in, rest zero), then the 19-page payload region (payload at its start,
 * zero padding). `base` only fills `protobuf_base`; nothing is written to guest memory.
 * @throws {RegionImageError} `payload_too_large` when the payload is longer than the region.
 */
export function buildImage(payload: Uint8Array, base: bigint): Uint8Array {
  if (BigInt(payload.length) > PAYLOAD_REGION_LEN) throw new RegionImageError('payload_too_large', BigInt(payload.length), PAYLOAD_REGION_LEN);
  const image = new Uint8Array(Number(IMAGE_LEN));
  image.set(
    encodeHeader({
      magic: PERSISTED_STATE_MAGIC,
      protobufBase: base + HEADER_PAGE_SIZE,
      protobufRegionLen: PAYLOAD_REGION_LEN,
      protobufPayloadLen: BigInt(payload.length),
    }),
    0,
  );
  image.set(payload, Number(HEADER_PAGE_SIZE));
  return image;
}

/** Whether bytes start with the shipped or the draft magic (a region dump, not a bare payload). */
export function startsWithMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return magic === PERSISTED_STATE_MAGIC || magic === DRAFT_MAGIC;
}
