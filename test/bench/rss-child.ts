/**
 * Child process of benchmark 5 (run by scale.ts, not by hand): loads the
 * project modules, optionally runs one lifecycle, and prints its peak RSS as
 * one JSON line. Modes: `idle` (load only), `demo` (the demo lifecycle),
 * `scale` (the 240 TiB partition / 64 GiB VTL2 lifecycle).
 */
import { runDemo, verdict, DEMO_CPUS } from '../../src/cli/demo.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import { SimulatedVm } from '../../src/sim/runner.js';
import { parseScenarioFile } from '../../src/sim/scenario-file.js';
import { scaleBacking, scaleVmJson } from './scale.js';

const mode = process.argv[2] ?? 'idle';
let ok: boolean | undefined;
let detail: string | undefined;
if (mode === 'demo') {
  const r = runDemo();
  ok = verdict(r).ok;
  detail = verdict(r).text;
} else if (mode === 'scale') {
  const [scenario] = parseScenarioFile({ ...scaleVmJson(), lifecycle: [{ op: 'boot' }] });
  // A guest memory shaped like the partition: 240 TiB of backed RAM (+ the MMIO hole), sparse.
  const memory = new GuestMemory({ limit: 1n << 49n, backing: scaleBacking() });
  const vm = new SimulatedVm(scenario!, { memory });
  const first = vm.boot();
  const save = vm.save(DEMO_CPUS);
  const restore = vm.boot();
  ok = first.path === 'host' && restore.path === 'persisted' && !('error' in save);
  const pool = restore.path === 'panic' ? [] : restore.poolRanges;
  const poolBytes = pool.reduce((s, r) => s + (r.end - r.start), 0n);
  detail = first.path === 'panic' ? `first boot panic: ${first.panic}` : restore.path === 'panic' ? `restore panic: ${restore.panic}` : `first ${first.path}, restore ${restore.path}, payload ${'error' in save ? '?' : save.payload_len} bytes, pool ${poolBytes / (1n << 20n)} MiB in ${pool.length} range(s)`;
}
const usage = process.memoryUsage();
console.log(
  JSON.stringify({ mode, max_rss_bytes: process.resourceUsage().maxRSS * 1024, rss_after_bytes: usage.rss, heap_used_after_bytes: usage.heapUsed, ok, detail }),
);
