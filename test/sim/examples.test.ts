import { describe, expect, test } from 'vitest';
import { encodeSavedState } from '../../src/format/encode.js';
import { exampleAInputs, exampleAMap } from '../../src/sim/examples.js';
import { loadBootVectorFile } from '../support/vectors.js';

// The library's copy of worked example A must be the shared vector's.
const a = loadBootVectorFile('boot-worked-examples.json').find((v) => v.name === 'A')!;

describe('worked example A', () => {
  test('inputs equal the vector', () => {
    const inputs = exampleAInputs();
    for (const key of ['shim_params', 'host_dt', 'cmdline_options'] as const) expect(inputs[key]).toEqual(a.input[key]);
  });

  test("its map plus the save's CPU lists encodes to the real writer's payload, byte for byte", () => {
    const save = a.expected.steps.find((s) => s['op'] === 'save')!;
    const bytes = encodeSavedState({ ...exampleAMap(), cpusWithMappedInterruptsNoIo: [2], cpusWithOutstandingIo: [1] });
    expect(Buffer.from(bytes).toString('hex')).toBe(save['payload_hex']);
  });

  test('exampleAInputs returns a fresh copy each time', () => {
    const one = exampleAInputs();
    (one.host_dt as { cpu_count: number }).cpu_count = 99;
    expect((exampleAInputs().host_dt as { cpu_count: number }).cpu_count).toBe(2);
  });
});
