/**
 * Plain-text rendering helpers for the CLI: aligned tables. Sizes in human
 * units are `formatSize` (src/memory). No colour here; callers decide (and
 * only on a TTY).
 */

/**
 * The largest of `values` (and `floor`), by a loop: `Math.max(...values)` passes every value as
 * an argument and overflows the stack for a long list (a 2 MiB dump has a million wire rows).
 */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The lines of a table: columns separated by two spaces, each as wide as its widest cell. */
export function tableLines(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths = header.map((h, i) => {
    let w = h.length;
    for (const r of rows) w = Math.max(w, (r[i] ?? '').length);
    return w;
  });
  const line = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header)];
  for (const r of rows) out.push(line(r));
  return out;
}

/** Renders rows as columns separated by two spaces, each as wide as its widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string {
  return tableLines(header, rows, indent).join('\n');
}

/**
 * A table's lines, produced lazily in two passes over `rows` (one for the column widths, where
 * the unpadded last cell may be left out, one to print), so a million-row table never has its cells or lines alive all at once. Same text
 * as {@link tableLines}.
 */
export function* streamTable(header: readonly string[], rows: (measuring: boolean) => Iterable<readonly string[]>, indent = '  '): Generator<string> {
  // The last column is never padded: in the measuring pass `rows(true)` may leave it out.
  const widths = header.map((h) => h.length);
  for (const r of rows(true)) for (let i = 0; i < widths.length - 1; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  const line = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  yield line(header);
  for (const r of rows(false)) yield line(r);
}
