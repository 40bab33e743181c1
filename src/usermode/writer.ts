/**
 * The persisted-state writer: usermode's `write_persisted_info` (`underhill_core`
 * `loader/vtl2_config/mod.rs`), run once per
 * servicing save. It encodes the `/openhcl` map it parsed at start-up plus the NVMe interrupt
 * CPU lists, writes the payload into the protobuf region and only then writes the 32-byte
 * header, so the next boot shim finds a valid magic only after the payload is in place.
 *
 * The two stores are planned first ({@link planSave}) and applied one by one
 * ({@link writePersistedState}), so a caller can stop the machine before, between or inside
 * them to model torn writes (docs/servicing-walkthrough.md#what-a-torn-write-does).
 */
import { ArgumentError, Vtl2PersistError, expectArray, expectObject } from '../errors.js';
import { encodeHeader, encodeSavedState, PERSISTED_STATE_MAGIC, type PersistedStateHeader, type SavedState } from '../format/index.js';
import { GuestMemory } from '../memory/guest-memory.js';
import { formatHex, type MemoryRange } from '../memory/range.js';
import { MemoryVtlType } from '../memory/vtl-type.js';
import type { ParsedOpenhclMap } from './openhcl-map.js';

/**
 * The NVMe interrupt state the writer persists (upstream `nvme_interrupt_state`): CPUs with mapped interrupts
 * but no outstanding IO (field 3) and CPUs with outstanding IO (field 4).
 */
export interface SaveCpuLists {
  /** Field 3, `cpus_with_mapped_interrupts_no_io`: CPUs with mapped device interrupts and no IO in flight. */
  noIo: readonly number[];
  /** Field 4, `cpus_with_outstanding_io`: CPUs whose queues still have IO in flight. */
  outstanding: readonly number[];
}

/**
 * Builds the `SavedState` usermode persists (the state `write_persisted_info` encodes):
 * - `partitionMemory` = every memory entry of the map, in map order (sorted by start);
 * - `partitionMmio` = every MMIO entry in map order, Vtl0 → VTL0_MMIO (5), Vtl2 → VTL2_MMIO (6);
 * - the CPU lists exactly as given.
 *
 * The CPU lists are neither sorted, de-duplicated nor made disjoint. Upstream's
 * `nvme_interrupt_state` already yields sorted, de-duplicated, disjoint lists, but a
 * scenario's save step states the lists explicitly, and the vectors encode them verbatim
 * (worked example B saves no_io [0, 3] with outstanding [3]: both 3s are in the payload). The
 * reader takes the sorted union anyway (`topology_from_persisted_state`).
 */
export function buildSavedState(parsed: ParsedOpenhclMap, cpus: SaveCpuLists): SavedState {
  expectSaveArguments('buildSavedState', parsed, cpus);
  const state: SavedState = { partitionMemory: [], partitionMmio: [], cpusWithMappedInterruptsNoIo: [...cpus.noIo], cpusWithOutstandingIo: [...cpus.outstanding] };
  for (const e of parsed.partitionMemoryMap) {
    const range = { start: e.range.start, end: e.range.end };
    if (e.kind === 'memory') {
      state.partitionMemory.push({ range, vnode: e.vnode, vtlType: e.vtlType, igvmType: e.igvmType });
    } else {
      // Usermode holds `Vtl::Vtl0` / `Vtl::Vtl2`; the parser admitted only those two types.
      const vtlType = e.vtlType === MemoryVtlType.VTL0_MMIO ? MemoryVtlType.VTL0_MMIO : MemoryVtlType.VTL2_MMIO;
      state.partitionMmio.push({ range, vtlType });
    }
  }
  return state;
}

/** One memory store of a save, in the order it must happen. */
export interface PlannedStore {
  /** Which of the two writes this is. */
  what: 'payload' | 'header';
  /** Where the bytes go. */
  gpa: bigint;
  /** The bytes, complete. */
  bytes: Uint8Array;
  /**
   * The range usermode maps through `/dev/mem` for this store. A store that does not fit it
   * fails its bounds check before writing a byte.
   */
  mapping: MemoryRange;
}

/** Everything a save will do, computed before any byte is written. */
export interface SavePlan {
  /** The state being persisted. */
  state: SavedState;
  /** Its mesh_protobuf encoding. */
  payload: Uint8Array;
  /** The header that makes the payload visible to the next boot shim. */
  header: PersistedStateHeader;
  /** `[payload store, header store]`: payload first, header second (as `write_persisted_info` does). */
  stores: [PlannedStore, PlannedStore];
}

/** Stable reasons a {@link PersistedStateWriteError} is thrown. */
export type PersistedStateWriteErrorCode = 'payload_too_large' | 'header_too_large' | 'memory_write_failed';

/**
 * `write_persisted_info` failed. As upstream, every failure is wrapped as "failed to write
 * persisted info"; `message` is the whole `anyhow` chain (`{:#}`), outermost first, and
 * `context` holds its links. Servicing then fails non-destructively (upstream `handle_servicing_inner` resumes the drivers).
 */
export class PersistedStateWriteError extends Vtl2PersistError {
  declare readonly code: PersistedStateWriteErrorCode;
  /** The error chain, outermost first: `["failed to write persisted info", …]`. */
  readonly context: readonly string[];
  /** Which store failed. */
  readonly what: 'payload' | 'header';
  /** Stores fully applied before the failure (0 when the payload store failed). */
  readonly storesApplied: number;

  constructor(code: PersistedStateWriteErrorCode, what: 'payload' | 'header', inner: readonly string[], storesApplied: number, cause?: unknown) {
    const context = ['failed to write persisted info', ...inner];
    super(code, context.join(': '));
    this.context = context;
    this.what = what;
    this.storesApplied = storesApplied;
    if (cause !== undefined) this.cause = cause;
  }
}

/** The upstream context text of each store's write. */
const STORE_CONTEXT = {
  payload: 'failed to write persisted state protobuf',
  header: 'failed to write persisted state header',
} as const;

/**
 * Plans a save: builds and encodes the state, builds the header (magic, `protobuf_base` =
 * region start, `protobuf_region_len` = region length, `protobuf_payload_len` = encoded
 * length), and lists the two stores in upstream order. Pure: touches no memory.
 */
export function planSave(parsed: ParsedOpenhclMap, cpus: SaveCpuLists): SavePlan {
  expectSaveArguments('planSave', parsed, cpus);
  const state = buildSavedState(parsed, cpus);
  const payload = encodeSavedState(state);
  const region = parsed.vtl2PersistedProtobufRegion;
  const headerRange = parsed.vtl2PersistedHeader;
  const header: PersistedStateHeader = {
    magic: PERSISTED_STATE_MAGIC,
    protobufBase: region.start,
    protobufRegionLen: region.len,
    protobufPayloadLen: BigInt(payload.length),
  };
  return {
    state,
    payload,
    header,
    stores: [
      { what: 'payload', gpa: region.start, bytes: payload, mapping: region },
      { what: 'header', gpa: headerRange.start, bytes: encodeHeader(header), mapping: headerRange },
    ],
  };
}

/**
 * What a hook wants done with the next store: apply it (`'write'`, the default), stop the
 * machine before it (`'stop'`), or apply only its first `tornAfter` bytes and stop (a store torn by
 * a crash). Bounds checks happen before the hook is asked, as upstream checks before writing.
 */
export type StoreAction =
  | 'write'
  | 'stop'
  | {
      /** Bytes of the store to apply before the machine stops (fewer than its length). */
      tornAfter: number;
    };

/** Options of {@link writePersistedState}. */
export interface WritePersistedStateOptions {
  /** Write the payload and stop before the header (scenario `crash_before_header`). */
  crashBeforeHeader?: boolean;
  /** Called before each store (after its bounds check); see {@link StoreAction}. */
  onStore?: (store: PlannedStore, index: number) => StoreAction | undefined | void;
}

/** One store as applied. */
export interface AppliedStore {
  /** Which of the save's two stores: the payload (first) or the header (second). */
  what: 'payload' | 'header';
  /** GPA the store starts at. */
  gpa: bigint;
  /** Bytes actually written (less than the store's length when torn). */
  written: number;
}

/** The outcome of a save that did not fail. */
export interface SaveResult {
  /** The encoded payload (whether or not it reached memory). */
  payload: Uint8Array;
  /** Where the payload was written, or null if the machine stopped before writing any of it. */
  payloadWrittenAt: bigint | null;
  /** The 32 header bytes if the header store was applied in full, else null. */
  header: Uint8Array | null;
  /** Where the header was written, or null when `header` is null. */
  headerWrittenAt: bigint | null;
  /** The stores applied, in order, including a torn last one. */
  applied: AppliedStore[];
  /** True iff both stores were applied in full. */
  complete: boolean;
}

/**
 * Upstream `write_persisted_info`: applies the planned stores in order, the
 * payload at the start of the protobuf region and then the 32-byte header at the header range
 * start. Nothing else is touched: bytes after the payload keep their old content, and the rest
 * of the header page is left alone.
 *
 * Each store is bounds-checked against its mapped range before any of its bytes move, so a
 * payload larger than its region fails with nothing written. A header range under 32 bytes
 * fails only after the payload is written, as upstream maps the header second.
 *
 * @throws {PersistedStateWriteError} `payload_too_large` ("failed to write persisted info:
 *   failed to write persisted state protobuf: …"), `header_too_large`, or
 *   `memory_write_failed` when guest memory refuses a store (unbacked or out of range).
 */
export function writePersistedState(
  memory: GuestMemory,
  parsed: ParsedOpenhclMap,
  cpus: SaveCpuLists,
  options: WritePersistedStateOptions = {},
): SaveResult {
  if (!(memory instanceof GuestMemory)) throw new ArgumentError('writePersistedState(memory)', 'a GuestMemory', memory);
  expectSaveArguments('writePersistedState', parsed, cpus);
  if (typeof options !== 'object' || options === null) throw new ArgumentError('writePersistedState(options)', 'an options object', options);
  const plan = planSave(parsed, cpus);
  const result: SaveResult = {
    payload: plan.payload,
    payloadWrittenAt: null,
    header: null,
    headerWrittenAt: null,
    applied: [],
    complete: false,
  };
  for (const [index, store] of plan.stores.entries()) {
    if (store.what === 'header' && options.crashBeforeHeader === true) return result;
    if (BigInt(store.bytes.length) > store.mapping.len) {
      throw new PersistedStateWriteError(
        store.what === 'payload' ? 'payload_too_large' : 'header_too_large',
        store.what,
        [
          STORE_CONTEXT[store.what],
          `${store.bytes.length} bytes do not fit the ${formatHex(store.mapping.len)}-byte range ${store.mapping.toString()}`,
        ],
        index,
      );
    }
    const action = options.onStore?.(store, index) ?? 'write';
    if (action === 'stop') return result;
    const n = action === 'write' ? store.bytes.length : Math.max(0, Math.min(store.bytes.length, Math.trunc(action.tornAfter)));
    try {
      memory.write(store.gpa, n === store.bytes.length ? store.bytes : store.bytes.subarray(0, n));
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new PersistedStateWriteError('memory_write_failed', store.what, [STORE_CONTEXT[store.what], detail], index, err);
    }
    result.applied.push({ what: store.what, gpa: store.gpa, written: n });
    if (store.what === 'payload') result.payloadWrittenAt = store.gpa;
    if (n < store.bytes.length) return result;
    if (store.what === 'header') {
      result.header = store.bytes;
      result.headerWrittenAt = store.gpa;
    }
  }
  result.complete = true;
  return result;
}

/**
 * The scenario runner's error text for a save step whose most recent boot panicked (or that
 * has no boot before it), exactly as the vectors record it. It is not an upstream message:
 * with no running instance there is no usermode to run the writer.
 */
export const NO_RUNNING_INSTANCE_ERROR = 'no running instance (previous boot panicked or none)';

/** The scenario-format output of a save step that ran (docs/scenario-format.md#save-results). */
export type SaveStepJson = {
  /** Always `save`: the step this result belongs to. */
  op: 'save';
  /** The encoded payload, lowercase hex, whether or not it reached memory. */
  payload_hex: string;
  /** Payload length in bytes. */
  payload_len: number;
  /** GPA the payload was written at, hex; null if the machine stopped before any of it. */
  payload_written_at: string | null;
  /** Null after `crash_before_header` (or any stop before the header store completed). */
  header_hex: string | null;
  /** GPA of the header store, hex; null if it did not complete. */
  header_written_at: string | null;
};

/** The scenario-format output of a save step that could not run or failed. */
export type SaveStepErrorJson = {
  /** Always `save`: the step this result belongs to. */
  op: 'save';
  /** Why the save could not run (e.g. no running instance) or failed (e.g. payload larger than its region). */
  error: string;
};

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** A {@link SaveResult} in the vectors' save-step shape. */
export function saveResultToJson(result: SaveResult): SaveStepJson {
  return {
    op: 'save',
    payload_hex: toHex(result.payload),
    payload_len: result.payload.length,
    payload_written_at: result.payloadWrittenAt === null ? null : formatHex(result.payloadWrittenAt),
    header_hex: result.header === null ? null : toHex(result.header),
    header_written_at: result.headerWrittenAt === null ? null : formatHex(result.headerWrittenAt),
  };
}

/** A failed or impossible save step in the vectors' shape (`{op: 'save', error}`). */
export function saveErrorToJson(error: unknown): SaveStepErrorJson {
  return { op: 'save', error: error instanceof Error ? error.message : String(error) };
}

/** The save functions' shared boundary check (once per call: the arrays' elements are the encoder's to check). */
function expectSaveArguments(fn: string, parsed: unknown, cpus: unknown): void {
  expectObject(parsed, `${fn}(parsed)`);
  expectArray(parsed['partitionMemoryMap'], `${fn}(parsed.partitionMemoryMap)`);
  expectObject(cpus, `${fn}(cpus)`);
  expectArray(cpus['noIo'], `${fn}(cpus.noIo)`);
  expectArray(cpus['outstanding'], `${fn}(cpus.outstanding)`);
}
