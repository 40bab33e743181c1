/**
 * Upstream's tests of `nvme_interrupt_state` (openhcl/underhill_core/src/nvme_manager/
 * save_restore_helpers.rs, `mod tests`), one case per `#[test]`, asserting what upstream asserts.
 * Upstream builds full `NvmeManagerSavedState`s; only the fields the helper reads exist here, so
 * `build_state` keeps upstream's per-disk `pci_id` and per-queue `iv` (the queue index) and turns
 * `has_outstanding_io` into one pending command, as `build_pending_cmds` does.
 *
 * Mutants these catch (checked by hand): an AND instead of the OR over a CPU's queues
 * (`reports_outstanding_if_any_queue_pending_for_vp`), a CPU's flag overwritten by its latest
 * queue (`collects_unique_sorted_vps_and_outstanding_subset`: CPU 1 is idle on disk 1's second
 * look), a crash on `None` (`returns_empty_when_state_absent`). Upstream's CPUs are first seen in
 * an order that filtering keeps sorted, so a missing sort survives these; the numeric-sort case in
 * test/usermode/nvme-interrupts.test.ts kills it.
 */
import { expect, test } from 'vitest';
import { nvmeInterruptState, type NvmeManagerState } from '../../src/usermode/nvme-interrupts.js';

/** Upstream `QueueSpec::new(cpu, has_outstanding_io)`. */
type QueueSpec = [cpu: number, hasOutstandingIo: boolean];

/** Upstream `build_state`: one disk per inner list, queue ids restarting at zero on each disk. */
function buildState(diskQueueSpecs: QueueSpec[][]): NvmeManagerState {
  return {
    nvmeDisks: diskQueueSpecs.map((queues, diskIndex) => ({
      pciId: `0000:${diskIndex.toString(16).padStart(2, '0')}.0`,
      ioQueues: queues.map(([cpu, outstanding], queueIndex) => ({ cpu, iv: queueIndex, pendingCommands: outstanding ? 1 : 0 })),
    })),
  };
}

test('save_restore_helpers_rs.returns_empty_when_state_absent', () => {
  const result = nvmeInterruptState(null);
  expect(result.noIo).toEqual([]);
  expect(result.outstanding).toEqual([]);
});

test('save_restore_helpers_rs.collects_unique_sorted_vps_and_outstanding_subset', () => {
  const state = buildState([
    [
      [2, false],
      [1, true],
    ],
    [
      [1, false],
      [3, true],
    ],
    [
      [5, false],
      [2, false],
    ],
  ]);
  const result = nvmeInterruptState(state);
  expect(result.noIo).toEqual([2, 5]);
  expect(result.outstanding).toEqual([1, 3]);
});

test('save_restore_helpers_rs.reports_outstanding_if_any_queue_pending_for_vp', () => {
  const state = buildState([
    [
      [4, false],
      [4, true],
    ],
  ]);
  const result = nvmeInterruptState(state);
  expect(result.noIo).toEqual([]);
  expect(result.outstanding).toEqual([4]);
});

test('save_restore_helpers_rs.handles_state_with_no_disks', () => {
  // Upstream's `cpu_count: 0` has no counterpart: the helper never reads it.
  const result = nvmeInterruptState({ nvmeDisks: [] });
  expect(result.noIo).toEqual([]);
  expect(result.outstanding).toEqual([]);
});
