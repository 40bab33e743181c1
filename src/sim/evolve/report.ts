/**
 * `evolve` as a library: a proposed saved-state schema checked against older ones by rule, by
 * execution (payloads written by each side and read by the other) and, for a proposed
 * `SavedState`, by booting the emulated boot shim on the proposed payload. The verdict is
 * `compatible` when no rule is an error, no reader rejects a payload, and the shipped boot
 * shim never panics on the proposed payload.
 */
import { compareSchemas, type RuleFinding, type RuleId } from './rules.js';
import { bootMatrix, type BootCell } from './boot.js';
import { runDirection, type Direction, type Example, type NamedSchema } from './execution.js';
import { probesFor } from './payloads.js';
import { shippedModel } from './shipped.js';

/** Options of {@link evolveReport}. */
export interface EvolveOptions {
  /** The seed of the random payloads; the same seed gives the same report. Default 1. */
  seed?: number;
  /** Random payloads per writer, on top of the hand-picked ones. Default 16. */
  random?: number;
  /**
   * Whether to service the demo VM with the proposal. Default: when any older schema is a
   * shipped `SavedState` version (`v1`, `v2`, `v3`), since the boot shim only reads those.
   */
  boot?: boolean;
}

/** A payload that shows a finding happen. */
export interface Evidence {
  /** `proposed → v1` (the proposal wrote, v1 read) or `v1 → proposed`. */
  direction: string;
  /** The payload and what its reader did. */
  example: Example;
}

/** A finding against one older schema, with the payload that shows it where one does. */
export interface EvolveFinding extends RuleFinding {
  /** The older schema's label. */
  against: string;
  /** A payload that shows it, where one does (a package change shows in no payload). */
  evidence?: Evidence;
}

/** The proposal against one older schema. */
export interface Comparison {
  /** The older schema's label. */
  against: string;
  /** The proposal writes, the older schema reads (new → old: an old build after a rollback, or before its upgrade). */
  forward: Direction;
  /** The older schema writes, the proposal reads (old → new: servicing to the new build). */
  backward: Direction;
}

/** Everything `evolve` found. */
export interface EvolveReport {
  /** The proposal's label. */
  proposed: string;
  /** No error finding, no rejected payload, no panic of the shipped boot shim. */
  compatible: boolean;
  /** Every finding against every older schema, in order. */
  findings: EvolveFinding[];
  /** The execution against each older schema. */
  comparisons: Comparison[];
  /** The boot check. */
  boot: BootCheck;
}

/** The boot part of a report. */
export interface BootCheck {
  /** Whether it ran. */
  ran: boolean;
  /** Why it ran as it did, or why not. */
  reason: string;
  /** One per writer and boot shim. */
  cells: BootCell[];
}

/** Rules that only add to v3, after which a reader built from the proposal is worth booting. */
const ADDITIVE: ReadonlySet<RuleId> = new Set(['new-field-default', 'new-bool', 'required-field-added', 'cannot-tell-from-proto', 'field-renamed']);

/** Checks `proposed` against each of `against` (oldest first); see the module comment. */
export function evolveReport(proposed: NamedSchema, against: readonly NamedSchema[], options: EvolveOptions = {}): EvolveReport {
  const seed = options.seed ?? 1;
  const random = options.random ?? 16;
  const findings: EvolveFinding[] = [];
  const comparisons: Comparison[] = [];
  const proposedProbes = probesFor(proposed.model, { random, seed });
  for (const old of against) {
    const forward = runDirection(proposed, old, proposedProbes);
    const backward = runDirection(old, proposed, probesFor(old.model, { random, seed }));
    comparisons.push({ against: old.label, forward, backward });
    for (const f of compareSchemas(proposed.model, old.model)) {
      const evidence = evidenceFor(f, proposed.model.root, [forward, backward]);
      findings.push({ ...f, against: old.label, ...(evidence && { evidence }) });
    }
  }
  const shipped = against.some((a) => /^v[123]$/.test(a.label));
  const runBoot = options.boot ?? shipped;
  let bootPart: BootCheck = { ran: false, reason: 'not a SavedState proposal: no shipped version among the older schemas', cells: [] };
  if (runBoot) {
    const v3 = shippedModel('v3');
    const additive = compareSchemas(proposed.model, v3).every((f) => ADDITIVE.has(f.id));
    const writers = against.filter((a) => /^v[123]$/.test(a.label));
    bootPart = {
      ran: true,
      reason: additive ? 'the proposal only adds to v3: booted with the shipped reader and with one built from the proposal' : 'the proposal changes v3 beyond additions: booted with the shipped reader only',
      cells: bootMatrix(proposed, v3, writers, additive),
    };
  }
  const rejected = comparisons.some((c) => c.forward.rejected > 0 || c.backward.rejected > 0);
  const panicked = bootPart.cells.some((c) => c.path === 'panic' && c.reader === 'shipped openhcl_boot');
  return {
    proposed: proposed.label,
    compatible: !findings.some((f) => f.severity === 'error') && !rejected && !panicked,
    findings,
    comparisons,
    boot: bootPart,
  };
}

/**
 * The payload that shows a finding: the first (forward, then backward) rejected at or under its
 * field, else the first that dropped, defaulted or read the field differently.
 */
function evidenceFor(f: RuleFinding, root: string, directions: readonly Direction[]): Evidence | undefined {
  if (f.id === 'root-package-changed') {
    // The package is not in the payload: the evidence is a payload the shipped reader takes
    // unchanged, which is exactly why only the rule can catch it.
    const d = directions[0]!;
    const example = d.examples.find((e) => e.payloadHex !== '') ?? d.examples[0];
    return example && { direction: `${d.writer} → ${d.reader}`, example };
  }
  const path = f.field.startsWith(`${root}.`) ? f.field.slice(root.length + 1) : f.field;
  const under = (p: string) => {
    const bare = p.replace(/\[\d+\]/g, '');
    return bare === path || bare.startsWith(`${path}.`) || bare.startsWith(`${path}::`) || path.startsWith(`${bare}.`) || path.startsWith(`${bare}::`);
  };
  const rejects = (e: Example) =>
    e.outcome.error !== undefined && (e.outcome.error.path === '' ? f.id === 'required-field-added' || f.id.startsWith('variant') : under(e.outcome.error.path));
  const loses = (e: Example) => e.outcome.dropped.some(under) || e.outcome.defaulted.some(under) || e.outcome.changed.some((c) => under(c.path));
  // A rejection shows a break best; a payload that loses or changes the field comes next.
  for (const test of [rejects, loses]) {
    for (const d of directions) {
      const example = d.examples.find(test);
      if (example !== undefined) return { direction: `${d.writer} → ${d.reader}`, example };
    }
  }
  return undefined;
}

/** The older schemas `--against` names: shipped labels or already-loaded files. */
export function shippedSchemas(labels: readonly ('v1' | 'v2' | 'v3')[]): NamedSchema[] {
  return labels.map((label) => ({ label, model: shippedModel(label) }));
}
