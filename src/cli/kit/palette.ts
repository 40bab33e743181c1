/**
 * Colour for the CLI's text output: ANSI styles that are on only when standard output is a
 * terminal and `NO_COLOR` is unset (https://no-color.org), so pipes, files and tests get plain text.
 */
import { colourOn, type Io } from '../io.js';

/** ANSI styling, active only when stdout is a terminal and NO_COLOR is not set. */
export interface Palette {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

/** The palette for `io`: colour only on a TTY, and never when `NO_COLOR` is set (to anything). */
export function palette(io: Io): Palette {
  const on = colourOn(io);
  const style = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { red: style(31, 39), yellow: style(33, 39), green: style(32, 39), bold: style(1, 22), dim: style(2, 22) };
}
