/**
 * The fixed hostile list of the CLI fuzz layer: one spawned case (or a few) per fuzz-reachable
 * row of the hostile-input table in docs/robustness.md, each with the exit code it must give.
 * The CLI e2e tests (test/cli/) pin the messages; this list pins that the real binary ends by
 * itself, within its time limit and memory limit (cli-layer.ts `MEMORY_LIMIT_KIB`), with the
 * right code, no stack trace and a short stderr.
 *
 * Rows the CLI cannot pass yet are listed in {@link PENDING} by label: CI skips them and
 * `npm run fuzz` reports them without failing; delete a label once its fix has landed.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILE, type SpawnCase } from './cli-layer.js';

/** Labels of rows known to fail today (kept out of CI until the fix lands). */
export const PENDING: ReadonlySet<string> = new Set<string>([]);

/**
 * Rows whose output is inherently large (a million entries, 150 000 windows, 20 000 scenarios:
 * 20–180 MB written) and take 10–30 s on a loaded 2-core machine: `npm run fuzz` runs them
 * (limit {@link SLOW_TIMEOUT_MS} each), CI does not. Their 260 KB counterparts run in CI.
 */
export const SLOW_TIMEOUT_MS = 180_000;

const EXAMPLE = join(import.meta.dirname, '..', '..', 'docs', 'examples', 'torn-save.json');
const STATE = join(import.meta.dirname, '..', '..', 'docs', 'examples', 'state.json');

type Json = Record<string, unknown>;
const scenario = (): Json => JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Json;

function repeated(pattern: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = pattern[i % pattern.length]!;
  return out;
}

/** A hostile row; `slow` ones are left to the long run. */
export type HostileCase = SpawnCase & { slow?: boolean };

/** The hostile cases, their input files written into `dir` (large ones sparse where they can be). */
export function hostileCases(dir: string, includeSlow: boolean): HostileCase[] {
  const file = (name: string, data: string | Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  const sparse = (name: string, size: number): string => {
    const p = file(name, '');
    truncateSync(p, size);
    return p;
  };
  const C = (label: string, argv: string[], expect: readonly number[], more: Partial<SpawnCase> = {}): HostileCase => ({ label, argv, expect, ...more });
  const slow = (c: HostileCase): HostileCase => ({ ...c, slow: true, timeoutMs: SLOW_TIMEOUT_MS });

  const emptyEntries = file('0a00x130000.bin', repeated([0x0a, 0x00], 260_000));
  const fullArea = file('0a00-2MiB.bin', repeated([0x0a, 0x00], 0x20_0000)); // also the EPIPE row's input
  const big = sparse('3GiB.bin', 3 * 1024 ** 3);
  const tenMiB = file('0a00-10MiB.bin', repeated([0x0a, 0x00], 10 * 1024 * 1024));
  const hundredMiB = sparse('100MiB.bin', 100 * 1024 * 1024);

  const pool = (opts: Json, host: Json = {}): string => {
    const s = scenario();
    s['cmdline_options'] = { ...(s['cmdline_options'] as Json), ...opts };
    s['host_dt'] = { ...(s['host_dt'] as Json), ...host };
    return file(`pool-${Object.keys(opts).join('-')}-${Object.keys(host).join('-')}.json`, JSON.stringify(s));
  };
  const poolPages = pool({ enable_vtl2_gpa_pool: { kind: 'Pages', pages: '0xffffffffffffffff' } });
  const dmaPages = pool({}, { device_dma_page_count: '0xffffffffffffffff' });
  // The boot command line as the host writes it (upstream `cmdline.rs` parses the u64 pages).
  const cmdlinePool = pool({ cmdline: 'OPENHCL_ENABLE_VTL2_GPA_POOL=18446744073709551615' });
  // `inspect --shim` boots a dump with the shim's inputs given one by one.
  const ex = scenario();
  const shimFile = file('shim.json', JSON.stringify(ex['shim_params']));
  const hostFile = file('host.json', JSON.stringify(ex['host_dt']));
  const poolCmdline = file('cmdline-pool.json', JSON.stringify({ ...(ex['cmdline_options'] as Json), enable_vtl2_gpa_pool: { kind: 'Pages', pages: '0xffffffffffffffff' } }));
  const emptyRegion = file('empty-region.bin', new Uint8Array(4096));

  const longString = scenario();
  (longString['shim_params'] as Json)['memory_start'] = `0x${'y'.repeat(50 * 1000 * 1000)}`;
  const longStringFile = file('long-string.json', JSON.stringify(longString));
  const longNumber = readFileSync(EXAMPLE, 'utf8').replace('"cpu_count": 8', `"cpu_count": 1${'0'.repeat(10_000_000)}`);
  const longNumberFile = file('long-number.json', longNumber);
  const longKey = scenario();
  (longKey['host_dt'] as Json)[`k${'e'.repeat(1_000_000)}y`] = 1; // an unknown key: its path is quoted too
  const longKeyFile = file('long-key.json', JSON.stringify(longKey));

  const stateText = readFileSync(STATE, 'utf8');
  const bomState = file('bom-state.json', `\uFEFF${stateText}`);
  const bomScenario = file('bom-scenario.json', `\uFEFF${readFileSync(EXAMPLE, 'utf8')}`);
  const dupKey = file('dup-key.json', readFileSync(EXAMPLE, 'utf8').replace('"name":', '"name": "first", "name":'));
  const protoKey = file('proto-key.json', readFileSync(EXAMPLE, 'utf8').replace('"name":', '"__proto__": {"x": 1}, "name":'));
  const dupState = file('dup-state.json', stateText.replace('"partition_mmio"', '"partition_mmio": [], "partition_mmio"'));
  let mmio150k = '';
  let scenarios20k = '';
  if (includeSlow) {
    const s150k = scenario();
    (s150k['host_dt'] as Json)['vmbus_vtl2'] = {
      mmio: Array.from({ length: 150_000 }, (_, i) => ({ start: `0x${(0xf8_0000_0000 + i * 0x20_0000).toString(16)}`, end: `0x${(0xf8_0000_0000 + i * 0x20_0000 + 0x10_0000).toString(16)}` })),
      connection_id: 8388724,
    };
    mmio150k = file('mmio150k.json', JSON.stringify(s150k));
    const one = scenario();
    scenarios20k = file('scenarios-20k.json', JSON.stringify({ scenarios: Array.from({ length: 20_000 }, (_, i) => ({ ...one, name: `s${i}`, lifecycle: [{ op: 'boot' }] })) }));
  }

  const cases: HostileCase[] = [
    // Large output: a spread of many rows into Math.max overflowed the stack.
    C('130 000 empty entries: inspect --payload', ['inspect', '--payload', emptyEntries], [1], { timeoutMs: 60_000 }),
    C('130 000 empty entries: decode', ['decode', emptyEntries], [0], { timeoutMs: 60_000 }),
    C('130 000 empty entries: inspect --json --payload', ['inspect', '--json', '--payload', emptyEntries], [1], { timeoutMs: 60_000 }),
    slow(C('2 MiB of empty entries: inspect (region dump guess)', ['inspect', fullArea], [1, 2])),
    // As a region dump it has no magic: openhcl_boot takes the fresh path, nothing to trip over (0).
    slow(C('2 MiB of empty entries: inspect --region', ['inspect', '--region', fullArea], [0])),
    slow(C('2 MiB of empty entries: inspect --json', ['inspect', '--json', fullArea], [1, 2])),
    slow(C('2 MiB of empty entries: decode', ['decode', fullArea], [0])),
    slow(C('2 MiB of empty entries: decode --json', ['decode', '--json', fullArea], [0])),
    // The explorer keeps the first 64 KiB of bytes and the first 1024 ranges of the saved map
    // (before the cap: a 91 MB page, 916 MB peak RSS; after: 9 MB, ~360 MB).
    slow(C('2 MiB of empty entries: explore --region', ['explore', '--region', fullArea, '-o', '-'], [0], { maxRssMiB: 700 })),
    slow(C('2 MiB of empty entries: render map --region', ['render', 'map', '--region', fullArea, '-o', '-'], [0], { maxRssMiB: 700 })),
    // Upstream's host_fdt_parser takes at most 2 VMBus MMIO ranges: every boot is the dt_error
    // panic TooManyVmbusMmioRanges (before, all 150 000 windows were booted, ~570 MiB).
    slow(C('150 000 VTL2 MMIO windows: simulate', ['simulate', mmio150k], [1])),
    slow(C('150 000 VTL2 MMIO windows: simulate --json', ['simulate', '--json', mmio150k], [1])),
    // Input caps: a file or stream past the cap is exit 2 before it is read whole.
    C('3 GiB file: decode', ['decode', big], [2]),
    C('3 GiB file: inspect', ['inspect', big], [2]),
    C('3 GiB file: encode', ['encode', big, '--hex'], [2]),
    C('3 GiB file: simulate', ['simulate', big], [2]),
    C('3 GiB file: crash-sweep', ['crash-sweep', big], [2]),
    C('/dev/zero on stdin: decode -', ['decode', '-'], [2], { stdinPath: '/dev/zero' }),
    C('/dev/urandom on stdin: simulate -', ['simulate', '-'], [2], { stdinPath: '/dev/urandom', timeoutMs: 30_000 }),
    C('/dev/zero as the file: decode', ['decode', '/dev/zero'], [2]),
    C('a directory as the file: decode', ['decode', dir], [2]),
    C('10 MiB of empty entries: decode', ['decode', tenMiB], [2]),
    C('100 MiB file: inspect --json', ['inspect', '--json', hundredMiB], [2]),
    // u64 extremes in the boot inputs: a boot result (1) or an input error (2), never a crash.
    // Each is the upstream panic (the pool size wraps as in the release build, then the
    // allocation fails), exit 1: a scenario that parsed is never "invalid" (2).
    C('gpa pool of 2^64-1 pages: simulate', ['simulate', poolPages], [1]),
    C('gpa pool of 2^64-1 pages: simulate --generations 2', ['simulate', poolPages, '--generations', '2'], [1]),
    C('device_dma_page_count 2^64-1: simulate', ['simulate', dmaPages], [1]),
    C('OPENHCL_ENABLE_VTL2_GPA_POOL=2^64-1 on the boot command line: simulate', ['simulate', cmdlinePool], [1]),
    C('gpa pool of 2^64-1 pages: inspect --shim', ['inspect', '--region', emptyRegion, '--shim', shimFile, '--host', hostFile, '--cmdline', poolCmdline], [1]),
    // Counts have upper bounds.
    C('--generations 2^53-1', ['simulate', EXAMPLE, '--generations', '9007199254740991'], [2]),
    C('--sample 2^53-1', ['crash-sweep', EXAMPLE, '--sample', '9007199254740991'], [2]),
    // Large output, bounded memory; EPIPE ends quietly.
    // 30 MB of scenario JSON: its parsed object tree, not the streamed output, sets the peak (~500 MiB).
    slow(C('20 000 scenarios: simulate --json', ['simulate', '--json', scenarios20k], [0, 1], { maxRssMiB: 700 })),
    C('decode | head -c 100 (EPIPE)', ['decode', fullArea], [0], { stdoutLimit: 100 }),
    // Error messages quote a bounded part of the value.
    C('50 MB string in a JSON field', ['simulate', longStringFile], [2], { maxStderr: 2000, timeoutMs: 60_000 }),
    C('10^7-digit number in a JSON field', ['simulate', longNumberFile], [2], { maxStderr: 2000, timeoutMs: 60_000 }),
    C('1 MB unknown key', ['simulate', longKeyFile], [2], { maxStderr: 2000 }),
    // One strict JSON reader: BOM the same everywhere, duplicate and prototype keys rejected.
    C('UTF-8 BOM: encode', ['encode', bomState, '--hex'], [0]),
    C('UTF-8 BOM: simulate', ['simulate', bomScenario], [0, 1]),
    C('duplicate JSON key: simulate', ['simulate', dupKey], [2]),
    C('duplicate JSON key: encode', ['encode', dupState, '--hex'], [2]),
    C('__proto__ key: simulate', ['simulate', protoKey], [2]),
    C('a file argument that does not exist', ['decode', join(dir, 'missing.bin')], [2]),
    C('hostile bytes via FILE placeholder', ['decode', FILE], [1], { file: Uint8Array.of(0x0b) }),
    // evolve reads schema source: bounded text, bounded nesting, bounded fields, typed errors.
    C('/dev/zero on stdin: evolve -', ['evolve', '-'], [2], { stdinPath: '/dev/zero' }),
    C('3 GiB file: evolve', ['evolve', big], [2]),
    C('binary bytes as a schema: evolve', ['evolve', FILE], [2], { file: Uint8Array.of(0x00, 0x9f, 0x92, 0x96, 0xff, 0x1b, 0x5b, 0x32, 0x4a) }),
    C('a type nested 5000 deep: evolve', ['evolve', file('deep.rs', `#[derive(Protobuf)]\npub struct SavedState {\n    #[mesh(1)]\n    pub a: ${'Vec<'.repeat(5000)}u32${'>'.repeat(5000)},\n}\n`)], [2]),
    C('20 000 fields: evolve', ['evolve', file('wide.rs', `#[derive(Protobuf)]\npub struct SavedState {\n${Array.from({ length: 20_000 }, (_, i) => `    #[mesh(${i + 1})]\n    pub f${i}: u32,\n`).join('')}}\n`)], [2]),
    C('1024 fields, the most: evolve', ['evolve', file('wide1k.rs', `#[derive(Protobuf)]\npub struct SavedState {\n${Array.from({ length: 1024 }, (_, i) => `    #[mesh(${i + 1})]\n    pub f${i}: u32,\n`).join('')}}\n`)], [1], { timeoutMs: 60_000 }),
  ];
  return includeSlow ? cases : cases.filter((c) => c.slow !== true);
}
