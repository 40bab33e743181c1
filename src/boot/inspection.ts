/**
 * What openhcl_boot would trip over in one persisted-state region dump or bare payload, found
 * without running a boot: whether the input is a region dump or a bare payload, the header and
 * every restore-path check it fails (quoting the panic texts of restore-checks.ts, the ones the
 * boot shim throws), the decoded state and the payload's wire view. `vtl2-persist inspect`
 * (src/cli/inspect.ts) and the explorer page render it. Pure: reads no file, writes nothing,
 * decides no exit code.
 */
import { DecodeError } from '../format/codec-error.js';
import { decodeSavedState } from '../format/decode.js';
import { HEADER_PAGE_SIZE, HEADER_SIZE, PERSISTED_AREA_LEN, classifyMagic, decodeHeader, type MagicStatus, type PersistedStateHeader } from '../format/header.js';
import { U64_MAX, type SavedState } from '../format/saved-state.js';
import { walkWire, type WireView } from '../format/wire-walk.js';
import { formatHex as hex } from '../memory/range.js';
import { MemoryVtlType } from '../memory/vtl-type.js';
import {
  decodePanicText,
  headerEntryMissingPanic,
  headerNotAdjacentPanic,
  payloadLenPanic,
  protobufEntryMissingPanic,
  regionNotContainedPanic,
  regionUnalignedText,
} from './restore-checks.js';

/** The bytes as ASCII, `.` for anything that is not printable (0x20–0x7e): how a magic is quoted. */
export function asciiOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}

/** Something about the input worth telling: `error` = openhcl_boot would panic on it or a writer is broken. */
export interface Finding {
  /** Stable id of the finding, e.g. `payload_len_gt_region_len`, `draft_magic`. */
  code: string;
  /** `error`: openhcl_boot would panic (or the writer is broken); `warning`: suspicious; `info`: worth knowing. */
  severity: 'error' | 'warning' | 'info';
  /** The finding in words, quoting the panic text where there is one. */
  message: string;
}

/** Everything `inspect` found out about one input. */
export interface Inspection {
  /** The input's name as given (`-` for standard input). */
  file: string;
  /** The input's length in bytes. */
  size: number;
  /** A region dump (header page first) or a bare payload. */
  kind: 'region' | 'payload';
  /** Why the input was taken as a region dump or a payload. */
  detection: string;
  /** GPA of the dump's first byte: --base, or the shim's persisted_state.start for a region dump. */
  base: bigint | undefined;
  /** Whether `base` came from the shim rather than --base. */
  baseFromShim: boolean;
  /** The 32-byte header of a region dump. */
  header: PersistedStateHeader | undefined;
  /** What the header's magic is. */
  status: MagicStatus | undefined;
  /** The first page of a region dump (at most 4 KiB). */
  headerPage: Uint8Array | undefined;
  /** Where the payload was taken from, or undefined when the dump does not hold it. */
  payloadAt:
    | {
        /** Offset of the payload's first byte in the input. */
        fileOffset: number;
        /** Its guest-physical address (protobuf_base), unknown for a bare payload. */
        gpa: bigint | undefined;
      }
    | undefined;
  /** The payload bytes (of a region dump: those the dump holds, at most the declared length). */
  payload: Uint8Array | undefined;
  /** Everything worth telling, in the order the checks ran. */
  findings: Finding[];
  /** The payload as the real decoder reads it, when it accepts it. */
  decoded: SavedState | undefined;
  /** Why the real decoder rejects the payload, when it does. */
  decodeError: DecodeError | undefined;
  /** The payload's fields under mesh_protobuf's wire rules, up to a decode error. */
  wire: WireView | undefined;
}

/** How detection is steered: automatic, or forced by --payload / --region. */
export type InspectMode = 'auto' | 'payload' | 'region';

/** How {@link inspectBytes} reads its input. */
export interface InspectOptions {
  /** The input's name, for the report (default `-`). */
  file?: string;
  /** GPA of the input's first byte (--base): locates the payload and the persisted area. */
  base?: bigint;
  /** Automatic detection, or forced (default `auto`). */
  mode?: InspectMode;
  /** Where the shim reads the header (persisted_state.start): a region dump's base when `base` is absent. */
  shimBase?: bigint;
}

/** Values OpenHCL could have written: aligned base, a region of at most the persisted area, payload within it. */
function plausibleHeader(h: PersistedStateHeader): boolean {
  return (
    h.protobufBase % HEADER_PAGE_SIZE === 0n &&
    h.protobufRegionLen > 0n &&
    h.protobufRegionLen <= PERSISTED_AREA_LEN &&
    h.protobufPayloadLen <= h.protobufRegionLen
  );
}

function detect(bytes: Uint8Array, mode: InspectMode): { kind: 'region' | 'payload'; why: string } {
  if (mode === 'payload') return { kind: 'payload', why: 'bare payload (--payload)' };
  if (mode === 'region') return { kind: 'region', why: 'region dump (--region)' };
  if (bytes.length >= 8) {
    const status = classifyMagic(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    if (status === 'valid') return { kind: 'region', why: 'region dump (starts with the OHCLPHDR magic)' };
    if (status === 'draft_magic') return { kind: 'region', why: 'region dump (starts with the byte-swapped draft magic "RDHPLCHO")' };
  }
  if (bytes.length >= Number(HEADER_PAGE_SIZE) && plausibleHeader(decodeHeader(bytes))) {
    return { kind: 'region', why: 'region dump (no magic, but at least a page long and starting with a plausible header)' };
  }
  return {
    kind: 'payload',
    why: 'bare payload (no header magic and no plausible header at the start; --region forces a region dump)',
  };
}

/**
 * Inspects the bytes of one input: what openhcl_boot would make of it, without a boot (no shim
 * or host needed; `boot` with `--shim`/`--host` is the full answer). Pure: reads nothing, writes
 * nothing, never throws for bad input.
 */
export function inspectBytes(
  bytes: Uint8Array,
  options: InspectOptions = {},
): Inspection {
  const { kind, why } = detect(bytes, options.mode ?? 'auto');
  // A region dump without --base sits where the boot emulation puts it: at the shim's persisted_state.start.
  const base = options.base ?? (kind === 'region' ? options.shimBase : undefined);
  const result: Inspection = {
    file: options.file ?? '-',
    size: bytes.length,
    kind,
    detection: why,
    base,
    baseFromShim: options.base === undefined && base !== undefined,
    header: undefined,
    status: undefined,
    headerPage: undefined,
    payloadAt: undefined,
    payload: undefined,
    findings: [],
    decoded: undefined,
    decodeError: undefined,
    wire: undefined,
  };
  const add = (severity: Finding['severity'], code: string, message: string) => result.findings.push({ code, severity, message });
  if (kind === 'payload') {
    if (options.base !== undefined) add('warning', 'base_ignored', '--base is ignored for a bare payload (it locates a region dump; --region forces one)');
    result.payload = bytes;
    result.payloadAt = { fileOffset: 0, gpa: undefined };
  } else if (bytes.length < HEADER_SIZE) {
    add('error', 'short_header', `the dump is ${bytes.length} bytes: too short for the ${HEADER_SIZE}-byte header`);
  } else {
    regionFindings(bytes, result, add);
  }
  if (result.payload !== undefined) decodeFindings(result, add);
  return result;
}

function regionFindings(bytes: Uint8Array, result: Inspection, add: (s: Finding['severity'], code: string, message: string) => void): void {
  const h = decodeHeader(bytes);
  const status = classifyMagic(h.magic);
  const base = result.base;
  result.header = h;
  result.status = status;
  result.headerPage = bytes.subarray(0, Math.min(bytes.length, Number(HEADER_PAGE_SIZE)));
  const magicText = `"${asciiOf(bytes.subarray(0, 8))}"`;
  if (status === 'draft_magic') {
    add(
      'error',
      'draft_magic',
      `magic ${hex(h.magic)} (${magicText}) is the byte-swapped constant of an early upstream draft, not the shipped OHCLPHDR: openhcl_boot treats it as "no magic" and takes the fresh path; the writer was built from the draft`,
    );
  } else if (status === 'no_magic') {
    add(
      'warning',
      'no_magic',
      `magic ${hex(h.magic)} (${magicText}) is not OHCLPHDR: openhcl_boot takes the fresh path and ignores the rest of the header (the checks below are informational)`,
    );
  }
  // Header checks that make the restore path panic; they only matter once the magic is valid.
  const sev: Finding['severity'] = status === 'no_magic' ? 'info' : 'error';
  const pb = h.protobufBase;
  const rl = h.protobufRegionLen;
  const pl = h.protobufPayloadLen;
  if (pb % HEADER_PAGE_SIZE !== 0n) {
    add(sev, 'unaligned_base', `protobuf_base ${hex(pb)} is not 4 KiB aligned: openhcl_boot panics (${regionUnalignedText('start')})`);
  }
  const regionEnd = pb + rl;
  if (regionEnd > U64_MAX) {
    add(sev, 'region_wraps', `protobuf_base + protobuf_region_len = ${hex(regionEnd)} overflows 2^64 (wraps to ${hex(regionEnd & U64_MAX)}): openhcl_boot panics building the region`);
  } else if (regionEnd % HEADER_PAGE_SIZE !== 0n) {
    add(sev, 'region_end_unaligned', `the payload region ends at ${hex(regionEnd)}, not 4 KiB aligned: openhcl_boot panics (${regionUnalignedText('end')})`);
  }
  if (pl > rl) {
    add(
      sev,
      'payload_len_gt_region_len',
      `protobuf_payload_len ${hex(pl)} (${pl}) is larger than protobuf_region_len ${hex(rl)} (${rl}): openhcl_boot panics "${payloadLenPanic(pl, rl).message}"`,
    );
  }
  if (base !== undefined) {
    const areaEnd = base + PERSISTED_AREA_LEN;
    if (base % HEADER_PAGE_SIZE !== 0n) add('warning', 'persisted_base_unaligned', `--base ${hex(base)} is not 4 KiB aligned; the persisted area always is`);
    if (pb < base || regionEnd > areaEnd) {
      add(
        sev,
        'region_outside_persisted_area',
        `the payload region [${hex(pb)}, ${hex(regionEnd)}) is not inside the 2 MiB persisted area [${hex(base)}, ${hex(areaEnd)}): openhcl_boot panics "${regionNotContainedPanic('…', '…').message}"`,
      );
    } else if (pb < base + HEADER_PAGE_SIZE) {
      add('warning', 'region_overlaps_header', `the payload region starts at ${hex(pb)}, inside the header page [${hex(base)}, ${hex(base + HEADER_PAGE_SIZE)})`);
    } else if (pb !== base + HEADER_PAGE_SIZE) {
      add('info', 'unusual_base', `OpenHCL puts the payload region right after the header page (${hex(base + HEADER_PAGE_SIZE)}); this one is at base + ${hex(pb - base)}`);
    }
  }
  const stale = result.headerPage.subarray(Number(HEADER_SIZE)).reduce((n, b) => n + (b === 0 ? 0 : 1), 0);
  if (stale > 0) add('info', 'header_page_not_zero', `${stale} byte(s) of the header page after the 32-byte header are not zero (openhcl_boot never reads them)`);

  // Where the payload is in the file: bounded by the file, whatever the header claims.
  const offset = base !== undefined ? pb - base : HEADER_PAGE_SIZE;
  const size = BigInt(bytes.length);
  if (pl === 0n && status === 'no_magic') {
    // Nothing was written: no payload to show.
  } else if (pl === 0n) {
    result.payloadAt = { fileOffset: Number(offset < 0n || offset > size ? 0n : offset), gpa: pb };
    result.payload = new Uint8Array(0);
  } else if (offset < 0n || offset >= size) {
    add('warning', 'payload_not_in_dump', `the payload (file offset ${offset < 0n ? `-${hex(-offset)}` : hex(offset)}) is not in this ${bytes.length}-byte dump`);
  } else {
    const avail = size - offset;
    const take = pl < avail ? pl : avail;
    if (pl > avail) {
      add(
        'warning',
        'payload_truncated',
        `the dump holds only ${avail} of the ${pl} (${hex(pl)}) payload bytes the header declares; only those are decoded (an error at their end may be an artifact of the short dump)`,
      );
    }
    result.payloadAt = { fileOffset: Number(offset), gpa: pb };
    result.payload = bytes.subarray(Number(offset), Number(offset + take));
  }
}

function decodeFindings(result: Inspection, add: (s: Finding['severity'], code: string, message: string) => void): void {
  const payload = result.payload!;
  // Whether openhcl_boot would decode this payload at all: always for a bare payload, and for a region once the magic is valid.
  const sev: Finding['severity'] = result.kind === 'payload' || result.status !== 'no_magic' ? 'error' : 'info';
  result.wire = walkWire(payload);
  try {
    result.decoded = decodeSavedState(payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    result.decodeError = e;
    add(sev, 'payload_rejected', `the real decoder rejects the payload: ${e.message}; openhcl_boot panics "${decodePanicText(e)}"`);
    return;
  }
  const s = result.decoded;
  const headerEntry = s.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_HEADER);
  const protobufEntry = s.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF);
  if (headerEntry === undefined) {
    add(sev, 'no_header_entry', `partition_memory has no VTL2_PERSISTED_STATE_HEADER entry: the restore path panics "${headerEntryMissingPanic().message}"`);
  } else if (protobufEntry === undefined) {
    add(sev, 'no_protobuf_entry', `partition_memory has no VTL2_PERSISTED_STATE_PROTOBUF entry: the restore path panics "${protobufEntryMissingPanic().message}"`);
  } else if (result.header !== undefined && headerEntry.range.end !== result.header.protobufBase) {
    add(
      sev,
      'header_entry_end_ne_protobuf_base',
      `the saved VTL2_PERSISTED_STATE_HEADER entry ends at ${hex(headerEntry.range.end)} but protobuf_base is ${hex(result.header.protobufBase)}: the restore path panics (${firstLine(headerNotAdjacentPanic(headerEntry.range.end, result.header.protobufBase).message)})`,
    );
  }
  if (headerEntry !== undefined && result.base !== undefined && result.kind === 'region' && headerEntry.range.start !== result.base) {
    add('warning', 'header_entry_not_at_base', `the saved VTL2_PERSISTED_STATE_HEADER entry starts at ${hex(headerEntry.range.start)}, not at --base ${hex(result.base)}`);
  }
}

/** A multi-line panic's first line: the assertion, without the values the finding already gives. */
function firstLine(text: string): string {
  return text.split('\n', 1)[0]!;
}
