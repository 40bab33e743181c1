/**
 * A crash sweep as an SVG heatmap: one `<rect class="cell" data-k data-outcome>` per crash
 * point, laid over the bytes the interrupted save was about to write (the payload's, then the
 * header's, then "save complete"), coloured by the class of the boot that followed, each with
 * its summary as `<title>`; a legend gives every class with its count (`data-count-for`). A
 * sweep of more points than `maxCells` draws each cell for a run of consecutive points,
 * coloured by the worst class in it. Pure string building, as every figure here.
 */
import type { OutcomeClassJson, SweepCellJson, SweepGridJson } from '../explore-data.js';
import { paletteFor, type Theme } from './palette.js';
import { FONT, esc, num, svgDocument, textWidth } from './xml.js';

/** Options of {@link sweepSvg}. */
export interface SweepSvgOptions {
  /** Colour set (default `light`). */
  theme?: Theme;
  /** Heading: default one naming the scenario; `false` for none. */
  title?: string | false;
  /** Cells per row (default 32). */
  columns?: number;
  /** The most cells drawn (default 16384); more crash points are grouped into runs. */
  maxCells?: number;
}

/** The classes in report order, as the sweep's text output names them. */
export const OUTCOME_ORDER: readonly OutcomeClassJson[] = ['restored-new', 'restored-old', 'fresh', 'panic', 'silent-wrong'];
/** How the legend names each class (as `crash-sweep` prints them). */
export const OUTCOME_NAMES: Record<OutcomeClassJson, string> = {
  'restored-new': 'restored-new',
  'restored-old': 'restored-old',
  fresh: 'fresh',
  panic: 'panic',
  'silent-wrong': 'SILENT-WRONG',
};
/** Which class a grouped cell shows: the worst of its points (a silent wrong restore hides nothing). */
const SEVERITY: Record<OutcomeClassJson, number> = { 'restored-new': 0, 'restored-old': 1, fresh: 2, panic: 3, 'silent-wrong': 4 };

/** A store unit in words, for the section headings. */
export const UNIT_WORDS: Record<SweepGridJson['granularity'], string> = { byte: 'byte', u64: '8-byte store', cacheline: '64-byte cache line', page: '4 KiB page' };

const CELL = 14;
const STEP = 16;
const PAD = 16;
const LABEL_W = 92;

interface Drawn {
  k: number;
  lastK: number;
  area: SweepCellJson['area'];
  offset: number;
  outcome: OutcomeClassJson;
  title: string;
}

function group(cells: readonly SweepCellJson[], size: number): Drawn[] {
  if (size <= 1) return cells.map((c) => ({ k: c.k, lastK: c.k, area: c.area, offset: c.offset, outcome: c.outcome, title: c.summary }));
  const out: Drawn[] = [];
  for (let i = 0; i < cells.length; ) {
    const first = cells[i]!;
    let j = i;
    const tally = new Map<OutcomeClassJson, number>();
    let worst = first.outcome;
    while (j < cells.length && j - i < size && cells[j]!.area === first.area) {
      const c = cells[j]!;
      tally.set(c.outcome, (tally.get(c.outcome) ?? 0) + 1);
      if (SEVERITY[c.outcome] > SEVERITY[worst]) worst = c.outcome;
      j++;
    }
    const last = cells[j - 1]!;
    const counts = OUTCOME_ORDER.filter((o) => tally.has(o)).map((o) => `${tally.get(o)} ${OUTCOME_NAMES[o]}`).join(', ');
    out.push({ k: first.k, lastK: last.k, area: first.area, offset: first.offset, outcome: worst, title: `k = ${first.k}..${last.k} (${j - i} crash points): ${counts}` });
    i = j;
  }
  return out;
}

/** The heatmap of a sweep grid (see the module comment). Same input, same bytes. */
export function sweepSvg(grid: SweepGridJson, options: SweepSvgOptions = {}): string {
  const pal = paletteFor(options.theme);
  const columns = Math.max(1, Math.floor(options.columns ?? 32));
  const maxCells = Math.max(1, Math.floor(options.maxCells ?? 16384));
  const size = Math.ceil(grid.cells.length / maxCells);
  const drawn = group(grid.cells, size);
  const title =
    options.title === false
      ? undefined
      : (options.title ?? `crash sweep of ${JSON.stringify(grid.scenario)}: ${grid.cells.length} crash points`);
  const unit = UNIT_WORDS[grid.granularity];
  const width = Math.max(PAD * 2 + LABEL_W + columns * STEP, title === undefined ? 0 : Math.ceil(textWidth(title, 14.5) + 2 * PAD));
  let y = PAD + (title === undefined ? 0 : 24);
  const out: string[] = [];
  const sections: { area: SweepCellJson['area']; heading: string }[] =
    grid.stores === undefined
      ? [
          { area: 'payload', heading: `payload (${grid.payloadLen} bytes, written first): a crash before writing this ${unit}` },
          { area: 'header', heading: `header (32 bytes, written last): a crash before writing this ${unit}` },
        ]
      : grid.stores.map((s, i, all) => ({ area: s.what, heading: `${s.what} (${s.bytes} bytes, store ${i + 1} of ${all.length})` }));
  sections.push({ area: 'done', heading: 'save complete' });
  for (const section of sections) {
    const cells = drawn.filter((d) => d.area === section.area);
    if (cells.length === 0) continue;
    out.push(
      `<text class="section" x="${PAD}" y="${num(y + 6)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="11" font-weight="600" fill="${pal.text}">${esc(section.heading)}</text>`,
    );
    y += 18;
    cells.forEach((c, i) => {
      const col = i % columns;
      if (col === 0) {
        if (i > 0) y += STEP;
        out.push(
          `<text class="offset" x="${num(PAD + LABEL_W - 8)}" y="${num(y + CELL / 2)}" text-anchor="end" dominant-baseline="middle" font-family="${FONT.mono}" font-size="10" fill="${pal.muted}">${esc(section.area === 'done' ? `k = ${c.k}` : `+0x${c.offset.toString(16)}`)}</text>`,
        );
      }
      const x = PAD + LABEL_W + col * STEP;
      const run = c.lastK === c.k ? '' : ` data-last-k="${c.lastK}"`;
      out.push(
        `<rect class="cell" data-k="${c.k}"${run} data-outcome="${c.outcome}" data-area="${c.area}" data-offset="${c.offset}" x="${num(x)}" y="${num(y)}" width="${CELL}" height="${CELL}" rx="2" fill="${pal.outcomes[c.outcome]}" tabindex="0"><title>${esc(c.title)}</title></rect>`,
      );
    });
    y += STEP + 10;
  }
  // Legend with counts: every class, zero or not, as the sweep reports them.
  y += 4;
  let lx = PAD;
  const legend: string[] = [];
  for (const o of OUTCOME_ORDER) {
    const label = `${OUTCOME_NAMES[o]} ${grid.counts[o]}`;
    const w = 18 + textWidth(label, 11) + 16;
    if (lx + w > width - PAD && lx > PAD) {
      lx = PAD;
      y += 18;
    }
    legend.push(
      `<g class="legend-item" data-count-for="${o}" data-count="${grid.counts[o]}"><rect x="${num(lx)}" y="${num(y)}" width="12" height="12" rx="2" fill="${pal.outcomes[o]}" stroke="${pal.stroke}"/>` +
        `<text x="${num(lx + 17)}" y="${num(y + 6)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="11" fill="${pal.text}">${esc(label)}</text></g>`,
    );
    lx += w;
  }
  y += 18;
  if (size > 1) {
    out.push(
      `<text class="note" x="${PAD}" y="${num(y + 6)}" dominant-baseline="middle" font-family="${FONT.sans}" font-size="10" font-style="italic" fill="${pal.muted}">${esc(`each cell is a run of up to ${size} consecutive crash points, coloured by its worst class`)}</text>`,
    );
    y += 16;
  }
  const height = y + PAD;
  return svgDocument({ width, height, title: title ?? 'crash sweep', cls: 'vtl2-sweep', background: pal.background }, [
    title === undefined ? '' : `<text class="heading" x="${PAD}" y="${PAD + 8}" font-family="${FONT.sans}" font-size="13" font-weight="600" fill="${pal.text}">${esc(title)}</text>`,
    ...out,
    `<g class="legend">${legend.join('')}</g>`,
  ]);
}
