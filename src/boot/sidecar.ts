/**
 * Sidecar exclusion on restore (upstream `read_from_dt` after the topology, and `start_sidecar`;
 * HEAD #3706): CPUs that still
 * have mapped device interrupts or outstanding IO must be started by the
 * kernel, not by sidecar.
 */

/** What the restore did to sidecar start-up, as scenario results report it. */
export type SidecarAction = 'unchanged' | 'per_cpu_exclusion' | 'DisabledServicing';

/** The per-CPU override array holds 400 entries. */
export const SIDECAR_MAX_CPUS = 400;

/**
 * Decides the sidecar action for a sorted, de-duplicated exclusion list.
 *
 * Upstream quirk, reproduced: the gate reads the default
 * `storage.boot_options.sidecar` (always Enabled) rather than the parsed
 * command line, so `OPENHCL_SIDECAR=off` does not skip it; only an empty list
 * does.
 */
export function sidecarAction(exclusion: readonly number[], cpuCount: number): SidecarAction {
  if (exclusion.length === 0) return 'unchanged';
  const highest = exclusion[exclusion.length - 1]!;
  return cpuCount <= SIDECAR_MAX_CPUS && highest < SIDECAR_MAX_CPUS ? 'per_cpu_exclusion' : 'DisabledServicing';
}
