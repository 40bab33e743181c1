/**
 * `vtl2-persist encode`, `decode` and `image`: the payload codec and the
 * region layout as file-to-file tools, plus the plumbing the inspector shares
 * (GPAs, binary output, hex input, colour).
 *
 * Each `runX(argv, io)` parses its own arguments (src/cli/args.ts), reads through
 * src/cli/io.ts, and returns the exit code: 0 success, 1 a failed check (a payload the real
 * decoder rejects, a payload too big for the region), 2 a usage error or an
 * invalid / unreadable input file.
 */
import { DecodeError, EncodeError } from '../format/codec-error.js';
import { decodeSavedState } from '../format/decode.js';
import { encodeSavedState } from '../format/encode.js';
import { DRAFT_MAGIC, HEADER_PAGE_SIZE, PERSISTED_STATE_MAGIC, encodeHeader } from '../format/header.js';
import { U64_MAX, type SavedState } from '../format/saved-state.js';
import { StateJsonError, savedStateFromJson, savedStateToJson } from '../format/state-json.js';
import { formatHex as hex } from '../memory/range.js';
import { quoteInput } from '../format/json-text.js';
import { onePositional, parseCommandArgs } from './args.js';
import { parseHexText } from './hexdump.js';
import { CliFailure, badInput, colourOn, displayName, isTty, readBytes, readJson, runGuarded, usage, type Io } from './io.js';
import { BINARY_INPUT, HEX_INPUT, MAX_INPUT_HELP, MAX_INPUT_OPTION, maxInputOption, type InputKind } from './kit/input.js';
import { OUTPUT_POLICY_HELP, writeFileSafely, type OutputFileOptions } from './kit/output-file.js';
import { JsonStreamArray, printJson } from './kit/output.js';

/** The payload region OpenHCL reserves after the header page: 19 pages. */
export const PAYLOAD_REGION_LEN = 0x13000n;
/** Header page + payload region: what `image` writes and a fresh boot reserves. */
export const IMAGE_LEN = HEADER_PAGE_SIZE + PAYLOAD_REGION_LEN;
/** Size of the persisted area the IGVM loader reserves at the start of VTL2 memory. */
export const PERSISTED_AREA_LEN = 0x20_0000n;

/** `vtl2-persist encode --help`. */
export const ENCODE_USAGE = `Usage: vtl2-persist encode STATE.json [-o FILE [--force] | --hex | --json]

Encodes a SavedState, given in the canonical JSON form (what 'decode' prints;
proto field names, u64 values as "0x…" strings, types by name or number),
into the payload bytes OpenHCL's mesh_protobuf encoder writes. STATE.json may
be '-' for standard input.

Options:
  -o, --output FILE  Write the payload bytes to FILE ('-' for standard output).
                     Without -o the bytes go to standard output, which must not
                     be a terminal.
  --hex              Print the payload as hex text instead of bytes.
  --json             Print {"length": N, "hex": "..."} instead of bytes.
${OUTPUT_POLICY_HELP}
${MAX_INPUT_HELP}
  -h, --help

Exit codes: 0 encoded, 2 a usage error or a STATE.json that is not a valid state.`;

/** `vtl2-persist decode --help`. */
export const DECODE_USAGE = `Usage: vtl2-persist decode PAYLOAD [--hex] [--json]

Decodes a bare persisted-state payload (the protobuf_payload_len bytes at
protobuf_base; '-' for standard input) exactly as openhcl_boot's mesh_protobuf
decoder does, and prints the canonical JSON form of the SavedState (which
'encode' reads back). For a dump of the whole region use 'inspect'.

Options:
  --hex     PAYLOAD holds hex text (whitespace ignored), not raw bytes.
            PAYLOAD may be at most 2 MiB (the persisted area), hex text at
            most 5 MiB; a larger one is refused, exit 2.
  --json    Output is always JSON; with --json a rejected payload also prints
            {"error": {code, message, mesh_variant, offset, path}} on stdout.
  -h, --help

Exit codes: 0 decoded, 1 the real decoder rejects the payload (openhcl_boot
would panic with "failed to decode protobuf"), 2 a usage error or an
unreadable file.`;

/** `vtl2-persist image --help`. */
export const IMAGE_USAGE = `Usage: vtl2-persist image STATE.json --base GPA [--payload] [-o FILE [--force]]

Builds a dump of the persisted-state region exactly as OpenHCL usermode leaves
it for a persisted area starting at GPA: the 4 KiB header page (the 32-byte
OHCLPHDR header, the rest zero) followed by the 19-page payload region (the
encoded payload at its start, zero padding): 0x14000 bytes, with
protobuf_base = GPA + 0x1000, protobuf_region_len = 0x13000 and
protobuf_payload_len = the payload's length.

Options:
  --base GPA         Guest-physical address of the header page (required;
                     4 KiB aligned; hex with 0x, or decimal).
  --payload          STATE.json is already an encoded payload (raw bytes), e.g.
                     a hand-mutated one; it is placed as is.
  -o, --output FILE  Write the image to FILE ('-' for standard output).
                     Without -o the bytes go to standard output, which must not
                     be a terminal.
${OUTPUT_POLICY_HELP}
${MAX_INPUT_HELP}
  -h, --help

Exit codes: 0 written, 1 the payload does not fit the 0x13000-byte region,
2 a usage error or an invalid input file.`;

// ---------------------------------------------------------------------------------------------
// Plumbing shared with the inspector

/**
 * A guest-physical address from the command line: `0x…` hex or decimal, `_`
 * separators allowed, at most 2^64 − 1. Undefined when it is not one.
 */
export function parseGpa(text: string): bigint | undefined {
  const s = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(s)) return undefined;
  const v = BigInt(s);
  return v <= U64_MAX ? v : undefined;
}

/** `--base` parsed, or a usage error naming the option and the bad value (a negative one included). */
export function gpaOption(name: string, text: string): bigint {
  const v = parseGpa(text);
  if (v === undefined) {
    const why = text.trim().startsWith('-') ? 'a guest-physical address cannot be negative' : '0x-hex or decimal, below 2^64';
    throw usage(`--${name} ${quoteInput(text)} is not a guest-physical address (${why})`);
  }
  return v;
}

/**
 * Writes binary output to `-o FILE` (atomically, never over an input, an existing file only
 * with `--force`: src/cli/kit/output-file.ts), or to stdout (`-o -` or no -o) unless
 * stdout is a terminal, where raw bytes would only garble the screen.
 * @throws {CliFailure} exit 2 for a terminal stdout or an unwritable file.
 */
export function writeBinary(io: Io, output: string | undefined, bytes: Uint8Array, what: string, file: OutputFileOptions = { force: false, inputs: [] }): void {
  if (output !== undefined && output !== '-') return writeFileSafely(output, bytes, file);
  if (isTty(io.stdout)) {
    throw usage(`refusing to write the ${what} (${bytes.length} bytes of binary) to a terminal; use -o FILE or redirect standard output`);
  }
  io.stdout.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

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

/**
 * Reads hex text input (`--hex`, for `decode` and `inspect`) into bytes: the text as
 * `encode --hex` writes it. @throws {CliFailure} exit 2 when it is not an even number of hex digits.
 */
export function hexInput(file: string, text: Uint8Array): Uint8Array {
  const parsed = parseHexText(Buffer.from(text).toString('utf8'));
  if (parsed === undefined) throw badInput(`${displayName(file)} is not hex text (an even number of hex digits)`);
  return parsed;
}

/** Reads STATE.json into a state. @throws {CliFailure} exit 2 for a file that is not a valid state. */
function readState(file: string, io: Io, kind: InputKind) {
  const json = readJson(file, io, kind);
  try {
    return savedStateFromJson(json);
  } catch (e) {
    if (e instanceof StateJsonError) throw new CliFailure(2, `${displayName(file)}: ${e.message}`);
    throw e;
  }
}

/** Encodes a state. @throws {CliFailure} exit 2 for a value no real writer could hold. */
function encodeState(file: string, io: Io, kind: InputKind): Uint8Array {
  const state = readState(file, io, kind);
  try {
    return encodeSavedState(state);
  } catch (e) {
    if (e instanceof EncodeError) throw new CliFailure(2, `${displayName(file)}: ${e.message}`);
    throw e;
  }
}

/**
 * The region image `image` writes: header page (32-byte header, rest zero)
 * then the 19-page payload region (payload at its start, zero padding).
 * @throws {CliFailure} exit 1 when the payload is longer than the region.
 */
export function buildImage(payload: Uint8Array, base: bigint): Uint8Array {
  if (BigInt(payload.length) > PAYLOAD_REGION_LEN) {
    throw new CliFailure(
      1,
      `the payload is ${payload.length} bytes (${hex(BigInt(payload.length))}); the payload region holds only ${hex(PAYLOAD_REGION_LEN)} (${PAYLOAD_REGION_LEN}) bytes`,
    );
  }
  const image = new Uint8Array(Number(IMAGE_LEN));
  image.set(
    encodeHeader({
      magic: PERSISTED_STATE_MAGIC,
      protobufBase: base + HEADER_PAGE_SIZE,
      protobufRegionLen: PAYLOAD_REGION_LEN,
      protobufPayloadLen: BigInt(payload.length),
    }),
    0,
  );
  image.set(payload, Number(HEADER_PAGE_SIZE));
  return image;
}

/** The JSON object describing a rejected payload (decode --json, inspect --json). */
export function decodeErrorJson(e: DecodeError): Record<string, unknown> {
  return { code: e.code, message: e.meshMessage, mesh_variant: e.meshVariant, offset: e.offset, path: e.path };
}

/** The panic openhcl_boot prints for a payload its decoder rejects. */
export function decodePanicText(e: DecodeError): string {
  return `failed to decode protobuf: Error(ErrorInner { types: [], err: ${e.meshVariant} })`;
}

/** Whether bytes start with the shipped or the draft magic (a region dump, not a bare payload). */
export function startsWithMagic(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return magic === PERSISTED_STATE_MAGIC || magic === DRAFT_MAGIC;
}

/** How many list entries {@link streamedStateJson} converts at a time. */
const STATE_JSON_BATCH = 4096;

/**
 * The canonical JSON of a state for {@link printJson}, with its two entry lists produced in
 * batches of {@link STATE_JSON_BATCH} (each through `savedStateToJson` itself, so the bytes are
 * those of `JSON.stringify(savedStateToJson(s), null, 2)`): a 2 MiB payload of a million empty
 * entries then never has a million JSON objects alive at once.
 */
export function streamedStateJson(s: SavedState): Record<string, unknown> {
  const json: Record<string, unknown> = { ...savedStateToJson({ ...s, partitionMemory: [], partitionMmio: [] }) };
  const lists = [
    ['partition_memory', 'partitionMemory'],
    ['partition_mmio', 'partitionMmio'],
  ] as const;
  for (const [key, field] of lists) {
    if (!Array.isArray(json[key])) continue;
    json[key] = new JsonStreamArray(function* () {
      const all = s[field];
      for (let at = 0; at < all.length; at += STATE_JSON_BATCH) {
        const part = savedStateToJson({ ...s, partitionMemory: [], partitionMmio: [], [field]: all.slice(at, at + STATE_JSON_BATCH) });
        yield* part[key];
      }
    });
  }
  return json;
}

// ---------------------------------------------------------------------------------------------
// The commands

/** `vtl2-persist encode STATE.json [-o FILE | --hex | --json]`; returns the exit code. */
export function runEncode(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'encode', () => {
    const { values, positionals } = parseCommandArgs(argv, {
      output: { type: 'string', short: 'o' },
      hex: { type: 'boolean' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
      ...MAX_INPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return void io.stdout.write(`${ENCODE_USAGE}\n`), 0;
    const file = onePositional(positionals, 'STATE.json');
    const chosen = [values.output !== undefined && '-o', values.hex && '--hex', values.json && '--json'].filter(Boolean);
    if (chosen.length > 1) throw usage(`${chosen.join(' and ')} are alternatives; give one`);
    if (values.force && values.output === undefined) throw usage('--force goes with -o FILE');
    const payload = encodeState(file, io, maxInputOption(values['max-input']));
    const hexText = Buffer.from(payload).toString('hex');
    if (values.json) printJson(io.stdout, { length: payload.length, hex: hexText });
    else if (values.hex) io.stdout.write(`${hexText}\n`);
    else writeBinary(io, values.output, payload, 'payload', { force: values.force === true, inputs: [file] });
    return 0;
  });
}

/** `vtl2-persist decode PAYLOAD [--hex] [--json]`; returns the exit code. */
export function runDecode(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'decode', () => {
    const { values, positionals } = parseCommandArgs(argv, {
      hex: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return void io.stdout.write(`${DECODE_USAGE}\n`), 0;
    const file = onePositional(positionals, 'PAYLOAD');
    const raw = readBytes(file, io, values.hex ? HEX_INPUT : BINARY_INPUT);
    const bytes = values.hex ? hexInput(file, raw) : raw;
    try {
      printJson(io.stdout, streamedStateJson(decodeSavedState(bytes)));
      return 0;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      if (values.json) printJson(io.stdout, { error: decodeErrorJson(e) });
      const hint = startsWithMagic(bytes)
        ? `\nhint: ${displayName(file)} starts with the OHCLPHDR header magic: it is a region dump, not a bare payload; use 'vtl2-persist inspect'`
        : '';
      throw new CliFailure(
        1,
        `${displayName(file)}: the payload is rejected: ${e.message}\nopenhcl_boot would panic: ${decodePanicText(e)}${hint}`,
      );
    }
  });
}

/** `vtl2-persist image STATE.json --base GPA [--payload] [-o FILE]`; returns the exit code. */
export function runImage(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'image', () => {
    const { values, positionals } = parseCommandArgs(argv, {
      base: { type: 'string' },
      payload: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      ...MAX_INPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return void io.stdout.write(`${IMAGE_USAGE}\n`), 0;
    if (values.force && (values.output === undefined || values.output === '-')) throw usage('--force goes with -o FILE');
    const file = onePositional(positionals, values.payload ? 'PAYLOAD' : 'STATE.json');
    if (values.base === undefined) throw usage('--base GPA is required (the guest-physical address of the header page)');
    const base = gpaOption('base', values.base);
    if (base % HEADER_PAGE_SIZE !== 0n) throw usage(`--base ${hex(base)} is not 4 KiB aligned`);
    if (base + IMAGE_LEN > U64_MAX + 1n) throw usage(`--base ${hex(base)}: the ${hex(IMAGE_LEN)}-byte region would run past the top of the address space`);
    const payload = values.payload ? readBytes(file, io, BINARY_INPUT) : encodeState(file, io, maxInputOption(values['max-input']));
    writeBinary(io, values.output, buildImage(payload, base), 'region image', { force: values.force === true, inputs: [file] });
    return 0;
  });
}
