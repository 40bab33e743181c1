/**
 * The hardening lab's sweeps as one SVG figure (`vtl2-persist render harden`): one crash-sweep
 * heatmap per variant (as src/web/svg/sweep-svg.ts draws it), two to a row, each headed by its
 * name, whether it is the shipped format or a hypothetical one, and its counts. Pure string
 * building, as every figure here.
 */
import type { HardeningViewJson } from '../explore-data.js';
import { paletteFor, type Theme } from './palette.js';
import { sweepSvg, UNIT_WORDS } from './sweep-svg.js';
import { FONT, esc, num, svgDocument } from './xml.js';

/** Options of {@link hardeningSvg}. */
export interface HardeningSvgOptions {
  /** Colour set (default `light`). */
  theme?: Theme;
  /** Heatmaps per row (default 2). */
  perRow?: number;
}

const PAD = 16;
const GAP = 12;

/** The figure of a lab view (see the module comment). Same input, same bytes. */
export function hardeningSvg(view: HardeningViewJson, options: HardeningSvgOptions = {}): string {
  const pal = paletteFor(options.theme);
  const perRow = Math.max(1, Math.floor(options.perRow ?? 2));
  const panels = view.variants.map((v) => {
    const svg = sweepSvg(v.grid, { theme: options.theme, title: `${v.variant} (${v.hypothetical ? 'HYPOTHETICAL' : 'shipped'})`, columns: 24 });
    const size = /width="([\d.]+)" height="([\d.]+)"/.exec(svg)!;
    return { svg, width: Number(size[1]), height: Number(size[2]) };
  });
  const columnWidth = Math.max(0, ...panels.map((p) => p.width));
  const title = `hardening lab of ${JSON.stringify(view.variants[0]?.grid.scenario ?? '')}`;
  const note = `each cell: a crash before writing that ${UNIT_WORDS[view.granularity]}; before the save: ${view.before}; a failed check: ${view.onCheckFail}. Every variant but real is HYPOTHETICAL: OpenHCL ships only real.`;
  const out: string[] = [
    `<text class="heading" x="${PAD}" y="${PAD + 8}" font-family="${FONT.sans}" font-size="13" font-weight="600" fill="${pal.text}">${esc(title)}</text>`,
    `<text class="note" x="${PAD}" y="${PAD + 26}" font-family="${FONT.sans}" font-size="11" font-style="italic" fill="${pal.muted}">${esc(note)}</text>`,
  ];
  let y = PAD + 38;
  for (let i = 0; i < panels.length; i += perRow) {
    const row = panels.slice(i, i + perRow);
    row.forEach((p, j) => {
      // Each heatmap is a complete SVG of its own, placed as a nested viewport.
      out.push(p.svg.trimEnd().replace('<svg ', `<svg x="${num(PAD + j * (columnWidth + GAP))}" y="${num(y)}" `));
    });
    y += Math.max(...row.map((p) => p.height)) + GAP;
  }
  const width = PAD * 2 + Math.min(perRow, panels.length) * columnWidth + (Math.min(perRow, panels.length) - 1) * GAP;
  return svgDocument({ width, height: y + PAD - GAP, title, cls: 'vtl2-hardening', background: pal.background }, out);
}
