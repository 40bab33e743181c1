/**
 * The CLI's one IO abstraction: the streams a command writes to, how it reads its input files
 * (or `-`), and how a failure becomes a message on stderr and an exit code. Every command takes
 * an {@link Io} and reports through {@link runGuarded}, so every message has the same shape:
 * `vtl2-persist CMD: MESSAGE`, and every unreadable input reads
 * `vtl2-persist CMD: cannot read FILE: REASON` with exit 2.
 */
import { JsonTextError, parseJsonText, quoteInput } from '../format/json-text.js';
import { jsonInput, readBounded, type InputKind } from './kit/input.js';

/** A stream a command writes to; `isTTY` decides colour (stdout) and progress lines (stderr). */
export interface OutStream {
  write(s: string | Uint8Array): unknown;
  isTTY?: boolean;
}

/** Where a command reads and writes. Tests pass their own streams; `bin.ts` passes the process's. */
export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  /** What `-` reads; default the process's standard input (fd 0), read to the end. */
  stdin?: Uint8Array;
  /** Environment consulted for `NO_COLOR`; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** A failure the caller should report and map to an exit code (2: usage or input; 1: failed check). */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    message: string,
    /** Print "Run '… --help' for usage." after the message. */
    readonly usage = false,
  ) {
    super(message);
  }
}

/** A usage error (exit 2, with a pointer to --help). */
export function usage(message: string): CliFailure {
  return new CliFailure(2, message, true);
}

/** An invalid input file or value (exit 2, no pointer to --help: the arguments were fine). */
export function badInput(message: string): CliFailure {
  return new CliFailure(2, message);
}

/**
 * Writes a failure to stderr in the CLI's format and returns its exit code. Each line of the
 * message is passed through {@link quoteInput} (unquoted, uncut) as a last guard, so a library
 * message that embeds raw input cannot put control characters on the terminal.
 */
export function reportFailure(io: Io, command: string, e: CliFailure): number {
  const text = e.message
    .split('\n')
    .map((line) => quoteInput(line, { quotes: false, max: Infinity }))
    .join('\n');
  io.stderr.write(`vtl2-persist ${command}: ${text}\n${e.usage ? `Run 'vtl2-persist ${command} --help' for usage.\n` : ''}`);
  return e.exitCode;
}

/** Runs a command body, reporting `CliFailure`s (and only those: anything else is a bug) on stderr. */
export function runGuarded(io: Io, command: string, body: () => number): number {
  try {
    return body();
  } catch (e) {
    if (e instanceof CliFailure) return reportFailure(io, command, e);
    throw e;
  }
}

/** How a file argument is named in messages: `<stdin>` for `-`, otherwise escaped. */
export function displayName(file: string): string {
  return file === '-' ? '<stdin>' : quoteInput(file, { quotes: false, max: 200 });
}

/** A failure to read or write a file (ENOENT, EACCES, EISDIR, …), as Node reports it. */
export function isFileError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && (typeof (e as NodeJS.ErrnoException).syscall === 'string' || typeof (e as NodeJS.ErrnoException).code === 'string');
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EBADF: 'bad file descriptor (is standard input closed?)',
  EAGAIN: 'resource temporarily unavailable (standard input is non-blocking and has no data)',
  EINVAL: 'invalid argument',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'file exists',
  EFBIG: 'file too large',
  ERR_FS_FILE_TOO_LARGE: 'file too large',
  ETXTBSY: 'text file busy',
};

/**
 * The human reason for a file-system error: "no such file or directory", "is a directory", …;
 * never Node's `ENOENT: …, open 'x'` dump. Unlisted codes fall back to Node's description
 * (the text between the code and the syscall), else the code itself.
 */
export function fileErrorReason(e: NodeJS.ErrnoException): string {
  const known = e.code === undefined ? undefined : REASONS[e.code];
  if (known !== undefined) return known;
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(e.message);
  return quoteInput(m?.[1] ?? e.code ?? 'unknown error', { quotes: false, max: 120 });
}

/**
 * Reads a whole file, or standard input for `-`, up to the cap of `kind` (src/cli/kit/input.ts).
 * @throws {CliFailure} exit 2 if it cannot be read or is larger than the cap.
 */
export function readBytes(file: string, io: Io, kind: InputKind): Uint8Array {
  return readBounded(file, io, kind);
}

/** Reads a file (or `-`) as UTF-8 text, up to the cap of `kind`. @throws {CliFailure} exit 2 if it cannot be read. */
export function readText(file: string, io: Io, kind: InputKind = jsonInput()): string {
  return Buffer.from(readBytes(file, io, kind)).toString('utf8');
}

/**
 * Reads and parses a JSON file (or `-`), up to the cap of `kind` (default 64 MiB); a syntax
 * error names its line and column.
 * @throws {CliFailure} exit 2 if unreadable, too large or not JSON.
 */
export function readJson(file: string, io: Io, kind: InputKind = jsonInput()): unknown {
  const text = readText(file, io, kind);
  try {
    return parseJsonText(text);
  } catch (e) {
    if (e instanceof JsonTextError) throw badInput(`${displayName(file)}: ${e.detail}`);
    throw e;
  }
}

/** Whether a stream is a terminal. */
export function isTty(stream: OutStream): boolean {
  return stream.isTTY === true;
}

/** Whether colour is on for `io`: only when stdout is a terminal and `NO_COLOR` is not set (to anything). */
export function colourOn(io: Io): boolean {
  const env = io.env ?? process.env;
  return isTty(io.stdout) && env['NO_COLOR'] === undefined;
}

/**
 * A progress line on stderr, only when stderr is a terminal: the label (e.g. the scenario's
 * name) is written once, and each update rewrites only the counter after it, so a long name is
 * not repeated hundreds of times into a captured terminal log. `done()` erases the line.
 */
export function progressLine(io: Io, label: string): { update(text: string): void; done(): void } | undefined {
  if (!isTty(io.stderr)) return undefined;
  let started = false;
  let shown = 0;
  return {
    update(text: string) {
      if (!started) io.stderr.write(`\r${label}`);
      else if (shown > 0) io.stderr.write(`\x1b[${shown}D\x1b[K`);
      started = true;
      io.stderr.write(text);
      shown = text.length;
    },
    done() {
      if (started) io.stderr.write('\r\x1b[K');
    },
  };
}
