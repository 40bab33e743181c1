/**
 * `nvmeInterruptState` beyond upstream's four tests (test/upstream/save_restore_helpers.test.ts),
 * and the JSON form a scenario's save step gives it (`nvmeManagerStateFromJson`).
 */
import { describe, expect, test } from 'vitest';
import { ArgumentError } from '../../src/errors.js';
import { JsonInputError } from '../../src/format/json-read.js';
import { nvmeInterruptState, nvmeManagerStateFromJson, type NvmeManagerState } from '../../src/usermode/nvme-interrupts.js';

const disks = (...queues: [cpu: number, pending: number][][]): NvmeManagerState => ({
  nvmeDisks: queues.map((qs) => ({ ioQueues: qs.map(([cpu, pendingCommands]) => ({ cpu, pendingCommands })) })),
});

describe('nvmeInterruptState', () => {
  test('CPUs sort as numbers, as the BTreeMap keys do (kills a default, string-order sort)', () => {
    expect(nvmeInterruptState(disks([[10, 0], [9, 0], [100, 3], [2, 0], [11, 1]]))).toEqual({ noIo: [2, 9, 10], outstanding: [11, 100] });
  });

  test('any non-zero pending count is outstanding IO, not only 1 (kills `pending === 1`)', () => {
    expect(nvmeInterruptState(disks([[0, 65535], [1, 2]]))).toEqual({ noIo: [], outstanding: [0, 1] });
  });

  test('pending IO on a later disk moves a CPU an earlier disk saw idle (kills keeping the first value)', () => {
    expect(nvmeInterruptState(disks([[7, 0]], [[7, 0]], [[7, 4]]))).toEqual({ noIo: [], outstanding: [7] });
    // …and a later idle queue does not move it back (kills overwriting with the latest value).
    expect(nvmeInterruptState(disks([[7, 4]], [[7, 0]]))).toEqual({ noIo: [], outstanding: [7] });
  });

  test('undefined is None too; a disk without IO queues maps nothing', () => {
    expect(nvmeInterruptState(undefined)).toEqual({ noIo: [], outstanding: [] });
    expect(nvmeInterruptState(disks([], [[3, 0]]))).toEqual({ noIo: [3], outstanding: [] });
  });

  test('the interrupt vector and PCI id do not change the lists', () => {
    const state: NvmeManagerState = {
      nvmeDisks: [{ pciId: 'a', ioQueues: [{ cpu: 1, iv: 9, pendingCommands: 0 }, { cpu: 1, iv: 10, pendingCommands: 0 }] }],
    };
    expect(nvmeInterruptState(state)).toEqual({ noIo: [1], outstanding: [] });
  });

  test('the largest u32 CPU is kept', () => {
    expect(nvmeInterruptState(disks([[0xffff_ffff, 0]]))).toEqual({ noIo: [0xffff_ffff], outstanding: [] });
  });

  const bad = (v: unknown): NvmeManagerState => v as NvmeManagerState;
  test.each<[string, unknown, string]>([
    ['a number', 5, 'nvmeInterruptState(state): expected an object, got number 5'],
    ['no nvmeDisks', {}, 'nvmeInterruptState(state.nvmeDisks): expected an array, got undefined'],
    ['a disk null', { nvmeDisks: [null] }, 'nvmeInterruptState(state.nvmeDisks[0]): expected an object, got null'],
    ['ioQueues a string', { nvmeDisks: [{ ioQueues: 'x' }] }, 'nvmeInterruptState(state.nvmeDisks[0].ioQueues): expected an array'],
    ['a queue without cpu', { nvmeDisks: [{ ioQueues: [{ pendingCommands: 0 }] }] }, 'state.nvmeDisks[0].ioQueues[0].cpu): expected a u32 CPU id, got undefined'],
    ['a negative cpu', { nvmeDisks: [{ ioQueues: [{ cpu: -1, pendingCommands: 0 }] }] }, 'ioQueues[0].cpu): expected a u32 CPU id, got number -1'],
    ['a cpu past u32', { nvmeDisks: [{ ioQueues: [{ cpu: 2 ** 32, pendingCommands: 0 }] }] }, 'ioQueues[0].cpu)'],
    ['a fractional cpu', { nvmeDisks: [{ ioQueues: [{ cpu: 1.5, pendingCommands: 0 }] }] }, 'ioQueues[0].cpu)'],
    ['pending a boolean', { nvmeDisks: [{ ioQueues: [{ cpu: 1, pendingCommands: true }] }] }, 'ioQueues[0].pendingCommands): expected a non-negative integer, got boolean true'],
    ['pending negative', { nvmeDisks: [{ ioQueues: [{ cpu: 1, pendingCommands: -1 }] }] }, 'ioQueues[0].pendingCommands)'],
  ])('bad input, %s: ArgumentError naming the field', (_what, state, fragment) => {
    let caught: unknown;
    try {
      nvmeInterruptState(bad(state));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ArgumentError);
    expect((caught as ArgumentError).code).toBe('bad_argument');
    expect((caught as Error).message).toContain(fragment);
  });
});

describe('nvmeManagerStateFromJson', () => {
  test('reads every field; pending_commands defaults to 0; "_" keys are comments', () => {
    const json = {
      _note: 'x',
      nvme_disks: [
        { pci_id: '0000:00.0', io_queues: [{ cpu: '3', iv: 1, pending_commands: '0x2' }, { cpu: 4, _c: 1 }] },
        { io_queues: [] },
      ],
    };
    expect(nvmeManagerStateFromJson(json, 'nvme')).toEqual({
      nvmeDisks: [
        { pciId: '0000:00.0', ioQueues: [{ cpu: 3, iv: 1, pendingCommands: 2 }, { cpu: 4, pendingCommands: 0 }] },
        { ioQueues: [] },
      ],
    });
  });

  test.each<[string, unknown, string, string]>([
    ['not an object', [], 'wrong_type', 'nvme'],
    ['no nvme_disks', {}, 'missing_field', 'nvme.nvme_disks'],
    ['"disks" (a misspelling)', { disks: [] }, 'unknown_field', 'nvme.disks'],
    ['no io_queues', { nvme_disks: [{ pci_id: 'a' }] }, 'missing_field', 'nvme.nvme_disks[0].io_queues'],
    ['pci_id a number', { nvme_disks: [{ pci_id: 1, io_queues: [] }] }, 'wrong_type', 'nvme.nvme_disks[0].pci_id'],
    ['a queue without cpu', { nvme_disks: [{ io_queues: [{ pending_commands: 1 }] }] }, 'missing_field', 'nvme.nvme_disks[0].io_queues[0].cpu'],
    ['cpu past u32', { nvme_disks: [{ io_queues: [{ cpu: '0x100000000' }] }] }, 'bad_value', 'nvme.nvme_disks[0].io_queues[0].cpu'],
    ['iv negative', { nvme_disks: [{ io_queues: [{ cpu: 0, iv: -1 }] }] }, 'bad_value', 'nvme.nvme_disks[0].io_queues[0].iv'],
    ['pending_commands a list', { nvme_disks: [{ io_queues: [{ cpu: 0, pending_commands: [1] }] }] }, 'wrong_type', 'nvme.nvme_disks[0].io_queues[0].pending_commands'],
    ['a stray queue key', { nvme_disks: [{ io_queues: [{ cpu: 0, unmapped: false }] }] }, 'unknown_field', 'nvme.nvme_disks[0].io_queues[0].unmapped'],
  ])('%s', (_what, json, code, path) => {
    let caught: unknown;
    try {
      nvmeManagerStateFromJson(json, 'nvme');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(JsonInputError);
    expect([(caught as JsonInputError).code, (caught as JsonInputError).path]).toEqual([code, path]);
  });

  test('errors are reported in the order the keys are written (pci_id before io_queues)', () => {
    let caught: unknown;
    try {
      nvmeManagerStateFromJson({ nvme_disks: [{ pci_id: 1, io_queues: 'x' }] }, 'nvme');
    } catch (e) {
      caught = e;
    }
    expect((caught as JsonInputError).path).toBe('nvme.nvme_disks[0].pci_id');
  });
});
