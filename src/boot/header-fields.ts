/**
 * The inspected header field by field (offset, bytes, value, what it means): the one table
 * `inspect`'s text and `--json` forms print and the explorer's byte view annotates, so the
 * page and the CLI say the same thing about each header byte.
 */
import { HEADER_FIELDS, HEADER_PAGE_SIZE, type MagicStatus } from '../format/header.js';
import { formatHex as hex, formatSize } from '../memory/range.js';
import { asciiOf, type Inspection } from './inspection.js';

const MAGIC_MEANING: Record<MagicStatus, string> = {
  valid: 'valid magic',
  draft_magic: 'byte-swapped DRAFT magic, not the shipped one',
  no_magic: 'no magic: openhcl_boot takes the fresh path',
};

/** One header field of an inspection. */
export interface HeaderFieldRow {
  /** Offset in the header (0, 8, 16, 24). */
  offset: number;
  /** Upstream field name, e.g. `protobuf_base`. */
  name: string;
  /** The field's 8 bytes as in memory. */
  bytes: Uint8Array;
  /** The little-endian value. */
  value: bigint;
  /** The value in decimal ('' for the magic). */
  decimal: string;
  /** What it means, in words. */
  meaning: string;
}

/**
 * Field-by-field description of an inspection's header. Only for an inspection with a header
 * (`i.header` and `i.headerPage` set: a region dump of at least 32 bytes).
 */
export function headerFields(i: Inspection): HeaderFieldRow[] {
  const h = i.header!;
  const bytes = i.headerPage!;
  return HEADER_FIELDS.map((f) => {
    const v = h[f.key];
    let meaning: string;
    switch (f.key) {
      case 'magic':
        meaning = `"${asciiOf(bytes.subarray(0, 8))}": ${MAGIC_MEANING[i.status!]}`;
        break;
      case 'protobufBase': {
        const notes: string[] = [f.meaning];
        if (v % HEADER_PAGE_SIZE !== 0n) notes.push(`NOT 4 KiB aligned (+${hex(v % HEADER_PAGE_SIZE)})`);
        if (i.base !== undefined) notes.push(v >= i.base ? `base + ${hex(v - i.base)}` : `${hex(i.base - v)} below base`);
        meaning = notes.join('; ');
        break;
      }
      case 'protobufRegionLen':
        meaning = v % HEADER_PAGE_SIZE === 0n ? `${formatSize(v)} (${v / HEADER_PAGE_SIZE} pages)` : `${formatSize(v)}, not a whole number of pages`;
        break;
      default:
        meaning = v > h.protobufRegionLen ? `${formatSize(v)}: LARGER than the ${formatSize(h.protobufRegionLen)} region` : `${formatSize(v)} of the ${formatSize(h.protobufRegionLen)} region`;
    }
    return { offset: f.offset, name: f.name, bytes: bytes.subarray(f.offset, f.offset + 8), value: v, decimal: f.key === 'magic' ? '' : String(v), meaning };
  });
}
