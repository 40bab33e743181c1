/**
 * src/boot/cmdline.ts against upstream `openhcl_boot` `src/cmdline.rs` (1488a37b7): every
 * option's accepted and ignored forms (its two `#[test]`s are test/upstream/cmdline_rs.test.ts),
 * and the `cmdline_options` JSON that carries the same fields (reader, writer, schema).
 * The pool key tables live in inputs.test.ts ("the boot command line").
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_SIDECAR_CPU_THRESHOLD, defaultCmdlineOptions, defaultSidecarOption, parseBootCommandLine } from '../../src/boot/cmdline.js';
import { cmdlineOptionsToJson, parseCmdlineOptions } from '../../src/boot/inputs.js';
import type { CmdlineOptions, SidecarOption } from '../../src/boot/types.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { inputErrorOf } from '../support/errors.js';
import { loadBootVectors, type Json } from '../support/vectors.js';
import { errorText, validateScenarioFile } from '../schema/validators.js';
import { cmdlineArb } from './arbitraries.js';

/** Upstream's test helper `parse_boot_command_line`: `BootCommandLineOptions::new()` then `parse`. */
const parse = (cmdline: string): CmdlineOptions => parseBootCommandLine(cmdline, defaultCmdlineOptions());

/** Upstream `SidecarOptions::Enabled { enable_logging, cpu_threshold: DEFAULT_CPU_THRESHOLD }`. */
const enabled = (enableLogging: boolean): SidecarOption => ({ kind: 'Enabled', enableLogging, cpuThreshold: DEFAULT_SIDECAR_CPU_THRESHOLD });
const CMD_OFF: SidecarOption = { kind: 'DisabledCommandLine' };
const SERVICING: SidecarOption = { kind: 'DisabledServicing' };

describe('every option upstream parses: accepted and ignored forms', () => {
  test.each<[string, string, boolean]>([
    ['=1', 'OPENHCL_CONFIDENTIAL_DEBUG=1', true],
    ['any value but 0', 'OPENHCL_CONFIDENTIAL_DEBUG=yes', true],
    ['an empty value is not "0"', 'OPENHCL_CONFIDENTIAL_DEBUG=', true],
    ['"00" is not "0"', 'OPENHCL_CONFIDENTIAL_DEBUG=00', true],
    ['prefix match without "=": a longer name counts', 'OPENHCL_CONFIDENTIAL_DEBUG_X=1', true],
    ['value after the first "="', 'OPENHCL_CONFIDENTIAL_DEBUG=0=0', true],
    ['=0 leaves it off', 'OPENHCL_CONFIDENTIAL_DEBUG=0', false],
    ['a longer name with =0 leaves it off', 'OPENHCL_CONFIDENTIAL_DEBUGGER=0', false],
    ['no "=" at all is ignored', 'OPENHCL_CONFIDENTIAL_DEBUG', false],
    ['case-sensitive key', 'openhcl_confidential_debug=1', false],
    ['must start the token', 'XOPENHCL_CONFIDENTIAL_DEBUG=1', false],
    ['a later =0 does not clear it', 'OPENHCL_CONFIDENTIAL_DEBUG=1 OPENHCL_CONFIDENTIAL_DEBUG=0', true],
  ])('confidential_debug: %s', (_name, cmdline, want) => {
    expect(parse(cmdline)).toEqual({ ...defaultCmdlineOptions(), confidentialDebug: want });
  });

  test.each<[string, string, boolean]>([
    ['=1', 'OPENHCL_DISABLE_NVME_KEEP_ALIVE=1', true],
    ['any value but 0', 'OPENHCL_DISABLE_NVME_KEEP_ALIVE=true', true],
    ['an empty value is not "0"', 'OPENHCL_DISABLE_NVME_KEEP_ALIVE=', true],
    ['=0 leaves it off', 'OPENHCL_DISABLE_NVME_KEEP_ALIVE=0', false],
    ['no "=" is not the key', 'OPENHCL_DISABLE_NVME_KEEP_ALIVE', false],
    ['a longer name is not the key (the key ends in "=")', 'OPENHCL_DISABLE_NVME_KEEP_ALIVE_X=1', false],
    ['a later =0 does not clear it', 'OPENHCL_DISABLE_NVME_KEEP_ALIVE=1 OPENHCL_DISABLE_NVME_KEEP_ALIVE=0', true],
  ])('disable_nvme_keep_alive: %s', (_name, cmdline, want) => {
    expect(parse(cmdline)).toEqual({ ...defaultCmdlineOptions(), disableNvmeKeepAlive: want });
  });

  test('no flag is cleared by the line: a true base stays true under =0', () => {
    const base = { ...defaultCmdlineOptions(), confidentialDebug: true, disableNvmeKeepAlive: true, vtl2GpaPoolNumaSplit: true };
    const line = 'OPENHCL_CONFIDENTIAL_DEBUG=0 OPENHCL_DISABLE_NVME_KEEP_ALIVE=0 OPENHCL_VTL2_GPA_POOL_NUMA=single';
    expect(parseBootCommandLine(line, base)).toEqual(base);
  });

  const THRESHOLD_7: SidecarOption = { kind: 'Enabled', enableLogging: true, cpuThreshold: 7 };
  test.each<[string, string, SidecarOption, SidecarOption]>([
    ['log then on: on resets logging', 'OPENHCL_SIDECAR=log,on', CMD_OFF, enabled(false)],
    ['empty items are skipped', 'OPENHCL_SIDECAR=on,,log', CMD_OFF, enabled(true)],
    ['an empty value changes nothing', 'OPENHCL_SIDECAR=', SERVICING, SERVICING],
    ['no "=" is not the key', 'OPENHCL_SIDECAR', CMD_OFF, CMD_OFF],
    ['items are case-sensitive', 'OPENHCL_SIDECAR=OFF,Log', THRESHOLD_7, THRESHOLD_7],
    ['whitespace ends the value: " log" is another token', 'OPENHCL_SIDECAR=off log', enabled(false), CMD_OFF],
    ['on resets a base threshold to the default', 'OPENHCL_SIDECAR=on', THRESHOLD_7, enabled(false)],
    ['log resets a null threshold to the default', 'OPENHCL_SIDECAR=log', { kind: 'Enabled', enableLogging: false, cpuThreshold: null }, enabled(true)],
    ['off of an Enabled base', 'OPENHCL_SIDECAR=off', THRESHOLD_7, CMD_OFF],
    ['log over DisabledServicing', 'OPENHCL_SIDECAR=log', SERVICING, enabled(true)],
  ])('sidecar: %s', (_name, cmdline, from, want) => {
    expect(parseBootCommandLine(cmdline, { ...defaultCmdlineOptions(), sidecar: from }).sidecar).toEqual(want);
  });

  test('every key at once, each in its own field', () => {
    const line =
      'console=ttyS0 OPENHCL_CONFIDENTIAL_DEBUG=1 OPENHCL_DISABLE_NVME_KEEP_ALIVE=1 OPENHCL_SIDECAR=log ' +
      'OPENHCL_VTL2_GPA_POOL_NUMA=split OPENHCL_ENABLE_VTL2_GPA_POOL=64 OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=debug';
    expect(parse(line)).toEqual({
      enableVtl2GpaPool: { kind: 'Pages', pages: 64n },
      vtl2GpaPoolNumaSplit: true,
      sidecar: enabled(true),
      confidentialDebug: true,
      disableNvmeKeepAlive: true,
    });
  });

  test('property: a line of recognised and unknown sidecar items equals the last recognised one', () => {
    const items = fc.array(fc.constantFrom('on', 'off', 'log', '', 'verbose', 'ON'), { maxLength: 6 });
    fc.assert(
      fc.property(items, (list) => {
        const known = list.filter((i) => i === 'on' || i === 'off' || i === 'log');
        const last = known[known.length - 1];
        const want = last === undefined ? SERVICING : last === 'off' ? CMD_OFF : enabled(last === 'log');
        const got = parseBootCommandLine(`OPENHCL_SIDECAR=${list.join(',')}`, { ...defaultCmdlineOptions(), sidecar: SERVICING });
        expect(got.sidecar).toEqual(want);
      }),
    );
  });
});

describe('cmdline_options JSON carries every field', () => {
  const ENABLED_DEFAULT = defaultSidecarOption();
  test.each<[string, unknown, SidecarOption]>([
    ['"Enabled" is the default variant', 'Enabled', ENABLED_DEFAULT],
    ['"DisabledCommandLine"', 'DisabledCommandLine', CMD_OFF],
    ['"Disabled", the old spelling', 'Disabled', CMD_OFF],
    ['"DisabledServicing"', 'DisabledServicing', SERVICING],
    ['{kind: Enabled} takes the defaults', { kind: 'Enabled' }, ENABLED_DEFAULT],
    ['logging', { kind: 'Enabled', enable_logging: true }, enabled(true)],
    ['threshold as a number', { kind: 'Enabled', cpu_threshold: 8 }, { ...ENABLED_DEFAULT, cpuThreshold: 8 }],
    ['threshold as hex text, the u32 maximum', { kind: 'Enabled', cpu_threshold: '0xffffffff' }, { ...ENABLED_DEFAULT, cpuThreshold: 0xffff_ffff }],
    ['threshold null is upstream None', { kind: 'Enabled', enable_logging: false, cpu_threshold: null }, { ...ENABLED_DEFAULT, cpuThreshold: null }],
    ['{kind: DisabledServicing}', { kind: 'DisabledServicing', _why: 'comment' }, SERVICING],
    ['{kind: Disabled}', { kind: 'Disabled' }, CMD_OFF],
  ])('sidecar accepts %s', (_name, sidecar, want) => {
    expect(parseCmdlineOptions({ sidecar })).toEqual({ ...defaultCmdlineOptions(), sidecar: want });
  });

  test.each<[string, unknown, string, string]>([
    ['a command-line word', 'on', 'unknown_name', 'cmdline_options.sidecar'],
    ['lower case', 'enabled', 'unknown_name', 'cmdline_options.sidecar'],
    ['a number', 1, 'wrong_type', 'cmdline_options.sidecar'],
    ['null', null, 'wrong_type', 'cmdline_options.sidecar'],
    ['an object without kind', { enable_logging: true }, 'missing_field', 'cmdline_options.sidecar.kind'],
    ['an unknown kind', { kind: 'Auto' }, 'unknown_name', 'cmdline_options.sidecar.kind'],
    ['logging on a disabled kind', { kind: 'DisabledCommandLine', enable_logging: true }, 'unknown_field', 'cmdline_options.sidecar.enable_logging'],
    ['threshold on DisabledServicing', { kind: 'DisabledServicing', cpu_threshold: 1 }, 'unknown_field', 'cmdline_options.sidecar.cpu_threshold'],
    ['a misspelt key', { kind: 'Enabled', logging: true }, 'unknown_field', 'cmdline_options.sidecar.logging'],
    ['logging as a string', { kind: 'Enabled', enable_logging: 'yes' }, 'wrong_type', 'cmdline_options.sidecar.enable_logging'],
    ['threshold over u32', { kind: 'Enabled', cpu_threshold: 2 ** 32 }, 'bad_value', 'cmdline_options.sidecar.cpu_threshold'],
    ['threshold negative', { kind: 'Enabled', cpu_threshold: -1 }, 'bad_value', 'cmdline_options.sidecar.cpu_threshold'],
    ['threshold as a boolean', { kind: 'Enabled', cpu_threshold: false }, 'wrong_type', 'cmdline_options.sidecar.cpu_threshold'],
  ])('sidecar rejects %s', (_name, sidecar, code, path) => {
    const e = inputErrorOf(() => parseCmdlineOptions({ sidecar }));
    expect([e.code, e.path]).toEqual([code, path]);
  });

  test.each<[string, unknown, Partial<CmdlineOptions>]>([
    ['confidential_debug', { confidential_debug: true }, { confidentialDebug: true }],
    ['disable_nvme_keep_alive', { disable_nvme_keep_alive: true }, { disableNvmeKeepAlive: true }],
    ['false is the default', { confidential_debug: false, disable_nvme_keep_alive: false }, {}],
    ['cmdline sets what the fields left off', { cmdline: 'OPENHCL_CONFIDENTIAL_DEBUG=1 OPENHCL_DISABLE_NVME_KEEP_ALIVE=1' }, { confidentialDebug: true, disableNvmeKeepAlive: true }],
    ['cmdline =0 keeps a field that is on', { confidential_debug: true, cmdline: 'OPENHCL_CONFIDENTIAL_DEBUG=0' }, { confidentialDebug: true }],
    ['cmdline log over a field threshold', { sidecar: { kind: 'Enabled', cpu_threshold: 3 }, cmdline: 'OPENHCL_SIDECAR=log' }, { sidecar: enabled(true) }],
  ])('flags: %s', (_name, json, want) => {
    expect(parseCmdlineOptions(json)).toEqual({ ...defaultCmdlineOptions(), ...want });
  });

  test.each<[string, unknown, string]>([
    ['confidential_debug as a number', { confidential_debug: 1 }, 'cmdline_options.confidential_debug'],
    ['disable_nvme_keep_alive as a string', { disable_nvme_keep_alive: 'true' }, 'cmdline_options.disable_nvme_keep_alive'],
  ])('flags reject %s', (_name, json, path) => {
    const e = inputErrorOf(() => parseCmdlineOptions(json));
    expect([e.code, e.path]).toEqual(['wrong_type', path]);
  });

  test('cmdlineOptionsToJson writes every field in full', () => {
    expect(cmdlineOptionsToJson(defaultCmdlineOptions())).toEqual({
      enable_vtl2_gpa_pool: { kind: 'Heuristics', table: 'Release' },
      vtl2_gpa_pool_numa_split: false,
      sidecar: { kind: 'Enabled', enable_logging: false, cpu_threshold: 100 },
      confidential_debug: false,
      disable_nvme_keep_alive: false,
    });
    expect(cmdlineOptionsToJson({ ...defaultCmdlineOptions(), sidecar: SERVICING })['sidecar']).toEqual({ kind: 'DisabledServicing' });
  });

  test('property: parse ∘ toJson is the identity on every CmdlineOptions', () => {
    fc.assert(
      fc.property(fc.oneof(cmdlineArb, cmdlineArb.map((c) => ({ ...c, sidecar: SERVICING }))), (c) => {
        expect(parseCmdlineOptions(JSON.parse(JSON.stringify(cmdlineOptionsToJson(c))))).toEqual(c);
      }),
    );
  });
});

describe('the scenario schema agrees with the reader on cmdline_options', () => {
  const [{ vectors: worked }] = loadBootVectors();
  const A: Json = worked.find((v) => v.name === 'A')!.input;
  const withCmdline = (cmdline_options: unknown): Json => ({ ...structuredClone(A), cmdline_options });

  test.each<[string, unknown]>([
    ['sidecar "Disabled" (old spelling)', { sidecar: 'Disabled' }],
    ['sidecar "DisabledCommandLine"', { sidecar: 'DisabledCommandLine' }],
    ['sidecar object in full', { sidecar: { kind: 'Enabled', enable_logging: true, cpu_threshold: null } }],
    ['sidecar threshold as hex', { sidecar: { kind: 'Enabled', cpu_threshold: '0x10' } }],
    ['sidecar {kind: DisabledServicing}', { sidecar: { kind: 'DisabledServicing' } }],
    ['both flags', { confidential_debug: true, disable_nvme_keep_alive: false }],
    ['the canonical JSON of the defaults', cmdlineOptionsToJson(defaultCmdlineOptions())],
  ])('valid for both: %s', (_name, cmd) => {
    const file = withCmdline(cmd);
    expect(validateScenarioFile(file), errorText(validateScenarioFile.errors)).toBe(true);
    expect(() => parseScenarioFile(file)).not.toThrow();
  });

  test.each<[string, unknown]>([
    ['sidecar "on"', { sidecar: 'on' }],
    ['logging on a disabled kind', { sidecar: { kind: 'DisabledCommandLine', enable_logging: true } }],
    ['threshold over u32', { sidecar: { kind: 'Enabled', cpu_threshold: 4294967296 } }],
    ['sidecar object without kind', { sidecar: { enable_logging: true } }],
    ['confidential_debug as a string', { confidential_debug: 'yes' }],
    ['misspelt flag', { disable_nvme_keepalive: true }],
  ])('invalid for both: %s', (_name, cmd) => {
    const file = withCmdline(cmd);
    expect(validateScenarioFile(file)).toBe(false);
    expect(() => parseScenarioFile(file)).toThrow();
  });
});
