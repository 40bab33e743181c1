/**
 * Small byte arrays carved from shared slabs.
 *
 * V8 gives every `Uint8Array` over 64 bytes its own off-heap backing store; allocating one of
 * a few hundred bytes costs about 600 ns on the bench machine, where a view into an existing
 * `ArrayBuffer` costs about 20. A lifecycle allocates several such arrays (the encoded payload,
 * the payload read back from guest memory), so they come from 64 KiB slabs instead, the way
 * Node's `Buffer.allocUnsafe` pools small buffers. Unlike that pool, a slab region is handed
 * out once and never reused, so every array starts zeroed and no two arrays share bytes.
 *
 * The price: such an array's `buffer` is the whole slab and its `byteOffset` is usually not 0.
 * Code that wraps one in another view must pass `byteOffset` and `byteLength` (every such
 * place in this package does). A live array keeps its slab (64 KiB) reachable.
 */

/** Size of one slab. */
const SLAB_BYTES = 64 * 1024;
/** Arrays this long or longer get their own buffer: a slab would gain little and waste much. */
const MAX_SLAB_ARRAY = 4096;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/**
 * A zero-filled `Uint8Array` of `length` bytes: a fresh region of a shared slab when it is
 * short, its own buffer otherwise (see the module comment for what sharing implies).
 */
export function newBytes(length: number): Uint8Array {
  if (length >= MAX_SLAB_ARRAY) return new Uint8Array(length);
  if (used + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const bytes = new Uint8Array(slab, used, length);
  // Keep every array 8-byte aligned, so a caller's DataView reads of u64s stay aligned.
  used += (length + 7) & ~7;
  return bytes;
}
