/**
 * The panics of the restore path (`topology_from_persisted_state`, `openhcl_boot`
 * `host_params/dt/mod.rs`), one function per check, in upstream order. Each text is built here
 * and only here: the boot shim (persisted.ts) throws these panics and the inspector
 * (inspection.ts) quotes the same texts, so what `inspect` predicts and what `boot` does cannot
 * drift apart.
 */
import type { DecodeError } from '../format/codec-error.js';
import { MemoryRangeError } from '../memory/range.js';
import { igvmTypeName } from '../memory/vtl-type.js';
import type { Vtl2RamEntry } from './host-ram.js';
import { BootPanic } from './panic.js';

/**
 * 7.1: the assertion `MemoryRange::new` fails on when the protobuf region's start or end is not
 * page aligned (the text is the range primitive's own, the one `boot` prints).
 */
export function regionUnalignedText(bound: 'start' | 'end'): string {
  return new MemoryRangeError(bound === 'start' ? 'range_start_unaligned' : 'range_end_unaligned', '').assertion;
}

/**
 * 7.2: the protobuf region must lie inside the persisted-state region. `region` and
 * `persistedState` are the ranges as Rust's `{:#?}` prints them (`debugRange`); the inspector,
 * which has no shim to name the second, passes an elision.
 */
export function regionNotContainedPanic(region: string, persistedState: string): BootPanic {
  return new BootPanic('protobuf_region_not_contained', `protobuf region ${region} is not contained within the persisted state region ${persistedState}`);
}

/** 7.3: the header's payload length must not exceed its region length (decimal, as upstream's `{}`). */
export function payloadLenPanic(payloadLen: bigint, regionLen: bigint): BootPanic {
  return new BootPanic('payload_len_gt_region_len', `protobuf payload len ${payloadLen} is larger than region len ${regionLen}`);
}

/**
 * 7.4: the text openhcl_boot prints for a payload mesh_protobuf rejects. Upstream
 * `.expect("failed to decode protobuf")` prints the error's Debug form, whose `types` list is
 * always empty for a top-level `SavedState` decode.
 */
export function decodePanicText(e: DecodeError): string {
  return `failed to decode protobuf: Error(ErrorInner { types: [], err: ${e.meshVariant} })`;
}

/** 7.4 as the panic {@link decodePanicText} is the text of. */
export function decodeFailedPanic(e: DecodeError): BootPanic {
  return new BootPanic('protobuf_decode_failed', decodePanicText(e));
}

/**
 * 7.5, 7.7, 7.12, 7.13: an `ArrayVec` overflowing its fixed capacity. These lists are filled with
 * `extend`/`collect` (the VTL2 RAM list is `vtl2_ram.extend(...)`), whose panic is arrayvec's
 * fixed text; no vector pins the text for the pool, MMIO and CPU lists, so the same text is
 * inferred there. The text names no list, hence the explicit kind.
 */
export function capacityPanic(): BootPanic {
  return new BootPanic('capacity_exceeded', 'ArrayVec: capacity exceeded in extend/from_iter');
}

/**
 * 7.8: in Host mode the merged saved VTL2 RAM must equal the host's; upstream `assert_eq!` with
 * a message, both sides printed with `{:?}`.
 */
export function vtl2RamMismatchPanic(saved: readonly Vtl2RamEntry[], host: readonly Vtl2RamEntry[]): BootPanic {
  return new BootPanic(
    'vtl2_ram_mismatch',
    'assertion `left == right` failed: vtl2 ram from persisted state does not match host provided ram\n' +
      `  left: ${debugEntries(saved)}\n right: ${debugEntries(host)}`,
  );
}

/** 7.9: the saved memory map has no `VTL2_PERSISTED_STATE_HEADER` entry. */
export function headerEntryMissingPanic(): BootPanic {
  return new BootPanic('persisted_header_missing', 'persisted state header missing');
}

/** 7.9: the saved memory map has no `VTL2_PERSISTED_STATE_PROTOBUF` entry. */
export function protobufEntryMissingPanic(): BootPanic {
  return new BootPanic('persisted_protobuf_missing', 'persisted state protobuf region missing');
}

/**
 * 7.10: the saved header entry must end where the protobuf region starts. A bare `assert_eq!`
 * (no custom message), so the text is the assertion line and both sides in decimal.
 */
export function headerNotAdjacentPanic(headerEnd: bigint, regionStart: bigint): BootPanic {
  return new BootPanic('header_end_ne_region_start', `assertion \`left == right\` failed\n  left: ${headerEnd}\n right: ${regionStart}`);
}

/** `[MemoryEntry { range: MemoryRange { start: 134217728, end: 201326592 }, mem_type: VTL2_PROTECTABLE, vnode: 0 }]`, as Rust's `{:?}` prints the list. */
function debugEntries(entries: readonly Vtl2RamEntry[]): string {
  const one = (e: Vtl2RamEntry) =>
    `MemoryEntry { range: MemoryRange { start: ${e.range.start}, end: ${e.range.end} }, mem_type: ${igvmTypeName(e.memType) ?? `MemoryMapEntryType(${e.memType})`}, vnode: ${e.vnode} }`;
  return `[${entries.map(one).join(', ')}]`;
}
