/**
 * `vtl2-persist inspect FILE`: a firmware engineer's view of a persisted-state
 * region dump (header page first) or of a bare payload — the header annotated
 * byte by byte, everything about it that openhcl_boot would trip over, the
 * decoded topology, the payload's raw wire structure under the mesh rules, and
 * (with `--shim`/`--host`) what the emulated openhcl_boot does with it.
 */
import { boot, type BootResult } from '../boot/boot.js';
import type { BumpHeapStats } from '../boot/bump-heap.js';
import { InputError, parseCmdlineOptions, parseHostDt, parseShimParams } from '../boot/inputs.js';
import type { CmdlineOptions, HostDt, ShimParams } from '../boot/types.js';
import { DecodeError } from '../format/codec-error.js';
import { decodeSavedState } from '../format/decode.js';
import {
  HEADER_PAGE_SIZE,
  HEADER_SIZE,
  PERSISTED_STATE_MAGIC,
  classifyMagic,
  decodeHeader,
  encodeHeader,
  type MagicStatus,
  type PersistedStateHeader,
} from '../format/header.js';
import { U64_MAX, type SavedState } from '../format/saved-state.js';
import { walkWire, type WireView } from '../format/wire-walk.js';
import { GuestMemory, GuestMemoryError } from '../memory/guest-memory.js';
import { formatHex as hex } from '../memory/range.js';
import { MemoryVtlType, igvmTypeName, vtlTypeName } from '../memory/vtl-type.js';
import { bootResultToJson } from '../sim/result-json.js';
import { onePositional, parseCommandArgs } from './args.js';
import { PAYLOAD_REGION_LEN, PERSISTED_AREA_LEN, decodePanicText, gpaOption, hexInput, palette, type Palette } from './codec-commands.js';
import { badInput, displayName, readBytes, readJson, runGuarded, usage, type Io } from './io.js';
import { BINARY_INPUT, HEX_INPUT, MAX_INPUT_OPTION, maxInputOption, type InputKind } from './kit/input.js';
import { printJson, printLines } from './kit/output.js';
import { asciiOf } from './hexdump.js';
import { inspectionLines, inspectionToJson } from './inspect-render.js';
import { table } from './text.js';

/** `vtl2-persist inspect --help`. */
export const INSPECT_USAGE = `Usage: vtl2-persist inspect FILE [--hex] [--base GPA] [--payload | --region] [--json]
                            [--shim SHIM.json --host HOST.json [--cmdline CMDLINE.json]]

Inspects FILE ('-' for standard input): a dump of the persisted-state region
(the 4 KiB header page first, then the payload region, as 'image' writes it)
or a bare payload. A file that starts with the OHCLPHDR magic (or the
byte-swapped draft magic), or that is at least a page long and starts with a
plausible header, is a region dump; anything else is a bare payload.

Prints:
  - the 32-byte header, field by field: offset, bytes as in memory, the
    little-endian value in hex and decimal, and what it means;
  - findings: the byte-swapped draft magic, an unaligned protobuf_base, a
    payload longer than its region, a region outside the 2 MiB persisted area
    (with --base), a payload the real decoder rejects, …;
  - the decoded topology;
  - the raw wire view: every field's offset, tag, wire type and value under
    mesh_protobuf's rules (unknown fields kept and marked; on a decode error,
    the fields up to it and the error with its offset);
  - with --shim and --host: what openhcl_boot would do with it.

Options:
  --base GPA       Guest-physical address of the dump's first byte (the header
                   page). The payload is then read at protobuf_base - GPA and the
                   region is checked against the 2 MiB persisted area at GPA.
                   Without --base the dump is taken to start at the shim's
                   persisted_state.start with --shim, else the payload is taken
                   right after the header page (file offset 0x1000).
  --hex            FILE holds hex text (whitespace, ':' and ',' ignored, as
                   'encode --hex' writes it), not raw bytes; as 'decode --hex'.
  --payload        FILE is a bare payload (skip detection).
  --region         FILE is a region dump even without a magic (skip detection).
  --shim FILE      shim_params (scenario format: the object itself, or a
                   scenario holding "shim_params") for a boot emulation.
  --host FILE      host_dt (the object, or a scenario holding "host_dt").
  --cmdline FILE   cmdline_options (the object, or a scenario holding
                   "cmdline_options"); default upstream's defaults.
                   The dump is placed at --base (default the shim's
                   persisted_state.start); a bare payload gets the header
                   OpenHCL would write (payload at +0x1000, region 0x13000).
  --json           Machine-readable output (JSON on stdout).
  --max-input BYTES
                   Largest --shim/--host/--cmdline JSON read (default 64 MiB,
                   at most 268435456). FILE itself may be at most 2 MiB (the
                   persisted area), as hex text at most 5 MiB; larger inputs
                   are refused, exit 2.
  -h, --help

Exit codes: 0 nothing openhcl_boot would trip over, 1 a finding that makes
openhcl_boot panic or marks a broken writer (or, with --shim, an emulated
panic), 2 a usage error or an invalid or unreadable input file.`;

// ---------------------------------------------------------------------------------------------
// The inspection

/** Something about the input worth telling: `error` = openhcl_boot would panic on it or a writer is broken. */
export interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

/** Everything `inspect` found out about one input. */
export interface Inspection {
  file: string;
  size: number;
  kind: 'region' | 'payload';
  /** Why the input was taken as a region dump or a payload. */
  detection: string;
  /** GPA of the dump's first byte: --base, or the shim's persisted_state.start for a region dump. */
  base: bigint | undefined;
  /** Whether `base` came from the shim rather than --base. */
  baseFromShim: boolean;
  header: PersistedStateHeader | undefined;
  status: MagicStatus | undefined;
  /** The first page of a region dump (at most 4 KiB). */
  headerPage: Uint8Array | undefined;
  /** Where the payload was taken from, or undefined when the dump does not hold it. */
  payloadAt: { fileOffset: number; gpa: bigint | undefined } | undefined;
  payload: Uint8Array | undefined;
  findings: Finding[];
  decoded: SavedState | undefined;
  decodeError: DecodeError | undefined;
  wire: WireView | undefined;
}

/** How detection is steered: automatic, or forced by --payload / --region. */
export type InspectMode = 'auto' | 'payload' | 'region';

/** Values OpenHCL could have written: aligned base, a region of at most the persisted area, payload within it. */
function plausibleHeader(h: PersistedStateHeader): boolean {
  return (
    h.protobufBase % HEADER_PAGE_SIZE === 0n &&
    h.protobufRegionLen > 0n &&
    h.protobufRegionLen <= PERSISTED_AREA_LEN &&
    h.protobufPayloadLen <= h.protobufRegionLen
  );
}

function detect(bytes: Uint8Array, mode: InspectMode): { kind: 'region' | 'payload'; why: string } {
  if (mode === 'payload') return { kind: 'payload', why: 'bare payload (--payload)' };
  if (mode === 'region') return { kind: 'region', why: 'region dump (--region)' };
  if (bytes.length >= 8) {
    const status = classifyMagic(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    if (status === 'valid') return { kind: 'region', why: 'region dump (starts with the OHCLPHDR magic)' };
    if (status === 'draft_magic') return { kind: 'region', why: 'region dump (starts with the byte-swapped draft magic "RDHPLCHO")' };
  }
  if (bytes.length >= Number(HEADER_PAGE_SIZE) && plausibleHeader(decodeHeader(bytes))) {
    return { kind: 'region', why: 'region dump (no magic, but at least a page long and starting with a plausible header)' };
  }
  return {
    kind: 'payload',
    why: 'bare payload (no header magic and no plausible header at the start; --region forces a region dump)',
  };
}

/** Inspects the bytes of one input. Pure: reads nothing, writes nothing, never throws for bad input. */
export function inspectBytes(
  bytes: Uint8Array,
  options: { file?: string; base?: bigint; mode?: InspectMode; shimBase?: bigint } = {},
): Inspection {
  const { kind, why } = detect(bytes, options.mode ?? 'auto');
  // A region dump without --base sits where the boot emulation puts it: at the shim's persisted_state.start.
  const base = options.base ?? (kind === 'region' ? options.shimBase : undefined);
  const result: Inspection = {
    file: options.file ?? '-',
    size: bytes.length,
    kind,
    detection: why,
    base,
    baseFromShim: options.base === undefined && base !== undefined,
    header: undefined,
    status: undefined,
    headerPage: undefined,
    payloadAt: undefined,
    payload: undefined,
    findings: [],
    decoded: undefined,
    decodeError: undefined,
    wire: undefined,
  };
  const add = (severity: Finding['severity'], code: string, message: string) => result.findings.push({ code, severity, message });
  if (kind === 'payload') {
    if (options.base !== undefined) add('warning', 'base_ignored', '--base is ignored for a bare payload (it locates a region dump; --region forces one)');
    result.payload = bytes;
    result.payloadAt = { fileOffset: 0, gpa: undefined };
  } else if (bytes.length < HEADER_SIZE) {
    add('error', 'short_header', `the dump is ${bytes.length} bytes: too short for the ${HEADER_SIZE}-byte header`);
  } else {
    regionFindings(bytes, result, add);
  }
  if (result.payload !== undefined) decodeFindings(result, add);
  return result;
}

function regionFindings(bytes: Uint8Array, result: Inspection, add: (s: Finding['severity'], code: string, message: string) => void): void {
  const h = decodeHeader(bytes);
  const status = classifyMagic(h.magic);
  const base = result.base;
  result.header = h;
  result.status = status;
  result.headerPage = bytes.subarray(0, Math.min(bytes.length, Number(HEADER_PAGE_SIZE)));
  const magicText = `"${asciiOf(bytes.subarray(0, 8))}"`;
  if (status === 'draft_magic') {
    add(
      'error',
      'draft_magic',
      `magic ${hex(h.magic)} (${magicText}) is the byte-swapped constant of an early upstream draft, not the shipped OHCLPHDR: openhcl_boot treats it as "no magic" and takes the fresh path; the writer was built from the draft`,
    );
  } else if (status === 'no_magic') {
    add(
      'warning',
      'no_magic',
      `magic ${hex(h.magic)} (${magicText}) is not OHCLPHDR: openhcl_boot takes the fresh path and ignores the rest of the header (the checks below are informational)`,
    );
  }
  // Header checks that make the restore path panic; they only matter once the magic is valid.
  const sev: Finding['severity'] = status === 'no_magic' ? 'info' : 'error';
  const pb = h.protobufBase;
  const rl = h.protobufRegionLen;
  const pl = h.protobufPayloadLen;
  if (pb % HEADER_PAGE_SIZE !== 0n) {
    add(sev, 'unaligned_base', `protobuf_base ${hex(pb)} is not 4 KiB aligned: openhcl_boot panics (assertion failed: range.start & (PAGE_SIZE - 1) == 0)`);
  }
  const regionEnd = pb + rl;
  if (regionEnd > U64_MAX) {
    add(sev, 'region_wraps', `protobuf_base + protobuf_region_len = ${hex(regionEnd)} overflows 2^64 (wraps to ${hex(regionEnd & U64_MAX)}): openhcl_boot panics building the region`);
  } else if (regionEnd % HEADER_PAGE_SIZE !== 0n) {
    add(sev, 'region_end_unaligned', `the payload region ends at ${hex(regionEnd)}, not 4 KiB aligned: openhcl_boot panics (assertion failed: range.end & (PAGE_SIZE - 1) == 0)`);
  }
  if (pl > rl) {
    add(
      sev,
      'payload_len_gt_region_len',
      `protobuf_payload_len ${hex(pl)} (${pl}) is larger than protobuf_region_len ${hex(rl)} (${rl}): openhcl_boot panics "protobuf payload len ${pl} is larger than region len ${rl}"`,
    );
  }
  if (base !== undefined) {
    const areaEnd = base + PERSISTED_AREA_LEN;
    if (base % HEADER_PAGE_SIZE !== 0n) add('warning', 'persisted_base_unaligned', `--base ${hex(base)} is not 4 KiB aligned; the persisted area always is`);
    if (pb < base || regionEnd > areaEnd) {
      add(
        sev,
        'region_outside_persisted_area',
        `the payload region [${hex(pb)}, ${hex(regionEnd)}) is not inside the 2 MiB persisted area [${hex(base)}, ${hex(areaEnd)}): openhcl_boot panics "protobuf region … is not contained within the persisted state region …"`,
      );
    } else if (pb < base + HEADER_PAGE_SIZE) {
      add('warning', 'region_overlaps_header', `the payload region starts at ${hex(pb)}, inside the header page [${hex(base)}, ${hex(base + HEADER_PAGE_SIZE)})`);
    } else if (pb !== base + HEADER_PAGE_SIZE) {
      add('info', 'unusual_base', `OpenHCL puts the payload region right after the header page (${hex(base + HEADER_PAGE_SIZE)}); this one is at base + ${hex(pb - base)}`);
    }
  }
  const stale = result.headerPage.subarray(Number(HEADER_SIZE)).reduce((n, b) => n + (b === 0 ? 0 : 1), 0);
  if (stale > 0) add('info', 'header_page_not_zero', `${stale} byte(s) of the header page after the 32-byte header are not zero (openhcl_boot never reads them)`);

  // Where the payload is in the file: bounded by the file, whatever the header claims.
  const offset = base !== undefined ? pb - base : HEADER_PAGE_SIZE;
  const size = BigInt(bytes.length);
  if (pl === 0n && status === 'no_magic') {
    // Nothing was written: no payload to show.
  } else if (pl === 0n) {
    result.payloadAt = { fileOffset: Number(offset < 0n || offset > size ? 0n : offset), gpa: pb };
    result.payload = new Uint8Array(0);
  } else if (offset < 0n || offset >= size) {
    add('warning', 'payload_not_in_dump', `the payload (file offset ${offset < 0n ? `-${hex(-offset)}` : hex(offset)}) is not in this ${bytes.length}-byte dump`);
  } else {
    const avail = size - offset;
    const take = pl < avail ? pl : avail;
    if (pl > avail) {
      add(
        'warning',
        'payload_truncated',
        `the dump holds only ${avail} of the ${pl} (${hex(pl)}) payload bytes the header declares; only those are decoded (an error at their end may be an artifact of the short dump)`,
      );
    }
    result.payloadAt = { fileOffset: Number(offset), gpa: pb };
    result.payload = bytes.subarray(Number(offset), Number(offset + take));
  }
}

function decodeFindings(result: Inspection, add: (s: Finding['severity'], code: string, message: string) => void): void {
  const payload = result.payload!;
  // Whether openhcl_boot would decode this payload at all: always for a bare payload, and for a region once the magic is valid.
  const sev: Finding['severity'] = result.kind === 'payload' || result.status !== 'no_magic' ? 'error' : 'info';
  result.wire = walkWire(payload);
  try {
    result.decoded = decodeSavedState(payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    result.decodeError = e;
    add(sev, 'payload_rejected', `the real decoder rejects the payload: ${e.message}; openhcl_boot panics "${decodePanicText(e)}"`);
    return;
  }
  const s = result.decoded;
  const headerEntry = s.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_HEADER);
  const protobufEntry = s.partitionMemory.find((e) => e.vtlType === MemoryVtlType.VTL2_PERSISTED_STATE_PROTOBUF);
  if (headerEntry === undefined) {
    add(sev, 'no_header_entry', 'partition_memory has no VTL2_PERSISTED_STATE_HEADER entry: the restore path panics "persisted state header missing"');
  } else if (protobufEntry === undefined) {
    add(sev, 'no_protobuf_entry', 'partition_memory has no VTL2_PERSISTED_STATE_PROTOBUF entry: the restore path panics "persisted state protobuf region missing"');
  } else if (result.header !== undefined && headerEntry.range.end !== result.header.protobufBase) {
    add(
      sev,
      'header_entry_end_ne_protobuf_base',
      `the saved VTL2_PERSISTED_STATE_HEADER entry ends at ${hex(headerEntry.range.end)} but protobuf_base is ${hex(result.header.protobufBase)}: the restore path panics (assertion \`left == right\` failed)`,
    );
  }
  if (headerEntry !== undefined && result.base !== undefined && result.kind === 'region' && headerEntry.range.start !== result.base) {
    add('warning', 'header_entry_not_at_base', `the saved VTL2_PERSISTED_STATE_HEADER entry starts at ${hex(headerEntry.range.start)}, not at --base ${hex(result.base)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The boot emulation

/** Reads a scenario-format object from a file: the object itself, or the `key` of a scenario holding it. */
function readScenarioPart(file: string, io: Io, key: string, wrapperKeys: readonly string[], kind: InputKind): unknown {
  const json = readJson(file, io, kind);
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && wrapperKeys.some((k) => Object.hasOwn(json, k))) {
    return (json as Record<string, unknown>)[key] ?? {};
  }
  return json;
}

const WRAPPER_KEYS = ['shim_params', 'host_dt', 'cmdline_options', 'lifecycle'] as const;

function parsePart<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof InputError) throw badInput(`${displayName(file)}: ${e.message}`);
    throw e;
  }
}

/** The boot inputs and where the input was placed in guest memory. */
interface BootRun {
  shimFile: string;
  hostFile: string;
  loadedAt: bigint;
  headerAt: bigint;
  /** For a bare payload: the header written for it. */
  synthesizedHeader: PersistedStateHeader | undefined;
  result: BootResult;
}

/** Loads the input into a fresh guest memory and runs the emulated openhcl_boot against it. */
function runBoot(i: Inspection, bytes: Uint8Array, shim: ShimParams, host: HostDt, cmdline: CmdlineOptions, files: { shim: string; host: string }): BootRun {
  const memory = new GuestMemory();
  const loadedAt = i.kind === 'region' ? (i.base ?? shim.persistedState.start) : shim.persistedState.start;
  let synthesizedHeader: PersistedStateHeader | undefined;
  try {
    if (i.kind === 'region') {
      const CHUNK = 1 << 20;
      for (let at = 0; at < bytes.length; at += CHUNK) memory.write(loadedAt + BigInt(at), bytes.subarray(at, at + CHUNK));
    } else {
      synthesizedHeader = {
        magic: PERSISTED_STATE_MAGIC,
        protobufBase: loadedAt + HEADER_PAGE_SIZE,
        protobufRegionLen: PAYLOAD_REGION_LEN,
        protobufPayloadLen: BigInt(bytes.length),
      };
      memory.write(loadedAt + HEADER_PAGE_SIZE, bytes);
      memory.write(loadedAt, encodeHeader(synthesizedHeader));
    }
  } catch (e) {
    if (e instanceof GuestMemoryError) throw badInput( `cannot place the input at ${hex(loadedAt)}: ${e.message}`);
    throw e;
  }
  return {
    shimFile: files.shim,
    hostFile: files.host,
    loadedAt,
    headerAt: shim.persistedState.start,
    synthesizedHeader,
    result: boot({ shim, host, cmdline }, memory),
  };
}

/**
 * The decode's bump heap in words: how much of openhcl_boot's fixed decode heap the payload's
 * lists took, in how many allocations (the model of `restore_boot`'s decode in src/boot/bump-heap.ts).
 */
export function bumpHeapLines(h: BumpHeapStats): string[] {
  const pct = h.capacity === 0 ? 0 : (h.bytes * 100) / h.capacity;
  const used = `${h.bytes} of ${h.capacity} bytes (${pct < 10 ? pct.toFixed(1) : Math.round(pct)}%) in ${h.allocations} allocation${h.allocations === 1 ? '' : 's'}`;
  return [
    `  decode heap: ${used}`,
    h.exhausted ? '    EXHAUSTED: the payload needs more than the decode heap holds' : `    ${h.capacity - h.bytes} bytes left`,
  ];
}

function bootText(run: BootRun, pal: Palette): string {
  const r = run.result;
  const placed =
    run.synthesizedHeader === undefined
      ? `dump loaded at ${hex(run.loadedAt)}`
      : `payload placed at ${hex(run.synthesizedHeader.protobufBase)} under a header at ${hex(run.loadedAt)} (region 0x13000, as OpenHCL writes it)`;
  const lines = [
    pal.bold(`openhcl_boot (shim_params from ${displayName(run.shimFile)}, host_dt from ${displayName(run.hostFile)}; ${placed}; header read at ${hex(run.headerAt)}):`),
  ];
  if (run.headerAt !== run.loadedAt) lines.push(pal.yellow(`  note: the shim reads the header at ${hex(run.headerAt)}, not where the input was loaded (${hex(run.loadedAt)})`));
  if (r.path === 'panic') {
    lines.push(pal.red(`  PANIC on the ${r.attemptedPath} path [${r.panicKind}]`));
    lines.push(pal.red(`  openhcl_boot would panic: ${r.panic.split('\n').join('\n    ')}`));
    return lines.join('\n');
  }
  lines.push(
    r.path === 'persisted'
      ? pal.green(`  restored from persisted state (${r.reason})`)
      : pal.yellow(`  fresh boot, topology from the host (${r.reason})`),
  );
  const ranges = (list: { start: bigint; end: bigint }[]) => (list.length === 0 ? 'none' : list.map((x) => `${hex(x.start)}-${hex(x.end)}`).join(', '));
  lines.push(`  VTL2 RAM: ${r.vtl2Ram.map((e) => `${hex(e.range.start)}-${hex(e.range.end)} vnode ${e.vnode} ${igvmTypeName(e.memType) ?? e.memType}`).join(', ') || 'none'}`);
  lines.push(`  private pool: ${ranges(r.poolRanges)}; VTL0 MMIO: ${ranges(r.vtl0Mmio)}; VTL2 MMIO: ${ranges(r.vtl2Mmio)}`);
  lines.push(`  sidecar: ${r.sidecarAction}${r.sidecarExcludedCpus.length === 0 ? '' : ` (CPUs excluded: ${r.sidecarExcludedCpus.join(', ')})`}`);
  if (r.bumpHeap !== undefined) lines.push(...bumpHeapLines(r.bumpHeap));
  const map = r.openhclMemoryMap.map((n) => [
    `${hex(n.range.start)}-${hex(n.range.end)}`,
    vtlTypeName(n.vtlType) ?? String(n.vtlType),
    n.kind === 'memory' ? String(n.vnode) : '',
    n.kind === 'memory' ? (igvmTypeName(n.igvmType) ?? String(n.igvmType)) : '',
  ]);
  lines.push('  /openhcl memory map:', table(['range', 'type', 'vnode', 'igvm type'], map, '    '));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The command

/** `vtl2-persist inspect FILE [--base GPA] [--payload|--region] [--json] [--shim F --host F [--cmdline F]]`; returns the exit code. */
export function runInspect(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'inspect', () => {
    const { values, positionals } = parseCommandArgs(argv, {
      base: { type: 'string' },
      hex: { type: 'boolean' },
      payload: { type: 'boolean' },
      region: { type: 'boolean' },
      shim: { type: 'string' },
      host: { type: 'string' },
      cmdline: { type: 'string' },
      json: { type: 'boolean' },
      ...MAX_INPUT_OPTION,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return void io.stdout.write(`${INSPECT_USAGE}\n`), 0;
    const jsonKind = maxInputOption(values['max-input']);
    const file = onePositional(positionals, 'FILE');
    if (values.payload && values.region) throw usage('--payload and --region contradict each other');
    if ((values.shim === undefined) !== (values.host === undefined)) throw usage('--shim and --host go together (the boot emulation needs both)');
    if (values.cmdline !== undefined && values.shim === undefined) throw usage('--cmdline needs --shim and --host');
    const base = values.base === undefined ? undefined : gpaOption('base', values.base);
    const stdinUsers = [file, values.shim, values.host, values.cmdline].filter((f) => f === '-');
    if (stdinUsers.length > 1) throw usage('standard input (-) can be read only once');

    // Read every input before printing anything, so that a bad file is a clean exit 2.
    const raw = readBytes(file, io, values.hex ? HEX_INPUT : BINARY_INPUT);
    const bytes = values.hex ? hexInput(file, raw) : raw;
    let bootInputs: { shim: ShimParams; host: HostDt; cmdline: CmdlineOptions } | undefined;
    if (values.shim !== undefined && values.host !== undefined) {
      const shimFile = values.shim;
      const hostFile = values.host;
      const cmdFile = values.cmdline;
      const shimJson = readScenarioPart(shimFile, io, 'shim_params', WRAPPER_KEYS, jsonKind);
      const hostJson = readScenarioPart(hostFile, io, 'host_dt', WRAPPER_KEYS, jsonKind);
      const cmdJson = cmdFile === undefined ? {} : readScenarioPart(cmdFile, io, 'cmdline_options', WRAPPER_KEYS, jsonKind);
      bootInputs = {
        shim: parsePart(shimFile, () => parseShimParams(shimJson)),
        host: parsePart(hostFile, () => parseHostDt(hostJson)),
        cmdline: parsePart(cmdFile ?? '', () => parseCmdlineOptions(cmdJson)),
      };
    }

    const mode: InspectMode = values.payload ? 'payload' : values.region ? 'region' : 'auto';
    const inspection = inspectBytes(bytes, {
      file,
      mode,
      ...(base !== undefined && { base }),
      ...(bootInputs !== undefined && { shimBase: bootInputs.shim.persistedState.start }),
    });
    const run =
      bootInputs === undefined
        ? undefined
        : runBoot(inspection, bytes, bootInputs.shim, bootInputs.host, bootInputs.cmdline, { shim: values.shim!, host: values.host! });

    const pal = palette(io);
    if (values.json) {
      const json = inspectionToJson(inspection);
      if (run !== undefined) {
        json['boot_inputs'] = {
          shim: run.shimFile,
          host: run.hostFile,
          loaded_at: hex(run.loadedAt),
          header_read_at: hex(run.headerAt),
          synthesized_header: run.synthesizedHeader === undefined ? null : Buffer.from(encodeHeader(run.synthesizedHeader)).toString('hex'),
        };
        json['boot'] = bootResultToJson(run.result);
      }
      printJson(io.stdout, json);
    } else {
      printLines(io.stdout, inspectionLines(inspection, pal));
      if (run !== undefined) printLines(io.stdout, ['', bootText(run, pal)]);
    }
    const failed = inspection.findings.some((f) => f.severity === 'error') || run?.result.path === 'panic';
    return failed ? 1 : 0;
  });
}
