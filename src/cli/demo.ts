import type { BootResult } from '../boot/boot.js';
import { encodeHeader, HEADER_FIELDS, type HeaderRead } from '../format/header.js';
import { formatHex, formatSize } from '../memory/range.js';
import { MemoryVtlType, vtlTypeName } from '../memory/vtl-type.js';
import { carriedOver, demoJson, runDemo, verdict, type DemoResult } from '../sim/demo.js';
import { parseCommandArgs } from './args.js';
import { runGuarded, type Io } from './io.js';
import { printJson, printLines } from './kit/output.js';
import { table } from './text.js';

// The lifecycle itself lives in src/sim/demo.ts (the package root exports it); this file renders it.
export { DEMO_CPUS, DEMO_VM, carriedOver, demoJson, demoState, runDemo, verdict, type DemoResult } from '../sim/demo.js';

/** The demo's human-readable output. */
export function demoText(r: DemoResult): string {
  const out = ['vtl2-persist demo: one VM serviced once (x86, 2 NUMA nodes, 8 VPs, Host mode, heuristic private pool)', ''];
  out.push(`1. First boot: ${r.first.path === 'panic' ? 'PANIC' : r.first.reason}, so openhcl_boot builds the topology from the host.`);
  out.push(...bootText(r.first));
  const h = r.header.header;
  out.push(
    '',
    `2. Servicing save: usermode writes the payload (${String(r.save['payload_len'])} bytes) at ${String(r.save['payload_written_at'])}, ` +
      `then the 32-byte header at ${String(r.save['header_written_at'])}:`,
    table(['offset', 'field', 'value', 'meaning'], headerRows(r.header), '   '),
    `   bytes in memory: ${Buffer.from(encodeHeader(h)).toString('hex').replace(/(.{16})(?!$)/g, '$1 ')}`,
    `   payload: ${formatSize(h.protobufPayloadLen)} of its ${formatSize(h.protobufRegionLen)} region ` +
      `(${((Number(h.protobufPayloadLen) * 100) / Number(h.protobufRegionLen)).toFixed(1)}% used)`,
    '',
    `3. Next boot: ${r.restore.path === 'panic' ? 'PANIC' : r.restore.reason}, so openhcl_boot restores the topology from persisted state.`,
  );
  out.push(...bootText(r.restore));
  if (r.restore.path !== 'panic') {
    out.push(
      '   carried over:',
      table(['', 'first boot', 'after restore', ''], carriedOver(r).map((c) => [c.item, c.before, c.after, c.same ? 'same' : 'DIFFERENT']), '     '),
      `   sidecar: CPUs ${r.restore.sidecarExcludedCpus.join(', ') || 'none'} start in the kernel (${r.restore.sidecarAction}), because they still have device interrupts or IO.`,
    );
  }
  const v = verdict(r);
  out.push('', `Verdict: ${v.text}`);
  return out.join('\n');
}

/** A boot's outcome as table lines: the VTL2 part of its /openhcl map (range, size, type, vnode). */
function bootText(b: BootResult): string[] {
  if (b.path === 'panic') return [`   openhcl_boot would panic [${b.panicKind}]: ${b.panic}`];
  const rows = b.openhclMemoryMap
    .filter((n) => n.kind === 'memory' && n.vtlType !== MemoryVtlType.VTL0)
    .map((n) => [`${formatHex(n.range.start)}-${formatHex(n.range.end)}`, formatSize(n.range.len), vtlTypeName(n.vtlType) ?? String(n.vtlType), n.kind === 'memory' ? String(n.vnode) : '']);
  return ['   VTL2 memory map:', table(['range', 'size', 'type', 'vnode'], rows, '     ')];
}

function headerRows(read: HeaderRead): string[][] {
  const h = read.header;
  return HEADER_FIELDS.map((f) => {
    const v = h[f.key];
    const note =
      f.key === 'magic'
        ? `"${Buffer.from(encodeHeader(h).subarray(0, 8)).toString('latin1')}" (${read.status === 'valid' ? 'valid magic' : read.status})`
        : f.key === 'protobufPayloadLen'
          ? `${formatSize(v)} encoded`
          : f.key === 'protobufRegionLen'
            ? formatSize(v)
            : f.meaning;
    return [`0x${f.offset.toString(16).padStart(2, '0')}`, f.name, formatHex(v), note];
  });
}

/** `vtl2-persist demo --help`. */
export const DEMO_USAGE = `Usage: vtl2-persist demo [--json]

Services one simulated VM once and shows what happens: x86, 2 NUMA nodes,
8 VPs, Host allocation mode, the release heuristic private pool. The first
boot finds no persisted header and builds the topology from the host;
usermode's servicing save writes the payload and then the 32-byte header; the
next boot finds the magic and restores the topology from them. Prints the VTL2
memory map after each boot, the header field by field, the payload against its
region, what carried over, and a verdict. Exits 1 if the restore does not
reproduce the first boot's memory map, pool, MMIO and persisted span.

Options:
  --json    Print {first_boot, save, restore, carried_over, verdict}.
  -h, --help`;

/** Runs `vtl2-persist demo` with the arguments after `demo`; returns the exit code. */
export function runDemoCommand(argv: readonly string[], io: Io): number {
  return runGuarded(io, 'demo', () => {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
    if (values.help) return void io.stdout.write(`${DEMO_USAGE}\n`), 0;
    const result = runDemo();
    if (values.json) printJson(io.stdout, demoJson(result));
    else printLines(io.stdout, [demoText(result)]);
    return verdict(result).ok ? 0 : 1;
  });
}
