import { describe, expect, expectTypeOf, test } from 'vitest';
import type { PanicKind } from '../../src/boot/panic.js';
import { runScenario, SimulatedVm, type BootStepResult, type SaveStepResult, type StepResult } from '../../src/sim/index.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { loadBootVectors } from '../support/vectors.js';

// runScenario's steps are a discriminated union: these reads compile only after narrowing
// (tsc checks test/ too), and the runtime values agree with the narrowed types.

const [{ vectors: worked }] = loadBootVectors();
const A = worked.find((v) => v.name === 'A')!.input;

describe('typed step results', () => {
  test('narrowing on op, then path or error, gives the fields of that result', () => {
    const [scenario] = parseScenarioFile({ ...A, lifecycle: [{ op: 'boot' }, { op: 'save' }, { op: 'boot' }, { op: 'corrupt', kind: 'header', magic: 0 }, { op: 'boot' }] });
    const steps: StepResult[] = runScenario(scenario!).steps;
    const [first, saved, restored, corrupted] = steps;

    if (first?.op !== 'boot' || first.path === 'panic') throw new Error('example A boots fresh');
    expectTypeOf(first.path).toEqualTypeOf<'host' | 'persisted'>();
    expect(first.vtl2_ram[0]!.range.start).toBe('0x8000000');

    if (saved?.op !== 'save' || 'error' in saved) throw new Error('the save ran');
    expectTypeOf(saved.payload_len).toEqualTypeOf<number>();
    expect(saved.header_hex).toMatch(/^4f48434c50484452/);

    if (restored?.op !== 'boot' || restored.path !== 'persisted') throw new Error('the restore took the persisted path');
    expect(restored.persisted_header?.magic).toBe('0x524448504c43484f');
    expect(restored.bump_heap?.exhausted).toBe(false);

    if (corrupted?.op !== 'corrupt' || 'error' in corrupted) throw new Error('the corruption applied');
    expect(corrupted.header_hex_after.slice(0, 16)).toBe('0000000000000000');
  });

  test('a panic result carries a PanicKind', () => {
    const vm = SimulatedVm.fromJson({ ...A, lifecycle: [] });
    vm.boot();
    vm.save();
    vm.write(0x8000000n + 0x18n, Uint8Array.of(0xff, 0xff, 0xff)); // protobuf_payload_len far past the region
    const r: StepResult = vm.step({ op: 'boot' });
    if (r.op !== 'boot' || r.path !== 'panic') throw new Error('expected a panic');
    expectTypeOf(r.panic_kind).toEqualTypeOf<PanicKind>();
    expect(r.panic_kind).toBe('payload_len_gt_region_len');
    expect(r.attempted_path).toBe('persisted');
    const after: SaveStepResult = vm.save();
    expect('error' in after && after.error).toBe('no running instance (previous boot panicked or none)');
  });

  test('fields are only reachable after narrowing', () => {
    expectTypeOf<StepResult>().not.toHaveProperty('vtl2_ram');
    expectTypeOf<BootStepResult>().not.toHaveProperty('panic_kind');
    expectTypeOf<Extract<BootStepResult, { path: 'panic' }>>().toHaveProperty('panic_kind');
    expectTypeOf<SaveStepResult>().not.toHaveProperty('payload_hex');
    // @ts-expect-error: `path` exists only on boot results.
    const unnarrowed = (s: StepResult) => s.path;
    expect(unnarrowed).toBeTypeOf('function');
  });
});
