/**
 * The memory map as an SVG figure, readable from 4 KiB pages to TiB of RAM: addresses run down
 * a segmented axis on which every range is a row whose height grows only with the logarithm of
 * its size (a page is still a readable row, a TiB not a wall), and every hole between ranges is
 * a fixed, small band with a break mark and the hole's size. Labels give type and size; the
 * exact bounds are in each range's `<title>` (shown on hover). Pure string building: no DOM, no
 * Node API, so the page and the CLI draw the same bytes.
 */
import { formatSize } from '../../memory/range-format.js';
import { formatHex } from '../../memory/u64.js';
import type { MapChangeJson, MapRangeJson, MapRangeKind, MemoryMapJson } from '../explore-data.js';
import { paletteFor, type Palette, type Theme } from './palette.js';
import { FONT, esc, num, svgDocument, textWidth } from './xml.js';

/** Options of {@link mapSvg} and {@link comparisonSvg}. */
export interface MapSvgOptions {
  /** Colour set (default `light`). */
  theme?: Theme;
  /** Heading above the map: default the map's title; `false` for none. */
  title?: string | false;
}

/** Every kind in legend order: the guest's RAM first, then VTL2's pieces, then MMIO. */
export const MAP_KINDS: readonly MapRangeKind[] = [
  'vtl0-ram',
  'vtl2-ram',
  'persisted-header',
  'persisted-protobuf',
  'config',
  'reserved',
  'log-buffer',
  'pool',
  'sidecar',
  'tdx-page-tables',
  'vtl0-mmio',
  'vtl2-mmio',
  'other',
];

/** What each kind is called in the legend. */
export const MAP_KIND_NAMES: Record<MapRangeKind, string> = {
  'vtl0-ram': 'VTL0 RAM',
  'vtl2-ram': 'VTL2 RAM',
  'persisted-header': 'persisted header',
  'persisted-protobuf': 'persisted payload',
  config: 'config (parameters)',
  reserved: 'VTL2 reserved',
  'log-buffer': 'boot shim log',
  pool: 'private pool',
  sidecar: 'sidecar',
  'tdx-page-tables': 'TDX page tables',
  'vtl0-mmio': 'VTL0 MMIO',
  'vtl2-mmio': 'VTL2 MMIO',
  other: 'other type',
};

const ROW_MIN = 20;
const ROW_MAX = 64;
const GAP_H = 16;
const FONT_SIZE = 11;

/** The geometry of one map column. */
interface Column {
  /** Left edge. */
  x: number;
  /** Width of the address text area (right-aligned into it). */
  addrW: number;
  /** Width of the change badge area (0 without one). */
  badgeW: number;
  /** Width of the bar. */
  barW: number;
  /** Width left for labels. */
  labelW: number;
}

interface Row {
  range: MapRangeJson;
  start: bigint;
  end: bigint;
  y: number;
  h: number;
  /** The range starts below the end of an earlier one (a saved state is input: it may). */
  overlap: bigint;
}

interface Band {
  y: number;
  from: bigint;
  to: bigint;
}

interface Layout {
  rows: Row[];
  bands: Band[];
  /** Address labels: where, and which address. */
  marks: { y: number; at: bigint }[];
  bottom: number;
}

/** Number of bits of a non-negative bigint (0 for 0). */
function bitLength(v: bigint): number {
  return v <= 0n ? 0 : v.toString(2).length;
}

/** A row's height: grows 2 px per doubling above a page, between {@link ROW_MIN} and {@link ROW_MAX}. */
function rowHeight(size: bigint): number {
  return Math.min(ROW_MAX, Math.max(ROW_MIN, ROW_MIN + 2 * (bitLength(size) - 13)));
}

/** Lays ranges out down the axis from `top`: rows in order, gap bands where addresses skip. */
function layout(ranges: readonly MapRangeJson[], top: number): Layout {
  const rows: Row[] = [];
  const bands: Band[] = [];
  const marks: { y: number; at: bigint }[] = [];
  let y = top;
  let reach: bigint | undefined;
  for (const range of ranges) {
    const start = BigInt(range.start);
    const end = BigInt(range.end);
    let overlap = 0n;
    if (reach !== undefined && start > reach) {
      marks.push({ y, at: reach });
      bands.push({ y, from: reach, to: start });
      y += GAP_H;
    } else if (reach !== undefined && start < reach) {
      overlap = (end < reach ? end : reach) - start;
    }
    marks.push({ y, at: start });
    const h = rowHeight(end - start);
    rows.push({ range, start, end, y, h, overlap });
    y += h;
    if (reach === undefined || end > reach) reach = end;
  }
  if (reach !== undefined) marks.push({ y, at: reach });
  // One label per position: a contiguous boundary is the previous row's end and the next row's start.
  const seen = new Set<number>();
  const unique = marks.filter((m) => (seen.has(m.y) ? false : (seen.add(m.y), true)));
  return { rows, bands, marks: unique, bottom: y };
}

/** `text`, cut with an ellipsis to fit `width` px. */
function fit(text: string, width: number, size: number): string {
  if (textWidth(text, size) <= width) return text;
  const chars = Math.max(1, Math.floor(width / (size * 0.56)) - 1);
  return `${text.slice(0, chars)}…`;
}

const CHANGE_BADGE: Record<MapChangeJson['change'], string> = { same: '', moved: '~', appeared: '+', vanished: '−' };
const CHANGE_WORD: Record<MapChangeJson['change'], string> = { same: '', moved: ' (moved)', appeared: ' (new)', vanished: ' (gone)' };

/** How a range changed, and the other map's bounds for a moved one. */
interface RowChange {
  change: MapChangeJson['change'];
  other?: MapRangeJson;
}

function bounds(r: MapRangeJson): string {
  return `[${r.start}, ${r.end})`;
}

function sizeOf(r: MapRangeJson): string {
  const start = BigInt(r.start);
  const end = BigInt(r.end);
  return end >= start ? formatSize(end - start) : 'start > end';
}

/** One column: address marks, gap bands, range rows. */
function columnSvg(l: Layout, c: Column, pal: Palette, changes: (RowChange | undefined)[], side: 'before' | 'after' | undefined): string {
  const out: string[] = [];
  const barX = c.x + c.addrW + c.badgeW;
  const labelX = barX + c.barW + 8;
  for (const m of l.marks) {
    out.push(
      `<text class="addr" x="${num(c.x + c.addrW - 6)}" y="${num(m.y)}" text-anchor="end" dominant-baseline="middle" font-family="${FONT.mono}" font-size="10" fill="${pal.muted}">${esc(formatHex(m.at))}</text>`,
    );
  }
  for (const b of l.bands) {
    const y0 = b.y + 4;
    const y1 = b.y + GAP_H - 4;
    const zig = (yy: number) => {
      const pts: string[] = [];
      for (let i = 0, x = barX; x <= barX + c.barW + 0.01; i++, x += c.barW / 12) pts.push(`${num(x)},${num(yy + (i % 2 === 0 ? -2 : 2))}`);
      return pts.join(' ');
    };
    out.push(
      `<g class="gap" data-from="${formatHex(b.from)}" data-to="${formatHex(b.to)}"><title>${esc(`gap: [${formatHex(b.from)}, ${formatHex(b.to)}) ${formatSize(b.to - b.from)}, not drawn to scale`)}</title>` +
        `<polyline points="${zig(y0)}" fill="none" stroke="${pal.stroke}"/><polyline points="${zig(y1)}" fill="none" stroke="${pal.stroke}"/>` +
        `<text x="${num(labelX)}" y="${num(b.y + GAP_H / 2)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="10" font-style="italic" fill="${pal.muted}">${esc(`gap of ${formatSize(b.to - b.from)}`)}</text></g>`,
    );
  }
  l.rows.forEach((row, i) => {
    const r = row.range;
    const ch = changes[i];
    const change = ch?.change ?? 'same';
    const marked = ch !== undefined && change !== 'same';
    const size = sizeOf(r);
    const notes: string[] = [];
    if (row.overlap > 0n) notes.push(`overlaps the range above by ${formatSize(row.overlap)}`);
    if (change === 'moved' && ch?.other !== undefined) notes.push(side === 'before' ? `moved to ${bounds(ch.other)}` : `moved from ${bounds(ch.other)}`);
    if (change === 'appeared') notes.push('not in the earlier map');
    if (change === 'vanished') notes.push('not in the later map');
    const title = [`${r.label}: ${bounds(r)} ${size}`, ...notes].join('; ');
    const label = `${r.label} · ${size}${marked ? CHANGE_WORD[change] : ''}${row.overlap > 0n ? ' (overlaps)' : ''}`;
    const stroke = marked || row.overlap > 0n ? `stroke="${pal.accent}" stroke-width="2"${change === 'vanished' ? ' stroke-dasharray="4 2"' : ''}` : `stroke="${pal.stroke}" stroke-width="1"`;
    const attrs = `class="range" data-kind="${r.kind}" data-label="${esc(r.label)}" data-start="${esc(r.start)}" data-end="${esc(r.end)}"${ch === undefined ? '' : ` data-change="${change}"`}`;
    const badge =
      marked && c.badgeW > 0
        ? `<text x="${num(barX - c.badgeW / 2)}" y="${num(row.y + row.h / 2)}" text-anchor="middle" dominant-baseline="middle" font-family="${FONT.mono}" font-size="13" font-weight="bold" fill="${pal.accent}">${esc(CHANGE_BADGE[change])}</text>`
        : '';
    out.push(
      `<g ${attrs} tabindex="0"><title>${esc(title)}</title>` +
        `<rect x="${num(barX)}" y="${num(row.y + 0.5)}" width="${num(c.barW)}" height="${num(row.h - 1)}" rx="2" fill="${pal.kinds[r.kind] ?? pal.kinds.other}" ${stroke}/>` +
        badge +
        `<text x="${num(labelX)}" y="${num(row.y + row.h / 2)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="${FONT_SIZE}" fill="${pal.text}">${esc(fit(label, c.labelW, FONT_SIZE))}</text></g>`,
    );
  });
  return out.join('\n');
}

/** The legend: one swatch per kind that occurs, in {@link MAP_KINDS} order, wrapped to `width`. */
function legendSvg(kinds: ReadonlySet<MapRangeKind>, x: number, y: number, width: number, pal: Palette): { svg: string; height: number } {
  const items = MAP_KINDS.filter((k) => kinds.has(k));
  const out: string[] = [];
  let cx = x;
  let cy = y;
  for (const k of items) {
    const w = 18 + textWidth(MAP_KIND_NAMES[k], 11) + 14;
    if (cx + w > x + width && cx > x) {
      cx = x;
      cy += 18;
    }
    out.push(
      `<g class="legend-item" data-kind="${k}"><rect x="${num(cx)}" y="${num(cy)}" width="12" height="12" rx="2" fill="${pal.kinds[k]}" stroke="${pal.stroke}"/>` +
        `<text x="${num(cx + 17)}" y="${num(cy + 6)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="11" fill="${pal.text}">${esc(MAP_KIND_NAMES[k])}</text></g>`,
    );
    cx += w;
  }
  return { svg: `<g class="legend">${out.join('')}</g>`, height: items.length === 0 ? 0 : cy - y + 18 };
}

function heading(text: string, x: number, y: number, pal: Palette, size = 13): string {
  return `<text class="heading" x="${num(x)}" y="${num(y)}" font-family="${FONT.sans}" font-size="${size}" font-weight="600" fill="${pal.text}">${esc(text)}</text>`;
}

const SINGLE: Omit<Column, 'x'> = { addrW: 110, badgeW: 0, barW: 150, labelW: 330 };
const PAIR: Omit<Column, 'x'> = { addrW: 100, badgeW: 16, barW: 110, labelW: 250 };
const PAD = 16;

/**
 * One memory map as an SVG: a `<g class="range" data-kind data-label data-start data-end>`
 * with a `<title>` per range (in the map's order), a `<g class="gap">` per hole, a legend of
 * the kinds that occur. Same input, same bytes.
 */
export function mapSvg(map: MemoryMapJson, options: MapSvgOptions = {}): string {
  const pal = paletteFor(options.theme);
  const title = options.title === false ? undefined : (options.title ?? map.title);
  const col: Column = { x: PAD, ...SINGLE };
  const width = Math.max(PAD * 2 + col.addrW + col.barW + 8 + col.labelW, title === undefined ? 0 : Math.ceil(textWidth(title, 14.5) + 2 * PAD));
  const top = (title === undefined ? PAD : PAD + 24) + 8;
  const l = layout(map.ranges, top);
  const body = map.ranges.length === 0 ? heading('(no ranges)', PAD, top + 12, pal, 11) : columnSvg(l, col, pal, [], undefined);
  const legendY = (map.ranges.length === 0 ? top + 24 : l.bottom) + 16;
  const legend = legendSvg(new Set(map.ranges.map((r) => r.kind)), PAD, legendY, width - 2 * PAD, pal);
  const height = legendY + legend.height + PAD;
  return svgDocument({ width, height, title: title ?? 'memory map', cls: 'vtl2-map', background: pal.background }, [
    title === undefined ? '' : heading(title, PAD, PAD + 12, pal),
    body,
    legend.svg,
  ]);
}

/** The changes per row of one side, matched by value (the changes may have been through JSON). */
function changesFor(ranges: readonly MapRangeJson[], changes: readonly MapChangeJson[], side: 'before' | 'after'): (RowChange | undefined)[] {
  const key = (r: MapRangeJson) => `${r.kind}\u0000${r.label}\u0000${r.start}\u0000${r.end}`;
  const queue = new Map<string, RowChange[]>();
  for (const c of changes) {
    const r = c[side];
    if (r === undefined) continue;
    const other = side === 'before' ? c.after : c.before;
    const entry: RowChange = { change: c.change, ...(other !== undefined && c.change === 'moved' && { other }) };
    const list = queue.get(key(r));
    if (list === undefined) queue.set(key(r), [entry]);
    else list.push(entry);
  }
  return ranges.map((r) => queue.get(key(r))?.shift());
}

/**
 * Two maps side by side (earlier left, later right) with what changed marked: a moved range
 * (same type and vnode, other bounds) gets `~` and an outlined bar, an appeared one `+`, a
 * vanished one `−` and a dashed outline; each range's `data-change` says which, and a moved
 * one's `<title>` gives its other bounds. A count of each change closes the figure.
 */
export function comparisonSvg(before: MemoryMapJson, after: MemoryMapJson, changes: readonly MapChangeJson[], options: MapSvgOptions = {}): string {
  const pal = paletteFor(options.theme);
  const title = options.title === false ? undefined : (options.title ?? `${before.title} → ${after.title}`);
  const colW = PAIR.addrW + PAIR.badgeW + PAIR.barW + 8 + PAIR.labelW;
  const left: Column = { x: PAD, ...PAIR };
  const right: Column = { x: PAD + colW + 24, ...PAIR };
  const width = Math.max(PAD * 2 + colW * 2 + 24, title === undefined ? 0 : Math.ceil(textWidth(title, 14.5) + 2 * PAD));
  const headY = (title === undefined ? PAD : PAD + 24) + 12;
  const top = headY + 18;
  const lb = layout(before.ranges, top);
  const la = layout(after.ranges, top);
  const counts = { same: 0, moved: 0, appeared: 0, vanished: 0 };
  for (const c of changes) counts[c.change]++;
  const bottom = Math.max(lb.bottom, la.bottom, top + 12);
  const summaryY = bottom + 20;
  const summary = `${counts.same} same, ${counts.moved} moved, ${counts.appeared} appeared, ${counts.vanished} vanished`;
  const legendY = summaryY + 16;
  const legend = legendSvg(new Set([...before.ranges, ...after.ranges].map((r) => r.kind)), PAD, legendY, width - 2 * PAD, pal);
  const height = legendY + legend.height + PAD;
  return svgDocument({ width, height, title: title ?? 'memory maps compared', cls: 'vtl2-map-comparison', background: pal.background }, [
    title === undefined ? '' : heading(title, PAD, PAD + 12, pal),
    heading(`before: ${before.title}`, left.x, headY, pal, 12),
    heading(`after: ${after.title}`, right.x, headY, pal, 12),
    `<g class="side" data-side="before">`,
    columnSvg(lb, left, pal, changesFor(before.ranges, changes, 'before'), 'before'),
    '</g>',
    `<g class="side" data-side="after">`,
    columnSvg(la, right, pal, changesFor(after.ranges, changes, 'after'), 'after'),
    '</g>',
    `<text class="summary" x="${PAD}" y="${num(summaryY)}" font-family="${FONT.sans}" font-size="11" fill="${pal.muted}">${esc(summary)}</text>`,
    legend.svg,
  ]);
}
