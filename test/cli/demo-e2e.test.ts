import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { decodeSavedState } from '../../src/format/decode.js';
import { savedStateToJson } from '../../src/format/state-json.js';

// Runs the CLI as a user would: a separate node process, real argv, exit codes and streams.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vtl2-persist demo', () => {
  test('--json: fresh boot, save, restore; everything carried over; the payload is the first boot\'s map', () => {
    const { code, stdout, stderr } = cli('demo', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      first_boot: Record<string, unknown>;
      save: { payload_hex: string; payload_len: number; header_hex: string };
      restore: Record<string, unknown>;
      carried_over: { item: string; same: boolean }[];
      verdict: { ok: boolean };
    };
    expect(out.first_boot).toMatchObject({ path: 'host', reason: 'no magic', has_vtl2_pool: true });
    expect(out.restore).toMatchObject({ path: 'persisted', reason: 'valid magic', sidecar_excluded_cpus: [1, 2, 5], sidecar_action: 'per_cpu_exclusion' });
    expect(out.restore['pool_ranges']).toEqual(out.first_boot['pool_ranges']);
    expect(out.restore['openhcl_memory_map']).toEqual(out.first_boot['openhcl_memory_map']);
    expect(out.carried_over.map((c) => [c.item, c.same])).toEqual([
      ['private pool', true],
      ['VTL0 MMIO', true],
      ['VTL2 MMIO', true],
      ['persisted span', true],
    ]);
    expect(out.verdict.ok).toBe(true);

    // What usermode wrote is the first boot's /openhcl map, entry for entry, plus the CPU lists.
    const saved = savedStateToJson(decodeSavedState(Uint8Array.from(Buffer.from(out.save.payload_hex, 'hex'))));
    const map = out.first_boot['openhcl_memory_map'] as { range: unknown; vtl_type: unknown; vnode?: number; igvm_type?: unknown }[];
    expect(saved.partition_memory).toEqual(map.filter((n) => n.vnode !== undefined));
    expect(saved.partition_mmio).toEqual(map.filter((n) => n.vnode === undefined));
    expect([saved.cpus_with_mapped_interrupts_no_io, saved.cpus_with_outstanding_io]).toEqual([[2, 5], [1]]);
    // The header says where and how long.
    expect(out.save.header_hex.slice(0, 16)).toBe(Buffer.from('OHCLPHDR').toString('hex'));
    expect(Number(Buffer.from(out.save.header_hex, 'hex').readBigUInt64LE(24))).toBe(out.save.payload_len);
  });

  test('human output: both maps, the annotated header, what carried over and the verdict', () => {
    const json = JSON.parse(cli('demo', '--json').stdout) as { save: { header_hex: string } };
    const { code, stdout } = cli('demo');
    expect(code).toBe(0);
    expect(stdout).toContain('1. First boot: no magic, so openhcl_boot builds the topology from the host.');
    expect(stdout).toContain('3. Next boot: valid magic, so openhcl_boot restores the topology from persisted state.');
    expect(stdout).toContain(json.save.header_hex.replace(/(.{16})(?!$)/g, '$1 '));
    expect(stdout).toMatch(/0x00\s+magic\s+0x524448504c43484f\s+"OHCLPHDR" \(valid magic\)/);
    expect(stdout).toMatch(/0xd800000-0xe000000\s+8 MiB\s+VTL2_GPA_POOL\s+0/);
    expect(stdout).toMatch(/0x200000000-0x203000000\s+48 MiB\s+VTL2_RAM\s+1/);
    expect(stdout).toMatch(/private pool\s+0xd800000-0xe000000\s+0xd800000-0xe000000\s+same/);
    expect(stdout).toContain('Verdict: restored:');
  });

  test.each([['--help'], ['demo', '--help'], ['help']])('%s prints usage and exits 0', (...args) => {
    const { code, stdout } = cli(...args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: vtl2-persist/);
  });

  test.each([
    [[], /Usage: vtl2-persist/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['demo', '--bogus'], /unknown option "--bogus"/],
    [['demo', 'extra'], /unexpected argument "extra"/],
  ])('usage error %j exits 2 with a message on stderr', (args, message) => {
    const { code, stdout, stderr } = cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
