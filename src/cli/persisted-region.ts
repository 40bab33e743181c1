/**
 * The persisted-state region as the CLI lays it out and reports on it: the sizes OpenHCL
 * reserves, the region image `image` writes, how a dump is told from a bare payload, and how a
 * rejected payload is shown (the panic text openhcl_boot prints, its JSON form). Shared by the
 * codec commands and the inspector.
 */
import type { DecodeError } from '../format/codec-error.js';
import { DRAFT_MAGIC, HEADER_PAGE_SIZE, PERSISTED_STATE_MAGIC, encodeHeader } from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import { savedStateToJson } from '../format/state-json.js';
import { formatHex as hex } from '../memory/range.js';
import { CliFailure } from './io.js';
import { JsonStreamArray } from './kit/output.js';

/** The payload region OpenHCL reserves after the header page: 19 pages. */
export const PAYLOAD_REGION_LEN = 0x13000n;
/** Header page + payload region: what `image` writes and a fresh boot reserves. */
export const IMAGE_LEN = HEADER_PAGE_SIZE + PAYLOAD_REGION_LEN;
/** Size of the persisted area the IGVM loader reserves at the start of VTL2 memory. */
export const PERSISTED_AREA_LEN = 0x20_0000n;

/**
 * The region image `image` writes: header page (32-byte header, rest zero)
 * then the 19-page payload region (payload at its start, zero padding).
 * @throws {CliFailure} exit 1 when the payload is longer than the region.
 */
export function buildImage(payload: Uint8Array, base: bigint): Uint8Array {
  if (BigInt(payload.length) > PAYLOAD_REGION_LEN) {
    throw new CliFailure(
      1,
      `the payload is ${payload.length} bytes (${hex(BigInt(payload.length))}); the payload region holds only ${hex(PAYLOAD_REGION_LEN)} (${PAYLOAD_REGION_LEN}) bytes`,
    );
  }
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

/** The JSON object describing a rejected payload (decode --json, inspect --json). */
export function decodeErrorJson(e: DecodeError): Record<string, unknown> {
  return { code: e.code, message: e.meshMessage, mesh_variant: e.meshVariant, offset: e.offset, path: e.path };
}

/** The panic openhcl_boot prints for a payload its decoder rejects. */
export function decodePanicText(e: DecodeError): string {
  return `failed to decode protobuf: Error(ErrorInner { types: [], err: ${e.meshVariant} })`;
}

/** Whether bytes start with the shipped or the draft magic (a region dump, not a bare payload). */
export function startsWithMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return magic === PERSISTED_STATE_MAGIC || magic === DRAFT_MAGIC;
}

/** How many list entries {@link streamedStateJson} converts at a time. */
const STATE_JSON_BATCH = 4096;

/**
 * The canonical JSON of a state for {@link printJson}, with its two entry lists produced in
 * batches of {@link STATE_JSON_BATCH} (each through `savedStateToJson` itself, so the bytes are
 * those of `JSON.stringify(savedStateToJson(s), null, 2)`): a 2 MiB payload of a million empty
 * entries then never has a million JSON objects alive at once.
 */
export function streamedStateJson(s: SavedState): Record<string, unknown> {
  const json: Record<string, unknown> = { ...savedStateToJson({ ...s, partitionMemory: [], partitionMmio: [] }) };
  const lists = [
    ['partition_memory', 'partitionMemory'],
    ['partition_mmio', 'partitionMmio'],
  ] as const;
  for (const [key, field] of lists) {
    if (!Array.isArray(json[key])) continue;
    json[key] = new JsonStreamArray(function* () {
      const all = s[field];
      for (let at = 0; at < all.length; at += STATE_JSON_BATCH) {
        const part = savedStateToJson({ ...s, partitionMemory: [], partitionMmio: [], [field]: all.slice(at, at + STATE_JSON_BATCH) });
        yield* part[key];
      }
    });
  }
  return json;
}
