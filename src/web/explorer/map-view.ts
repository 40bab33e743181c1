/// <reference lib="dom" />
/**
 * The Memory map view: the partition's address space as src/web/svg/map-svg.ts draws it (a
 * segmented axis, so TiB of RAM and a 4 KiB header page are both readable), for each boot of
 * the input and for the map the saved state itself describes, picked with one control; beside it
 * the same ranges as a table with exact bounds. For a scenario, "before vs after" compares two
 * consecutive successful boots and lists what moved, appeared or vanished.
 */
import { formatSize } from '../../memory/range-format.js';
import type { ExploreData, MapChangeJson, MapRangeJson, MemoryMapJson } from '../explore-data.js';
import { MAP_KIND_NAMES, comparisonSvg, mapSvg } from '../svg/map-svg.js';
import { el, note, themedFigure } from './dom.js';

function rangeTable(map: MemoryMapJson): HTMLTableElement {
  const row = (r: MapRangeJson, i: number) =>
    el(
      'tr',
      { 'data-kind': r.kind, 'data-index': i, title: MAP_KIND_NAMES[r.kind] },
      el('td', { class: 'num' }, r.start),
      el('td', { class: 'num' }, r.end),
      el('td', {}, formatSize(BigInt(r.end) - BigInt(r.start))),
      el('td', {}, r.label),
    );
  return el(
    'table',
    { class: 'ranges', 'aria-label': `${map.title}: ${map.ranges.length} ranges` },
    el('thead', {}, el('tr', {}, ...['start', 'end (exclusive)', 'size', 'type'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...map.ranges.map(row)),
  );
}

/** A `<select>` with a visible label; `onPick` gets the chosen index. */
function picker(id: string, label: string, options: readonly string[], initial: number, onPick: (i: number) => void): HTMLElement {
  const select = el('select', { id }, ...options.map((text, i) => el('option', { value: i, selected: i === initial }, text)));
  select.addEventListener('change', () => onPick(Number(select.value)));
  return el('label', {}, `${label} `, select);
}

/** One map (SVG and table), redrawn in `host` when another is picked. */
function drawMap(host: HTMLElement, map: MemoryMapJson): void {
  const figure = themedFigure((scheme) => mapSvg(map, { theme: scheme }), 'map');
  const table = rangeTable(map);
  // Hovering a range in the figure picks out its row: the figure is the overview, the table the exact bounds.
  figure.addEventListener('mouseover', (e) => {
    const g = e.target instanceof Element ? e.target.closest('.range') : null;
    const ranges = [...figure.querySelectorAll('.range')];
    const i = g === null ? -1 : ranges.indexOf(g);
    for (const tr of table.querySelectorAll('tbody tr')) tr.classList.toggle('hl', Number(tr.getAttribute('data-index')) === i);
  });
  host.replaceChildren(el('div', { class: 'map-body' }, figure, el('div', { class: 'map-table' }, table)));
}

function changeItem(c: MapChangeJson): HTMLLIElement {
  const r = c.after ?? c.before!;
  const bounds = (x: MapRangeJson | undefined) => (x === undefined ? '' : `[${x.start}, ${x.end})`);
  const text =
    c.change === 'moved' ? `moved: ${r.label} ${bounds(c.before)} → ${bounds(c.after)}` : c.change === 'appeared' ? `appeared: ${r.label} ${bounds(c.after)}` : `vanished: ${r.label} ${bounds(c.before)}`;
  return el('li', { 'data-change': c.change }, text);
}

function drawComparison(host: HTMLElement, data: ExploreData, index: number): void {
  const cmp = data.comparisons[index]!;
  const before = data.boots[cmp.from]?.map;
  const after = data.boots[cmp.to]?.map;
  if (before === undefined || after === undefined) {
    host.replaceChildren(note('One of the two boots built no map.'));
    return;
  }
  const changed = cmp.changes.filter((c) => c.change !== 'same');
  host.replaceChildren(
    changed.length === 0 ? note('Nothing moved, appeared or vanished: the two maps are the same.') : el('ul', { class: 'changes' }, ...changed.map(changeItem)),
    themedFigure((scheme) => comparisonSvg(before, after, cmp.changes, { theme: scheme }), 'comparison'),
  );
}

/** Builds the Memory map panel: a picker over the maps of `data`, and the before/after comparisons. */
export function mapView(data: ExploreData): HTMLElement {
  const maps: { label: string; map: MemoryMapJson }[] = [];
  data.boots.forEach((b) => {
    if (b.map !== undefined) maps.push({ label: b.label, map: b.map });
  });
  if (data.savedMap !== null) maps.push({ label: data.savedMap.title, map: data.savedMap });
  if (maps.length === 0) return note('No memory map: no boot of this input built one, and it holds no saved state that decodes.');
  const host = el('div', { class: 'map-host' });
  const initial = 0;
  drawMap(host, maps[initial]!.map);
  const view = el(
    'div',
    { class: 'map-view' },
    el('div', { class: 'pickers' }, picker('map-pick', 'Map of', maps.map((m) => m.label), initial, (i) => drawMap(host, maps[i]!.map))),
    host,
  );
  if (data.comparisons.length > 0) {
    const cmpHost = el('div', { class: 'cmp-host' });
    const label = (i: number) => data.boots[i]?.label ?? `boot ${i}`;
    drawComparison(cmpHost, data, 0);
    view.append(
      el('h2', {}, 'Before vs after'),
      el(
        'div',
        { class: 'pickers' },
        picker('cmp-pick', 'Compare', data.comparisons.map((c) => `${label(c.from)} → ${label(c.to)}`), 0, (i) => drawComparison(cmpHost, data, i)),
      ),
      cmpHost,
    );
  }
  return view;
}
