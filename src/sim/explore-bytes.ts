/**
 * The explorer's byte view: an input's bytes with every byte attributed to the field it belongs
 * to, from the inspector itself (src/boot/inspection.ts `inspectBytes`, its header field table
 * and its wire view `walkWire`), so the page's hover text states the same facts `inspect --json`
 * prints: a header byte names `header.protobuf_base` with the value and meaning of the header
 * table, a payload byte the wire row (path, wire type, value, meaning) that holds it.
 */
import { headerFields } from '../boot/header-fields.js';
import type { Inspection } from '../boot/inspection.js';
import { decodePanicText } from '../boot/restore-checks.js';
import { HEADER_SIZE } from '../format/header.js';
import { WIRE_TYPE_NAMES, type WireRow } from '../format/wire-walk.js';
import { formatHex as hex } from '../memory/u64.js';
import type { ByteSpanJson, ByteViewJson } from './explore-types.js';

/** How many input bytes a byte view shows by default (the rest is counted, not shown). */
export const DEFAULT_SHOWN_BYTES = 64 * 1024;

/** Length of the varint at `pos` (at most 10 bytes; the walk has validated it). */
function varintLength(bytes: Uint8Array, pos: number): number {
  let n = 1;
  while (n < 10 && pos + n - 1 < bytes.length && (bytes[pos + n - 1]! & 0x80) !== 0) n++;
  return n;
}

function nonZero(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b !== 0) n++;
  return n;
}

/** The spans of one wire row, at `base` in the input (the payload's file offset). */
function rowSpans(row: WireRow, payload: Uint8Array, base: number): ByteSpanJson[] {
  const wireType = WIRE_TYPE_NAMES[row.wireType] ?? String(row.wireType);
  const keyEnd = row.offset + varintLength(payload, row.offset);
  const facts = {
    path: row.path,
    depth: row.depth,
    wireType,
    ...(row.value !== undefined && { valueHex: hex(row.value), valueDec: String(row.value) }),
    meaning: row.meaning,
  };
  const unknown = row.unknown;
  const at = (from: number, to: number, kind: ByteSpanJson['kind'], extra: Partial<ByteSpanJson> = {}): ByteSpanJson => ({
    start: base + from,
    end: base + to,
    kind: unknown ? 'unknown' : kind,
    ...facts,
    ...extra,
  });
  // A zero run stands for many `00 00` fields: one span over all of them.
  if (row.repeat !== undefined) return [at(row.offset, row.end, 'unknown')];
  const spans = [at(row.offset, Math.min(keyEnd, row.end), 'tag')];
  if (row.length === undefined) {
    if (keyEnd < row.end) spans.push(at(keyEnd, row.end, 'value'));
    return spans;
  }
  const lenEnd = Math.min(keyEnd + varintLength(payload, keyEnd), row.end);
  spans.push(at(keyEnd, lenEnd, 'length', { valueHex: hex(BigInt(row.length)), valueDec: String(row.length) }));
  // A known message's data is covered by its children's spans; packed and unknown data is one value.
  const isMessage = !unknown && row.elements === undefined && row.value === undefined;
  if (!isMessage && lenEnd < row.end) spans.push(at(lenEnd, row.end, 'value'));
  return spans;
}

/** Puts the one-byte error span at `offset`, splitting the span that holds it (a packed field's bad element). */
function markError(spans: ByteSpanJson[], error: ByteSpanJson): ByteSpanJson[] {
  const out: ByteSpanJson[] = [];
  let placed = false;
  for (const s of spans) {
    if (!placed && s.start <= error.start && error.start < s.end) {
      if (s.start < error.start) out.push({ ...s, end: error.start });
      out.push(error);
      if (error.end < s.end) out.push({ ...s, start: error.end });
      placed = true;
    } else {
      if (!placed && s.start > error.start) {
        out.push(error);
        placed = true;
      }
      out.push(s);
    }
  }
  if (!placed) out.push(error);
  return out;
}

/**
 * The byte view of an inspected input: the header's four fields (`header.magic`, …) with the
 * inspector's meaning, the rest of the header page as padding, each wire field of the payload as
 * tag / length / value spans (unknown fields as `unknown`), the payload region after the payload
 * as padding, and the byte the real decoder stops at as `error`. At most `maxBytes` bytes are
 * shown (`truncated` says when fewer than all); spans starting past them are left out.
 */
export function byteView(bytes: Uint8Array, inspection: Inspection, maxBytes = DEFAULT_SHOWN_BYTES): ByteViewJson {
  const shown = Math.min(bytes.length, Math.max(0, Math.floor(maxBytes)));
  let spans: ByteSpanJson[] = [];
  if (inspection.header !== undefined && inspection.headerPage !== undefined) {
    for (const f of headerFields(inspection)) {
      spans.push({
        start: f.offset,
        end: f.offset + 8,
        kind: 'header',
        path: `header.${f.name}`,
        depth: 0,
        valueHex: hex(f.value),
        ...(f.decimal !== '' && { valueDec: f.decimal }),
        meaning: f.meaning,
      });
    }
    const page = inspection.headerPage;
    if (page.length > Number(HEADER_SIZE)) {
      const stale = nonZero(page.subarray(Number(HEADER_SIZE)));
      spans.push({
        start: Number(HEADER_SIZE),
        end: page.length,
        kind: 'padding',
        path: 'header_page.unused',
        depth: 0,
        meaning: `rest of the header page: never read by openhcl_boot (${stale === 0 ? 'all zero' : `${stale} non-zero byte(s)`})`,
      });
    }
  }
  let errorOffset: number | null = null;
  const payload = inspection.payload;
  const wire = inspection.wire;
  if (payload !== undefined && wire !== undefined && inspection.payloadAt !== undefined) {
    const base = inspection.payloadAt.fileOffset;
    for (const row of wire.rows) {
      if (base + row.offset >= shown) break;
      spans.push(...rowSpans(row, payload, base));
    }
    const end = base + payload.length;
    if (inspection.kind === 'region' && end < bytes.length && end < shown) {
      const stale = nonZero(bytes.subarray(end));
      spans.push({
        start: end,
        end: bytes.length,
        kind: 'padding',
        path: 'payload_region.unused',
        depth: 0,
        meaning: `after protobuf_payload_len: not part of the payload, never decoded (${stale === 0 ? 'all zero' : `${stale} non-zero byte(s)`})`,
      });
    }
    const e = wire.error;
    if (e !== undefined) {
      errorOffset = base + e.offset;
      const error: ByteSpanJson = {
        start: errorOffset,
        end: errorOffset + 1,
        kind: 'error',
        path: e.path === '' ? '(payload)' : e.path,
        depth: 0,
        meaning: `ERROR: ${e.meshMessage}; the real decoder stops here; openhcl_boot would panic: ${decodePanicText(e)}`,
      };
      if (errorOffset < shown) spans = markError(spans, error);
    }
  }
  spans = spans.filter((s) => s.start < shown && s.end > s.start);
  spans.sort((a, b) => a.start - b.start);
  return {
    base: inspection.base === undefined ? null : hex(inspection.base),
    length: bytes.length,
    hex: Buffer.from(bytes.buffer, bytes.byteOffset, shown).toString('hex'),
    shown,
    truncated: shown < bytes.length,
    spans,
    errorOffset,
  };
}
