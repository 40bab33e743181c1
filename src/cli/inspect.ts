/**
 * `vtl2-persist inspect FILE`: a firmware engineer's view of a persisted-state
 * region dump (header page first) or of a bare payload — the header annotated
 * byte by byte, everything about it that openhcl_boot would trip over, the
 * decoded topology, the payload's raw wire structure under the mesh rules, and
 * (with `--shim`/`--host`) what the emulated openhcl_boot does with it.
 * This file holds the command and the boot emulation; what is found out about
 * the input is src/boot/inspection.ts, how it is shown src/cli/inspect-render.ts.
 */
import { boot, type BootResult } from '../boot/boot.js';
import type { BumpHeapStats } from '../boot/bump-heap.js';
import { InputError, parseCmdlineOptions, parseHostDt, parseShimParams } from '../boot/inputs.js';
import { inspectBytes, type Inspection, type InspectMode } from '../boot/inspection.js';
import type { CmdlineOptions, HostDt, ShimParams } from '../boot/types.js';
import { HEADER_PAGE_SIZE, PERSISTED_STATE_MAGIC, encodeHeader, type PersistedStateHeader } from '../format/header.js';
import { GuestMemory, GuestMemoryError } from '../memory/guest-memory.js';
import { formatHex as hex } from '../memory/range.js';
import { igvmTypeName, vtlTypeName } from '../memory/vtl-type.js';
import { bootResultToJson } from '../sim/result-json.js';
import { PAYLOAD_REGION_LEN } from '../usermode/region-image.js';
import { gpaOption, onePositional, parseCommandArgs } from './args.js';
import { palette, type Palette } from './kit/palette.js';
import { badInput, displayName, readBytes, readJson, runGuarded, usage, type Io } from './io.js';
import { BINARY_INPUT, HEX_INPUT, MAX_INPUT_OPTION, hexInput, maxInputOption, type InputKind } from './kit/input.js';
import { printJson, printLines } from './kit/output.js';
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
