import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { VECTORS_DIR } from '../format/vectors.js';

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

/** Worked example A of the shared vectors: the real usermode writer's payload and header for the demo's topology. */
function exampleASave(): { payload_hex: string; header_hex: string } {
  const examples = JSON.parse(readFileSync(`${VECTORS_DIR}/boot-worked-examples.json`, 'utf8')) as {
    name: string;
    expected: { steps: { op: string; payload_hex?: string; header_hex?: string }[] };
  }[];
  const save = examples.find((e) => e.name === 'A')!.expected.steps.find((s) => s.op === 'save')!;
  return { payload_hex: save.payload_hex!, header_hex: save.header_hex! };
}

describe('vtl2-persist demo', () => {
  test('--json: the bytes written are the real OpenHCL writer\'s bytes for worked example A, and read back equal', () => {
    const { code, stdout, stderr } = cli('demo', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { payload_hex: string; header: Record<string, string>; round_trip_equal: boolean };
    const real = exampleASave();
    expect(out.payload_hex).toBe(real.payload_hex);
    expect(out.header).toEqual({
      status: 'valid',
      magic: '0x524448504c43484f',
      protobuf_base: '0x8001000',
      protobuf_region_len: '0x13000',
      protobuf_payload_len: `0x${(real.payload_hex.length / 2).toString(16)}`,
    });
    expect(out.round_trip_equal).toBe(true);
  });

  test('human output: the annotated header and the decoded topology', () => {
    const { code, stdout } = cli('demo');
    expect(code).toBe(0);
    const real = exampleASave();
    // The header's bytes as they sit in memory, in 8-byte groups.
    expect(stdout).toContain(real.header_hex.replace(/(.{16})(?!$)/g, '$1 '));
    expect(stdout).toMatch(/0x00\s+magic\s+0x524448504c43484f\s+"OHCLPHDR" \(valid magic\)/);
    expect(stdout).toMatch(/0x18\s+protobuf_payload_len\s+0x14a\s+330 bytes of a 76 KiB region/);
    expect(stdout).toMatch(/0xbe00000-0xc000000\s+2 MiB\s+VTL2_GPA_POOL\s+0\s+VTL2_PROTECTABLE/);
    expect(stdout).toMatch(/0xf800000000-0xf808000000\s+128 MiB\s+VTL2_MMIO/);
    expect(stdout).toContain('Round trip: the decoded topology equals the one written.');
  });

  test.each([['--help'], ['demo', '--help'], ['help']])('%s prints usage and exits 0', (...args) => {
    const { code, stdout } = cli(...args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: vtl2-persist/);
  });

  test.each([
    [[], /Usage: vtl2-persist/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['demo', '--bogus'], /Unknown option '--bogus'/],
    [['demo', 'extra'], /demo takes no arguments/],
  ])('usage error %j exits 2 with a message on stderr', (args, message) => {
    const { code, stdout, stderr } = cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});
