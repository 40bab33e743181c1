import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { formatHex } from '../../src/memory/range.js';
import { vtlTypeName } from '../../src/memory/vtl-type.js';
import { exampleAMap } from '../../src/sim/examples.js';
import { bootExampleA, exampleALayout, FIGURE_URL, layoutSvg, layoutTable } from './memory-layout-figure.js';

// docs/memory-layout.md and its figure show worked example A's VTL2 memory. Both are generated
// from the emulator (test/docs/memory-layout-figure.ts); these tests regenerate them and fail
// when the committed copies, or the prose's address ranges, no longer match what it does.
const doc = readFileSync(new URL('../../docs/memory-layout.md', import.meta.url), 'utf8');
const pieces = exampleALayout();

describe('docs/memory-layout.md', () => {
  test('the address table is the one the emulator produces (regenerate: npx tsx test/docs/memory-layout-figure.ts)', () => {
    const begin = '<!-- layout-table:begin -->\n';
    const end = '\n<!-- layout-table:end -->';
    const at = doc.indexOf(begin);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(doc.slice(at + begin.length, doc.indexOf(end, at))).toBe(layoutTable(pieces));
  });

  test('the committed figure is the one the emulator produces', () => {
    expect(readFileSync(FIGURE_URL, 'utf8')).toBe(layoutSvg(pieces));
    expect(doc).toContain('figures/vtl2-memory-layout.svg');
  });

  test('the pieces tile VTL2 memory exactly, in address order, none empty', () => {
    const { shim } = bootExampleA();
    expect(pieces[0]!.start).toBe(shim.memoryStart);
    expect(pieces[pieces.length - 1]!.end).toBe(shim.memoryStart + shim.memorySize);
    for (const [i, p] of pieces.entries()) {
      expect(p.end, p.name).toBeGreaterThan(p.start);
      if (i > 0) expect(p.start, p.name).toBe(pieces[i - 1]!.end);
    }
  });

  test("each piece's reported type is the one in the vector-checked /openhcl map of example A", () => {
    // exampleAMap is checked byte for byte against the real writer's payload (test/sim/examples.test.ts).
    const map = exampleAMap().partitionMemory;
    for (const p of pieces) {
      const entry = map.find((e) => e.range.start <= p.start && p.end <= e.range.end);
      expect(entry, p.name).toBeDefined();
      expect(vtlTypeName(entry!.vtlType), p.name).toBe(p.vtlType);
    }
  });

  test('the persisted area is 2 MiB: a 4 KiB header page, then a 19-page (76 KiB) payload region', () => {
    const [header, payload] = pieces;
    expect(header!.end - header!.start).toBe(0x1000n);
    expect(payload!.end - payload!.start).toBe(0x13000n);
    const { shim } = bootExampleA();
    expect(shim.persistedState.end - shim.persistedState.start).toBe(0x200000n);
  });

  test('every VTL2 address range the prose mentions is a piece or a run of consecutive pieces', () => {
    const { shim } = bootExampleA();
    const starts = new Map(pieces.map((p, i) => [formatHex(p.start), i]));
    const ends = new Map(pieces.map((p, i) => [formatHex(p.end), i]));
    const inVtl2 = (a: string) => BigInt(a) >= shim.memoryStart && BigInt(a) < shim.memoryStart + shim.memorySize;
    const mentioned = [...doc.matchAll(/`(0x[0-9a-f]+)-(0x[0-9a-f]+)`/g)].filter((m) => inVtl2(m[1]!));
    expect(mentioned.length).toBeGreaterThan(pieces.length);
    for (const [text, start, end] of mentioned) {
      const i = starts.get(start!);
      const j = ends.get(end!);
      expect(i !== undefined && j !== undefined && i <= j, `${text} in docs/memory-layout.md`).toBe(true);
    }
  });
});
