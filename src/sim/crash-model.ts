/**
 * The crash model of a torn save (docs/servicing-walkthrough.md#what-a-torn-write-does): how a save's
 * stores split into the units a crash can stop between, which crash points a sweep visits, and
 * what the persisted area held before the save began. Shared by `crashSweep` and the
 * hardening lab (src/sim/hardening), which sweep the same points for different writers.
 */
import { HEADER_FIELDS } from '../format/header.js';
import type { GuestMemory } from '../memory/guest-memory.js';
import type { MemoryRange } from '../memory/range.js';

/** The store widths a sweep can tear at, narrowest first. */
export const SWEEP_GRANULARITIES = ['byte', 'u64', 'cacheline', 'page'] as const;
/**
 * How finely a save's stores are split: single bytes, 8-byte stores, 64-byte cache lines or
 * 4 KiB pages. A unit never crosses a GPA boundary of its width (a store that starts or ends
 * inside one gives a shorter first or last unit), as a CPU or a page-granular flush would tear.
 */
export type SweepGranularity = (typeof SWEEP_GRANULARITIES)[number];

/** Bytes per unit of each granularity. */
export const GRANULARITY_BYTES: Readonly<Record<SweepGranularity, number>> = { byte: 1, u64: 8, cacheline: 64, page: 4096 };

/** What the persisted area held before the swept save, as {@link prepareBefore} sets it up. */
export const BEFORE_STATES = ['previous', 'zeros', 'random'] as const;
/**
 * - `previous`: whatever the lifecycle left there (on a second servicing, the previous save's
 *   payload and header: the common case, and the default);
 * - `zeros`: all zero (a first save into freshly zeroed memory);
 * - `random`: bytes from the seeded PRNG (memory nobody cleared).
 */
export type BeforeState = (typeof BEFORE_STATES)[number];

/** One store of a save, in the order the writer issues it. */
export interface SweepStore {
  /** What the store writes, for descriptions (`payload`, `header`, `magic`, …). */
  what: string;
  /** Where its bytes go. */
  gpa: bigint;
  /** The bytes, complete. */
  bytes: Uint8Array;
}

/** One unit a crash can stop after: part of one store. */
export interface StoreUnit {
  /** Index of its store in the save's store list. */
  store: number;
  /** GPA of its first byte. */
  gpa: bigint;
  /** Its bytes (a view into the store's). */
  bytes: Uint8Array;
}

/** The stores split into units of `granularity`, in store order, each unit within one aligned block. */
export function splitStores(stores: readonly SweepStore[], granularity: SweepGranularity): StoreUnit[] {
  const width = BigInt(GRANULARITY_BYTES[granularity]);
  const units: StoreUnit[] = [];
  stores.forEach((s, store) => {
    const end = s.gpa + BigInt(s.bytes.length);
    for (let gpa = s.gpa; gpa < end; ) {
      const next = gpa - (gpa % width) + width;
      const stop = next < end ? next : end;
      units.push({ store, gpa, bytes: s.bytes.subarray(Number(gpa - s.gpa), Number(stop - s.gpa)) });
      gpa = stop;
    }
  });
  return units;
}

/** The crash points to sweep, ascending: all of 0..total, or a seeded sample of `sample` of them. */
export function crashPoints(total: number, sample: number | undefined, seed: number): number[] {
  const all = Array.from({ length: total + 1 }, (_, i) => i);
  if (sample === undefined || sample >= all.length) return all;
  if (!Number.isSafeInteger(sample) || sample < 0) throw new RangeError(`sample must be a non-negative integer, got ${sample}`);
  // Partial Fisher–Yates with a seeded PRNG: the first `sample` slots are a uniform subset.
  const next = mulberry32(seed);
  for (let i = 0; i < sample; i++) {
    const j = i + Math.floor(next() * (all.length - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, sample).sort((a, b) => a - b);
}

/** mulberry32: a tiny deterministic PRNG over 32-bit state; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sets the persisted `area` of `memory` to the chosen before-state: `previous` leaves it,
 * `zeros` clears it, `random` fills it from mulberry32(`seed`) (salted, so the bytes do not
 * repeat the sampling sequence of the same seed).
 */
export function prepareBefore(memory: GuestMemory, area: MemoryRange, before: BeforeState, seed: number): void {
  if (before === 'previous') return;
  if (before === 'zeros') return memory.zero(area.start, area.len);
  const next = mulberry32(seed ^ 0x5eed_b17e);
  const bytes = new Uint8Array(Number(area.len));
  const words = new Uint32Array(bytes.buffer, 0, bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(next() * 4294967296);
  memory.write(area.start, bytes);
}

/**
 * What memory held when the machine stopped after `k` of `total` units of the real writer's
 * two stores (payload, then the 32-byte header), in words.
 */
export function describeTorn(k: number, total: number, payloadBytes: number, payloadLen: number, headerBytes: number, granularity: SweepGranularity): string {
  if (k === 0) return 'nothing written (stopped before the save)';
  if (k === total) return 'save complete (payload and header written)';
  if (headerBytes === 0) return `payload: ${payloadBytes} of ${payloadLen} bytes written; header not written`;
  const done = HEADER_FIELDS.filter((f) => f.offset + 8 <= headerBytes).map((f) => f.name);
  const partial = HEADER_FIELDS.find((f) => f.offset < headerBytes && headerBytes < f.offset + 8);
  const fields =
    granularity !== 'byte' || partial === undefined
      ? `${done.length} of 4 fields written (${done.join(', ')})`
      : `${headerBytes} of 32 bytes written (${[...done, `${headerBytes - partial.offset} of 8 bytes of ${partial.name}`].join(', ')})`;
  return `payload complete; header: ${fields}`;
}

/** The same for any writer's stores: each started store with the bytes of it written so far. */
export function describeStores(stores: readonly SweepStore[], written: readonly number[], k: number, total: number): string {
  if (k === 0) return 'nothing written (stopped before the save)';
  if (k === total) return 'save complete (every store written)';
  const parts: string[] = [];
  stores.forEach((s, i) => {
    const n = written[i] ?? 0;
    if (n > 0) parts.push(n === s.bytes.length ? `${s.what} written` : `${s.what}: ${n} of ${s.bytes.length} bytes`);
  });
  return parts.join('; ');
}
