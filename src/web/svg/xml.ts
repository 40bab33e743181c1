/**
 * The small string kit every figure is written with: XML escaping (input text such as a
 * scenario name or a file name ends up in labels), numbers written the same way every time,
 * and a rough text width for layout (there is no font metrics API without a DOM).
 */

/** Characters XML 1.0 forbids (most C0 controls, U+FFFE/U+FFFF) and lone surrogates, replaced by U+FFFD. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text escaped for XML character data and attribute values (both quote kinds). */
export function esc(text: string): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A coordinate with at most two decimals and no trailing zeros, so output is byte-stable. */
export function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Approximate rendered width of `text` at `size` px: 0.6 em a character for monospace, 0.56 for sans. */
export function textWidth(text: string, size: number, mono = false): number {
  return text.length * size * (mono ? 0.6 : 0.56);
}

/** Font stacks: no web fonts (the page is offline), so system families only. */
export const FONT = {
  sans: 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif',
  mono: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
} as const;

/** The opening `<svg>` tag with its size, a `viewBox`, a role and an accessible title. */
export function svgOpen(width: number, height: number, title: string, cls: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${esc(cls)}" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" role="img" aria-label="${esc(title)}">`
  );
}

/**
 * A whole figure: the opening tag, the accessible `<title>`, a background rectangle of
 * `background`, then `parts` (empty strings dropped), one per line, and the closing tag.
 */
export function svgDocument(frame: { width: number; height: number; title: string; cls: string; background: string }, parts: readonly string[]): string {
  return [
    svgOpen(frame.width, frame.height, frame.title, frame.cls),
    `<title>${esc(frame.title)}</title>`,
    `<rect class="background" width="100%" height="100%" fill="${frame.background}"/>`,
    ...parts,
    '</svg>',
    '',
  ]
    .filter((x) => x !== '')
    .join('\n');
}
