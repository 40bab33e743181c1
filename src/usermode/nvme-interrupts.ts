/**
 * Where the two CPU lists usermode persists come from: the NVMe manager's saved state (upstream
 * `underhill_core` `nvme_manager/save_restore_helpers.rs` `nvme_interrupt_state`, which
 * `dispatch/mod.rs` calls right before `write_persisted_info`).
 *
 * Only the part of the NVMe saved state the helper reads is modelled: per disk its IO queues
 * (`driver_state.worker_data.io`), per queue its CPU and whether its pending-command list is
 * empty. The rest of upstream's `IoQueueSavedState` (queue memory, SQ/CQ pointers, the commands
 * themselves, `unmapped`) does not change the lists, so it has no field here.
 */
import { ArgumentError, expectArray, expectObject } from '../errors.js';
import { ALLOW_COMMENTS, field, joinPath, need, readList, readObject, readString, readU32 } from '../format/json-read.js';
import type { SaveCpuLists } from './writer.js';

/** One IO queue of an NVMe driver's saved state (upstream `nvme_driver` `IoQueueSavedState`). */
export interface NvmeIoQueueState {
  /** `cpu`: the vCPU the queue is affinitized to, whose interrupt it raises. */
  cpu: number;
  /**
   * `iv`: the queue's MSI-X interrupt vector. Carried for the reader of a scenario; upstream's
   * helper never looks at it (a CPU counts once however many vectors point at it).
   */
  iv?: number;
  /**
   * How many commands were in flight at save (upstream `queue_data.handler_data.pending_cmds.commands`,
   * a list; the helper only asks whether it is empty, so a count says all it needs).
   */
  pendingCommands: number;
}

/** One disk of the NVMe manager's saved state (upstream `NvmeSavedDiskConfig`). */
export interface NvmeDiskState {
  /** `pci_id`: which controller (`0000:00.0`); informational. */
  pciId?: string;
  /** `driver_state.worker_data.io`: the controller's IO queues (the admin queue is not one). */
  ioQueues: readonly NvmeIoQueueState[];
}

/** The NVMe manager's saved state, as far as the interrupt helper reads it (upstream `NvmeManagerSavedState`). */
export interface NvmeManagerState {
  /** `nvme_disks`: every disk the manager saved. */
  nvmeDisks: readonly NvmeDiskState[];
}

/**
 * Upstream `nvme_interrupt_state`: the vCPUs with NVMe interrupts mapped, split by whether any of
 * their queues (on any disk) still had commands in flight.
 *
 * - `outstanding` (`vps_with_outstanding_io`): every CPU with at least one queue whose pending
 *   count is non-zero;
 * - `noIo` (`vps_with_mapped_interrupts_no_io`): every other CPU that has a queue at all.
 *
 * Both lists are ascending and free of duplicates (upstream collects a `BTreeMap<u32, bool>`
 * keyed by CPU), and disjoint. `null`/`undefined` is upstream's `None` (no NVMe state was saved,
 * e.g. keep-alive off): both lists empty. The result is the `cpus` argument `writePersistedState` takes.
 *
 * @throws {ArgumentError} for a state not shaped as {@link NvmeManagerState} (a CPU that is not a
 *   u32, a pending count that is not a non-negative integer, a list that is not an array).
 */
export function nvmeInterruptState(state: NvmeManagerState | null | undefined): SaveCpuLists {
  const name = 'nvmeInterruptState(state';
  // CPU -> "some queue on it has IO in flight", OR-ed over every queue of every disk.
  const vps = new Map<number, boolean>();
  if (state !== null && state !== undefined) {
    expectObject(state, `${name})`);
    expectArray(state.nvmeDisks, `${name}.nvmeDisks)`);
    state.nvmeDisks.forEach((disk: unknown, d) => {
      const at = `${name}.nvmeDisks[${d}]`;
      expectObject(disk, `${at})`);
      expectArray(disk['ioQueues'], `${at}.ioQueues)`);
      disk['ioQueues'].forEach((queue: unknown, q) => {
        const qat = `${at}.ioQueues[${q}]`;
        expectObject(queue, `${qat})`);
        const cpu = queue['cpu'];
        const pending = queue['pendingCommands'];
        if (!isU32(cpu)) throw new ArgumentError(`${qat}.cpu)`, 'a u32 CPU id', cpu);
        if (typeof pending !== 'number' || !Number.isSafeInteger(pending) || pending < 0) {
          throw new ArgumentError(`${qat}.pendingCommands)`, 'a non-negative integer', pending);
        }
        vps.set(cpu, (vps.get(cpu) ?? false) || pending > 0);
      });
    });
  }
  // Numeric order, as the BTreeMap's: the default sort would put 10 before 9.
  const cpus = [...vps.keys()].sort((a, b) => a - b);
  return { noIo: cpus.filter((c) => !vps.get(c)), outstanding: cpus.filter((c) => vps.get(c)) };
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}

/**
 * Reads the JSON form of {@link NvmeManagerState} (a scenario save step's `nvme`, docs/scenario-format.md#save):
 * `{"nvme_disks": [{"pci_id"?: string, "io_queues": [{"cpu": u32, "iv"?: u32, "pending_commands"?: u32}]}]}`,
 * `pending_commands` defaulting to 0. Keys starting with `_` are comments, as everywhere in a scenario.
 * @throws {JsonInputError} with `path` under `path`, as the JSON reading kit reports.
 */
export function nvmeManagerStateFromJson(value: unknown, path: string): NvmeManagerState {
  const o = readObject(value, path, ['nvme_disks'], ALLOW_COMMENTS);
  const nvmeDisks = readList(need(o, 'nvme_disks', path), joinPath(path, 'nvme_disks'), (v, p) => {
    const d = readObject(v, p, ['pci_id', 'io_queues'], ALLOW_COMMENTS);
    // Keys read in the order they are written, so the first error reported is the first a reader meets.
    const pciId = field(d, 'pci_id');
    const disk: NvmeDiskState = { ioQueues: [] };
    if (pciId !== undefined) disk.pciId = readString(pciId, joinPath(p, 'pci_id'));
    disk.ioQueues = readList(need(d, 'io_queues', p), joinPath(p, 'io_queues'), (qv, qp) => {
      const q = readObject(qv, qp, ['cpu', 'iv', 'pending_commands'], ALLOW_COMMENTS);
      const queue: NvmeIoQueueState = { cpu: readU32(need(q, 'cpu', qp), joinPath(qp, 'cpu')), pendingCommands: 0 };
      const iv = field(q, 'iv');
      if (iv !== undefined) queue.iv = readU32(iv, joinPath(qp, 'iv'));
      const pending = field(q, 'pending_commands');
      if (pending !== undefined) queue.pendingCommands = readU32(pending, joinPath(qp, 'pending_commands'));
      return queue;
    });
    return disk;
  });
  return { nvmeDisks };
}
