/**
 * Plain-text rendering helpers for the CLI: aligned tables and sizes in
 * human units. No colour here; callers decide (and only on a TTY).
 */

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * A byte count in the largest binary unit that keeps it readable: exact when it
 * divides evenly ("76 KiB"), else one decimal ("1.5 MiB"), and plain bytes
 * under 1 KiB ("330 bytes").
 */
export function humanSize(bytes: bigint): string {
  let unit = 0;
  let scale = 1n;
  while (unit < UNITS.length - 1 && bytes >= scale * 1024n) {
    scale *= 1024n;
    unit++;
  }
  if (unit === 0) return `${bytes} ${bytes === 1n ? 'byte' : 'bytes'}`;
  const whole = bytes / scale;
  const tenths = ((bytes % scale) * 10n) / scale;
  return tenths === 0n && bytes % scale === 0n ? `${whole} ${UNITS[unit]}` : `${whole}.${tenths} ${UNITS[unit]}`;
}

/** Renders rows as columns separated by two spaces, each as wide as its widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
