/**
 * Hostile-input arbitraries for the fuzz suite, one group per layer:
 *
 * 1. payload bytes for `decodeSavedState`: raw bytes, and "wire soup" — sequences of mesh
 *    protobuf keys of every wire type (0–7, including groups 3/4 and mesh types 6/7) with
 *    honest or lying lengths, over-long varints and nested messages;
 * 2. persisted-region images for the boot shim: a real region saved by the usermode writer
 *    (worked example A), with header fields at extremes, the magic bit-flipped, and the payload
 *    truncated, bit-flipped, extended with unknown fields / groups / mesh fields, with re-typed
 *    or over-long keys, or with duplicated messages;
 * 3. scenario-file text for the scenario parser and the CLI: malformed JSON, arbitrary JSON,
 *    and a valid scenario with values of the wrong type or hostile lifecycle steps.
 *
 * Every arbitrary produces plain data (records of numbers, bigints and byte arrays) so that a
 * shrunk counterexample prints as something a person can replay.
 */
import fc from 'fast-check';
import type { Isolation } from '../../src/boot/types.js';
import { PERSISTED_STATE_MAGIC, DRAFT_MAGIC } from '../../src/format/header.js';
import { SimulatedVm } from '../../src/sim/runner.js';
import { exampleAInputs } from '../../src/sim/examples.js';
import type { GuestMemory } from '../../src/memory/guest-memory.js';
import type { BootInputs } from '../../src/boot/boot.js';

export const U64_MAX = (1n << 64n) - 1n;
export const TWO_MIB = 0x20_0000n;

// ---------------------------------------------------------------------------------------------
// Wire helpers
// ---------------------------------------------------------------------------------------------

/** The minimal varint of a u64 (values past 2^64 are cut to 64 bits). */
export function varint(value: bigint | number): number[] {
  let v = BigInt(value) & U64_MAX;
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? b : b | 0x80);
  } while (v !== 0n);
  return out;
}

/** A non-minimal varint of `value`: `extra` redundant continuation bytes (11+ bytes total is "varint too big"). */
export function overlongVarint(value: bigint | number, extra: number): number[] {
  const v = varint(value);
  if (extra <= 0) return v;
  v[v.length - 1]! |= 0x80;
  for (let i = 1; i < extra; i++) v.push(0x80);
  v.push(0x00);
  return v;
}

export function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layer 1: payload bytes
// ---------------------------------------------------------------------------------------------

/** Field numbers: the schema's (1–4), 0, and the extremes a key varint can carry. */
const fieldNumber = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 15, 16, 2 ** 29 - 1, 2 ** 32 - 1, 2 ** 35 - 1),
  fc.integer({ min: 0, max: 2 ** 35 - 1 }),
);
const wireType = fc.integer({ min: 0, max: 7 });

/** Lengths, honest or lying: small, at the u32/u53/u64 extremes, and 2^63. */
const lengthValue = fc.oneof(
  fc.integer({ min: 0, max: 64 }).map(BigInt),
  fc.constantFrom(0x7fn, 0x80n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n, 2n ** 63n, U64_MAX),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);

/** A key: field number and wire type, as a (possibly over-long) varint. */
const key = fc
  .record({ field: fieldNumber, wireType, extra: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })) })
  .map(({ field, wireType, extra }) => overlongVarint((BigInt(field) << 3n) | BigInt(wireType), extra));

const leafField: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Key + payload appropriate to its wire type (with honest-length data for 2 and 6).
  fc
    .record({ key, value: lengthValue, extra: fc.integer({ min: 0, max: 10 }), data: fc.uint8Array({ maxLength: 24 }), count: lengthValue })
    .map(({ key, value, extra, data, count }) => {
      const wt = key[0]! & 7; // low bits of the first key byte are the wire type
      switch (wt) {
        case 0:
          return concat([key, overlongVarint(value, extra)]);
        case 1:
          return concat([key, data.subarray(0, 8)]);
        case 5:
          return concat([key, data.subarray(0, 4)]);
        case 2:
          return concat([key, varint(data.length), data]);
        case 6:
          return concat([key, varint(count % 2n === 0n ? 0n : count), varint(data.length), data]);
        default:
          return concat([key, data]);
      }
    }),
  // Key with a lying length prefix.
  fc.record({ key, len: lengthValue, data: fc.uint8Array({ maxLength: 16 }) }).map(({ key, len, data }) => concat([key, varint(len), data])),
  // A bare (possibly over-long or unterminated) varint.
  fc.record({ value: lengthValue, extra: fc.integer({ min: 0, max: 12 }) }).map(({ value, extra }) => Uint8Array.from(overlongVarint(value, extra))),
  fc.uint8Array({ minLength: 1, maxLength: 12 }),
);

/** Nested, mostly well-formed mesh messages made of hostile fields. */
const wire = fc.letrec<{ message: Uint8Array; field: Uint8Array }>((tie) => ({
  message: fc.array(tie('field'), { maxLength: 8 }).map((fs) => concat(fs)),
  field: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    leafField,
    fc
      .record({ field: fc.constantFrom(1, 2, 3, 4, 5, 0), mesh: fc.boolean(), body: tie('message') })
      .map(({ field, mesh, body }) =>
        concat([varint((field << 3) | (mesh ? 6 : 2)), ...(mesh ? [[0]] : []), varint(body.length), body]),
      ),
  ),
}));

/** Layer 1: anything a payload region could hold. */
export const payloadBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  wire.message,
  wire.field,
);

// ---------------------------------------------------------------------------------------------
// A real saved region (worked example A, booted and saved once)
// ---------------------------------------------------------------------------------------------

/** A VM of worked example A that booted fresh and saved; its memory is the pristine image to mutate. */
export function savedExampleA(): { memory: GuestMemory; inputs: BootInputs; payload: Uint8Array; psStart: bigint; psEnd: bigint } {
  const vm = SimulatedVm.fromJson({ ...exampleAInputs(), lifecycle: [] });
  const first = vm.boot();
  if (first.path !== 'host') throw new Error('fuzz fixture: example A did not boot fresh');
  const saved = vm.save({ noIo: [1, 2], outstanding: [0] });
  if ('error' in saved) throw new Error(`fuzz fixture: save failed: ${JSON.stringify(saved)}`);
  const payload = Uint8Array.from(Buffer.from(saved.payload_hex, 'hex'));
  const s = vm.scenario;
  return {
    memory: vm.memory,
    inputs: { shim: s.shimParams, host: s.hostDt, cmdline: s.cmdlineOptions },
    payload,
    psStart: s.shimParams.persistedState.start,
    psEnd: s.shimParams.persistedState.end,
  };
}

/** Offsets of the top-level fields of a well-formed payload (wire types 0/1/2/5 only). */
export function topLevelFields(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  const read = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (pos < bytes.length) {
    const start = pos;
    const wt = Number(read() & 7n);
    if (wt === 0) read();
    else if (wt === 1) pos += 8;
    else if (wt === 5) pos += 4;
    else if (wt === 2) {
      const n = Number(read());
      pos += n;
    }
    else throw new Error(`topLevelFields: wire type ${wt} in a well-formed payload`);
    out.push(bytes.subarray(start, pos));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layer 2: payload mutations and header extremes
// ---------------------------------------------------------------------------------------------

/** A structural change to the list of top-level fields (indices are taken modulo the list). */
export type FieldMutation =
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'duplicate'; field: number; at: number }
  | { op: 'drop'; field: number }
  | { op: 'overlongKey'; field: number; extra: number }
  | { op: 'retype'; field: number; wireType: number };

/** A byte-level change applied after the structural ones. */
export type ByteMutation =
  | { op: 'truncate'; keep: number }
  | { op: 'bitflip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'append'; bytes: Uint8Array };

export interface PayloadMutation {
  fields: FieldMutation[];
  bytes: ByteMutation[];
}

const fieldMutation: fc.Arbitrary<FieldMutation> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(wire.field, leafField) }),
  fc.record({ op: fc.constant('duplicate' as const), field: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('drop' as const), field: fc.nat() }),
  fc.record({ op: fc.constant('overlongKey' as const), field: fc.nat(), extra: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ op: fc.constant('retype' as const), field: fc.nat(), wireType: fc.integer({ min: 0, max: 7 }) }),
);

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ op: fc.constant('bitflip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('append' as const), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4 }), leafField) }),
);

export const payloadMutation: fc.Arbitrary<PayloadMutation> = fc.record({
  fields: fc.array(fieldMutation, { maxLength: 4 }),
  bytes: fc.array(byteMutation, { maxLength: 3 }),
});

/** Applies a mutation to a well-formed payload. */
export function mutatePayload(payload: Uint8Array, m: PayloadMutation): Uint8Array {
  const fields: Uint8Array[] = topLevelFields(payload).map((f) => Uint8Array.from(f));
  const pick = (i: number) => (fields.length === 0 ? -1 : i % fields.length);
  for (const f of m.fields) {
    switch (f.op) {
      case 'insert':
        fields.splice(f.at % (fields.length + 1), 0, f.bytes);
        break;
      case 'duplicate': {
        const i = pick(f.field);
        if (i >= 0) fields.splice(f.at % (fields.length + 1), 0, fields[i]!);
        break;
      }
      case 'drop': {
        const i = pick(f.field);
        if (i >= 0) fields.splice(i, 1);
        break;
      }
      case 'overlongKey':
      case 'retype': {
        const i = pick(f.field);
        if (i < 0) break;
        const old = fields[i]!;
        // Every key of a well-formed example-A payload is one byte.
        const k = old[0]!;
        const newKey = f.op === 'retype' ? [(k & ~7) | f.wireType] : overlongVarint(k, f.extra);
        fields[i] = concat([newKey, old.subarray(1)]);
        break;
      }
    }
  }
  let bytes: Uint8Array = concat(fields);
  for (const b of m.bytes) {
    switch (b.op) {
      case 'truncate':
        bytes = bytes.subarray(0, b.keep % (bytes.length + 1));
        break;
      case 'bitflip':
        if (bytes.length > 0) {
          bytes = Uint8Array.from(bytes);
          bytes[b.at % bytes.length]! ^= 1 << b.bit;
        }
        break;
      case 'set':
        if (bytes.length > 0) {
          bytes = Uint8Array.from(bytes);
          bytes[b.at % bytes.length] = b.value;
        }
        break;
      case 'append':
        bytes = concat([bytes, b.bytes]);
        break;
    }
  }
  return bytes;
}

/**
 * A header field's value: `keep` (what the writer wrote; for `payload_len`, the length of the
 * possibly mutated payload), an explicit u64, or `wrap` (`2^64 − base + plus`, so that
 * `base + region_len` wraps past 2^64 to `plus`).
 */
export type HeaderValue = { k: 'keep' } | { k: 'value'; v: bigint } | { k: 'wrap'; plus: bigint };

/** Extreme header values relative to example A's persisted region (0x8000000..0x8200000). */
const headerValue: fc.Arbitrary<HeaderValue> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ k: 'keep' as const }) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(
        0n,
        1n,
        0xfffn,
        0x1000n,
        0x1001n,
        0x13000n,
        0x13001n,
        0x14000n,
        0x1ff000n,
        TWO_MIB,
        TWO_MIB + 1n,
        0x800_0000n,
        0x800_0001n,
        0x800_1000n,
        0x800_1800n,
        0x81f_f000n,
        0x820_0000n,
        2n ** 32n,
        2n ** 63n,
        2n ** 63n + 0x1000n,
        U64_MAX - 0xfffn,
        U64_MAX,
      )
      .map((v) => ({ k: 'value' as const, v })),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map((v) => ({ k: 'value' as const, v })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0n, 0x1000n, 0x800_0000n, 0x800_1000n, 0x801_4000n).map((plus) => ({ k: 'wrap' as const, plus })),
  },
);

/** The magic: as written, the byte-swapped draft constant, one bit flipped, or any u64. */
export type MagicValue = { k: 'valid' } | { k: 'draft' } | { k: 'flip'; bit: number } | { k: 'value'; v: bigint };

const magicValue: fc.Arbitrary<MagicValue> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ k: 'valid' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'draft' as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 63 }).map((bit) => ({ k: 'flip' as const, bit })) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }).map((v) => ({ k: 'value' as const, v })) },
);

/** What the payload region holds. */
export type RegionPayload = { k: 'saved' } | { k: 'mutated'; m: PayloadMutation } | { k: 'bytes'; bytes: Uint8Array };

/** One hostile persisted region (and the isolation it is booted with). */
export interface RegionCase {
  isolation: Isolation;
  magic: MagicValue;
  base: HeaderValue;
  regionLen: HeaderValue;
  payloadLen: HeaderValue;
  payload: RegionPayload;
}

export const regionCase: fc.Arbitrary<RegionCase> = fc.record({
  isolation: fc.oneof({ weight: 12, arbitrary: fc.constant<Isolation>('None') }, fc.constantFrom<Isolation>('Vbs', 'Snp', 'Tdx', 'Cca')),
  magic: magicValue,
  base: headerValue,
  regionLen: headerValue,
  payloadLen: headerValue,
  payload: fc.oneof(
    { weight: 2, arbitrary: fc.constant({ k: 'saved' as const }) },
    { weight: 6, arbitrary: payloadMutation.map((m) => ({ k: 'mutated' as const, m })) },
    { weight: 2, arbitrary: payloadBytes.map((bytes) => ({ k: 'bytes' as const, bytes })) },
  ),
});

/** The header and payload bytes a region case describes, given the pristine header and payload. */
export function materializeRegion(
  c: RegionCase,
  pristine: { base: bigint; regionLen: bigint; payload: Uint8Array },
): { magic: bigint; base: bigint; regionLen: bigint; payloadLen: bigint; payload: Uint8Array } {
  const payload =
    c.payload.k === 'saved' ? pristine.payload : c.payload.k === 'mutated' ? mutatePayload(pristine.payload, c.payload.m) : c.payload.bytes;
  const magic =
    c.magic.k === 'valid'
      ? PERSISTED_STATE_MAGIC
      : c.magic.k === 'draft'
        ? DRAFT_MAGIC
        : c.magic.k === 'flip'
          ? PERSISTED_STATE_MAGIC ^ (1n << BigInt(c.magic.bit))
          : c.magic.v;
  const base = c.base.k === 'value' ? c.base.v : pristine.base;
  const value = (h: HeaderValue, keep: bigint): bigint =>
    h.k === 'keep' ? keep : h.k === 'value' ? h.v : ((1n << 64n) - base + h.plus) & U64_MAX;
  return {
    magic,
    base,
    regionLen: value(c.regionLen, pristine.regionLen),
    payloadLen: value(c.payloadLen, BigInt(payload.length)),
    payload,
  };
}

// ---------------------------------------------------------------------------------------------
// Layer 3: scenario files
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const hexU64 = fc.oneof(
  fc.constantFrom('0x0', '0x1', '0x1000', '0x13000', '0x200000', '0x8000000', '0x8001000', '0x8001001', '0xffffffffffffffff', '0x8000000000000000'),
  fc.bigInt({ min: 0n, max: U64_MAX }).map((v) => `0x${v.toString(16)}`),
);

/** Lifecycle steps, mostly well-formed, aimed at the persisted region. */
const lifecycleStep: fc.Arbitrary<Json> = fc.oneof(
  fc.constant({ op: 'boot' }),
  fc.record({ op: fc.constant('save'), cpus_with_outstanding_io: fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 4 }) }),
  fc.record({ op: fc.constant('save'), crash_before_header: fc.boolean() }),
  fc.record(
    {
      op: fc.constant('corrupt'),
      kind: fc.constant('header'),
      magic: hexU64,
      protobuf_base: hexU64,
      protobuf_region_len: hexU64,
      protobuf_payload_len: hexU64,
    },
    { requiredKeys: ['op', 'kind'] },
  ),
  fc.record({ op: fc.constant('corrupt'), kind: fc.constant('bitflip'), offset: fc.integer({ min: 0, max: 0x1200 }), bit: fc.integer({ min: 0, max: 8 }) }),
  fc.record({
    op: fc.constant('corrupt'),
    kind: fc.constant('write'),
    offset: fc.integer({ min: 0, max: 0x1100 }),
    hex: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
  }),
  fc.record({ op: fc.constant('corrupt'), kind: fc.constant('zero'), offset: hexU64, len: hexU64 }),
  fc.record({
    op: fc.constant('corrupt'),
    kind: fc.constant('payload_len_delta'),
    delta: fc.oneof(fc.integer({ min: -400, max: 400 }), hexU64, hexU64.map((h) => `-${h}`)),
  }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** Every path (list of keys/indices) into a JSON value, the root included. */
function pathsOf(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

/** Replaces (or, with `undefined`, deletes) the value at `path` in a deep copy of `root`. */
function setAt(root: Json, path: readonly (string | number)[], value: Json | undefined): Json | undefined {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node: Record<string | number, Json> = copy;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy as Json;
}

const BASE_SCENARIO = { name: 'fuzz', ...exampleAInputs() } as unknown as Json;
const BASE_PATHS = pathsOf(BASE_SCENARIO);

/** A scenario value: example A with a hostile lifecycle and up to three values replaced (wrong types, extremes) or deleted. */
export const scenarioValue: fc.Arbitrary<Json | undefined> = fc
  .record({
    lifecycle: fc.array(lifecycleStep, { maxLength: 6 }),
    edits: fc.array(
      fc.record({
        path: fc.integer({ min: 0, max: BASE_PATHS.length - 1 }),
        value: fc.option(fc.oneof(hexU64, fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>), { nil: undefined }),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ lifecycle, edits }) => {
    let v: Json | undefined = { ...(BASE_SCENARIO as Record<string, Json>), lifecycle };
    for (const e of edits) {
      if (v === undefined) break;
      // Paths of the base stay valid only while the shape allows; skip the rest.
      try {
        v = setAt(v, BASE_PATHS[e.path]!, e.value);
      } catch {
        /* the path no longer exists after an earlier edit */
      }
    }
    return v;
  });

/** Scenario-file text: malformed JSON, random JSON, and (mostly) hostile scenarios, one or several. */
export const scenarioText: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.string({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 5, arbitrary: scenarioValue.map((v) => JSON.stringify(v) ?? 'undefined') },
  { weight: 1, arbitrary: fc.array(scenarioValue, { maxLength: 2 }).map((vs) => JSON.stringify({ scenarios: vs })) },
  {
    weight: 2,
    // Valid JSON cut short or with one character replaced: malformed at a random place.
    arbitrary: fc
      .record({ v: scenarioValue, at: fc.nat(), ch: fc.constantFrom('', '{', '}', '"', ',', ':', '\u0000', '\uFEFF', 'x') })
      .map(({ v, at, ch }) => {
        const t = JSON.stringify(v) ?? '';
        const i = at % (t.length + 1);
        return t.slice(0, i) + ch + t.slice(i + 1);
      }),
  },
);
