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
  /**
   * Elements of a CPU list field (packed, or the one value of an unpacked element), in wire
   * order. A packed field's are read from the payload when first asked for: a 2 MiB payload can
   * pack two million of them into one row.
   */
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
  /**
   * Every field read, in wire order, nested fields after their parent. Each iteration walks the
   * payload again and builds its rows one at a time: a 2 MiB payload of a million fields never
   * has its rows alive at once unless the caller keeps them (`Array.from(view.rows)` does).
   * The view reads the payload it was given on every iteration (rows' byte fields are views
   * into it): change the payload and later iterations disagree with `count` and `error`.
   */
  readonly rows: Iterable<WireRow>;
  /** How many rows {@link WireView.rows} yields (counted by a walk that keeps none of them). */
  readonly count: number;
  /** The error the real decoder stops at, or undefined if the payload decodes. */
  readonly error: DecodeError | undefined;
}

/**
 * Walks a payload field by field with mesh_protobuf's rules (the same reader
 * and acceptance rules as `decodeSavedState`): known message fields are
 * recursed into, unknown fields are listed and marked, and the walk stops at
 * the first error the real decoder would raise, with the same code, offset and
 * path. Every row before the error is a field the decoder read. The walk runs
 * once here (for `count` and `error`) and again, lazily, for each iteration of
 * `rows`; the view keeps only the payload.
 */
export function walkWire(payload: Uint8Array): WireView {
  expectBytes(payload, 'walkWire(payload)');
  const first: Walk = { rows: 0, failed: new Set(), counting: true };
  let error: DecodeError | undefined;
  try {
    for (const _ of walkPayload(payload, first)) {
      // Counted by the walk itself (first.rows).
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    error = e;
  }
  const rows: Iterable<WireRow> = {
    *[Symbol.iterator]() {
      try {
        // A copy: a failed iteration must not change what the next one sees.
        yield* walkPayload(payload, { rows: 0, failed: new Set(first.failed), counting: false });
      } catch (e) {
        // The same error as the first walk's, already in `error`: the rows simply end there.
        if (!(e instanceof DecodeError)) throw e;
      }
    },
  };
  return { rows, count: first.rows, error };
}

/** The rows of a whole payload (SavedState's fields and everything nested in them). */
function walkPayload(payload: Uint8Array, walk: Walk): Generator<WireRow, void, undefined> {
  return walkMessage(new MeshReader(payload), payload.length, SAVED_STATE, 0, '', walk);
}

/**
 * Length of the varint at `pos`, which the reader has already accepted (so it ends within ten
 * bytes: the loop needs no bound of its own).
 */
function varintLength(buf: Uint8Array, pos: number): number {
  let n = 1;
  while ((buf[pos + n - 1]! & 0x80) !== 0) n++;
  return n;
}

/** The last varint read, as a u64. */
function u64Of(r: MeshReader): bigint {
  return (BigInt(r.hi) << 32n) | BigInt(r.lo);
}

/** Leaf messages whose meaning column summarises their children (the other messages show their type). */
function summarisesChildren(spec: MessageSpec): boolean {
  return spec.type === 'MemoryRange' || spec.type === 'MemoryVtlType' || spec.type === 'IgvmMemoryType';
}

/** The state of one walk over a payload. */
interface Walk {
  /** Rows yielded so far: the next row's ordinal. */
  rows: number;
  /**
   * Ordinals of the message rows the decoder fails inside (the error's enclosing messages; at
   * most one per depth), as the counting walk found them: such a row's meaning stays empty.
   */
  readonly failed: Set<number>;
  /** The first walk, which only counts (and finds `failed`): meanings are not worked out. */
  readonly counting: boolean;
}

/**
 * The rows of one message, in wire order, produced as they are read; a DecodeError ends the
 * generator (thrown after every row before it was yielded), with the path segments added as
 * the error climbs out of nested messages, as in the decoder. `r.pos` is left at `end`.
 */
function* walkMessage(r: MeshReader, end: number, spec: MessageSpec, depth: number, prefix: string, walk: Walk): Generator<WireRow, void, undefined> {
  const buf = r.buf;
  const counts = new Map<number, number>();
  // The counting walk builds no strings or byte views: only its row count and error are kept.
  const counting = walk.counting;
  const join = (segment: string) => (counting ? '' : prefix === '' ? segment : `${prefix}.${segment}`);
  const bytes = (from: number, to: number) => (counting ? NO_BYTES : buf.subarray(from, to));
  // A run of `00 00` fields (zero padding: field 0, varint 0, ignored) shows as one row, held
  // here until the run ends (the next field, the message's end or an error).
  let zeroRun: WireRow | undefined;
  // The values read so far of each leaf message field (see the meaning column below).
  const merged = new Map<number, Map<number, bigint | undefined>>();
  try {
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
        head: bytes(offset, r.pos),
        meaning: '',
      };
      if (f === undefined) {
        row.path = join(`<field ${field}>`);
        describeUnknown(r, row, keyEnd, bytes);
        if (isZeroPair(row)) {
          if (zeroRun === undefined) zeroRun = row;
          else {
            zeroRun.repeat = (zeroRun.repeat ?? 1) + 1;
            zeroRun.end = row.end;
          }
          continue;
        }
      }
      if (zeroRun !== undefined) {
        walk.rows++;
        yield zeroRun;
        zeroRun = undefined;
      }
      if (f === undefined) {
        walk.rows++;
        yield row;
        continue;
      }
      if (f.kind === 'message') {
        // Counted for every message field; only a repeated one's index is shown.
        const index = counts.get(field) ?? 0;
        counts.set(field, index + 1);
        const segment = () => (f.repeated ? `${f.name}[${index}]` : f.name);
        if (!counting) row.path = join(segment());
        if (!r.isMessage()) throw new DecodeError('expected_message', r.keyOffset).within(segment());
        row.head = bytes(offset, r.dataStart);
        row.length = r.dataEnd - r.dataStart;
        const resume = r.pos;
        const { dataStart, dataEnd } = r;
        const message = f.message!;
        const ordinal = walk.rows;
        // The meaning sums up the children, yet the row comes before them: a leaf message's data
        // is read once ahead for it (nothing kept but the values the summary needs). A message
        // the decoder fails inside keeps an empty meaning.
        if (counting || walk.failed.has(ordinal)) row.meaning = '';
        else if (summarisesChildren(message)) {
          r.pos = dataStart;
          const ahead: Walk = { rows: 0, failed: new Set(), counting: false };
          // A repeated occurrence of a singular message merges into the earlier one (later
          // fields win), so the summary is of the value the decoder ends up with so far.
          const earlier = merged.get(field);
          const values = new Map(earlier);
          row.meaning = messageMeaning(message, walkMessage(r, dataEnd, message, depth + 1, row.path, ahead), values);
          if (earlier !== undefined) row.meaning += `, merged with the earlier ${f.name}`;
          merged.set(field, values);
        } else row.meaning = message.type;
        walk.rows++;
        yield row;
        r.pos = dataStart;
        try {
          yield* walkMessage(r, dataEnd, message, depth + 1, row.path, walk);
        } catch (e) {
          walk.failed.add(ordinal);
          throw e instanceof DecodeError ? e.within(segment()) : e;
        }
        r.pos = resume;
        continue;
      }
      row.path = join(f.name);
      if (f.kind === 'packed u32') {
        walk.rows++;
        yield* packedRow(r, row, f, keyEnd, counting);
        continue;
      }
      // A scalar: the full 64-bit value (the meaning shows any u32/u16 cut). u64() raises
      // "expected a varint" for any other wire type, as the decoder's u32() does.
      const value = r.u64();
      row.value = value;
      if (!counting) row.meaning = joinWords(scalarMeaning(spec, f, value), nonMinimal(value, r.pos - keyEnd));
      walk.rows++;
      yield row;
    }
  } catch (e) {
    // The decoder read the zero run before it failed: the run is a row before the error.
    if (zeroRun !== undefined) {
      walk.rows++;
      yield zeroRun;
    }
    throw e;
  }
  if (zeroRun !== undefined) {
    walk.rows++;
    yield zeroRun;
  }
}

/**
 * A CPU list field's row (a packed run, or one unpacked element; the caller counts it). The row
 * is yielded even when the decoder rejects the field (a wrong wire type, a bad element), then
 * the error is thrown.
 */
function* packedRow(r: MeshReader, row: WireRow, f: FieldSpec, keyEnd: number, counting: boolean): Generator<WireRow, void, undefined> {
  const buf = r.buf;
  if (r.wireType === WireType.Varint) {
    row.elements = [{ offset: keyEnd, value: u64Of(r) }];
    row.meaning = `unpacked element: ${elementText(r)}`;
    yield row;
    return;
  }
  if (r.wireType !== WireType.Variable) {
    row.elements = [];
    yield row;
    throw new DecodeError('expected_varint', r.keyOffset).within(f.name);
  }
  row.length = r.dataEnd - r.dataStart;
  const resume = r.pos;
  const { dataStart, dataEnd } = r;
  // A 2 MiB payload can pack two million elements into this one row: the meaning is built from
  // their text alone, and the element objects only if someone reads `elements`.
  const texts: string[] = [];
  let failure: unknown;
  r.pos = dataStart;
  try {
    while (r.pos < dataEnd) {
      r.varint(dataEnd);
      if (!counting) texts.push(elementText(r));
    }
  } catch (e) {
    failure = e;
  }
  // On an error `r.pos` is still at the bad element: the elements are the varints before it.
  const parsedEnd = r.pos;
  if (!counting) {
    const list = texts.join(', ');
    if (failure !== undefined) row.meaning = `packed, ${texts.length} element(s) before the error: ${list}`;
    else row.meaning = texts.length === 0 ? 'packed, empty' : `packed: ${list}`;
    lazyElements(row, buf, dataStart, parsedEnd);
  }
  yield row;
  if (failure !== undefined) throw failure instanceof DecodeError ? failure.within(f.name) : failure;
  r.pos = resume;
}

/** Gives a packed row an `elements` property that reads the (valid) varints in [from, to) when first read. */
function lazyElements(row: WireRow, buf: Uint8Array, from: number, to: number): void {
  let elements: WireRow['elements'];
  Object.defineProperty(row, 'elements', {
    enumerable: true,
    configurable: true,
    get() {
      if (elements === undefined) {
        elements = [];
        const r = new MeshReader(buf);
        r.pos = from;
        while (r.pos < to) {
          const offset = r.pos;
          r.varint(to);
          elements.push({ offset, value: u64Of(r) });
        }
      }
      return elements;
    },
    set(value: WireRow['elements']) {
      elements = value;
    },
  });
}

/**
 * A freshly read `00 00` field: field 0, varint 0, as zero padding reads. Two bytes with a value
 * can only be a varint (a fixed32 field takes five, a fixed64 nine; a length-delimited one has no
 * value), so the wire type needs no test of its own.
 */
function isZeroPair(row: WireRow): boolean {
  return row.field === 0 && row.value === 0n && row.end - row.offset === 2;
}

/** The bytes of every row of the counting walk (which shows none). */
const NO_BYTES = new Uint8Array(0);

/** The last varint read as a CPU id, as the decoder keeps it (the low 32 bits), noting a cut. */
function elementText(r: MeshReader): string {
  return r.hi === 0 ? String(r.lo) : `${r.lo} (from ${hex(u64Of(r))}, cut to u32)`;
}

/** A note for a varint written in more bytes than its value needs (mesh accepts it), or ''. */
function nonMinimal(value: bigint, bytes: number): string {
  return bytes > varint64Size(value) ? `[non-minimal varint: ${bytes} bytes]` : '';
}

/** The non-empty parts, space-separated. */
function joinWords(...parts: string[]): string {
  return parts.filter((s) => s !== '').join(' ');
}

function scalarMeaning(spec: MessageSpec, f: FieldSpec, value: bigint): string {
  if (f.kind === 'u64') return value > 9n ? String(value) : '';
  const mask = f.kind === 'u16' ? 0xffffn : 0xffff_ffffn;
  const kept = Number(value & mask);
  const cut = BigInt(kept) === value ? '' : `(cut to ${f.kind}: ${kept})`;
  const name = spec.type === 'MemoryVtlType' ? vtlTypeName(kept) : spec.type === 'IgvmMemoryType' ? igvmTypeName(kept) : undefined;
  const unnamed = spec.type === 'MemoryVtlType' || spec.type === 'IgvmMemoryType' ? 'unnamed value' : '';
  return joinWords(name ?? unnamed, cut);
}

/**
 * A one-line summary of a leaf message from its children (a leaf has no nested messages), read into
 * `values` over what earlier occurrences of the field left there (later fields win, as in the
 * decoder). Only a message the decoder reads whole is summarised (the caller leaves the others'
 * meaning empty), so walking its children cannot fail.
 */
function messageMeaning(spec: MessageSpec, children: Iterable<WireRow>, values: Map<number, bigint | undefined>): string {
  // Keyed by field number: a leaf message's children are all its own scalars (each with a value)
  // or unknown fields, whose numbers the lookups below never ask for.
  for (const c of children) values.set(c.field, c.value);
  const last = (field: number) => values.get(field) ?? 0n;
  if (spec.type === 'MemoryRange') {
    const start = last(FIELD.range.start);
    const end = last(FIELD.range.end);
    return start <= end ? `[${hex(start)}, ${hex(end)}) ${formatSize(end - start)}` : `[${hex(start)}, ${hex(end)}) start > end`;
  }
  if (spec.type === 'MemoryVtlType') {
    const v = Number(last(FIELD.vtlType.value) & 0xffff_ffffn);
    return `${vtlTypeName(v) ?? 'unnamed'} (${v})`;
  }
  const v = Number(last(FIELD.igvmType.value) & 0xffffn);
  return `${igvmTypeName(v) ?? 'unnamed'} (${v})`;
}

function describeUnknown(r: MeshReader, row: WireRow, keyEnd: number, bytes: (from: number, to: number) => Uint8Array): void {
  const buf = r.buf;
  const skipped = row.field === 0 ? 'field 0: ignored by the decoder' : 'unknown field: skipped by the decoder';
  switch (r.wireType) {
    case WireType.Varint:
      row.value = u64Of(r);
      row.meaning = joinWords(skipped, nonMinimal(row.value, r.pos - keyEnd));
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
      row.head = bytes(row.offset, r.dataStart);
      row.length = r.dataEnd - r.dataStart;
      row.data = bytes(r.dataStart, r.dataEnd);
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
