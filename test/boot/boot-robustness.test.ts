import { describe, expect, test } from 'vitest';
import { boot } from '../../src/boot/boot.js';
import { parseCmdlineOptions, parseHostDt, parseShimParams } from '../../src/boot/inputs.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { A_CMDLINE_OPTIONS, A_HOST_DT, A_SHIM_PARAMS } from '../support/fixtures.js';

// Range assertions deep inside the boot code are panics upstream (MemoryRange::new asserts);
// boot() must report them as results wherever they arise, never throw.
describe('boot() reports range assertions as panics', () => {
  test('an unaligned host mmio_size in Vtl2 mode carves an unaligned VTL2 MMIO range', () => {
    // The host gives no VTL2 MMIO, so `topology_from_host_dt` carves max(mmio_size, default) from the end of the
    // highest VTL0 range (0xfc0000000..0x1000000000); 0x20000800 is not page aligned, so
    // MemoryRange::new(end - size, end) asserts on the start.
    const host = parseHostDt({
      ...A_HOST_DT,
      memory_allocation_mode: { Vtl2: { memory_size: null, mmio_size: '0x20000800' } },
      vmbus_vtl2: { mmio: [], connection_id: 8388724 },
    });
    const result = boot({ shim: parseShimParams(A_SHIM_PARAMS), host, cmdline: parseCmdlineOptions(A_CMDLINE_OPTIONS) }, new GuestMemory());
    expect(result).toMatchObject({
      path: 'panic',
      attemptedPath: 'host',
      panicKind: 'range_start_unaligned',
      panic: 'assertion failed: range.start & (PAGE_SIZE - 1) == 0',
    });
  });
});
