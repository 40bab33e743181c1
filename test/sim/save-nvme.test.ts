/**
 * The save step's `nvme` form (docs/scenario-format.md#the-nvme-form): the CPU lists derived from
 * the NVMe manager's saved queues (`nvmeInterruptState`) land in the saved payload, the next boot
 * reads them back, and giving both forms is refused by the parser and the schema alike.
 */
import { describe, expect, test } from 'vitest';
import { decodeSavedState } from '../../src/format/decode.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { runScenario } from '../../src/sim/runner.js';
import { validateScenarioFile, errorText } from '../schema/validators.js';
import { inputErrorOf } from '../support/errors.js';
import { loadBootVectors, type Json } from '../support/vectors.js';

const [{ vectors: worked }] = loadBootVectors();
const A = worked.find((v) => v.name === 'A')!.input;
/** Example A on a VM with 8 CPUs, booted, saved with `save`, and booted again. */
const scenario = (save: Json): Json => ({
  ...A,
  host_dt: { ...(A['host_dt'] as Json), cpu_count: 8 },
  lifecycle: [{ op: 'boot' }, { op: 'save', ...save }, { op: 'boot' }],
});

// Upstream's `collects_unique_sorted_vps_and_outstanding_subset`, written as a scenario would.
const NVME = {
  nvme_disks: [
    { pci_id: '0000:00.0', io_queues: [{ cpu: 2, iv: 0 }, { cpu: 1, iv: 1, pending_commands: 1 }] },
    { pci_id: '0000:01.0', io_queues: [{ cpu: 1 }, { cpu: 3, pending_commands: 2 }] },
    { io_queues: [{ cpu: 5 }, { cpu: 2 }] },
  ],
};

interface SaveJson {
  op: 'save';
  payload_hex: string;
}
interface BootJson {
  op: 'boot';
  path: string;
  sidecar_excluded_cpus: number[];
}

describe('save step: the nvme form', () => {
  test('the parser hands the runner the derived lists', () => {
    const [s] = parseScenarioFile(scenario({ nvme: NVME, crash_before_header: false }));
    expect(s!.lifecycle[1]).toEqual({ op: 'save', cpusWithMappedInterruptsNoIo: [2, 5], cpusWithOutstandingIo: [1, 3], crashBeforeHeader: false });
  });

  test('the derived lists land in the saved payload, and the restore boot reads their union back', () => {
    const [s] = parseScenarioFile(scenario({ nvme: NVME }));
    const [, save, restored] = runScenario(s!).steps as unknown as [BootJson, SaveJson, BootJson];
    const state = decodeSavedState(Buffer.from(save.payload_hex, 'hex'));
    expect(state.cpusWithMappedInterruptsNoIo).toEqual([2, 5]);
    expect(state.cpusWithOutstandingIo).toEqual([1, 3]);
    expect(restored.path).toBe('persisted');
    expect(restored.sidecar_excluded_cpus).toEqual([1, 2, 3, 5]);
  });

  test('byte for byte the save the two lists would give', () => {
    const payload = (save: Json): string => {
      const [s] = parseScenarioFile(scenario(save));
      return (runScenario(s!).steps[1] as unknown as SaveJson).payload_hex;
    };
    expect(payload({ nvme: NVME })).toBe(payload({ cpus_with_mapped_interrupts_no_io: [2, 5], cpus_with_outstanding_io: [1, 3] }));
  });

  test('no disks saves empty lists, like a save step with neither form', () => {
    const [s] = parseScenarioFile(scenario({ nvme: { nvme_disks: [] } }));
    expect(s!.lifecycle[1]).toMatchObject({ cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [] });
  });

  test('the schema accepts the nvme form', () => {
    const file = scenario({ nvme: { _why: 'x', ...NVME }, crash_before_header: true });
    expect(validateScenarioFile(file), errorText(validateScenarioFile.errors)).toBe(true);
  });

  // Each rejected by both, the parser with the code and path named.
  test.each<[string, Json, string, string]>([
    ['nvme beside cpus_with_outstanding_io', { nvme: NVME, cpus_with_outstanding_io: [1, 3] }, 'unknown_field', 'lifecycle[1].cpus_with_outstanding_io'],
    ['nvme beside an empty cpus_with_mapped_interrupts_no_io', { cpus_with_mapped_interrupts_no_io: [], nvme: NVME }, 'unknown_field', 'lifecycle[1].cpus_with_mapped_interrupts_no_io'],
    ['nvme without nvme_disks', { nvme: {} }, 'missing_field', 'lifecycle[1].nvme.nvme_disks'],
    ['a queue without cpu', { nvme: { nvme_disks: [{ io_queues: [{ iv: 1 }] }] } }, 'missing_field', 'lifecycle[1].nvme.nvme_disks[0].io_queues[0].cpu'],
    ['a misspelt queue key', { nvme: { nvme_disks: [{ io_queues: [{ cpu: 1, pending: 1 }] }] } }, 'unknown_field', 'lifecycle[1].nvme.nvme_disks[0].io_queues[0].pending'],
    ['a CPU past u32', { nvme: { nvme_disks: [{ io_queues: [{ cpu: 4294967296 }] }] } }, 'bad_value', 'lifecycle[1].nvme.nvme_disks[0].io_queues[0].cpu'],
    ['nvme a list', { nvme: [] }, 'wrong_type', 'lifecycle[1].nvme'],
  ])('%s: refused by the schema and by the parser', (_what, save, code, path) => {
    const file = scenario(save);
    expect(validateScenarioFile(file), 'the schema accepted it').toBe(false);
    const e = inputErrorOf(() => parseScenarioFile(file));
    expect([e.code, e.path], e.message).toEqual([code, path]);
  });
});
