/**
 * Plain-text rendering helpers for the CLI: aligned tables. Sizes in human
 * units are `formatSize` (src/memory). No colour here; callers decide (and
 * only on a TTY).
 */

/** Renders rows as columns separated by two spaces, each as wide as its widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
