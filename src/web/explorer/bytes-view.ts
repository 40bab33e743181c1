/// <reference lib="dom" />
/**
 * The Bytes view: an annotated hex grid of the input (header page, then payload), in the manner
 * of Kaitai's Web IDE or ImHex. Every byte is an element with `data-offset`, coloured by the field
 * its {@link ByteSpanJson} names (one hue per top-level field, alternating shades for repeated
 * entries, tag and length bytes darker than value bytes); hovering, focusing or clicking a byte
 * shows that span's facts in `#detail`, the same facts `inspect --json` prints. Long runs of zero
 * padding collapse into one line so the header page does not push the payload off the screen.
 */
import type { ByteSpanJson, ByteViewJson } from '../explore-data.js';
import { el, hex, note, rovingTabindex } from './dom.js';

const ROW = 16;
/** A run of all-zero padding rows at least this long becomes one "… N zero bytes" line. */
const COLLAPSE_MIN_ROWS = 3;

/** Hues of the header's fields, fixed so the same field has the same colour on every page. */
const HEADER_HUES: Record<string, number> = {
  'header.magic': 265,
  'header.protobuf_base': 200,
  'header.protobuf_region_len': 150,
  'header.protobuf_payload_len': 35,
};
/** Hues for the payload's top-level fields, in order of first appearance. */
const FIELD_HUES = [210, 30, 140, 285, 0, 60, 175, 320, 95, 250];

const KIND_WORDS: Record<ByteSpanJson['kind'], string> = {
  header: 'header field',
  tag: 'tag (field number and wire type)',
  length: 'length prefix',
  value: 'value',
  unknown: 'unknown field (the decoder skips it)',
  error: 'the byte the decode fails at',
  padding: 'padding',
};

/** How each span is drawn: hue and whether it is an odd entry of a repeated field. */
interface SpanLook {
  hue: number;
  alt: boolean;
}

/**
 * A top-level field gets a hue of its own; the fields nested in it (`range.start`,
 * `vtl_type`, …) shift that hue a little each, so an entry's parts stay one family yet read
 * apart; odd entries of a repeated field are a shade darker, so entries read apart too.
 */
function spanLooks(spans: readonly ByteSpanJson[]): SpanLook[] {
  const names = new Map<string, number>();
  const inner = new Map<string, number>();
  const indexOf = (map: Map<string, number>, key: string) => {
    if (!map.has(key)) map.set(key, map.size);
    return map.get(key)!;
  };
  return spans.map((s) => {
    const headerHue = HEADER_HUES[s.path];
    if (s.kind === 'header' || headerHue !== undefined) return { hue: headerHue ?? 0, alt: false };
    const [top = s.path, ...rest] = s.path.split('.');
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(top);
    const name = m?.[1] ?? top;
    const hue = FIELD_HUES[indexOf(names, name) % FIELD_HUES.length]!;
    const leaf = rest.join('.').replace(/\[\d+\]/g, '[]');
    const shift = leaf === '' ? 0 : (((indexOf(inner, `${name}.${leaf}`) % 5) - 2) * 12 + 360) % 360;
    return { hue: (hue + shift) % 360, alt: Number(m?.[2] ?? 0) % 2 === 1 };
  });
}

function bytesOf(hexText: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = parseInt(hexText.slice(2 * i, 2 * i + 2), 16) || 0;
  return out;
}

/** Index of the first element of sorted `xs` that is ≥ `x` (xs.length if none). */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function legend(): HTMLUListElement {
  const item = (cls: string, text: string) => {
    const sw = el('span', { class: `swatch b ${cls}`, 'aria-hidden': 'true' });
    sw.style.setProperty('--h', String(FIELD_HUES[0]));
    return el('li', {}, sw, text);
  };
  return el(
    'ul',
    { class: 'legend', 'aria-label': 'byte colours' },
    item('k-header', 'header field'),
    item('k-tag', 'tag / length'),
    item('k-value', 'value'),
    item('k-unknown', 'unknown field'),
    item('k-error', 'decode fails here'),
    item('k-padding', 'padding'),
    item('k-none', 'not attributed'),
  );
}

/** Builds the Bytes panel for `view` (a note when the input has no bytes, e.g. a state JSON). */
export function bytesView(view: ByteViewJson | null): HTMLElement {
  if (view === null) return note('This input has no bytes to show (a state JSON is shown as the region OpenHCL would write).');
  const data = bytesOf(view.hex, view.shown);
  const spanOf = new Int32Array(view.shown).fill(-1);
  view.spans.forEach((s, i) => {
    for (let o = Math.max(0, s.start); o < Math.min(s.end, view.shown); o++) spanOf[o] = i;
  });
  const looks = spanLooks(view.spans);
  const base = view.base === null ? null : BigInt(view.base);
  const firstWire = view.spans.find((s) => s.kind !== 'header' && s.kind !== 'padding');
  const headerFirst = view.spans[0]?.kind === 'header';

  // Offsets as wide as the largest one, five digits at least (a 64 KiB view).
  const digits = Math.max(5, Math.max(0, view.shown - 1).toString(16).length);
  const cells: HTMLElement[] = [];
  const cellAt = new Map<number, HTMLElement>();
  const grid = el('div', { class: 'hexgrid', role: 'grid', 'aria-label': 'input bytes, 16 a row; arrow keys move the selection' });

  const zeroPaddingRow = (row: number) => {
    const end = row + ROW;
    if (end > view.shown) return false;
    for (let o = row; o < end; o++) {
      const s = spanOf[o]!;
      if (data[o] !== 0 || (s !== -1 && view.spans[s]!.kind !== 'padding')) return false;
    }
    return true;
  };
  // The grid is one markup string, parsed once: 64 KiB of bytes is 65536 cells, which element
  // by element costs seconds. Everything in it is made here (hex digits, offsets, fixed class
  // names, hue numbers); the one text from the input, the ASCII column, is escaped.
  const html: string[] = [];
  const label = (text: string) => html.push(`<div class="sect" role="row"><span role="columnheader">${text}</span></div>`);

  for (let row = 0; row < view.shown; row += ROW) {
    if (row === 0 && headerFirst) label('header page');
    if (firstWire !== undefined && firstWire.start >= row && firstWire.start < row + ROW && !(row === 0 && !headerFirst)) {
      label(`payload at ${hex(firstWire.start)}${base === null ? '' : ` (GPA 0x${(base + BigInt(firstWire.start)).toString(16)})`}`);
    } else if (row === 0 && !headerFirst) label('payload');
    let run = 0;
    while (zeroPaddingRow(row + run * ROW)) run++;
    if (run >= COLLAPSE_MIN_ROWS) {
      const from = row;
      const to = row + run * ROW;
      html.push(`<div class="gap" role="row"><span role="gridcell">⋯ ${hex(from)}–${hex(to)}: ${to - from} zero bytes</span></div>`);
      row = to - ROW;
      continue;
    }
    html.push(`<div class="row" role="row"><span class="off" role="rowheader">${hex(row).slice(2).padStart(digits, '0')}</span>`);
    let ascii = '';
    for (let o = row; o < Math.min(row + ROW, view.shown); o++) {
      const s = spanOf[o]!;
      const span = s === -1 ? undefined : view.spans[s];
      let classes = span === undefined ? 'b k-none' : `b k-${span.kind}`;
      if (span !== undefined && span.start === o) classes += ' first';
      if (s !== -1 && looks[s]!.alt) classes += ' alt';
      if (o === view.errorOffset) classes += ' err';
      const hue = s === -1 ? '' : ` style="--h:${looks[s]!.hue}"`;
      const b = data[o]!;
      html.push(`<span class="${classes}" role="gridcell" data-offset="${o}"${hue}>${b.toString(16).padStart(2, '0')}</span>`);
      ascii += b === 0x26 ? '&amp;' : b === 0x3c ? '&lt;' : b === 0x3e ? '&gt;' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    html.push(`<span class="ascii" aria-hidden="true">${ascii}</span></div>`);
  }
  grid.innerHTML = html.join('');
  for (const cell of grid.querySelectorAll<HTMLElement>('[data-offset]')) {
    cells.push(cell);
    cellAt.set(Number(cell.dataset['offset']), cell);
  }

  const detail = el('aside', { id: 'detail', 'aria-live': 'polite', 'aria-label': 'the selected byte' });
  const offsets = cells.map((c) => Number(c.dataset['offset']));
  let selected = offsets[0] ?? 0;
  let lit: number | undefined;

  const light = (span: number) => {
    if (lit === span) return;
    const set = (i: number | undefined, on: boolean) => {
      if (i === undefined || i === -1) return;
      const s = view.spans[i]!;
      for (let o = s.start; o < Math.min(s.end, view.shown); o++) cellAt.get(o)?.classList.toggle('hl', on);
    };
    set(lit, false);
    set(span, true);
    lit = span;
  };

  const show = (offset: number) => {
    const s = spanOf[offset] ?? -1;
    const span = s === -1 ? undefined : view.spans[s];
    light(s);
    const b = data[offset] ?? 0;
    const rows: [string, string, string][] = [
      ['offset', 'offset', `${hex(offset)} (${offset})${base === null ? '' : `, GPA 0x${(base + BigInt(offset)).toString(16)}`}`],
      ['byte', 'byte', `0x${b.toString(16).padStart(2, '0')} (${b})`],
    ];
    if (span !== undefined) {
      rows.push(['kind', 'what', `${KIND_WORDS[span.kind]}, bytes ${hex(span.start)}–${hex(span.end)} (${span.end - span.start})`]);
      if (span.wireType !== undefined) rows.push(['wire-type', 'wire type', span.wireType]);
      if (span.valueHex !== undefined) rows.push(['value-hex', 'value', span.valueHex]);
      if (span.valueDec !== undefined) rows.push(['value-dec', 'decimal', span.valueDec]);
      rows.push(['meaning', 'meaning', span.meaning]);
    }
    if (offset === view.errorOffset) rows.push(['error', 'decode', 'the real decoder fails at this byte']);
    detail.replaceChildren(
      el('h3', { 'data-detail': 'path' }, span?.path ?? '(not attributed to a field)'),
      el('dl', {}, ...rows.flatMap(([key, name, value]) => [el('dt', {}, name), el('dd', { 'data-detail': key }, value)])),
    );
  };

  const focusCell = rovingTabindex(cells);
  const select = (offset: number, focus: boolean) => {
    const cell = cellAt.get(offset);
    if (cell === undefined) return;
    cellAt.get(selected)?.classList.remove('sel');
    cellAt.get(selected)?.setAttribute('aria-selected', 'false');
    selected = offset;
    cell.classList.add('sel');
    cell.setAttribute('aria-selected', 'true');
    focusCell(cell);
    if (focus && document.activeElement !== cell) cell.focus();
    show(offset);
  };

  const cellOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<HTMLElement>('[data-offset]') : null);
  grid.addEventListener('mouseover', (e) => {
    const cell = cellOf(e.target);
    if (cell !== null) show(Number(cell.dataset['offset']));
  });
  grid.addEventListener('mouseleave', () => show(selected));
  grid.addEventListener('click', (e) => {
    const cell = cellOf(e.target);
    if (cell !== null) select(Number(cell.dataset['offset']), true);
  });
  grid.addEventListener('focusin', (e) => {
    const cell = cellOf(e.target);
    if (cell !== null && Number(cell.dataset['offset']) !== selected) select(Number(cell.dataset['offset']), false);
  });
  grid.addEventListener('keydown', (e) => {
    const at = lowerBound(offsets, selected);
    let to: number | undefined;
    // Up/Down/Page keys aim at the same column; inside a collapsed run they land on the first
    // (or last) byte shown past it, so the selection never stops on a byte that is not drawn.
    const forward = (target: number) => offsets[Math.min(lowerBound(offsets, target), offsets.length - 1)];
    const backward = (target: number) => offsets[Math.max(lowerBound(offsets, target + 1) - 1, 0)];
    switch (e.key) {
      case 'ArrowRight': to = offsets[Math.min(at + 1, offsets.length - 1)]; break;
      case 'ArrowLeft': to = offsets[Math.max(at - 1, 0)]; break;
      case 'ArrowDown': to = forward(selected + ROW); break;
      case 'ArrowUp': to = backward(selected - ROW); break;
      case 'PageDown': to = forward(selected + ROW * 16); break;
      case 'PageUp': to = backward(selected - ROW * 16); break;
      case 'Home': to = e.ctrlKey ? offsets[0] : forward(selected - (selected % ROW)); break;
      case 'End': to = e.ctrlKey ? offsets[offsets.length - 1] : backward(selected - (selected % ROW) + ROW - 1); break;
      default: return;
    }
    e.preventDefault();
    if (to !== undefined) select(to, true);
  });

  if (cells.length > 0) select(view.errorOffset !== null && cellAt.has(view.errorOffset) ? view.errorOffset : offsets[0]!, false);
  const summary = `${view.shown} of ${view.length} bytes${view.base === null ? '' : `, first byte at GPA ${view.base}`}`;
  return el(
    'div',
    { class: 'bytes-view' },
    el('div', { class: 'bytes-head' }, el('p', { class: 'note' }, view.truncated ? `Showing the first ${summary} (cut for size).` : `All ${summary}.`), legend()),
    el('div', { class: 'bytes-body' }, grid, detail),
  );
}
