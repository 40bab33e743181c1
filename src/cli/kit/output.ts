/**
 * Streamed, bounded output: every command's text and `--json` go through one {@link Writer},
 * which hands the stream 64 KiB chunks, so no command builds its whole output as one string
 * (a 2 MiB dump's wire view is ~100 MB of text). {@link writeJson} prints a value exactly as
 * `JSON.stringify(value, null, 2)` would, piece by piece. {@link fdStream} is the process's
 * stdout/stderr as `bin.ts` passes them: synchronous writes, and a reader that went away
 * (`vtl2-persist decode big | head -c 10`: EPIPE) becomes {@link OutputClosed}, which `main`
 * turns into a quiet exit 0.
 */
import { writeSync } from 'node:fs';
import type { OutStream } from '../io.js';

/**
 * The reader of standard output went away (EPIPE). Not an input error: the command stops
 * writing and `main` exits 0 without a message, as `cat`, `head` and friends do.
 */
export class OutputClosed extends Error {
  constructor() {
    super('standard output was closed by its reader');
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A file descriptor as an {@link OutStream}: each write goes out whole with `writeSync` (retrying
 * a non-blocking pipe's EAGAIN). EPIPE on `fd` throws {@link OutputClosed} when `closedThrows`
 * (stdout); otherwise (stderr) the rest of the output is dropped silently.
 */
export function fdStream(fd: number, isTTY: boolean, closedThrows = true): OutStream {
  let closed = false;
  return {
    isTTY,
    write(s: string | Uint8Array) {
      if (closed) {
        if (closedThrows) throw new OutputClosed();
        return true;
      }
      const buf = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
      let at = 0;
      while (at < buf.length) {
        try {
          at += writeSync(fd, buf, at, buf.length - at);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') {
            sleepMs(1);
            continue;
          }
          if (code === 'EPIPE' || code === 'EBADF') {
            closed = true;
            if (closedThrows) throw new OutputClosed();
            return true;
          }
          throw e;
        }
      }
      return true;
    },
  };
}

/** The size of the chunks a {@link Writer} hands its stream. */
const CHUNK = 64 * 1024;

/** Buffers small pieces of text and hands them to a stream in 64 KiB chunks. */
export class Writer {
  private parts: string[] = [];
  private size = 0;

  /** Writes to `stream`; call {@link Writer.end} (or `flush`) when done. */
  constructor(private readonly stream: OutStream) {}

  /** Appends text. */
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  }

  /** Appends `s` and a newline. */
  line(s: string): void {
    this.write(s);
    this.write('\n');
  }

  /** Appends each line, each followed by a newline. */
  lines(lines: Iterable<string>): void {
    for (const l of lines) this.line(l);
  }

  /** Hands what is buffered to the stream. */
  flush(): void {
    if (this.size === 0 && this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.stream.write(text);
  }

  /** Flushes; the writer may still be used afterwards. */
  end(): void {
    this.flush();
  }
}

/**
 * A lazily produced JSON array: {@link writeJson} prints its items one at a time, so a
 * million-entry list never exists as JSON values all at once.
 */
export class JsonStreamArray {
  /** The items, produced on demand. */
  constructor(readonly items: () => Iterable<unknown>) {}

  /** Inside a value printed whole (an item of another array), the items as a plain array. */
  toJSON(): unknown[] {
    return Array.from(this.items());
  }
}

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` would (same bytes: `toJSON`, undefined
 * properties skipped, undefined array items as `null`), without building the whole string.
 * A {@link JsonStreamArray} prints as an array of its items.
 */
export function writeJson(w: Writer, value: unknown, indent = ''): void {
  if (value instanceof JsonStreamArray) return writeArray(w, value.items(), indent);
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  if (value === null || typeof value !== 'object') {
    w.write(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) return writeArray(w, value, indent);
  const inner = `${indent}  `;
  let first = true;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    w.write(first ? `{\n${inner}` : `,\n${inner}`);
    first = false;
    w.write(`${JSON.stringify(key)}: `);
    writeJson(w, v, inner);
  }
  w.write(first ? '{}' : `\n${indent}}`);
}

/** How many array items {@link writeJson} stringifies in one native call. */
const JSON_BATCH = 1024;

/**
 * Whether an array item is too large for a batch: a stream, a long array, or an object holding
 * one (a wire row whose packed CPU list has two million elements). Such an item is written
 * piece by piece instead; stringifying it whole in a batch once took 1.6 GB for a 2 MiB payload.
 */
function isLarge(item: unknown): boolean {
  if (item instanceof JsonStreamArray) return true;
  if (Array.isArray(item)) return item.length > JSON_BATCH;
  if (item === null || typeof item !== 'object' || typeof (item as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const v of Object.values(item)) if (v instanceof JsonStreamArray || (Array.isArray(v) && v.length > JSON_BATCH)) return true;
  return false;
}

function writeArray(w: Writer, items: Iterable<unknown>, indent: string): void {
  let first = true;
  let batch: unknown[] = [];
  const flushBatch = () => {
    if (batch.length === 0) return;
    // JSON.stringify(batch, null, 2) is "[\n  item,\n  item\n]": its body, each line moved right by
    // `indent`, is exactly the items at this depth (JSON strings hold no raw newline, so
    // re-indenting lines is exact). A nested JsonStreamArray is materialized by its toJSON.
    const text = JSON.stringify(batch, null, 2);
    const body = text.slice(2, -2);
    w.write(first ? '[\n' : ',\n');
    w.write(indent === '' ? body : indent + body.replaceAll('\n', `\n${indent}`));
    first = false;
    batch = [];
  };
  for (const item of items) {
    if (isLarge(item)) {
      flushBatch();
      w.write(first ? `[\n${indent}  ` : `,\n${indent}  `);
      first = false;
      writeJson(w, item, `${indent}  `);
      continue;
    }
    batch.push(item);
    if (batch.length >= JSON_BATCH) flushBatch();
  }
  flushBatch();
  w.write(first ? '[]' : `\n${indent}]`);
}

/** Writes `value` as indented JSON and a newline to `stream`, in chunks. */
export function printJson(stream: OutStream, value: unknown): void {
  const w = new Writer(stream);
  writeJson(w, value);
  w.write('\n');
  w.end();
}

/** Writes text and a newline to `stream` in chunks (the text itself may be given as lines). */
export function printLines(stream: OutStream, lines: Iterable<string>): void {
  const w = new Writer(stream);
  w.lines(lines);
  w.end();
}
