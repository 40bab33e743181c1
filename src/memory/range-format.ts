/**
 * How a `MemoryRange` prints: upstream's `Display` and derived `Debug` (plain and `{:#x?}`),
 * and the human byte counts the CLI shows. Split from range.ts, which re-exports it; the
 * functions take bare bounds so this module needs nothing from the class.
 */

import { formatHex } from './u64.js';

/** Upstream `impl Display for MemoryRange`: `{:#x}-{:#x}`, e.g. `0x1000-0x2000`. */
export function displayRange(start: bigint, end: bigint): string {
  return `${formatHex(start)}-${formatHex(end)}`;
}

/** Upstream's derived `Debug` (`{:?}`): `MemoryRange { start: 4096, end: 8192 }`, decimal. */
export function debugRange(start: bigint, end: bigint): string {
  return `MemoryRange { start: ${start}, end: ${end} }`;
}

/**
 * Upstream's derived `Debug` with `{:#x?}`: the alternate flag pretty-prints one field per
 * line (four-space indent, trailing comma) and the `x` flag reaches the fields, so `0x` hex.
 */
export function debugAltHexRange(start: bigint, end: bigint): string {
  return `MemoryRange {\n    start: ${formatHex(start)},\n    end: ${formatHex(end)},\n}`;
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * A byte count in the largest binary unit that keeps it readable: exact when it
 * divides evenly ("76 KiB"), else one decimal ("1.5 MiB"), and plain bytes
 * under 1 KiB ("330 bytes").
 */
export function formatSize(bytes: bigint): string {
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
