import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { exploreData } from '../../src/sim/explore-data.js';
import type { MemoryMapJson } from '../../src/sim/explore-types.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { bytesSvg } from '../../src/web/svg/bytes-svg.js';
import { comparisonSvg, mapSvg } from '../../src/web/svg/map-svg.js';
import { sweepSvg } from '../../src/web/svg/sweep-svg.js';
import { esc } from '../../src/web/svg/xml.js';

const scenario = parseScenarioFile(JSON.parse(readFileSync(new URL('../../docs/examples/torn-save.json', import.meta.url), 'utf8')))[0]!;
const data = exploreData({ kind: 'scenario', name: 'torn-save.json', scenario }, { sweep: true });

/**
 * A small XML well-formedness check: every tag closes in order, attributes are quoted, every
 * `&` starts an entity, no stray `<` or `>` in text. Returns the element names in document order.
 */
function checkXml(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  const token = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = 0;
  let m: RegExpExecArray | null;
  while ((m = token.exec(svg)) !== null) {
    at = token.lastIndex;
    const [, close, name, , selfClose, text] = m;
    if (text !== undefined) {
      expect(text).not.toMatch(/>/);
      expect(text.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toMatch(/&/);
      continue;
    }
    if (close === '/') expect(stack.pop()).toBe(name);
    else {
      names.push(name!);
      if (selfClose !== '/') stack.push(name!);
    }
  }
  expect(at).toBe(svg.length);
  expect(stack).toEqual([]);
  expect(names[0]).toBe('svg');
  return names;
}

const count = (svg: string, re: RegExp) => [...svg.matchAll(re)].length;

describe('mapSvg', () => {
  const map = data.boots[0]!.map!;
  const svg = mapSvg(map);

  test('one range group per range, with kind, label and bounds, and a title each', () => {
    checkXml(svg);
    expect(count(svg, /<g class="range" /g)).toBe(map.ranges.length);
    for (const r of map.ranges) {
      expect(svg).toContain(`data-kind="${r.kind}" data-label="${esc(r.label)}" data-start="${r.start}" data-end="${r.end}"`);
    }
    expect(svg).toContain(`<title>VTL2_GPA_POOL: [0xbc00000, 0xc000000) 4 MiB</title>`);
  });

  test('holes become fixed-size gap bands with their size (TiB scale stays readable)', () => {
    expect(count(svg, /<g class="gap" /g)).toBe(4);
    expect(svg).toContain('gap of 928 GiB');
    const height = Number(/height="([\d.]+)"/.exec(svg)![1]);
    expect(height).toBeLessThan(1200);
  });

  test('deterministic, and input text is escaped', () => {
    expect(mapSvg(structuredClone(map))).toBe(svg);
    const evil: MemoryMapJson = { title: '<script>&"\u0001', ranges: [{ start: '0x0', end: '0x1000', kind: 'other', label: 'a<b>&"c\'' }] };
    const out = mapSvg(evil);
    checkXml(out);
    expect(out).not.toContain('<script>');
    expect(out).toContain('data-label="a&lt;b&gt;&amp;&quot;c&apos;"');
    expect(out).not.toContain('\u0001');
  });

  test('overlapping ranges (a hostile saved state) are all drawn and marked', () => {
    const m: MemoryMapJson = {
      title: 'o',
      ranges: [
        { start: '0x0', end: '0x4000', kind: 'vtl0-ram', label: 'VTL0 vnode 0' },
        { start: '0x2000', end: '0x3000', kind: 'pool', label: 'VTL2_GPA_POOL' },
        { start: '0x3000', end: '0x3000', kind: 'other', label: 'empty' },
      ],
    };
    const out = mapSvg(m);
    checkXml(out);
    expect(count(out, /<g class="range" /g)).toBe(3);
    expect(out).toContain('overlaps the range above by 4 KiB');
  });
});

describe('comparisonSvg', () => {
  test('both maps drawn, each range carrying its change', () => {
    const c = data.comparisons[0]!;
    const before = data.boots[c.from]!.map!;
    const after = data.boots[c.to]!.map!;
    const svg = comparisonSvg(before, after, c.changes);
    checkXml(svg);
    expect(count(svg, /<g class="range" /g)).toBe(before.ranges.length + after.ranges.length);
    expect(count(svg, /data-change="same"/g)).toBe(before.ranges.length + after.ranges.length);
  });

  test('moved, appeared and vanished are marked on the right side', () => {
    const before: MemoryMapJson = { title: 'b', ranges: [{ start: '0x0', end: '0x1000', kind: 'pool', label: 'P' }, { start: '0x5000', end: '0x6000', kind: 'sidecar', label: 'S' }] };
    const after: MemoryMapJson = { title: 'a', ranges: [{ start: '0x1000', end: '0x2000', kind: 'pool', label: 'P' }, { start: '0x9000', end: '0xa000', kind: 'config', label: 'C' }] };
    const svg = comparisonSvg(before, after, [
      { change: 'moved', before: before.ranges[0]!, after: after.ranges[0]! },
      { change: 'vanished', before: before.ranges[1]! },
      { change: 'appeared', after: after.ranges[1]! },
    ]);
    checkXml(svg);
    expect(svg).toContain('moved from [0x0, 0x1000)');
    expect(svg).toContain('moved to [0x1000, 0x2000)');
    expect(count(svg, /data-change="vanished"/g)).toBe(1);
    expect(count(svg, /data-change="appeared"/g)).toBe(1);
    expect(svg).toContain('0 same, 1 moved, 1 appeared, 1 vanished');
  });
});

describe('bytesSvg', () => {
  const v = data.bytes!;
  const svg = bytesSvg(v, { title: 'torn' });

  test('a byte rect per drawn byte, with its offset and title; zero padding collapsed', () => {
    checkXml(svg);
    const offsets = [...svg.matchAll(/<rect class="byte" data-offset="(\d+)"/g)].map((m) => Number(m[1]));
    expect(offsets.slice(0, 32)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(offsets).toContain(0x1000);
    expect(offsets.length).toBeLessThan(1000);
    expect(count(svg, /<g class="skip" /g)).toBeGreaterThanOrEqual(2);
    expect(svg).toMatch(/data-offset="8" data-kind="header" data-path="header.protobuf_base"[^>]*><title>0x8 \(GPA 0x8000008\): 00 · header.protobuf_base/);
  });

  test('deterministic; dark theme differs only in colours', () => {
    expect(bytesSvg(structuredClone(v), { title: 'torn' })).toBe(svg);
    const dark = bytesSvg(v, { title: 'torn', theme: 'dark' });
    expect(dark).not.toBe(svg);
    expect(dark.replace(/#[0-9a-f]{6}/g, '')).toBe(svg.replace(/#[0-9a-f]{6}/g, ''));
  });
});

describe('sweepSvg', () => {
  const g = data.sweep!;
  const svg = sweepSvg(g);

  test('a cell per crash point with k and outcome; legend counts equal the grid', () => {
    checkXml(svg);
    const cells = [...svg.matchAll(/<rect class="cell" data-k="(\d+)" data-outcome="([a-z-]+)"/g)];
    expect(cells.map((m) => Number(m[1]))).toEqual(g.cells.map((c) => c.k));
    expect(cells.map((m) => m[2])).toEqual(g.cells.map((c) => c.outcome));
    for (const [cls, n] of Object.entries(g.counts)) expect(svg).toContain(`data-count-for="${cls}" data-count="${n}"`);
    expect(sweepSvg(structuredClone(g))).toBe(svg);
  });

  test('more points than maxCells are grouped into runs, worst class shown', () => {
    const out = sweepSvg(g, { maxCells: 50 });
    checkXml(out);
    const n = count(out, /<rect class="cell" /g);
    expect(n).toBeLessThanOrEqual(60);
    expect(out).toContain('data-last-k=');
    expect(count(out, /data-outcome="silent-wrong"/g)).toBeGreaterThan(0);
  });
});
