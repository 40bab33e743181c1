/**
 * Lifecycle properties of the boot shim + usermode writer over random VALID images, hosts and
 * command lines (test/boot/arbitraries.ts):
 *
 * 0. The arbitraries (and every shrink of them) satisfy an independent validity oracle.
 * 1. Round trip: fresh boot → save → boot with the same inputs takes the
 *    persisted path and restores the identical `/openhcl` map, pool, MMIO and memreserve; the
 *    VTL2 RAM covers the same addresses (the list itself may be merged); the sidecar exclusion is
 *    the sorted de-duplicated union of the saved CPU lists.
 * 2. Structural invariants of every non-panicking boot, fresh and restored (upstream `vtl2_ranges`,
 *    `build_e820_map`, the `/openhcl` map of `write_dt`).
 * 3. Idempotence across generations (the header is never invalidated): boot → save → boot → save → boot restores the same
 *    map and pool twice; the header is never cleared, and a boot never writes guest memory.
 * 4. Isolation (`read_persisted_region_header` reads nothing when isolated): with a valid header in memory, VBS/SNP boots take the fresh path and
 *    report no persisted header.
 *
 * Fresh boots may panic only for documented reasons (the pool does not fit, `allocate_private_pool`); they are
 * counted and printed, and most runs must get through so no property passes vacuously.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boot, PERSISTED_SPAN_FRESH, type BootInputs, type BootResult, type BootSuccess } from '../../src/boot/boot.js';
import { openhclMapToFdtNodes, type OpenhclMapNode } from '../../src/boot/device-tree.js';
import type { PanicKind } from '../../src/boot/panic.js';
import { sidecarAction } from '../../src/boot/sidecar.js';
import type { HostDt, Isolation } from '../../src/boot/types.js';
import { PERSISTED_STATE_MAGIC, readHeader, writeHeader } from '../../src/format/header.js';
import { GuestMemory } from '../../src/memory/guest-memory.js';
import type { MemoryRange } from '../../src/memory/range.js';
import { MemoryVtlType, reservedTypeToVtlType } from '../../src/memory/vtl-type.js';
import { parseOpenhclMap } from '../../src/usermode/openhcl-map.js';
import { writePersistedState } from '../../src/usermode/writer.js';
import {
  bootScenarioArb,
  buildScenario,
  cmdlineArb,
  cpuListsArb,
  hostSpecArb,
  imageSpecArb,
  scenarioProblems,
  type BootScenario,
  type CpuLists,
} from './arbitraries.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * Fresh-path panics a valid image/host/cmdline may still hit (upstream `allocate_private_pool`): the requested
 * pool does not fit the free VTL2 RAM of node 0 (or of every node when split), or a heuristic
 * pool of 0 cannot be split. Everything else is a bug.
 */
const ALLOWED_FRESH_PANICS: readonly PanicKind[] = ['pool_alloc_failed', 'pool_split_zero'];

/** At least this share of runs must complete the whole lifecycle. */
const MIN_COMPLETED_SHARE = 0.8;

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const rk = (r: MemoryRange): string => `[${hex(r.start)}, ${hex(r.end)})`;
const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** The `/openhcl` map as comparable plain data, in DT order. */
function mapKey(nodes: readonly OpenhclMapNode[]): string[] {
  return nodes.map((n) =>
    n.kind === 'memory' ? `mem ${rk(n.range)} t${n.vtlType} n${n.vnode} i${n.igvmType}` : `mmio ${rk(n.range)} t${n.vtlType}`,
  );
}

/** Sorted union of ranges, touching/overlapping ones merged (an independent oracle). */
function addressSet(ranges: Iterable<MemoryRange>): string[] {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => cmp(a.start, b.start));
  const out: [bigint, bigint][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last[1]) {
      if (r.end > last[1]) last[1] = r.end;
    } else out.push([r.start, r.end]);
  }
  return out.map(([s, e]) => `[${hex(s)}, ${hex(e)})`);
}

function sortedUnion(cpus: CpuLists): number[] {
  return [...new Set([...cpus.noIo, ...cpus.outstanding])].sort((a, b) => a - b);
}

function inputsOf(sc: BootScenario): BootInputs {
  return { shim: sc.shim, host: sc.host, cmdline: sc.cmdline };
}

/** Boots and checks that the boot shim only READS guest memory. */
function bootReadOnly(inputs: BootInputs, memory: GuestMemory): BootResult {
  const before = memory.clone();
  const result = boot(inputs, memory);
  expect(memory.equals(before), 'openhcl_boot must not write guest memory').toBe(true);
  return result;
}

/** Usermode parses the `/openhcl` map this boot wrote, then the servicing save persists it. */
function save(result: BootSuccess, memory: GuestMemory, cpus: CpuLists): void {
  const parsed = parseOpenhclMap(openhclMapToFdtNodes(result.openhclMemoryMap));
  const saved = writePersistedState(memory, parsed, cpus);
  expect(saved.complete).toBe(true);
}

function expectValidHeader(memory: GuestMemory, result: BootSuccess | undefined, at: bigint): void {
  const h = readHeader(memory, at);
  expect(h.status, 'the header is never cleared').toBe('valid');
  if (result !== undefined) expect(result.persistedHeader).toEqual(h.header);
}

function describeFailure(r: BootResult): string {
  return r.path === 'panic' ? `panic (${r.panicKind}, attempted ${r.attemptedPath}): ${r.panic}` : `${r.path}: ${r.reason}`;
}

function expectPath(r: BootResult, path: 'host' | 'persisted'): asserts r is BootSuccess {
  if (r.path !== path) throw new Error(`expected the ${path} path, got ${describeFailure(r)}`);
}

class Counter {
  readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  toString(): string {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(' ');
  }
}

/** Tally of what the generated inputs looked like, so the report shows coverage too. */
function tallyInputs(sc: BootScenario, tally: Counter): void {
  tally.add(`mode:${sc.host.memoryAllocationMode.kind}`);
  tally.add(`nodes:${sc.hostSpec.nodeCount}`);
  tally.add(`cmdline:${sc.cmdline.enableVtl2GpaPool.kind}`);
  if (sc.shim.sidecar.size > 0n) tally.add('sidecarImage');
}

/** Tally of what a completed round trip exercised. */
function tallyRoundTrip(sc: BootScenario, fresh: BootSuccess, restored: BootSuccess, tally: Counter): void {
  tally.add(`pool:${fresh.poolRanges.length === 0 ? 'none' : fresh.poolRanges.length === 1 ? 'single' : 'split'}`);
  if (fresh.poolRanges.some((p) => p.end <= sc.shim.memoryStart)) tally.add('poolBelowImage');
  if (restored.vtl2Ram.length < fresh.vtl2Ram.length) tally.add('vtl2RamMergedOnRestore');
  if (sc.host.vmbusVtl2?.mmio.length === 0) tally.add('vtl2MmioCarved');
  tally.add(`sidecar:${restored.sidecarAction}`);
}

/**
 * Handles a fresh boot's result: a documented panic is counted and ends the run (returning
 * undefined); any other panic fails the property.
 */
function freshOrDocumentedPanic(r: BootResult, tally: Counter): BootSuccess | undefined {
  if (r.path === 'panic') {
    expect(r.attemptedPath).toBe('host');
    if (!ALLOWED_FRESH_PANICS.includes(r.panicKind)) throw new Error(`undocumented fresh-boot panic: ${describeFailure(r)}`);
    tally.add(`panic:${r.panicKind}`);
    return undefined;
  }
  expectPath(r, 'host');
  expect(r.persistedHeader).toBeUndefined();
  return r;
}

/**
 * Property 2's invariants of one non-panicking boot (upstream `vtl2_ranges`, `build_e820_map`, `write_dt`).
 */
function checkInvariants(r: BootSuccess, host: HostDt): void {
  const ram = r.vtl2Ram.map((e) => e.range);

  // vtl2Ranges: non-empty, sorted, disjoint; merged on type (`vtl2_ranges`), so no two touching
  // neighbours share a type; together exactly the VTL2 RAM.
  r.vtl2Ranges.forEach(({ range }, i) => {
    expect(range.end > range.start, `vtl2Ranges[${i}] ${rk(range)} is empty`).toBe(true);
    const next = r.vtl2Ranges[i + 1];
    if (next !== undefined) {
      expect(range.end <= next.range.start, `vtl2Ranges[${i}] ${rk(range)} overlaps or precedes ${rk(next.range)}`).toBe(true);
      if (range.end === next.range.start) expect(next.vtlType).not.toBe(r.vtl2Ranges[i]!.vtlType);
    }
  });
  expect(addressSet(r.vtl2Ranges.map((e) => e.range))).toEqual(addressSet(ram));

  // memreserve: sorted, disjoint, each inside a vtl2Ranges range of its own (non-RAM) type.
  r.memreserve.forEach(({ range, type }, i) => {
    const next = r.memreserve[i + 1];
    if (next !== undefined) expect(range.end <= next.range.start, `memreserve ${rk(range)} vs ${rk(next.range)}`).toBe(true);
    const home = r.vtl2Ranges.find((v) => v.range.contains(range));
    expect(home, `memreserve ${type} ${rk(range)} is not inside one vtl2 range`).toBeDefined();
    expect(home!.vtlType).not.toBe(MemoryVtlType.VTL2_RAM);
    expect(home!.vtlType).toBe(reservedTypeToVtlType(type));
  });
  // ... and every non-RAM vtl2 range is made of memreserve entries.
  const reservedTypes = r.vtl2Ranges.filter((v) => v.vtlType !== MemoryVtlType.VTL2_RAM).map((v) => v.range);
  expect(addressSet(r.memreserve.map((m) => m.range))).toEqual(addressSet(reservedTypes));

  // E820 (`build_e820_map`): one entry per vtl2Ranges item, RAM iff VTL2_RAM.
  expect(r.e820.map((e) => `${hex(e.addr)}+${hex(e.size)} ${e.type}`)).toEqual(
    r.vtl2Ranges.map((v) => `${hex(v.range.start)}+${hex(v.range.len)} ${v.vtlType === MemoryVtlType.VTL2_RAM ? 'E820_RAM' : 'E820_RESERVED'}`),
  );
  expect(r.e820ExtUsed).toBe(r.e820.length > 128);

  // `/openhcl` map (`write_dt`): the memory nodes partition the host RAM; those with a VTL2 type
  // cover exactly the VTL2 RAM, each with the type vtl2Ranges gives it and its host entry's
  // vnode and igvm type; then the MMIO nodes.
  const memNodes = r.openhclMemoryMap.filter((n): n is Extract<OpenhclMapNode, { kind: 'memory' }> => n.kind === 'memory');
  expect(addressSet(memNodes.map((n) => n.range))).toEqual(addressSet(host.memory.map((e) => e.range)));
  memNodes.forEach((n, i) => {
    const next = memNodes[i + 1];
    if (next !== undefined) expect(n.range.end <= next.range.start).toBe(true);
    const hostEntry = host.memory.find((e) => e.range.contains(n.range));
    expect(hostEntry, `openhcl node ${rk(n.range)} crosses a host entry`).toBeDefined();
    expect(n.vnode).toBe(hostEntry!.vnode);
    expect(n.igvmType).toBe(hostEntry!.memType);
    if (n.vtlType !== MemoryVtlType.VTL0) {
      const v = r.vtl2Ranges.find((x) => x.range.contains(n.range));
      expect(v?.vtlType, `openhcl node ${rk(n.range)} type ${n.vtlType}`).toBe(n.vtlType);
    }
  });
  const vtl2Nodes = memNodes.filter((n) => n.vtlType !== MemoryVtlType.VTL0).map((n) => n.range);
  expect(addressSet(vtl2Nodes)).toEqual(addressSet(ram));
  expect(r.openhclMemoryMap.filter((n) => n.kind === 'mmio').map((n) => `${rk(n.range)} t${n.vtlType}`)).toEqual([
    ...r.vtl0Mmio.map((m) => `${rk(m)} t${MemoryVtlType.VTL0_MMIO}`),
    ...r.vtl2Mmio.map((m) => `${rk(m)} t${MemoryVtlType.VTL2_MMIO}`),
  ]);

  // Pool ranges are VTL2_GPA_POOL memory, and `hasVtl2Pool` says whether there are any.
  for (const p of r.poolRanges) {
    expect(r.vtl2Ranges.some((v) => v.vtlType === MemoryVtlType.VTL2_GPA_POOL && v.range.contains(p)), `pool ${rk(p)}`).toBe(true);
  }
  expect(r.hasVtl2Pool).toBe(r.poolRanges.length > 0);
}

/**
 * Checks a lifecycle property over `numRuns` cases. `body` returns true when the case ran to
 * the end and false when it stopped at a documented panic (which it tallies); the share of
 * completed cases is printed and must reach MIN_COMPLETED_SHARE, so a generator that drifts
 * into panicking inputs cannot leave the property vacuous.
 */
function checkLifecycle<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, body: (value: T, tally: Counter) => boolean): void {
  let runs = 0;
  let completed = 0;
  const tally = new Counter();
  fc.assert(
    fc.property(arb, (value) => {
      runs++;
      if (body(value, tally)) completed++;
    }),
    { numRuns },
  );
  console.log(`[lifecycle-properties] ${name}: runs=${runs} completed=${completed} (${((100 * completed) / runs).toFixed(1)}%) ${tally.toString()}`);
  expect(completed / runs).toBeGreaterThanOrEqual(MIN_COMPLETED_SHARE);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('boot lifecycle properties (random valid images, hosts and command lines)', () => {
  it('0. the arbitraries produce valid inputs, and so do their shrinks', () => {
    fc.assert(
      fc.property(bootScenarioArb, (sc) => {
        expect(scenarioProblems(sc)).toEqual([]);
      }),
      { numRuns: 300 },
    );
    // A property that always fails makes fast-check shrink each counterexample all the way
    // down; every value it tries on the way must still be valid.
    let visited = 0;
    const problems = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      fc.check(
        fc.property(bootScenarioArb, (sc) => {
          visited++;
          for (const p of scenarioProblems(sc)) problems.add(p);
          return false;
        }),
        { seed, numRuns: 1 },
      );
    }
    console.log(`[lifecycle-properties] arbitraries: ${visited} values checked while shrinking`);
    expect([...problems]).toEqual([]);
    expect(visited).toBeGreaterThan(200);
  });

  it('1. fresh → save → boot restores the identical /openhcl map, pool, MMIO and memreserve', () => {
    checkLifecycle('round trip', fc.tuple(bootScenarioArb, cpuListsArb), 300, ([sc, cpus], tally) => {
      tallyInputs(sc, tally);
      const memory = new GuestMemory();
      const inputs = inputsOf(sc);
      const first = freshOrDocumentedPanic(bootReadOnly(inputs, memory), tally);
      if (first === undefined) return false;

      save(first, memory, cpus);
      const second = bootReadOnly(inputs, memory);
      expectPath(second, 'persisted');

      expect(mapKey(second.openhclMemoryMap)).toEqual(mapKey(first.openhclMemoryMap));
      expect(second.poolRanges.map(rk)).toEqual(first.poolRanges.map(rk));
      expect(second.hasVtl2Pool).toBe(first.hasVtl2Pool);
      expect(second.vtl0Mmio.map(rk)).toEqual(first.vtl0Mmio.map(rk));
      expect(second.vtl2Mmio.map(rk)).toEqual(first.vtl2Mmio.map(rk));
      expect(second.memreserve.map((m) => `${m.type} ${rk(m.range)}`)).toEqual(first.memreserve.map((m) => `${m.type} ${rk(m.range)}`));
      // The root VTL2 RAM list is merged on restore (scenario C); only its address set is kept.
      expect(addressSet(second.vtl2Ram.map((e) => e.range))).toEqual(addressSet(first.vtl2Ram.map((e) => e.range)));
      expect(second.vtl2Ranges.map((v) => `${rk(v.range)} t${v.vtlType}`)).toEqual(first.vtl2Ranges.map((v) => `${rk(v.range)} t${v.vtlType}`));

      const union = sortedUnion(cpus);
      expect(first.sidecarExcludedCpus).toEqual([]);
      expect(second.sidecarExcludedCpus).toEqual(union);
      expect(second.sidecarAction).toBe(sidecarAction(union, sc.host.cpuCount));
      tallyRoundTrip(sc, first, second, tally);
      return true;
    });
  });

  it('2. every non-panicking boot partitions VTL2 RAM consistently across vtl2Ranges, memreserve, E820 and /openhcl', () => {
    checkLifecycle('invariants', fc.tuple(bootScenarioArb, cpuListsArb), 200, ([sc, cpus], tally) => {
      const memory = new GuestMemory();
      const inputs = inputsOf(sc);
      const first = freshOrDocumentedPanic(bootReadOnly(inputs, memory), tally);
      if (first === undefined) return false;
      checkInvariants(first, sc.host);
      // Fresh path: the persisted span is the first 20 pages of the region (`PERSISTED_REGION_SIZE`).
      // (Not necessarily the first memreserve entries: a pool may sit below the image.)
      const persisted = first.memreserve.filter((m) => m.type === 'PersistedStateHeader' || m.type === 'PersistedStatePayload');
      expect(persisted.map((m) => `${m.type} ${rk(m.range)}`)).toEqual([
        `PersistedStateHeader [${hex(sc.shim.memoryStart)}, ${hex(sc.shim.memoryStart + 0x1000n)})`,
        `PersistedStatePayload [${hex(sc.shim.memoryStart + 0x1000n)}, ${hex(sc.shim.memoryStart + PERSISTED_SPAN_FRESH)})`,
      ]);

      save(first, memory, cpus);
      const second = bootReadOnly(inputs, memory);
      expectPath(second, 'persisted');
      checkInvariants(second, sc.host);
      return true;
    });
  });

  it('3. boot → save → boot → save → boot: each generation restores the same map and pool; the header is never cleared', () => {
    checkLifecycle('generations', fc.tuple(bootScenarioArb, cpuListsArb, cpuListsArb), 150, ([sc, cpus1, cpus2], tally) => {
      const memory = new GuestMemory();
      const inputs = inputsOf(sc);
      const at = sc.shim.persistedState.start;
      const gen1 = freshOrDocumentedPanic(bootReadOnly(inputs, memory), tally);
      if (gen1 === undefined) return false;

      save(gen1, memory, cpus1);
      expectValidHeader(memory, undefined, at);
      const gen2 = bootReadOnly(inputs, memory);
      expectPath(gen2, 'persisted');
      expectValidHeader(memory, gen2, at);
      expect(gen2.sidecarExcludedCpus).toEqual(sortedUnion(cpus1));

      save(gen2, memory, cpus2);
      expectValidHeader(memory, undefined, at);
      const gen3 = bootReadOnly(inputs, memory);
      expectPath(gen3, 'persisted');
      expectValidHeader(memory, gen3, at);

      expect(mapKey(gen3.openhclMemoryMap)).toEqual(mapKey(gen2.openhclMemoryMap));
      expect(gen3.poolRanges.map(rk)).toEqual(gen2.poolRanges.map(rk));
      expect(gen3.vtl0Mmio.map(rk)).toEqual(gen2.vtl0Mmio.map(rk));
      expect(gen3.vtl2Mmio.map(rk)).toEqual(gen2.vtl2Mmio.map(rk));
      expect(gen3.vtl2Ram.map((e) => `${rk(e.range)} i${e.memType} n${e.vnode}`)).toEqual(
        gen2.vtl2Ram.map((e) => `${rk(e.range)} i${e.memType} n${e.vnode}`),
      );
      expect(gen3.sidecarExcludedCpus).toEqual(sortedUnion(cpus2));
      // And the restored generations equal the fresh one.
      expect(mapKey(gen2.openhclMemoryMap)).toEqual(mapKey(gen1.openhclMemoryMap));
      // A later boot that is not serviced again still finds the header (it is never cleared).
      const gen4 = bootReadOnly(inputs, memory);
      expectPath(gen4, 'persisted');
      expect(mapKey(gen4.openhclMemoryMap)).toEqual(mapKey(gen3.openhclMemoryMap));
      return true;
    });
  });

  it('4. isolated (VBS/SNP) boots ignore a valid header: fresh path, no persisted header, no pool', () => {
    const isolationArb = fc.constantFrom<Isolation>('Vbs', 'Snp');
    const arb = fc.tuple(imageSpecArb, hostSpecArb, cmdlineArb, cpuListsArb, isolationArb);
    checkLifecycle('isolation', arb, 200, ([image, hostSpec, cmdline, cpus, isolation], tally) => {
      const memory = new GuestMemory();
      // A non-isolated instance of the same image leaves a real header behind ...
      const plain = buildScenario(image, hostSpec, cmdline);
      const first = boot(inputsOf(plain), memory);
      if (first.path === 'host') save(first, memory, cpus);
      else {
        // ... or, if its pool did not fit, a hand-written valid header does.
        const ps = plain.shim.persistedState.start;
        writeHeader(memory, ps, { magic: PERSISTED_STATE_MAGIC, protobufBase: ps + 0x1000n, protobufRegionLen: 0x13000n, protobufPayloadLen: 0n });
      }
      expect(readHeader(memory, plain.shim.persistedState.start).status).toBe('valid');

      const isolated = buildScenario(image, hostSpec, cmdline, isolation);
      const r = bootReadOnly(inputsOf(isolated), memory);
      tally.add(isolation);
      if (r.path === 'panic') {
        // Hardware isolation changes the fresh path's inputs (`parse_host_vtl2_ram`: one range of the summed
        // size at memory_start); a host built for a non-isolated guest may not fit it. What
        // matters here is that the header was not consulted.
        expect(r.attemptedPath).toBe('host');
        expect(r.persistedHeader).toBeUndefined();
        tally.add(`panic:${isolation}:${r.panicKind}`);
        return false;
      }
      expectPath(r, 'host');
      expect(r.persistedHeader).toBeUndefined();
      expect(r.reason).toBe(`isolated (${isolation}): header ignored`);
      expect(r.sidecarExcludedCpus).toEqual([]);
      expect(r.poolRanges).toEqual([]);
      expect(r.hasVtl2Pool).toBe(false);
      checkInvariants(r, isolated.host);
      return true;
    });
  });
});
