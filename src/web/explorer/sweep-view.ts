/// <reference lib="dom" />
/**
 * The Crash sweep view: the heatmap src/web/svg/sweep-svg.ts draws (one cell per crash point,
 * placed on the byte the torn save had reached, coloured by the next boot's outcome), a legend
 * with the count of each outcome (the counts `crash-sweep --json` reports), and `#sweep-detail`,
 * which shows the case of the cell clicked or focused. The cells are one tab stop; arrow keys
 * move between them (Left/Right by crash point, Up/Down to the cell drawn above or below).
 */
import type { OutcomeClassJson, SweepGridJson } from '../explore-data.js';
import { sweepSvg, UNIT_WORDS } from '../svg/sweep-svg.js';
import { paletteFor } from '../svg/palette.js';
import { el, rovingTabindex, swatch, themedFigure } from './dom.js';

const OUTCOMES: readonly { id: OutcomeClassJson; words: string }[] = [
  { id: 'restored-new', words: 'restored-new' },
  { id: 'restored-old', words: 'restored-old' },
  { id: 'fresh', words: 'fresh' },
  { id: 'panic', words: 'panic' },
  { id: 'silent-wrong', words: 'SILENT-WRONG' },
];

const AREA_WORDS: Record<string, string> = {
  payload: 'payload byte',
  header: 'header byte',
  done: 'save complete',
};

/** Builds the Crash sweep panel for `grid`. */
export function sweepView(grid: SweepGridJson): HTMLElement {
  const byK = new Map(grid.cells.map((c) => [c.k, c]));
  const detail = el('aside', { id: 'sweep-detail', 'aria-live': 'polite', 'aria-label': 'the selected crash point' });
  let selectedK = grid.cells[0]?.k;
  let dimmed: OutcomeClassJson | undefined;

  const showCase = (k: number, drawn?: Element) => {
    const cell = byK.get(k);
    if (cell === undefined) return;
    const lastK = drawn?.getAttribute('data-last-k');
    if (lastK !== null && lastK !== undefined) {
      // A large sweep draws one cell per run of points: its title has the run's tally.
      detail.replaceChildren(el('h3', {}, `crash points k = ${k}..${lastK}`), el('p', { 'data-detail': 'summary' }, drawn?.querySelector('title')?.textContent ?? ''));
      return;
    }
    detail.replaceChildren(
      el('h3', {}, `crash point k = ${cell.k}`),
      el(
        'dl',
        {},
        el('dt', {}, 'torn at'),
        el('dd', { 'data-detail': 'where' }, cell.area === 'done' ? AREA_WORDS.done : `${AREA_WORDS[cell.area] ?? `${cell.area} byte`} 0x${cell.offset.toString(16)} (${cell.offset})`),
        el('dt', {}, 'next boot'),
        el('dd', { 'data-detail': 'outcome', 'data-outcome': cell.outcome }, OUTCOMES.find((o) => o.id === cell.outcome)?.words ?? cell.outcome),
        el('dt', {}, 'case'),
        el('dd', { 'data-detail': 'summary' }, cell.summary),
      ),
    );
  };

  const wire = (box: HTMLDivElement) => {
    const cells = [...box.querySelectorAll<SVGElement>('[data-k]')];
    const index = new Map(cells.map((c, i) => [Number(c.getAttribute('data-k')), i]));
    const focusCell = rovingTabindex(cells, Math.max(0, index.get(selectedK ?? -1) ?? 0));
    const select = (cell: SVGElement, focus: boolean) => {
      box.querySelector('[data-k].sel')?.classList.remove('sel');
      cell.classList.add('sel');
      selectedK = Number(cell.getAttribute('data-k'));
      focusCell(cell);
      if (focus) cell.focus();
      showCase(selectedK, cell);
    };
    for (const c of cells) {
      c.setAttribute('role', 'button');
      const k = Number(c.getAttribute('data-k'));
      const cell = byK.get(k);
      if (cell !== undefined) c.setAttribute('aria-label', cell.summary);
      if (dimmed !== undefined) c.classList.toggle('dim', c.getAttribute('data-outcome') !== dimmed && cell?.outcome !== dimmed);
    }
    const cellOf = (t: EventTarget | null) => (t instanceof Element ? t.closest<SVGElement>('[data-k]') : null);
    box.addEventListener('click', (e) => {
      const c = cellOf(e.target);
      if (c !== null) select(c, true);
    });
    // Hover previews a case; leaving the figure shows the selected one again.
    box.addEventListener('mouseover', (e) => {
      const c = cellOf(e.target);
      if (c !== null) showCase(Number(c.getAttribute('data-k')), c);
    });
    box.addEventListener('mouseleave', () => {
      const sel = box.querySelector('[data-k].sel');
      if (sel !== null && selectedK !== undefined) showCase(selectedK, sel);
    });
    box.addEventListener('focusin', (e) => {
      const c = cellOf(e.target);
      if (c !== null && Number(c.getAttribute('data-k')) !== selectedK) select(c, false);
    });
    box.addEventListener('keydown', (e) => {
      const current = cellOf(e.target);
      if (current === null) return;
      const i = index.get(Number(current.getAttribute('data-k'))) ?? 0;
      let to: SVGElement | undefined;
      if (e.key === 'ArrowRight') to = cells[Math.min(i + 1, cells.length - 1)];
      else if (e.key === 'ArrowLeft') to = cells[Math.max(i - 1, 0)];
      else if (e.key === 'Home') to = cells[0];
      else if (e.key === 'End') to = cells[cells.length - 1];
      else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') to = vertical(cells, current, e.key === 'ArrowDown');
      else if (e.key === 'Enter' || e.key === ' ') to = current;
      else return;
      e.preventDefault();
      if (to !== undefined) select(to, true);
    });
    const first = selectedK === undefined ? undefined : cells[index.get(selectedK) ?? 0];
    if (first !== undefined) {
      first.classList.add('sel');
      showCase(selectedK!, first);
    }
  };

  const figure = themedFigure((scheme) => sweepSvg(grid, { theme: scheme, title: false }), 'sweep', (box) => wire(box));

  const legend = el(
    'ul',
    { class: 'legend counts', 'aria-label': 'outcomes and their counts (click one to pick its cells out)' },
    ...OUTCOMES.map((o) => {
      const button = el(
        'button',
        { type: 'button', 'aria-pressed': 'false', 'data-outcome': o.id },
        swatch(paletteFor('light').outcomes[o.id], paletteFor('dark').outcomes[o.id]),
        `${o.words} `,
        el('b', { 'data-count-for': o.id }, String(grid.counts[o.id])),
      );
      button.addEventListener('click', () => {
        dimmed = dimmed === o.id ? undefined : o.id;
        for (const b of legend.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.getAttribute('data-outcome') === dimmed));
        for (const c of figure.querySelectorAll<SVGElement>('[data-k]')) {
          const outcome = c.getAttribute('data-outcome') ?? byK.get(Number(c.getAttribute('data-k')))?.outcome;
          c.classList.toggle('dim', dimmed !== undefined && outcome !== dimmed);
        }
      });
      return el('li', {}, button);
    }),
  );

  return el(
    'div',
    { class: 'sweep-view' },
    el(
      'p',
      { class: 'note' },
      `Scenario "${grid.scenario}": the save of a ${grid.payloadLen}-byte payload stopped after each ${UNIT_WORDS[grid.granularity]} ` +
        `(payload first, then the header), ${grid.cells.length} crash points; each cell is the boot that followed.`,
    ),
    legend,
    el('div', { class: 'sweep-body' }, figure, detail),
  );
}

/** The cell drawn nearest straight above (or below) `from`, by the cells' on-screen boxes. */
function vertical(cells: readonly SVGElement[], from: SVGElement, down: boolean): SVGElement | undefined {
  const a = from.getBoundingClientRect();
  const ax = a.left + a.width / 2;
  let best: SVGElement | undefined;
  let bestScore = Infinity;
  for (const c of cells) {
    const b = c.getBoundingClientRect();
    const dy = down ? b.top - a.bottom : a.top - b.bottom;
    if (dy < -0.5 || c === from) continue;
    const score = dy * 1000 + Math.abs(b.left + b.width / 2 - ax);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}
