/**
 * The demo lifecycle as a library: one VM (`DEMO_VM`) booted fresh, serviced
 * (usermode's save, payload then header) and booted again, with the checks
 * that decide whether the restore reproduced the first boot. `vtl2-persist
 * demo` renders this result; tests and benchmarks call `runDemo` directly.
 */
import type { BootResult, BootSuccess } from '../boot/boot.js';
import { openhclMapToJson } from '../boot/device-tree.js';
import type { HeaderRead } from '../format/header.js';
import type { SavedState } from '../format/saved-state.js';
import { formatHex, type MemoryRange } from '../memory/range.js';
import { bootResultToJson } from './result-json.js';
import { exampleAMap } from './examples.js';
import { SimulatedVm } from './runner.js';
import type { Scenario } from './scenario-file.js';

/**
 * The saved state the codec commands' examples use: example A's `/openhcl`
 * map with CPU 2 having mapped interrupts and CPU 1 outstanding IO, so that
 * both CPU lists of the payload are non-empty.
 */
export function demoState(): SavedState {
  return { ...exampleAMap(), cpusWithMappedInterruptsNoIo: [2], cpusWithOutstandingIo: [1] };
}

/**
 * A VM's boot inputs as a scenario file spells them (docs/scenario-format.md): the three
 * objects every boot step starts from, with u64 values as hex strings.
 */
export interface VmInputsJson {
  /** The image layout the IGVM loader gave the boot shim (upstream `ShimParams`). */
  readonly shim_params: Readonly<Record<string, unknown>>;
  /** The host device tree openhcl_boot parses: memory map, allocation mode, VMBus, CPUs. */
  readonly host_dt: Readonly<Record<string, unknown>>;
  /** The boot command-line options that shape the private pool and sidecar. */
  readonly cmdline_options: Readonly<Record<string, unknown>>;
}

/**
 * The demo VM: x86, 2 NUMA nodes, 8 VPs, Host allocation mode (VTL2 RAM on
 * both nodes), the release heuristic private pool. The image layout is the
 * IGVM loader's default at 128 MiB (worked example A's).
 */
export const DEMO_VM: VmInputsJson = {
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
};

/** CPU lists usermode saves (NVMe): CPU 1 has outstanding IO, CPUs 2 and 5 only mapped interrupts. */
export const DEMO_CPUS: {
  /** CPUs with mapped device interrupts and no IO in flight (the payload's `cpus_with_mapped_interrupts_no_io`). */
  noIo: number[];
  /** CPUs whose queues still have IO in flight (the payload's `cpus_with_outstanding_io`). */
  outstanding: number[];
} = { noIo: [2, 5], outstanding: [1] };

/** Everything the demo did, for both the human and the `--json` output. */
export interface DemoResult {
  /** The first boot: no header in memory yet, so the host path. */
  first: BootResult;
  /** Usermode's servicing save, in the scenario result's JSON form (lengths, addresses, payload hex). */
  save: Record<string, unknown>;
  /** The 32-byte header as the save left it in memory, read back. */
  header: HeaderRead;
  /** The boot after servicing, which should take the persisted path. */
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
export function carriedOver(r: DemoResult): {
  /** What is compared: `private pool`, `VTL0 MMIO`, `VTL2 MMIO` or `persisted span`. */
  item: string;
  /** The first boot's ranges as `start-end` hex, comma-separated (`none` if empty). */
  before: string;
  /** The restore's ranges, in the same form. */
  after: string;
  /** Whether `before` and `after` are the same text. */
  same: boolean;
}[] {
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
export function verdict(r: DemoResult): {
  /** True only if the restore took the persisted path and reproduced everything compared. */
  ok: boolean;
  /** One sentence saying why, as the demo prints it. */
  text: string;
} {
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
