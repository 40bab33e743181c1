/**
 * Upstream's tests of the host device-tree parser (openhcl/host_fdt_parser/src/lib.rs,
 * `mod tests`, openvmm 1488a37b7) that our API can express: only `test_overlapping_memory`.
 * `test_basic_dt`, `test_numa_dt` and the two `test_com3_serial_output_*` write a DT blob and
 * read it back, which is not part of this emulator (docs/boot-shim.md, "Upstream tests we do not
 * port").
 *
 * Mapping: upstream's `create_parsed(…)` then `build_dt` then `ParsedDeviceTree::parse` is one
 * `parseHostDeviceTree(hostDt)` on the same values (its CPU list becomes `cpuCount`; the command
 * line, serial port, GIC and PMU have no `HostDt` field and play no part in these checks).
 * Upstream asserts `matches!(…, Err(Error(ErrorKind::X { .. })))`; ours panics with
 * `unable to read device tree params DeviceTree(Error(X { … }))` (kind `dt_error`), so we assert
 * the kind and the `X {` that follows the prefix.
 *
 * Mutants these catch (checked by hand on a scratch copy of src/): dropping the adjacent-overlap
 * check of sorted memory (cases 1 and 2), the MMIO-over-RAM check (case 3), or the VTL0-vs-VTL2
 * MMIO check (case 4); an overlap test that treats a touching or empty range as overlapping
 * (case 4: the empty ranges sort first and must not match).
 */
import { expect, test } from 'vitest';
import { parseHostDeviceTree } from '../../src/boot/host-dt-checks.js';
import { BootPanic } from '../../src/boot/panic.js';
import type { HostDt, HostMemoryEntry, VmbusInfo } from '../../src/boot/types.js';
import { MemoryRange } from '../../src/memory/range.js';
import { IgvmMemoryType } from '../../src/memory/vtl-type.js';

const HV_PAGE_SIZE = 4096n;
const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const mem = (start: bigint, end: bigint, memType: number): HostMemoryEntry => ({ range: R(start, end), memType, vnode: 0 });
const vmbus = (mmio: MemoryRange[], connectionId: number): VmbusInfo => ({ mmio, connectionId });

/** Upstream's `create_parsed` for these cases: 4 CPUs (regs 12, 42, 23, 24), Host allocation mode, no DMA hint. */
function createParsed(memory: HostMemoryEntry[], vmbusVtl0: VmbusInfo | null, vmbusVtl2: VmbusInfo | null): HostDt {
  return { memory, memoryAllocationMode: { kind: 'Host' }, vmbusVtl0, vmbusVtl2, cpuCount: 4, deviceDmaPageCount: null };
}

/** The `ErrorKind` variant name `parseHostDeviceTree` panics with, or 'Ok'. */
function parseErrorKind(host: HostDt): string {
  try {
    parseHostDeviceTree(host);
    return 'Ok';
  } catch (e) {
    if (!(e instanceof BootPanic) || e.kind !== 'dt_error') throw e;
    const m = /^unable to read device tree params DeviceTree\(Error\((\w+)/.exec(e.message);
    return m?.[1] ?? e.message;
  }
}

test('host_fdt_parser_rs.test_overlapping_memory', () => {
  const { MEMORY, VTL2_PROTECTABLE } = IgvmMemoryType;

  // Memory entries overlap each other.
  let bad = createParsed(
    [
      mem(0n, 1024n * HV_PAGE_SIZE, MEMORY),
      mem(4096n, 1024n * HV_PAGE_SIZE, VTL2_PROTECTABLE),
      mem(14024n * HV_PAGE_SIZE, 102400n * HV_PAGE_SIZE, MEMORY),
    ],
    null,
    null,
  );
  expect(parseErrorKind(bad)).toBe('MemoryRegOverlap');

  // A memory entry contained within another.
  bad = createParsed([mem(4096n, 1024n * HV_PAGE_SIZE, MEMORY), mem(0n, 102400n * HV_PAGE_SIZE, VTL2_PROTECTABLE)], null, null);
  expect(parseErrorKind(bad)).toBe('MemoryRegOverlap');

  // Memory overlaps VMBus MMIO.
  bad = createParsed(
    [mem(0n, 202400n * HV_PAGE_SIZE, MEMORY)],
    vmbus([R(4024n * HV_PAGE_SIZE, 4096n * HV_PAGE_SIZE)], 1),
    vmbus([R(102800n * HV_PAGE_SIZE, 102900n * HV_PAGE_SIZE)], 4),
  );
  expect(parseErrorKind(bad)).toBe('VmbusMmioOverlapsRam');

  // VMBus MMIO ranges overlap each other (each node also has an empty range).
  bad = createParsed(
    [mem(0n, 1024n * HV_PAGE_SIZE, MEMORY)],
    vmbus([R(4000n * HV_PAGE_SIZE, 4096n * HV_PAGE_SIZE), MemoryRange.EMPTY], 1),
    vmbus([R(4020n * HV_PAGE_SIZE, 102900n * HV_PAGE_SIZE), MemoryRange.EMPTY], 4),
  );
  expect(parseErrorKind(bad)).toBe('VmbusMmioOverlapsVmbusMmio');
});
