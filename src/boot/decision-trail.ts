/**
 * The decision trail of one boot: every check openhcl_boot made, in upstream order, with what it
 * saw, ending in the path taken or the panic. The steps are recorded by the boot code itself
 * (`boot`'s optional recorder, passed down to `readPersistedHeader` and
 * `topologyFromPersistedState`), never re-derived, so the trail cannot disagree with the result.
 * The explorer page and the CLI render it.
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import { boot, type BootInputs, type BootResult } from './boot.js';

/** One check openhcl_boot made, in the order it made them. */
export interface TrailStep {
  /** Stable id of the check: one of {@link TrailCheck} (the keys of {@link TRAIL_CHECKS}). */
  check: TrailCheck;
  /** The question in words, e.g. 'Is the protobuf region inside the persisted-state region?' */
  question: string;
  /** 'pass' | 'fail' (the boot panicked here) | 'skip' (not asked on this path) | 'info' (a fact, e.g. "isolated: header ignored") */
  outcome: 'pass' | 'fail' | 'skip' | 'info';
  /** What was seen: values, e.g. 'region 0x8001000..0x8014000 within 0x8000000..0x8200000'. */
  detail: string;
}

/** The trail and the result: the last step is the verdict. */
export interface BootTrail {
  /** What `boot` returned (deep-equal to a run without the recorder). */
  result: BootResult;
  /** The checks in the order they were made; after a panic the last one is the failed check. */
  steps: TrailStep[];
  /** Where the boot ended. */
  verdict: {
    /** The path taken, or `panic`. */
    path: 'persisted' | 'host' | 'panic';
    /** "openhcl_boot would panic: …", "restored from persisted state (valid magic)" or "fresh boot, topology from the host (no magic)". */
    text: string;
  };
}

/** Id of one check a boot can make (the keys of {@link TRAIL_CHECKS}, in its order). */
export type TrailCheck =
  | 'host_dt'
  | 'isolation'
  | 'magic'
  | 'region_range'
  | 'region_contained'
  | 'payload_fits'
  | 'decoded'
  | 'cpu_lists'
  | 'vtl2_ram_merged'
  | 'host_ram_match'
  | 'header_entry'
  | 'protobuf_entry'
  | 'header_adjacent'
  | 'persisted_span'
  | 'pool_ranges'
  | 'mmio_ranges'
  | 'vtl2_ram'
  | 'mmio'
  | 'fresh_span'
  | 'address_space'
  | 'vmbus_nodes'
  | 'private_pool'
  | 'e820'
  | 'openhcl_map'
  | 'sidecar';

/**
 * Every check a boot can make and its question, in upstream order: the common start, the restore
 * path (`topology_from_persisted_state`, numbered as in persisted.ts), the fresh path
 * (`topology_from_host_dt`), then what both do with the topology (`read_from_dt`'s tail and
 * `shim_main`). The order is what names a failed check: a panic belongs to the first check of
 * the path after the last one that was recorded.
 */
export const TRAIL_CHECKS: Readonly<Record<TrailCheck, string>> = {
  host_dt: 'Does the host device tree parse (CPUs, memory, VMBus MMIO)?',
  isolation: 'Is the partition not isolated, so that the persisted header is read at all?',
  magic: 'Does the header start with the OHCLPHDR magic?',
  // Restore path.
  region_range: 'Is protobuf_base..protobuf_base + protobuf_region_len a valid page-aligned range?',
  region_contained: 'Is the protobuf region inside the persisted-state region?',
  payload_fits: 'Is protobuf_payload_len at most protobuf_region_len?',
  decoded: 'Does the payload decode as a SavedState within the decode heap?',
  cpu_lists: 'Do the CPU lists fit the sidecar exclusion list?',
  vtl2_ram_merged: 'Do the saved VTL2 RAM entries merge into at most 64 ranges, sorted and disjoint?',
  host_ram_match: 'In Host allocation mode, does the saved VTL2 RAM equal the host-provided VTL2 RAM?',
  header_entry: 'Does the saved memory map hold a VTL2_PERSISTED_STATE_HEADER entry?',
  protobuf_entry: 'Does the saved memory map hold a VTL2_PERSISTED_STATE_PROTOBUF entry?',
  header_adjacent: 'Does the saved header entry end where the protobuf region starts?',
  persisted_span: 'Is the persisted span (header entry start .. protobuf entry end) a valid range?',
  pool_ranges: 'Do the saved private-pool ranges fit (at most one per NUMA node)?',
  mmio_ranges: 'Do the saved VTL0 and VTL2 MMIO lists fit (at most 2 each)?',
  // Fresh path.
  vtl2_ram: 'Can VTL2 RAM be taken from the host memory map?',
  mmio: 'Can the VTL0 and VTL2 MMIO be chosen from the host VMBus ranges?',
  fresh_span: 'Does the persisted state region hold the header page and payload region?',
  // Both paths, in each path's place.
  address_space: 'Can the address space be built from VTL2 RAM, the persisted span, config, log buffer and pool without conflict?',
  vmbus_nodes: 'Does the host device tree have both VMBus nodes?',
  private_pool: 'Can the VTL2 private pool be allocated?',
  e820: "Does the kernel's E820 map build?",
  openhcl_map: 'Does the /openhcl memory map for usermode build?',
  sidecar: 'What does sidecar start-up do with the CPUs that still have device interrupts or IO?',
};

/**
 * What the boot code calls as it makes each check: after the check passed, or when a check does
 * not apply (`skip`) or is a fact (`info`). A failed check is never reported by the boot code: it
 * panics, and {@link bootWithTrail} names the check from the order.
 */
export type TrailRecorder = (check: TrailCheck, outcome: 'pass' | 'skip' | 'info', detail: string) => void;

const COMMON: readonly TrailCheck[] = ['host_dt', 'isolation', 'magic'];
const TAIL: readonly TrailCheck[] = ['e820', 'openhcl_map', 'sidecar'];
const PATH_CHECKS: Readonly<Record<'persisted' | 'host', readonly TrailCheck[]>> = {
  persisted: [
    ...COMMON,
    'region_range',
    'region_contained',
    'payload_fits',
    'decoded',
    'cpu_lists',
    'vtl2_ram_merged',
    'host_ram_match',
    'header_entry',
    'protobuf_entry',
    'header_adjacent',
    'persisted_span',
    'pool_ranges',
    'mmio_ranges',
    'address_space',
    'vmbus_nodes',
    ...TAIL,
  ],
  host: [...COMMON, 'vtl2_ram', 'mmio', 'fresh_span', 'address_space', 'private_pool', ...TAIL],
};

/** The checks of one path in the order `boot` makes them (`persisted`: the restore path, `host`: the fresh path). */
export function pathChecks(path: 'persisted' | 'host'): readonly TrailCheck[] {
  return PATH_CHECKS[path];
}

/** Runs `boot` and records each check it made, in upstream order. */
export function bootWithTrail(inputs: BootInputs, memory: GuestMemory): BootTrail {
  const steps: TrailStep[] = [];
  const result = boot(inputs, memory, (check, outcome, detail) => steps.push({ check, question: TRAIL_CHECKS[check], outcome, detail }));
  if (result.path === 'panic') {
    // The boot stopped inside the check after the last one it recorded.
    const order = PATH_CHECKS[result.attemptedPath];
    const last = steps.length === 0 ? -1 : order.indexOf(steps[steps.length - 1]!.check as TrailCheck);
    const check = order[last + 1] ?? order[order.length - 1]!;
    steps.push({ check, question: TRAIL_CHECKS[check], outcome: 'fail', detail: result.panic });
    return { result, steps, verdict: { path: 'panic', text: `openhcl_boot would panic: ${result.panic}` } };
  }
  const text = result.path === 'persisted' ? `restored from persisted state (${result.reason})` : `fresh boot, topology from the host (${result.reason})`;
  return { result, steps, verdict: { path: result.path, text } };
}
