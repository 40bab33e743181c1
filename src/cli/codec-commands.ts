/**
 * `vtl2-persist encode`, `decode` and `image`: the payload codec and the
 * region layout as file-to-file tools.
 *
 * Each `runX(argv, io)` parses its own arguments (src/cli/args.ts), reads through
 * src/cli/io.ts, and returns the exit code: 0 success, 1 a failed check (a payload the real
 * decoder rejects, a payload too big for the region), 2 a usage error or an
 * invalid / unreadable input file.
 */
import { decodePanicText } from '../boot/restore-checks.js';
import { DecodeError, EncodeError, decodeErrorJson } from '../format/codec-error.js';
import { decodeSavedState } from '../format/decode.js';
import { encodeSavedState } from '../format/encode.js';
import { HEADER_PAGE_SIZE } from '../format/header.js';
import { U64_MAX } from '../format/saved-state.js';
import { StateJsonError, savedStateFromJson } from '../format/state-json.js';
import { formatHex as hex } from '../memory/range.js';
import { IMAGE_LEN, RegionImageError, buildImage, startsWithMagic } from '../usermode/region-image.js';
import { gpaOption, onePositional, parseCommandArgs } from './args.js';
import { CliFailure, displayName, isTty, readBytes, readJson, runGuarded, usage, type Io } from './io.js';
import { BINARY_INPUT, HEX_INPUT, MAX_INPUT_HELP, MAX_INPUT_OPTION, hexInput, maxInputOption, type InputKind } from './kit/input.js';
import { OUTPUT_POLICY_HELP, writeFileSafely, type OutputFileOptions } from './kit/output-file.js';
import { printJson } from './kit/output.js';
import { streamedStateJson } from './state-output.js';

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
// Binary output

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
    writeBinary(io, values.output, imageOrFailure(payload, base), 'region image', { force: values.force === true, inputs: [file] });
    return 0;
  });
}

/** `buildImage`, with a payload too large for the region as exit 1 and the error's own message. */
function imageOrFailure(payload: Uint8Array, base: bigint): Uint8Array {
  try {
    return buildImage(payload, base);
  } catch (e) {
    if (e instanceof RegionImageError) throw new CliFailure(1, e.message);
    throw e;
  }
}
