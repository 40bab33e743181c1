/// <reference lib="dom" />
/**
 * The Hardening view (`explore --harden`): the hardening lab's sweep of the same save once per
 * variant, side by side, each a heatmap as the Crash sweep view draws it (its cells' titles are
 * the cases) with the variant's outcome counts. Every variant but `real` is labelled
 * hypothetical: OpenHCL ships only `real`.
 */
import type { HardeningViewJson } from '../explore-data.js';
import { OUTCOME_NAMES, OUTCOME_ORDER, sweepSvg, UNIT_WORDS } from '../svg/sweep-svg.js';
import { el, themedFigure } from './dom.js';

/** Builds the Hardening panel for `view`. */
export function hardeningView(view: HardeningViewJson): HTMLElement {
  const first = view.variants[0];
  return el(
    'div',
    { class: 'hardening-view' },
    el(
      'p',
      { class: 'note' },
      `The save of scenario "${first?.grid.scenario ?? ''}" stopped after each ${UNIT_WORDS[view.granularity]}, once per writer/reader pair ` +
        `(before the save: ${view.before}; a failed check: ${view.onCheckFail}). Every variant but real is HYPOTHETICAL: OpenHCL ships only real.`,
    ),
    el(
      'div',
      { class: 'hardening-grid' },
      ...view.variants.map((v) =>
        el(
          'section',
          { class: 'variant', 'data-variant': v.variant, 'aria-label': `${v.variant}${v.hypothetical ? ' (hypothetical)' : ' (shipped)'}` },
          el('h3', {}, `${v.variant} `, el('span', { class: v.hypothetical ? 'badge' : 'badge shipped' }, v.hypothetical ? 'hypothetical' : 'shipped')),
          el('p', { class: 'summary' }, v.summary),
          el(
            'p',
            { class: 'counts' },
            ...OUTCOME_ORDER.flatMap((o, i) => [i === 0 ? '' : ', ', `${OUTCOME_NAMES[o]} `, el('b', { 'data-lab-count': o }, String(v.grid.counts[o]))]),
          ),
          // A picture, not a control: its cells' titles show the cases on hover, and the counts
          // above are its text; the Crash sweep view is the one to step through by keyboard.
          themedFigure((scheme) => sweepSvg(v.grid, { theme: scheme, title: false, columns: 24 }), 'sweep', (box) => {
            for (const c of box.querySelectorAll('[data-k]')) c.setAttribute('tabindex', '-1');
            box.querySelector('svg')?.setAttribute('aria-label', `${v.variant}: ${OUTCOME_ORDER.map((o) => `${v.grid.counts[o]} ${OUTCOME_NAMES[o]}`).join(', ')}`);
          }),
        ),
      ),
    ),
  );
}
