import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DEMO_CPUS, DEMO_VM } from '../../src/sim/demo.js';

// Every `$ npx vtl2-persist harden …` block of docs/hardening.md is the command's output, byte
// for byte (run in-process; the paths in the doc are relative to the repository root).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(new URL('../../docs/hardening.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```text\n\$ npx vtl2-persist (harden[^\n]*)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!] as const);

describe('docs/hardening.md', () => {
  test('shows the default and the demo scenario', () => {
    const commands = blocks.map(([c]) => c);
    expect(commands).toContain('harden');
    expect(commands).toContain('harden docs/examples/demo-servicing.json');
  });

  test.each(blocks)('$ npx vtl2-persist %s', (command, output) => {
    const chunks: string[] = [];
    const errors: string[] = [];
    // Paths in the doc are relative to the repository root (the output does not show them).
    const args = command.split(' ').map((a) => (a.startsWith('docs/') ? join(ROOT, a) : a));
    const code = main(args, { isTTY: false, write: (c: string) => chunks.push(c) } as never, { isTTY: false, write: (c: string) => errors.push(c) } as never);
    expect(errors.join('')).toBe('');
    expect(code).toBe(0);
    expect(chunks.join('')).toBe(output);
  });

  test('labels every variant but real as hypothetical, and says so first', () => {
    expect(doc.slice(0, 400)).toContain('**Every variant on this page except `real` is hypothetical.**');
    expect(doc).not.toMatch(/OpenHCL (uses|does|has) (a )?(CRC|checksum|generation|slots)/i);
  });

  test('docs/examples/demo-servicing.json is the demo VM serviced once (boot, save of the demo CPU lists, boot)', () => {
    const json = JSON.parse(readFileSync(new URL('../../docs/examples/demo-servicing.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect({ shim_params: json['shim_params'], host_dt: json['host_dt'], cmdline_options: json['cmdline_options'] }).toEqual(DEMO_VM);
    expect(json['lifecycle']).toEqual([
      { op: 'boot' },
      { op: 'save', cpus_with_mapped_interrupts_no_io: DEMO_CPUS.noIo, cpus_with_outstanding_io: DEMO_CPUS.outstanding },
      { op: 'boot' },
    ]);
  });
});
