/**
 * Generations: service the same VM N times (`simulate --generations N`), optionally with the
 * host or the image drifting between servicings, and check at every restore that what the
 * boot shim carries over (`topology_from_persisted_state`: persisted span, pool ranges, MMIO) stayed put.
 *
 * Generation 0 is the scenario's first boot (its lifecycle runs up to and including its first
 * boot step; everything after is ignored). Each later generation g is: usermode's servicing
 * save of generation g − 1, then the next openhcl_boot with that first boot's inputs and the
 * drift so far applied on top (cumulatively, as JSON overrides). The campaign stops at the
 * first panic.
 *
 * Drift kinds (each draws from its own seeded stream, so adding a kind never changes another
 * kind's draws: kind i of {@link DRIFT_KINDS} uses `mulberry32((seed + 0x9e3779b9 * (i + 1)) >>> 0)`):
 * - `used`: the new image is larger — `shim_params.used.end` grows by 1–64 pages
 *   (`1 + floor(rng() * 64)`) per generation. Once it overlaps a carried pool range, restore
 *   panics "right not sorted" (the address-space `init` walk; touching is fine).
 * - `host-memory`: the host changes VTL0 RAM only — one change per generation, each on a
 *   `MEMORY` entry of at least 4 MiB: split it in two at a 2 MiB boundary (the host reports
 *   the same RAM as more entries, e.g. per memory slot), or lower its end by 1–16 × 2 MiB
 *   (VTL0 RAM removed; never below 2 MiB). VTL2_PROTECTABLE entries are never touched: in Host
 *   mode changing them makes restore panic vtl2_ram_mismatch (the Host-mode cross-check, scenario D), which the
 *   vectors pin already. The `/openhcl` map then legitimately changes (its VTL0 part comes from
 *   the current host), so that invariant is not checked. Many splits eventually overflow the
 *   64 KiB decode heap (about 512 memory entries) — a real limit, reported as a panic.
 * - `mmio`: the host moves its VMBus MMIO windows — a window above all host RAM moves up by
 *   1–16 × 64 MiB; a window below the top of RAM (in a gap) loses 1–16 × 2 MiB off its end
 *   (never below 2 MiB). Restore must ignore both (it takes MMIO from the saved state only): the MMIO invariants hold.
 * - `cpus`: each save's CPU lists (no-IO and outstanding-IO) are drawn: 0–3 distinct CPU ids
 *   each (sorted) from `[0, cpu_count)`. Without it every save uses the scenario's first save
 *   step's lists (or empty lists).
 *
 * Invariants, at each restored generation: the save before it wrote a header (`save`); the
 * boot restored from persisted state (`path`); against generation 0: `pool_ranges`,
 * `vtl0_mmio`, `vtl2_mmio`, `persisted_span` (the PersistedStateHeader/Payload `/memreserve/`
 * entries) and, without `host-memory` drift, `openhcl_memory_map`; against the save just made:
 * `sidecar_excluded_cpus` (the lists' sorted union).
 */
import { Vtl2PersistError } from '../errors.js';
import type { BootResult } from '../boot/boot.js';
import type { PanicKind } from '../boot/panic.js';
import { formatHex as hex } from '../memory/range.js';
import { IgvmMemoryType, igvmTypeName } from '../memory/vtl-type.js';
import { mulberry32 } from './crash-sweep.js';
import { bootResultToJson } from './result-json.js';
import { SimulatedVm } from './runner.js';
import { applyOverride, type JsonObject, type Scenario } from './scenario-file.js';


/** A generations campaign that cannot run as asked. */
export class GenerationsError extends Vtl2PersistError {
  declare readonly code: 'bad_generations';
}

/** The drift kinds, in stream order. */
export const DRIFT_KINDS = ['used', 'host-memory', 'mmio', 'cpus'] as const;
/** One kind of change between servicings (see the module comment for what each changes). */
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** Options of {@link runGenerations}. */
export interface GenerationsOptions {
  /** Generations to run, generation 0 (the first boot) included; at least 1. */
  generations: number;
  /** The drift kinds to apply between servicings; empty for a steady VM. */
  drift: DriftKind[];
  /** Seed of the drift PRNG streams (a u32). */
  seed: number;
  /** Called after each generation (e.g. for a progress line). */
  onProgress?: (generation: number) => void;
}

/** One invariant at one generation; `before`/`after` (JSON values) are given when it failed. */
export interface InvariantCheck {
  /** The invariant, e.g. `pool_ranges` or `sidecar_excluded_cpus`. */
  name: string;
  /** Whether it held. */
  ok: boolean;
  /** One line saying what was compared or what differed. */
  detail: string;
  /** The reference value (generation 0's, or the save's), when it failed. */
  before?: unknown;
  /** This generation's value, when it failed. */
  after?: unknown;
}

/** One generation's boot. */
export interface GenerationResult {
  /** 0 for the first boot, g for the boot after the g-th servicing. */
  generation: number;
  /** The boot's path, or `panic`. */
  path: 'host' | 'persisted' | 'panic';
  /** Why this path (success only). */
  reason?: string;
  /** Panic only. */
  attemptedPath?: 'host' | 'persisted';
  /** Panic only: the panic's stable kind. */
  panicKind?: PanicKind;
  /** Panic only: the panic text. */
  panic?: string;
  /** The save before this boot (generation ≥ 1): its CPU lists, and its error if it failed. */
  save?: {
    /** The save's field 3 list. */
    noIo: number[];
    /** The save's field 4 list. */
    outstanding: number[];
    /** Why the save failed, if it did. */
    error?: string;
  };
  /** The drift applied before this boot, one line per change. */
  drift: string[];
  /** The invariants checked at this generation (none at generation 0 or when the boot panicked). */
  invariants: InvariantCheck[];
}

/** A whole campaign. */
export interface GenerationsReport {
  /** The scenario's name. */
  scenario: string;
  /** The seed the drift streams were drawn from. */
  seed: number;
  /** The drift kinds applied. */
  drift: DriftKind[];
  /** Generations asked for (the run stops earlier at a panic). */
  generations: number;
  /** One result per generation run, generation 0 first. */
  results: GenerationResult[];
  /** The first generation whose boot would panic in the real openhcl_boot, or null. */
  firstPanicGeneration: number | null;
  /** Every failed invariant, in order. */
  violations: {
    /** The generation it failed at. */
    generation: number;
    /** The invariant's name. */
    invariant: string;
    /** The reference value. */
    before: unknown;
    /** The value at that generation. */
    after: unknown;
  }[];
  /** Totals over the campaign. */
  counts: {
    /** Generations run. */
    run: number;
    /** Boots that took the persisted path. */
    restored: number;
    /** Boots that took the host path. */
    fresh: number;
    /** Boots that panicked (0 or 1: the campaign stops at a panic). */
    panicked: number;
    /** Failed invariants. */
    violations: number;
  };
}

const PAGE = 0x1000n;
const MIB2 = 0x20_0000n;
const MIB64 = 0x400_0000n;

interface HostEntry {
  start: bigint;
  end: bigint;
  memType: number;
  vnode: number;
}

/** Runs the campaign; deterministic for a given scenario, options and seed. */
export function runGenerations(scenario: Scenario, options: GenerationsOptions): GenerationsReport {
  if (!Number.isSafeInteger(options.generations) || options.generations < 1) {
    throw new GenerationsError('bad_generations', `generations must be a positive integer (got ${options.generations})`);
  }
  const drift = DRIFT_KINDS.filter((k) => options.drift.includes(k));
  const rng = Object.fromEntries(
    DRIFT_KINDS.map((k, i) => [k, mulberry32((options.seed + Math.imul(0x9e3779b9, i + 1)) >>> 0)]),
  ) as Record<DriftKind, () => number>;
  const draw = (k: DriftKind, n: number) => Math.floor(rng[k]() * n);

  // Generation 0: the lifecycle up to and including its first boot step.
  const vm = new SimulatedVm(scenario);
  const firstBoot = scenario.lifecycle.findIndex((s) => s.op === 'boot');
  for (const step of firstBoot < 0 ? [] : scenario.lifecycle.slice(0, firstBoot)) vm.step(step);
  const bootStep = firstBoot < 0 ? undefined : scenario.lifecycle[firstBoot];
  const b = bootStep?.op === 'boot' ? bootStep : { op: 'boot' as const };
  const inputs = {
    shim: applyOverride(b.raw?.shimParams ?? scenario.raw.shimParams, b.shimParamsOverride ?? {}),
    host: applyOverride(b.raw?.hostDt ?? scenario.raw.hostDt, b.hostDtOverride ?? {}),
    cmdline: applyOverride(b.raw?.cmdlineOptions ?? scenario.raw.cmdlineOptions, b.cmdlineOptionsOverride ?? {}),
  };
  const first = vm.boot(b);
  const shim = b.shimParams ?? scenario.shimParams;
  const hostDt = b.hostDt ?? scenario.hostDt;
  const firstSave = scenario.lifecycle.find((s) => s.op === 'save');
  const fixedCpus = firstSave?.op === 'save' ? { noIo: firstSave.cpusWithMappedInterruptsNoIo, outstanding: firstSave.cpusWithOutstandingIo } : { noIo: [], outstanding: [] };

  // The drifting state, as typed values written back into the inputs' JSON.
  let usedEnd = shim.used.end;
  let hostMemory: HostEntry[] = hostDt.memory.map((e) => ({ start: e.range.start, end: e.range.end, memType: e.memType, vnode: e.vnode }));
  const ramTop = hostMemory.reduce((m, e) => (e.end > m ? e.end : m), 0n);
  const mmio = {
    vmbus_vtl0: hostDt.vmbusVtl0?.mmio.map((r) => ({ start: r.start, end: r.end })),
    vmbus_vtl2: hostDt.vmbusVtl2?.mmio.map((r) => ({ start: r.start, end: r.end })),
  };

  const results: GenerationResult[] = [entry(0, first, [], [])];
  const reference: Record<string, unknown> = bootResultToJson(first);
  options.onProgress?.(0);
  for (let g = 1; g < options.generations && results[g - 1]!.path !== 'panic'; g++) {
    const changes: string[] = [];
    const cpus = drift.includes('cpus') ? { noIo: drawCpus(), outstanding: drawCpus() } : fixedCpus;
    const saved = vm.save(cpus);
    const save = { noIo: [...cpus.noIo], outstanding: [...cpus.outstanding], ...('error' in saved && { error: saved.error }) };
    if (drift.includes('cpus')) changes.push(`cpus: no_io [${cpus.noIo.join(', ')}], outstanding [${cpus.outstanding.join(', ')}]`);

    if (drift.includes('used')) {
      const pages = 1 + draw('used', 64);
      usedEnd += BigInt(pages) * PAGE;
      inputs.shim = { ...inputs.shim, used: { start: hex(shim.used.start), end: hex(usedEnd) } };
      changes.push(`used.end +${pages} page${pages === 1 ? '' : 's'} -> ${hex(usedEnd)}`);
    }
    if (drift.includes('host-memory')) changes.push(driftHostMemory());
    if (drift.includes('mmio')) changes.push(driftMmio());

    const result = vm.boot({ shimParamsOverride: inputs.shim, hostDtOverride: inputs.host, cmdlineOptionsOverride: inputs.cmdline });
    results.push(entry(g, result, changes, result.path === 'panic' ? [] : invariants(result, save), save));
    options.onProgress?.(g);
  }

  const violations = results.flatMap((r) => r.invariants.filter((i) => !i.ok).map((i) => ({ generation: r.generation, invariant: i.name, before: i.before, after: i.after })));
  const panicked = results.find((r) => r.path === 'panic');
  return {
    scenario: scenario.name,
    seed: options.seed,
    drift,
    generations: options.generations,
    results,
    firstPanicGeneration: panicked?.generation ?? null,
    violations,
    counts: {
      run: results.length,
      restored: results.filter((r) => r.path === 'persisted').length,
      fresh: results.filter((r) => r.path === 'host').length,
      panicked: panicked === undefined ? 0 : 1,
      violations: violations.length,
    },
  };

  function drawCpus(): number[] {
    // Partial Fisher–Yates: distinct ids, sorted for reading.
    const ids = Array.from({ length: Math.max(1, hostDt.cpuCount) }, (_, i) => i);
    const n = Math.min(draw('cpus', 4), ids.length);
    for (let i = 0; i < n; i++) {
      const j = i + draw('cpus', ids.length - i);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    return ids.slice(0, n).sort((x, y) => x - y);
  }

  function driftHostMemory(): string {
    const candidates = hostMemory.map((e, i) => [e, i] as const).filter(([e]) => e.memType === IgvmMemoryType.MEMORY && e.end - e.start >= 2n * MIB2);
    if (candidates.length === 0) return 'host memory: no MEMORY entry of 4 MiB or more to change';
    const [e, i] = candidates[draw('host-memory', candidates.length)]!;
    const blocks = (e.end - e.start) / MIB2;
    const was = `[${hex(e.start)}, ${hex(e.end)})`;
    let what: string;
    if (draw('host-memory', 2) === 0) {
      const at = e.start + BigInt(1 + draw('host-memory', Number(blocks - 1n))) * MIB2;
      hostMemory = [...hostMemory.slice(0, i), { ...e, end: at }, { ...e, start: at }, ...hostMemory.slice(i + 1)];
      what = `split ${was} at ${hex(at)}`;
    } else {
      const end = maxBig(e.start + MIB2, e.end - BigInt(1 + draw('host-memory', 16)) * MIB2);
      hostMemory = hostMemory.map((x, j) => (j === i ? { ...x, end } : x));
      what = `${was} now ends at ${hex(end)}`;
    }
    inputs.host = {
      ...inputs.host,
      memory: hostMemory.map((x) => ({ range: { start: hex(x.start), end: hex(x.end) }, mem_type: igvmTypeName(x.memType) ?? x.memType, vnode: x.vnode })),
    };
    return `host memory: ${what}`;
  }

  function driftMmio(): string {
    const parts: string[] = [];
    const override: JsonObject = {};
    for (const key of ['vmbus_vtl0', 'vmbus_vtl2'] as const) {
      const windows = mmio[key];
      if (windows === undefined) continue;
      for (const w of windows) {
        const k = BigInt(1 + draw('mmio', 16));
        if (w.start >= ramTop) {
          w.start += k * MIB64;
          w.end += k * MIB64;
        } else {
          w.end = maxBig(w.start + MIB2, w.end - k * MIB2);
        }
      }
      override[key] = { ...(inputs.host[key] as JsonObject), mmio: windows.map((w) => ({ start: hex(w.start), end: hex(w.end) })) };
      parts.push(`${key} [${windows.map((w) => `${hex(w.start)}-${hex(w.end)}`).join(', ')}]`);
    }
    inputs.host = { ...inputs.host, ...override };
    return parts.length === 0 ? 'host MMIO: no VMBus node to change' : `host MMIO: ${parts.join('; ')}`;
  }

  function invariants(r: BootResult, save: NonNullable<GenerationResult['save']>): InvariantCheck[] {
    const now: Record<string, unknown> = bootResultToJson(r);
    const checks: InvariantCheck[] = [];
    const check = (name: string, before: unknown, after: unknown, what: string, same = 'unchanged', differs = 'changed: before') => {
      const ok = JSON.stringify(before) === JSON.stringify(after);
      checks.push(ok ? { name, ok, detail: `${what} ${same}` } : { name, ok, detail: `${what} ${differs} ${show(before)}, after ${show(after)}`, before, after });
    };
    checks.push(
      save.error === undefined
        ? { name: 'save', ok: true, detail: 'the save before this boot wrote payload and header' }
        : { name: 'save', ok: false, detail: `the save before this boot failed: ${save.error}`, before: null, after: save.error },
    );
    checks.push(
      r.path === 'persisted'
        ? { name: 'path', ok: true, detail: 'restored from persisted state' }
        : { name: 'path', ok: false, detail: `expected a restore, got the ${r.path} path (${String(now['reason'])})`, before: 'persisted', after: r.path },
    );
    check('pool_ranges', reference['pool_ranges'], now['pool_ranges'], 'pool ranges');
    check('vtl0_mmio', reference['vtl0_mmio'], now['vtl0_mmio'], 'VTL0 MMIO');
    check('vtl2_mmio', reference['vtl2_mmio'], now['vtl2_mmio'], 'VTL2 MMIO');
    check('persisted_span', persistedSpan(reference), persistedSpan(now), 'persisted span');
    if (!drift.includes('host-memory')) check('openhcl_memory_map', reference['openhcl_memory_map'], now['openhcl_memory_map'], '/openhcl map');
    const union = [...new Set([...save.noIo, ...save.outstanding])].sort((x, y) => x - y);
    check('sidecar_excluded_cpus', union, now['sidecar_excluded_cpus'], 'sidecar exclusion', "equals the saved CPU lists' union", "differs from the saved CPU lists' union: saved");
    return checks;
  }
}

function entry(generation: number, r: BootResult, drift: string[], invariants: InvariantCheck[], save?: GenerationResult['save']): GenerationResult {
  const base = r.path === 'panic' ? { generation, path: r.path, attemptedPath: r.attemptedPath, panicKind: r.panicKind, panic: r.panic } : { generation, path: r.path, reason: r.reason };
  return { ...base, ...(save && { save }), drift, invariants };
}

function persistedSpan(boot: Record<string, unknown>): unknown {
  return (boot['memreserve'] as { type: string }[]).filter((e) => e.type === 'PersistedStateHeader' || e.type === 'PersistedStatePayload');
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Ranges as `start-end` lists; anything else as JSON. */
function show(v: unknown): string {
  if (Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && 'start' in x)) {
    return `[${(v as { start: string; end: string }[]).map((x) => `${x.start}-${x.end}`).join(', ')}]`;
  }
  return JSON.stringify(v);
}

/** The report as JSON (snake_case keys, as the other reports). */
export function generationsReportToJson(r: GenerationsReport): Record<string, unknown> {
  return {
    scenario: r.scenario,
    seed: r.seed,
    drift: r.drift,
    generations: r.generations,
    first_panic_generation: r.firstPanicGeneration,
    counts: r.counts,
    violations: r.violations,
    results: r.results.map((g) => ({
      generation: g.generation,
      path: g.path,
      ...(g.reason !== undefined && { reason: g.reason }),
      ...(g.panicKind !== undefined && { attempted_path: g.attemptedPath, panic_kind: g.panicKind, panic: g.panic }),
      ...(g.save && {
        save: { cpus_with_mapped_interrupts_no_io: g.save.noIo, cpus_with_outstanding_io: g.save.outstanding, ...(g.save.error !== undefined && { error: g.save.error }) },
      }),
      drift: g.drift,
      invariants: g.invariants,
    })),
  };
}
