import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseScenarioFileText } from '../../src/sim/scenario-file.js';
import { runScenario } from '../../src/sim/runner.js';

// docs/glossary.md is the target of links from every other page; these tests keep its
// anchors alive, its order alphabetical, and servicing-walkthrough.md's claims about the torn-save
// example true.
const docsDir = new URL('../../docs/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, docsDir), 'utf8');
const glossary = read('glossary.md');

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

const headings = [...glossary.matchAll(/^### (.+)$/gm)].map((m) => m[1]!);
const anchors = new Set(headings.map(slug));

describe('docs/glossary.md', () => {
  test('defines the terms the other pages rely on', () => {
    for (const anchor of [
      'vtl', 'vtl0', 'vtl2', 'paravisor', 'openhcl', 'servicing', 'igvm', 'vnode', 'vp', 'sidecar', 'vmbus', 'mmio', 'e820',
      'device-tree-fdt', 'mesh_protobuf', 'private-pool-vtl2-gpa-pool', 'isolation-vbs-snp-tdx', 'memory-allocation-mode-host-vs-vtl2',
      'bump-heap', 'gpa', 'boot-shim-openhcl_boot', 'persisted-state-ohclphdr',
    ]) {
      expect(anchors.has(anchor), anchor).toBe(true);
    }
  });

  test('entries are in alphabetical order (letters and digits only, case ignored)', () => {
    const key = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');
    const sorted = [...headings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    expect(headings).toEqual(sorted);
    expect(new Set(headings.map(key)).size).toBe(headings.length);
  });

  test('every entry has a body, and every in-page link resolves', () => {
    for (const part of glossary.split('\n### ').slice(1)) {
      const [title, ...body] = part.split('\n');
      expect(body.join('\n').trim().length, title).toBeGreaterThan(20);
    }
    for (const [, anchor] of glossary.matchAll(/\]\(#([^)]+)\)/g)) expect(anchors.has(anchor!), `#${anchor}`).toBe(true);
  });

  test('every link into the glossary from docs/ resolves', () => {
    const pages = readdirSync(docsDir).filter((f) => f.endsWith('.md'));
    let links = 0;
    for (const page of pages) {
      for (const [, anchor] of read(page).matchAll(/glossary\.md#([^)\s]+)\)/g)) {
        links++;
        expect(anchors.has(anchor!), `${page}: glossary.md#${anchor}`).toBe(true);
      }
    }
    expect(links).toBeGreaterThan(20);
  });
});

describe('docs/servicing-walkthrough.md', () => {
  const doc = read('servicing-walkthrough.md');

  test('links the glossary and the layout page, and cites no design notes', () => {
    expect(doc).toContain('](glossary.md)');
    expect(doc).toContain('](memory-layout.md)');
    expect(doc).not.toMatch(/§|shared\/|wire-format\.md|handoff\.md/);
  });

  test("its Try it command runs, and the torn save's last boot brings back a CPU the torn save no longer listed", () => {
    expect(doc).toContain('```sh\nnpx vtl2-persist simulate docs/examples/torn-save.json\n```');
    const [scenario] = parseScenarioFileText(read('examples/torn-save.json'));
    const { steps } = runScenario(scenario!);
    const torn = steps[3] as unknown as Record<string, unknown>;
    const last = steps[4] as unknown as Record<string, unknown>;
    expect(torn['op']).toBe('save');
    expect(torn['header_written_at']).toBeNull();
    expect(last['path']).toBe('persisted');
    const tornStep = scenario!.lifecycle[3] as unknown as { cpusWithMappedInterruptsNoIo: number[]; cpusWithOutstandingIo: number[] };
    const listed = new Set([...tornStep.cpusWithMappedInterruptsNoIo, ...tornStep.cpusWithOutstandingIo]);
    const restored = last['sidecar_excluded_cpus'] as number[];
    expect(restored.some((cpu) => !listed.has(cpu))).toBe(true);
    // The prose names the lists and the result; they must be what the example really does.
    const list = (cpus: number[]) => (cpus.length === 1 ? `CPU ${cpus[0]}` : `CPUs ${cpus.slice(0, -1).join(', ')} and ${cpus.at(-1)}`);
    const first = scenario!.lifecycle[1] as unknown as { cpusWithMappedInterruptsNoIo: number[]; cpusWithOutstandingIo: number[] };
    const firstListed = [...first.cpusWithMappedInterruptsNoIo, ...first.cpusWithOutstandingIo].sort((a, b) => a - b);
    const prose = doc.replace(/\s+/g, ' ');
    expect(prose).toContain(`The first save listed ${list(firstListed)}, the torn one only ${list([...listed])}, yet step 5 starts ${list(restored)} in the kernel`);
  });
});
