/**
 * A missing VMBus node, where upstream asks for it: `topology_from_host_dt` on the fresh path
 * (test/boot/mmio.test.ts has the per-branch order) and, on the restore path, `read_from_dt`
 * when it takes the connection IDs after `topology_from_persisted_state` (host_params/dt/mod.rs
 * 1141-1152). Mutant killed: drop the restore-path checks in src/boot/boot.ts `restoreBoot`: the
 * restore then succeeds with no VTL2 VMBus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/runner.js';
import { parseScenario } from '../../src/sim/scenario-file.js';

const EXAMPLE = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'examples', 'torn-save.json'), 'utf8')) as Record<string, unknown>;
const base = (Array.isArray(EXAMPLE) ? EXAMPLE[0] : EXAMPLE) as Record<string, unknown>;

function lastBoot(override: Record<string, unknown>) {
  const s = parseScenario({ ...base, name: 'vmbus', lifecycle: [{ op: 'boot' }, { op: 'save' }, { op: 'boot', host_dt_override: override }] });
  const steps = runScenario(s).steps;
  return steps[steps.length - 1] as { path?: string; attempted_path?: string; panic_kind?: string; panic?: string };
}

describe('a missing VMBus node on the restore path', () => {
  it.each([
    ['VTL0', 'Vtl0Vmbus', { vmbus_vtl0: null }],
    ['VTL2', 'Vtl2Vmbus', { vmbus_vtl2: null }],
    ['both (VTL0 asked first)', 'Vtl0Vmbus', { vmbus_vtl0: null, vmbus_vtl2: null }],
  ])('%s: the restore panics DtError::%s after the topology is read', (_name, error, override) => {
    const r = lastBoot(override);
    expect(r.path).toBe('panic');
    expect(r.attempted_path).toBe('persisted');
    expect(r.panic_kind).toBe('dt_error');
    expect(r.panic).toBe(`unable to read device tree params ${String(error)}`);
  });

  it('with both nodes present the same lifecycle restores', () => {
    expect(lastBoot({}).path).toBe('persisted');
  });
});
