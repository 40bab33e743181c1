/// <reference lib="dom" />
/**
 * The explorer page's script (bundled by scripts/build-web.mjs into dist/web/explorer.js and
 * inlined by src/web/page.ts): reads the {@link ExploreData} embedded in
 * `<script type="application/json" id="explore-data">` and draws five views behind tabs —
 * Bytes, Memory map, Decision trail, Crash sweep, Hardening. Tabs follow the WAI-ARIA tabs pattern: Tab
 * reaches the selected tab, Left/Right/Home/End move between tabs.
 */
import type { ExploreData } from '../explore-data.js';
import { bytesView } from './bytes-view.js';
import { el, note } from './dom.js';
import { hardeningView } from './hardening-view.js';
import { mapView } from './map-view.js';
import { sweepView } from './sweep-view.js';
import { trailView } from './trail-view.js';

interface Tab {
  id: string;
  title: string;
  build: () => HTMLElement;
}

/** A view that throws shows its error in its own panel, and the other views still work. */
function guarded(build: () => HTMLElement): HTMLElement {
  try {
    return build();
  } catch (e) {
    console.error(e);
    return el('p', { class: 'error' }, `This view could not be drawn: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function tabs(tabList: readonly Tab[], initial: string): HTMLElement {
  const bar = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'views' });
  const panels = el('div', { class: 'panels' });
  const buttons: HTMLButtonElement[] = [];
  const sections: HTMLElement[] = [];
  const built = new Set<string>();
  const select = (index: number, focus: boolean) => {
    buttons.forEach((b, i) => {
      const on = i === index;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      const panel = sections[i]!;
      panel.hidden = !on;
      // Views are drawn when first shown: a sweep of thousands of cells costs nothing until asked for.
      if (on && !built.has(tabList[i]!.id)) {
        built.add(tabList[i]!.id);
        panel.append(guarded(tabList[i]!.build));
      }
    });
    if (focus) buttons[index]!.focus();
    try {
      history.replaceState(null, '', `#${tabList[index]!.id}`);
    } catch {
      // A browser that refuses history on file:// only loses the deep link, not the view.
    }
  };
  tabList.forEach((t, i) => {
    const button = el('button', { type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-controls': `panel-${t.id}`, 'data-tab': t.id }, t.title);
    button.addEventListener('click', () => select(i, true));
    button.addEventListener('keydown', (e) => {
      const to = e.key === 'ArrowRight' ? (i + 1) % tabList.length : e.key === 'ArrowLeft' ? (i + tabList.length - 1) % tabList.length : e.key === 'Home' ? 0 : e.key === 'End' ? tabList.length - 1 : undefined;
      if (to === undefined) return;
      e.preventDefault();
      select(to, true);
    });
    buttons.push(button);
    bar.append(button);
    const section = el('section', { class: 'panel', role: 'tabpanel', id: `panel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, hidden: true });
    sections.push(section);
    panels.append(section);
  });
  select(Math.max(0, tabList.findIndex((t) => t.id === initial)), false);
  return el('div', { class: 'tabbed' }, bar, panels);
}

function summary(data: ExploreData): HTMLElement {
  const findings = data.findings.length === 0
    ? null
    : el('ul', { class: 'findings' }, ...data.findings.map((f) => el('li', { 'data-severity': f.severity, 'data-code': f.code }, el('span', { class: 'sev' }, f.severity), ` ${f.message}`)));
  return el(
    'header',
    { class: 'top' },
    el('h1', {}, 'vtl2-persist explorer'),
    el('p', { class: 'input', 'data-kind': data.input.kind }, el('code', {}, data.input.name), ` — ${data.input.detection}`),
    findings,
  );
}

/** Reads the embedded data and draws the page into `root`. */
export function start(root: HTMLElement): void {
  const source = document.getElementById('explore-data');
  let data: ExploreData;
  try {
    data = JSON.parse(source?.textContent ?? '') as ExploreData;
  } catch {
    root.replaceChildren(el('p', { class: 'error' }, 'The page holds no readable explorer data.'));
    return;
  }
  if (data.version !== 1) {
    root.replaceChildren(el('p', { class: 'error' }, `This page's data is version ${String(data.version)}; this explorer reads version 1.`));
    return;
  }
  const tabList: Tab[] = [
    { id: 'bytes', title: 'Bytes', build: () => bytesView(data.bytes) },
    { id: 'map', title: 'Memory map', build: () => mapView(data) },
    { id: 'trail', title: 'Decision trail', build: () => trailView(data.boots) },
    { id: 'sweep', title: 'Crash sweep', build: () => (data.sweep === null ? note('No crash sweep in this page: run explore with --sweep (on a scenario file) to add one.') : sweepView(data.sweep)) },
    {
      id: 'hardening',
      title: 'Hardening',
      build: () => (data.hardening === null ? note('No hardening lab in this page: run explore with --harden (on a scenario file) to add one.') : hardeningView(data.hardening)),
    },
  ];
  const wanted = location.hash.slice(1);
  const initial = tabList.some((t) => t.id === wanted) ? wanted : data.bytes === null ? 'map' : 'bytes';
  root.replaceChildren(summary(data), tabs(tabList, initial));
}

start(document.getElementById('app') ?? document.body);
