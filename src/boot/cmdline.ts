/**
 * The boot command line, as upstream `openhcl_boot` `src/cmdline.rs` reads it
 * (`BootCommandLineOptions`): the defaults, the pool-config argument and the parser. A kernel
 * command line is never an error, so nothing here throws.
 */
import type { CmdlineOptions, GpaPoolConfig } from './types.js';

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * The options a boot gets when the scenario says nothing: upstream `BootCommandLineOptions::new()`
 * (pool Heuristics(Release), sidecar Enabled) and no NUMA split.
 */
export function defaultCmdlineOptions(): CmdlineOptions {
  return { enableVtl2GpaPool: { kind: 'Heuristics', table: 'Release' }, vtl2GpaPoolNumaSplit: false, sidecar: 'Enabled' };
}

/** `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=`: the pool config the IGVM manifest put on the command line. */
export const IGVM_VTL2_GPA_POOL_CONFIG = 'OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=';
/** `OPENHCL_ENABLE_VTL2_GPA_POOL=`: test/compat override that beats the IGVM key. */
export const ENABLE_VTL2_GPA_POOL = 'OPENHCL_ENABLE_VTL2_GPA_POOL=';
/** `OPENHCL_VTL2_GPA_POOL_NUMA=`: `split` skips the single-node pool attempt. */
export const VTL2_GPA_POOL_NUMA = 'OPENHCL_VTL2_GPA_POOL_NUMA=';
/** `OPENHCL_SIDECAR=`: comma-separated `on` / `off` / `log`. */
export const SIDECAR = 'OPENHCL_SIDECAR=';

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

/**
 * Applies a raw boot command line on top of `base`, as `BootCommandLineOptions::parse` does in
 * upstream `openhcl_boot`'s `cmdline.rs`. Never throws: it is a kernel command line, so
 * anything it does not understand is ignored. Rules:
 *
 * - Tokens are split on Rust whitespace; a token matches a key when it *starts with* `KEY=`
 *   (case-sensitive), and its value is everything after the first `=`. `KEY` with no `=` does
 *   not match and is ignored, like every unknown token.
 * - `OPENHCL_IGVM_VTL2_GPA_POOL_CONFIG=v` sets the pool config to `gpaPoolFromCmdline`(v);
 *   a later occurrence wins.
 * - `OPENHCL_ENABLE_VTL2_GPA_POOL=v` is remembered (a later occurrence wins) and applied after
 *   the whole line has been read, so it overrides the IGVM key regardless of order.
 *   (Upstream applies the override at the end of each `parse` call; a scenario has one string,
 *   so one call.)
 * - `OPENHCL_VTL2_GPA_POOL_NUMA=split` sets the NUMA split. Inferred: any other value is
 *   ignored, i.e. it leaves the flag as it was (upstream's default is false, and it has no
 *   value that turns split off). So with a base of `true` from the JSON fields nothing on the
 *   command line clears it.
 * - `OPENHCL_SIDECAR=a,b,…`: each comma-separated item in order; `off` → `Disabled`
 *   (upstream `DisabledCommandLine`), `on` or `log` → `Enabled` (logging is not modelled),
 *   anything else ignored, so the last recognised item of the last occurrence wins. This is our
 *   reading of upstream's `match` with a `_ => {}` arm; it differs from "anything but `off` is
 *   Enabled" only for unrecognised values, which here leave the previous value (e.g. a
 *   `"Disabled"` base stays Disabled under `OPENHCL_SIDECAR=maybe`).
 */
export function parseBootCommandLine(cmdline: string, base: CmdlineOptions): CmdlineOptions {
  let pool = base.enableVtl2GpaPool;
  let split = base.vtl2GpaPoolNumaSplit;
  let sidecar = base.sidecar;
  let override: GpaPoolConfig | undefined;
  for (const token of cmdline.split(RUST_WHITESPACE)) {
    const value = (key: string) => token.slice(key.length);
    if (token.startsWith(ENABLE_VTL2_GPA_POOL)) {
      override = gpaPoolFromCmdline(value(ENABLE_VTL2_GPA_POOL));
    } else if (token.startsWith(IGVM_VTL2_GPA_POOL_CONFIG)) {
      pool = gpaPoolFromCmdline(value(IGVM_VTL2_GPA_POOL_CONFIG));
    } else if (token.startsWith(VTL2_GPA_POOL_NUMA)) {
      if (value(VTL2_GPA_POOL_NUMA) === 'split') split = true;
    } else if (token.startsWith(SIDECAR)) {
      for (const item of value(SIDECAR).split(',')) {
        if (item === 'off') sidecar = 'Disabled';
        else if (item === 'on' || item === 'log') sidecar = 'Enabled';
      }
    }
  }
  return { enableVtl2GpaPool: override ?? pool, vtl2GpaPoolNumaSplit: split, sidecar };
}
