/**
 * The two renderings of an `inspect` result (src/boot/inspection.ts): the annotated text a firmware
 * engineer reads, and the `--json` form. Split from the inspection itself so that each file stays
 * readable; neither reads input nor decides an exit code.
 */
import { headerFields } from '../boot/header-fields.js';
import { asciiOf, type Finding, type Inspection } from '../boot/inspection.js';
import { decodePanicText } from '../boot/restore-checks.js';
import { decodeErrorJson } from '../format/codec-error.js';
import { HEADER_SIZE, encodeHeader } from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import { WIRE_TYPE_NAMES, wireRowToJson, type WireRow, type WireView } from '../format/wire-walk.js';
import { formatHex as hex, formatSize } from '../memory/range.js';
import { igvmTypeName, vtlTypeName } from '../memory/vtl-type.js';
import type { Palette } from './kit/palette.js';
import { hexBytes } from './hexdump.js';
import { displayName } from './io.js';
import { JsonStreamArray } from './kit/output.js';
import { streamedStateJson } from './state-output.js';
import { streamTable, table } from './text.js';

/** The machine-readable form of an inspection. */
export function inspectionToJson(i: Inspection): Record<string, unknown> {
  const h = i.header;
  return {
    file: i.file,
    size: i.size,
    kind: i.kind,
    detection: i.detection,
    base: i.base === undefined ? null : hex(i.base),
    base_from: i.base === undefined ? null : i.baseFromShim ? 'shim' : 'option',
    header:
      h === undefined
        ? null
        : {
            status: i.status,
            magic: hex(h.magic),
            magic_ascii: asciiOf(i.headerPage!.subarray(0, 8)),
            protobuf_base: hex(h.protobufBase),
            protobuf_region_len: hex(h.protobufRegionLen),
            protobuf_payload_len: hex(h.protobufPayloadLen),
            hex: Buffer.from(encodeHeader(h)).toString('hex'),
            fields: headerFields(i).map((f) => ({
              offset: f.offset,
              name: f.name,
              bytes_hex: Buffer.from(f.bytes).toString('hex'),
              value: hex(f.value),
              decimal: f.decimal,
              meaning: f.meaning,
            })),
          },
    payload:
      i.payload === undefined
        ? null
        : {
            file_offset: i.payloadAt!.fileOffset,
            gpa: i.payloadAt!.gpa === undefined ? null : hex(i.payloadAt!.gpa),
            length: i.payload.length,
            declared_length: h === undefined ? null : hex(h.protobufPayloadLen),
          },
    findings: i.findings,
    decoded: i.decoded === undefined ? null : streamedStateJson(i.decoded),
    decode_error: i.decodeError === undefined ? null : decodeErrorJson(i.decodeError),
    wire:
      i.wire === undefined
        ? null
        : { rows: wireRowsJson(i.wire), error: i.wire.error === undefined ? null : decodeErrorJson(i.wire.error) },
  };
}

const SEVERITY_LABEL: Record<Finding['severity'], string> = { error: 'ERROR', warning: 'WARNING', info: 'note' };

/** The wire rows as a lazily walked and converted JSON array (a 2 MiB dump has a million of them). */
function wireRowsJson(view: WireView): JsonStreamArray {
  return new JsonStreamArray(function* () {
    for (const r of view.rows) yield wireRowToJson(r);
  });
}

/** The human form of an inspection. */
export function inspectionText(i: Inspection, pal: Palette): string {
  return Array.from(inspectionLines(i, pal)).join('\n');
}

/** The human form of an inspection, as lines (what `inspect` streams to stdout). */
export function* inspectionLines(i: Inspection, pal: Palette): Generator<string> {
  const size = i.size < 1024 ? `${i.size} bytes` : `${i.size} bytes (${formatSize(BigInt(i.size))})`;
  const out: string[] = [`${displayName(i.file)}: ${i.detection}, ${size}`];
  if (i.header !== undefined) {
    const at =
      i.base === undefined ? 'file offset 0x0' : `file offset 0x0, GPA ${hex(i.base)}${i.baseFromShim ? " (the shim's persisted_state.start)" : ''}`;
    out.push('', pal.bold(`header (32 bytes at ${at}; four little-endian u64 values):`));
    const rows = headerFields(i).map((f) => [`0x${f.offset.toString(16).padStart(2, '0')}`, hexBytes(f.bytes), f.name, hex(f.value), f.decimal, f.meaning]);
    const text = table(['offset', 'bytes in memory', 'field', 'value', 'decimal', 'meaning'], rows).split('\n');
    if (i.status !== 'valid') text[1] = (i.status === 'draft_magic' ? pal.red : pal.yellow)(text[1]!);
    out.push(...text);
    const rest = i.headerPage!.subarray(Number(HEADER_SIZE));
    const nonZero = rest.reduce((n, b) => n + (b === 0 ? 0 : 1), 0);
    out.push(
      rest.length === 0
        ? '  (the dump ends with the header)'
        : `  rest of the header page (0x20-${hex(BigInt(i.headerPage!.length))}): ${nonZero === 0 ? 'all zero' : `${nonZero} non-zero byte(s)`} (never read)`,
    );
  }

  out.push('', pal.bold('findings:'));
  if (i.findings.length === 0) {
    out.push(
      i.kind === 'region'
        ? pal.green('  none: the header and payload are what OpenHCL writes; openhcl_boot would take the restore path with them')
        : pal.green('  none: the real decoder accepts the payload'),
    );
  }
  for (const f of i.findings) {
    const colour = f.severity === 'error' ? pal.red : f.severity === 'warning' ? pal.yellow : (s: string) => s;
    out.push(`  ${colour(SEVERITY_LABEL[f.severity].padEnd(7))}  ${f.code}: ${f.message}`);
  }

  if (i.payload !== undefined) {
    const at = i.payloadAt!;
    const where = at.gpa === undefined ? `file offset ${hex(BigInt(at.fileOffset))}` : `file offset ${hex(BigInt(at.fileOffset))}, GPA ${hex(at.gpa)}`;
    const assumed = i.kind === 'region' && i.base === undefined ? ' (assumed right after the header page; --base checks the addresses)' : '';
    out.push('', pal.bold(`payload: ${i.payload.length} bytes at ${where}${assumed}`));
    out.push('', pal.bold('decoded topology:'));
  }
  yield* out;
  if (i.payload === undefined) return;
  if (i.decoded !== undefined) yield* topologyLines(i.decoded);
  else yield pal.red(`  not decodable: ${i.decodeError!.message}`);
  yield '';
  yield pal.bold(`raw wire view (mesh_protobuf rules; ${i.wire!.count} field(s); offsets from the payload's start):`);
  yield* wireLines(i.wire!, i.payload.length, pal);
}

function* topologyLines(s: SavedState): Generator<string> {
  const size = (start: bigint, end: bigint) => (end >= start ? formatSize(end - start) : 'start > end');
  const rows = function* () {
    for (const e of s.partitionMemory) {
      yield [
        `${hex(e.range.start)}-${hex(e.range.end)}`,
        size(e.range.start, e.range.end),
        vtlTypeName(e.vtlType) ?? String(e.vtlType),
        String(e.vnode),
        igvmTypeName(e.igvmType) ?? String(e.igvmType),
      ];
    }
    for (const e of s.partitionMmio) yield [`${hex(e.range.start)}-${hex(e.range.end)}`, size(e.range.start, e.range.end), vtlTypeName(e.vtlType) ?? String(e.vtlType), '', ''];
  };
  const cpus = (list: number[]) => (list.length === 0 ? 'none' : list.join(', '));
  if (s.partitionMemory.length + s.partitionMmio.length === 0) yield '  (no memory or MMIO entries)';
  else yield* streamTable(['range', 'size', 'type', 'vnode', 'igvm type'], rows);
  yield `  ${s.partitionMemory.length} memory entries, ${s.partitionMmio.length} MMIO entries`;
  yield `  CPUs with mapped interrupts, no IO: ${cpus(s.cpusWithMappedInterruptsNoIo)}; with outstanding IO: ${cpus(s.cpusWithOutstandingIo)}`;
}

function* wireLines(view: WireView, length: number, pal: Palette): Generator<string> {
  const width = Math.max(4, length.toString(16).length);
  const off = (n: number) => `0x${n.toString(16).padStart(width, '0')}`;
  const cells = (r: WireRow, measuring: boolean) => {
    const indent = '  '.repeat(r.depth);
    const name = r.unknown ? `${indent}<field ${r.field}> UNKNOWN` : `${indent}${r.path.slice(r.path.lastIndexOf('.') + 1)}`;
    const wire = WIRE_TYPE_NAMES[r.wireType] ?? String(r.wireType);
    const wireCol = r.length !== undefined ? `${wire} ${r.length}` : wire;
    if (measuring) return [off(r.offset), hexBytes(r.head, 8), String(r.field), name, wireCol];
    let value = '';
    if (r.value !== undefined) value = r.name === 'start' || r.name === 'end' || r.unknown ? hex(r.value) : String(r.value);
    if (r.data !== undefined) value = r.data.length === 0 ? '(empty)' : hexBytes(r.data, 12);
    const run = r.repeat === undefined ? '' : `× ${r.repeat} (${r.end - r.offset} zero bytes, to ${off(r.end)})`;
    const text = [value, r.meaning, run].filter((s) => s !== '').join('  ');
    return [off(r.offset), hexBytes(r.head, 8), String(r.field), name, wireCol, r.unknown ? pal.yellow(text) : text];
  };
  const none = view.error === undefined ? '  (no fields: an empty payload decodes to an empty SavedState)' : '  (no complete field before the error)';
  if (view.count === 0) yield none;
  else {
    yield* streamTable(['offset', 'bytes', 'field', 'name', 'wire', 'value'], function* (measuring) {
      for (const r of view.rows) yield cells(r, measuring);
    });
  }
  if (view.error !== undefined) {
    const e = view.error;
    yield pal.red(`  ${off(e.offset)}  ERROR: ${e.meshMessage}${e.path === '' ? '' : ` in ${e.path}`}; the real decoder stops here`);
    yield pal.red(`  openhcl_boot would panic: ${decodePanicText(e)}`);
  }
}
