/**
 * The annotated bytes of a region dump or payload as an SVG hex grid: every shown byte a
 * `<rect class="byte" data-offset>` filled by the field it belongs to (the four header fields,
 * each wire field's tag, length and value, unknown fields, padding, the byte a decode fails
 * at), with a `<title>` giving its field path, wire type, value and meaning, a column naming the
 * fields that start on each row, and a legend. Long runs of zero padding collapse into one
 * line (a region image is mostly zeros). Pure string building, as every figure here.
 */
import { formatSize } from '../../memory/range-format.js';
import type { ByteSpanJson, ByteViewJson } from '../explore-data.js';
import { paletteFor, type Palette, type Theme } from './palette.js';
import { FONT, esc, num, svgDocument, textWidth } from './xml.js';

/** Options of {@link bytesSvg}. */
export interface BytesSvgOptions {
  /** Colour set (default `light`). */
  theme?: Theme;
  /** Heading; default none. */
  title?: string;
  /** Bytes per row (default 16). */
  columns?: number;
  /** Collapse runs of at least this many all-zero rows outside any field (default 3; 0 = never). */
  collapse?: number;
}

const CELL_W = 22;
const CELL_H = 18;
const PAD = 16;
const OFFSET_W = 78;
const NOTE_W = 330;

/** The fill of a span. */
export function spanFill(span: ByteSpanJson | undefined, pal: Palette): string {
  if (span === undefined) return pal.spans.none;
  switch (span.kind) {
    case 'header':
      return pal.headerFields[span.path.slice('header.'.length)] ?? pal.spans.padding;
    case 'value':
      return pal.spans.value[span.depth % pal.spans.value.length]!;
    default:
      return pal.spans[span.kind];
  }
}

/** The legend's name for a span (header fields by name, the others by kind). */
function legendKey(span: ByteSpanJson): string {
  if (span.kind === 'header') return span.path;
  if (span.kind === 'value') return `value (depth ${span.depth % 4})`;
  return span.kind;
}

const KIND_WORDS: Record<ByteSpanJson['kind'], string> = {
  header: 'header field',
  tag: 'key (tag)',
  length: 'length prefix',
  value: 'value',
  unknown: 'unknown field (skipped)',
  error: 'decode error',
  padding: 'padding (never read)',
};

function byteTitle(offset: number, byte: string, base: bigint | null, span: ByteSpanJson | undefined): string {
  const at = `0x${offset.toString(16)}${base === null ? '' : ` (GPA 0x${(base + BigInt(offset)).toString(16)})`}: ${byte}`;
  if (span === undefined) return `${at} · not part of any field`;
  const parts = [at, span.path, KIND_WORDS[span.kind]];
  if (span.wireType !== undefined) parts.push(span.wireType);
  if (span.valueHex !== undefined) parts.push(span.valueDec === undefined ? `value ${span.valueHex}` : `value ${span.valueHex} (${span.valueDec})`);
  if (span.meaning !== '') parts.push(span.meaning);
  return parts.join(' · ');
}

/**
 * What a row's side note says: the top-level fields (and header fields, padding, errors) that
 * start on it; a row inside one field names the innermost field its first key opens, after `⋯`.
 */
function rowNote(spans: readonly ByteSpanJson[]): string {
  const names: string[] = [];
  for (const s of spans) {
    const top = s.kind === 'header' || s.kind === 'padding' || s.kind === 'error' || ((s.kind === 'tag' || s.kind === 'unknown') && s.depth === 0);
    if (!top) continue;
    const name = s.kind === 'error' ? `ERROR in ${s.path}` : s.path;
    if (!names.includes(name)) names.push(name);
  }
  if (names.length > 0) return names.join(', ');
  const inner = spans.find((s) => s.kind === 'tag');
  return inner === undefined ? '' : `⋯ ${inner.path}`;
}

function fit(text: string, width: number, size: number): string {
  if (textWidth(text, size, true) <= width) return text;
  return `${text.slice(0, Math.max(1, Math.floor(width / (size * 0.6)) - 1))}…`;
}

/**
 * The byte view as an SVG hex grid (see the module comment). Row offsets are offsets into the
 * input; with a known base each byte's `<title>` also gives its GPA. Same input, same bytes.
 */
export function bytesSvg(view: ByteViewJson, options: BytesSvgOptions = {}): string {
  const pal = paletteFor(options.theme);
  const columns = Math.max(1, Math.floor(options.columns ?? 16));
  const collapse = options.collapse ?? 3;
  const base = view.base === null ? null : BigInt(view.base);
  const shown = view.shown;
  const owner = new Int32Array(shown).fill(-1);
  view.spans.forEach((s, i) => {
    for (let o = Math.max(0, s.start); o < Math.min(s.end, shown); o++) owner[o] = i;
  });
  const byteAt = (o: number) => view.hex.slice(o * 2, o * 2 + 2);
  const rows = Math.ceil(shown / columns);
  // A row collapses when each of its bytes is zero and in padding or in no field.
  const plain = (r: number) => {
    for (let o = r * columns; o < Math.min(shown, (r + 1) * columns); o++) {
      const s = owner[o]! < 0 ? undefined : view.spans[owner[o]!];
      if (byteAt(o) !== '00' || (s !== undefined && s.kind !== 'padding')) return false;
    }
    return true;
  };
  type Line = { kind: 'row'; row: number } | { kind: 'skip'; from: number; to: number };
  const lines: Line[] = [];
  for (let r = 0; r < rows; ) {
    let e = r;
    while (collapse > 0 && e < rows && plain(e)) e++;
    if (collapse > 0 && e - r >= collapse) {
      lines.push({ kind: 'skip', from: r * columns, to: Math.min(shown, e * columns) });
      r = e;
    } else {
      lines.push({ kind: 'row', row: r });
      r++;
    }
  }

  const gridX = PAD + OFFSET_W;
  const noteX = gridX + columns * CELL_W + 12;
  const width = Math.max(noteX + NOTE_W + PAD, options.title === undefined ? 0 : Math.ceil(textWidth(options.title, 14.5) + 2 * PAD));
  let y = PAD + (options.title === undefined ? 0 : 22);
  const out: string[] = [];
  const used = new Map<string, ByteSpanJson>();
  for (const line of lines) {
    if (line.kind === 'skip') {
      const span = owner[line.from]! < 0 ? undefined : view.spans[owner[line.from]!];
      const what = span === undefined ? 'zero bytes in no field' : `zero bytes of ${span.path}`;
      out.push(
        `<g class="skip" data-from="${line.from}" data-to="${line.to}"><title>${esc(`0x${line.from.toString(16)}-0x${line.to.toString(16)}: ${line.to - line.from} ${what}`)}</title>` +
          `<text x="${num(gridX)}" y="${num(y + CELL_H / 2)}" dominant-baseline="middle" font-family="${FONT.mono}" font-size="10.5" font-style="italic" fill="${pal.muted}">${esc(`⋯ 0x${line.from.toString(16)}-0x${line.to.toString(16)}: ${formatSize(BigInt(line.to - line.from))} of ${what} ⋯`)}</text></g>`,
      );
      y += CELL_H;
      continue;
    }
    const first = line.row * columns;
    const last = Math.min(shown, first + columns);
    out.push(
      `<text class="offset" x="${num(gridX - 8)}" y="${num(y + CELL_H / 2)}" text-anchor="end" dominant-baseline="middle" font-family="${FONT.mono}" font-size="10.5" fill="${pal.muted}">${esc(`0x${first.toString(16).padStart(4, '0')}`)}</text>`,
    );
    const starting: ByteSpanJson[] = [];
    for (let o = first; o < last; o++) {
      const idx = owner[o]!;
      const span = idx < 0 ? undefined : view.spans[idx];
      if (span !== undefined) {
        used.set(legendKey(span), span);
        if (span.start === o || o === first) starting.push(span);
      }
      const x = gridX + (o - first) * CELL_W;
      const isError = span?.kind === 'error';
      const attrs = `class="byte" data-offset="${o}"${span === undefined ? '' : ` data-kind="${span.kind}" data-path="${esc(span.path)}"`}`;
      out.push(
        `<rect ${attrs} x="${num(x + 0.5)}" y="${num(y + 0.5)}" width="${CELL_W - 1}" height="${CELL_H - 1}" fill="${spanFill(span, pal)}"${isError ? ` stroke="${pal.accent}" stroke-width="2"` : ''}><title>${esc(byteTitle(o, byteAt(o), base, span))}</title></rect>` +
          `<text x="${num(x + CELL_W / 2)}" y="${num(y + CELL_H / 2)}" text-anchor="middle" dominant-baseline="middle" font-family="${FONT.mono}" font-size="10.5" fill="${pal.text}" pointer-events="none">${byteAt(o)}</text>`,
      );
    }
    const note = rowNote(starting.filter((s) => s.start >= first));
    if (note !== '') {
      out.push(
        `<text class="note" x="${num(noteX)}" y="${num(y + CELL_H / 2)}" dominant-baseline="middle" font-family="${FONT.mono}" font-size="10" fill="${pal.muted}">${esc(fit(note, NOTE_W, 10))}</text>`,
      );
    }
    y += CELL_H;
  }
  y += 10;
  const footer = view.truncated ? `showing the first ${view.shown} of ${view.length} bytes` : `${view.length} bytes`;
  out.push(`<text class="footer" x="${PAD}" y="${num(y + 6)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="11" fill="${pal.muted}">${esc(footer)}</text>`);
  y += 20;
  // Legend: the fills that occur, header fields first, then the wire kinds in a fixed order.
  const ORDER = ['header.magic', 'header.protobuf_base', 'header.protobuf_region_len', 'header.protobuf_payload_len', 'tag', 'length', 'value (depth 0)', 'value (depth 1)', 'value (depth 2)', 'value (depth 3)', 'unknown', 'error', 'padding'];
  let lx = PAD;
  const legend: string[] = [];
  for (const key of ORDER) {
    const span = used.get(key);
    if (span === undefined) continue;
    const label = key.startsWith('header.') ? key.slice(7) : key === 'tag' ? 'key' : key === 'length' ? 'length' : key === 'unknown' ? 'unknown field' : key === 'error' ? 'decode error' : key;
    const w = 18 + textWidth(label, 11) + 14;
    if (lx + w > width - PAD && lx > PAD) {
      lx = PAD;
      y += 18;
    }
    legend.push(
      `<g class="legend-item" data-key="${esc(key)}"><rect x="${num(lx)}" y="${num(y)}" width="12" height="12" fill="${spanFill(span, pal)}" stroke="${pal.stroke}"/>` +
        `<text x="${num(lx + 17)}" y="${num(y + 6)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="11" fill="${pal.text}">${esc(label)}</text></g>`,
    );
    lx += w;
  }
  const height = y + (legend.length === 0 ? 0 : 18) + PAD;
  const title = options.title ?? 'annotated bytes';
  return svgDocument({ width, height, title, cls: 'vtl2-bytes', background: pal.background }, [
    options.title === undefined
      ? ''
      : `<text class="heading" x="${PAD}" y="${PAD + 8}" font-family="${FONT.sans}" font-size="13" font-weight="600" fill="${pal.text}">${esc(options.title)}</text>`,
    ...out,
    `<g class="legend">${legend.join('')}</g>`,
  ]);
}
