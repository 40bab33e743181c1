/**
 * Upstream's test of `select_vtl2_mmio_range` (openhcl/openhcl_boot/src/host_params/mmio.rs,
 * `mod test`), one case per `#[test]`, asserting what upstream asserts: success or failure, and on
 * success VTL0's share (`subtract_ranges(mmio, [vtl2])`) and VTL2's range. Upstream's test cases
 * run in one `#[test]`, so they are one vitest case here too; a failure names the case index as
 * upstream's messages do.
 *
 * Mutants this catches: carving from the start of the range instead of its end (case 4), taking
 * the first high range instead of the last (case 5), accepting a high range shorter than the size
 * (case 2), using low MMIO (case 1).
 */
import { expect, test } from 'vitest';
import { BootPanic } from '../../src/boot/panic.js';
import { selectVtl2MmioRange } from '../../src/boot/mmio.js';
import { subtractRanges } from '../../src/memory/range-algebra.js';
import { MemoryRange } from '../../src/memory/range.js';

const MMIO_HIGH_RANGE_START = 1n << 32n;
/** The size (in bytes) of MMIO high range assigned to VTL2 (the test's `VTL2_MMIO_HIGH_RANGE_SIZE`). */
const SIZE = 128n * (1n << 20n);
const R = (start: bigint, end: bigint): MemoryRange => new MemoryRange(start, end);
const H = MMIO_HIGH_RANGE_START;

interface TestCase {
  mmio: MemoryRange[];
  succeeds: boolean;
  vtl0Range: MemoryRange[];
  vtl2Range: MemoryRange;
}

const EMPTY = R(0n, 0n);

const TESTCASES: TestCase[] = [
  // No MMIO range is provided, fails.
  { mmio: [], succeeds: false, vtl0Range: [], vtl2Range: EMPTY },
  // Only low mmio, fails.
  { mmio: [R(0x3000_0000n, 0x4000_0000n), R(0x4000_0000n, 0x5000_0000n)], succeeds: false, vtl0Range: [], vtl2Range: EMPTY },
  // MMIO high range is less than what VTL2 requested.
  { mmio: [R(0x3000_0000n, 0x4000_0000n), R(H, H + SIZE / 2n)], succeeds: false, vtl0Range: [], vtl2Range: EMPTY },
  // MMIO high range is just enough for VTL2: low range to VTL0, high range to VTL2.
  {
    mmio: [R(0x3000_0000n, 0x4000_0000n), R(H, H + SIZE)],
    succeeds: true,
    vtl0Range: [R(0x3000_0000n, 0x4000_0000n)],
    vtl2Range: R(H, H + SIZE),
  },
  // MMIO high range is more than what VTL2 requested: VTL2 gets SIZE from the end of the high
  // range, VTL0 the rest.
  {
    mmio: [R(0x3000_0000n, 0x4000_0000n), R(H, H + SIZE * 4n)],
    succeeds: true,
    vtl0Range: [R(0x3000_0000n, 0x4000_0000n), R(H, H + SIZE * 3n)],
    vtl2Range: R(H + SIZE * 3n, H + SIZE * 4n),
  },
  // Multiple MMIO high ranges: VTL2 gets SIZE from the very end, VTL0 all the rest.
  {
    mmio: [R(H, H + SIZE * 2n), R(H * 2n, H * 2n + SIZE * 2n)],
    succeeds: true,
    vtl0Range: [R(H, H + SIZE * 2n), R(H * 2n, H * 2n + SIZE)],
    vtl2Range: R(H * 2n + SIZE, H * 2n + SIZE * 2n),
  },
];

const text = (ranges: readonly MemoryRange[]): string[] => ranges.map(String);

test('mmio_rs.mmio_range_partitioned_correctly', () => {
  TESTCASES.forEach((tc, i) => {
    let result: MemoryRange | BootPanic;
    try {
      result = selectVtl2MmioRange(tc.mmio, SIZE);
    } catch (e) {
      if (!(e instanceof BootPanic)) throw e;
      result = e;
    }
    expect(result instanceof MemoryRange, `test case #${i}: unexpected result`).toBe(tc.succeeds);
    if (result instanceof MemoryRange) {
      const vtl0Mmio = [...subtractRanges(tc.mmio, [result])];
      expect(text(vtl0Mmio), `test case #${i}: vtl0 was assigned an unexpected mmio range`).toEqual(text(tc.vtl0Range));
      expect(String(result), `test case #${i}: vtl1 was assigned an unexpected mmio range`).toBe(String(tc.vtl2Range));
    } else {
      // Upstream's only error: `DtError::NotEnoughVtl0Mmio`.
      expect(result.message, `test case #${i}`).toBe('unable to read device tree params NotEnoughVtl0Mmio');
    }
  });
});
