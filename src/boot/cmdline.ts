/**
 * The boot command line, as upstream `openhcl_boot` `src/cmdline.rs` reads it
 * (`BootCommandLineOptions`): the defaults, the pool-config argument and the parser, for every
 * option upstream parses. A kernel command line is never an error (upstream logs and ignores
 * what it does not understand), so nothing here throws.
 */
import type { CmdlineOptions, GpaPoolConfig, SidecarOption } from './types.js';

import { U64_MAX } from '../memory/u64.js';

/** Upstream `SidecarOptions::DEFAULT_CPU_THRESHOLD` (`Some(100)`): every `Enabled` the parser makes carries it. */
export const DEFAULT_SIDECAR_CPU_THRESHOLD = 100;

/**
 * Upstream `SidecarOptions::default()`, also what `OPENHCL_SIDECAR=on` sets: enabled, no
 * logging, the default threshold. A fresh object each call, so callers may not share one.
 */
export function defaultSidecarOption(): Extract<SidecarOption, { kind: 'Enabled' }> {
  return { kind: 'Enabled', enableLogging: false, cpuThreshold: DEFAULT_SIDECAR_CPU_THRESHOLD };
}

/**
 * The options a boot gets when the scenario says nothing: upstream `BootCommandLineOptions::new()`
 * (pool Heuristics(Release), sidecar `SidecarOptions::default()`, every flag false).
 */
export function defaultCmdlineOptions(): CmdlineOptions {
  return {
    enableVtl2GpaPool: { kind: 'Heuristics', table: 'Release' },
    vtl2GpaPoolNumaSplit: false,
    sidecar: defaultSidecarOption(),
    confidentialDebug: false,
    disableNvmeKeepAlive: false,
  };
}

/**
 * `OPENHCL_CONFIDENTIAL_DEBUG` (upstream `underhill_confidentiality::OPENHCL_CONFIDENTIAL_DEBUG_ENV_VAR_NAME`).
 * Unlike the other keys it has no `=`, so upstream's `starts_with` also matches longer names
 * such as `OPENHCL_CONFIDENTIAL_DEBUG_X=1`.
 */
export const CONFIDENTIAL_DEBUG = 'OPENHCL_CONFIDENTIAL_DEBUG';
/** `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=`: the pool config the IGVM manifest put on the command line. */
export const IGVM_VTL2_GPA_POOL_CONFIG = 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=';
/** `OPENHCL_ENABLE_VTL2_GPA_POOL=`: test/compat override that beats the IGVM key. */
export const ENABLE_VTL2_GPA_POOL = 'OPENHCL_ENABLE_VTL2_GPA_POOL=';
/** `OPENHCL_SIDECAR=`: comma-separated `on` / `off` / `log`. */
export const SIDECAR = 'OPENHCL_SIDECAR=';
/** `OPENHCL_DISABLE_NVME_KEEP_ALIVE=`: anything but `0` turns NVMe keep-alive off. */
export const DISABLE_NVME_KEEP_ALIVE = 'OPENHCL_DISABLE_NVME_KEEP_ALIVE=';
/** `OPENHCL_VTL2_GPA_POOL_NUMA=`: `split` skips the single-node pool attempt. */
export const VTL2_GPA_POOL_NUMA = 'OPENHCL_VTL2_GPA_POOL_NUMA=';

/**
 * Rust `char::is_whitespace` (Unicode White_Space), which `str::split_whitespace` splits on.
 * JS `\s` differs in two code points (it adds U+FEFF and lacks U+0085), hence the explicit set.
 */
const RUST_WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/**
 * Upstream `impl From<&str> for Vtl2GpaPoolConfig`: `"debug"`, `"release"`, `"off"`, else
 * `arg.parse::<u64>().unwrap_or(0)` where 0 means Off. Rust's u64 `FromStr` takes an optional
 * leading `+` and decimal digits only (no hex, no `-`, nothing empty, nothing above u64::MAX),
 * so `"+16"` is 16 pages and `"0x10"`, `""`, `"Release"` are Off. Matching is case-sensitive.
 */
export function gpaPoolFromCmdline(arg: string): GpaPoolConfig {
  if (arg === 'debug') return { kind: 'Heuristics', table: 'Debug' };
  if (arg === 'release') return { kind: 'Heuristics', table: 'Release' };
  if (arg === 'off') return { kind: 'Off' };
  const m = /^\+?([0-9]+)$/.exec(arg);
  const pages = m?.[1] === undefined ? 0n : BigInt(m[1]);
  return pages === 0n || pages > U64_MAX ? { kind: 'Off' } : { kind: 'Pages', pages };
}

/** Rust `arg.split_once('=').map(|(_, v)| v)`: what follows the token's first `=`, if it has one. */
function afterFirstEquals(token: string): string | undefined {
  const i = token.indexOf('=');
  return i < 0 ? undefined : token.slice(i + 1);
}

/**
 * Applies a raw boot command line on top of `base`, as `BootCommandLineOptions::parse` does in
 * upstream `openhcl_boot`'s `cmdline.rs`. Never throws. Rules (upstream's, case-sensitive):
 *
 * - Tokens are split on Rust whitespace; a token matches a key when it *starts with* it, and
 *   its value is what follows its first `=`. Every key but `OPENHCL_CONFIDENTIAL_DEBUG` ends in
 *   `=`, so `KEY` alone never matches them; unknown tokens are ignored.
 * - `OPENHCL_CONFIDENTIAL_DEBUG…=v` and `OPENHCL_DISABLE_NVME_KEEP_ALIVE=v`: any `v` but `"0"`
 *   (even `""`) sets the flag; `"0"`, or no `=` at all, leaves it as it was. Nothing clears it.
 * - `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=v` sets the pool config to `gpaPoolFromCmdline`(v);
 *   a later occurrence wins.
 * - `OPENHCL_ENABLE_VTL2_GPA_POOL=v` is remembered (a later occurrence wins) and applied after
 *   the whole line has been read, so it overrides the IGVM key regardless of order. (Upstream
 *   applies it at the end of each `parse` call; a scenario has one string, so one call.)
 * - `OPENHCL_SIDECAR=a,b,…`: each comma-separated item in order; `off` → `DisabledCommandLine`,
 *   `on` → `Enabled` without logging, `log` → `Enabled` with logging, both with the default
 *   threshold (so `log,on` ends without logging and either resets a base threshold to 100);
 *   anything else (including `""`) is ignored, leaving the previous value.
 * - `OPENHCL_VTL2_GPA_POOL_NUMA=split` sets the NUMA split; any other value is ignored (upstream
 *   warns), and nothing clears a `true` base.
 */
export function parseBootCommandLine(cmdline: string, base: CmdlineOptions): CmdlineOptions {
  const out: CmdlineOptions = { ...base };
  let override: GpaPoolConfig | undefined;
  for (const token of cmdline.split(RUST_WHITESPACE)) {
    const value = (key: string) => token.slice(key.length);
    if (token.startsWith(CONFIDENTIAL_DEBUG)) {
      const v = afterFirstEquals(token);
      if (v !== undefined && v !== '0') out.confidentialDebug = true;
    } else if (token.startsWith(IGVM_VTL2_GPA_POOL_CONFIG)) {
      out.enableVtl2GpaPool = gpaPoolFromCmdline(value(IGVM_VTL2_GPA_POOL_CONFIG));
    } else if (token.startsWith(ENABLE_VTL2_GPA_POOL)) {
      override = gpaPoolFromCmdline(value(ENABLE_VTL2_GPA_POOL));
    } else if (token.startsWith(SIDECAR)) {
      for (const item of value(SIDECAR).split(',')) {
        if (item === 'off') out.sidecar = { kind: 'DisabledCommandLine' };
        else if (item === 'on') out.sidecar = defaultSidecarOption();
        else if (item === 'log') out.sidecar = { ...defaultSidecarOption(), enableLogging: true };
      }
    } else if (token.startsWith(DISABLE_NVME_KEEP_ALIVE)) {
      if (value(DISABLE_NVME_KEEP_ALIVE) !== '0') out.disableNvmeKeepAlive = true;
    } else if (token.startsWith(VTL2_GPA_POOL_NUMA)) {
      if (value(VTL2_GPA_POOL_NUMA) === 'split') out.vtl2GpaPoolNumaSplit = true;
    }
  }
  if (override !== undefined) out.enableVtl2GpaPool = override;
  return out;
}
