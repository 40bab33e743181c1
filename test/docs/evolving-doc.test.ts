import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';

// Every `$ npx vtl2-persist evolve …` block of docs/evolving-saved-state.md is the command's
// output, byte for byte (run in-process from the repository root), and its verdict line agrees
// with the exit code. After a change to evolve, `npm run docs:evolve` rewrites the blocks.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(new URL('../../docs/evolving-saved-state.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```text\n\$ npx vtl2-persist (evolve[^\n]*)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!] as const);

describe('docs/evolving-saved-state.md', () => {
  test('shows the done-means case and a failing and a passing example of each rule', () => {
    expect(blocks.map(([c]) => c)).toContain('evolve schema/saved-state-v3.rs --against v1,v2');
    const verdicts = blocks.map(([, out]) => out.split('\n')[0]!.endsWith(': COMPATIBLE'));
    expect(verdicts.filter((v) => !v).length).toBeGreaterThanOrEqual(5);
    expect(verdicts.filter((v) => v).length).toBeGreaterThanOrEqual(6);
  });

  test.each(blocks)('$ npx vtl2-persist %s', (command, output) => {
    const chunks: string[] = [];
    const errors: string[] = [];
    const args = command.split(' ').map((a) => (a.startsWith('docs/') || a.startsWith('schema/') ? join(ROOT, a) : a));
    const code = main(args, { isTTY: false, write: (c: string) => chunks.push(c) } as never, { isTTY: false, write: (c: string) => errors.push(c) } as never);
    expect(errors.join('')).toBe('');
    // The doc shows paths relative to the repository root, as a user in a clone types them.
    const text = chunks.join('').replaceAll(ROOT, '');
    expect(text).toBe(output);
    expect(code).toBe(output.split('\n')[0]!.endsWith(': COMPATIBLE') ? 0 : 1);
  });

  test('names every rule id the rules table defines', async () => {
    const { RULES } = await import('../../src/sim/evolve/rules.js');
    for (const id of Object.keys(RULES)) expect(doc).toContain(`\`${id}\``);
  });
});
