/**
 * The fuzz properties as plain functions (each throws an `Error` describing the violation),
 * shared by the CI campaign (fuzz.test.ts) and the long-campaign runner (run.ts), plus the
 * fast-check properties that tie them to the arbitraries.
 *
 * Budgets are counted, never timed:
 * - allocation: `GuestMemory.prototype.read` is wrapped to record every read length (a read is
 *   where a length taken from memory would turn into an allocation); no read may exceed the
 *   2 MiB persisted region; the global `Uint8Array`/`ArrayBuffer` constructors are wrapped to
 *   count the bytes requested (a decode may request at most `4 × bytes + 64 KiB`; today it
 *   requests none); and {@link arrayBufferGrowth} measures `process.memoryUsage().arrayBuffers`
 *   across runs, after a forced GC, with no hook at all;
 * - work: `MeshReader.prototype.nextField` and `.varint` are wrapped to count calls; a decode
 *   may make at most `2 × bytes + 16` of them (every call consumes at least one byte, plus one
 *   failing call), and a boot at most `2 × bytes read from memory + 16`.
 * The wrappers are installed around one case and removed right after (try/finally).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { boot, type BootResult } from '../../src/boot/boot.js';
import type { PanicKind } from '../../src/boot/panic.js';
import { InputError } from '../../src/boot/inputs.js';
import { main } from '../../src/cli/main.js';
import { Vtl2PersistError } from '../../src/errors.js';
import { DecodeError, type DecodeErrorCode } from '../../src/format/codec-error.js';
import { decodeSavedState } from '../../src/format/decode.js';
import { encodeSavedState } from '../../src/format/encode.js';
import { encodeHeader, HEADER_PAGE_SIZE, PERSISTED_STATE_MAGIC } from '../../src/format/header.js';
import { MeshReader } from '../../src/format/mesh-reader.js';
import type { SavedState } from '../../src/format/saved-state.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { parseScenarioFileText } from '../../src/sim/scenario-file.js';
import {
  materializeRegion,
  payloadBytes,
  regionCase,
  savedExampleA,
  scenarioText,
  TWO_MIB,
  U64_MAX,
  type RegionCase,
} from './arbitraries.js';
import { largePayload, looseSavedState } from './wire-arbitraries.js';

// ---------------------------------------------------------------------------------------------
// Documented outcomes
// ---------------------------------------------------------------------------------------------

/** src/boot/panic.ts `PanicKind`, as a runtime list (the type check below keeps it complete). */
export const PANIC_KINDS = [
  'protobuf_region_not_contained',
  'payload_len_gt_region_len',
  'protobuf_decode_failed',
  'bump_heap_exhausted',
  'vtl2_ram_mismatch',
  'persisted_header_missing',
  'persisted_protobuf_missing',
  'header_end_ne_region_start',
  'range_start_unaligned',
  'range_end_unaligned',
  'range_start_gt_end',
  'walk_right_not_sorted',
  'walk_left_not_sorted',
  'merge_not_sorted',
  'merge_overlap',
  'address_space_init_failed',
  'vtl2_range_outside',
  'dt_error',
  'host_vtl2_size_too_small',
  'pool_alloc_failed',
  'pool_split_zero',
  'vtl2_ram_alloc_failed',
  'file_range_not_host_ram',
  'vtl0_mmio_not_2',
  'capacity_exceeded',
  'index_out_of_bounds',
  'e820_overflow',
  'arithmetic_overflow',
] as const satisfies readonly PanicKind[];
// Fails to compile if panic.ts gains a kind this list lacks.
const _allKinds: Exclude<PanicKind, (typeof PANIC_KINDS)[number]> extends never ? true : never = true;
void _allKinds;

/** The mesh decode errors a payload read from memory can produce (`not_bytes` needs a non-array). */
export const DECODE_CODES = [
  'eof_varint',
  'eof_fixed64',
  'eof_fixed32',
  'eof_byte_array',
  'varint_too_big',
  'unknown_wire_type',
  'expected_message',
  'expected_varint',
  'missing_resource',
  'invalid_resource_range',
] as const satisfies readonly DecodeErrorCode[];

function fail(message: string): never {
  throw new Error(message);
}

function describeThrown(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack ?? ''}` : `non-Error thrown: ${String(e)}`;
}

// ---------------------------------------------------------------------------------------------
// Meters (monkeypatches installed around one case)
// ---------------------------------------------------------------------------------------------

export interface Meter {
  /** `MeshReader.nextField` + `MeshReader.varint` calls. */
  decoderOps: number;
  /** Bytes requested from `new Uint8Array(n)` / `new ArrayBuffer(n)` (and `Uint8Array.from`/`of` results). */
  allocated: number;
  /** Largest single such request. */
  maxAlloc: number;
  /** Largest single `GuestMemory.read` length. */
  maxRead: bigint;
  /** Sum of all `GuestMemory.read` lengths. */
  totalRead: bigint;
}

/** Runs `fn` with the decoder and memory-read meters installed; always restores the originals. */
export function metered<T>(fn: () => T): { value: T; meter: Meter } | { error: unknown; meter: Meter } {
  const meter: Meter = { decoderOps: 0, allocated: 0, maxAlloc: 0, maxRead: 0n, totalRead: 0n };
  const restoreAlloc = installAllocationMeter(meter);
  const proto = MeshReader.prototype;
  const nextField = proto.nextField;
  const varint = proto.varint;
  const read = GuestMemory.prototype.read;
  proto.nextField = function (this: MeshReader, ...args: Parameters<MeshReader['nextField']>) {
    meter.decoderOps++;
    return nextField.apply(this, args);
  };
  proto.varint = function (this: MeshReader, end: number) {
    meter.decoderOps++;
    return varint.call(this, end);
  };
  GuestMemory.prototype.read = function (this: GuestMemory, gpa: bigint, len: bigint) {
    if (typeof len === 'bigint') {
      if (len > meter.maxRead) meter.maxRead = len;
      meter.totalRead += len;
    }
    return read.call(this, gpa, len);
  };
  try {
    return { value: fn(), meter };
  } catch (error) {
    return { error, meter };
  } finally {
    restoreAlloc();
    proto.nextField = nextField;
    proto.varint = varint;
    GuestMemory.prototype.read = read;
  }
}

/**
 * Replaces the global `Uint8Array` and `ArrayBuffer` constructors with counting proxies (the
 * decoder's modules look both up on the global object at call time, so a `new Uint8Array(len)`
 * in src/ is counted) and returns the function that puts the originals back. A length-sized
 * request shows up here whether or not the engine ever touches the pages.
 */
export function installAllocationMeter(meter: Pick<Meter, 'allocated' | 'maxAlloc'>): () => void {
  const g = globalThis as { Uint8Array: Uint8ArrayConstructor; ArrayBuffer: ArrayBufferConstructor };
  const U8 = g.Uint8Array;
  const AB = g.ArrayBuffer;
  const count = (n: number) => {
    meter.allocated += n;
    if (n > meter.maxAlloc) meter.maxAlloc = n;
  };
  const sizeOf = (a: unknown): number => (typeof a === 'number' ? a : typeof a === 'bigint' ? Number(a) : 0);
  g.Uint8Array = new Proxy(U8, {
    construct(target, args, newTarget) {
      const made = Reflect.construct(target, args, newTarget) as Uint8Array;
      // A view over an existing buffer allocates nothing; a length or a copied array-like does.
      if (!(args[0] instanceof AB) && !(typeof SharedArrayBuffer !== 'undefined' && args[0] instanceof SharedArrayBuffer)) count(made.byteLength);
      return made;
    },
  });
  g.ArrayBuffer = new Proxy(AB, {
    construct(target, args, newTarget) {
      count(sizeOf(args[0]));
      return Reflect.construct(target, args, newTarget) as ArrayBuffer;
    },
  });
  return () => {
    g.Uint8Array = U8;
    g.ArrayBuffer = AB;
  };
}

let forceGc: (() => void) | undefined;
/** A full garbage collection (`gc()`, exposed at run time through V8's flags). */
function collectGarbage(): void {
  if (forceGc === undefined) {
    setFlagsFromString('--expose-gc');
    forceGc = runInNewContext('gc') as () => void;
  }
  forceGc();
}

/**
 * Runs `fn` `runs` times, each after a full garbage collection, and returns the largest growth
 * of `process.memoryUsage().arrayBuffers` (external memory held by ArrayBuffers, where a
 * `new Uint8Array(2^30)` lands at once, zero pages or not) across one run. Collecting first
 * means an earlier run's garbage cannot be freed during this one and hide its allocation.
 */
export function arrayBufferGrowth(fn: () => void, runs: number): number {
  let max = 0;
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    try {
      fn();
    } catch {
      /* the caller checks the outcome separately */
    }
    max = Math.max(max, process.memoryUsage().arrayBuffers - before);
  }
  return max;
}

/** The operation budget of decoding `n` bytes. */
export const opBudget = (n: number | bigint): number => 2 * Number(n) + 16;

// ---------------------------------------------------------------------------------------------
// Layer 1: the payload decoder
// ---------------------------------------------------------------------------------------------

function checkStateShape(s: SavedState): void {
  const u32 = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
  const u64 = (v: unknown) => typeof v === 'bigint' && v >= 0n && v <= U64_MAX;
  for (const e of s.partitionMemory) {
    if (!u64(e.range.start) || !u64(e.range.end) || !u32(e.vnode) || !u32(e.vtlType) || !u32(e.igvmType) || e.igvmType > 0xffff) {
      fail(`decoded memory entry out of range: ${String(JSON.stringify(e, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)))}`);
    }
  }
  for (const e of s.partitionMmio) if (!u64(e.range.start) || !u64(e.range.end) || !u32(e.vtlType)) fail('decoded mmio entry out of range');
  for (const c of [...s.cpusWithMappedInterruptsNoIo, ...s.cpusWithOutstandingIo]) if (!u32(c)) fail(`decoded cpu ${c} is not a u32`);
}

/** decode → a SavedState or a DecodeError with a documented code, within the operation budget. */
export function checkDecode(bytes: Uint8Array): void {
  const r = metered(() => decodeSavedState(bytes));
  if ('error' in r) {
    const e = r.error;
    if (!(e instanceof DecodeError)) fail(`decode threw a non-DecodeError: ${describeThrown(e)}`);
    if (!(DECODE_CODES as readonly string[]).includes(e.code)) fail(`undocumented DecodeError code ${e.code}`);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > bytes.length) fail(`DecodeError offset ${e.offset} outside 0..${bytes.length}`);
  } else {
    checkStateShape(r.value);
  }
  if (r.meter.decoderOps > opBudget(bytes.length)) {
    fail(`decode of ${bytes.length} bytes made ${r.meter.decoderOps} reader calls (budget ${opBudget(bytes.length)})`);
  }
  if (r.meter.allocated > allocBudget(bytes.length)) {
    fail(`decode of ${bytes.length} bytes requested ${r.meter.allocated} bytes of typed arrays (budget ${allocBudget(bytes.length)})`);
  }
}

/** The typed-array allocation budget of decoding `n` bytes (the decoder reads views; today it allocates none). */
export const allocBudget = (n: number): number => 4 * n + 65536;

/**
 * Whatever decodes re-encodes to a fixed point: `decode(encode(decode(b))) = decode(b)` and
 * `encode` of that is stable. Returns whether the decoded state was non-empty.
 */
export function checkCanonical(bytes: Uint8Array): boolean {
  let s: SavedState;
  try {
    s = decodeSavedState(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) fail(`decode threw a non-DecodeError: ${describeThrown(e)}`);
    return false;
  }
  let canonical: Uint8Array;
  try {
    canonical = encodeSavedState(s);
  } catch (e) {
    fail(`a decoded state does not re-encode: ${describeThrown(e)}`);
  }
  const again = decodeSavedState(canonical);
  if (!isDeepStrictEqual(again, s)) fail('decode(encode(decode(b))) differs from decode(b)');
  if (!isDeepStrictEqual(encodeSavedState(again), canonical)) fail('encode(decode(canonical)) differs from canonical');
  return s.partitionMemory.length + s.partitionMmio.length + s.cpusWithMappedInterruptsNoIo.length + s.cpusWithOutstandingIo.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Layer 2: the boot shim
// ---------------------------------------------------------------------------------------------

type Fixture = ReturnType<typeof savedExampleA> & { pristineBase: bigint; pristineRegionLen: bigint };
let fixture: Fixture | undefined;

/** Worked example A, booted and saved once per process. */
export function bootFixture(): Fixture {
  if (fixture === undefined) {
    const f = savedExampleA();
    const h = f.memory.read(f.psStart, 32n);
    const view = new DataView(h.buffer, h.byteOffset, 32);
    fixture = { ...f, pristineBase: view.getBigUint64(8, true), pristineRegionLen: view.getBigUint64(16, true) };
  }
  return fixture;
}

const PAGE_MASK = 0xfffn;

/**
 * The header checks of upstream `topology_from_persisted_state`, in order: what the boot must report for the header alone, or
 * undefined when the header passes those checks (and the payload decides).
 */
export function expectedHeaderPanic(base: bigint, regionLen: bigint, payloadLen: bigint, ps: { start: bigint; end: bigint }): PanicKind | undefined {
  const end = (base + regionLen) & U64_MAX; // release builds wrap
  if ((base & PAGE_MASK) !== 0n) return 'range_start_unaligned';
  if ((end & PAGE_MASK) !== 0n) return 'range_end_unaligned';
  if (base > end) return 'range_start_gt_end';
  if (!(ps.start <= base && end <= ps.end)) return 'protobuf_region_not_contained';
  if (payloadLen > regionLen) return 'payload_len_gt_region_len';
  return undefined;
}

/**
 * boot never throws; its result is host | persisted | panic with a documented kind; the header
 * checks of `topology_from_persisted_state` give exactly the documented panic; the payload's decode failure gives
 * `protobuf_decode_failed`; no memory read exceeds 2 MiB (nothing is sized by a length field);
 * decoder work is linear in the bytes read.
 */
export function checkBoot(c: RegionCase): BootResult {
  const f = bootFixture();
  const region = materializeRegion(c, { base: f.pristineBase, regionLen: f.pristineRegionLen, payload: f.payload });
  const memory = f.memory.clone();
  // The writer's payload region is [psStart + 1 page, psStart + 0x14000); clear it, then place the payload.
  const payloadAt = f.psStart + HEADER_PAGE_SIZE;
  memory.zero(payloadAt, f.pristineRegionLen);
  memory.write(payloadAt, region.payload.subarray(0, Number(f.pristineRegionLen)));
  memory.write(
    f.psStart,
    encodeHeader({ magic: region.magic, protobufBase: region.base, protobufRegionLen: region.regionLen, protobufPayloadLen: region.payloadLen }),
  );
  const inputs = { ...f.inputs, shim: { ...f.inputs.shim, isolation: c.isolation } };

  const r = metered(() => boot(inputs, memory));
  if ('error' in r) fail(`boot threw instead of returning a result: ${describeThrown(r.error)}`);
  const result = r.value;

  // Documented outcomes.
  if (result.path === 'panic') {
    if (!(PANIC_KINDS as readonly string[]).includes(result.panicKind)) fail(`undocumented panic kind ${result.panicKind}`);
    if (typeof result.panic !== 'string' || result.panic === '') fail('panic without text');
  } else if (result.path !== 'host' && result.path !== 'persisted') {
    fail(`undocumented path ${String((result as { path: unknown }).path)}`);
  }

  // read_persisted_region_header: only an unisolated partition with the exact magic takes the restore path.
  const restore = c.isolation === 'None' && region.magic === PERSISTED_STATE_MAGIC;
  const attempted = result.path === 'panic' ? result.attemptedPath : result.path;
  if (attempted !== (restore ? 'persisted' : 'host')) fail(`attempted the ${attempted} path; read_persisted_region_header says ${restore ? 'persisted' : 'host'}`);

  if (restore) {
    const ps = f.inputs.shim.persistedState;
    const expected = expectedHeaderPanic(region.base, region.regionLen, region.payloadLen, ps);
    const kind = result.path === 'panic' ? result.panicKind : undefined;
    if (expected !== undefined) {
      if (kind !== expected) fail(`header checks (topology_from_persisted_state) expect panic ${expected}; got ${kind ?? result.path}`);
    } else {
      // The payload read is [base, base + payload_len); a decode error is protobuf_decode_failed.
      let decodeFails = false;
      try {
        decodeSavedState(memory.read(region.base, region.payloadLen));
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        decodeFails = true;
      }
      if (decodeFails && kind !== 'protobuf_decode_failed' && kind !== 'bump_heap_exhausted') {
        fail(`payload does not decode, yet the boot reported ${kind ?? result.path}`);
      }
      if (!decodeFails && kind === 'protobuf_decode_failed') fail('payload decodes, yet the boot reported protobuf_decode_failed');
    }
  }

  // Allocation: every read is bounded by the 2 MiB persisted region, never by a raw length field.
  if (r.meter.maxRead > TWO_MIB) fail(`boot read ${r.meter.maxRead} bytes in one access (limit ${TWO_MIB})`);
  if (r.meter.decoderOps > opBudget(r.meter.totalRead)) {
    fail(`boot made ${r.meter.decoderOps} decoder calls for ${r.meter.totalRead} bytes read (budget ${opBudget(r.meter.totalRead)})`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Layer 3: scenario parser and CLI
// ---------------------------------------------------------------------------------------------

/** parseScenarioFileText → Scenario[] or an InputError; nothing else. */
export function checkScenarioParse(text: string): void {
  try {
    const scenarios = parseScenarioFileText(text, 'fuzz.json');
    if (!Array.isArray(scenarios)) fail('parser returned a non-array');
  } catch (e) {
    if (!(e instanceof InputError)) fail(`scenario parser threw a non-InputError: ${describeThrown(e)}`);
    if (typeof e.code !== 'string') fail('InputError without a code');
  }
}

class Sink extends Writable {
  bytes = 0;
  /** The first 64 KiB written, as text (enough to look for a stack trace). */
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.text.length < 65536) this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    cb();
  }
}

/** A stack-trace line (`    at fn (file:1:2)`). */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

let tempDir: string | undefined;
/** Writes `data` to `name` in this process's fuzz temp directory (created on first use); returns the path. */
export function tempFile(name: string, data: string | Uint8Array): string {
  tempDir ??= mkdtempSync(join(tmpdir(), 'vtl2-persist-fuzz-'));
  const path = join(tempDir, name);
  writeFileSync(path, data);
  return path;
}

/** Removes the temp directory the CLI checks wrote into. */
export function cleanupTemp(): void {
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

/** `main(argv)` returns 0, 1 or 2, throws nothing, prints no stack trace, and is silent on stderr when it returns 0. */
export function checkCli(argv: string[]): number {
  return checkCliOutput(argv).code;
}

/** {@link checkCli}, returning stderr's text too. */
export function checkCliOutput(argv: string[]): { code: number; stderr: string } {
  const out = new Sink();
  const err = new Sink();
  let code: number;
  try {
    code = main(argv, out, err);
  } catch (e) {
    fail(`vtl2-persist ${argv.join(' ')} threw: ${describeThrown(e)}`);
  }
  if (code !== 0 && code !== 1 && code !== 2) fail(`vtl2-persist ${argv.join(' ')} exited ${String(code)}`);
  if (STACK_LINE.test(err.text) || STACK_LINE.test(out.text)) fail(`vtl2-persist ${argv.join(' ')} printed a stack trace:\n${err.text.slice(0, 2000)}`);
  if (code === 0 && err.bytes > 0) fail(`vtl2-persist ${argv.join(' ')} exited 0 with output on stderr: ${err.text.slice(0, 500)}`);
  return { code, stderr: err.text };
}

/** The scenario text through the parser and through `simulate` (text and --json). */
export function checkScenarioText(text: string): void {
  checkScenarioParse(text);
  const file = tempFile('scenario.json', text);
  const text1 = checkCli(['simulate', file]);
  const json1 = checkCli(['simulate', '--json', file]);
  if (text1 !== json1) fail(`simulate exits ${text1} but simulate --json exits ${json1}`);
}

/** Hostile bytes through `decode` and `inspect` (as a payload and as a region dump). */
export function checkCliBytes(bytes: Uint8Array): void {
  const file = tempFile('payload.bin', bytes);
  checkCli(['decode', file]);
  checkCli(['decode', '--json', file]);
  checkCli(['inspect', '--payload', file]);
  checkCli(['inspect', file]);
}

/** A region case as the bytes of a region dump (header page + payload region), as `image` writes it. */
export function regionImage(c: RegionCase): Uint8Array {
  const f = bootFixture();
  const region = materializeRegion(c, { base: f.pristineBase, regionLen: f.pristineRegionLen, payload: f.payload });
  const image = new Uint8Array(Number(HEADER_PAGE_SIZE) + Math.min(region.payload.length, Number(f.pristineRegionLen)));
  image.set(encodeHeader({ magic: region.magic, protobufBase: region.base, protobufRegionLen: region.regionLen, protobufPayloadLen: region.payloadLen }));
  image.set(region.payload.subarray(0, image.length - Number(HEADER_PAGE_SIZE)), Number(HEADER_PAGE_SIZE));
  return image;
}

/** A region case as a region dump through `inspect` (header page + payload region). */
export function checkCliRegion(c: RegionCase): void {
  const file = tempFile('region.bin', regionImage(c));
  checkCli(['inspect', '--region', file]);
  checkCli(['inspect', '--json', file]);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** Named fast-check properties: the runner and the CI campaign iterate over these. */
export const PROPERTIES = {
  decode: () => fc.property(payloadBytes, (b) => checkDecode(b)),
  'decode-large': () => fc.property(largePayload, (b) => checkDecode(b)),
  canonical: () => fc.property(looseSavedState, (b) => void checkCanonical(b)),
  boot: () => fc.property(regionCase, (c) => void checkBoot(c)),
  scenario: () => fc.property(scenarioText, (t) => checkScenarioText(t)),
  'cli-bytes': () => fc.property(payloadBytes, (b) => checkCliBytes(b)),
  'cli-region': () => fc.property(regionCase, (c) => checkCliRegion(c)),
};

export type PropertyName = keyof typeof PROPERTIES;

/** Keeps `Vtl2PersistError` in the public contract of this module: every typed error derives from it. */
export const TYPED_ERROR_ROOT = Vtl2PersistError;
