/**
 * The package root's entry points, given arguments of the wrong type, throw a typed
 * `Vtl2PersistError` subclass with a stable code naming the argument — never a `TypeError`
 * from deep inside, never a silent zero, never `undefined` (docs/errors.md).
 *
 * Each row is a mutant killer for its guard: delete the guard and the row sees a `TypeError`
 * (null dereference), a returned value (a string decoded as zeros, a switch that falls through
 * to `undefined`) or a lazily-thrown generator, and fails.
 */
import { describe, expect, test } from 'vitest';
import * as lib from '../../src/index.js';
import {
  ArgumentError,
  DecodeError,
  EncodeError,
  GuestMemory,
  GuestMemoryError,
  HeaderError,
  InputError,
  JsonTextError,
  MemoryRange,
  MemoryRangeError,
  SimulatedVm,
  Vtl2PersistError,
  exampleAInputs,
} from '../../src/index.js';

type ErrorClass = abstract new (...args: never[]) => Vtl2PersistError;
const bad = <T>(v: unknown): T => v as T;
const mem = new GuestMemory();
const HEADER = { magic: 0n, protobufBase: 0n, protobufRegionLen: 0n, protobufPayloadLen: 0n };
/** A VM built from the worked example's inputs (the scenario JSON form is exercised by fromJson rows). */
function vm(): SimulatedVm {
  return SimulatedVm.fromJson({ name: 'api', ...exampleAInputs(), lifecycle: [] });
}

// [label, call, class, code, message fragment (the argument's name)]
const ROWS: [string, () => unknown, ErrorClass, string, string][] = [
  // format: header
  ['decodeHeader(null)', () => lib.decodeHeader(bad(null)), ArgumentError, 'bad_argument', 'decodeHeader(bytes)'],
  ['decodeHeader(a 40-char string)', () => lib.decodeHeader(bad('x'.repeat(40))), ArgumentError, 'bad_argument', 'decodeHeader(bytes): expected a Uint8Array, got string'],
  ['decodeHeader([0 x 32])', () => lib.decodeHeader(bad(new Array(32).fill(0))), ArgumentError, 'bad_argument', 'got an array of length 32'],
  ['decodeHeader(short)', () => lib.decodeHeader(new Uint8Array(4)), HeaderError, 'short_header', 'got 4'],
  ['encodeHeader(null)', () => lib.encodeHeader(bad(null)), ArgumentError, 'bad_argument', 'encodeHeader(header)'],
  ['encodeHeader(field a number)', () => lib.encodeHeader(bad({ ...HEADER, magic: 5 })), HeaderError, 'value_out_of_range', 'header magic: number 5'],
  ['readHeader(null, 0n)', () => lib.readHeader(bad(null), 0n), ArgumentError, 'bad_argument', 'readHeader(memory)'],
  ['readHeader(mem, 5)', () => lib.readHeader(mem, bad(5)), ArgumentError, 'bad_argument', 'readHeader(gpa): expected a bigint, got number 5'],
  ['readHeader({read}, 0n)', () => lib.readHeader(bad({ read: () => new Uint8Array(32) }), 0n), ArgumentError, 'bad_argument', 'expected a GuestMemory'],
  ['writeHeader(mem, 0, header)', () => lib.writeHeader(mem, bad(0), HEADER), ArgumentError, 'bad_argument', 'writeHeader(gpa)'],
  ['writeHeader(mem, 0n, null)', () => lib.writeHeader(mem, 0n, bad(null)), ArgumentError, 'bad_argument', 'encodeHeader(header)'],
  ['classifyMagic(5)', () => lib.classifyMagic(bad(5)), ArgumentError, 'bad_argument', 'classifyMagic(magic)'],
  // format: payload codec
  ["decodeSavedState('abc')", () => lib.decodeSavedState(bad('abc')), DecodeError, 'not_bytes', 'not a byte array'],
  ['decodeSavedState(new ArrayBuffer(4))', () => lib.decodeSavedState(bad(new ArrayBuffer(4))), DecodeError, 'not_bytes', 'not a byte array'],
  ['decodeSavedState(null)', () => lib.decodeSavedState(bad(null)), DecodeError, 'not_bytes', 'not a byte array'],
  ['encodeSavedState(null)', () => lib.encodeSavedState(bad(null)), EncodeError, 'missing_field', 'state'],
  ['encodeSavedState({})', () => lib.encodeSavedState(bad({})), EncodeError, 'missing_field', 'partition_memory'],
  ['decodeSavedStateV(9, bytes)', () => lib.decodeSavedStateV(bad<1>(9), new Uint8Array()), ArgumentError, 'bad_argument', 'decodeSavedStateV(version)'],
  ['encodeSavedStateV(0, state)', () => lib.encodeSavedStateV(bad<3>(0), lib.emptySavedState()), ArgumentError, 'bad_argument', 'encodeSavedStateV(version)'],
  ['decodeSavedStateV(1, "x")', () => lib.decodeSavedStateV(1, bad('x')), DecodeError, 'not_bytes', 'not a byte array'],
  ['walkWire(null)', () => lib.walkWire(bad(null)), ArgumentError, 'bad_argument', 'walkWire(payload)'],
  ['walkWire("0a00")', () => lib.walkWire(bad('0a00')), ArgumentError, 'bad_argument', 'walkWire(payload)'],
  ['savedStateToJson(null)', () => lib.savedStateToJson(bad(null)), ArgumentError, 'bad_argument', 'savedStateToJson(state)'],
  ['savedStateToJson({})', () => lib.savedStateToJson(bad({})), ArgumentError, 'bad_argument', 'savedStateToJson(state.partitionMemory)'],
  ['savedStateFromJson([])', () => lib.savedStateFromJson([]), lib.StateJsonError, 'wrong_type', 'state'],
  ['parseJsonText(null)', () => lib.parseJsonText(bad(null)), ArgumentError, 'bad_argument', 'parseJsonText(text)'],
  ['parseJsonText(duplicate key)', () => lib.parseJsonText('{"a":1,"a":2}'), JsonTextError, 'duplicate_key', 'duplicate key "a"'],
  // memory
  ['new GuestMemory([null])', () => new GuestMemory(bad([null])), GuestMemoryError, 'bad_argument', 'new GuestMemory(options)'],
  ['new GuestMemory(null)', () => new GuestMemory(bad(null)), GuestMemoryError, 'bad_argument', 'new GuestMemory(options)'],
  ['new GuestMemory({backing: [null]})', () => new GuestMemory(bad({ backing: [null] })), GuestMemoryError, 'bad_argument', 'backing range must be a {start, end} object'],
  ['new GuestMemory({backing: 5})', () => new GuestMemory(bad({ backing: 5 })), GuestMemoryError, 'bad_argument', 'backing must be an iterable'],
  ['new GuestMemory({backing: [{start: 0, end: 4096}]})', () => new GuestMemory(bad({ backing: [{ start: 0, end: 4096 }] })), GuestMemoryError, 'bad_argument', 'bigint bounds'],
  ['new GuestMemory({limit: 5})', () => new GuestMemory(bad({ limit: 5 })), GuestMemoryError, 'bad_argument', 'limit number 5'],
  ['mem.read(5, 1n)', () => mem.read(bad(5), 1n), GuestMemoryError, 'bad_argument', 'address must be a non-negative bigint'],
  ['mem.write(0n, null)', () => mem.write(0n, bad(null)), GuestMemoryError, 'bad_argument', 'data must be a Uint8Array'],
  ['new MemoryRange(1, 2)', () => new MemoryRange(bad(1), bad(2)), MemoryRangeError, 'range_not_u64', 'got a number'],
  ['MemoryRange.withLen(0x1000, 2)', () => MemoryRange.withLen(0x1000n, bad(2)), MemoryRangeError, 'range_not_u64', 'got a number'],
  ['MemoryRange.unchecked(1, 2n)', () => MemoryRange.unchecked(bad(1), 2n), MemoryRangeError, 'range_not_u64', 'got a number'],
  ['flattenRanges(null)', () => lib.flattenRanges(bad(null)), ArgumentError, 'bad_argument', 'flattenRanges(iter)'],
  ['subtractRanges([], null)', () => lib.subtractRanges([], bad(null)), ArgumentError, 'bad_argument', 'subtractRanges(right)'],
  ['overlappingRanges(5, [])', () => lib.overlappingRanges(bad(5), []), ArgumentError, 'bad_argument', 'overlappingRanges(left)'],
  ['walkRanges("ab", [])', () => lib.walkRanges(bad<[]>('ab'), []), ArgumentError, 'bad_argument', 'walkRanges(left)'],
  ['mergeAdjacentRanges(null)', () => lib.mergeAdjacentRanges(bad<[]>(null)), ArgumentError, 'bad_argument', 'mergeAdjacentRanges(iter)'],
  ['mergeAdjacentRanges([], 5)', () => lib.mergeAdjacentRanges([], bad<() => boolean>(5)), ArgumentError, 'bad_argument', 'mergeAdjacentRanges(equals)'],
  ['reservedTypeToVtlType("nope")', () => lib.reservedTypeToVtlType(bad('nope')), lib.VtlTypeError, 'unknown_reserved_type', '"nope"'],
  // usermode
  ['parseOpenhclMap(null)', () => lib.parseOpenhclMap(bad(null)), ArgumentError, 'bad_argument', 'parseOpenhclMap(nodes)'],
  ['buildSavedState(null, cpus)', () => lib.buildSavedState(bad(null), { noIo: [], outstanding: [] }), ArgumentError, 'bad_argument', 'buildSavedState(parsed)'],
  ['buildSavedState(map, {})', () => lib.buildSavedState(exampleMap(), bad({})), ArgumentError, 'bad_argument', 'buildSavedState(cpus.noIo)'],
  ['planSave(map, null)', () => lib.planSave(exampleMap(), bad(null)), ArgumentError, 'bad_argument', 'planSave(cpus)'],
  ['writePersistedState(null, …)', () => lib.writePersistedState(bad(null), exampleMap(), { noIo: [], outstanding: [] }), ArgumentError, 'bad_argument', 'writePersistedState(memory)'],
  ['writePersistedState(mem, map, cpus, null)', () => lib.writePersistedState(new GuestMemory(), exampleMap(), { noIo: [], outstanding: [] }, bad(null)), ArgumentError, 'bad_argument', 'writePersistedState(options)'],
  // sim
  ['SimulatedVm.fromJson([])', () => SimulatedVm.fromJson([]), ArgumentError, 'bad_argument', 'SimulatedVm.fromJson(value)'],
  ['SimulatedVm.fromJson([scenario])', () => SimulatedVm.fromJson([{ name: 'a', ...exampleAInputs(), lifecycle: [] }]), ArgumentError, 'bad_argument', 'not a list of scenarios'],
  ['SimulatedVm.fromJson(null)', () => SimulatedVm.fromJson(null), InputError, 'wrong_type', 'expected an object'],
  ['new SimulatedVm(undefined)', () => new SimulatedVm(bad(undefined)), ArgumentError, 'bad_argument', 'new SimulatedVm(scenario)'],
  ['new SimulatedVm(scenario, {memory: {}})', () => new SimulatedVm(vm().scenario, bad({ memory: {} })), ArgumentError, 'bad_argument', 'new SimulatedVm(options.memory)'],
  ["vm.step({op: 'nope'})", () => vm().step(bad({ op: 'nope' })), ArgumentError, 'bad_argument', 'SimulatedVm.step(step.op)'],
  ['vm.step(null)', () => vm().step(bad(null)), ArgumentError, 'bad_argument', 'SimulatedVm.step(step)'],
  ["vm.step({op: 'save'})", () => vm().step(bad({ op: 'save' })), ArgumentError, 'bad_argument', 'step.cpusWithMappedInterruptsNoIo'],
  ["vm.step({op: 'corrupt', corruption: {kind: 'melt'}})", () => vm().step(bad({ op: 'corrupt', corruption: { kind: 'melt' } })), ArgumentError, 'bad_argument', 'step.corruption.kind'],
  ['vm.save(null)', () => vm().save(bad(null)), ArgumentError, 'bad_argument', 'SimulatedVm.save(cpus)'],
  ['vm.boot(null)', () => vm().boot(bad(null)), ArgumentError, 'bad_argument', 'SimulatedVm.boot(changes)'],
  ['runScenario(null)', () => lib.runScenario(bad(null)), ArgumentError, 'bad_argument', 'runScenario(scenario)'],
  ['runScenario({…, lifecycle: 5})', () => lib.runScenario(bad({ ...vm().scenario, lifecycle: 5 })), ArgumentError, 'bad_argument', 'runScenario(scenario.lifecycle)'],
];

/** The `/openhcl` map of example A's first boot, parsed as usermode parses it. */
function exampleMap(): lib.ParsedOpenhclMap {
  const r = vm().boot();
  if (r.path === 'panic') throw new Error('example A panicked');
  return lib.parseOpenhclMap(lib.openhclMapToFdtNodes(r.openhclMemoryMap));
}

describe('public API argument validation', () => {
  test.each(ROWS)('%s', (_label, call, cls, code, fragment) => {
    let thrown: unknown;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, 'returned instead of throwing').toBeDefined();
    expect(thrown).not.toBeInstanceOf(TypeError);
    expect(thrown).toBeInstanceOf(Vtl2PersistError);
    expect(thrown).toBeInstanceOf(cls);
    expect((thrown as Vtl2PersistError).code).toBe(code);
    expect((thrown as Error).message).toContain(fragment);
  });

  test('an ArgumentError names its argument and what it expected, and quotes at most 60 characters of a value', () => {
    const e = (() => {
      try {
        lib.decodeHeader(bad('y'.repeat(1_000_000)));
      } catch (err) {
        return err as ArgumentError;
      }
      throw new Error('no throw');
    })();
    expect(e).toMatchObject({ name: 'ArgumentError', code: 'bad_argument', argument: 'decodeHeader(bytes)', expected: 'a Uint8Array' });
    expect(e.message.length).toBeLessThan(200);
    expect(e.message).toContain('…(');
  });

  test('well-typed calls still work (the guards reject only the wrong types)', () => {
    expect(lib.decodeHeader(lib.encodeHeader(HEADER))).toEqual(HEADER);
    expect(lib.decodeHeader(Buffer.alloc(32))).toEqual(HEADER);
    expect(lib.readHeader(new GuestMemory(), 0n).status).toBe('no_magic');
    expect([...lib.flattenRanges([])]).toEqual([]);
    const v = vm();
    expect(v.step({ op: 'boot' })).toMatchObject({ op: 'boot' });
    expect(v.step({ op: 'save', cpusWithMappedInterruptsNoIo: [], cpusWithOutstandingIo: [], crashBeforeHeader: false })).toMatchObject({ op: 'save' });
  });
});
