/**
 * The hardening lab (docs/hardening.md): sweeps a scenario's last save with each hypothetical
 * variant's writer and reader over the same crash model as `crashSweep`, and measures what the
 * variant closes, what it costs, and whether it still works with the shipped openhcl_boot in
 * both directions. Three sweeps per variant:
 * - `hardened`: the variant's writer (for this save and the one before it) and its reader;
 * - `shippedReader`: the variant's writer, today's reader (our exact emulation of it): what
 *   the shipped openhcl_boot does if it boots after a hardened writer (a rollback);
 * - `upgrade`: today's writer, the variant's reader: the first servicing onto a hardened build,
 *   whose payload the shipped usermode wrote.
 */
import { boot, type BootInputs } from '../../boot/boot.js';
import { decodeHeader, HEADER_SIZE, PERSISTED_STATE_MAGIC } from '../../format/header.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { crashPoints, describeStores, splitStores, type BeforeState, type SweepGranularity, type SweepStore } from '../crash-model.js';
import { prepareSweep, type SweepSetup } from '../crash-sweep.js';
import type { Scenario } from '../scenario-file.js';
import {
  referenceOutcome,
  sweepPoints,
  tallyOutcomes,
  topologyDifferences,
  topologyOf,
  type ReferenceOutcome,
  type SweptBoot,
  type SweepTally,
} from '../sweep-outcome.js';
import { VARIANT_NAMES, VARIANTS, type CheckWork, type HardeningVariant, type SaveGeometry, type VariantName } from './variants.js';

/** What a hypothetical reader does when its check fails. */
export const CHECK_FAIL_ACTIONS = ['panic', 'fresh'] as const;
/** `panic` (as today's reader treats state it cannot use) or `fresh` (ignore the state, build the topology from the host). */
export type CheckFailAction = (typeof CHECK_FAIL_ACTIONS)[number];

/** The panic kind of a hypothetical reader's rejection (`onCheckFail: 'panic'`). */
export const HYPOTHETICAL_PANIC_KIND = 'hypothetical_check_failed';

/** Options of {@link hardeningLab}; every one has a default. */
export interface HardenOptions {
  /** The variants to compare (default: all, `real` first). */
  variants?: readonly VariantName[];
  /** The crash model's store unit (default `byte`). */
  granularity?: SweepGranularity;
  /** What the persisted area held before the save (default `previous`). */
  before?: BeforeState;
  /** Seed of `random` and of `sample` (default 0). */
  seed?: number;
  /** What a hypothetical reader does when its check fails (default `panic`). */
  onCheckFail?: CheckFailAction;
  /** Sweep only this many crash points per sweep (default: all), as `crashSweep`'s `sample`. */
  sample?: number;
}

/** One sweep of one writer/reader pair. */
export interface LabSweep {
  /** The writer's stores, in order (where they go and how long they are). */
  stores: {
    /** What the store writes. */
    what: string;
    /** Its first byte's GPA. */
    gpa: bigint;
    /** Its length in bytes. */
    length: number;
  }[];
  /** Store units of the writer's save at the granularity (N; crash points 0..N). */
  units: number;
  /** Crash points swept. */
  points: number;
  /** The boots from memory before the save and after the complete save. */
  references: {
    /** Before the save. */
    old: ReferenceOutcome;
    /** After the complete save. */
    new: ReferenceOutcome;
  };
  /** Counts, panic kinds, first examples and runs, as in a crash sweep. */
  tally: SweepTally;
}

/** What one variant measured. */
export interface VariantReport {
  /** The variant. */
  variant: VariantName;
  /** What its writer and reader do. */
  summary: string;
  /** False only for `real`, the shipped format. */
  hypothetical: boolean;
  /** Its writer with its reader. */
  hardened: LabSweep;
  /** Its writer with today's reader. */
  shippedReader: LabSweep;
  /** Today's writer with its reader. */
  upgrade: LabSweep;
  /** The complete saves read across versions. */
  compatibility: {
    /** Whether today's reader restores the variant's complete save as it restores a shipped one. */
    shippedReadsNew: boolean;
    /** What today's reader does with it, in words. */
    shippedReadsNewText: string;
    /** Whether the variant's reader restores a shipped complete save as today's reader does. */
    newReadsShipped: boolean;
    /** What it does with it, in words. */
    newReadsShippedText: string;
  };
  /** What the variant costs. */
  cost: {
    /** Header bytes past today's 32. */
    headerBytes: number;
    /** Payload bytes added. */
    payloadBytes: number;
    /** Store units added to a save at this granularity. */
    extraUnits: number;
    /** The largest (real-encoded) payload a save can hold. */
    capacity: bigint;
    /** The reader's extra work on the boot of its complete save. */
    bootWork: CheckWork;
  };
}

/** The result of {@link hardeningLab}. */
export interface HardenReport {
  /** The scenario's name. */
  scenario: string;
  /** The store unit. */
  granularity: SweepGranularity;
  /** The before-state. */
  before: BeforeState;
  /** The seed. */
  seed: number;
  /** What the hypothetical readers do on a failed check. */
  onCheckFail: CheckFailAction;
  /** `sample` as given, or null. */
  sample: number | null;
  /** The swept save's real payload length. */
  payloadLen: number;
  /** One report per variant, in the order asked. */
  variants: VariantReport[];
}

/**
 * Runs the lab on the scenario's last save (as `crashSweep` picks it).
 * @throws {CrashSweepError} as `crashSweep` (nothing to sweep).
 */
export function hardeningLab(scenario: Scenario, options: HardenOptions = {}): HardenReport {
  const granularity = options.granularity ?? 'byte';
  const before = options.before ?? 'previous';
  const seed = options.seed ?? 0;
  const onCheckFail = options.onCheckFail ?? 'panic';
  const names = options.variants ?? VARIANT_NAMES;
  const setup = prepareSweep(scenario, before, seed);
  const geometry: SaveGeometry = { header: setup.parsed.vtl2PersistedHeader.start, region: setup.parsed.vtl2PersistedProtobufRegion };
  const sweepOf = (old: GuestMemory, stores: SweepStore[], read: Reader) => sweep(old, stores, granularity, options.sample, seed, read);
  const today = reader(VARIANTS.real, onCheckFail, setup.bootInputs, geometry);
  const realStores = VARIANTS.real.stores({ payload: setup.plan.payload, generation: 1n }, geometry);
  const shippedComplete = applied(setup.old, realStores);

  const reports = names.map((name): VariantReport => {
    const variant = VARIANTS[name];
    const read = reader(variant, onCheckFail, setup.bootInputs, geometry);
    const { memory: old, generation } = previousSave(setup, variant, geometry, before);
    const save = { payload: setup.plan.payload, generation };
    const stores = variant.stores(save, geometry);
    const complete = applied(old, stores);
    const bootWork: CheckWork = { checks: 0, bytesRead: 0 };
    read(complete, bootWork);
    const added = variant.addedBytes(save);
    return {
      variant: name,
      summary: variant.summary,
      hypothetical: name !== 'real',
      hardened: sweepOf(old, stores, read),
      shippedReader: sweepOf(old, stores, today),
      upgrade: sweepOf(setup.old, realStores, read),
      compatibility: compatibility(today(complete), read(shippedComplete), today(shippedComplete)),
      cost: {
        headerBytes: added.header,
        payloadBytes: added.payload,
        extraUnits: splitStores(stores, granularity).length - splitStores(realStores, granularity).length,
        capacity: variant.capacity(geometry),
        bootWork,
      },
    };
  });
  return { scenario: scenario.name, granularity, before, seed, onCheckFail, sample: options.sample ?? null, payloadLen: setup.plan.payload.length, variants: reports };
}

/** A reader: the boot of `memory` by a variant's check and then the real restore; `work` hears the check's cost. */
type Reader = (memory: GuestMemory, work?: CheckWork) => SweptBoot;

/**
 * The variant's reader: its check, then our exact emulation of today's boot shim on memory as
 * the check lets it read (patched, then restored: the boot only reads). A failed check panics
 * with {@link HYPOTHETICAL_PANIC_KIND} or takes the fresh path, as `onCheckFail` says.
 */
function reader(variant: HardeningVariant, onCheckFail: CheckFailAction, inputs: BootInputs, g: SaveGeometry): Reader {
  return (memory, work = { checks: 0, bytesRead: 0 }) => {
    const verdict = variant.check(memory, g, work);
    if (verdict.verdict === 'fail') {
      if (onCheckFail === 'panic') {
        return { path: 'panic', attemptedPath: 'persisted', panicKind: HYPOTHETICAL_PANIC_KIND, panic: `hypothetical reader would panic: ${verdict.reason}` };
      }
      // Ignoring the state is what the real reader does without a magic.
      const result = withPatches(memory, [{ what: 'magic', gpa: g.header, bytes: new Uint8Array(8) }], () => boot(inputs, memory));
      if (result.path === 'host') result.reason = `hypothetical reader: ${verdict.reason}; the fresh path`;
      return result;
    }
    return withPatches(memory, verdict.patches ?? [], () => boot(inputs, memory));
  };
}

/** Runs `fn` with `patches` written over memory, then puts the bytes back (in reverse, so overlaps undo right). */
function withPatches<T>(memory: GuestMemory, patches: readonly SweepStore[], fn: () => T): T {
  const saved = patches.map((p) => memory.read(p.gpa, BigInt(p.bytes.length)));
  try {
    for (const p of patches) memory.write(p.gpa, p.bytes);
    return fn();
  } finally {
    for (let i = patches.length - 1; i >= 0; i--) memory.write(patches[i]!.gpa, saved[i]!);
  }
}

/** A copy of `memory` with `stores` applied. */
function applied(memory: GuestMemory, stores: readonly SweepStore[]): GuestMemory {
  const out = memory.clone();
  for (const s of stores) out.write(s.gpa, s.bytes);
  return out;
}

/**
 * The memory before the save as the variant's writer would have left it. With `previous`, a
 * valid shipped save already there is written again in the variant's format, twice (generations
 * 0 and 1, so this save is generation 2): in the steady state every place the variant writes
 * holds an earlier save, and `ab-slots`' other slot is not left clean. Otherwise the memory is
 * the before-state and this save is the first (generation 1).
 */
function previousSave(setup: SweepSetup, variant: HardeningVariant, g: SaveGeometry, before: BeforeState): { memory: GuestMemory; generation: bigint } {
  const memory = setup.old.clone();
  if (before !== 'previous') return { memory, generation: 1n };
  const h = decodeHeader(memory.read(g.header, HEADER_SIZE));
  const fits = h.protobufBase >= g.region.start && h.protobufPayloadLen <= g.region.end - h.protobufBase;
  if (h.magic !== PERSISTED_STATE_MAGIC || !fits) return { memory, generation: 1n };
  const payload = memory.read(h.protobufBase, h.protobufPayloadLen);
  for (const generation of [0n, 1n]) for (const s of variant.stores({ payload, generation }, g)) memory.write(s.gpa, s.bytes);
  return { memory, generation: 2n };
}

/** One writer/reader sweep over the crash points of `stores` applied to `old`. */
function sweep(old: GuestMemory, stores: readonly SweepStore[], granularity: SweepGranularity, sample: number | undefined, seed: number, read: Reader): LabSweep {
  const units = splitStores(stores, granularity);
  const complete = applied(old, stores);
  const references = { old: referenceOutcome(read(old)), new: referenceOutcome(read(complete)) };
  const oldTopology = references.old.path === 'panic' ? undefined : references.old.topology;
  const newTopology = references.new.path === 'panic' ? undefined : references.new.topology;
  const ks = crashPoints(units.length, sample, seed);
  const payloadLen = stores.filter((s) => s.what === 'payload').reduce((n, s) => n + s.bytes.length, 0);
  const torn = (k: number, written: readonly number[]) => {
    const payloadBytes = stores.reduce((n, s, i) => (s.what === 'payload' ? n + (written[i] ?? 0) : n), 0);
    const headerBytes = written.reduce((n, w) => n + (w ?? 0), 0) - payloadBytes;
    return { payloadBytes, payloadLen, headerBytes, description: describeStores(stores, written, k, units.length) };
  };
  const { outcomes } = sweepPoints(old, units, ks, read, torn, { old: oldTopology, new: newTopology });
  const layout = stores.map((s) => ({ what: s.what, gpa: s.gpa, length: s.bytes.length }));
  return { stores: layout, units: units.length, points: ks.length, references, tally: tallyOutcomes(outcomes) };
}

/** Both directions, each against today's reader on a shipped complete save (`shipped`). */
function compatibility(shippedReadsNew: SweptBoot, newReadsShipped: SweptBoot, shipped: SweptBoot): VariantReport['compatibility'] {
  const a = sameAs(shippedReadsNew, shipped);
  const b = sameAs(newReadsShipped, shipped);
  return { shippedReadsNew: a.ok, shippedReadsNewText: a.text, newReadsShipped: b.ok, newReadsShippedText: b.text };
}

/** Whether `got` hands on what `want` does, and what it does, in words. */
function sameAs(got: SweptBoot, want: SweptBoot): { ok: boolean; text: string } {
  if (got.path === 'panic') return { ok: false, text: `panics [${got.panicKind}]: ${got.panic.split('\n')[0]}` };
  if (want.path === 'panic') return { ok: false, text: 'boots, where the shipped pair panics' };
  if (got.path !== want.path) {
    return { ok: false, text: got.path === 'host' ? `takes the fresh path (${got.reason})` : 'restores where the shipped pair takes the fresh path' };
  }
  const diff = topologyDifferences(topologyOf(got), topologyOf(want));
  if (diff.length > 0) return { ok: false, text: `restores a different topology (differs in ${diff.join(', ')})` };
  return { ok: true, text: got.path === 'persisted' ? 'restores the same topology' : 'takes the same fresh path' };
}
