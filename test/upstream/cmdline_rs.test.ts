/**
 * openhcl_boot `src/cmdline.rs` (1488a37b7): its two `#[test]`s case for case, plus the defaults
 * they rely on, against src/boot/cmdline.ts. Upstream's helper `parse_boot_command_line` is
 * `BootCommandLineOptions::new()` then `parse`.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_SIDECAR_CPU_THRESHOLD, defaultCmdlineOptions, parseBootCommandLine } from '../../src/boot/cmdline.js';
import type { CmdlineOptions, GpaPoolConfig, SidecarOption } from '../../src/boot/types.js';

const parse = (cmdline: string): CmdlineOptions => parseBootCommandLine(cmdline, defaultCmdlineOptions());

/** Upstream `SidecarOptions::Enabled { enable_logging, cpu_threshold: DEFAULT_CPU_THRESHOLD }`. */
const enabled = (enableLogging: boolean): SidecarOption => ({ kind: 'Enabled', enableLogging, cpuThreshold: DEFAULT_SIDECAR_CPU_THRESHOLD });
const CMD_OFF: SidecarOption = { kind: 'DisabledCommandLine' };

describe('cmdline_rs (upstream #[test]s)', () => {
  test('cmdline_rs.defaults: BootCommandLineOptions::new() and SidecarOptions::DEFAULT_CPU_THRESHOLD', () => {
    expect(DEFAULT_SIDECAR_CPU_THRESHOLD).toBe(100);
    expect(defaultCmdlineOptions()).toEqual({
      enableVtl2GpaPool: { kind: 'Heuristics', table: 'Release' },
      vtl2GpaPoolNumaSplit: false,
      sidecar: { kind: 'Enabled', enableLogging: false, cpuThreshold: 100 },
      confidentialDebug: false,
      disableNvmeKeepAlive: false,
    });
  });

  test.each<[string, GpaPoolConfig]>([
    ['', { kind: 'Heuristics', table: 'Release' }],
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=1', { kind: 'Pages', pages: 1n }],
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=0', { kind: 'Off' }],
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=asdf', { kind: 'Off' }],
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=512', { kind: 'Pages', pages: 512n }],
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=off', { kind: 'Off' }],
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug', { kind: 'Heuristics', table: 'Debug' }],
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=release', { kind: 'Heuristics', table: 'Release' }],
    // OPENHCL_ENABLE_VTL2_GPA_POOL= takes precedence over OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=
    ['OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=release OPENHCL_ENABLE_VTL2_GPA_POOL=debug', { kind: 'Heuristics', table: 'Debug' }],
  ])('cmdline_rs.test_vtl2_gpa_pool_parsing: %j', (cmdline, expected) => {
    expect(parse(cmdline).enableVtl2GpaPool).toEqual(expected);
  });

  // Upstream compares the whole struct with `..BootCommandLineOptions::new()`, so a parser that
  // also touched another field fails here too.
  test.each<[string, SidecarOption]>([
    ['OPENHCL_SIDECAR=on', enabled(false)],
    ['OPENHCL_SIDECAR=off', CMD_OFF],
    ['OPENHCL_SIDECAR=on,off', CMD_OFF],
    ['OPENHCL_SIDECAR=on,log', enabled(true)], // mutant: `log` sets enableLogging false → fails
    ['OPENHCL_SIDECAR=log', enabled(true)],
  ])('cmdline_rs.test_sidecar_parsing: %s', (cmdline, sidecar) => {
    expect(parse(cmdline)).toEqual({ ...defaultCmdlineOptions(), sidecar });
  });
});
