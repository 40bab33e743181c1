// A servicing test as a vtl2-persist user writes it (docs/testing-guide.md shows this file).
import { describe, expect, test } from 'vitest';
import { SimulatedVm } from 'vtl2-persist';

// One VM: 64 MiB of VTL2 RAM at 128 MiB, host-allocated, a heuristic private pool.
const VM = {
  shim_params: {
    isolation: 'None',
    memory_start: '0x8000000',
    memory_size: '0x4000000',
    persisted_state: { start: '0x8000000', end: '0x8200000' },
    used: { start: '0x8000000', end: '0x8d8d000' },
    parameter_region: { start: '0x8c00000', size: '0x16a000', dt_page_index: 40, dt_size_pages: 64 },
    vtl2_reserved_region: { start: '0x8bfc000', size: '0x4000' },
    sidecar: { base: '0x8400000', size: '0x0' },
    log_buffer: { start: '0x8d6a000', end: '0x8d6c000' },
    heap: { start: '0x8d6c000', end: '0x8d7c000' },
  },
  host_dt: {
    memory: [
      { range: { start: '0x0', end: '0x8000000' }, mem_type: 'MEMORY', vnode: 0 },
      { range: { start: '0x8000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      { range: { start: '0xc000000', end: '0x80000000' }, mem_type: 'MEMORY', vnode: 0 },
    ],
    memory_allocation_mode: 'Host',
    vmbus_vtl0: { mmio: [{ start: '0xf8000000', end: '0xfc000000' }, { start: '0xfc0000000', end: '0x1000000000' }], connection_id: 4 },
    vmbus_vtl2: { mmio: [{ start: '0xf800000000', end: '0xf808000000' }], connection_id: 8388724 },
    cpu_count: 4,
  },
};

describe('servicing my VM', () => {
  test('the private pool and the memory map survive servicing', () => {
    const vm = SimulatedVm.fromJson(VM);
    const first = vm.boot();
    if (first.path === 'panic') throw new Error(first.panic);
    expect(first.path).toBe('host'); // nothing persisted yet: topology from the host

    vm.save({ noIo: [2], outstanding: [1] });
    expect(vm.header().status).toBe('valid');

    const second = vm.boot();
    if (second.path === 'panic') throw new Error(second.panic);
    expect(second.path).toBe('persisted');
    expect(second.poolRanges).toEqual(first.poolRanges);
    expect(second.openhclMemoryMap).toEqual(first.openhclMemoryMap);
    expect(second.sidecarExcludedCpus).toEqual([1, 2]);
  });

  test('a host that splits VTL2 RAM between servicings makes the next boot panic', () => {
    const vm = SimulatedVm.fromJson(VM);
    vm.boot();
    vm.save();
    const split = [
      VM.host_dt.memory[0],
      { range: { start: '0x8000000', end: '0xa000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      { range: { start: '0xa000000', end: '0xc000000' }, mem_type: 'VTL2_PROTECTABLE', vnode: 0 },
      VM.host_dt.memory[2],
    ];
    const result = vm.boot({ hostDtOverride: { memory: split } });
    expect(result).toMatchObject({ path: 'panic', attemptedPath: 'persisted', panicKind: 'vtl2_ram_mismatch' });
  });

  test('a save torn before the header leaves the next boot on the fresh path', () => {
    const vm = SimulatedVm.fromJson(VM);
    vm.boot();
    vm.save({}, { crashBeforeHeader: true });
    expect(vm.header().status).toBe('no_magic');
    expect(vm.boot().path).toBe('host');
  });
});
