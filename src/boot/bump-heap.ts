/**
 * The 64 KiB bump heap openhcl_boot enables only for the protobuf decode
 * (upstream `init_heap` and `host_params/dt/bump_alloc.rs`). It never frees, so every `Vec` growth is a fresh
 * allocation; a payload with more than ~512 memory entries runs it dry.
 */
import type { SavedStateList } from '../format/decode.js';
import { BootPanic } from './panic.js';

/** Heap size: 16 pages. */
export const BUMP_HEAP_CAPACITY = 16 * 4096;

/**
 * Rust sizes of the decoded element types (with padding to their 8-byte
 * alignment): MemoryEntry = MemoryRange 16 + vnode 4 + vtl type 4 + igvm u16 2
 * → 32; MmioEntry = 16 + 4 → 24; a CPU id is a u32.
 */
const ELEMENT_SIZE: Record<SavedStateList, number> = {
  partition_memory: 32,
  partition_mmio: 24,
  cpus_with_mapped_interrupts_no_io: 4,
  cpus_with_outstanding_io: 4,
};

/** What the decode cost the heap, as the scenario results report it. */
export interface BumpHeapStats {
  /** Bytes handed out so far (the bump pointer's offset; nothing is ever freed). */
  bytes: number;
  /** Number of allocations (each `Vec` growth is one). */
  allocations: number;
  /** The heap's size, {@link BUMP_HEAP_CAPACITY}. */
  capacity: number;
  /** True once an allocation did not fit: the boot shim panicked "memory allocation … failed". */
  exhausted: boolean;
}

/**
 * Models the decode's allocations: each list is a Rust `Vec` that grows to
 * `max(2 × capacity, 4)` when full (RawVec's minimum non-zero capacity is 4 for
 * elements of 2..=1024 bytes), and each growth takes new space from the bump
 * heap. Every size here is a multiple of 8, so no alignment padding arises.
 */
export class BumpHeap {
  readonly stats: BumpHeapStats = { bytes: 0, allocations: 0, capacity: BUMP_HEAP_CAPACITY, exhausted: false };
  private readonly capacities = new Map<SavedStateList, number>();

  /** `DecodeOptions.onAppend`: accounts for the growth an append causes; panics when the heap is exhausted. */
  readonly onAppend = (list: SavedStateList, length: number): void => {
    const cap = this.capacities.get(list) ?? 0;
    if (length < cap) return;
    const newCap = Math.max(cap * 2, 4);
    const size = newCap * ELEMENT_SIZE[list];
    if (this.stats.bytes + size > BUMP_HEAP_CAPACITY) {
      this.stats.exhausted = true;
      throw new BootPanic('bump_heap_exhausted', `memory allocation of ${size} bytes failed`);
    }
    this.stats.bytes += size;
    this.stats.allocations++;
    this.capacities.set(list, newCap);
  };
}
