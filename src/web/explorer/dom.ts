/// <reference lib="dom" />
/**
 * The few DOM helpers the explorer's views share. Text from the data always goes in through
 * `textContent` (never parsed as HTML), so a field path or a label read from a hostile input
 * cannot add markup; only the SVG figures go in as markup: their renderers (src/web/svg) escape
 * every text, and the page's Content-Security-Policy runs no inline event handler, so even a
 * renderer bug could not run script from one.
 */

/** An attribute value; `undefined` and `false` leave the attribute out, `true` sets it empty. */
export type AttrValue = string | number | boolean | undefined;

/** A child: a node, or text (set as text, never parsed); null and undefined are skipped. */
export type Child = Node | string | null | undefined;

/** Creates `<tag attrs…>children…</tag>`. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child);
  }
  return node;
}

/** `n` as `0x…` lowercase hex. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** A one-line note (muted). */
export function note(text: string): HTMLParagraphElement {
  return el('p', { class: 'note' }, text);
}

/**
 * Roving tabindex over `items`: exactly one of them is in the tab order (the current one), as
 * WAI-ARIA's composite widgets do, so Tab reaches a grid of hundreds of cells in one stop and the
 * arrow keys move inside it. Returns a function that makes `item` the current one.
 */
export function rovingTabindex(items: readonly Element[], initial = 0): (item: Element) => void {
  let current: Element | undefined = items[initial];
  for (const item of items) item.setAttribute('tabindex', item === current ? '0' : '-1');
  return (item: Element) => {
    if (current === item) return;
    current?.setAttribute('tabindex', '-1');
    item.setAttribute('tabindex', '0');
    current = item;
  };
}

/** The colour scheme the figures should be drawn in: the browser's preference. */
export type Scheme = 'light' | 'dark';

const darkQuery = (): MediaQueryList | undefined => (typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined);

/**
 * A figure drawn for the current colour scheme and redrawn when it changes (the SVG renderers
 * take a theme: their colours are attributes, not page CSS, so the standalone files look the same).
 * `after` runs after every draw, to wire up the new elements.
 */
export function themedFigure(render: (scheme: Scheme) => string, className: string, after?: (box: HTMLDivElement) => void): HTMLDivElement {
  const box = el('div', { class: `figure ${className}` });
  const draw = () => {
    box.innerHTML = render(darkQuery()?.matches === true ? 'dark' : 'light');
    after?.(box);
  };
  draw();
  darkQuery()?.addEventListener('change', draw);
  return box;
}

/** A legend swatch in the figures' own colours for both schemes (the stylesheet picks one). */
export function swatch(light: string, dark: string): HTMLSpanElement {
  const s = el('span', { class: 'swatch themed', 'aria-hidden': 'true' });
  s.style.setProperty('--c-light', light);
  s.style.setProperty('--c-dark', dark);
  return s;
}
