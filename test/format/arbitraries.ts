import fc from 'fast-check';
import type { MemoryEntry, MmioEntry, SavedState } from '../../src/format/saved-state.js';

/** u64 values with the edges the issue names weighted in: 0, 2^32−1, 2^53±1, 2^64−4096, 2^64−1. */
export const u64 = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 4096n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

/** u32 values with edges. */
export const u32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1), fc.nat({ max: 2 ** 32 - 1 }));

/** u16 values with edges. */
export const u16 = fc.oneof(fc.constantFrom(0, 3, 0xffff), fc.nat({ max: 0xffff }));

const range = fc.record({ start: u64, end: u64 });

export const memoryEntry: fc.Arbitrary<MemoryEntry> = fc.record({ range, vnode: u32, vtlType: u32, igvmType: u16 });
export const mmioEntry: fc.Arbitrary<MmioEntry> = fc.record({ range, vtlType: u32 });

/** Any state a writer could hold: arbitrary values, including all-default entries and empty lists. */
export const savedState: fc.Arbitrary<SavedState> = fc.record({
  partitionMemory: fc.array(memoryEntry, { maxLength: 12 }),
  partitionMmio: fc.array(mmioEntry, { maxLength: 4 }),
  cpusWithMappedInterruptsNoIo: fc.array(u32, { maxLength: 8 }),
  cpusWithOutstandingIo: fc.array(u32, { maxLength: 8 }),
});
