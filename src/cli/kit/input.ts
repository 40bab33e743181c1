/**
 * Bounded input for every command: a file (or `-`, standard input) is read in chunks up to a
 * documented cap, and refused with exit 2 past it, so `/dev/zero`, `/dev/urandom`, a FIFO that
 * never ends or a 3 GB sparse file cost at most the cap in memory and a clear message instead
 * of an out-of-memory crash. A regular file is checked by size (fstat) before any byte is read;
 * a directory is refused as "is a directory"; FIFOs and character devices are read up to the cap.
 *
 * The caps follow what the real inputs can be: a region dump or payload lives in the 2 MiB
 * persisted area the IGVM loader reserves at the start of VTL2 memory (`PERSISTED_AREA_LEN`),
 * hex text of one is at most twice that plus whitespace, and JSON inputs (scenarios, states,
 * shim/host/cmdline parameters) get a generous 64 MiB, raised with `--max-input BYTES`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { quoteInput } from '../../format/json-text.js';
import { parseHexText } from '../hexdump.js';
import { badInput, displayName, fileErrorReason, isFileError, usage, type Io } from '../io.js';

/** 1 MiB. */
const MIB = 1 << 20;
/** The 2 MiB persisted area: no region dump or payload can be larger. */
export const BINARY_CAP = 2 * MIB;
/** Hex text of a 2 MiB dump: two digits a byte, plus 1 MiB for whitespace and separators. */
export const HEX_TEXT_CAP = 2 * BINARY_CAP + MIB;
/** The default cap of a JSON input. */
export const JSON_CAP = 64 * MIB;
/** The largest `--max-input` accepted: beyond it the text no longer fits one JavaScript string. */
export const MAX_INPUT_LIMIT = 256 * MIB;

/** What an input is, for its cap and the message when it is exceeded. */
export interface InputKind {
  /** Largest accepted size in bytes. */
  cap: number;
  /** What the input is, in the message: "a region dump", "a JSON input". */
  what: string;
  /** How to get past the cap, in parentheses after the message. */
  hint: string;
}

/** A region dump or bare payload (raw bytes). */
export const BINARY_INPUT: InputKind = {
  cap: BINARY_CAP,
  what: 'a region dump or payload',
  hint: 'the persisted area is 2 MiB; cut a larger dump to its first 2 MiB, e.g. with head -c 2097152',
};

/** Hex text of a region dump or payload (`--hex`). */
export const HEX_INPUT: InputKind = {
  cap: HEX_TEXT_CAP,
  what: 'hex text of a region dump or payload',
  hint: 'two hex digits a byte of a 2 MiB persisted area, plus whitespace',
};

/** A JSON input with the given cap (default {@link JSON_CAP}). */
export function jsonInput(cap = JSON_CAP): InputKind {
  return { cap, what: 'a JSON input', hint: 'use --max-input BYTES to raise it' };
}

/** `5 MiB`, `2 MiB`, or bytes when not a whole number of MiB. */
export function capText(cap: number): string {
  return cap % MIB === 0 ? `${cap / MIB} MiB` : `${cap} bytes`;
}

/** The option table entry commands that read JSON add, and its parsed value. */
export const MAX_INPUT_OPTION = { 'max-input': { type: 'string' } } as const;

/** The `--max-input BYTES` help lines. */
export const MAX_INPUT_HELP = `  --max-input BYTES  Largest JSON input read (default 67108864, 64 MiB; at
                     most ${MAX_INPUT_LIMIT}); a larger one is refused, exit 2.`;

/**
 * Parses `--max-input BYTES` (decimal or 0x-hex, 1..{@link MAX_INPUT_LIMIT}).
 * @throws {CliFailure} a usage error for anything else.
 */
export function maxInputOption(text: string | undefined): InputKind {
  if (text === undefined) return jsonInput();
  const n = /^(?:0x[0-9a-f]+|[0-9]+)$/i.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_INPUT_LIMIT) {
    throw usage(`--max-input must be a byte count from 1 to ${MAX_INPUT_LIMIT} (got ${quoteInput(text)})`);
  }
  return jsonInput(n);
}

const CHUNK = 64 * 1024;

function tooLarge(file: string, kind: InputKind) {
  return badInput(`${displayName(file)} is larger than the ${capText(kind.cap)} cap for ${kind.what} (${kind.hint})`);
}

/** Reads `fd` to its end, or throws once more than `kind.cap` bytes arrive. */
function readFdBounded(fd: number, file: string, kind: InputKind): Uint8Array {
  const st = fstatSync(fd);
  if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR', syscall: 'read' });
  if (st.isFile() && st.size > kind.cap) throw tooLarge(file, kind);
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // At most cap + 1 bytes are ever held: one byte past the cap proves the input too large.
    const want = Math.min(CHUNK, kind.cap + 1 - total);
    const buf = Buffer.allocUnsafe(want);
    let n: number;
    try {
      n = readSync(fd, buf, 0, want, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        // A non-blocking standard input with no data yet: wait a little and retry.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(n === want ? buf : buf.subarray(0, n));
    total += n;
    if (total > kind.cap) throw tooLarge(file, kind);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

/**
 * Reads a whole file, or standard input for `-`, refusing anything larger than `kind.cap`.
 * @throws {CliFailure} exit 2: `cannot read FILE: REASON`, or `FILE is larger than the … cap`.
 */
export function readBounded(file: string, io: Io, kind: InputKind): Uint8Array {
  if (file === '-' && io.stdin !== undefined) {
    if (io.stdin.length > kind.cap) throw tooLarge(file, kind);
    return io.stdin;
  }
  let fd: number | undefined;
  try {
    fd = file === '-' ? 0 : openSync(file, 'r');
    return readFdBounded(fd, file, kind);
  } catch (e) {
    if (isFileError(e)) throw badInput(`cannot read ${displayName(file)}: ${fileErrorReason(e)}`);
    throw e;
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
}

/**
 * Reads hex text input (`--hex`, for `decode` and `inspect`) into bytes: the text as
 * `encode --hex` writes it. @throws {CliFailure} exit 2 when it is not an even number of hex digits.
 */
export function hexInput(file: string, text: Uint8Array): Uint8Array {
  const parsed = parseHexText(Buffer.from(text).toString('utf8'));
  if (parsed === undefined) throw badInput(`${displayName(file)} is not hex text (an even number of hex digits)`);
  return parsed;
}
