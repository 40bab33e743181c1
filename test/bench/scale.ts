/**
 * Benchmark 5: `GuestMemory` at scale. The demo VM grown to the largest
 * partition Hyper-V supports, 240 TiB of RAM, with 64 GiB of VTL2 RAM, run
 * through boot → save → restore in a child
 * process, reporting the child's peak RSS against 64 MiB. Baselines from the
 * same run: the same child doing nothing but loading the modules ("idle"), and
 * running the small demo lifecycle ("demo").
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_VM } from '../../src/cli/demo.js';
import type { BenchRow } from './common.js';

const GIB = 1n << 30n;
const TIB = 1n << 40n;
const hex = (v: bigint) => `0x${v.toString(16)}`;
export const RSS_TARGET_BYTES = 64 * 1024 * 1024;

/** The scale run's partition: 240 TiB of RAM, of which 64 GiB is VTL2's. */
export const SCALE_RAM = 240n * TIB;
export const SCALE_VTL2 = 64n * GIB;

/**
 * The demo VM (same image layout, Host mode, release heuristic pool) with
 * {@link SCALE_RAM} of partition RAM: 2 GiB below the 4 GiB MMIO hole and the
 * rest above it, of which {@link SCALE_VTL2} is VTL2_PROTECTABLE (1 GiB on
 * node 0 from the image base and 4 GiB above 4 GiB, the rest on node 1, so
 * the heuristic pool finds room on both nodes). The high MMIO windows move above the RAM.
 */
export function scaleVmJson(): Record<string, unknown> {
  const vm = structuredClone(DEMO_VM) as unknown as { host_dt: Record<string, unknown> };
  const vtl2Node0End = 0x4800_0000n; // 1 GiB from the image base 0x8000000
  // The heuristic pool for 64 GiB wants ~1.5 GiB per node: node 0 gets 4 GiB more above 4 GiB.
  const vtl2Node0High = [0x1_0000_0000n, 0x2_0000_0000n] as const;
  const vtl2Node1Start = 0x4_0000_0000n;
  const vtl2Node1End = vtl2Node1Start + SCALE_VTL2 - (vtl2Node0End - 0x800_0000n) - (vtl2Node0High[1] - vtl2Node0High[0]);
  const ramEnd = SCALE_RAM + 2n * GIB; // 2 GiB below 4 GiB, the rest above
  const mem = (start: bigint, end: bigint, mem_type: string, vnode: number) => ({ range: { start: hex(start), end: hex(end) }, mem_type, vnode });
  vm.host_dt['memory'] = [
    mem(0n, 0x800_0000n, 'MEMORY', 0),
    mem(0x800_0000n, vtl2Node0End, 'VTL2_PROTECTABLE', 0),
    mem(vtl2Node0End, 0x8000_0000n, 'MEMORY', 0),
    mem(vtl2Node0High[0], vtl2Node0High[1], 'VTL2_PROTECTABLE', 0),
    mem(vtl2Node0High[1], vtl2Node1Start, 'MEMORY', 0),
    mem(vtl2Node1Start, vtl2Node1End, 'VTL2_PROTECTABLE', 1),
    mem(vtl2Node1End, ramEnd, 'MEMORY', 1),
  ];
  const mmioBase = 1n << 48n; // 256 TiB, above the RAM
  vm.host_dt['vmbus_vtl0'] = { mmio: [{ start: '0xf8000000', end: '0xfc000000' }, { start: hex(mmioBase), end: hex(mmioBase + GIB) }], connection_id: 4 };
  vm.host_dt['vmbus_vtl2'] = { mmio: [{ start: hex(mmioBase + GIB), end: hex(mmioBase + GIB + 0x800_0000n) }], connection_id: 8388724 };
  return { name: 'scale: 240 TiB partition, 64 GiB VTL2', ...vm };
}

/** The partition's RAM ranges (the GuestMemory backing of the scale run). */
export function scaleBacking(): { start: bigint; end: bigint }[] {
  const mems = (scaleVmJson()['host_dt'] as { memory: { range: { start: string; end: string } }[] }).memory;
  return mems.map((m) => ({ start: BigInt(m.range.start), end: BigInt(m.range.end) }));
}

export interface ChildReport {
  mode: string;
  max_rss_bytes: number;
  rss_after_bytes: number;
  heap_used_after_bytes: number;
  pages_note?: string;
  ok?: boolean;
  detail?: string;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundles rss-child.ts (and the project code and protobufjs it imports) into
 * one plain-JS file with esbuild (protobufjs stays external), so the child runs on bare Node without the
 * tsx loader, whose own footprint (~90 MiB) would swamp the figure. esbuild is
 * the copy tsx already depends on (node_modules/.bin/esbuild). The .proto
 * files go next to the bundle, where `schema.ts` looks for them
 * (`./proto/` relative to the module). Returns undefined if esbuild is missing.
 */
export function bundleChild(): { file: string; dir: string } | undefined {
  const esbuild = join(REPO, 'node_modules', '.bin', 'esbuild');
  if (!existsSync(esbuild)) return undefined;
  // Under node_modules/.cache so that the external `protobufjs` import resolves
  // to the repo's copy (bundled, protobufjs cannot find `fs` to load the .proto).
  const cache = join(REPO, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'vtl2-bench-rss-'));
  const file = join(dir, 'rss-child.mjs');
  execFileSync(esbuild, [join(REPO, 'test/bench/rss-child.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20', '--external:protobufjs', `--outfile=${file}`, '--log-level=warning'], { stdio: ['ignore', 'ignore', 'inherit'] });
  cpSync(join(REPO, 'src/format/proto'), join(dir, 'proto'), { recursive: true });
  return { file, dir };
}

/**
 * Runs the child in a fresh Node process and returns its report: `node` is
 * bare Node; the other modes run `rss-child.ts <mode>`, from the esbuild
 * bundle when `bundle` is given, else under `node --import tsx`.
 */
export function runChild(mode: 'idle' | 'demo' | 'scale' | 'node', bundle?: string): ChildReport {
  if (mode === 'node') {
    // Bare Node (no tsx, no project modules): the floor any child starts from.
    const out = execFileSync(process.execPath, ['-e', 'const r=process.resourceUsage();console.log(JSON.stringify({mode:"node",max_rss_bytes:r.maxRSS*1024,rss_after_bytes:process.memoryUsage().rss,heap_used_after_bytes:process.memoryUsage().heapUsed}))'], { encoding: 'utf8' });
    return JSON.parse(out) as ChildReport;
  }
  const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));
  const args = bundle !== undefined ? [bundle, mode] : ['--import', 'tsx', child, mode];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', cwd: REPO });
  return JSON.parse(out.trim().split('\n').pop()!) as ChildReport;
}

export function scaleBench(): BenchRow {
  const bundled = bundleChild();
  let node: ChildReport, idle: ChildReport, demo: ChildReport, scale: ChildReport, tsxScale: ChildReport, tsxIdle: ChildReport;
  try {
    node = runChild('node');
    idle = runChild('idle', bundled?.file);
    demo = runChild('demo', bundled?.file);
    scale = runChild('scale', bundled?.file);
    tsxIdle = runChild('idle');
    tsxScale = runChild('scale');
  } finally {
    if (bundled) rmSync(bundled.dir, { recursive: true, force: true });
  }
  if (!scale.ok) throw new Error(`the 240 TiB lifecycle did not restore: ${scale.detail}`);
  const mib = (b: number) => b / (1024 * 1024);
  return {
    id: 'rss_largest_partition',
    name: '5. 240 TiB partition / 64 GiB VTL2 lifecycle, peak RSS',
    unit: 'MiB peak RSS',
    ours: mib(scale.max_rss_bytes),
    baseline: mib(RSS_TARGET_BYTES),
    baselineName: 'the issue target, 64 MiB (a constant); measured floors in extra',
    ratio: scale.max_rss_bytes / RSS_TARGET_BYTES,
    ratioMeaning: 'peak RSS / 64 MiB (< 1 meets the target)',
    target: '< 64 MiB',
    met: scale.max_rss_bytes < RSS_TARGET_BYTES,
    extra: {
      bare_node_peak_rss_mib: mib(node.max_rss_bytes),
      idle_child_peak_rss_mib: mib(idle.max_rss_bytes),
      demo_child_peak_rss_mib: mib(demo.max_rss_bytes),
      scale_child_peak_rss_mib: mib(scale.max_rss_bytes),
      scale_minus_idle_mib: mib(scale.max_rss_bytes - idle.max_rss_bytes),
      scale_minus_demo_mib: mib(scale.max_rss_bytes - demo.max_rss_bytes),
      under_tsx_idle_peak_rss_mib: mib(tsxIdle.max_rss_bytes),
      under_tsx_scale_peak_rss_mib: mib(tsxScale.max_rss_bytes),
      scale_heap_used_after_mib: mib(scale.heap_used_after_bytes),
      scale_detail: scale.detail,
      method: bundled
        ? 'child process on bare Node running an esbuild bundle of rss-child.ts; process.resourceUsage().maxRSS after the run'
        : 'esbuild not found: child process under `node --import tsx` (includes the loader); process.resourceUsage().maxRSS after the run',
    },
  };
}
