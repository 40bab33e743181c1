import type { BootResult, BootSuccess } from '../boot/boot.js';
import { openhclMapToJson } from '../boot/device-tree.js';
import { encodeHeader, HEADER_FIELDS, type HeaderRead } from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import { formatHex, formatSize, type MemoryRange } from '../memory/range.js';
import { MemoryVtlType, vtlTypeName } from '../memory/vtl-type.js';
import { bootResultToJson } from '../sim/result-json.js';
import { exampleAMap } from '../sim/examples.js';
import { SimulatedVm } from '../sim/runner.js';
import type { Scenario } from '../sim/scenario-file.js';
import { parseArgs } from 'node:util';
import { table } from './text.js';

export function demoState(): SavedState {
  return { ...exampleAMap(), cpusWithMappedInterruptsNoIo: [2], cpusWithOutstandingIo: [1] };
}

/**
 * The demo VM: x86, 2 NUMA nodes, 8 VPs, Host allocation mode (VTL2 RAM on
 * both nodes), the release heuristic private pool. The image layout is the
 * IGVM loader's default at 128 MiB (worked example A's).
 */
export const DEMO_VM = {
  "shim_params": {
    "isolation": "None",
    "memory_start": "0x8000000",
    "memory_size": "0x6000000",
    "persisted_state": {
      "start": "0x8000000",
      "end": "0x8200000"
    },
    "used": {
      "start": "0x8000000",
      "end": "0x8d8d000"
    },
    "parameter_region": {
      "start": "0x8c00000",
      "size": "0x16a000",
      "dt_page_index": 40,
      "dt_size_pages": 64
    },
    "vtl2_reserved_region": {
      "start": "0x8bfc000",
      "size": "0x4000"
    },
    "sidecar": {
      "base": "0x8400000",
      "size": "0x0"
    },
    "log_buffer": {
      "start": "0x8d6a000",
      "end": "0x8d6c000"
    },
    "heap": {
      "start": "0x8d6c000",
      "end": "0x8d7c000"
    }
  },
  "host_dt": {
    "memory": [
      {
        "range": {
          "start": "0x0",
          "end": "0x8000000"
        },
        "mem_type": "MEMORY",
        "vnode": 0
      },
      {
        "range": {
          "start": "0x8000000",
          "end": "0xe000000"
        },
        "mem_type": "VTL2_PROTECTABLE",
        "vnode": 0
      },
      {
        "range": {
          "start": "0xe000000",
          "end": "0x80000000"
        },
        "mem_type": "MEMORY",
        "vnode": 0
      },
      {
        "range": {
          "start": "0x100000000",
          "end": "0x200000000"
        },
        "mem_type": "MEMORY",
        "vnode": 0
      },
      {
        "range": {
          "start": "0x200000000",
          "end": "0x203000000"
        },
        "mem_type": "VTL2_PROTECTABLE",
        "vnode": 1
      },
      {
        "range": {
          "start": "0x203000000",
          "end": "0x400000000"
        },
        "mem_type": "MEMORY",
        "vnode": 1
      }
    ],
    "memory_allocation_mode": "Host",
    "vmbus_vtl0": {
      "mmio": [
        {
          "start": "0xf8000000",
          "end": "0xfc000000"
        },
        {
          "start": "0xfc0000000",
          "end": "0x1000000000"
        }
      ],
      "connection_id": 4
    },
    "vmbus_vtl2": {
      "mmio": [
        {
          "start": "0xf800000000",
          "end": "0xf808000000"
        }
      ],
      "connection_id": 8388724
    },
    "cpu_count": 8,
    "device_dma_page_count": null
  },
  "cmdline_options": {
    "enable_vtl2_gpa_pool": "release",
    "vtl2_gpa_pool_numa_split": false
  }
} as const;

/** CPU lists usermode saves (NVMe): CPU 1 has outstanding IO, CPUs 2 and 5 only mapped interrupts. */
export const DEMO_CPUS = { noIo: [2, 5], outstanding: [1] };

/** Everything the demo did, for both the human and the `--json` output. */
export interface DemoResult {
  first: BootResult;
  save: Record<string, unknown>;
  header: HeaderRead;
  restore: BootResult;
}

/**
 * Services the demo VM once, as OpenHCL does: a fresh boot, usermode's
 * servicing save (payload first, then the header), and the next boot.
 * `scenario` is the demo VM already parsed (`parseScenarioFile(DEMO_VM)`),
 * for callers that run many lifecycles; by default it is parsed here.
 */
export function runDemo(scenario?: Scenario): DemoResult {
  const vm = scenario === undefined ? SimulatedVm.fromJson(DEMO_VM) : new SimulatedVm(scenario);
  const first = vm.boot();
  const save = vm.save(DEMO_CPUS);
  const header = vm.header();
  const restore = vm.boot();
  return { first, save, header, restore };
}

/** What carried over from the first boot to the restore, item by item. */
export function carriedOver(r: DemoResult): { item: string; before: string; after: string; same: boolean }[] {
  if (r.first.path === 'panic' || r.restore.path === 'panic') return [];
  const ranges = (list: readonly MemoryRange[]) => list.map((x) => `${formatHex(x.start)}-${formatHex(x.end)}`).join(', ') || 'none';
  // The persisted span is the header page plus the payload region that follows it.
  const span = (b: BootSuccess) => {
    const header = b.memreserve.find((m) => m.type === 'PersistedStateHeader');
    const payload = b.memreserve.find((m) => m.type === 'PersistedStatePayload');
    return header && payload ? `${formatHex(header.range.start)}-${formatHex(payload.range.end)}` : 'none';
  };
  const rows: [string, string, string][] = [
    ['private pool', ranges(r.first.poolRanges), ranges(r.restore.poolRanges)],
    ['VTL0 MMIO', ranges(r.first.vtl0Mmio), ranges(r.restore.vtl0Mmio)],
    ['VTL2 MMIO', ranges(r.first.vtl2Mmio), ranges(r.restore.vtl2Mmio)],
    ['persisted span', span(r.first), span(r.restore)],
  ];
  return rows.map(([item, before, after]) => ({ item, before, after, same: before === after }));
}

/** The verdict: did the restore reproduce the first boot's view of memory? */
export function verdict(r: DemoResult): { ok: boolean; text: string } {
  if (r.first.path === 'panic') return { ok: false, text: `the first boot would panic: ${r.first.panic}` };
  if (r.restore.path === 'panic') return { ok: false, text: `openhcl_boot would panic on restore: ${r.restore.panic}` };
  if (r.restore.path !== 'persisted') return { ok: false, text: `the restore took the ${r.restore.path} path (${r.restore.reason})` };
  const sameMap = JSON.stringify(openhclMapToJson(r.first.openhclMemoryMap)) === JSON.stringify(openhclMapToJson(r.restore.openhclMemoryMap));
  const allSame = sameMap && carriedOver(r).every((c) => c.same);
  return allSame
    ? { ok: true, text: 'restored: the /openhcl memory map, the private pool, the MMIO and the persisted span are identical to the first boot\'s.' }
    : { ok: false, text: 'restored, but the memory map or a carried-over range differs from the first boot\'s.' };
}

/** The demo's machine-readable output. */
export function demoJson(r: DemoResult): unknown {
  return {
    first_boot: bootResultToJson(r.first),
    save: r.save,
    restore: bootResultToJson(r.restore),
    carried_over: carriedOver(r),
    verdict: verdict(r),
  };
}

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
export function runDemoCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): number {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (e) {
    io.stderr.write(`vtl2-persist demo: ${(e as Error).message}\nRun 'vtl2-persist demo --help' for usage.\n`);
    return 2;
  }
  if (values.help) return void io.stdout.write(`${DEMO_USAGE}\n`), 0;
  const result = runDemo();
  io.stdout.write(values.json ? `${JSON.stringify(demoJson(result), null, 2)}\n` : `${demoText(result)}\n`);
  return verdict(result).ok ? 0 : 1;
}
