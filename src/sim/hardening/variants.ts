/**
 * Hypothetical hardenings of OpenHCL's persisted-state handoff, each a writer change and a reader
 * change that the hardening lab (./lab.ts) sweeps against torn saves. None of them is something
 * OpenHCL does: `real` is the shipped format, the others are proposals to measure
 * (docs/hardening.md). A reader change is a check that runs before the real boot shim's restore
 * and either lets it go on (possibly reading a different place, see `ab-slots`) or rejects the
 * state; every byte the real reader reads is still read by our exact emulation of it.
 */
import { crc32c } from '../../format/crc32c.js';
import { encodeHeader, HEADER_PAGE_SIZE, PERSISTED_STATE_MAGIC, type PersistedStateHeader } from '../../format/header.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { MemoryRange } from '../../memory/range.js';
import type { SweepStore } from '../crash-model.js';

/** The variants' names, the shipped format first. */
export const VARIANT_NAMES = ['real', 'crc32c-in-header', 'invalidate-first', 'generation', 'ab-slots'] as const;
/** A variant's name. */
export type VariantName = (typeof VARIANT_NAMES)[number];

/** Where a save goes: the header page's GPA and the protobuf region after it. */
export interface SaveGeometry {
  /** GPA of the header (the persisted area's first page). */
  header: bigint;
  /** The protobuf region (the rest of the persisted area). */
  region: MemoryRange;
}

/** One save, as the real writer plans it, for a variant writer to rework. */
export interface SaveInput {
  /** The real writer's payload (mesh-encoded `SavedState`). */
  payload: Uint8Array;
  /** The save's sequence number, from 1 (only `generation` and `ab-slots` use it). */
  generation: bigint;
}

/** What a reader check found, before the real boot shim's restore runs. */
export type CheckVerdict =
  | {
      /** Go on with the real restore; `patches` are stores the check's view applies first (undone after the boot). */
      verdict: 'pass';
      /** How the state was accepted: it carried the variant's proof, or none (a shipped writer's state, read as today). */
      as: 'checked' | 'legacy' | 'unchanged';
      /** The view the hypothetical reader reads instead of memory as it is (see `ab-slots`). */
      patches?: SweepStore[];
    }
  | {
      /** The check rejected the state. */
      verdict: 'fail';
      /** Why, for the result's message. */
      reason: string;
    };

/** Work a check adds to the boot path, counted. */
export interface CheckWork {
  /** Comparisons the check makes. */
  checks: number;
  /** Bytes it reads that today's reader does not (hashed, compared or parsed). */
  bytesRead: number;
}

/** A hardening: a writer change and a reader change. */
export interface HardeningVariant {
  /** Stable name (`--variants`). */
  name: VariantName;
  /** One line: what the writer and the reader do differently. */
  summary: string;
  /** Bytes of header (past today's 32) and of payload the variant adds to a save. */
  addedBytes(save: SaveInput): {
    /** Header bytes past today's 32. */
    header: number;
    /** Payload bytes. */
    payload: number;
  };
  /** The largest payload (real encoding) a save can hold in the region. */
  capacity(geometry: SaveGeometry): bigint;
  /** The stores of a save, in the order the variant writer issues them. */
  stores(save: SaveInput, geometry: SaveGeometry): SweepStore[];
  /** The reader's check of memory as the next boot finds it; `work` hears what it costs. */
  check(memory: GuestMemory, geometry: SaveGeometry, work: CheckWork): CheckVerdict;
}

/** The real header of a payload of `len` bytes at `base` in a region of `regionLen` bytes. */
function header(base: bigint, regionLen: bigint, len: number): PersistedStateHeader {
  return { magic: PERSISTED_STATE_MAGIC, protobufBase: base, protobufRegionLen: regionLen, protobufPayloadLen: BigInt(len) };
}

/** The real writer's two stores: the payload, then the 32-byte header. */
function realStores(payload: Uint8Array, g: SaveGeometry, base = g.region.start, regionLen = g.region.len): SweepStore[] {
  return [
    { what: 'payload', gpa: base, bytes: payload },
    { what: 'header', gpa: g.header, bytes: encodeHeader(header(base, regionLen, payload.length)) },
  ];
}

const le32 = (v: number) => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
const le64 = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

/** Whether the header in memory has the shipped magic (else the real reader takes the fresh path). */
function magicValid(memory: GuestMemory, g: SaveGeometry): boolean {
  return memory.readU64(g.header) === PERSISTED_STATE_MAGIC;
}

/**
 * The header's payload span if it lies inside the protobuf region, else why not. A hardened
 * reader must bound the bytes it checks before it checks them; today's reader then runs its own
 * bound checks (and panics where they fail).
 */
function payloadSpan(memory: GuestMemory, g: SaveGeometry): { base: bigint; len: bigint } | string {
  const base = memory.readU64(g.header + 8n);
  const regionLen = memory.readU64(g.header + 16n);
  const len = memory.readU64(g.header + 24n);
  if (base < g.region.start || base > g.region.end || regionLen > g.region.end - base || len > regionLen) {
    return `the header's payload span (protobuf_base ${hex(base)}, protobuf_region_len ${hex(regionLen)}, protobuf_payload_len ${hex(len)}) is not inside the protobuf region`;
  }
  return { base, len };
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** `"C32C"` at header offset 0x20: the rest of the header page is unused today, so the marker tells a checked header from a shipped one. */
export const CRC_MARKER = 0x4333_3243;

/**
 * CRC-32C of the header's 32 bytes and the payload, after the marker (header 0x24..0x28). The
 * marker and CRC are stored BEFORE the 32 header bytes: stored after them, a first save into
 * cleared memory would have a valid magic and no marker yet while its header is torn, and the
 * reader would take that for a shipped writer's header.
 */
const crcVariant: HardeningVariant = {
  name: 'crc32c-in-header',
  summary: 'CRC-32C of the 32 header bytes and the payload at header 0x24 (after a "C32C" marker), stored between the payload and the header; the reader rejects a mismatch',
  addedBytes: () => ({ header: 8, payload: 0 }),
  capacity: (g) => g.region.len,
  stores(save, g) {
    const [payload, head] = realStores(save.payload, g);
    const crc = crc32c(save.payload, crc32c(head!.bytes));
    return [payload!, { what: 'marker and CRC', gpa: g.header + 0x20n, bytes: new Uint8Array([...le32(CRC_MARKER), ...le32(crc)]) }, head!];
  },
  check(memory, g, work) {
    if (!magicValid(memory, g)) return { verdict: 'pass', as: 'unchanged' };
    work.checks++;
    work.bytesRead += 4;
    if (memory.readU32(g.header + 0x20n) !== CRC_MARKER) return { verdict: 'pass', as: 'legacy' };
    const span = payloadSpan(memory, g);
    work.checks++;
    if (typeof span === 'string') return { verdict: 'fail', reason: span };
    const head = memory.read(g.header, 32n);
    const want = memory.readU32(g.header + 0x24n);
    const got = crc32c(memory.read(span.base, span.len), crc32c(head));
    work.checks++;
    work.bytesRead += 4 + 32 + Number(span.len);
    if (got !== want) return { verdict: 'fail', reason: `CRC-32C mismatch: the header says ${hex(BigInt(want))}, the header and payload give ${hex(BigInt(got))}` };
    return { verdict: 'pass', as: 'checked' };
  },
};

/** Clears the magic before anything else, writes the payload and the other header fields, and the magic last. */
const invalidateFirst: HardeningVariant = {
  name: 'invalidate-first',
  summary: 'the writer zeroes the magic first, then writes the payload, the other header fields, and the magic last; the reader is unchanged',
  addedBytes: () => ({ header: 0, payload: 0 }),
  capacity: (g) => g.region.len,
  stores(save, g) {
    const [payload, head] = realStores(save.payload, g);
    return [
      { what: 'magic cleared', gpa: g.header, bytes: new Uint8Array(8) },
      payload!,
      { what: 'header fields', gpa: g.header + 8n, bytes: head!.bytes.subarray(8) },
      { what: 'magic', gpa: g.header, bytes: head!.bytes.subarray(0, 8) },
    ];
  },
  check: () => ({ verdict: 'pass', as: 'unchanged' }),
};

/** Protobuf field 5 of `SavedState`, unused today: a varint the shipped decoder skips. */
export const GENERATION_FIELD = 5;

/** The payload with `5: generation` in front (mesh reads fields in any order and skips unknown ones). */
function withGeneration(payload: Uint8Array, generation: bigint): Uint8Array {
  const bytes = [GENERATION_FIELD << 3];
  for (let v = generation; ; v >>= 7n) {
    if (v < 0x80n) {
      bytes.push(Number(v));
      break;
    }
    bytes.push(Number(v & 0x7fn) | 0x80);
  }
  const out = new Uint8Array(bytes.length + payload.length);
  out.set(bytes);
  out.set(payload, bytes.length);
  return out;
}

/** The generation a payload starts with, or undefined (bounded: at most ten varint bytes inside the payload). */
function leadingGeneration(bytes: Uint8Array): bigint | undefined {
  if (bytes[0] !== GENERATION_FIELD << 3) return undefined;
  let v = 0n;
  for (let i = 1; i < Math.min(bytes.length, 11); i++) {
    v |= BigInt(bytes[i]! & 0x7f) << BigInt(7 * (i - 1));
    if ((bytes[i]! & 0x80) === 0) return v & 0xffff_ffff_ffff_ffffn;
  }
  return undefined;
}

/**
 * A sequence number at header 0x20 (stored after the 32 header bytes, so a torn header still
 * carries the previous number) and as payload field 5, written first; the reader accepts only a
 * match. A header whose number is 0 is a shipped writer's and is read as today: that includes a
 * first save into cleared memory until its number lands.
 */
const generationVariant: HardeningVariant = {
  name: 'generation',
  summary: 'a u64 sequence number at header 0x20 and as a new payload field 5 (written first in the payload); the reader accepts only a match',
  addedBytes: (save) => ({ header: 8, payload: withGeneration(new Uint8Array(0), save.generation).length }),
  capacity: (g) => g.region.len - 11n,
  stores(save, g) {
    const payload = withGeneration(save.payload, save.generation);
    const [p, head] = realStores(payload, g);
    return [p!, head!, { what: 'generation', gpa: g.header + 0x20n, bytes: le64(save.generation) }];
  },
  check(memory, g, work) {
    if (!magicValid(memory, g)) return { verdict: 'pass', as: 'unchanged' };
    work.checks++;
    work.bytesRead += 8;
    const inHeader = memory.readU64(g.header + 0x20n);
    if (inHeader === 0n) return { verdict: 'pass', as: 'legacy' };
    const span = payloadSpan(memory, g);
    work.checks++;
    if (typeof span === 'string') return { verdict: 'fail', reason: span };
    const head = memory.read(span.base, span.len < 11n ? span.len : 11n);
    const inPayload = leadingGeneration(head);
    work.checks++;
    work.bytesRead += head.length;
    if (inPayload !== inHeader) {
      return { verdict: 'fail', reason: `generation mismatch: the header says ${inHeader}, the payload ${inPayload === undefined ? 'carries none' : `says ${inPayload}`}` };
    }
    return { verdict: 'pass', as: 'checked' };
  },
};

/** The two halves of the protobuf region (each a whole number of pages). */
export function slots(g: SaveGeometry): [MemoryRange, MemoryRange] {
  const half = (g.region.len / 2n / HEADER_PAGE_SIZE) * HEADER_PAGE_SIZE;
  return [new MemoryRange(g.region.start, g.region.start + half), new MemoryRange(g.region.start + half, g.region.end)];
}

/** Odd generations go to slot A, even ones to slot B; the header names the slot last written whole. */
const abSlots: HardeningVariant = {
  name: 'ab-slots',
  summary: 'two payload slots (the halves of the region), used in turn; the header, written after the payload, names the complete one',
  addedBytes: () => ({ header: 0, payload: 0 }),
  capacity: (g) => slots(g)[0].len,
  stores(save, g) {
    const slot = slots(g)[save.generation % 2n === 1n ? 0 : 1];
    return realStores(save.payload, g, slot.start, slot.len);
  },
  check(memory, g, work) {
    if (!magicValid(memory, g)) return { verdict: 'pass', as: 'unchanged' };
    const [a, b] = slots(g);
    const base = memory.readU64(g.header + 8n);
    work.checks++;
    // A shipped header names the whole region from its start, where slot A starts.
    if (base === a.start) return { verdict: 'pass', as: memory.readU64(g.header + 16n) === g.region.len ? 'legacy' : 'checked' };
    if (base !== b.start) return { verdict: 'fail', reason: `protobuf_base ${hex(base)} names neither slot (${hex(a.start)}, ${hex(b.start)})` };
    const len = memory.readU64(g.header + 24n);
    if (len > b.len) return { verdict: 'fail', reason: `protobuf_payload_len ${hex(len)} is larger than slot B (${hex(b.len)} bytes)` };
    // The shipped restore path insists the payload region starts right after the header page;
    // the hypothetical reader reads slot B as the shipped one reads the region's start.
    const moved = encodeHeader(header(a.start, memory.readU64(g.header + 16n), Number(len)));
    return {
      verdict: 'pass',
      as: 'checked',
      patches: [
        { what: 'slot B read as the region start', gpa: a.start, bytes: memory.read(b.start, len) },
        { what: 'header naming it there', gpa: g.header, bytes: moved },
      ],
    };
  },
};

/** The shipped format: today's writer and reader. */
const real: HardeningVariant = {
  name: 'real',
  summary: "the shipped format: payload, then the 32-byte header; no check beyond today's",
  addedBytes: () => ({ header: 0, payload: 0 }),
  capacity: (g) => g.region.len,
  stores: (save, g) => realStores(save.payload, g),
  check: () => ({ verdict: 'pass', as: 'unchanged' }),
};

/** Every variant by name. */
export const VARIANTS: Readonly<Record<VariantName, HardeningVariant>> = {
  real,
  'crc32c-in-header': crcVariant,
  'invalidate-first': invalidateFirst,
  generation: generationVariant,
  'ab-slots': abSlots,
};
