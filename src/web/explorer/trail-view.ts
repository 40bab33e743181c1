/// <reference lib="dom" />
/**
 * The Decision trail view: for each boot, the checks openhcl_boot made in the order it made them
 * (src/boot's trail, carried as {@link TrailStepJson}), each marked passed, failed, skipped or a
 * plain fact, ending in the path the boot took or the panic with its text.
 */
import type { BootViewJson, TrailStepJson } from '../explore-data.js';
import { el, note } from './dom.js';

const MARKS: Record<TrailStepJson['outcome'], { mark: string; words: string }> = {
  pass: { mark: '✓', words: 'passed' },
  fail: { mark: '✗', words: 'failed' },
  skip: { mark: '–', words: 'not asked on this path' },
  info: { mark: 'i', words: 'fact' },
};

const PATH_WORDS: Record<BootViewJson['verdict']['path'], string> = {
  persisted: 'restored from persisted state',
  host: 'fresh boot, topology from the host',
  panic: 'panic',
};

function trailItem(step: TrailStepJson): HTMLLIElement {
  const m = MARKS[step.outcome];
  return el(
    'li',
    { 'data-check': step.check, 'data-outcome': step.outcome },
    el('span', { class: 'mark', title: m.words, 'aria-label': m.words }, m.mark),
    el('span', { class: 'question' }, step.question),
    el('span', { class: 'seen' }, step.detail),
  );
}

/** One boot's trail and verdict. */
export function bootTrail(boot: BootViewJson, index: number): HTMLElement {
  return el(
    'section',
    { class: 'boot', 'data-boot': index, 'data-step': boot.step, 'aria-label': boot.label },
    el('h3', {}, boot.label),
    el('ol', { class: 'trail' }, ...boot.trail.map(trailItem)),
    el(
      'p',
      { class: 'verdict', 'data-path': boot.verdict.path },
      el('strong', {}, 'Verdict: '),
      el('span', { class: 'verdict-text', title: PATH_WORDS[boot.verdict.path] }, boot.verdict.text),
    ),
  );
}

/** Builds the Decision trail panel: every boot of the input, in order. */
export function trailView(boots: readonly BootViewJson[]): HTMLElement {
  if (boots.length === 0) {
    return note('No boot was emulated: only a scenario file says how the machine boots (its shim parameters and host device tree). Explore a scenario to see each boot\'s checks.');
  }
  return el('div', { class: 'trail-view' }, ...boots.map(bootTrail));
}
