/**
 * The boot shim's value-keyed memos (src/boot/value-memo.ts and its users): a repeated boot
 * returns what a first one did, results never share anything a caller can change, and a
 * change of input is never answered from the memo.
 */
import { describe, expect, it } from 'vitest';

import { AddressSpaceManager, type AddressSpaceInit } from '../../src/boot/address-space.js';
import { ValueMemo } from '../../src/boot/value-memo.js';
import { MemoryRange } from '../../src/memory/range.js';
import { DEMO_VM, demoJson, runDemo } from '../../src/sim/demo.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';

describe('ValueMemo', () => {
  it('answers only an element-wise SameValue key, and forgets the oldest beyond its capacity', () => {
    const memo = new ValueMemo<string>(2);
    memo.set([1n, 2, 'a'], 'first');
    expect(memo.get([1n, 2, 'a'])).toBe('first');
    expect(memo.get([1n, 2])).toBeUndefined();
    expect(memo.get([1n, 2, 'b'])).toBeUndefined();
    memo.set([0], 'zero');
    expect(memo.get([-0])).toBeUndefined();
    memo.set([3n], 'third');
    expect(memo.get([0])).toBe('zero');
    expect(memo.get([1n, 2, 'a'])).toBeUndefined();
  });
});

describe('memoised boots', () => {
  const [scenario] = parseScenarioFile(DEMO_VM);

  it('a repeated lifecycle gives the same result, and changing one result does not change the next', () => {
    const pristine = JSON.stringify(demoJson(runDemo(scenario!)));
    const spoiled = runDemo(scenario!);
    if (spoiled.first.path === 'panic' || spoiled.restore.path === 'panic') throw new Error('the demo boots');
    for (const b of [spoiled.first, spoiled.restore]) {
      (b.openhclMemoryMap[0] as { vtlType: number }).vtlType = 99;
      b.openhclMemoryMap.push({ kind: 'mmio', range: new MemoryRange(0n, 0x1000n), vtlType: 5 });
      b.vtl2Ranges.pop();
      b.memreserve.pop();
      b.rootMemoryNodes.pop();
    }
    expect(JSON.stringify(demoJson(runDemo(scenario!)))).toBe(pristine);
  });

  it('a changed input is not answered from the memo', () => {
    const before = runDemo(scenario!);
    const [moved] = parseScenarioFile({ ...DEMO_VM, cmdline_options: { enable_vtl2_gpa_pool: 'off' } });
    const other = runDemo(moved!);
    if (before.first.path === 'panic' || other.first.path === 'panic') throw new Error('the demo boots');
    expect(before.first.poolRanges).toHaveLength(1);
    expect(other.first.poolRanges).toHaveLength(0);
    expect(other.first.memreserve.some((m) => m.type === 'Vtl2GpaPool')).toBe(false);
    expect(JSON.stringify(demoJson(runDemo(scenario!)))).toBe(JSON.stringify(demoJson(before)));
  });

  it('an address space built from the memo is its own: allocating in one leaves the next alone', () => {
    const init: AddressSpaceInit = {
      vtl2Ram: [{ range: new MemoryRange(0n, 0x100_0000n), vnode: 0 }],
      bootshimUsed: new MemoryRange(0n, 0x10_0000n),
      persistedSpan: new MemoryRange(0n, 0x14000n),
      configRanges: [],
      poolRanges: [],
    };
    const first = AddressSpaceManager.init(init);
    const shape = first.entries();
    expect(first.allocate(0, 0x1000n, 'Vtl2GpaPool', 'HighMemory')).toBeDefined();
    expect(first.hasVtl2Pool()).toBe(true);
    // The second and third come from the memo.
    const second = AddressSpaceManager.init(init);
    expect(second.entries()).toEqual(shape);
    expect(second.hasVtl2Pool()).toBe(false);
    expect(second.allocate(0, 0x2000n, 'Vtl2GpaPool', 'LowMemory')).toBeDefined();
    expect(AddressSpaceManager.init(init).entries()).toEqual(shape);
  });
});
