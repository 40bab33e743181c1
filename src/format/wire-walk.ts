/**
 * A payload's raw wire structure under mesh_protobuf's rules, field by field:
 * what `vtl2-persist inspect` shows and what a test can assert on. It uses the
 * decoder's own reader, so it accepts, skips and rejects exactly what
 * `decodeSavedState` does, and stops where the real decoder stops.
 */
import { expectBytes } from '../errors.js';
import { formatHex as hex, formatSize } from '../memory/range.js';
import { igvmTypeName, vtlTypeName } from '../memory/vtl-type.js';
import { DecodeError } from './codec-error.js';
import { MeshReader } from './mesh-reader.js';
import { FIELD } from './schema.js';
import { WireType, varint64Size } from './wire.js';

type FieldKind = 'u64' | 'u32' | 'u16' | 'message' | 'packed u32';

interface FieldSpec {
  name: string;
  kind: FieldKind;
  repeated: boolean;
  message?: MessageSpec;
}

interface MessageSpec {
  /** Proto name of the message (for the meaning column). */
  type: 'SavedState' | 'MemoryEntry' | 'MmioEntry' | 'MemoryRange' | 'MemoryVtlType' | 'IgvmMemoryType';
  fields: Map<number, FieldSpec>;
  /** Field number → name, as MeshReader wants it for error paths. */
  names: (string | undefined)[];
}

function messageSpec(type: MessageSpec['type'], entries: [number, FieldSpec][]): MessageSpec {
  const names: (string | undefined)[] = [];
  for (const [id, f] of entries) names[id] = f.name;
  return { type, fields: new Map(entries), names };
}

const scalar = (name: string, kind: FieldKind): FieldSpec => ({ name, kind, repeated: false });
const nested = (name: string, message: MessageSpec, repeated = false): FieldSpec => ({ name, kind: 'message', repeated, message });

const RANGE = messageSpec('MemoryRange', [
  [FIELD.range.start, scalar('start', 'u64')],
  [FIELD.range.end, scalar('end', 'u64')],
]);
const VTL_TYPE = messageSpec('MemoryVtlType', [[FIELD.vtlType.value, scalar('field1', 'u32')]]);
const IGVM_TYPE = messageSpec('IgvmMemoryType', [[FIELD.igvmType.value, scalar('field1', 'u16')]]);
const MEMORY_ENTRY = messageSpec('MemoryEntry', [
  [FIELD.memoryEntry.range, nested('range', RANGE)],
  [FIELD.memoryEntry.vnode, scalar('vnode', 'u32')],
  [FIELD.memoryEntry.vtlType, nested('vtl_type', VTL_TYPE)],
  [FIELD.memoryEntry.igvmType, nested('igvm_type', IGVM_TYPE)],
]);
const MMIO_ENTRY = messageSpec('MmioEntry', [
  [FIELD.mmioEntry.range, nested('range', RANGE)],
  [FIELD.mmioEntry.vtlType, nested('vtl_type', VTL_TYPE)],
]);
const SAVED_STATE = messageSpec('SavedState', [
  [FIELD.savedState.partitionMemory, nested('partition_memory', MEMORY_ENTRY, true)],
  [FIELD.savedState.partitionMmio, nested('partition_mmio', MMIO_ENTRY, true)],
  [FIELD.savedState.cpusWithMappedInterruptsNoIo, { name: 'cpus_with_mapped_interrupts_no_io', kind: 'packed u32', repeated: true }],
  [FIELD.savedState.cpusWithOutstandingIo, { name: 'cpus_with_outstanding_io', kind: 'packed u32', repeated: true }],
]);

/** Display names of the wire types 0–7, mesh's 6 and 7 included. */
export const WIRE_TYPE_NAMES = ['varint', 'fixed64', 'len', 'start group', 'end group', 'fixed32', 'mesh message', 'resource'] as const;

/** One field as it sits on the wire. Offsets count from the start of the payload. */
export interface WireRow {
  /** Offset of the field's key. */
  offset: number;
  /** One past the field's last byte. */
  end: number;
  /** Nesting depth (0 for SavedState's own fields). */
  depth: number;
  /** Proto path, e.g. `partition_memory[3].range.end`; unknown fields show as `<field N>`. */
  path: string;
  /** Field number (the key's `>> 3`, cut to 32 bits, as mesh reads it). */
  field: number;
  /** Proto name, or undefined for a field the schema does not have. */
  name: string | undefined;
  /** The key's wire type (the key's low 3 bits; see {@link WireType}). */
  wireType: number;
  /** A field number the message does not define (or field 0): the decoder skips it. */
  unknown: boolean;
  /** The key and length prefix of a message or unknown length-delimited field; otherwise the whole field. */
  head: Uint8Array;
  /** Length of a length-delimited (or mesh message) field's data. */
  length?: number;
  /** The data of an unknown length-delimited field (never looked into by the decoder). */
  data?: Uint8Array;
  /** A varint's full 64-bit value (before any u32/u16 truncation), or a fixed value. */
  value?: bigint;
  /** Elements of a CPU list field (packed, or the one value of an unpacked element), in wire order. */
  elements?: {
    /** Offset of the element's varint in the payload. */
    offset: number;
    /** The element's full 64-bit value, before the u32 cut. */
    value: bigint;
  }[];
  /** What the value means (type names, truncation, range sizes, non-minimal varints). */
  meaning: string;
  /**
   * For a run of zero bytes: how many identical `00 00` fields (field 0, varint 0,
   * ignored by the decoder) this row stands for; `end` is the end of the run.
   */
  repeat?: number;
}

/** The payload's fields in wire order, and the error at which the real decoder stops (if any). */
export interface WireView {
  /** Every field read, in wire order, nested fields after their parent. */
  rows: WireRow[];
  /** The error the real decoder stops at, or undefined if the payload decodes. */
  error: DecodeError | undefined;
}

/**
 * Walks a payload field by field with mesh_protobuf's rules (the same reader
 * and acceptance rules as `decodeSavedState`): known message fields are
 * recursed into, unknown fields are listed and marked, and the walk stops at
 * the first error the real decoder would raise, with the same code, offset and
 * path. Every row before the error is a field the decoder read.
 */
export function walkWire(payload: Uint8Array): WireView {
  expectBytes(payload, 'walkWire(payload)');
  const rows: WireRow[] = [];
  try {
    walkMessage(new MeshReader(payload), payload.length, SAVED_STATE, 0, '', rows);
    return { rows, error: undefined };
  } catch (e) {
    if (e instanceof DecodeError) return { rows, error: e };
    throw e;
  }
}

/** Length of the (already validated) varint at `pos`. */
function varintLength(buf: Uint8Array, pos: number): number {
  let n = 1;
  while ((buf[pos + n - 1]! & 0x80) !== 0 && n < 10) n++;
  return n;
}

function u64Of(r: MeshReader): bigint {
  return (BigInt(r.hi) << 32n) | BigInt(r.lo);
}

function walkMessage(r: MeshReader, end: number, spec: MessageSpec, depth: number, prefix: string, rows: WireRow[]): void {
  const buf = r.buf;
  const counts = new Map<number, number>();
  const join = (segment: string) => (prefix === '' ? segment : `${prefix}.${segment}`);
  while (r.pos < end) {
    const offset = r.pos;
    const field = r.nextField(end, spec.names);
    const keyEnd = offset + varintLength(buf, offset);
    const f = spec.fields.get(field);
    const row: WireRow = {
      offset,
      end: r.pos,
      depth,
      path: '',
      field,
      name: f?.name,
      wireType: r.wireType,
      unknown: f === undefined,
      head: buf.subarray(offset, r.pos),
      meaning: '',
    };
    if (f === undefined) {
      row.path = join(`<field ${field}>`);
      describeUnknown(r, row, keyEnd);
      const prev = rows.at(-1);
      if (isZeroPair(row) && prev !== undefined && isZeroPair(prev) && prev.depth === depth && prev.end === offset) {
        // Zero padding reads as a run of `00 00` (field 0, varint 0: ignored); fold it into one row.
        prev.repeat = (prev.repeat ?? 1) + 1;
        prev.end = row.end;
        continue;
      }
      rows.push(row);
      continue;
    }
    if (f.kind === 'message') {
      const index = counts.get(field) ?? 0;
      if (f.repeated) counts.set(field, index + 1);
      const segment = f.repeated ? `${f.name}[${index}]` : f.name;
      row.path = join(segment);
      if (!r.isMessage()) throw new DecodeError('expected_message', r.keyOffset).within(segment);
      row.head = buf.subarray(offset, r.dataStart);
      row.length = r.dataEnd - r.dataStart;
      rows.push(row);
      const first = rows.length;
      const resume = r.pos;
      const dataEnd = r.dataEnd;
      r.pos = r.dataStart;
      try {
        walkMessage(r, dataEnd, f.message!, depth + 1, row.path, rows);
      } catch (e) {
        throw e instanceof DecodeError ? e.within(segment) : e;
      }
      r.pos = resume;
      row.meaning = messageMeaning(f.message!, rows.slice(first).filter((c) => c.depth === depth + 1));
      continue;
    }
    row.path = join(f.name);
    if (f.kind === 'packed u32') {
      rows.push(row);
      row.elements = [];
      if (r.wireType === WireType.Varint) {
        row.elements.push({ offset: keyEnd, value: u64Of(r) });
        row.meaning = `unpacked element: ${elementText(u64Of(r))}`;
        continue;
      }
      if (r.wireType !== WireType.Variable) throw new DecodeError('expected_varint', r.keyOffset).within(f.name);
      row.head = buf.subarray(offset, r.dataEnd);
      row.length = r.dataEnd - r.dataStart;
      const resume = r.pos;
      const dataEnd = r.dataEnd;
      r.pos = r.dataStart;
      try {
        while (r.pos < dataEnd) {
          const at = r.pos;
          r.varint(dataEnd);
          row.elements.push({ offset: at, value: u64Of(r) });
        }
      } catch (e) {
        row.meaning = `packed, ${row.elements.length} element(s) before the error: ${row.elements.map((x) => elementText(x.value)).join(', ')}`;
        throw e instanceof DecodeError ? e.within(f.name) : e;
      }
      r.pos = resume;
      row.meaning =
        row.elements.length === 0 ? 'packed, empty' : `packed: ${row.elements.map((x) => elementText(x.value)).join(', ')}`;
      continue;
    }
    // A scalar: u64() / u32() raise "expected a varint" for any other wire type, as in the decoder.
    const value = f.kind === 'u64' ? r.u64() : (r.u32(), u64Of(r));
    row.value = value;
    row.meaning = scalarMeaning(spec, f, value) + nonMinimal(value, r.pos - keyEnd);
    rows.push(row);
  }
}

/** A `00 00` field: field 0, varint 0, as zero padding reads. */
function isZeroPair(row: WireRow): boolean {
  return row.field === 0 && row.wireType === WireType.Varint && row.value === 0n && row.head.length === 2;
}

/** A CPU id as the decoder keeps it (low 32 bits). */
function elementText(v: bigint): string {
  const kept = v & 0xffff_ffffn;
  return kept === v ? String(v) : `${kept} (from ${hex(v)}, cut to u32)`;
}

function nonMinimal(value: bigint, bytes: number): string {
  return bytes > varint64Size(value) ? ` [non-minimal varint: ${bytes} bytes]` : '';
}

function scalarMeaning(spec: MessageSpec, f: FieldSpec, value: bigint): string {
  if (f.kind === 'u64') return value > 9n ? String(value) : '';
  const mask = f.kind === 'u16' ? 0xffffn : 0xffff_ffffn;
  const kept = Number(value & mask);
  const cut = BigInt(kept) === value ? '' : ` (cut to ${f.kind}: ${kept})`;
  const name = spec.type === 'MemoryVtlType' ? vtlTypeName(kept) : spec.type === 'IgvmMemoryType' ? igvmTypeName(kept) : undefined;
  const unnamed = spec.type === 'MemoryVtlType' || spec.type === 'IgvmMemoryType' ? 'unnamed value' : '';
  return [name ?? unnamed, cut].filter((s) => s !== '').join(' ');
}

/** A one-line summary of a nested message from its direct children (later fields win, as in the decoder). */
function messageMeaning(spec: MessageSpec, children: WireRow[]): string {
  const last = (name: string) => children.filter((c) => c.name === name && c.value !== undefined).at(-1)?.value;
  switch (spec.type) {
    case 'MemoryRange': {
      const start = last('start') ?? 0n;
      const end = last('end') ?? 0n;
      return start <= end ? `[${hex(start)}, ${hex(end)}) ${formatSize(end - start)}` : `[${hex(start)}, ${hex(end)}) start > end`;
    }
    case 'MemoryVtlType': {
      const v = Number((last('field1') ?? 0n) & 0xffff_ffffn);
      return `${vtlTypeName(v) ?? 'unnamed'} (${v})`;
    }
    case 'IgvmMemoryType': {
      const v = Number((last('field1') ?? 0n) & 0xffffn);
      return `${igvmTypeName(v) ?? 'unnamed'} (${v})`;
    }
    default:
      return spec.type;
  }
}

function describeUnknown(r: MeshReader, row: WireRow, keyEnd: number): void {
  const buf = r.buf;
  const skipped = row.field === 0 ? 'field 0: ignored by the decoder' : 'unknown field: skipped by the decoder';
  switch (r.wireType) {
    case WireType.Varint:
      row.value = u64Of(r);
      row.meaning = `${skipped}${nonMinimal(row.value, r.pos - keyEnd)}`;
      return;
    case WireType.Fixed64:
      row.value = new DataView(buf.buffer, buf.byteOffset + r.pos - 8, 8).getBigUint64(0, true);
      row.meaning = skipped;
      return;
    case WireType.Fixed32:
      row.value = BigInt(new DataView(buf.buffer, buf.byteOffset + r.pos - 4, 4).getUint32(0, true));
      row.meaning = skipped;
      return;
    default:
      // Variable or a resource-free mesh message: the decoder never looks inside.
      row.head = buf.subarray(row.offset, r.dataStart);
      row.length = r.dataEnd - r.dataStart;
      row.data = buf.subarray(r.dataStart, r.dataEnd);
      row.meaning = skipped;
  }
}

/** The JSON form of a wire row (u64 values as `0x…` strings, bytes as hex). */
export function wireRowToJson(row: WireRow): Record<string, unknown> {
  return {
    offset: row.offset,
    end: row.end,
    depth: row.depth,
    path: row.path,
    field: row.field,
    name: row.name ?? null,
    wire_type: row.wireType,
    wire_type_name: WIRE_TYPE_NAMES[row.wireType] ?? String(row.wireType),
    unknown: row.unknown,
    head_hex: Buffer.from(row.head).toString('hex'),
    ...(row.length !== undefined && { length: row.length }),
    ...(row.value !== undefined && { value: hex(row.value) }),
    ...(row.elements !== undefined && { elements: row.elements.map((e) => ({ offset: e.offset, value: hex(e.value) })) }),
    ...(row.data !== undefined && { data_hex: Buffer.from(row.data).toString('hex') }),
    ...(row.repeat !== undefined && { repeat: row.repeat }),
    meaning: row.meaning,
  };
}
